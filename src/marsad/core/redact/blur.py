"""Making boxes unrecoverable: a coarse mosaic, then a strong blur over it.

A Gaussian blur alone can be partly undone by deconvolution when its kernel is
known; averaging each box down to a few cells destroys the detail first, and the
blur only hides the cell edges that would draw the eye.
"""

from __future__ import annotations

from collections.abc import Iterable

import cv2
import numpy as np

from .boxes import Box

ENLARGE = 1.4  # each detected box grows by this factor about its centre: YuNet's box is tight around the features
CELLS = 6  # cells across the longer side of a box


def blur_boxes(img: np.ndarray, boxes: Iterable[Box]) -> list[tuple[int, int, int, int]]:
    """Blur each box in place (already enlarged as wanted); returns the pixel rectangles
    (x0, y0, x1, y1) actually blurred, which is the blur mask."""
    h, w = img.shape[:2]
    done = []
    for box in boxes:
        rect = box.clip(w, h)
        if rect is None:
            continue
        x0, y0, x1, y1 = rect
        patch = img[y0:y1, x0:x1]
        ph, pw = patch.shape[:2]
        cell = max(1, max(pw, ph) // CELLS)
        small = cv2.resize(patch, (max(1, pw // cell), max(1, ph // cell)), interpolation=cv2.INTER_AREA)
        mosaic = cv2.resize(small, (pw, ph), interpolation=cv2.INTER_NEAREST)
        k = 2 * cell + 1
        img[y0:y1, x0:x1] = cv2.GaussianBlur(mosaic, (k, k), 0)
        done.append(rect)
    return done


def mask(shape: tuple[int, int], rects: Iterable[tuple[int, int, int, int]]) -> np.ndarray:
    """A boolean picture, True where some rectangle was blurred."""
    m = np.zeros(shape, dtype=bool)
    for x0, y0, x1, y1 in rects:
        m[y0:y1, x0:x1] = True
    return m
