"""The media a page carries: videos and audio through `yt-dlp` (its site
extractors where one applies, its generic extractor for `<video>` tags and
embedded players elsewhere), and the photos of a page or gallery from its HTML.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from .addresses import Allowed, connections_checked

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".heic", ".tif", ".tiff")
_INFO_FIELDS = ("extractor", "id", "title", "uploader", "uploader_id", "channel", "channel_id", "upload_date",
                "timestamp", "webpage_url", "duration", "description", "original_url", "url")


@dataclass
class Downloaded:
    path: Path
    info: dict[str, Any]

    @property
    def posted_at(self) -> datetime | None:
        """When the platform says it was posted (its timestamp, else its upload day)."""
        if isinstance(self.info.get("timestamp"), (int, float)):
            return datetime.fromtimestamp(self.info["timestamp"], timezone.utc)
        day = self.info.get("upload_date")
        if isinstance(day, str) and len(day) == 8 and day.isdigit():
            return datetime.strptime(day, "%Y%m%d").replace(tzinfo=timezone.utc)
        return None


@dataclass
class MediaResult:
    files: list[Downloaded] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class _Log:
    """yt-dlp's logger: kept, not printed (a batch of links must read cleanly)."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def debug(self, msg: str) -> None:
        pass

    def info(self, msg: str) -> None:
        pass

    def warning(self, msg: str) -> None:
        self.lines.append(msg)

    def error(self, msg: str) -> None:
        self.lines.append(msg)


def download_media(url: str, out_dir: Path, *, timeout: float, max_bytes: int, user_agent: str,
                   max_items: int = 50, allowed: Allowed | None = None) -> MediaResult:
    """yt-dlp's connections are checked as the fetch's are: none reaches an internal address
    that `allowed` does not cover (a page's `<video src>` could point at one)."""
    import yt_dlp

    log = _Log()
    options = {
        "outtmpl": str(out_dir / "%(autonumber)03d-%(id).60B.%(ext)s"),
        "restrictfilenames": True,
        "quiet": True, "no_warnings": True, "noprogress": True, "logger": log,
        "socket_timeout": timeout, "retries": 0, "fragment_retries": 0, "extractor_retries": 0,
        "max_filesize": max_bytes, "playlistend": max_items, "noplaylist": False,
        "http_headers": {"User-Agent": user_agent},
        # Merging separate video and audio streams needs ffmpeg; without it take the best single file.
        "format": "bv*+ba/b" if shutil.which("ffmpeg") else "b",
        "cachedir": False, "color": "never",
        # Every download in this thread and in Python, so that its connections are checked.
        "concurrent_fragment_downloads": 1, "external_downloader": {"default": "native"},
        # A live stream never ends: it is noted, not recorded (that needs a recorder, not a capture).
        "match_filter": yt_dlp.utils.match_filter_func("!is_live"),
    }
    result = MediaResult()
    try:
        with yt_dlp.YoutubeDL(options) as ydl, connections_checked(allowed or Allowed()):
            info = ydl.extract_info(url, download=True)
    except yt_dlp.utils.DownloadError as e:
        message = str(e).removeprefix("ERROR: ")
        if "Unsupported URL" in message:
            result.notes.append("no video or audio found on the page")
        else:
            result.notes.append(f"media not downloaded: {message[:300]}")
        return result
    entries = info.get("entries") if info and info.get("_type") == "playlist" else [info]
    for entry in entries or []:
        if not entry:
            continue
        paths = [d.get("filepath") for d in entry.get("requested_downloads") or []]
        kept = {k: entry.get(k) for k in _INFO_FIELDS if entry.get(k) not in (None, "")}
        found = [Path(p) for p in paths if p and Path(p).is_file()]
        if not found:
            why = "a live stream, not recorded" if entry.get("is_live") else \
                f"larger than {max_bytes:,} bytes, or refused"
            result.notes.append(f"{entry.get('webpage_url') or entry.get('url') or url}: not downloaded ({why})")
        result.files.extend(Downloaded(p, kept) for p in found)
    result.notes.extend(line for line in log.lines if "max-filesize" in line or "larger than" in line)
    return result


class _ImageLinks(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "img":
            if a.get("srcset"):
                self.found.append(_largest(a["srcset"]))
            for key in ("data-src", "data-original", "src"):
                if a.get(key):
                    self.found.append(a[key])
                    break
        elif tag == "source" and a.get("type", "").startswith("image/") and a.get("srcset"):
            self.found.append(_largest(a["srcset"]))
        elif tag == "a" and urlsplit(a.get("href", "")).path.lower().endswith(IMAGE_SUFFIXES):
            self.found.append(a["href"])  # a gallery's thumbnails link to the full-size photo
        elif tag == "meta" and a.get("property", a.get("name", "")) in ("og:image", "twitter:image"):
            self.found.append(a.get("content", ""))


def _largest(srcset: str) -> str:
    best, best_w = "", -1.0
    for part in srcset.split(","):
        bits = part.strip().split()
        if not bits:
            continue
        width = 0.0
        if len(bits) > 1 and bits[1][:-1].replace(".", "", 1).isdigit():
            width = float(bits[1][:-1])
        if width > best_w:
            best, best_w = bits[0], width
    return best


def image_links(html: str, base_url: str, limit: int = 200) -> list[str]:
    """Absolute URLs of the photos a page shows or links to, in page order, once each."""
    parser = _ImageLinks()
    parser.feed(html)
    seen: dict[str, None] = {}
    for link in parser.found:
        if not link or link.startswith("data:"):
            continue
        absolute = urljoin(base_url, link.strip())
        if absolute.startswith(("http://", "https://")):
            seen.setdefault(absolute.split("#")[0], None)
    return list(seen)[:limit]
