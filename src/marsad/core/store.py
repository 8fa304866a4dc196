"""Content-addressed blob store: bytes by SHA-256, written once, never altered.

Blobs are streamed in chunks (a 4 GB video never sits in memory), hashed with
SHA-256 (the address) and BLAKE2b-512 (a second, independent digest), written to
a temporary file, fsynced, and linked into place without overwriting. A crash
leaves at most a temporary file, which `sweep_temporary` removes. The one
exception to "never altered": a stored blob whose bytes were damaged is replaced,
atomically, by a new copy that gives its recorded digests (`repair`).

`open_store` picks the store a location names: a folder (`LocalStore`) or
`s3://BUCKET/PREFIX` (`marsad.core.store_s3.S3Store`); both offer `Store`.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import functools
import hashlib
import io
import os
import re
import stat
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

CHUNK = 4 << 20
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


class StoreError(Exception):
    """A blob could not be written or read."""


class BlobMissing(StoreError):
    pass


class BlobChanged(StoreError):
    """A blob's bytes no longer give its address (or its recorded BLAKE2b)."""


@dataclass(frozen=True)
class Blob:
    sha256: str
    blake2b: str
    size: int
    created: bool  # False when the store already held these bytes
    # Where the store held other bytes under this address (damaged): a verified copy of the
    # new bytes, kept until `LocalStore.repair` puts it in place or `discard` drops it.
    repair_from: str = ""


class Store(Protocol):
    """What every blob store offers (a local folder, or an S3-compatible bucket)."""

    def put_file(self, path: str | os.PathLike[str] | bytes) -> Blob: ...
    def put_bytes(self, data: bytes) -> Blob: ...
    def put_stream(self, source: BinaryIO) -> Blob: ...
    def open(self, sha256: str, verify: bool | str = False) -> BinaryIO: ...
    def exists(self, sha256: str) -> bool: ...
    def digest(self, sha256: str) -> tuple[str, str, int]: ...
    def path(self, sha256: str) -> Path: ...
    def __iter__(self) -> Iterator[str]: ...
    def batched_sync(self) -> AbstractContextManager[None]: ...


def open_store(location: str | os.PathLike[str], cache: str | os.PathLike[str] | None = None,
               retention_days: int = 0) -> Store:
    """The store at `location`: `s3://BUCKET/PREFIX` or a folder.

    For S3, `cache` is a local folder for the copies that tools needing a file
    (fingerprinting, thumbnails) read, and `retention_days` the COMPLIANCE
    retention set on each new object where the bucket has Object Lock.
    """
    text = os.fspath(location)
    if isinstance(text, str) and text.startswith("s3://"):
        from .store_s3 import S3Store

        return S3Store.from_url(text, cache=cache, retention_days=retention_days)
    return LocalStore(text)


class VerifyingReader(io.RawIOBase):
    """Reads a blob while hashing it; at the end, raises `BlobChanged` if the bytes are not the ones addressed.

    Only a read to the end is verified: the digest needs every byte.
    """

    def __init__(self, raw: BinaryIO, sha256: str, blake2b: str = "") -> None:
        self.raw, self.sha256, self.blake2b = raw, sha256, blake2b
        self._sha, self._blake = hashlib.sha256(), hashlib.blake2b() if blake2b else None
        self._checked = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        n = self.raw.readinto(buffer)
        if n:
            chunk = memoryview(buffer)[:n]
            self._sha.update(chunk)
            if self._blake is not None:
                self._blake.update(chunk)
        elif not self._checked and len(buffer):
            self._checked = True
            if self._sha.hexdigest() != self.sha256 or (
                    self._blake is not None and self._blake.hexdigest() != self.blake2b):
                raise BlobChanged(f"blob {self.sha256} has changed in the store: its bytes no longer give its digest")
        return n or 0

    def close(self) -> None:
        self.raw.close()
        super().close()


def verified(raw: BinaryIO, sha256: str, verify: bool | str) -> BinaryIO:
    """`raw` as is, or wrapped to check its digest at the end (`verify` may be a BLAKE2b to check too)."""
    if not verify:
        return raw
    return io.BufferedReader(VerifyingReader(raw, sha256, verify if isinstance(verify, str) else ""), CHUNK)


def _check_address(sha256: str) -> None:
    if not SHA256_RE.match(sha256):
        raise StoreError(f"not a SHA-256 address: {sha256!r}")


_local = threading.local()


def _buffers() -> list[bytearray]:
    """This thread's two read buffers: allocating them per file cost more than hashing a small one."""
    if not hasattr(_local, "buffers"):
        _local.buffers = [bytearray(CHUNK), bytearray(CHUNK)]
    return _local.buffers


@functools.cache
def _helper() -> ThreadPoolExecutor:
    """One helper thread for the process, started on first use."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="blake2b")


def hash_stream(stream: BinaryIO, sink: BinaryIO | None = None) -> tuple[str, str, int]:
    """SHA-256 and BLAKE2b-512 of a stream, copying it to `sink` on the way.

    BLAKE2b runs on a second thread (hashlib releases the GIL), so on two cores
    the second digest costs almost no wall time on large files.
    """
    sha, blake, size = hashlib.sha256(), hashlib.blake2b(), 0
    buffers = _buffers()  # one being hashed by the helper, one being read
    pending: Future[None] | None = None
    turn = 0
    while True:
        buf = buffers[turn]
        n = stream.readinto(buf)
        if pending is not None:
            pending.result()
        if not n:
            break
        chunk = memoryview(buf)[:n]
        if size == 0 and n < CHUNK:
            blake.update(chunk)  # a small file: handing it to the helper costs more than it saves
        else:
            pending = _helper().submit(blake.update, chunk)
        sha.update(chunk)
        if sink is not None:
            sink.write(chunk)
        size += n
        turn ^= 1
    return sha.hexdigest(), blake.hexdigest(), size


class LocalStore:
    """Blobs under `root/ab/cd/<sha256>`, read-only on disk."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.tmp = self.root / "tmp"
        self._unsynced: list[Path] | None = None  # inside batched_sync: blobs not yet flushed

    @contextlib.contextmanager
    def batched_sync(self) -> Iterator[None]:
        """Blobs written inside are flushed to disk together on leaving, not one by one:
        a caller records them (in the database) only after this returns. Two fsyncs per
        blob were most of a text-heavy import's time on a busy disk."""
        self._unsynced = []
        try:
            yield
        finally:
            unsynced, self._unsynced = self._unsynced, None
            if unsynced and not _syncfs(self.root):
                for path in unsynced:
                    fsync_path(path)
                for folder in {path.parent for path in unsynced}:
                    fsync_path(folder)

    def path(self, sha256: str) -> Path:
        _check_address(sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def open(self, sha256: str, verify: bool | str = False) -> BinaryIO:
        """The blob's bytes; with `verify`, reading to the end raises `BlobChanged` if they changed."""
        try:
            raw = open(self.path(sha256), "rb", buffering=0 if verify else -1)  # noqa: SIM115 (the caller closes it)
        except FileNotFoundError as e:
            raise BlobMissing(f"blob {sha256} is missing from the store") from e
        return verified(raw, sha256, verify)

    def digest(self, sha256: str) -> tuple[str, str, int]:
        """Re-hash a stored blob (for fixity checks)."""
        with self.open(sha256) as f:
            return hash_stream(f)

    def put_file(self, path: str | os.PathLike[str] | bytes) -> Blob:
        # O_NOFOLLOW: the caller decided which path to read; a symlink swapped in
        # since then must not redirect us.
        # O_NONBLOCK: a FIFO swapped in must not hang the ingest (no effect on regular files).
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        with os.fdopen(fd, "rb", buffering=0) as source:
            if not stat.S_ISREG(os.fstat(source.fileno()).st_mode):
                raise StoreError("not a regular file")
            return self._put_stream(source)

    def put_bytes(self, data: bytes) -> Blob:
        return self.put_stream(io.BytesIO(data))

    def put_stream(self, source: BinaryIO) -> Blob:
        """Store what `source` yields until its end (it needs `readinto`)."""
        return self._put_stream(source)

    def _put_stream(self, source: BinaryIO) -> Blob:
        self.tmp.mkdir(parents=True, exist_ok=True)
        tmp_path = self.tmp / f"{os.getpid()}-{os.urandom(8).hex()}.part"
        try:
            deferred = self._unsynced
            with open(tmp_path, "xb", buffering=0) as sink:
                sha256, blake2b, size = hash_stream(source, sink)
                if deferred is None:
                    os.fsync(sink.fileno())
            final = self.path(sha256)
            if deferred is not None:
                deferred.append(final)  # found or made: either way on disk before it is recorded
            if final.exists():
                return self._found(final, tmp_path, Blob(sha256, blake2b, size, created=False))
            final.parent.mkdir(parents=True, exist_ok=True)
            os.chmod(tmp_path, 0o444)
            try:
                os.link(tmp_path, final)  # atomic and never overwrites
            except FileExistsError:
                return self._found(final, tmp_path, Blob(sha256, blake2b, size, created=False))
            if deferred is None:
                fsync_path(final.parent)
            return Blob(sha256, blake2b, size, created=True)
        finally:
            tmp_path.unlink(missing_ok=True)

    def _found(self, final: Path, tmp_path: Path, blob: Blob) -> Blob:
        """The blob already stored; where its bytes are no longer the new ones (damaged in
        the store), the new copy is kept aside for `repair`. Comparing bytes, not digests,
        costs a read of the stored copy and no hashing."""
        if _same_bytes(final, tmp_path):
            return blob
        keep = tmp_path.with_suffix(".repair")
        os.rename(tmp_path, keep)  # still named by our pid: `sweep_temporary` removes it if we die
        return dataclasses.replace(blob, repair_from=str(keep))

    def repair(self, blob: Blob, sha256: str, blake2b: str) -> bool:
        """Replace a damaged or missing stored blob with the copy `blob` kept aside, once the
        copy's bytes are verified to give the recorded SHA-256 and BLAKE2b. Atomic: a reader
        sees the damaged blob or the repaired one, never a mix. False if there is no copy or it
        is not those bytes."""
        if not blob.repair_from:
            return False
        candidate = Path(blob.repair_from)
        try:
            with open(candidate, "rb", buffering=0) as f:
                got_sha, got_blake, _size = hash_stream(f)
                if (got_sha, got_blake) != (sha256, blake2b):
                    return False
                os.fsync(f.fileno())
            os.chmod(candidate, 0o444)
            final = self.path(sha256)
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(candidate, final)  # the store's blobs are 0444; replacing needs only the folder
            fsync_path(final.parent)
        except FileNotFoundError:
            return False
        return True

    @staticmethod
    def discard(blob: Blob) -> None:
        """Drop a copy kept for a repair that was not made."""
        if blob.repair_from:
            Path(blob.repair_from).unlink(missing_ok=True)

    def __str__(self) -> str:
        return str(self.root)

    def __iter__(self) -> Iterator[str]:
        for dirpath, _dirs, files in os.walk(self.root):
            if Path(dirpath) == self.tmp:
                continue
            for name in files:
                if SHA256_RE.match(name):
                    yield name

    def sweep_temporary(self) -> int:
        """Remove temporary files left by processes that no longer run."""
        removed = 0
        if not self.tmp.is_dir():
            return 0
        for entry in self.tmp.iterdir():
            pid = entry.name.split("-", 1)[0]
            if pid.isdigit() and process_alive(int(pid)):
                continue
            entry.unlink(missing_ok=True)
            removed += 1
        return removed


def _same_bytes(a: Path, b: Path) -> bool:
    """Whether two files hold the same bytes (an unreadable one holds none)."""
    x, y = _buffers()  # reused: allocating a chunk per read tripled the time
    try:
        with open(a, "rb", buffering=0) as fa, open(b, "rb", buffering=0) as fb:
            if os.fstat(fa.fileno()).st_size != os.fstat(fb.fileno()).st_size:
                return False
            while True:
                n, m = fa.readinto(x), fb.readinto(y)
                if n != m or (x != y if n == CHUNK else x[:n] != y[:n]):
                    return False
                if not n:
                    return True
    except OSError:
        return False


def process_alive(pid: int) -> bool:
    """Whether a process of this machine is running (for stale temporary files and tasks)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _syncfs(path: Path) -> bool:
    """Flush the whole filesystem holding `path` in one call (Linux syncfs(2)); False where
    it is not available, and the caller flushes file by file."""
    try:
        call = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        return call(fd) == 0
    finally:
        os.close(fd)


def fsync_path(path: Path) -> None:
    """Flush a file's or a folder's entries to disk (a folder: so a rename inside it lasts)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
