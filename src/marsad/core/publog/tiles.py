"""C2SP tlog-tiles layout: tile and entry-bundle paths, which tiles a tree size has,
and the byte formats (c2sp.org/tlog-tiles).

A tile at level L, index N holds up to 256 hashes: hash i is the Merkle tree hash of
leaves [(N*256 + i) * 256**L, (N*256 + i + 1) * 256**L), i.e. the perfect node at
tree level 8*L, index N*256 + i. The rightmost tile of each level is partial
(`.p/<W>`, 1 <= W <= 255) unless the level's count is a multiple of 256.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT  # 256 hashes, or 256 entries per bundle
HASH_SIZE = 32
MAX_ENTRY = 0xFFFF  # entry bundles prefix each entry with a big-endian uint16 length


def encode_index(n: int) -> str:
    """Tile index as zero-padded 3-digit path elements, all but the last prefixed with x."""
    if n < 0:
        raise ValueError(f"negative tile index {n}")
    parts = [f"{n % 1000:03d}"]
    n //= 1000
    while n:
        parts.append(f"x{n % 1000:03d}")
        n //= 1000
    return "/".join(reversed(parts))


def decode_index(elements: list[str]) -> int:
    if not elements or any(len(e) != 4 or e[0] != "x" or not e[1:].isdigit() for e in elements[:-1]):
        raise ValueError(f"bad tile index path {'/'.join(elements)!r}")
    if len(elements[-1]) != 3 or not elements[-1].isdigit():
        raise ValueError(f"bad tile index path {'/'.join(elements)!r}")
    n = 0
    for e in elements:
        n = n * 1000 + int(e.lstrip("x"))
    return n


@dataclass(frozen=True, order=True)
class Tile:
    """A hash tile at `level`, or (entries=True) the level-0 entry bundle of the same index."""

    level: int
    index: int
    width: int = TILE_WIDTH
    entries: bool = False

    def __post_init__(self) -> None:
        if not 1 <= self.width <= TILE_WIDTH or not 0 <= self.level <= 63 or self.index < 0:
            raise ValueError(f"invalid tile {self}")
        if self.entries and self.level != 0:
            raise ValueError("entry bundles exist at level 0 only")

    @property
    def partial(self) -> bool:
        return self.width < TILE_WIDTH

    def path(self) -> str:
        head = "tile/entries" if self.entries else f"tile/{self.level}"
        tail = f".p/{self.width}" if self.partial else ""
        return f"{head}/{encode_index(self.index)}{tail}"

    @classmethod
    def parse(cls, path: str) -> Tile:
        parts = path.split("/")
        if len(parts) < 3 or parts[0] != "tile":
            raise ValueError(f"not a tile path: {path!r}")
        entries = parts[1] == "entries"
        if not entries and (not parts[1].isdigit() or (parts[1] != "0" and parts[1][0] == "0")):
            raise ValueError(f"bad tile level in {path!r}")
        level = 0 if entries else int(parts[1])
        rest = parts[2:]
        width = TILE_WIDTH
        if len(rest) >= 2 and rest[-2].endswith(".p"):
            w = rest[-1]
            if not w.isdigit() or w[0] == "0" or not 1 <= int(w) <= TILE_WIDTH - 1:
                raise ValueError(f"bad partial width in {path!r}")
            width = int(w)
            rest = rest[:-2] + [rest[-2][:-2]]
        tile = cls(level, decode_index(rest), width, entries)
        if tile.path() != path:
            raise ValueError(f"non-canonical tile path {path!r}")
        return tile

    def node_keys(self) -> list[tuple[int, int]]:
        """The Merkle nodes (level, index) this hash tile lists, left to right."""
        first = self.index * TILE_WIDTH
        return [(TILE_HEIGHT * self.level, first + i) for i in range(self.width)]


def tiles_for_size(size: int) -> Iterator[Tile]:
    """Every hash tile of a tree of `size` leaves: full ones, then each level's partial one."""
    level, count = 0, size
    while count:
        for n in range(count // TILE_WIDTH):
            yield Tile(level, n)
        if count % TILE_WIDTH:
            yield Tile(level, count // TILE_WIDTH, count % TILE_WIDTH)
        level += 1
        count //= TILE_WIDTH


def bundles_for_size(size: int) -> Iterator[Tile]:
    for n in range(size // TILE_WIDTH):
        yield Tile(0, n, entries=True)
    if size % TILE_WIDTH:
        yield Tile(0, size // TILE_WIDTH, size % TILE_WIDTH, entries=True)


def new_tiles(old_size: int, new_size: int) -> list[Tile]:
    """Tiles (hash tiles and entry bundles) a log growing from old_size to new_size must
    write: the full tiles it completes and the partial tiles of the new size."""
    out: list[Tile] = []
    for tile in [*tiles_for_size(new_size), *bundles_for_size(new_size)]:
        span = TILE_WIDTH ** (tile.level + 1)
        end = tile.index * span + tile.width * TILE_WIDTH**tile.level
        if end > old_size:
            out.append(tile)
    return out


def encode_bundle(entries: list[bytes]) -> bytes:
    out = bytearray()
    for e in entries:
        if len(e) > MAX_ENTRY:
            raise ValueError(f"log entry of {len(e)} bytes exceeds {MAX_ENTRY}")
        out += len(e).to_bytes(2, "big") + e
    return bytes(out)


def decode_bundle(data: bytes) -> list[bytes]:
    entries, i = [], 0
    while i < len(data):
        if i + 2 > len(data):
            raise ValueError("entry bundle ends inside a length prefix")
        n = int.from_bytes(data[i : i + 2], "big")
        if i + 2 + n > len(data):
            raise ValueError("entry bundle ends inside an entry")
        entries.append(data[i + 2 : i + 2 + n])
        i += 2 + n
    return entries
