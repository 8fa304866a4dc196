"""Exact Hamming range search over 256-bit hashes (recall 1.0, by construction).

Hashes live in one contiguous (N, 4) uint64 array. Small collections are
scanned flat (XOR + popcount). Larger ones use multi-index hashing (Norouzi,
Punjani and Fleet): the 256 bits are cut into m chunks of about log2(N) bits.
A hash within distance r of the query differs from it in at most r // m bits of
at least one chunk (pigeonhole; sharper, see `chunk_flips`), so looking up, in
each chunk's table, every value that close to the query's chunk finds every
candidate; each candidate's true distance is then checked. Nothing within r can
be missed.

Chunk tables are sorted position lists with bucket offsets (no Python objects).
The search itself runs in a small compiled kernel (`_mih.c`) that keeps the
thousands of random reads one query costs in flight together; where it was not
compiled (no C compiler at install) the same search runs vectorised in numpy.
"""

from __future__ import annotations

import functools
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import combinations
from math import comb

import numpy as np

try:
    from . import _mih
except ImportError:  # built without a C compiler: the numpy path gives the same answers, slower
    _mih = None

HASH_BYTES = 32
HASH_BITS = 256
FLAT_LIMIT = 50_000  # below this, a flat scan is faster than looking in tables
MIN_CHUNK_BITS, MAX_CHUNK_BITS = 16, 24
_BLOCK = 1 << 20  # rows converted to chunk values at a time (bounds memory while building)
_PAIRS = 1 << 20  # (query, row) pairs compared flat at a time (32 bytes each)
_PARALLEL_MIN = 64  # queries per thread worth starting threads for
_THREADS = min(4, os.cpu_count() or 1)


def as_rows(hashes: np.ndarray | list[bytes] | bytes) -> np.ndarray:
    """Hashes as a contiguous (N, 4) uint64 array (raw bytes, not numbers)."""
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


def chunk_widths(n: int) -> list[int]:
    """About log2(n) + 2 bits per chunk (buckets of a quarter of a hash on average, so
    few candidates to check), the 256 bits shared out as evenly as possible."""
    width = int(np.clip(round(np.log2(max(n, 2))) + 2, MIN_CHUNK_BITS, MAX_CHUNK_BITS))
    m = -(-HASH_BITS // width)
    base, extra = divmod(HASH_BITS, m)
    return [base + 1] * extra + [base] * (m - extra)


def chunk_values(rows: np.ndarray, widths: list[int]) -> np.ndarray:
    """(N, m) uint32: each hash's value in each chunk (bits taken in hash order)."""
    out = np.empty((len(rows), len(widths)), np.uint32)
    bounds = np.cumsum([0, *widths])
    for start in range(0, len(rows), _BLOCK):
        bits = np.unpackbits(rows[start : start + _BLOCK].view(np.uint8), axis=1)
        for j, w in enumerate(widths):
            weights = (1 << np.arange(w - 1, -1, -1, dtype=np.uint64)).astype(np.uint64)
            out[start : start + _BLOCK, j] = bits[:, bounds[j] : bounds[j + 1]].astype(np.uint64) @ weights
    return out


@functools.cache
def _flip_masks(width: int, flips: int) -> np.ndarray:
    masks = [0]
    for k in range(1, flips + 1):
        masks.extend(sum(1 << b for b in bits) for bits in combinations(range(width), k))
    return np.array(masks, np.uint32)


def _ranges(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Concatenation of arange(s, e) for every pair, without a Python loop."""
    lengths = ends - starts
    keep = lengths > 0
    starts, lengths = starts[keep], lengths[keep]
    if not len(lengths):
        return np.zeros(0, np.int64)
    offsets = np.repeat(starts - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
    return np.arange(lengths.sum()) + offsets


@dataclass
class Match:
    position: int  # row in the index
    distance: int


class HammingIndex:
    """Range search over hashes; positions are row numbers (0..N-1), in insertion order."""

    def __init__(self, rows: np.ndarray | None = None, flat_limit: int = FLAT_LIMIT,
                 compiled: bool = True) -> None:
        self.compiled = compiled and _mih is not None  # False: the numpy path (tests compare the two)
        self.rows = np.zeros((0, 4), np.uint64) if rows is None else as_rows(rows)
        self.flat_limit = flat_limit
        self.widths: list[int] = []
        self._order: list[np.ndarray] = []  # per chunk: positions sorted by chunk value
        self._starts: list[np.ndarray] = []  # per chunk: bucket offsets into _order
        self._indexed = 0  # rows covered by the tables; later rows are scanned flat
        if len(self.rows) >= flat_limit:
            self._build()

    @classmethod
    def from_parts(cls, rows: np.ndarray, widths: list[int], order: list[np.ndarray],
                   starts: list[np.ndarray], indexed: int, flat_limit: int = FLAT_LIMIT,
                   compiled: bool = True) -> HammingIndex:
        """An index from arrays saved earlier (memory-mapped: opening costs nothing)."""
        index = cls(flat_limit=flat_limit, compiled=compiled)
        index.rows, index.widths, index._order, index._starts = rows, list(widths), order, starts
        index._indexed = indexed if order else 0
        return index

    def parts(self) -> tuple[np.ndarray, list[int], list[np.ndarray], list[np.ndarray], int]:
        return self.rows, self.widths, self._order, self._starts, self._indexed

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def method(self) -> str:
        return "multi-index" if self._order else "flat"

    @property
    def nbytes(self) -> int:
        return int(self.rows.nbytes + sum(a.nbytes for a in self._order) + sum(a.nbytes for a in self._starts))

    def _build(self) -> None:
        self.widths = chunk_widths(len(self.rows))
        values = chunk_values(self.rows, self.widths)
        self._order, self._starts = [], []
        for j, w in enumerate(self.widths):
            column = values[:, j]
            self._order.append(np.argsort(column, kind="stable").astype(np.int32))
            counts = np.bincount(column, minlength=1 << w)
            self._starts.append(np.concatenate([[0], np.cumsum(counts)]).astype(np.int32))
        self._indexed = len(self.rows)

    def add(self, hashes: np.ndarray | list[bytes]) -> range:
        """Append hashes; returns their positions. Tables are rebuilt only when the
        unindexed tail outgrows a tenth of the index (amortised O(1) per hash)."""
        new = as_rows(hashes)
        first = len(self.rows)
        if len(new):
            self.rows = np.concatenate([self.rows, new])
        tail = len(self.rows) - self._indexed
        if len(self.rows) >= self.flat_limit and (not self._order or tail > max(self.flat_limit, self._indexed // 10)):
            self._build()
        return range(first, len(self.rows))

    def search(self, query: bytes, radius: int) -> list[Match]:
        """Every indexed hash within `radius` bits of `query`, nearest first."""
        return self.search_many([query], radius)[0]

    def search_many(self, queries: list[bytes], radius: int) -> list[list[Match]]:
        """`search` for many queries, vectorised in blocks (the rows scanned flat times
        the queries in a block stay under _PAIRS, bounding memory)."""
        q = as_rows(queries)
        tables = bool(self._order) and radius // len(self.widths) <= 2
        flat_rows = len(self.rows) - self._indexed if tables else len(self.rows)
        step = max(1, _PAIRS // max(1, flat_rows))
        if len(q) >= 2 * _PARALLEL_MIN and _THREADS > 1:
            step = min(step, -(-len(q) // _THREADS))  # at least one block per core
        blocks = [q[start : start + step] for start in range(0, len(q), step)]
        if len(blocks) > 1 and _THREADS > 1:
            # The work is random reads into big arrays, which numpy does without the GIL.
            with ThreadPoolExecutor(_THREADS) as pool:
                answers = list(pool.map(lambda block: self._search_block(block, radius, tables), blocks))
        else:
            answers = [self._search_block(block, radius, tables) for block in blocks]
        return [hits for answer in answers for hits in answer]

    def _search_block(self, q: np.ndarray, radius: int, tables: bool) -> list[list[Match]]:
        if self.compiled:
            return self._search_compiled(q, radius, tables)
        if tables:
            query_ids, cands = self._candidates(q, radius)
            tail = np.arange(self._indexed, len(self.rows))
            if len(tail):
                query_ids = np.concatenate([query_ids, np.repeat(np.arange(len(q)), len(tail))])
                cands = np.concatenate([cands, np.tile(tail, len(q))])
        else:
            query_ids = np.repeat(np.arange(len(q)), len(self.rows))
            cands = np.tile(np.arange(len(self.rows)), len(q))
        # Half the hash first: more than `radius` bits apart there means too far in all, and
        # that rejects nearly every candidate at half the cost of comparing it whole.
        half = np.bitwise_count(self.rows[cands, :2] ^ q[query_ids, :2]).sum(axis=1, dtype=np.int64)
        near = half <= radius
        query_ids, cands, half = query_ids[near], cands[near], half[near]
        dist = half + np.bitwise_count(self.rows[cands, 2:] ^ q[query_ids, 2:]).sum(axis=1, dtype=np.int64)
        hit = dist <= radius
        query_ids, cands, dist = query_ids[hit], cands[hit], dist[hit]
        results: list[list[Match]] = [[] for _ in range(len(q))]
        for qi, pos, d in sorted(set(zip(query_ids.tolist(), cands.tolist(), dist.tolist())),
                                 key=lambda t: (t[0], t[2], t[1])):
            results[qi].append(Match(pos, d))
        return results

    def _search_compiled(self, q: np.ndarray, radius: int, tables: bool) -> list[list[Match]]:
        specs, indexed = [], 0
        if tables:
            offsets = np.cumsum([0, *self.widths]).tolist()
            specs = [(self._order[j], self._starts[j], offsets[j], w, flips)
                     for j, (w, flips) in enumerate(zip(self.widths, chunk_flips(len(self.widths), radius)))]
            indexed = self._indexed
        query_ids, positions, distances = _mih.search(self.rows, indexed, specs, q, radius)
        results: list[list[Match]] = [[] for _ in range(len(q))]
        for qi, pos, d in zip(np.frombuffer(query_ids, np.int32).tolist(), np.frombuffer(positions, np.int64).tolist(),
                              np.frombuffer(distances, np.int32).tolist()):
            results[qi].append(Match(pos, d))
        return results

    def _candidates(self, q: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray]:
        values = chunk_values(q, self.widths)
        query_ids, positions = [], []
        for j, (w, flips) in enumerate(zip(self.widths, chunk_flips(len(self.widths), radius))):
            if flips < 0:
                continue
            masks = _flip_masks(w, flips)
            probes = (values[:, j : j + 1] ^ masks[None, :]).astype(np.int64)  # (Q, probes)
            starts, ends = self._starts[j][probes], self._starts[j][probes + 1]
            found = _ranges(starts.ravel().astype(np.int64), ends.ravel().astype(np.int64))
            positions.append(self._order[j][found])
            per_query = (ends - starts).sum(axis=1)
            query_ids.append(np.repeat(np.arange(len(q)), per_query))
        return np.concatenate(query_ids), np.concatenate(positions).astype(np.int64)


def chunk_flips(m: int, radius: int) -> list[int]:
    """Bits to flip when probing each of m chunks. With radius = m*s + a (0 <= a < m), a hash
    within the radius is within s bits in one of the first a+1 chunks or within s-1 in one
    of the others (else it would differ in at least (a+1)(s+1) + (m-a-1)s = radius+1 bits),
    so the later chunks are probed one flip narrower (-1: not at all)."""
    s, a = divmod(radius, m)
    return [s if j <= a else s - 1 for j in range(m)]


def probes_per_query(n: int, radius: int = 31) -> int:
    """Table look-ups one query costs at collection size n (for the docs and benchmarks)."""
    widths = chunk_widths(n)
    return sum(sum(comb(w, k) for k in range(flips + 1))
               for w, flips in zip(widths, chunk_flips(len(widths), radius)))
