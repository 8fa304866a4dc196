"""The web app's cast and a real browser.

The browser is Debian's Chromium driven by Playwright (nothing downloaded). Every
page a browser test opens is watched: a request to any host but the app's own, or
a Content Security Policy violation, fails the test. Screenshots are test
artefacts, written under $MARSAD_SCREENSHOTS (default test-artifacts/screenshots)."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# around it are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
ROLES = ("owner", "manager", "editor", "viewer", "restricted")
SHOTS = Path(os.environ.get("MARSAD_SCREENSHOTS", Path(__file__).resolve().parents[2] / "test-artifacts/screenshots"))


def password_of(name: str) -> str:
    return f"pw-{name}-Idlib-2019"


@pytest.fixture
def team(db):
    """A project with one member per role, and an outsider who belongs to another project."""
    from django.core.cache import cache

    from marsad.access import service

    cache.clear()  # allauth's login rate limits live in the cache, which outlives each test's database
    actor = "actor:test"
    project = service.add_project("Idlib 2019", "idlib", actor=actor)
    other = service.add_project("Elsewhere", "elsewhere", actor=actor)
    people = {}
    for role in ROLES:
        people[role] = service.add_user(role, password_of(role), actor=actor)
        service.set_role(people[role], project, role, actor=actor)
    people["outsider"] = service.add_user("outsider", password_of("outsider"), actor=actor)
    service.set_role(people["outsider"], other, "owner", actor=actor)
    return {"project": project, "other": other, **people}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (Debian package chromium; `make test` installs it)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM,
            "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                     "--no-first-run", "--disable-sync", "--disable-quic"]}


class Guard:
    """Every request and every CSP violation a page causes."""

    def __init__(self, base_url: str) -> None:
        self.own = urlsplit(base_url).netloc
        self.requests: list[str] = []
        self.violations: list[str] = []
        self.pending: set = set()

    def watch(self, page) -> None:
        page.on("request", self._request)
        page.on("requestfinished", lambda r: self.pending.discard(r))
        page.on("requestfailed", lambda r: self.pending.discard(r))
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.violations.append(f"page error: {e}"))

    def _request(self, request) -> None:
        self.requests.append(request.url)
        self.pending.add(request)

    def settle(self, page, seconds: float = 30) -> None:
        """Waits for the requests still in flight (an htmx fragment loaded after the page):
        the test's database is emptied when it ends, under a view still running."""
        deadline = time.monotonic() + seconds
        while self.pending and time.monotonic() < deadline and not page.is_closed():
            page.wait_for_timeout(50)

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            self.violations.append(message.text)

    def foreign(self) -> list[str]:
        return [u for u in self.requests if urlsplit(u).scheme in ("http", "https", "ws", "wss")
                and urlsplit(u).netloc != self.own]

    def check(self) -> None:
        assert not self.violations, f"CSP violations or page errors: {self.violations}"
        assert not self.foreign(), f"requests to other hosts: {self.foreign()}"


@pytest.fixture
def guarded(page, live_server):
    """A page on the live server, checked for CSP violations and other hosts when the test ends."""
    guard = Guard(live_server.url)
    guard.watch(page)
    page.guard = guard
    yield page
    guard.settle(page)
    guard.check()


class Shots:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.n = 0

    def __call__(self, page, name: str) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.n += 1
        path = self.folder / f"{self.n:02d}-{re.sub(r'[^a-z0-9-]+', '-', name.lower())}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def shot(request):
    """shot(page, "step name") saves a numbered screenshot for this test."""
    return Shots(SHOTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name))


def login(page, base_url: str, lang: str, username: str, password: str | None = None) -> None:
    page.goto(f"{base_url}/{lang}/accounts/login/")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", password or password_of(username))
    with page.expect_navigation():  # else the caller may read the login page still
        page.locator("form button[type=submit]").first.click()
    page.wait_for_load_state()
