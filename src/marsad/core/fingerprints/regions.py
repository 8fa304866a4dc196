"""The hashes kept beside a picture's own, so edited copies still match.

PDQ alone misses crops, mirrors, captions and logos. Each picture is also hashed
from a reduced copy (long side SMALL_SIDE): whole, centre crops at 95% and 90% (a
copy cropped to hide a watermark matches the crop of the same size) and the
middle band without the top 17% and bottom 20% (where channels put logos,
captions and tickers). These are indexed. A query searches with its own middle
band and with its mirror images, hashed from the flipped pixels: PDQ's
dihedral shortcut (flipping the DCT) lands 20-60 bits away from the hash of a
really flipped picture, too far to match.
"""

from __future__ import annotations

import numpy as np
import pdqhash
from PIL import Image

from .base import pack_bits

SMALL_SIDE = 384  # long side of the reduced copy every region is hashed from
CROPS = (0.95, 0.90)
BAND = (0.17, 0.80)


def reduced(rgb: np.ndarray, side: int = SMALL_SIDE) -> np.ndarray:
    """The picture with its long side at most `side` (box-filtered, so fine patterns
    do not alias into other hashes)."""
    h, w = rgb.shape[:2]
    if max(h, w) <= side:
        return rgb
    scale = side / max(h, w)
    size = (max(2, round(w * scale)), max(2, round(h * scale)))
    return np.asarray(Image.fromarray(rgb).resize(size, Image.BOX))


def centre_crop(rgb: np.ndarray, keep: float) -> np.ndarray:
    h, w = rgb.shape[:2]
    dy, dx = int(h * (1 - keep) / 2), int(w * (1 - keep) / 2)
    return rgb[dy : h - dy, dx : w - dx]


def middle_band(rgb: np.ndarray) -> np.ndarray:
    h = rgb.shape[0]
    return rgb[int(h * BAND[0]) : int(h * BAND[1])]


def hash_of(rgb: np.ndarray) -> bytes:
    return pack_bits(pdqhash.compute(np.ascontiguousarray(rgb))[0])


def parts(small: np.ndarray) -> list[bytes]:
    """The hashes of the picture's crops and of its band (the band last)."""
    return [hash_of(centre_crop(small, keep)) for keep in CROPS] + [hash_of(middle_band(small))]


def indexed(small: np.ndarray) -> list[bytes]:
    """Hashes indexed beside the picture's own: whole, crops, band (the band last)."""
    return [hash_of(small), *parts(small)]


def mirrored(small: np.ndarray) -> bytes:
    return hash_of(small[:, ::-1])


def turned(small: np.ndarray) -> list[bytes]:
    """The picture's other seven rotations and mirrors (a photo sent sideways)."""
    out = []
    for k in range(4):
        r = np.rot90(small, k)
        if k:
            out.append(hash_of(r))
        out.append(hash_of(r[:, ::-1]))
    return out
