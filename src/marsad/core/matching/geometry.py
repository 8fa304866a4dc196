"""Confirming that two pictures show the same scene, by how their keypoints line up.

Descriptors of unrelated pictures meet now and then; what they never do is line up
under one similarity transform (a scale, a turn and a shift), as those of a crop,
a reframe or a resized copy all do. RANSAC (OpenCV) fits that transform to the
matched points; the points it explains are the evidence, and the transform says
which part of the other picture the copy shows, in words a reviewer can check.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from marsad.core.fingerprints.keypoints import Keypoints

KEYPOINT_RADIUS = 36  # descriptor bits apart at most for a pair to count (ORB's 256)
# Searching the index for keypoints: its multi-index tables answer radii below 3 chunks' worth
# (`index.chunk_flips`), 32 at 10 M rows (11 chunks); wider, it scans every row.
CANDIDATE_RADIUS = 32
MIN_INLIERS = 6  # keypoints that must line up under one transform
MIN_SHARE = 0.35  # of the pairs found, the share the transform must explain
REPROJECTION = 4.0  # pixels (of the reduced pictures) a point may land from its mate
SCALES = (0.25, 4.0)  # a copy at most 4x smaller or larger than the other
MAX_TURN = 20.0  # degrees: a copy turned further was rotated (found by PDQ's variants)
MIN_SPAN = (0.1, 0.04)  # the matched points must spread over this share of each side, and of the area


@dataclass(frozen=True)
class Geometry:
    """How the query's picture sits in the other's: the part of the other it shows
    (left, top, right, bottom, as shares of its width and height, clipped to it) and
    the part of its own the other shows."""

    inliers: int
    scale: float  # how much larger the query shows the scene than the other (1.25: a centre 80% crop)
    turn: float  # degrees
    shows: tuple[float, float, float, float]  # the part of the other the query shows
    shown: tuple[float, float, float, float]  # the part of the query the other shows


def pairs(mine: Keypoints, theirs: Keypoints) -> list[tuple[int, int]]:
    """Keypoints of the two pictures that are each other's nearest (mine, theirs), within
    KEYPOINT_RADIUS bits: all the stored ones, not only the indexed."""
    if not len(mine) or not len(theirs):
        return []
    matcher = cv2.BFMatcher(cv2.NORM_HAMMING, crossCheck=True)
    found = matcher.match(np.ascontiguousarray(mine.descriptors), np.ascontiguousarray(theirs.descriptors))
    return [(m.queryIdx, m.trainIdx) for m in found if m.distance <= KEYPOINT_RADIUS]


def confirm(mine: Keypoints, theirs: Keypoints) -> Geometry | None:
    """The transform that lines up the two pictures' matching keypoints, or None when too
    few line up for them to be the same scene."""
    found = pairs(mine, theirs)
    if len(found) < MIN_INLIERS:
        return None
    src = mine.points[[q for q, _ in found]].astype(np.float32)
    dst = theirs.points[[t for _, t in found]].astype(np.float32)
    matrix, mask = cv2.estimateAffinePartial2D(src, dst, method=cv2.RANSAC, ransacReprojThreshold=REPROJECTION,
                                               maxIters=2000, confidence=0.995, refineIters=10)
    if matrix is None or mask is None:
        return None
    inliers = mask.ravel().astype(bool)
    count = int(inliers.sum())
    scale = 1 / max(1e-6, float(math.hypot(matrix[0, 0], matrix[1, 0])))
    turn = math.degrees(math.atan2(matrix[1, 0], matrix[0, 0]))
    if count < MIN_INLIERS or count < MIN_SHARE * len(found) or not SCALES[0] <= scale <= SCALES[1]:
        return None
    if abs(turn) > MAX_TURN:
        return None
    # Points bunched in one spot (a logo, a line of text) line up under many transforms.
    spread = src[inliers].max(axis=0) - src[inliers].min(axis=0)
    across, down = spread[0] / mine.width, spread[1] / mine.height
    if min(across, down) < MIN_SPAN[0] or across * down < MIN_SPAN[1]:
        return None
    shows = _box(matrix, mine.width, mine.height, theirs.width, theirs.height)
    inverse = cv2.invertAffineTransform(matrix)
    shown = _box(inverse, theirs.width, theirs.height, mine.width, mine.height)
    return Geometry(count, round(scale, 3), round(turn, 1), shows, shown)


def _box(matrix: np.ndarray, width: int, height: int, to_width: int, to_height: int) -> tuple[float, float, float, float]:
    """Where a width x height picture lands under `matrix`, as shares of the other's sides."""
    corners = np.array([[0, 0, 1], [width, 0, 1], [0, height, 1], [width, height, 1]], np.float64) @ matrix.T
    left, top = corners.min(axis=0)
    right, bottom = corners.max(axis=0)
    clip = lambda v, size: float(min(1.0, max(0.0, v / size)))  # noqa: E731
    return clip(left, to_width), clip(top, to_height), clip(right, to_width), clip(bottom, to_height)


NEAR_EDGE = 0.03  # a box edge this close to the picture's is at the edge
WHOLE = 0.94  # a box this much of a side covers that side


def part_name(box: tuple[float, float, float, float]) -> str:
    """`box` (left, top, right, bottom shares) in words: "the centre 64%", "the left 70%",
    "the top-right corner (70% x 70%)", "a 56% wide strip, full height, from 22% to 78% across"."""
    left, top, right, bottom = box
    width, height = right - left, bottom - top
    area = round(100 * width * height)
    full_w, full_h = width >= WHOLE, height >= WHOLE
    at_left, at_right = left <= NEAR_EDGE, right >= 1 - NEAR_EDGE
    at_top, at_bottom = top <= NEAR_EDGE, bottom >= 1 - NEAR_EDGE
    centred_x = abs((left + right) / 2 - 0.5) <= NEAR_EDGE
    centred_y = abs((top + bottom) / 2 - 0.5) <= NEAR_EDGE
    pct = lambda v: f"{round(100 * v)}%"  # noqa: E731
    if full_w and full_h:
        return "the whole"
    if full_h:
        if at_left or at_right:
            return f"the {'left' if at_left else 'right'} {pct(width)}"
        where = "centre" if centred_x else f"from {pct(left)} to {pct(right)} across"
        return f"a {pct(width)} wide strip, full height ({where})"
    if full_w:
        if at_top or at_bottom:
            return f"the {'top' if at_top else 'bottom'} {pct(height)}"
        where = "centre" if centred_y else f"from {pct(top)} to {pct(bottom)} down"
        return f"a {pct(height)} high band, full width ({where})"
    if centred_x and centred_y:
        return f"the centre {area}%"
    if (at_left or at_right) and (at_top or at_bottom):
        corner = f"{'top' if at_top else 'bottom'}-{'left' if at_left else 'right'}"
        return f"the {corner} corner ({pct(width)} x {pct(height)})"
    return f"the part from {pct(left)} to {pct(right)} across and {pct(top)} to {pct(bottom)} down ({area}%)"


def describe(g: Geometry, other: str) -> str:
    """The link's reason: which part of which picture the other shows, and the evidence.
    `other`: how to name the other item (e.g. "item 9f3c…")."""
    shows, shown = part_name(g.shows), part_name(g.shown)
    mine = shown == "the whole" or (shows != "the whole" and _area(g.shows) <= _area(g.shown))
    # The scale of the part over the whole it was cut from (1.25: shown 1.25x as large).
    evidence = f"{g.inliers} matching keypoints, scale {g.scale if mine else 1 / g.scale:.2f}"
    if abs(g.turn) >= 3:  # a degree or two is the fit's noise
        evidence += f", turned {g.turn:.0f}°"
    if shows == "the whole" and shown == "the whole":
        return f"the copy shows the whole of {other} ({evidence})"
    if mine:
        text = f"this copy is {shows} of {other}"
    else:
        text = f"{other} is {shown} of this one"
    if shows != "the whole" and shown != "the whole":
        text += f" (each shows part of the other: this one {shows} of it, it {shown} of this one)"
    return f"{text} ({evidence})"


def _area(box: tuple[float, float, float, float]) -> float:
    return (box[2] - box[0]) * (box[3] - box[1])
