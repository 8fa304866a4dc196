"""A page as a person saw it: headless Chromium (through Playwright, using the
Chromium installed on the machine, never a downloaded one) loads the page,
takes a full-page screenshot and a PDF, and hands back every resource it loaded
so the web archive can replay the page."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

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


def render(url: str, out_dir: Path, *, browser: str, timeout: float, user_agent: str, max_bytes: int) -> Rendered:
    """Load `url` and capture it; a page that loads partly is still captured, with what went wrong."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    rendered = Rendered()
    responses = []
    args = ["--no-sandbox"] if os.geteuid() == 0 else []  # Chromium refuses root without it
    with sync_playwright() as p:
        try:
            chromium = p.chromium.launch(executable_path=browser, args=args, timeout=timeout * 1000)
        except PlaywrightError as e:
            raise BrowserUnavailable(f"Chromium at {browser} did not start: {str(e).splitlines()[0]}") from e
        try:
            page = chromium.new_page(user_agent=user_agent, viewport={"width": 1280, "height": 900})
            page.on("response", lambda r: responses.append(r))
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
