"""RFC 9162 Merkle tree hashing, proofs and their verification.

Leaf hash = SHA-256(0x00 || data); node hash = SHA-256(0x01 || left || right).
Proofs are generated from *perfect subtree* hashes addressed as (level, index):
the node at (level, index) covers leaves [index * 2**level, (index + 1) * 2**level).
A log keeps those nodes as it grows (see `CompactRange.append`), so a proof in a
tree of ten million leaves needs a few dozen node look-ups, never the leaves.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

NodeKey = tuple[int, int]  # (level, index)
FetchNodes = Callable[[Sequence[NodeKey]], dict[NodeKey, bytes]]


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split_point(n: int) -> int:
    """The largest power of two strictly less than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """Merkle tree hash of a list of leaf hashes (RFC 9162 section 2.1.1)."""
    compact = CompactRange()
    for h in leaf_hashes:
        compact.append(h)
    return compact.root()


# --- perfect-subtree decomposition -------------------------------------------------


def perfect_nodes(begin: int, end: int) -> list[NodeKey]:
    """Keys of the perfect subtrees whose concatenation is the range [begin, end),
    left to right, as they arise in RFC 9162's recursive split."""
    keys: list[NodeKey] = []
    while begin < end:
        n = end - begin
        if n & (n - 1) == 0 and begin % n == 0:
            level = n.bit_length() - 1
            keys.append((level, begin >> level))
            break
        k = _split_point(n)
        level = k.bit_length() - 1
        keys.append((level, begin >> level))
        begin += k
    return keys


def range_hash(begin: int, end: int, nodes: dict[NodeKey, bytes]) -> bytes:
    """MTH of leaves [begin, end) from its perfect subtrees (fold from the right)."""
    hashes = [nodes[key] for key in perfect_nodes(begin, end)]
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def _inclusion_ranges(index: int, begin: int, end: int) -> list[tuple[int, int]]:
    ranges: list[tuple[int, int]] = []
    while end - begin > 1:
        k = _split_point(end - begin)
        if index - begin < k:
            ranges.append((begin + k, end))
            end = begin + k
        else:
            ranges.append((begin, begin + k))
            begin += k
    ranges.reverse()  # the proof lists siblings from the leaf upwards
    return ranges


def _consistency_ranges(size1: int, size2: int) -> list[tuple[int, int]]:
    ranges: list[tuple[int, int]] = []
    m, begin, end, complete = size1, 0, size2, True
    while True:
        n = end - begin
        if m == n:
            if not complete:
                ranges.append((begin, end))
            break
        k = _split_point(n)
        if m <= k:
            ranges.append((begin + k, end))
            end = begin + k
        else:
            ranges.append((begin, begin + k))
            m -= k
            begin += k
            complete = False
    ranges.reverse()
    return ranges


def _prove(ranges: list[tuple[int, int]], fetch: FetchNodes) -> list[bytes]:
    keys = sorted({key for a, b in ranges for key in perfect_nodes(a, b)})
    nodes = fetch(keys)
    missing = [key for key in keys if key not in nodes]
    if missing:
        raise LookupError(f"tree nodes missing from the log's node store: {missing[:5]}")
    return [range_hash(a, b, nodes) for a, b in ranges]


def inclusion_proof(index: int, size: int, fetch: FetchNodes) -> list[bytes]:
    """Audit path for leaf `index` in the tree of `size` leaves (RFC 9162 2.1.3.1)."""
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is outside a tree of size {size}")
    return _prove(_inclusion_ranges(index, 0, size), fetch)


def consistency_proof(size1: int, size2: int, fetch: FetchNodes) -> list[bytes]:
    """Proof that the tree of size1 is a prefix of the tree of size2 (RFC 9162 2.1.4.1)."""
    if not 0 <= size1 <= size2:
        raise ValueError(f"no consistency proof from size {size1} to size {size2}")
    if size1 == 0 or size1 == size2:
        return []
    return _prove(_consistency_ranges(size1, size2), fetch)


# --- verification (RFC 9162 2.1.3.2 and 2.1.4.2) -------------------------------------


def _check_hashes(*hashes: bytes) -> None:
    for h in hashes:
        if len(h) != HASH_SIZE:
            raise ValueError(f"hash of {len(h)} bytes, expected {HASH_SIZE}")


def verify_inclusion(
    leaf_index: int, tree_size: int, leaf_hash: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Raise ValueError unless `proof` shows leaf_hash at leaf_index in the tree `root`."""
    _check_hashes(leaf_hash, root, *proof)
    if not 0 <= leaf_index < tree_size:
        raise ValueError(f"leaf index {leaf_index} is outside a tree of size {tree_size}")
    fn, sn, r = leaf_index, tree_size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            raise ValueError("inclusion proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ValueError("inclusion proof is shorter than the tree is deep")
    if r != root:
        raise ValueError("inclusion proof does not lead to the root")


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """Raise ValueError unless `proof` shows tree (size1, root1) is a prefix of (size2, root2)."""
    if size1 < 1:
        raise ValueError("a consistency proof from the empty tree proves nothing")
    if size1 > size2:
        raise ValueError(f"size {size1} cannot precede size {size2}")
    if size1 == size2:
        if proof:
            raise ValueError("trees of equal size need an empty consistency proof")
        if root1 != root2:
            raise ValueError("trees of equal size have different roots")
        return
    if not proof:
        raise ValueError("empty consistency proof")
    _check_hashes(root1, root2, *proof)
    path = list(proof)
    if size1 & (size1 - 1) == 0:
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ValueError("consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ValueError("consistency proof is too short")
    if fr != root1:
        raise ValueError("consistency proof does not lead to the first root")
    if sr != root2:
        raise ValueError("consistency proof does not lead to the second root")


# --- the right edge of a growing tree ----------------------------------------------------


@dataclass
class CompactRange:
    """The perfect subtrees along the right edge of a tree: enough to append and
    to compute the root, in O(log n) memory. `hashes[i]` is the subtree for the
    i-th set bit of `size`, highest first."""

    size: int = 0
    hashes: list[bytes] = field(default_factory=list)

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add a leaf hash; return the new perfect nodes (level, index, hash)."""
        index = self.size
        new = [(0, index, leaf)]
        h, level = leaf, 0
        while (index >> level) & 1:
            h = node_hash(self.hashes.pop(), h)
            level += 1
            new.append((level, index >> level, h))
        self.hashes.append(h)
        self.size += 1
        return new

    def root(self) -> bytes:
        if not self.hashes:
            return EMPTY_ROOT
        acc = self.hashes[-1]
        for h in reversed(self.hashes[:-1]):
            acc = node_hash(h, acc)
        return acc

    def to_bytes(self) -> bytes:
        return b"".join(self.hashes)

    @classmethod
    def from_bytes(cls, size: int, data: bytes) -> CompactRange:
        hashes = [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]
        if len(hashes) != bin(size).count("1"):
            raise ValueError(f"compact range for size {size} has {len(hashes)} hashes")
        return cls(size, hashes)


class MemoryTree:
    """A whole tree's perfect nodes in memory: for tests, benchmarks and bundles."""

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self.compact = CompactRange()
        self.nodes: dict[NodeKey, bytes] = {}
        for h in leaf_hashes:
            self.append(h)

    def append(self, leaf: bytes) -> None:
        for level, index, h in self.compact.append(leaf):
            self.nodes[(level, index)] = h

    @property
    def size(self) -> int:
        return self.compact.size

    def fetch(self, keys: Sequence[NodeKey]) -> dict[NodeKey, bytes]:
        return {key: self.nodes[key] for key in keys if key in self.nodes}

    def root_at(self, size: int) -> bytes:
        if size == 0:
            return EMPTY_ROOT
        return range_hash(0, size, self.nodes)
