"""Pictures and a clip with known face boxes, for tests and the benchmark.

The faces come from scikit-image's sample photos (the astronaut Eileen Collins,
the cameraman), labelled by hand here rather than by the detector under test;
composites paste the astronaut's head at known sizes and places onto generated
backgrounds. scikit-image is imported only when these are made (it is a test
and benchmark dependency, not a runtime one).
"""

from __future__ import annotations

import os
from fractions import Fraction

import av
import cv2
import numpy as np

from .boxes import Box

# Hand-labelled face boxes (brow to chin, cheek to cheek), in each sample photo's pixels.
ASTRONAUT_FACE = Box(180, 64, 88, 118)
CAMERAMAN_FACE = Box(188, 118, 66, 78)
_HEAD = (140, 20, 310, 230)  # x0, y0, x1, y1 of the astronaut's head and shoulders: context YuNet needs


def _skimage():
    from skimage import data

    return data


def astronaut() -> tuple[np.ndarray, list[Box]]:
    return np.ascontiguousarray(_skimage().astronaut()[:, :, ::-1]), [ASTRONAUT_FACE]


def cameraman() -> tuple[np.ndarray, list[Box]]:
    grey = _skimage().camera()
    return np.ascontiguousarray(np.stack([grey] * 3, axis=-1)), [CAMERAMAN_FACE]


def head() -> tuple[np.ndarray, Box]:
    """The astronaut's head and shoulders (BGR) and the face box inside it."""
    img, _ = astronaut()
    x0, y0, x1, y1 = _HEAD
    f = ASTRONAUT_FACE
    return img[y0:y1, x0:x1].copy(), Box(f.x - x0, f.y - y0, f.w, f.h)


def background(width: int, height: int, seed: int = 0) -> np.ndarray:
    """A generated backdrop: a gradient with soft noise (no faces in it)."""
    rng = np.random.default_rng(seed)
    img = np.empty((height, width, 3), np.uint8)
    img[:] = np.linspace(50, 190, width, dtype=np.uint8)[None, :, None]
    img[:, :, 0] = np.linspace(170, 60, height, dtype=np.uint8)[:, None]
    noise = rng.integers(0, 40, (height, width, 3), dtype=np.uint8)
    return cv2.GaussianBlur(cv2.add(img, noise), (5, 5), 0)


def paste_head(img: np.ndarray, x: int, y: int, face_width: float) -> Box:
    """Paste the head scaled so its face is `face_width` px wide, top-left at (x, y); returns the face box."""
    crop, face = head()
    s = face_width / face.w
    size = (max(1, round(crop.shape[1] * s)), max(1, round(crop.shape[0] * s)))
    scaled = cv2.resize(crop, size, interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC)
    h, w = img.shape[:2]
    ph, pw = min(size[1], h - y), min(size[0], w - x)
    img[y:y + ph, x:x + pw] = scaled[:ph, :pw]
    return Box(x + face.x * s, y + face.y * s, face.w * s, face.h * s)


def composite(face_widths: list[float], width: int = 640, height: int = 360,
              seed: int = 0) -> tuple[np.ndarray, list[Box]]:
    """Heads of the given face widths spread left to right on one generated background."""
    img = background(width, height, seed)
    rng = np.random.default_rng(seed)
    boxes, x = [], 8
    for fw in face_widths:
        crop_w = fw * (_HEAD[2] - _HEAD[0]) / ASTRONAUT_FACE.w
        crop_h = fw * (_HEAD[3] - _HEAD[1]) / ASTRONAUT_FACE.w
        y = int(rng.integers(4, max(5, height - int(crop_h) - 4)))
        boxes.append(paste_head(img, x, y, fw))
        x += int(crop_w) + 12
        if x >= width:
            raise ValueError("the heads do not fit side by side; use a wider picture")
    return img, boxes


def labelled_photos() -> list[tuple[str, np.ndarray, list[Box]]]:
    """The photo test set: (name, BGR pixels, known face boxes)."""
    out = [("astronaut", *astronaut()), ("cameraman", *cameraman())]
    out.append(("composite small", *composite([8, 10, 12, 14, 18, 24], 320, 120, seed=1)))
    out.append(("composite large", *composite([32, 48, 72, 100], 640, 260, seed=2)))
    return out


def write_clip(path: str | os.PathLike[str], seconds: float = 2, fps: int = 25, width: int = 1280,
               height: int = 720, face_width: float = 80, metadata: dict[str, str] | None = None,
               audio: bool = True) -> list[Box]:
    """An H.264 MP4 with a head moving across a generated background (and a tone);
    returns the known face box of every frame."""
    back = background(width, height, seed=3)
    truth = []
    with av.open(os.fspath(path), "w", format="mp4") as out:
        out.metadata.update(metadata or {})
        vs = out.add_stream("libx264", rate=fps, options={"preset": "ultrafast", "crf": "18"})
        vs.width, vs.height, vs.pix_fmt = width, height, "yuv420p"
        au = out.add_stream("aac", rate=48000) if audio else None
        if au is not None:
            au.codec_context.layout = "mono"
        frames = round(seconds * fps)
        span_x = width - 3 * face_width
        for i in range(frames):
            img = back.copy()
            x = int(face_width * 0.2 + span_x * i / max(1, frames - 1))
            y = int(height * 0.2 + height * 0.2 * i / max(1, frames - 1))
            truth.append(paste_head(img, x, y, face_width))
            frame = av.VideoFrame.from_ndarray(img, format="bgr24")
            frame.pts, frame.time_base = i, Fraction(1, fps)
            for p in vs.encode(frame):
                out.mux(p)
        for p in vs.encode(None):
            out.mux(p)
        if au is not None:
            n = round(48000 * seconds)
            tone = (0.1 * np.sin(np.arange(n) * (2 * np.pi * 440 / 48000))).astype(np.float32)[None, :]
            for k in range(0, n, 1024):
                af = av.AudioFrame.from_ndarray(np.ascontiguousarray(tone[:, k:k + 1024]), format="fltp",
                                                layout="mono")
                af.sample_rate, af.pts = 48000, k
                for p in au.encode(af):
                    out.mux(p)
            for p in au.encode(None):
                out.mux(p)
    return truth


def coverage(truth: Box, rects: list[tuple[int, int, int, int]], shape: tuple[int, int]) -> float:
    """The share of a known face box's pixels inside the blur mask."""
    from .blur import mask

    clipped = truth.clip(shape[1], shape[0])
    if clipped is None:
        return 1.0
    x0, y0, x1, y1 = clipped
    return float(mask(shape, rects)[y0:y1, x0:x1].mean())
