"""Exact Hamming range search over 256-bit hashes (recall 1.0, by construction).

Hashes live in one contiguous (N, 4) uint64 array. Small collections are
scanned flat (XOR + popcount over the whole array). Larger ones use
multi-index hashing (Norouzi et al.): the 256 bits are cut into 16 chunks of 16
bits; a hash within distance r of the query agrees with it to within r // 16 bits
on at least one chunk (pigeonhole), so only hashes in those chunk buckets are
candidates, and every candidate's true distance is then checked. No candidate
is ever missed, so the search is exact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

HASH_BYTES = 32
CHUNKS = 16
CHUNK_BITS = 16
FLAT_LIMIT = 50_000  # below this, a flat scan is faster than looking in buckets


def as_rows(hashes: np.ndarray | list[bytes] | bytes) -> np.ndarray:
    """Hashes as a contiguous (N, 4) big-endian-agnostic uint64 array."""
    if isinstance(hashes, (bytes, bytearray)):
        hashes = [bytes(hashes)]
    if isinstance(hashes, list):
        raw = np.frombuffer(b"".join(hashes), dtype=np.uint8) if hashes else np.zeros(0, np.uint8)
    elif hashes.dtype == np.uint64 and hashes.ndim == 2 and hashes.shape[1] == 4:
        return np.ascontiguousarray(hashes)
    elif hashes.dtype == np.uint8:
        raw = np.ascontiguousarray(hashes).reshape(-1)
    else:
        raise ValueError(f"hashes must be bytes, uint8 rows of 32 or uint64 rows of 4, not {hashes.dtype}")
    if raw.size % HASH_BYTES:
        raise ValueError("hashes must be 32 bytes each")
    return raw.view(np.uint64).reshape(-1, 4)


def _chunks(rows: np.ndarray) -> np.ndarray:
    """(N, 16) uint16 chunk values of each hash."""
    return rows.view(np.uint16).reshape(-1, CHUNKS)


_FLIPS = np.array([0] + [1 << b for b in range(CHUNK_BITS)], dtype=np.uint32)


@dataclass
class Match:
    position: int  # row in the index
    distance: int


class HammingIndex:
    """Range search over hashes; positions are row numbers (0..N-1), in insertion order."""

    def __init__(self, rows: np.ndarray | None = None, flat_limit: int = FLAT_LIMIT) -> None:
        self.rows = np.zeros((0, 4), np.uint64) if rows is None else as_rows(rows)
        self.flat_limit = flat_limit
        self._order: np.ndarray | None = None  # (16, M) positions sorted by chunk value
        self._starts: np.ndarray | None = None  # (16, 65537) bucket offsets into _order
        self._indexed = 0  # rows covered by the buckets; later rows are scanned flat
        if len(self.rows) >= flat_limit:
            self._build()

    @classmethod
    def from_parts(cls, rows: np.ndarray, order: np.ndarray | None, starts: np.ndarray | None,
                   indexed: int, flat_limit: int = FLAT_LIMIT) -> HammingIndex:
        """An index from arrays saved earlier (memory-mapped: opening costs nothing)."""
        index = cls(flat_limit=flat_limit)
        index.rows, index._order, index._starts = rows, order, starts
        index._indexed = indexed if order is not None else 0
        return index

    def parts(self) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None, int]:
        return self.rows, self._order, self._starts, self._indexed

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def method(self) -> str:
        return "multi-index" if self._order is not None else "flat"

    def _build(self) -> None:
        chunks = _chunks(self.rows)
        order = np.argsort(chunks, axis=0, kind="stable").T.astype(np.int32)
        starts = np.empty((CHUNKS, (1 << CHUNK_BITS) + 1), np.int64)
        for j in range(CHUNKS):
            starts[j] = np.searchsorted(chunks[order[j], j], np.arange((1 << CHUNK_BITS) + 1))
        self._order, self._starts, self._indexed = np.ascontiguousarray(order), starts, len(self.rows)

    def add(self, hashes: np.ndarray | list[bytes]) -> range:
        """Append hashes; returns their positions. The buckets are rebuilt only when
        the unbucketed tail grows past a tenth of the index (amortised O(1) per hash)."""
        new = as_rows(hashes)
        first = len(self.rows)
        self.rows = np.concatenate([self.rows, new]) if len(new) else self.rows
        tail = len(self.rows) - self._indexed
        if len(self.rows) >= self.flat_limit and (self._order is None or tail > max(self.flat_limit, self._indexed // 10)):
            self._build()
        return range(first, len(self.rows))

    def _candidates(self, query: np.ndarray, radius: int) -> np.ndarray:
        if radius // CHUNKS > 1:
            return np.arange(self._indexed)  # too wide for buckets to help: scan everything
        flips = _FLIPS if radius >= CHUNKS else _FLIPS[:1]
        q = _chunks(query)[0].astype(np.uint32)
        values = (q[:, None] ^ flips[None, :])  # (16, 17) chunk values to look up
        starts = np.take_along_axis(self._starts, values.astype(np.int64), axis=1)
        ends = np.take_along_axis(self._starts, values.astype(np.int64) + 1, axis=1)
        parts = [self._order[j, s:e] for j in range(CHUNKS) for s, e in zip(starts[j], ends[j]) if e > s]
        if not parts:
            return np.zeros(0, np.int64)
        return np.unique(np.concatenate(parts))

    def search(self, query: bytes, radius: int) -> list[Match]:
        """Every indexed hash within `radius` bits of `query`, nearest first."""
        q = as_rows(query)
        if self._order is not None and radius < 2 * CHUNKS:
            cands = self._candidates(q, radius)
            tail = np.arange(self._indexed, len(self.rows))
            cands = np.concatenate([cands, tail]) if len(tail) else cands
            dist = np.bitwise_count(self.rows[cands] ^ q).sum(axis=1, dtype=np.int64)
        else:
            cands = None
            dist = np.bitwise_count(self.rows ^ q).sum(axis=1, dtype=np.int64)
        hit = np.flatnonzero(dist <= radius)
        positions = hit if cands is None else cands[hit]
        found = sorted(zip(dist[hit].tolist(), positions.tolist()))
        return [Match(int(p), int(d)) for d, p in found]
