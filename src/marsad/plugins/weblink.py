"""Web links (`marsad ingest https://...`): what a page held, captured before it is deleted.

One capture of one link gives, as Items sharing the capture's id and the
exchange's record (requested and final URL, each redirect, status, request and
response headers, time of capture, SHA-256 of the body served):

- a direct media link: the file itself;
- a page: its web archive (WACZ: the page and every resource the browser loaded),
  a full-page screenshot and a PDF (headless Chromium), its videos and audio
  (yt-dlp), and the photos it shows or links to.

Every link ends in a clear outcome (gone, blocked, timed out, too large,
unreachable, no media found) and never stops the batch.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from marsad import __version__, conf
from marsad.core.sources import Sighting
from marsad.core.web import archive, browser, media
from marsad.core.web.addresses import Allowed
from marsad.core.web.fetch import BLOCKED, GONE, Fetched, FetchFailed, fetch

MEDIA_TYPES = ("image/", "video/", "audio/", "application/pdf")
MEDIA_SUFFIXES = (".mp4", ".m4v", ".mov", ".webm", ".mkv", ".avi", ".3gp", ".mp3", ".m4a", ".ogg", ".opus",
                  ".wav", ".pdf") + media.IMAGE_SUFFIXES
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_HTML_READ = 8 << 20  # enough of a page to find its photos
_GENERIC = ("generic", "html5")  # yt-dlp extractors that read any page, not a platform


def allowed_internal() -> Allowed:
    """The internal hosts links may reach, from the settings (none unless named)."""
    return Allowed.parse(conf.get("fetch_allow_hosts"), everything=bool(conf.get("web_allow_private")))


def is_url(locator: str) -> bool:
    return locator.strip().lower().startswith(("http://", "https://"))


class WebLinkSource:
    name = "web"

    def recognises(self, locator: str) -> bool:
        return is_url(locator)

    def sightings(self, locator: str, extra: dict[str, Any] | None = None) -> Iterator[Sighting]:
        """`extra`: what a link list said about the link, kept on each capture."""
        url = locator.strip()
        scratch = Path(tempfile.mkdtemp(prefix="marsad-web-"))
        try:
            yield from _Capture(url, scratch, extra or {}).sightings()
        finally:
            shutil.rmtree(scratch, ignore_errors=True)


class _Capture:
    def __init__(self, url: str, scratch: Path, extra: dict[str, Any]) -> None:
        self.url = url
        self.scratch = scratch
        self.extra = extra
        self.id = uuid.uuid4().hex
        self.timeout = float(conf.get("web_timeout"))
        self.max_bytes = int(conf.get("web_max_bytes"))
        self.agent = conf.get("web_user_agent")
        self.common: dict[str, Any] = {}
        self.allowed = allowed_internal()

    def failure(self, outcome: str, message: str) -> Sighting:
        return Sighting("web", None, self.url, _url_name(self.url) or self.url, url=self.url,
                        error=f"{outcome}: {message}")

    def sighting(self, path: Path, role: str, name: str, *, n: int = 0, notice: str = "",
                 details: dict[str, Any] | None = None, posted_at: datetime | None = None,
                 channel: str = "") -> Sighting:
        return Sighting(
            "web", os.fsencode(path), f"{self.url} [{role}{f' {n}' if n else ''}]", name,
            size=path.stat().st_size, url=self.url, posted_at=posted_at, channel=channel,
            details={"web_capture": self.id, "role": role} | self.common | (details or {}) | self.extra,
            identity=f"{self.id}/{role}/{n}", notice=notice,
        )

    def get(self, url: str) -> Fetched:
        return fetch(url, self.scratch, timeout=self.timeout, max_bytes=self.max_bytes, user_agent=self.agent,
                     allowed=self.allowed)

    def sightings(self) -> Iterator[Sighting]:
        try:
            page = self.get(self.url)
        except FetchFailed as e:
            yield self.failure(e.outcome, str(e))
            return
        status = page.status
        if status in GONE or status in BLOCKED or status >= 400:
            outcome = "gone" if status in GONE else "blocked" if status in BLOCKED else "http-error"
            yield self.failure(outcome, f"HTTP {status} {page.final.reason}".strip())
            return
        self.common = page.summary()
        if _is_media(page):
            name = _disposition_name(page.final.header("Content-Disposition")) or _url_name(page.final_url) or "media"
            yield self.sighting(page.body, "media file", name)
            return
        yield from self.page(page)

    def page(self, page: Fetched) -> Iterator[Sighting]:
        notes: list[str] = []
        rendered = browser.Rendered()
        try:
            found = browser.find_browser(conf.get("browser"))
            rendered = browser.render(page.final_url, self.scratch, browser=found, timeout=self.timeout,
                                      user_agent=self.agent, max_bytes=self.max_bytes, allowed=self.allowed)
            notes += rendered.problems
        except browser.BrowserUnavailable as e:
            notes.append(f"no screenshot or PDF: {e}")

        stamp = page.fetched_at.strftime("%Y%m%dT%H%M%SZ")
        base = _slug(page.final_url)
        try:
            wacz = self._archive(page, rendered, f"{base}-{stamp}")
        except archive.ArchiveFailed as e:
            notes.append(str(e))
            wacz = None

        found_media = media.download_media(page.final_url, self.scratch / "media", timeout=self.timeout,
                                           max_bytes=self.max_bytes, user_agent=self.agent, allowed=self.allowed)
        notes += found_media.notes
        photos = list(self.photos(page)) if page.content_type in _HTML_TYPES else []
        if not found_media.files and not photos:
            notes.append("no photos on the page")

        # The page archive first: it carries the notes a person should read.
        notice = "; ".join(dict.fromkeys(notes))
        if wacz is not None:
            yield self.sighting(wacz, "page archive", wacz.name, notice=notice,
                                details={"title": rendered.title, "resources": len(rendered.resources) + 1})
        else:
            yield self.sighting(page.body, "page", f"{base}-{stamp}.html", notice=notice)
        if rendered.screenshot:
            yield self.sighting(rendered.screenshot, "screenshot", f"{base}-{stamp}.png")
        if rendered.pdf:
            yield self.sighting(rendered.pdf, "page PDF", f"{base}-{stamp}.pdf")
        for n, item in enumerate(found_media.files, 1):
            channel = item.info.get("channel") or item.info.get("uploader") or ""
            # The generic extractor dates a file by the server's Last-Modified, which says nothing of
            # when it was posted: only a site extractor's date is taken as the post time.
            posted = item.posted_at if item.info.get("extractor") not in _GENERIC else None
            name = _url_name(item.info.get("url", "")) or item.path.name.split("-", 1)[-1]
            yield self.sighting(item.path, "media", name, n=n, details={"media": item.info}, posted_at=posted,
                                channel=channel)
        for n, (photo, photo_url) in enumerate(photos, 1):
            yield self.sighting(photo.body, "photo", _url_name(photo.final_url) or f"photo-{n}", n=n,
                                details={"media_url": photo_url, "media_final_url": photo.final_url,
                                         "media_sha256": photo.sha256,
                                         "media_headers": photo.final.headers})

    def _archive(self, page: Fetched, rendered: browser.Rendered, stem: str) -> Path:
        exchanges = [
            archive.Exchange(h.url, h.status, h.reason, h.headers, h.body if h is not page.final else page.body,
                             page.fetched_at, h.method, h.request_headers)
            for h in page.hops
        ]
        fetched = {h.url for h in page.hops}
        exchanges += [r for r in rendered.resources if r.url not in fetched]
        warc = self.scratch / f"{stem}.warc.gz"
        archive.write_warc(warc, exchanges, software=f"Marsad {__version__}")
        return archive.make_wacz(warc, self.scratch / f"{stem}.wacz", url=page.final_url, date=page.fetched_at,
                                 title=rendered.title or page.final_url)

    def photos(self, page: Fetched) -> Iterator[tuple[Fetched, str]]:
        with open(page.body, "rb") as f:
            html = f.read(_HTML_READ).decode(_charset(page) or "utf-8", errors="replace")
        smallest = int(conf.get("web_min_image_bytes"))
        seen: set[str] = set()
        for link in media.image_links(html, page.final_url):
            try:
                photo = self.get(link)
            except FetchFailed:
                continue  # one missing photo does not fail the page; the archive shows what was there
            if photo.status != 200 or not photo.content_type.startswith("image/") or photo.size < smallest \
                    or photo.sha256 in seen:
                photo.body.unlink(missing_ok=True)
                continue
            seen.add(photo.sha256)
            yield photo, link


def _is_media(page: Fetched) -> bool:
    if page.content_type.startswith(MEDIA_TYPES):
        return True
    generic = page.content_type in ("", "application/octet-stream", "binary/octet-stream")
    return generic and urlsplit(page.final_url).path.lower().endswith(MEDIA_SUFFIXES)


def _charset(page: Fetched) -> str:
    match = re.search(r"charset=([\w-]+)", page.final.header("Content-Type"), re.I)
    return match.group(1) if match else ""


def _url_name(url: str) -> str:
    return os.path.basename(unquote(urlsplit(url).path))


def _disposition_name(value: str) -> str:
    match = re.search(r"filename\*?=(?:UTF-8'')?\"?([^\";]+)\"?", value, re.I)
    return os.path.basename(unquote(match.group(1))) if match else ""


def _slug(url: str) -> str:
    parts = urlsplit(url)
    text = f"{parts.hostname or 'page'}{parts.path}".rstrip("/")
    return re.sub(r"[^A-Za-z0-9.]+", "-", text)[:80].strip("-") or "page"
