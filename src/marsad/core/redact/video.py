"""Redacting a video: upright each frame, blur faces and marked regions, re-encode.

Faces are detected on every `every`-th frame (3 by default: "at least every
third") and on the last; boxes for the frames between two detections are
interpolated. The output holds only a video stream (H.264) and an audio stream
(AAC), both re-encoded; no metadata is copied, the muxer and encoders run with
`bitexact` (no "Lavf"/"Lavc" version tags), and x264's SEI text (its version and
every option) is cut out of the bitstream.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

import av
import cv2
import numpy as np

from marsad.core.pixels import TooManyPixels, check

from .blur import ENLARGE, blur_boxes
from .boxes import Box, Region, interpolate
from .detect import FaceDetector
from .photo import RedactionFailed

EVERY = 3
DETECT_MAX_SIDE = 1920  # larger frames are detected on a downscale: 4K at full size is too slow for real time
CRF = "20"
PRESET = "veryfast"
_SEI = 6  # H.264 NAL unit type of supplemental enhancement information, where x264 writes its version and options

Rect = tuple[int, int, int, int]


@dataclass
class VideoRedacted:
    frames: int
    detections: int  # frames on which the detector ran
    width: int
    height: int
    audio: bool
    faces: int  # boxes found over all detections
    masks: list[list[Rect]] | None = None  # per output frame: the rectangles blurred (when asked for)


def _upright(frame: av.VideoFrame) -> np.ndarray:
    """BGR pixels with the frame's display rotation applied (counterclockwise, in degrees)."""
    img = frame.to_ndarray(format="bgr24")
    turns = round((getattr(frame, "rotation", 0) or 0) / 90) % 4
    return np.ascontiguousarray(np.rot90(img, turns)) if turns else img


def _even(img: np.ndarray) -> np.ndarray:
    """4:2:0 needs even sides: drop a last odd row or column (never a blurred one's only pixels)."""
    h, w = img.shape[:2]
    return img[: h - h % 2, : w - w % 2]


def redact_video(src: str | os.PathLike[str], dst: str | os.PathLike[str], regions: Sequence[Region] = (),
                 detector: FaceDetector | None = None, every: int = EVERY, threads: int = 0,
                 keep_masks: bool = False, progress: Callable[[int], None] | None = None) -> VideoRedacted:
    """Write a redacted MP4 to `dst`. `threads=1` keeps decoding and encoding on one core."""
    if every < 1:
        raise ValueError("every must be at least 1")
    detector = detector or FaceDetector()
    try:
        inp = av.open(os.fspath(src))
    except (av.FFmpegError, OSError) as e:
        raise RedactionFailed(f"the video cannot be opened: {e}") from e
    with inp:
        if not inp.streams.video:
            raise RedactionFailed("no video stream")
        vin = inp.streams.video[0]
        try:  # every frame is decoded whole: its declared size is checked first
            check(vin.codec_context.width, vin.codec_context.height, "video frame")
        except TooManyPixels as e:
            raise RedactionFailed(str(e)) from e
        ain = inp.streams.audio[0] if inp.streams.audio else None
        vin.thread_type = "AUTO" if threads != 1 else "SLICE"
        vin.codec_context.thread_count = threads
        try:
            return _run(inp, vin, ain, dst, regions, detector, every, threads, keep_masks, progress)
        except av.FFmpegError as e:
            raise RedactionFailed(f"the video cannot be decoded or encoded: {e}") from e


def _run(inp, vin, ain, dst, regions, detector, every, threads, keep_masks, progress) -> VideoRedacted:
    start = vin.start_time or 0
    base = vin.time_base or Fraction(1, 90000)
    rate = vin.average_rate or vin.guessed_rate or Fraction(25)
    out = av.open(os.fspath(dst), "w", format="mp4", container_options={"fflags": "+bitexact"})
    with out:
        vout = aout = bsf = None
        result = VideoRedacted(0, 0, 0, 0, ain is not None, 0, [] if keep_masks else None)
        pending: list[tuple[av.VideoFrame, np.ndarray, float]] = []  # frames waiting for the next detection
        last: tuple[int, list[Box]] | None = None
        index = 0

        def open_video(img: np.ndarray) -> None:
            nonlocal vout, bsf, aout
            h, w = img.shape[:2]
            vout = out.add_stream("libx264", rate=rate, options={
                "crf": CRF, "preset": PRESET, "flags": "+bitexact", "threads": str(threads)})
            vout.width, vout.height, vout.pix_fmt = w, h, "yuv420p"
            vout.codec_context.time_base = base
            if ain is not None:
                aout = out.add_stream("aac", rate=ain.codec_context.sample_rate or 48000,
                                      options={"flags": "+bitexact"})
                aout.codec_context.layout = ain.codec_context.layout or "stereo"
            # Given the codec name only: given the stream, it would overwrite the stream's
            # parameters with those it saw before the encoder opened.
            bsf = av.BitStreamFilterContext(f"filter_units=remove_types={_SEI}", "h264")
            result.width, result.height = w, h

        def emit(frame: av.VideoFrame, img: np.ndarray, t: float, faces: list[Box]) -> None:
            boxes = [f.enlarged(ENLARGE) for f in faces] + [r.box for r in regions if r.active(t)]
            rects = blur_boxes(img, boxes)
            if result.masks is not None:
                result.masks.append(rects)
            new = av.VideoFrame.from_ndarray(img, format="bgr24").reformat(format="yuv420p")
            new.pts, new.time_base = frame.pts, base
            for packet in vout.encode(new):
                _mux(out, bsf, packet)
            result.frames += 1
            if progress:
                progress(result.frames)

        def detect(img: np.ndarray) -> list[Box]:
            result.detections += 1
            h, w = img.shape[:2]
            scale = min(1.0, DETECT_MAX_SIDE / max(h, w))
            small = img if scale == 1.0 else cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
            faces = [b.scaled(1 / scale) for b in detector.faces(small)]
            result.faces += len(faces)
            return faces

        def flush(upto: int, faces: list[Box]) -> None:
            nonlocal pending
            for offset, (frame, img, t) in enumerate(pending, start=1):
                i = last[0] + offset
                emit(frame, img, t, interpolate(last[1], faces, (i - last[0]) / (upto - last[0])))
            pending = []

        streams = [s for s in (vin, ain) if s is not None]
        for packet in inp.demux(streams):
            for frame in packet.decode():
                if packet.stream is ain:
                    if aout is not None:
                        frame.pts = None  # let the encoder count samples: it never sees gaps or a foreign timebase
                        for p in aout.encode(frame):
                            out.mux(p)
                    continue
                img = _even(_upright(frame))
                if vout is None:
                    open_video(img)
                elif img.shape[:2] != (result.height, result.width):
                    img = cv2.resize(img, (result.width, result.height), interpolation=cv2.INTER_AREA)
                t = float(((frame.pts or 0) - start) * base) if frame.pts is not None else index / float(rate)
                if frame.pts is None:
                    frame.pts = int(index / rate / base)
                if index % every == 0:
                    faces = detect(img)
                    if last is not None:
                        flush(index, faces)
                    emit(frame, img, t, faces)
                    last = (index, faces)
                else:
                    pending.append((frame, img, t))
                index += 1
        if pending:
            # The last frame gets its own detection; the ones before it are interpolated towards it.
            frame, img, t = pending.pop()
            faces = detect(img)
            flush(index - 1, faces)
            emit(frame, img, t, faces)
        if vout is None:
            raise RedactionFailed("the video has no decodable frame")
        for packet in vout.encode(None):
            _mux(out, bsf, packet)
        for packet in bsf.filter(None):
            out.mux(packet)
        if aout is not None:
            for p in aout.encode(None):
                out.mux(p)
        out.metadata.clear()
    return result


def _mux(out: av.container.OutputContainer, bsf: av.BitStreamFilterContext, packet: av.Packet) -> None:
    for p in bsf.filter(packet):
        out.mux(p)
