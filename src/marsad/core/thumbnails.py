"""Small pictures of evidence: image thumbnails, video posters and contact sheets.

All outputs are JPEGs without metadata: a thumbnail must never carry the
original's GPS position or device serial.
"""

from __future__ import annotations

import io
import os

import av
import numpy as np
from PIL import Image, ImageDraw, ImageOps

from marsad.core import steps
from marsad.core.pixels import TooManyPixels, check, keeping_shape, open_image
from marsad.core.probe import MediaUnreadable, ffmpeg_reason

TILE_WIDTH = 240
COLUMNS = 4


class ThumbnailFailed(Exception):
    pass


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()


def image_thumbnail(path: str | os.PathLike[str], size: int) -> bytes:
    """Long side `size` px, EXIF orientation applied."""
    try:
        # Drafted before turning: turning decodes the whole picture.
        with open_image(path, draft=keeping_shape(2 * size)) as img:  # as `thumbnail` would
            with steps.step("decode"):
                img.load()
                img = ImageOps.exif_transpose(img)
            with steps.step("resize"):
                img.thumbnail((size, size))
            with steps.step("encode"):
                return _jpeg(img)
    except TooManyPixels as e:
        raise ThumbnailFailed(str(e)) from e
    except (OSError, ValueError, Image.DecompressionBombError) as e:
        raise ThumbnailFailed(f"Pillow cannot decode the image: {e}") from e


def pixels_thumbnail(rgb: np.ndarray, size: int) -> bytes:
    """`image_thumbnail` of a picture decoded already, EXIF orientation applied (as by
    `fingerprints.pdq.load_rgb`, whose decode analysis shares)."""
    with steps.step("resize"):
        img = Image.fromarray(rgb)
        # Box-reduced by the largest whole factor first, then resampled: the draft-scale decode
        # is 2-3 times the thumbnail, which Pillow's default gap (2) resamples whole, at twice
        # the cost, for a difference no one sees at 320 px.
        img.thumbnail((size, size), reducing_gap=1.0)
    with steps.step("encode"):
        return _jpeg(img)


def _frame_at(container: av.container.InputContainer, stream: av.VideoStream, seconds: float) -> av.VideoFrame | None:
    if stream.time_base:
        container.seek(int(seconds / stream.time_base), stream=stream, backward=True, any_frame=False)
    for frame in container.decode(stream):
        return frame
    return None


def video_pictures(path: str | os.PathLike[str], size: int, frames: int) -> tuple[bytes, bytes]:
    """(poster, contact sheet): the poster from a tenth of the way in; the sheet
    from keyframes spread evenly, each labelled with its time."""
    try:
        with av.open(os.fspath(path)) as container:
            if not container.streams.video:
                raise ThumbnailFailed("no video stream")
            stream = container.streams.video[0]
            check(stream.codec_context.width or 0, stream.codec_context.height or 0, "a video frame")
            # Slice threads, not frame threads: after each of the 13 seeks, frame threading decodes
            # a frame per thread ahead of the one asked for (the same pictures for 1/4 more CPU,
            # measured on the vPDQ samples and 720p/1080p clips).
            stream.thread_type = "SLICE"
            duration = (container.duration or 0) / 1_000_000
            with steps.step("decode poster"):
                poster = _frame_at(container, stream, duration / 10)
            if poster is None:
                raise ThumbnailFailed("no decodable frame")
            poster_img = poster.to_image()
            poster_img.thumbnail((size, size))
            tiles: list[tuple[float, Image.Image]] = []
            seen: set[int] = set()
            for i in range(frames):
                with steps.step("decode sheet frames"):
                    frame = _frame_at(container, stream, duration * i / frames)
                if frame is None or frame.pts in seen:
                    continue
                seen.add(frame.pts)
                tile = frame.to_image()
                tile.thumbnail((TILE_WIDTH, TILE_WIDTH))
                tiles.append((float(frame.time or 0.0), tile))
            with steps.step("encode"):
                return _jpeg(poster_img), _jpeg(_sheet(tiles))
    except TooManyPixels as e:
        raise ThumbnailFailed(str(e)) from e
    except (av.FFmpegError, MediaUnreadable) as e:
        raise ThumbnailFailed(f"FFmpeg cannot decode the video: {ffmpeg_reason(e)}") from e


def _sheet(tiles: list[tuple[float, Image.Image]]) -> Image.Image:
    tile_h = max(t.height for _, t in tiles)
    columns = min(COLUMNS, len(tiles))
    rows = (len(tiles) + columns - 1) // columns
    sheet = Image.new("RGB", (columns * TILE_WIDTH, rows * tile_h), "black")
    draw = ImageDraw.Draw(sheet)
    for n, (seconds, tile) in enumerate(tiles):
        x, y = (n % columns) * TILE_WIDTH, (n // columns) * tile_h
        sheet.paste(tile, (x, y))
        label = f"{int(seconds // 60):02d}:{seconds % 60:05.2f}"
        draw.rectangle((x, y, x + 64, y + 14), fill="black")
        draw.text((x + 3, y + 2), label, fill="white")
    return sheet
