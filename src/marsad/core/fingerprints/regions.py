"""The hashes kept beside a picture's own, so edited copies still match.

PDQ alone misses crops, mirrors, captions and logos. Each picture is also hashed
from a reduced copy (long side SMALL_SIDE): whole, centre crops at 95% and 90% (a
copy cropped to hide a watermark matches the crop of the same size) and the
middle band without the top 17% and bottom 20% (where channels put logos,
captions and tickers). These are indexed. A query searches with its own middle
band and with its mirror images, hashed from the flipped pixels: PDQ's
dihedral shortcut (flipping the DCT) lands 20-60 bits away from the hash of a
really flipped picture, too far to match. It also searches with the centre of
the frame at each common aspect ratio (ASPECTS): a copy that sets a picture on a
wider or taller blurred background hides its edges from the border finder.

The crops, the band, the turns and the mirrors of one picture are hashed from its luma
plane (`luma.luma`), computed once: `parts`, `indexed`, `mirrored` and `turned` take it.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from .borders import Crop
from .luma import hash_luma, luma

SMALL_SIDE = 384  # long side of the reduced copy every region is hashed from
CROPS = (0.95, 0.90)
BAND = (0.17, 0.80)
# The shapes pictures are made in, landscape and portrait (video, phone and camera photos,
# 4:5 the portrait posts of photo apps). Channels re-post a vertical phone video in a
# landscape frame, or a square photo in a 16:9 one, filling the sides with a blurred,
# stretched copy of the picture; the frame's centre at the picture's own shape, full height
# (or full width), is then the picture itself.
ASPECTS = ((16, 9), (3, 2), (4, 3), (1, 1), (4, 5), (3, 4), (2, 3), (9, 16))
ASPECT_MARGIN = 1.1  # a frame within 10% of a shape is that shape, maybe cropped, not a background
PLAIN_SIDES = 0.6  # sides with less detail than this share of the centre's may be a background


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


def aspect_boxes(height: int, width: int) -> list[Crop | None]:
    """For each of ASPECTS, the centre of a frame of this size at that shape, full height
    if the frame is wider, full width if it is taller; None where the frame has that shape."""
    out: list[Crop | None] = []
    for a, b in ASPECTS:
        if width * b > height * a * ASPECT_MARGIN:
            keep = round(height * a / b)
            left = (width - keep) // 2
            out.append(Crop(0, height, left, left + keep))
        elif height * a > width * b * ASPECT_MARGIN:
            keep = round(width * b / a)
            top = (height - keep) // 2
            out.append(Crop(top, top + keep, 0, width))
        else:
            out.append(None)
    return out


def background_boxes(small: np.ndarray, height: int, width: int) -> list[Crop | None]:
    """`aspect_boxes` of a frame of height x width (`small`: the whole frame reduced), but
    only where the sides have much less detail than the centre, as a blurred or plain
    background has: a picture's own sides rarely do, so most frames need none of them."""
    step = max(1, max(small.shape[:2]) // 128)  # detail at about 128 px is enough to tell blur
    small = small[::step, ::step]
    grey = small.astype(np.float32).mean(axis=2) if small.ndim == 3 else small.astype(np.float32)
    detail = np.abs(np.diff(grey, axis=1))[:-1] + np.abs(np.diff(grey, axis=0))[:, :-1]
    across, down = detail.mean(axis=0), detail.mean(axis=1)
    out: list[Crop | None] = []
    for box in aspect_boxes(height, width):
        if box is not None:
            profile, start, end, size = (across, box.left, box.right, width) if box.left else (down, box.top, box.bottom, height)
            start, end = round(start * len(profile) / size), round(end * len(profile) / size)
            sides = np.concatenate([profile[:start], profile[end:]])
            if not sides.size or sides.mean() > PLAIN_SIDES * max(float(profile[start:end].mean()), 1e-3):
                box = None
        out.append(box)
    return out


def aspect_name(index: int) -> str:
    a, b = ASPECTS[index]
    return f"its centre at {a}:{b}"


def middle_band(rgb: np.ndarray) -> np.ndarray:
    h = rgb.shape[0]
    return rgb[int(h * BAND[0]) : int(h * BAND[1])]


def hash_of(rgb: np.ndarray) -> bytes:
    return hash_luma(luma(rgb))[0]


def hash_plane(plane: np.ndarray) -> bytes:
    """The hash of a luma plane (`luma.luma`), or of a crop, turn or mirror of one."""
    return hash_luma(plane)[0]


def parts(plane: np.ndarray) -> list[bytes]:
    """The hashes of the picture's crops and of its band (the band last), from its luma plane."""
    return [hash_plane(centre_crop(plane, keep)) for keep in CROPS] + [hash_plane(middle_band(plane))]


def indexed(plane: np.ndarray) -> list[bytes]:
    """Hashes indexed beside the picture's own: whole, crops, band (the band last), from its
    luma plane."""
    return [hash_plane(plane), *parts(plane)]


def mirrored(plane: np.ndarray) -> bytes:
    return hash_plane(plane[:, ::-1])


def turned(plane: np.ndarray) -> list[bytes]:
    """The picture's other seven rotations and mirrors (a photo sent sideways), from its luma
    plane."""
    out = []
    for k in range(4):
        r = np.rot90(plane, k)
        if k:
            out.append(hash_plane(r))
        out.append(hash_plane(r[:, ::-1]))
    return out
