"""A page as a person saw it: headless Chromium (through Playwright, using the
Chromium installed on the machine, never a downloaded one) loads the page,
takes a full-page screenshot and a PDF, and hands back every resource it loaded
so the web archive can replay the page."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import pwd
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

from .addresses import Allowed, refused_addresses
from .archive import Exchange

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "chrome")


class BrowserUnavailable(Exception):
    pass


@dataclass
class Rendered:
    title: str = ""
    screenshot: Path | None = None
    pdf: Path | None = None
    resources: list[Exchange] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def find_browser(configured: str = "") -> str:
    path = configured or next((p for p in map(shutil.which, CANDIDATES) if p), "")
    if not path or not os.access(path, os.X_OK):
        raise BrowserUnavailable("no Chromium found (install Debian's `chromium`, or set MARSAD_BROWSER)")
    return path


def render(url: str, out_dir: Path, *, browser: str, timeout: float, user_agent: str, max_bytes: int,
           allowed: Allowed | None = None) -> Rendered:
    """Load `url` and capture it; a page that loads partly is still captured, with what went wrong.
    Requests to internal addresses that `allowed` does not name are refused: a page could
    otherwise make the archive carry the office router's or a metadata service's answers."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _render(url, out_dir, browser, timeout, user_agent, max_bytes, allowed)
    # Playwright's sync API refuses to run where an event loop runs (an async server, a
    # test session driving another browser): the capture then runs in a thread of its own.
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="marsad-render") as pool:
        return pool.submit(_render, url, out_dir, browser, timeout, user_agent, max_bytes, allowed).result()


def _render(url: str, out_dir: Path, browser: str, timeout: float, user_agent: str, max_bytes: int,
            allowed: Allowed | None) -> Rendered:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    rendered = Rendered()
    responses = []
    # Without user namespaces (containers) Chromium's sandbox cannot start: as root it is
    # run as `nobody` instead, so a page that breaks out of the renderer holds no rights.
    args = ["--no-sandbox"] if os.geteuid() == 0 else []
    profile = Path(tempfile.mkdtemp(prefix="marsad-chromium-"))
    with sync_playwright() as p, contextlib.ExitStack() as cleanup:
        cleanup.callback(shutil.rmtree, profile, ignore_errors=True)
        launcher = _unprivileged(browser, profile) if os.geteuid() == 0 else browser
        try:
            chromium = p.chromium.launch_persistent_context(
                profile / "data", executable_path=launcher, args=args, timeout=timeout * 1000,
                user_agent=user_agent, viewport={"width": 1280, "height": 900})
        except PlaywrightError as e:
            raise BrowserUnavailable(f"Chromium at {browser} did not start: {str(e).splitlines()[0]}") from e
        try:
            page = chromium.new_page()
            page.on("response", lambda r: responses.append(r))
            page.route("**/*", lambda route: _guard(route, allowed or Allowed()))
            try:
                page.goto(url, wait_until="load", timeout=timeout * 1000)
            except PlaywrightError as e:
                rendered.problems.append(f"page did not finish loading: {str(e).splitlines()[0]}")
            try:
                page.wait_for_load_state("networkidle", timeout=min(timeout, 10) * 1000)
            except PlaywrightError:
                pass  # pages that poll forever are captured as they are
            rendered.title = _quiet(page.title) or ""
            shot, pdf = out_dir / "screenshot.png", out_dir / "page.pdf"
            try:
                page.screenshot(path=shot, full_page=True, timeout=timeout * 1000)
                rendered.screenshot = shot
            except PlaywrightError as e:
                rendered.problems.append(f"no screenshot: {str(e).splitlines()[0]}")
            try:
                page.emulate_media(media="screen")
                page.pdf(path=pdf, print_background=True)
                rendered.pdf = pdf
            except PlaywrightError as e:
                rendered.problems.append(f"no PDF: {str(e).splitlines()[0]}")
            rendered.resources = _exchanges(responses, max_bytes)
        finally:
            chromium.close()
    return rendered


def _unprivileged(browser: str, profile: Path) -> str:
    """A launcher that starts `browser` as `nobody`, its profile and home in `profile`."""
    user = pwd.getpwnam("nobody")
    launcher = profile / "chromium-as-nobody"
    launcher.write_text(
        f"#!{sys.executable} -I\n"
        "import os, sys\n"
        f"os.setgroups([]); os.setgid({user.pw_gid}); os.setuid({user.pw_uid})\n"
        f"os.environ['HOME'] = {str(profile / 'data')!r}\n"
        f"os.execv({browser!r}, [{browser!r}, *sys.argv[1:]])\n")
    launcher.chmod(0o700)  # root's, in a folder of root's: nobody cannot swap it
    profile.chmod(0o711)
    (profile / "data").mkdir(mode=0o700)
    os.chown(profile / "data", user.pw_uid, user.pw_gid)
    return str(launcher)


def _guard(route, allowed: Allowed) -> None:
    url = route.request.url
    host = urlsplit(url).hostname or ""
    if url.startswith(("http://", "https://")) and refused_addresses(host, allowed):
        route.abort("blockedbyclient")
    else:
        route.continue_()


def _exchanges(responses, max_bytes: int) -> list[Exchange]:
    out, total = [], 0
    for r in responses:
        if r.status in (206, 0) or 300 <= r.status < 400 or not r.url.startswith(("http://", "https://")):
            continue  # partial ranges, redirects (the fetch keeps the chain), data: URLs
        body = _quiet(r.body)
        if body is None or total + len(body) > max_bytes:
            continue
        total += len(body)
        request = r.request
        pairs = _quiet(r.headers_array)
        headers = [(h["name"], h["value"]) for h in pairs] if pairs else list(r.headers.items())
        out.append(Exchange(
            url=r.url, status=r.status, reason=r.status_text or "", headers=headers, body=body, date=datetime.now(timezone.utc), method=request.method,
            request_headers=list(request.headers.items()),
        ))
    return out


def _quiet(call):
    try:
        return call()
    except Exception:  # a closed page or an evicted body: capture what can be had
        return None
