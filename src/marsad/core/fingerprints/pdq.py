"""PDQ image fingerprints (Meta's open standard) via `pdqhash`.

EXIF orientation is applied first, so a photo and its correctly displayed copy
hash alike. The picture's own hash is PDQ's, from the picture decoded at a short side
of at least 512 px (`_DRAFT_SIZE`); the hashes kept beside it and searched with (see
`regions`) and its keypoints (see `keypoints`) come from a reduced copy.
"""

from __future__ import annotations

import os

import numpy as np
import pdqhash
from PIL import Image, ImageOps

from marsad.core import steps
from marsad.core.pixels import TooManyPixels, open_image

from .base import FingerprintFailed, FrameHash
from .borders import Crop, Lines, bars_box, content_box
from .keypoints import describe
from .luma import hash_luma, luma
from .regions import ASPECTS, aspect_name, background_boxes, hash_of, hash_plane, indexed, mirrored, reduced, turned

# PDQ reduces every picture to 64 x 64, and every other hash here is made from a copy of at
# most 384 px: decoding more than a 512 px short side only costs time (a 12 MP photo hashed
# at 2000 x 1500 spent 3/4 of its analysis in `pdqhash.compute`). JPEGs are decoded at the
# smallest draft scale (1/2..1/8) keeping both sides at least this; other formats are
# box-reduced by the same power of two, so a photo and its PNG copy are seen alike.
# Pictures under 1024 px a side are hashed from every pixel, as PDQ's reference does.
_DRAFT_SIZE = (512, 512)
TINY_SIDE = 128


def load_rgb(path: str | os.PathLike[str]) -> np.ndarray:
    """The picture as its hashes see it: upright, RGB, and its short side reduced by the
    largest power of two keeping it at least `_DRAFT_SIZE` (by JPEG's draft mode where
    the format has one, else by a box filter)."""
    try:
        with open_image(path, draft=_DRAFT_SIZE) as img:
            img = ImageOps.exif_transpose(img).convert("RGB")
            factor = _reduction(img.size)
            return np.asarray(img.reduce(factor) if factor > 1 else img)
    except TooManyPixels as e:
        raise FingerprintFailed(str(e)) from e
    except (OSError, ValueError, Image.DecompressionBombError) as e:
        raise FingerprintFailed(f"cannot decode the image: {e}") from e


def _reduction(size: tuple[int, int]) -> int:
    """The power of two JPEG's draft mode would have divided `size` by (1 once drafted)."""
    fits = min(size[0] // _DRAFT_SIZE[0], size[1] // _DRAFT_SIZE[1])
    return 1 << (fits.bit_length() - 1) if fits > 1 else 1


def hash_pixels(rgb: np.ndarray) -> FrameHash:
    return FrameHash(*hash_luma(luma(rgb)))


def border_candidates(peeled: Crop, whole: Crop) -> list[Crop]:
    """Where the picture may sit inside blurred borders. Peeling can also eat smooth
    picture at one edge (a blurred photo background), but boxes are centred, so the
    narrower of the two margins on each axis is the likelier one; and a border is on
    two sides only (pillarbox: left and right; letterbox: top and bottom)."""
    top = min(peeled.top, whole.bottom - peeled.bottom)
    left = min(peeled.left, whole.right - peeled.right)
    return [
        peeled,
        Crop(0, whole.bottom, left, whole.right - left),
        Crop(top, whole.bottom - top, 0, whole.right),
    ]


# What each of an image's search variants is, in the order `compute` makes them; then, per box
# found around the picture, the picture inside it and its mirror.
IMAGE_VARIANTS = ("its mirror image", "it rotated 90°", "it rotated 90° and mirrored", "it rotated 180°",
                  "it flipped upside down", "it rotated 270°", "it rotated 270° and mirrored", "its middle band",
                  "a small copy of it", *(aspect_name(k) for k in range(len(ASPECTS))))
BEFORE_ASPECTS = 9  # fingerprints of version 1 had no centres at common shapes
BOXED_VARIANTS = ("the picture inside its borders", "the picture inside its borders, mirrored")


# What each hash indexed beside a picture's own is, in the order `compute` makes them ("" for
# the reduced whole picture: as good as the picture itself).
IMAGE_PARTS = ("", "centre at 95%", "centre at 90%", "middle band", "small copy")


def image_part_name(index: int) -> str:
    return IMAGE_PARTS[index] if index < len(IMAGE_PARTS) else ""


def image_variant_name(index: int, version: str = "") -> str:
    """The name of search variant `index` of an image fingerprinted by `version` of PDQ
    (by default, this one)."""
    named = IMAGE_VARIANTS if _ours(version or PDQ.version) >= 2 else IMAGE_VARIANTS[:BEFORE_ASPECTS]
    if index < len(named):
        return named[index]
    return BOXED_VARIANTS[(index - len(named)) % 2]


def _ours(version: str) -> int:
    """Our own revision of the variants in a version string like "pdqhash-0.2.3/2" (1 before
    it was written there)."""
    _, _, ours = version.partition("/")
    return int(ours) if ours.isdigit() else 1


class PDQ:
    name = "pdq"
    # /2: centres at common shapes; /3: decoded at a 512 px short side (`_DRAFT_SIZE`), not 1024,
    # and ORB keypoints kept for cropped and reframed copies; /4: keypoints from inside caption
    # bands, spread over a finer grid along the long side
    version = "pdqhash-" + getattr(pdqhash, "__version__", "0.2") + "/4"

    def applies(self, kind: str) -> bool:
        return kind == "image"

    def __init__(self, with_variants: bool = True) -> None:
        self.with_variants = with_variants

    def compute(self, path: str | os.PathLike[str]) -> list[FrameHash]:
        with steps.step("decode"):
            rgb = load_rgb(path)
        return self.compute_pixels(rgb)

    def compute_pixels(self, rgb: np.ndarray) -> list[FrameHash]:
        """`compute` of pixels `load_rgb` decoded already (analysis decodes a photo once, for its
        thumbnail and its hashes)."""
        with steps.step("own hash"):
            own = hash_pixels(rgb)
        if not self.with_variants:
            return [own]
        with steps.step("reduce"):
            small = reduced(rgb)
            plane = luma(small)  # once for the crops, the band, the turns and the mirrors
        with steps.step("indexed parts"):
            extras = indexed(plane)
        with steps.step("turns and mirrors"):
            variants = turned(plane) + [extras[-1]]  # rotations, mirrors and the middle band
        with steps.step("small copy"):
            tiny = hash_of(reduced(rgb, TINY_SIDE))  # a small picture and its half-size copy meet here
        extras, variants = extras + [tiny], variants + [tiny]
        def inside(box: Crop) -> np.ndarray:
            return reduced(rgb[box.top : box.bottom, box.left : box.right])

        with steps.step("aspect centres"):
            for box in background_boxes(small, *rgb.shape[:2]):  # the own hash stands in where none applies
                variants.append(hash_of(inside(box)) if box else own.hash)
        with steps.step("find borders"):
            lines = Lines(np.asarray(Image.fromarray(rgb).convert("L")))  # shared by both finders
            whole = Crop(0, rgb.shape[0], 0, rgb.shape[1])
            boxes = dict.fromkeys((bars_box(lines), *border_candidates(content_box(lines), whole)))
        with steps.step("inside borders"):
            for box in boxes:
                if box != whole:  # a letterboxed or pillarboxed copy: search with the picture inside
                    picture = luma(inside(box))
                    variants += [hash_plane(picture), mirrored(picture)]
        with steps.step("keypoints"):
            keypoints = describe(small).pack()  # from the reduced copy: a crop meets it at one scale
        return [FrameHash(own.hash, own.quality, 0.0, tuple(variants), tuple(extras), keypoints)]
