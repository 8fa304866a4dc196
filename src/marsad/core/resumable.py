"""Server side of resumable uploads: the tus 1.0 core protocol with the creation
and termination extensions, over a plain folder (https://tus.io/protocols/resumable-upload).

Each upload is two files: `<id>.data` holds the bytes received so far and
`<id>.json` its declared length, metadata, owner and creation time. The offset
*is* the size of the data file, so it survives restarts and cut connections:
bytes are written as they arrive, never buffered into a whole chunk first.

A POSIX advisory lock (flock) on the data file serialises writers: a client
retrying while its old, dead request still holds the upload gets `Locked`.
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import json
import os
import re
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, BinaryIO

PIECE = 1 << 20  # read the request in 1 MiB pieces: a 2 GB chunk never sits in memory
# secrets.token_urlsafe(16): 128 random bits. Use fullmatch: `$` would let a trailing newline in.
ID_RE = re.compile(r"[A-Za-z0-9_-]{22}")
_KEY_RE = re.compile(r"[!-+\--~]+")  # printable ASCII without space or comma


class UploadError(Exception):
    """Base of every error this module raises."""


class NotFound(UploadError):
    """No such upload, or it belongs to someone else (the two are not told apart)."""


class BadRequest(UploadError, ValueError):
    """A malformed value: negative length, bad metadata."""


class TooLarge(UploadError):
    """Over the server's maximum size, or past the upload's declared length."""


class Locked(UploadError):
    """Another request is writing, finishing or deleting this upload."""


class OffsetMismatch(UploadError):
    """The client's offset is not where the upload stands; `offset` says where it does."""

    def __init__(self, offset: int) -> None:
        super().__init__(f"upload is at offset {offset}")
        self.offset = offset


@dataclass(frozen=True)
class UploadInfo:
    id: str
    length: int
    offset: int
    metadata: dict[str, str]
    created: datetime
    finished: bool = False  # the completion callback ran and its result is stored
    result: Any = None

    @property
    def complete(self) -> bool:
        return self.offset == self.length


def parse_metadata(header: str | None) -> dict[str, str]:
    """Parse an Upload-Metadata header: comma-separated `key base64value` pairs
    (the value may be absent). Values must be UTF-8 text."""
    result: dict[str, str] = {}
    if not header or not header.strip():
        return result
    for pair in header.split(","):
        parts = pair.strip().split(" ")
        if len(parts) > 2 or not _KEY_RE.fullmatch(parts[0]):
            raise BadRequest(f"malformed metadata pair: {pair.strip()[:40]!r}")
        key = parts[0]
        if key in result:
            raise BadRequest(f"metadata key given twice: {key!r}")
        raw = parts[1] if len(parts) == 2 else ""
        try:
            result[key] = base64.b64decode(raw, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as e:
            raise BadRequest(f"metadata value of {key!r} is not base64 of UTF-8 text") from e
    return result


def encode_metadata(metadata: dict[str, str]) -> str:
    """The Upload-Metadata header for `metadata` (the inverse of parse_metadata)."""
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}".rstrip() for k, v in metadata.items())


class Uploads:
    """Uploads in progress in one folder, each owned by one `owner` string."""

    def __init__(self, folder: str | os.PathLike[str], max_size: int) -> None:
        self.folder = Path(folder)
        self.max_size = max_size

    # -- the protocol -------------------------------------------------------

    def create(self, length: int, metadata: dict[str, str], owner: str) -> str:
        if not isinstance(length, int) or length < 0:
            raise BadRequest("upload length must be a whole number of bytes")
        if length > self.max_size:
            raise TooLarge(f"{length} bytes is over the maximum of {self.max_size}")
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        upload_id = secrets.token_urlsafe(16)
        # The data file first: a crash in between leaves a data file without a
        # sidecar, which `expire` removes; never a sidecar pointing at nothing.
        fd = os.open(self._data(upload_id), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        self._write_sidecar(upload_id, {
            "id": upload_id, "length": length, "metadata": dict(metadata), "owner": owner,
            "created": time.time(), "finished": False, "result": None,
        })
        return upload_id

    def offset(self, upload_id: str, owner: str) -> int:
        self._sidecar(upload_id, owner)
        return self._size(upload_id)

    def info(self, upload_id: str, owner: str) -> UploadInfo:
        meta = self._sidecar(upload_id, owner)
        return UploadInfo(
            id=upload_id, length=meta["length"], offset=self._size(upload_id), metadata=meta["metadata"],
            created=datetime.fromtimestamp(meta["created"], timezone.utc),
            finished=meta["finished"], result=meta["result"],
        )

    def append(self, upload_id: str, owner: str, offset: int, stream: BinaryIO, length: int) -> int:
        """Write up to `length` bytes from `stream` at `offset`, which must be the
        current end. Bytes are kept as they arrive, so a stream that ends early or
        fails keeps what came (the error still propagates). Returns the new offset."""
        meta = self._sidecar(upload_id, owner)
        if length < 0 or offset < 0:
            raise BadRequest("offset and length must not be negative")
        with self._lock(upload_id, "r+b", blocking=False) as f:
            current = os.fstat(f.fileno()).st_size
            if offset != current:
                raise OffsetMismatch(current)
            if current + length > meta["length"]:
                raise TooLarge(f"{length} bytes at {current} would pass the declared length {meta['length']}")
            f.seek(current)
            remaining = length
            try:
                while remaining:
                    piece = stream.read(min(PIECE, remaining))
                    if not piece:
                        break  # the client stopped early: keep what arrived
                    piece = piece[:remaining]
                    f.write(piece)  # unbuffered: a killed process keeps what was written
                    remaining -= len(piece)
            finally:
                os.fsync(f.fileno())
            return os.fstat(f.fileno()).st_size

    def finish(self, upload_id: str, owner: str, callback: Callable[[str], Any]) -> Any:
        """Run `callback(upload_id)` once for a complete upload and store its
        (JSON) result; a later call returns the stored result. Waits for a
        concurrent finisher rather than running the callback twice. If the callback
        raises, nothing is stored and the next call tries again."""
        self._sidecar(upload_id, owner)
        with self._lock(upload_id, "rb", blocking=True):
            meta = self._sidecar(upload_id, owner)
            if meta["finished"]:
                return meta["result"]
            if self._size(upload_id) != meta["length"]:
                raise BadRequest("upload is not complete")
            result = callback(upload_id)
            self._write_sidecar(upload_id, meta | {"finished": True, "result": result})
            return result

    def path(self, upload_id: str) -> Path:
        """The file with the upload's bytes (complete once offset == length)."""
        path = self._data(upload_id)
        if not path.is_file():
            raise NotFound(upload_id)
        return path

    def delete(self, upload_id: str, owner: str) -> None:
        self._sidecar(upload_id, owner)
        with self._lock(upload_id, "rb", blocking=False):
            self._remove(upload_id)

    def expire(self, older_than: timedelta) -> list[str]:
        """Remove uploads (complete or not) untouched for `older_than`, and leftovers
        of crashed creations. Uploads in use are skipped. Returns the ids removed."""
        if not self.folder.is_dir():
            return []
        cutoff = time.time() - older_than.total_seconds()
        removed = []
        for upload_id in sorted(self._ids()):
            try:
                touched = max(p.stat().st_mtime for p in (self._data(upload_id), self._json(upload_id)) if p.exists())
            except (FileNotFoundError, ValueError):
                continue  # removed meanwhile
            if touched >= cutoff:
                continue
            try:
                with self._lock(upload_id, "rb", blocking=False, orphan_ok=True):
                    self._remove(upload_id)
            except (Locked, NotFound):
                continue
            removed.append(upload_id)
        for tmp in self.folder.glob("*.json.tmp"):
            if tmp.stat().st_mtime < cutoff:
                tmp.unlink(missing_ok=True)
        return removed

    # -- files --------------------------------------------------------------

    def _check(self, upload_id: str) -> None:
        if not isinstance(upload_id, str) or not ID_RE.fullmatch(upload_id):
            raise NotFound("not an upload id")

    def _data(self, upload_id: str) -> Path:
        self._check(upload_id)
        return self.folder / f"{upload_id}.data"

    def _json(self, upload_id: str) -> Path:
        self._check(upload_id)
        return self.folder / f"{upload_id}.json"

    def _ids(self) -> Iterator[str]:
        seen = set()
        for entry in self.folder.iterdir():
            stem, _, suffix = entry.name.partition(".")
            if suffix in ("data", "json") and ID_RE.fullmatch(stem) and stem not in seen:
                seen.add(stem)
                yield stem

    def _size(self, upload_id: str) -> int:
        try:
            return self._data(upload_id).stat().st_size
        except FileNotFoundError:
            raise NotFound(upload_id) from None

    def _sidecar(self, upload_id: str, owner: str) -> dict[str, Any]:
        try:
            meta = json.loads(self._json(upload_id).read_text("utf-8"))
        except FileNotFoundError:
            raise NotFound(upload_id) from None
        if not secrets.compare_digest(meta["owner"].encode(), owner.encode()):
            raise NotFound(upload_id)
        return meta

    def _write_sidecar(self, upload_id: str, meta: dict[str, Any]) -> None:
        # Write, fsync and rename: a reader sees the old sidecar or the new one, whole.
        final = self._json(upload_id)
        tmp = final.with_name(final.name + ".tmp")
        with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as f:
            json.dump(meta, f, ensure_ascii=False)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, final)

    def _remove(self, upload_id: str) -> None:
        # The sidecar first: without it the upload is gone for every caller.
        self._json(upload_id).unlink(missing_ok=True)
        self._data(upload_id).unlink(missing_ok=True)

    @contextmanager
    def _lock(self, upload_id: str, mode: str, blocking: bool, orphan_ok: bool = False) -> Iterator[BinaryIO]:
        try:
            f = open(self._data(upload_id), mode, buffering=0)
        except FileNotFoundError:
            raise NotFound(upload_id) from None
        with f:
            try:
                fcntl.flock(f.fileno(), fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
            except BlockingIOError:
                raise Locked(upload_id) from None
            # The upload may have been deleted while we waited for the lock.
            if not orphan_ok and not self._json(upload_id).exists():
                raise NotFound(upload_id)
            yield f
