"""Boxes to blur: geometry, the regions a person marks, and interpolation between detections."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Box:
    """An axis-aligned box in pixels: left, top, width, height."""

    x: float
    y: float
    w: float
    h: float

    def enlarged(self, factor: float) -> Box:
        """The same centre, each side `factor` times as long."""
        w, h = self.w * factor, self.h * factor
        return Box(self.x + (self.w - w) / 2, self.y + (self.h - h) / 2, w, h)

    def scaled(self, s: float) -> Box:
        return Box(self.x * s, self.y * s, self.w * s, self.h * s)

    def clip(self, width: int, height: int) -> tuple[int, int, int, int] | None:
        """Whole pixels (x0, y0, x1, y1) inside the picture, rounded outwards; None when outside it."""
        x0, y0 = max(0, int(self.x)), max(0, int(self.y))
        x1 = min(width, int(-(-(self.x + self.w) // 1)))
        y1 = min(height, int(-(-(self.y + self.h) // 1)))
        return (x0, y0, x1, y1) if x1 > x0 and y1 > y0 else None

    def iou(self, other: Box) -> float:
        ix = max(0.0, min(self.x + self.w, other.x + other.w) - max(self.x, other.x))
        iy = max(0.0, min(self.y + self.h, other.y + other.h) - max(self.y, other.y))
        inter = ix * iy
        union = self.w * self.h + other.w * other.h - inter
        return inter / union if union > 0 else 0.0

    def lerp(self, other: Box, t: float) -> Box:
        return Box(*(a + (b - a) * t for a, b in zip(
            (self.x, self.y, self.w, self.h), (other.x, other.y, other.w, other.h))))

    def as_list(self) -> list[int]:
        return [round(self.x), round(self.y), round(self.w), round(self.h)]


@dataclass(frozen=True)
class Region:
    """A box a person marked to blur, in the upright picture; for video, optionally
    only from `start` to `end` seconds (either may be None: open-ended)."""

    box: Box
    start: float | None = None
    end: float | None = None

    def active(self, t: float | None) -> bool:
        if t is None:
            return True
        return (self.start is None or t >= self.start) and (self.end is None or t <= self.end)

    def as_dict(self) -> dict:
        return {"box": self.box.as_list(), "start": self.start, "end": self.end}


_REGION = re.compile(r"^\s*(\d+),(\d+),(\d+),(\d+)(?:@(\d+(?:\.\d+)?)?-(\d+(?:\.\d+)?)?)?\s*$")


def parse_region(text: str) -> Region:
    """`x,y,w,h` or `x,y,w,h@START-END` (seconds; either end may be left out)."""
    m = _REGION.match(text)
    if not m:
        raise ValueError(f"not a region: {text!r} (expected x,y,w,h or x,y,w,h@START-END in seconds)")
    x, y, w, h = (int(v) for v in m.group(1, 2, 3, 4))
    if w == 0 or h == 0:
        raise ValueError(f"empty region: {text!r}")
    start = float(m.group(5)) if m.group(5) else None
    end = float(m.group(6)) if m.group(6) else None
    if start is not None and end is not None and end < start:
        raise ValueError(f"region ends before it starts: {text!r}")
    return Region(Box(x, y, w, h), start, end)


def interpolate(before: Sequence[Box], after: Sequence[Box], t: float, match_iou: float = 0.1) -> list[Box]:
    """Boxes for a frame a fraction `t` of the way between two detections.

    Each box is paired with the most overlapping box of the other detection and
    moved linearly. A box with no partner (a face appearing, leaving, or missed
    by one detection) is kept as it is: blurring too much is safe, too little is not.
    """
    out: list[Box] = []
    used: set[int] = set()
    for b in before:
        best, best_iou = None, match_iou
        for j, a in enumerate(after):
            overlap = b.iou(a)
            if j not in used and overlap >= best_iou:
                best, best_iou = j, overlap
        if best is None:
            out.append(b)
        else:
            used.add(best)
            out.append(b.lerp(after[best], t))
    out.extend(a for j, a in enumerate(after) if j not in used)
    return out
