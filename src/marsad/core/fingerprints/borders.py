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


def content_box(grey: np.ndarray, flat: float = 4.0, blurred: float = 1.0) -> Crop:
    """Rows and columns to keep after peeling, from each edge inwards, lines that are
    uniform (letterbox and pillarbox bars) or nearly free of detail (a blurred
    background). Peeling stops at the first line with content, so flat areas inside
    the picture are never cut; a frame that is flat all over is kept whole."""
    g = grey.astype(np.float32)
    h, w = g.shape

    def border(spread: np.ndarray, detail: np.ndarray) -> np.ndarray:
        return (spread <= flat) | (detail <= blurred)

    rows = border(g.std(axis=1), np.abs(np.diff(g, axis=1)).mean(axis=1))
    cols = border(g.std(axis=0), np.abs(np.diff(g, axis=0)).mean(axis=0))

    def peel(is_border: np.ndarray, n: int) -> tuple[int, int]:
        content = np.flatnonzero(~is_border)
        if len(content) == 0 or content[-1] - content[0] + 1 < n // 4:
            return 0, n
        return int(content[0]), int(content[-1]) + 1

    top, bottom = peel(rows, h)
    left, right = peel(cols, w)
    return Crop(top, bottom, left, right)
