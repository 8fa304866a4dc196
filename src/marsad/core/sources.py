"""The Source protocol: one way to plug in a new kind of evidence source.

A source turns a locator (a folder, an export, a URL) into Sightings: a file to
preserve (or a reason it could not be read) plus what is known of where it was
seen. The ingest pipeline does the rest the same way for every source.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable


@dataclass
class Sighting:
    source_kind: str
    path: bytes | None  # local file with the bytes; None when unreadable
    display_path: str
    name: str
    path_b64: str = ""  # exact bytes of the name when it is not UTF-8
    mtime: datetime | None = None
    size: int | None = None
    error: str | None = None  # why it cannot be preserved
    url: str = ""
    channel: str = ""
    post_id: str = ""
    posted_at: datetime | None = None
    text: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    content: bytes | None = None  # bytes made by the source itself (a text-only post), instead of `path`
    identity: str = ""  # where the source has its own ids (channel + post): the sighting's identity
    notice: str = ""  # something a person should read about this sighting that is not a failure

    def key(self, sha256: str) -> str:
        """Identity of this sighting: the same file seen again unchanged is not new; with
        an `identity`, the same post seen again in another export is not new either."""
        if self.identity:
            parts = [self.source_kind, self.identity, sha256]
        else:
            parts = [self.source_kind, self.path_b64 or self.display_path, self.url, self.channel,
                     self.post_id, self.mtime.isoformat() if self.mtime else "", str(self.size), sha256]
        return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogateescape")).hexdigest()


# C0/C1 controls and the bidi embeddings, overrides and isolates that can make
# "gpj.exe" read as "exe.jpg"; joiners (ZWJ/ZWNJ), which Arabic-script names use, stay.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
MAX_NAME = 1000


def clean_name(text: str, limit: int = MAX_NAME) -> str:
    """A name someone else chose (a browser's file name or folder), safe to store and show:
    no control characters, no bidi overrides."""
    return _UNSAFE.sub("", text or "").strip()[:limit]


def storable(value: Any) -> Any:
    """A string, or JSON holding strings, as a database can keep it: PostgreSQL refuses NUL in
    text and jsonb, so each NUL becomes U+FFFD (a post's own bytes stay in its preserved file)."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [storable(v) for v in value]
    return value


class SourceError(ValueError):
    """The locator looked like this source's but cannot be read; the message says why."""


@runtime_checkable
class Source(Protocol):
    name: str

    def recognises(self, locator: str) -> bool:
        """Whether this source can read the locator."""

    def sightings(self, locator: str) -> Iterator[Sighting]:
        """Every file or report the locator holds, in a stable order. A source may
        stream: a sighting's `path` need only stay readable until the next sighting
        is asked for (a payload spooled from an archive or a download is then removed),
        so consume them one at a time, as `ingest_stream` does."""
