"""Finding faces with YuNet through OpenCV's `cv2.FaceDetectorYN`.

Tuned for recall, not precision: a blurred patch of wall costs nothing, a
missed face can cost a life. Small faces (under about 12 px) are below what
YuNet sees at full resolution, so photos get a second pass on a 2x upscale.
"""

from __future__ import annotations

import cv2
import numpy as np

from .boxes import Box
from .model import model_bytes

SCORE_THRESHOLD = 0.5  # YuNet's demos use 0.9; lower finds more faces at the price of a few false boxes
NMS_THRESHOLD = 0.3
SMALL_FACE_PX = 12  # faces under this (in the original) are looked for on the 2x upscale
_TILE = 1280  # the upscale pass runs in tiles so a large photo does not need a huge input tensor
_OVERLAP = 96


class FaceDetector:
    """One YuNet network, reused across pictures of any size (it is not thread-safe)."""

    def __init__(self, score_threshold: float = SCORE_THRESHOLD) -> None:
        buffer = np.frombuffer(model_bytes(), dtype=np.uint8)
        self._net = cv2.FaceDetectorYN.create("onnx", buffer, np.empty(0, np.uint8), (320, 320),
                                              score_threshold, NMS_THRESHOLD, 5000)

    def faces(self, bgr: np.ndarray) -> list[Box]:
        """Face boxes in one BGR picture at its own resolution."""
        h, w = bgr.shape[:2]
        if w < 2 or h < 2:
            return []
        self._net.setInputSize((w, h))
        _, found = self._net.detect(np.ascontiguousarray(bgr))
        if found is None:
            return []
        return [Box(float(f[0]), float(f[1]), float(f[2]), float(f[3])) for f in found]

    def faces_with_small(self, bgr: np.ndarray) -> list[Box]:
        """Full resolution, then a 2x upscale (in tiles) for faces too small for the first pass."""
        boxes = self.faces(bgr)
        up = cv2.resize(bgr, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
        for x0, y0, tile in _tiles(up):
            for b in self.faces(tile):
                small = Box(b.x + x0, b.y + y0, b.w, b.h).scaled(0.5)
                # Faces the first pass already found are kept from it; only new ones are added.
                if max(small.w, small.h) < 2 * SMALL_FACE_PX or not any(small.iou(o) > 0.3 for o in boxes):
                    boxes.append(small)
        return merge(boxes)


def _tiles(img: np.ndarray):
    h, w = img.shape[:2]
    step = _TILE - _OVERLAP
    for y0 in range(0, max(1, h - _OVERLAP), step):
        for x0 in range(0, max(1, w - _OVERLAP), step):
            yield x0, y0, img[y0:y0 + _TILE, x0:x0 + _TILE]


def merge(boxes: list[Box], iou: float = 0.5) -> list[Box]:
    """Collapse near-duplicates (the same face from two passes or two tiles) into their union."""
    out: list[Box] = []
    for b in sorted(boxes, key=lambda b: -b.w * b.h):
        for i, o in enumerate(out):
            if b.iou(o) >= iou:
                x0, y0 = min(b.x, o.x), min(b.y, o.y)
                x1, y1 = max(b.x + b.w, o.x + o.w), max(b.y + b.h, o.y + o.h)
                out[i] = Box(x0, y0, x1 - x0, y1 - y0)
                break
        else:
            out.append(b)
    return out
