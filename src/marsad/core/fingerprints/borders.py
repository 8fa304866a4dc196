"""Finding the picture inside letterbox, pillarbox and blurred-background borders."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np


@dataclass(frozen=True)
class Crop:
    top: int
    bottom: int  # exclusive
    left: int
    right: int  # exclusive


class Lines:
    """A grey picture's statistics per row and per column, each computed once and shared by
    `bars_box` and `content_box` (a photo is searched inside both boxes): float32 as the
    finders always computed them, so the boxes are the same."""

    def __init__(self, grey: np.ndarray) -> None:
        self.shape = grey.shape
        self.grey = grey

    @cached_property
    def g(self) -> np.ndarray:
        return self.grey.astype(np.float32)

    @cached_property
    def row_std(self) -> np.ndarray:
        return self.g.std(axis=1)

    @cached_property
    def col_std(self) -> np.ndarray:
        return self.g.std(axis=0)

    @cached_property
    def row_mean(self) -> np.ndarray:
        return self.g.mean(axis=1)

    @cached_property
    def col_mean(self) -> np.ndarray:
        return self.g.mean(axis=0)

    @cached_property
    def across(self) -> tuple[np.ndarray, np.ndarray]:
        """Mean change from each column to the next, per row and per column boundary."""
        return self._mean_steps(axis=1)

    @cached_property
    def down(self) -> tuple[np.ndarray, np.ndarray]:
        """Mean change from each row to the next, per row boundary and per column."""
        return self._mean_steps(axis=0)

    def _mean_steps(self, axis: int) -> tuple[np.ndarray, np.ndarray]:
        """Mean absolute steps along `axis`, averaged along rows and along columns, as float32.
        For 8-bit pictures by integer sums: the same values as float32 means (sums of whole
        numbers under 2**24 are exact in float32 too, and both divide once), in less time."""
        if self.grey.dtype != np.uint8 or max(self.shape) >= 1 << 16:
            steps = np.abs(np.diff(self.g, axis=axis))
            return steps.mean(axis=1), steps.mean(axis=0)
        steps = np.abs(np.diff(self.grey.astype(np.int16), axis=axis))
        with np.errstate(invalid="ignore"):  # an empty line's mean is NaN, as numpy's mean gives
            return tuple(steps.sum(axis=a, dtype=np.int64).astype(np.float32) / np.float32(steps.shape[a])
                         for a in (1, 0))  # type: ignore[return-value]


def _lines(grey: np.ndarray | Lines) -> Lines:
    return grey if isinstance(grey, Lines) else Lines(grey)


def bars_box(grey: np.ndarray | Lines, flat: float = 4.0, tolerance: float = 8.0) -> Crop:
    """Rows and columns to keep after peeling letterbox and pillarbox bars: lines of
    one colour, the colour of the outermost line. A plain sky inside the picture is
    another colour and stays."""
    lines = _lines(grey)

    def peel(spread: np.ndarray, mean: np.ndarray) -> tuple[int, int]:
        n = len(spread)
        start = 0
        while start < n and spread[start] <= flat and abs(mean[start] - mean[0]) <= tolerance:
            start += 1
        end = n
        while end > start and spread[end - 1] <= flat and abs(mean[end - 1] - mean[-1]) <= tolerance:
            end -= 1
        return (0, n) if end - start < n // 4 else (start, end)

    top, bottom = peel(lines.row_std, lines.row_mean)
    left, right = peel(lines.col_std, lines.col_mean)
    return Crop(top, bottom, left, right)


def content_box(grey: np.ndarray | Lines, flat: float = 4.0, blurred: float = 1.0, relative: float = 0.35) -> Crop:
    """Rows and columns to keep after peeling, from each edge inwards, lines that are
    uniform (letterbox and pillarbox bars) or nearly free of detail (a blurred
    background: under `blurred`, or under `relative` times the typical detail of the
    middle of the frame, since a sharp photo's blurred copy keeps some). Peeling stops
    at the first line with content, so flat areas inside the picture are never cut; a
    frame that is flat all over is kept whole."""
    lines = _lines(grey)
    h, w = lines.shape

    def border(spread: np.ndarray, detail: np.ndarray) -> np.ndarray:
        n = len(detail)
        typical = float(np.median(detail[n // 4 : n - n // 4])) if n >= 4 else 0.0
        return (spread <= flat) | (detail <= max(blurred, relative * typical))

    (across_rows, across_cols), (down_rows, down_cols) = lines.across, lines.down
    rows = border(lines.row_std, across_rows)
    cols = border(lines.col_std, down_cols)

    def peel(is_border: np.ndarray, n: int, steps: np.ndarray) -> tuple[int, int]:
        content = np.flatnonzero(~is_border)
        if len(content) == 0 or content[-1] - content[0] + 1 < n // 4:
            return 0, n
        return snap_to_seams(steps, int(content[0]), int(content[-1]) + 1)

    top, bottom = peel(rows, h, down_rows)
    left, right = peel(cols, w, across_cols)
    return Crop(top, bottom, left, right)


def snap_to_seams(steps: np.ndarray, start: int, end: int, reach: float = 0.05, seam: float = 8.0,
                  contrast: float = 4.0) -> tuple[int, int]:
    """Move peeled edges outwards onto the seam between a blurred background and the
    picture. A picture's own smooth edge (the margin of a page, a sky) looks blurred too,
    so peeling stops a few lines inside it; the seam is the line where the whole line
    jumps (`steps[i]`: mean change from line i to i + 1), well above the lines around it
    (a blurred background has no such jump). Where no such seam is near, the edge stays."""
    n = len(steps) + 1
    window = max(4, int(n * reach))

    def nearest(lo: int, hi: int, outwards_first: bool) -> int | None:
        lo, hi = max(0, lo), min(len(steps), hi)
        if hi - lo < 2:
            return None
        part = steps[lo:hi]
        jumps = np.flatnonzero(part >= max(seam, contrast * float(np.median(part))))
        if len(jumps) == 0:
            return None
        return lo + int(jumps[0] if outwards_first else jumps[-1])

    # The jump at the peeled edge itself is the picture's own first detail (a line of text)
    # or the seam already; beyond it, the nearest jump is the seam: a blurred background
    # has none.
    if start > 0:
        k = nearest(start - window - 1, start - 1, outwards_first=False)
        start = k + 1 if k is not None else start
    if end < n:
        k = nearest(end, end + window, outwards_first=True)
        end = k + 1 if k is not None else end
    return start, end

