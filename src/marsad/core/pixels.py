"""How many pixels a picture may decode to, checked before it is decoded.

A few kilobytes can declare a picture of billions of pixels (a 20 KB 1-bit PNG of
13,000 x 13,000 took 34 s and 4.5 GB to analyse): the header's size is checked
against `max_pixels` before any pixel is decoded. A JPEG is measured at the scale
it is decoded at (Pillow's draft mode reads it at 1/2..1/8 size), so a large
photo from a phone camera is still read where only a small copy is needed.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable

from PIL import Image

from marsad import conf


class TooManyPixels(ValueError):
    """A picture larger than the setting allows; the message says by how much."""


def limit() -> int:
    return conf.get("max_pixels")


def check(width: int, height: int, what: str = "image", most: int | None = None) -> None:
    most = limit() if most is None else most
    if most > 0 and width * height > most:
        raise TooManyPixels(
            f"{what} of {width} x {height} pixels ({width * height / 1e6:.0f} MP) exceeds the limit of "
            f"{most / 1e6:.0f} MP (MARSAD_MAX_PIXELS); not decoded, the original is preserved as it is")


def open_image(path: str | os.PathLike[str],
               draft: tuple[int, int] | Callable[[tuple[int, int]], tuple[int, int]] | None = None,
               most: int | None = None) -> Image.Image:
    """The image opened (not decoded), at draft scale where the format offers it (`draft`: the
    least size wanted, or a function of the full size giving it), its size checked. Raises
    `TooManyPixels`, or what Pillow raises for an unreadable file."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # our own limit decides
        try:
            img = Image.open(path)
        except Image.DecompressionBombError as e:
            raise TooManyPixels(f"{e}; not decoded, the original is preserved as it is") from e
    try:
        if draft:
            img.draft("RGB", draft(img.size) if callable(draft) else draft)
        check(*img.size, most=most)
    except BaseException:
        img.close()
        raise
    return img


def keeping_shape(side: int) -> Callable[[tuple[int, int]], tuple[int, int]]:
    """A draft size with the picture's shape and its long side `side` (as Pillow's `thumbnail` asks)."""
    def size(full: tuple[int, int]) -> tuple[int, int]:
        scale = min(1.0, side / max(full))
        return max(1, round(full[0] * scale)), max(1, round(full[1] * scale))

    return size
