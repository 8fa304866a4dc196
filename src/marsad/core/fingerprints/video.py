"""Video fingerprints: PDQ hashes of frames about once a second (a short clip more
often, see SHORT_CLIPS), plus scene changes.

Frames are decoded with PyAV (one thread: analysis runs one process per core),
reduced to a small grey picture to spot scene changes cheaply, and only the
frames kept are converted, trimmed of uniform or blurred borders (letterbox,
pillarbox), downscaled and hashed. A frame nearly identical to the last kept
one is dropped: a still shot gives one hash, not one a second.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import av
import numpy as np

from marsad.core import steps
from marsad.core.pixels import TooManyPixels, check

from .base import FingerprintFailed, FrameHash, distance
from .borders import Crop, Lines, bars_box, content_box
from .keypoints import FRAME_INDEXED, FRAME_SEARCHED, describe
from .luma import hash_luma, luma
from .regions import (ASPECTS, SMALL_SIDE, aspect_name, background_boxes, hash_of, hash_plane, middle_band, mirrored,
                      parts, reduced)

SCENE_SIZE = 16  # side of the grey thumbnail used to spot scene changes
SCENE_CHANGE = 24.0  # mean absolute difference (0-255) that marks a new scene
SAME_FRAME_DISTANCE = 8  # a kept frame this close to the previous one is dropped
MAX_LOOKAHEAD = 600  # packets held at most while looking for the next keyframe
# A frame about once a second; a short clip more often, at least 12 frames, so that it has
# frames enough to be matched on, and a trimmed copy of it, sampled from its own start, still
# meets frames taken close to the same moments: (under this many seconds, a frame this often).
SHORT_CLIPS = ((6.0, 0.25), (12.0, 0.5))


def _downscale(frame: av.VideoFrame, crop: Crop) -> Callable[[Crop], np.ndarray]:
    """A function that cuts a box out of the frame scaled so that the picture inside `crop`
    is SMALL_SIDE px on its long side (resampled by swscale with an area filter: plain
    decimation would alias fine patterns into other hashes); a box larger than that is
    reduced to it."""
    scale = min(1.0, SMALL_SIDE / max(crop.bottom - crop.top, crop.right - crop.left))
    width, height = max(2, round(frame.width * scale)), max(2, round(frame.height * scale))
    rgb = frame.reformat(width=width, height=height, format="rgb24", interpolation="AREA").to_ndarray()

    def cut(box: Crop) -> np.ndarray:
        top, bottom = int(box.top * scale), max(int(box.top * scale) + 1, round(box.bottom * scale))
        left, right = int(box.left * scale), max(int(box.left * scale) + 1, round(box.right * scale))
        return reduced(np.ascontiguousarray(rgb[top:bottom, left:right]))

    return cut


def _each_box_once(cut: Callable[[Crop], np.ndarray]) -> Callable[[Crop], np.ndarray]:
    """`cut`, remembering each box it cut (the whole frame is wanted by several variants)."""
    done: dict[Crop, np.ndarray] = {}

    def once(box: Crop) -> np.ndarray:
        if box not in done:
            done[box] = cut(box)
        return done[box]

    return once


def _luma_grid(frame: av.VideoFrame) -> np.ndarray:
    """A SCENE_SIZE x SCENE_SIZE sample of the luma plane, read in place (no conversion)."""
    plane = frame.planes[0]
    luma = np.frombuffer(plane, np.uint8).reshape(-1, plane.line_size)[: frame.height, : frame.width]
    rows = np.linspace(0, frame.height - 1, SCENE_SIZE).astype(int)
    cols = np.linspace(0, frame.width - 1, SCENE_SIZE).astype(int)
    return luma[np.ix_(rows, cols)].astype(np.int16)


# The boxes of a bordered frame searched with beside the picture inside its borders, each
# whole and by its middle band; then the picture cut across its borders.
BORDER_BOXES = ("the whole frame, borders kept",
                "the picture inside its wider border (a caption or logo laid over a border)",
                "the picture inside its side borders only", "the picture inside its top and bottom borders only")
AXIS_CROPS = (0.95, 0.90)
# What each of a frame's search variants is, in the order `compute` makes them.
VIDEO_VARIANTS = ("its mirror image", "its middle band", *(aspect_name(k) for k in range(len(ASPECTS))),
                  *(name for box in BORDER_BOXES for name in (box, f"the middle band of {box}")),
                  *(f"the picture cut by {round(100 * (1 - keep))}% across its borders" for keep in AXIS_CROPS))
ASPECTS_FROM = 4  # the first version with the centres at common shapes (after the band)


# What each hash indexed beside a frame's own is, in the order `compute` makes them.
VIDEO_PARTS = ("centre at 95%", "centre at 90%", "middle band", "whole frame, borders kept")


def _release(version: str) -> int:
    """A fingerprint's version as a number ("" or anything else: the current one)."""
    return int(version) if version.isdigit() else int(VideoPDQ.version)


def video_part_name(index: int, version: str = "") -> str:
    """The name of a frame's indexed hash `index` in a fingerprint of `version` (by default,
    this one): before 3, the reduced whole frame came first (as good as the frame's own hash)."""
    names = VIDEO_PARTS if _release(version) >= 3 else ("", *VIDEO_PARTS)
    return names[index] if index < len(names) else ""


def video_variant_name(index: int, version: str = "") -> str:
    """The name of search variant `index` of a frame fingerprinted by `version` (by default,
    this one)."""
    names = VIDEO_VARIANTS
    if _release(version) < ASPECTS_FROM:
        names = VIDEO_VARIANTS[:2] + VIDEO_VARIANTS[2 + len(ASPECTS):]
    return names[min(index, len(names) - 1)]


class VideoPDQ:
    name = "vpdq"
    # 4: centres at common shapes searched with; short videos sampled more often; 5: keypoints;
    # 6: keypoints from inside caption bands, spread over a finer grid along the long side
    version = "6"

    def __init__(self, interval: float | None = None, trim_borders: bool = True, drop_similar: bool = True,
                 with_variants: bool = True, with_keypoints: bool = True) -> None:
        self.with_keypoints = with_keypoints
        self.interval = interval  # None: by the video's length (see SHORT_CLIPS)
        self.trim_borders = trim_borders
        self.drop_similar = drop_similar
        self.with_variants = with_variants

    def applies(self, kind: str) -> bool:
        return kind == "video"

    def _crops(self, path: str) -> tuple[Crop | None, Crop | None]:
        """One crop for the whole video, from the union of content in a few keyframes, and
        where the margins differ, the crop by the wider margin too."""
        boxes = []
        with av.open(path) as container:
            stream = container.streams.video[0]
            check(stream.codec_context.width or 0, stream.codec_context.height or 0, "a video frame")
            stream.codec_context.skip_frame = "NONKEY"
            for n, frame in enumerate(container.decode(stream)):
                grey = Lines(frame.to_ndarray(format="gray"))
                box = content_box(grey)
                if box == Crop(0, grey.shape[0], 0, grey.shape[1]):  # a smooth picture (a wall) peels
                    box = bars_box(grey)  # all over, so is kept whole: its plain bars are still bars
                boxes.append(box)
                if n >= 12:
                    break
        if not boxes:
            return None, None
        box = Crop(min(b.top for b in boxes), max(b.bottom for b in boxes),
                   min(b.left for b in boxes), max(b.right for b in boxes))
        # Borders are centred: the narrower margin on each axis is the border, the rest of
        # the wider one smooth picture (a sky, a blurred background in the shot). But a
        # channel's caption or logo laid over a border narrows that margin, so the crop by
        # the wider margin is searched with too (never indexed: it is the copy's view).
        height, width = frame.height, frame.width
        top, left = min(box.top, height - box.bottom), min(box.left, width - box.right)
        crop = Crop(top, height - top, left, width - left) if top or left else None
        wide_top, wide_left = max(box.top, height - box.bottom), max(box.left, width - box.right)
        wide = None
        if (wide_top, wide_left) != (top, left) and wide_top < height // 4 and wide_left < width // 4:
            wide = Crop(wide_top, height - wide_top, wide_left, width - wide_left)
        return crop, wide

    def compute(self, path: str | os.PathLike[str]) -> list[FrameHash]:
        path = os.fspath(path)
        try:
            with steps.step("find borders"):
                crop, wide = self._crops(path) if self.trim_borders else (None, None)
            return self._hash_frames(path, crop, wide)
        except TooManyPixels as e:
            raise FingerprintFailed(str(e)) from e
        except (av.FFmpegError, IndexError) as e:
            raise FingerprintFailed(f"cannot decode the video: {getattr(e, 'strerror', None) or e}") from e

    def _decoded(self, container, stream, due: Callable[[], float]) -> Iterator[av.VideoFrame]:
        """The stream's frames in order, except that the tail of a group of pictures after
        its last due frame is never decoded: nothing there is needed, and a scene change
        there usually starts a keyframe of its own (encoders cut groups at scene changes).
        Packets are held until the next keyframe shows where the group ends."""

        def decode(packets: list[av.Packet], next_key: float | None) -> Iterator[av.VideoFrame]:
            for packet in packets:
                if next_key is not None and due() >= next_key - 1e-6:
                    return
                yield from packet.decode()

        group: list[av.Packet] = []
        for packet in container.demux(stream):
            if packet.is_keyframe and packet.pts is not None and group:
                yield from decode(group, float(packet.pts * packet.time_base))
                group = []
            group.append(packet)
            if len(group) >= MAX_LOOKAHEAD:  # a very long group: decode what is held
                yield from decode(group, None)
                group = []
        yield from decode(group, None)

    @staticmethod
    def _border_variants(cut: Callable[[Crop], np.ndarray], plane: np.ndarray, crop: Crop | None,
                         wide: Crop | None, whole: Crop) -> tuple[bytes, ...]:
        """Searched with where a copy's borders may trim otherwise (BORDER_BOXES): the whole
        frame (a caption over a bar), the picture inside the wider margin (a logo over a
        bar), and, for borders found on all four sides, the picture inside each pair alone
        (a smooth picture's own edges peel like a border, a caption narrows one side); each
        also by its middle band, without the top and bottom where a logo or caption reaching
        into the picture sits. Then the picture cut across its borders: a crop of a bordered
        video lost picture only on the other axis (the cut fell in the borders), so cutting
        it across them gives the original's evenly cropped hash (from `plane`, the luma of
        the picture inside the borders). Always the same number, the whole frame's hash
        standing in for any that does not apply."""
        pairs = (None, None)
        if crop and crop.top > 0 and crop.left > 0:
            pairs = (Crop(0, whole.bottom, crop.left, crop.right), Crop(crop.top, crop.bottom, 0, whole.right))
        def and_band(box: Crop) -> list[bytes]:
            pixels = luma(cut(box))
            return [hash_plane(pixels), hash_plane(middle_band(pixels))]

        out = and_band(whole)
        full = out[0]
        for box in (wide, *pairs):
            out += and_band(box) if box else [full, full]
        cuts = [full] * len(AXIS_CROPS)
        if crop and (crop.top > 0) != (crop.left > 0):  # borders on one axis only
            h, w = plane.shape[:2]
            for k, keep in enumerate(AXIS_CROPS):
                if crop.top:
                    dy = int(h * (1 - keep) / 2)
                    cuts[k] = hash_plane(plane[dy : h - dy])
                else:
                    dx = int(w * (1 - keep) / 2)
                    cuts[k] = hash_plane(plane[:, dx : w - dx])
        return (*out, *cuts)

    def _variants(self, cut: Callable[[Crop], np.ndarray], pixels: np.ndarray, plane: np.ndarray,
                  crop: Crop | None, wide: Crop | None, whole: Crop,
                  own: bytes) -> tuple[tuple[bytes, ...], tuple[bytes, ...]]:
        """A frame's hashes searched with and indexed beside its own (see `regions`; `plane`: the
        luma of `pixels`); the own hash stands in for a variant that does not apply."""
        cut = _each_box_once(cut)
        extras = tuple(parts(plane))
        boxes = background_boxes(cut(whole) if crop else pixels, whole.bottom, whole.right)
        variants = (mirrored(plane), extras[-1],
                    *(hash_of(cut(box)) if box and box != (crop or whole) else own for box in boxes))
        if crop or wide:
            full, *others = self._border_variants(cut, plane, crop, wide, whole)
            variants += (full, *others)
            if crop:  # the whole frame is indexed too
                extras += (full,)
        return variants, extras

    def _interval(self, container, stream) -> float:
        """Seconds between sampled frames: the one asked for, or by the video's length."""
        if self.interval:
            return self.interval
        seconds = container.duration / av.time_base if container.duration else None
        if seconds is None and stream.duration and stream.time_base:
            seconds = float(stream.duration * stream.time_base)
        if seconds is None:  # unknown length (a damaged or streamed file): the usual rate
            return 1.0
        return next((every for under, every in SHORT_CLIPS if seconds < under), 1.0)

    def _hash_frames(self, path: str, crop: Crop | None, wide: Crop | None = None) -> list[FrameHash]:
        hashes: list[FrameHash] = []
        next_due = 0.0
        previous_small = None
        with av.open(path) as container:
            if not container.streams.video:
                raise FingerprintFailed("no video stream")
            stream = container.streams.video[0]
            check(stream.codec_context.width or 0, stream.codec_context.height or 0, "a video frame")
            interval = self._interval(container, stream)
            # Decoding every frame is the cost; frames nobody references (B-frames) and the
            # deblocking filter can be skipped without moving a PDQ hash past a few bits.
            stream.codec_context.options = {"skip_loop_filter": "all"}
            stream.codec_context.skip_frame = "NONREF"
            for frame in steps.timed("decode", self._decoded(container, stream, lambda: next_due)):
                seconds = float(frame.time if frame.time is not None else 0.0)
                small = _luma_grid(frame)
                scene_change = previous_small is not None and np.abs(small - previous_small).mean() > SCENE_CHANGE
                previous_small = small
                if seconds + 1e-6 < next_due and not scene_change:
                    continue
                whole = Crop(0, frame.height, 0, frame.width)
                with steps.step("convert and reduce"):
                    cut = _downscale(frame, crop or whole)
                    pixels = cut(crop or whole)
                with steps.step("own hash"):
                    plane = luma(pixels)  # once for the own hash, the crops, the band and the mirror
                    own, quality = hash_luma(plane)
                if seconds + 1e-6 >= next_due:
                    next_due = (int(seconds / interval + 1e-6) + 1) * interval
                if self.drop_similar and hashes and distance(hashes[-1].hash, own) <= SAME_FRAME_DISTANCE:
                    continue  # before the variants are made: a still shot costs one hash a sample
                with steps.step("variants"):
                    variants, extras = (self._variants(cut, pixels, plane, crop, wide, whole, own)
                                        if self.with_variants else ((), ()))
                keypoints = b""
                if self.with_keypoints:
                    with steps.step("keypoints"):  # of the picture inside the borders: crops of it meet there
                        keypoints = describe(pixels, FRAME_INDEXED, FRAME_SEARCHED).pack()
                hashes.append(FrameHash(own, int(quality), round(seconds, 3), variants, extras, keypoints))
        if not hashes:
            raise FingerprintFailed("no decodable frame")
        return hashes
