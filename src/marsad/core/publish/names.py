"""Where each published file lives in the site: short, stable, and never derived
from anything a source chose (no original file names)."""

from __future__ import annotations

import re

LANGUAGES = ("ar", "en")
MEDIA_SUFFIX = {"image/jpeg": ".jpg", "video/mp4": ".mp4"}
_CODE = re.compile(r"^[A-Z0-9-]{1,32}$")


def incident_page(code: str, lang: str) -> str:
    if not _CODE.match(code):
        raise ValueError(f"not an incident code fit for a file name: {code!r}")
    return f"{lang}/incidents/{code}.html"


def index_page(lang: str) -> str:
    return f"{lang}/index.html"


def methodology_page(lang: str) -> str:
    return f"{lang}/methodology.html"


def media_file(sha256: str, mime: str) -> str:
    """Named by the published file's own hash, so the name cannot leak the original's."""
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValueError(f"not a SHA-256: {sha256!r}")
    return f"media/{sha256}{MEDIA_SUFFIX.get(mime, '.bin')}"


def relative(from_page: str, target: str) -> str:
    """`target` (site path) as a relative link from `from_page`: works from file:// and any host."""
    depth = from_page.count("/")
    return "../" * depth + target


def timeline_page(lang: str) -> str:
    return f"{lang}/timeline.html"


def feed_file(lang: str) -> str:
    """The Atom feed of one language, beside its index."""
    return f"{lang}/feed.atom"


EVENTS_FILE = "data/events.json"  # TimeMap's events list
