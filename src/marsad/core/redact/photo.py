"""Redacting a photo: upright it, blur faces and marked regions, re-encode from pixels.

Only pixels go into the output. EXIF (GPS, serial numbers), XMP, IPTC, ICC
profiles, JPEG comments and any bytes after the image's end stay behind,
because the new file is written from an array that never held them.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageOps

from marsad.core.pixels import open_image

from .blur import ENLARGE, blur_boxes
from .boxes import Box, Region
from .detect import FaceDetector

JPEG_QUALITY = 90


class RedactionFailed(Exception):
    """The input cannot be redacted (not decodable, or not a photo or video)."""


@dataclass
class Redacted:
    data: bytes
    mime: str
    width: int
    height: int
    faces: list[Box] = field(default_factory=list)  # as detected, before enlarging
    rects: list[tuple[int, int, int, int]] = field(default_factory=list)  # the blur mask: (x0, y0, x1, y1)


def upright_rgb(source: str | os.PathLike[str] | bytes) -> np.ndarray:
    """The photo's pixels as RGB, with its EXIF orientation applied."""
    try:
        # A picture declaring more pixels than MARSAD_MAX_PIXELS is refused before it is decoded.
        with open_image(io.BytesIO(source) if isinstance(source, bytes) else source) as img:
            img = ImageOps.exif_transpose(img)
            if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
                # Transparent areas could hide nothing, but flattening keeps JPEG output simple.
                flat = Image.new("RGB", img.size, "white")
                flat.paste(img.convert("RGBA"), mask=img.convert("RGBA").getchannel("A"))
                img = flat
            return np.array(img.convert("RGB"))
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as e:
        raise RedactionFailed(f"the photo cannot be decoded: {e}") from e


def redact_photo(source: str | os.PathLike[str] | bytes, regions: Sequence[Region] = (),
                 detector: FaceDetector | None = None) -> Redacted:
    """A JPEG with every face found and every marked region blurred, and no metadata."""
    rgb = upright_rgb(source)
    bgr = np.ascontiguousarray(rgb[:, :, ::-1])
    faces = (detector or FaceDetector()).faces_with_small(bgr)
    boxes = [f.enlarged(ENLARGE) for f in faces] + [r.box for r in regions]
    rects = blur_boxes(bgr, boxes)
    out = io.BytesIO()
    Image.fromarray(bgr[:, :, ::-1]).save(out, "JPEG", quality=JPEG_QUALITY)
    h, w = bgr.shape[:2]
    return Redacted(out.getvalue(), "image/jpeg", w, h, faces, rects)
