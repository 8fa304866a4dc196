"""Finding the picture inside letterbox, pillarbox and blurred-background borders."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Crop:
    top: int
    bottom: int  # exclusive
    left: int
    right: int  # exclusive


def bars_box(grey: np.ndarray, flat: float = 4.0, tolerance: float = 8.0) -> Crop:
    """Rows and columns to keep after peeling letterbox and pillarbox bars: lines of
    one colour, the colour of the outermost line. A plain sky inside the picture is
    another colour and stays."""
    g = grey.astype(np.float32)
    h, w = g.shape

    def peel(lines: np.ndarray) -> tuple[int, int]:
        spread, mean = lines.std(axis=1), lines.mean(axis=1)
        n = len(lines)
        start = 0
        while start < n and spread[start] <= flat and abs(mean[start] - mean[0]) <= tolerance:
            start += 1
        end = n
        while end > start and spread[end - 1] <= flat and abs(mean[end - 1] - mean[-1]) <= tolerance:
            end -= 1
        return (0, n) if end - start < n // 4 else (start, end)

    top, bottom = peel(g)
    left, right = peel(g.T)
    return Crop(top, bottom, left, right)


def content_box(grey: np.ndarray, flat: float = 4.0, blurred: float = 1.0, relative: float = 0.35) -> Crop:
    """Rows and columns to keep after peeling, from each edge inwards, lines that are
    uniform (letterbox and pillarbox bars) or nearly free of detail (a blurred
    background: under `blurred`, or under `relative` times the typical detail of the
    middle of the frame, since a sharp photo's blurred copy keeps some). Peeling stops
    at the first line with content, so flat areas inside the picture are never cut; a
    frame that is flat all over is kept whole."""
    g = grey.astype(np.float32)
    h, w = g.shape

    def border(spread: np.ndarray, detail: np.ndarray) -> np.ndarray:
        n = len(detail)
        typical = float(np.median(detail[n // 4 : n - n // 4])) if n >= 4 else 0.0
        return (spread <= flat) | (detail <= max(blurred, relative * typical))

    across = np.abs(np.diff(g, axis=1))  # change from each column to the next
    down = np.abs(np.diff(g, axis=0))  # and from each row to the next
    rows = border(g.std(axis=1), across.mean(axis=1))
    cols = border(g.std(axis=0), down.mean(axis=0))

    def peel(is_border: np.ndarray, n: int, steps: np.ndarray) -> tuple[int, int]:
        content = np.flatnonzero(~is_border)
        if len(content) == 0 or content[-1] - content[0] + 1 < n // 4:
            return 0, n
        return snap_to_seams(steps, int(content[0]), int(content[-1]) + 1)

    top, bottom = peel(rows, h, down.mean(axis=1))
    left, right = peel(cols, w, across.mean(axis=0))
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

