"""Sources described by kind only: "3 videos from Telegram", never a channel, an
author, a URL or a file name."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

# A capture's source_kind as the place it came from, in words a reader understands.
ORIGINS = {"telegram": "telegram", "web": "web", "linklist": "web", "webarchive": "webarchive"}
DEFAULT_ORIGIN = "files"
KINDS = ("image", "video", "audio", "document", "other")


def origin_of(source_kind: str | None) -> str:
    return ORIGINS.get(source_kind or "", DEFAULT_ORIGIN)


def count_by_kind(pairs: Iterable[tuple[str, str | None]]) -> list[tuple[str, str, int]]:
    """(media kind, source_kind) pairs as sorted (kind, origin, count) rows."""
    counts = Counter((kind if kind in KINDS else "other", origin_of(source)) for kind, source in pairs)
    return [(kind, origin, n) for (kind, origin), n in sorted(counts.items())]
