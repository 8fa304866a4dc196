"""PDQ image fingerprints (Meta's open standard) via `pdqhash`.

EXIF orientation is applied first, so a photo and its correctly displayed copy
hash alike; the 8 rotations and mirrors are computed at query time, so a
mirrored or rotated copy is still found.
"""

from __future__ import annotations

import os

import numpy as np
import pdqhash
from PIL import Image, ImageOps

from .base import FingerprintFailed, FrameHash, pack_bits
from .borders import content_box
from .regions import indexed_regions

# Decoding huge images only to shrink them to 512 px wastes time: draft mode lets
# JPEG decode at 1/2..1/8 scale, which PDQ's own downsampling makes harmless.
_DRAFT_SIZE = (1024, 1024)


def load_rgb(path: str | os.PathLike[str]) -> np.ndarray:
    try:
        with Image.open(path) as img:
            img.draft("RGB", _DRAFT_SIZE)
            img = ImageOps.exif_transpose(img).convert("RGB")
            return np.asarray(img)
    except (OSError, ValueError, Image.DecompressionBombError) as e:
        raise FingerprintFailed(f"cannot decode the image: {e}") from e


def hash_pixels(rgb: np.ndarray) -> FrameHash:
    bits, quality = pdqhash.compute(np.ascontiguousarray(rgb))
    return FrameHash(pack_bits(bits), int(quality))


def dihedral(rgb: np.ndarray) -> list[FrameHash]:
    """The hashes of the image's 8 rotations and mirrors (the first is the original)."""
    hashes, quality = pdqhash.compute_dihedral(np.ascontiguousarray(rgb))
    return [FrameHash(pack_bits(h), int(quality)) for h in hashes]


class PDQ:
    name = "pdq"
    version = "pdqhash-" + getattr(pdqhash, "__version__", "0.2")

    def applies(self, kind: str) -> bool:
        return kind == "image"

    def __init__(self, with_variants: bool = True) -> None:
        self.with_variants = with_variants

    def compute(self, path: str | os.PathLike[str]) -> list[FrameHash]:
        rgb = load_rgb(path)
        if not self.with_variants:
            return [hash_pixels(rgb)]
        first, *others = dihedral(rgb)  # one DCT gives all eight
        extras = [hash_pixels(region).hash for region in indexed_regions(rgb)]
        variants = [o.hash for o in others] + [extras[-1]]  # ... and the middle band
        box = content_box(np.asarray(Image.fromarray(rgb).convert("L")))
        if (box.bottom - box.top, box.right - box.left) != rgb.shape[:2]:
            # a letterboxed or pillarboxed copy: search with the picture inside too
            variants += [h.hash for h in dihedral(rgb[box.top : box.bottom, box.left : box.right])]
        return [FrameHash(first.hash, first.quality, 0.0, tuple(variants), tuple(extras))]
