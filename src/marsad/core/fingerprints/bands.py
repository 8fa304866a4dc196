"""Plain bands along a picture's edges: a caption bar, a letterbox, a channel's banner.

A repost often adds a bar of one flat colour with a line of text above or below the
picture. The corners of its letters are the strongest a corner detector finds, so they
crowd the picture's own keypoints out of the few a copy is indexed and searched with
(`keypoints`). A band here: rows (or columns) from an edge inward in which most pixels
are the colour of the edge, text or a logo allowed, ending where the picture begins.
A bar as bright as the picture's edge beside it (a white bar over a white wall) is not
told apart: the picture then keeps its points as before.
"""

from __future__ import annotations

import numpy as np

TOLERANCE = 10  # grey levels from the edge's colour that still count as the band's
EDGE_PLAIN = 0.97  # of the outermost line's pixels: the band starts with a plain line
TEXT = 0.12  # of a line's pixels at least, in a line of text across the band (measured: 0.2 and more)
MEAN_PLAIN = 0.75  # of the band's pixels in all: text is sparse
MIN_BAND = 0.03  # of the side: thinner is a frame line, not a band
MAX_BAND = 0.4  # of the side: a band never takes more (a plain sky is not cut away whole)


def band_box(picture: np.ndarray) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of the picture (grey, or RGB: a pixel is the band's when each
    channel is) inside any plain bands along its edges."""
    height, width = picture.shape[:2]
    top = _band(picture)
    bottom = height - _band(picture[::-1])
    across = picture.swapaxes(0, 1)
    left = _band(across)
    right = width - _band(across[::-1])
    if bottom - top < height / 3 or right - left < width / 3:  # a flat picture, not bands around one
        return 0, 0, width, height
    return left, top, right, bottom


def _band(picture: np.ndarray) -> int:
    """How many lines from the first (row 0 of `picture`) inward are a plain band (0: none)."""
    limit = int(len(picture) * MAX_BAND)
    if limit < 1:
        return 0
    lines = picture[:limit].astype(np.int16)
    colour = np.median(lines[0], axis=0).astype(np.int16)  # the edge's colour (or grey level)
    apart = np.abs(lines - colour)
    if apart.ndim == 3:
        apart = apart.max(axis=2)
    plain = (apart <= TOLERANCE).mean(axis=1)
    if plain[0] < EDGE_PLAIN:
        return 0
    ends = np.flatnonzero(plain < TEXT)
    if not len(ends):  # plain as far as a band may reach: a sky or a flat picture, not a bar
        return 0
    depth = int(ends[0])
    # A bar ends at a line, its own colour up to the picture; a plain part of the picture
    # (a sky, a wall) fades into the rest.
    sharp = plain[depth - 1] >= EDGE_PLAIN - 0.1
    if depth < MIN_BAND * len(picture) or not sharp or plain[:depth].mean() < MEAN_PLAIN:
        return 0
    return depth
