"""Local features (ORB keypoints) of a picture, to find copies cropped or reframed.

A PDQ hash is of the whole picture: a copy cut to its centre 60%, or reframed from
16:9 to 9:16, hashes 100+ bits away, and a window of the original matches only when
cut within about 1% of where the copy was (measured), so indexing windows cannot
cover crops of any size and place. Keypoints survive a crop: each describes a small
patch around a corner, wherever it now is in the frame.

ORB descriptors are 256 bits, so the same exact Hamming index holds them beside the
hashes. Each picture indexes INDEXED of its keypoints, spread over a grid (6 x 3 for
18 points; strongest first in each cell, so any part a copy keeps has some), and searches
with its SEARCHED strongest: a copy's search finds the original's indexed points, an
original's search finds a copy's. Positions are kept beside the descriptors (in the
database, not the index), so a candidate is confirmed by a geometric fit
(`marsad.core.matching.geometry`) without decoding either picture again.
All from the reduced copy (SMALL_SIDE), so crops of any resolution meet at one scale,
and from the picture inside any caption bar a repost added (`bands`).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .bands import band_box
from .regions import SMALL_SIDE

INDEXED = 18  # indexed per picture: 18 + 6 hashes = 4x the index rows of a picture before
SHORT = 3  # cells of the grid they are spread over across the short side (see `spread`)
# Pyramid levels (ORB's, 1.2x apart) an indexed point is preferred from: a copy shown up to about
# 1.8x larger (a 9:16 strip of 16:9 at full size) meets such a point 3 levels up, still in the
# pyramid's 8 (measured: 666 of 690 photo copies found in crop_eval against 658 without).
FINE_LEVELS, COARSE_WEIGHT = 3, 0.5
SEARCHED = 300  # searched with per picture (kept in the database only)
# A video frame: fewer (a video has one a second; 12 + its 4-5 hashes are still 4x its rows before).
FRAME_INDEXED, FRAME_SEARCHED = 12, 120
DETECTED = 500  # the pool both are chosen from
_SEAM = 8  # pixels along a band's edge left out
_FIXED = 16  # positions are stored in 1/16 px
_HEADER = np.dtype([("width", "<u2"), ("height", "<u2"), ("indexed", "<u2"), ("count", "<u2")])


@dataclass(frozen=True)
class Keypoints:
    width: int  # of the reduced picture the points are in
    height: int
    indexed: int  # the first `indexed` descriptors go into the index
    descriptors: np.ndarray  # (n, 32) uint8
    points: np.ndarray  # (n, 2) float32, x and y in pixels of the reduced picture

    def __len__(self) -> int:
        return len(self.descriptors)

    def indexed_rows(self) -> list[bytes]:
        return [bytes(d) for d in self.descriptors[: self.indexed]]

    def pack(self) -> bytes:
        header = np.array([(self.width, self.height, self.indexed, len(self))], _HEADER)
        fixed = np.clip(np.round(self.points * _FIXED), 0, 65535).astype("<u2")
        return header.tobytes() + np.ascontiguousarray(self.descriptors, np.uint8).tobytes() + fixed.tobytes()

    @classmethod
    def unpack(cls, packed: bytes) -> Keypoints | None:
        if len(packed) < _HEADER.itemsize:
            return None
        h = np.frombuffer(packed[: _HEADER.itemsize], _HEADER)[0]
        n, start = int(h["count"]), _HEADER.itemsize
        descriptors = np.frombuffer(packed[start : start + 32 * n], np.uint8).reshape(n, 32)
        points = np.frombuffer(packed[start + 32 * n : start + 36 * n], "<u2").reshape(n, 2).astype(np.float32) / _FIXED
        return cls(int(h["width"]), int(h["height"]), int(h["indexed"]), descriptors, points)


def describe(small: np.ndarray, indexed: int = INDEXED, searched: int = SEARCHED) -> Keypoints:
    """The keypoints of a reduced picture (RGB or grey, long side at most SMALL_SIDE): the
    `indexed` spread over it first, then the strongest others, `searched` in all."""
    grey = small if small.ndim == 2 else cv2.cvtColor(np.ascontiguousarray(small), cv2.COLOR_RGB2GRAY)
    height, width = grey.shape
    if 0 < max(height, width) < SMALL_SIDE:
        # A small picture enlarged to the size the others are reduced to: a half-size copy
        # then shows its corners at the scale of the original's, where ORB finds them.
        scale = SMALL_SIDE / max(height, width)
        width, height = max(1, round(width * scale)), max(1, round(height * scale))
        grey = cv2.resize(grey, (width, height), interpolation=cv2.INTER_LINEAR)
    empty = Keypoints(width, height, 0, np.zeros((0, 32), np.uint8), np.zeros((0, 2), np.float32))
    if min(height, width) < 32:  # too small for ORB's patches
        return empty
    # A caption bar's letters are the strongest corners there are: the points come from the
    # picture inside any plain bands along the edges (see `bands`), spread over it alone.
    left, top, right, bottom = band_box(grey)
    mask = None
    if (left, top, right, bottom) != (0, 0, width, height):
        mask = np.zeros_like(grey)
        # and not along the bar's edge either: its line across the picture makes corners too
        mask[top + (top > 0) * _SEAM : bottom - (bottom < height) * _SEAM,
             left + (left > 0) * _SEAM : right - (right < width) * _SEAM] = 255
    # A low FAST threshold: a soft or dark picture still gets corners; the strongest are kept.
    orb = cv2.ORB_create(nfeatures=DETECTED, fastThreshold=10, edgeThreshold=15, patchSize=31)
    found, descriptors = orb.detectAndCompute(np.ascontiguousarray(grey), mask)
    if descriptors is None or not found:
        return empty
    points = np.array([k.pt for k in found], np.float32)
    strength = np.array([k.response for k in found], np.float32)
    fine = np.array([k.octave <= FINE_LEVELS for k in found])
    weighted = strength * np.where(fine, 1.0, COARSE_WEIGHT)
    picked = spread(points - (left, top), weighted, right - left, bottom - top, indexed)
    chosen = set(picked)
    # Searched: the strongest (spreading them too lost more crops than it won captioned copies).
    rest = [int(i) for i in np.argsort(-strength, kind="stable") if i not in chosen]
    order = np.array(picked + rest[: max(0, searched - len(picked))], np.int64)
    return Keypoints(width, height, len(picked), descriptors[order], points[order])


def spread(points: np.ndarray, strength: np.ndarray, width: int, height: int, count: int) -> list[int]:
    """`count` points, taken strongest first from each cell of a grid in turn (the cells nearest
    the centre first: crops keep the centre), so that every part of the picture has some. The
    grid has SHORT cells across the short side and about one point per cell (6 x 3 for 18, 4 x 3
    for 12): a reframe keeps a narrow strip of the long side (9:16 of 16:9: a third), and finer
    cells that way give the strip its share of the points whatever the picture shows elsewhere
    (measured: on 16:9 -> 9:16 off-centre, 16 of 19 photos found against 13 with a 3 x 3 grid)."""
    across, down = max(1, round(count / SHORT)), SHORT
    if height > width:
        across, down = down, across
    cell = (np.minimum(points[:, 1] * down // height, down - 1) * across
            + np.minimum(points[:, 0] * across // width, across - 1)).astype(int)
    def off_centre(c: int) -> float:
        return abs((c // across + 0.5) / down - 0.5) + abs((c % across + 0.5) / across - 0.5)

    cells = sorted(range(across * down), key=off_centre)
    order = np.argsort(-strength, kind="stable")
    queues = {c: [int(i) for i in order if cell[i] == c] for c in cells}
    picked: list[int] = []
    while len(picked) < count and any(queues.values()):
        for c in cells:
            if queues[c] and len(picked) < count:
                picked.append(queues[c].pop(0))
    return picked
