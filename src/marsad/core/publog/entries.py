"""Public log entries: what was published, redacted, corrected or withdrawn, and from
which internal checkpoint. Only a site path, a SHA-256 and the internal tree head:
never an original's hash, an actor or a restricted detail (the internal log holds those).
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, fields

import rfc8785

TYPES = ("publish", "redaction", "correction", "withdrawal")
_SHA = re.compile(r"[0-9a-f]{64}")
_CONTROL = re.compile(r"[\x00-\x1f]")
_SAFE_INT = 1 << 53  # integers RFC 8785 writes as Python does (beyond, as an IEEE double)


def canonical(data: dict) -> bytes:
    """RFC 8785 canonical JSON of an entry's fields. For plain values (ASCII keys, text, integers
    under 2**53) Python's sorted, compact JSON is the same bytes and several times faster (reading
    a log of 20,000 entries back checks each one): anything else goes through rfc8785."""
    if _plain(data):
        try:
            return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: rfc8785 says what it says
            pass
    return rfc8785.dumps(data)


def _plain(value) -> bool:
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        return -_SAFE_INT < value < _SAFE_INT
    if kind is dict:
        return all(type(k) is str and k.isascii() and _plain(v) for k, v in value.items())
    return False


def check_path(path: str) -> str:
    """A site path: relative, '/'-separated, no '.', '..' or empty parts, not the log's own."""
    parts = path.split("/")
    if (not path or path.startswith("/") or "\\" in path or any(p in ("", ".", "..") for p in parts)
            or parts[0] == "log" or path.endswith(".tlog-proof") or _CONTROL.search(path)):
        raise ValueError(f"not a publishable site path: {path!r}")
    return path


@dataclass(frozen=True)
class Entry:
    type: str
    path: str
    sha256: str | None  # None for a withdrawal
    internal_size: int
    internal_root: bytes
    time: str  # UTC, ISO 8601 to the second

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise ValueError(f"unknown public log entry type {self.type!r}")
        check_path(self.path)
        if (self.sha256 is None) != (self.type == "withdrawal") or (
                self.sha256 is not None and not _SHA.fullmatch(self.sha256)):
            raise ValueError(f"bad SHA-256 {self.sha256!r} for a {self.type} entry")
        if self.internal_size < 0 or len(self.internal_root) != 32:
            raise ValueError("the internal checkpoint needs a size and a 32-byte root")

    def to_bytes(self) -> bytes:
        """RFC 8785 canonical JSON: the exact bytes the leaf hash commits to."""
        data = {"type": self.type, "path": self.path, "time": self.time,
                "internal_checkpoint": {"size": self.internal_size,
                                        "root": base64.b64encode(self.internal_root).decode()}}
        if self.sha256 is not None:
            data["sha256"] = self.sha256
        return canonical(data)

    @staticmethod
    def _values(raw: bytes) -> tuple:
        """The entry's fields from its bytes, in the constructor's order."""
        try:
            d = json.loads(raw)
            internal = d["internal_checkpoint"]
            return (d["type"], d["path"], d.get("sha256"), internal["size"],
                    base64.b64decode(internal["root"], validate=True), d["time"])
        except (ValueError, KeyError, TypeError) as e:
            raise ValueError(f"malformed public log entry: {e}") from e

    @classmethod
    def parse(cls, raw: bytes) -> Entry:
        values = cls._values(raw)
        try:
            entry = cls(*values)
        except (ValueError, TypeError) as e:
            raise ValueError(f"malformed public log entry: {e}") from e
        if entry.to_bytes() != raw:
            raise ValueError("public log entry is not in canonical form")
        return entry

    @classmethod
    def trusted(cls, raw: bytes) -> Entry:
        """An entry whose bytes `parse` accepted before (the log proves them unchanged), read
        without checking its form again: a quarter of the time, for logs of tens of thousands."""
        entry = object.__new__(cls)
        for field, value in zip(fields(cls), cls._values(raw), strict=True):
            object.__setattr__(entry, field.name, value)
        return entry
