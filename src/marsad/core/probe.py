"""Container and stream facts of audio and video, read with PyAV (FFmpeg)."""

from __future__ import annotations

import os
from fractions import Fraction
from typing import Any

import av


class MediaUnreadable(Exception):
    """FFmpeg could not read the file; the message says why."""


def _number(value: Fraction | int | float | None) -> float | None:
    return None if value is None else float(value)


def probe(path: str | os.PathLike[str]) -> dict[str, Any]:
    try:
        with av.open(os.fspath(path), metadata_errors="replace") as container:
            streams = []
            for stream in container.streams:
                ctx = stream.codec_context
                info: dict[str, Any] = {
                    "index": stream.index,
                    "type": stream.type,
                    "codec": ctx.name if ctx else None,
                    "duration_s": _number(stream.duration * stream.time_base)
                    if stream.duration is not None and stream.time_base
                    else None,
                    "frames": stream.frames or None,
                    "metadata": dict(stream.metadata),
                }
                if stream.type == "video":
                    info.update(
                        width=ctx.width,
                        height=ctx.height,
                        frame_rate=_number(stream.average_rate),
                        pixel_format=ctx.pix_fmt,
                    )
                elif stream.type == "audio":
                    info.update(sample_rate=ctx.sample_rate, channels=ctx.channels)
                streams.append(info)
            return {
                "format": container.format.name,
                "duration_s": container.duration / 1_000_000 if container.duration else None,
                "bit_rate": container.bit_rate or None,
                "metadata": dict(container.metadata),
                "streams": streams,
            }
    except (av.FFmpegError, UnicodeDecodeError, ValueError) as e:
        raise MediaUnreadable(f"FFmpeg cannot read it: {ffmpeg_reason(e)}") from e


def ffmpeg_reason(error: Exception) -> str:
    """FFmpeg's own words, without our store path (which says nothing to a reader)."""
    return getattr(error, "strerror", None) or str(error)
