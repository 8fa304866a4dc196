"""The hash index on disk, for a worker that writes while other processes read.

    CURRENT            the generation in use (replaced atomically by rename)
    SYNCED             the last indexing (its sequence number in the database) the files hold
    gen-<n>/           hashes.npy, owners.npy, widths.npy, order-<j>.npy, starts-<j>.npy: a built index
    gen-<n>/tail.*     hashes (32 bytes) and owners (2 x int64) appended since it was built

Readers memory-map a generation and read its tail up to the last whole record,
so they never wait for the writer and never see half a record. The writer holds
an exclusive lock; when the tail outgrows a tenth of the base it builds a new
generation. The database stays the source of truth: the index can be rebuilt, and
each host's copy catches up with what other hosts indexed since SYNCED.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from .index import FLAT_LIMIT, HammingIndex, as_rows

OWNER_COLUMNS = 2  # (item id, frame number)


class IndexFiles:
    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)

    @contextmanager
    def writing(self) -> Iterator[None]:
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / "lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _generation(self) -> int:
        try:
            return int((self.folder / "CURRENT").read_text())
        except (FileNotFoundError, ValueError):
            return -1

    def empty(self) -> bool:
        return self._generation() < 0

    def synced(self) -> int:
        """The sequence number of the last indexing these files hold (0: none known)."""
        try:
            return int((self.folder / "SYNCED").read_text())
        except (FileNotFoundError, ValueError):
            return 0

    def mark_synced(self, seq: int) -> None:
        """Record that the files hold every indexing up to `seq` (call inside `writing()`,
        after the hashes are appended and the database committed: a crash in between
        only appends them again, and a hash twice in the index is found as once)."""
        tmp = self.folder / "SYNCED.tmp"
        tmp.write_text(str(seq))
        os.replace(tmp, self.folder / "SYNCED")

    def load(self) -> tuple[HammingIndex, np.ndarray]:
        """The index and its owners array (row -> item id, frame number)."""
        gen = self._generation()
        if gen < 0:
            return HammingIndex(), np.zeros((0, OWNER_COLUMNS), np.int64)
        d = self.folder / f"gen-{gen}"
        rows = np.load(d / "hashes.npy", mmap_mode="r")
        owners = np.load(d / "owners.npy", mmap_mode="r")
        widths = np.load(d / "widths.npy").tolist() if (d / "widths.npy").exists() else []
        order = [np.load(d / f"order-{j}.npy", mmap_mode="r") for j in range(len(widths))]
        starts = [np.load(d / f"starts-{j}.npy", mmap_mode="r") for j in range(len(widths))]
        index = HammingIndex.from_parts(rows, widths, order, starts, len(rows))
        tail_hashes, tail_owners = self._tail(d)
        if len(tail_hashes):
            index.rows = np.concatenate([np.asarray(rows), tail_hashes])
            owners = np.concatenate([np.asarray(owners), tail_owners])
        return index, owners

    def _tail(self, d: Path) -> tuple[np.ndarray, np.ndarray]:
        owners = np.fromfile(d / "tail.owners", np.int64) if (d / "tail.owners").exists() else np.zeros(0, np.int64)
        hashes = np.fromfile(d / "tail.hashes", np.uint8) if (d / "tail.hashes").exists() else np.zeros(0, np.uint8)
        n = min(len(owners) // OWNER_COLUMNS, len(hashes) // 32)  # only whole records
        return as_rows(hashes[: n * 32]), owners[: n * OWNER_COLUMNS].reshape(-1, OWNER_COLUMNS)

    def append(self, hashes: list[bytes], owners: list[tuple[int, int]]) -> None:
        """Add hashes (call inside `writing()`)."""
        if not hashes:
            return
        gen = self._generation()
        if gen < 0:
            self._write_generation(0, as_rows(hashes), np.array(owners, np.int64).reshape(-1, OWNER_COLUMNS))
            return
        d = self.folder / f"gen-{gen}"
        # Owners first: a reader counts whole records by the shorter of the two files.
        for name, data in (("tail.owners", np.array(owners, np.int64).tobytes()), ("tail.hashes", b"".join(hashes))):
            with open(d / name, "ab") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        base = len(np.load(d / "hashes.npy", mmap_mode="r"))
        tail = os.path.getsize(d / "tail.hashes") // 32
        if tail > max(FLAT_LIMIT // 5, base // 10):
            index, all_owners = self.load()
            self._write_generation(gen + 1, np.asarray(index.rows), np.asarray(all_owners))

    def _write_generation(self, gen: int, rows: np.ndarray, owners: np.ndarray) -> None:
        d = self.folder / f"gen-{gen}"
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
        index = HammingIndex(rows)
        rows, widths, order, starts, _ = index.parts()
        np.save(d / "hashes.npy", rows)
        np.save(d / "owners.npy", owners)
        if widths:
            np.save(d / "widths.npy", np.array(widths, np.int64))
            for j in range(len(widths)):
                np.save(d / f"order-{j}.npy", order[j])
                np.save(d / f"starts-{j}.npy", starts[j])
        tmp = self.folder / "CURRENT.tmp"
        tmp.write_text(str(gen))
        os.replace(tmp, self.folder / "CURRENT")
        for old in self.folder.glob("gen-*"):
            if old.name != d.name and int(old.name[4:]) < gen - 1:  # keep one for readers mid-load
                shutil.rmtree(old, ignore_errors=True)

    def rebuild(self, rows: np.ndarray, owners: np.ndarray) -> None:
        """Replace the index with these hashes (from the database), under the lock."""
        self._write_generation(self._generation() + 1, as_rows(rows), owners.reshape(-1, OWNER_COLUMNS))
