"""Parts of a picture hashed besides the whole, so edited copies still match.

Indexed with each picture: centre crops at 95% and 90% (a copy cropped to hide a
watermark matches the crop of the same size), and the middle band without the
top 17% and bottom 20% (where channels put logos, captions and tickers). A query
also searches with its own middle band, so a copy with a logo or a caption
matches the original's band. PDQ alone misses all of these.
"""

from __future__ import annotations

import numpy as np

CROPS = (0.95, 0.90)
BAND = (0.17, 0.80)


def centre_crop(rgb: np.ndarray, keep: float) -> np.ndarray:
    h, w = rgb.shape[:2]
    dy, dx = int(h * (1 - keep) / 2), int(w * (1 - keep) / 2)
    return np.ascontiguousarray(rgb[dy : h - dy, dx : w - dx])


def middle_band(rgb: np.ndarray) -> np.ndarray:
    h = rgb.shape[0]
    return np.ascontiguousarray(rgb[int(h * BAND[0]) : int(h * BAND[1])])


def indexed_regions(rgb: np.ndarray) -> list[np.ndarray]:
    """Regions hashed and indexed beside the whole picture (the band last)."""
    return [centre_crop(rgb, keep) for keep in CROPS] + [middle_band(rgb)]
