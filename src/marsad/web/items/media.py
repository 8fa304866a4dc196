"""Sending stored bytes to a browser: one HTTP Range per request (206, so a video
seeks without downloading the whole file), streamed in chunks, never read whole.

Only picture, video and audio types are sent under their own type and shown inline;
anything else (HTML, SVG, a PDF with scripts) goes as an opaque download, so a piece of
evidence can never run as a page of the app."""

from __future__ import annotations

import io
import mimetypes
import re
from functools import lru_cache
from pathlib import Path

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header

CHUNK = 256 * 1024
_RANGE = re.compile(r"bytes=([0-9]{0,18})-([0-9]{0,18})")
_INLINE = re.compile(r"(image/(jpeg|png|gif|webp|avif|bmp|tiff|heic|heif)|video/[\w.+-]+|audio/[\w.+-]+)")


class Unsatisfiable(Exception):
    """The range starts beyond the end of the file (416)."""


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The one byte range asked for, as (first, last) inclusive, or None to send the
    whole file: RFC 9110 lets a server ignore a header it will not honour (several
    ranges, bad syntax)."""
    if not header:
        return None
    match = _RANGE.fullmatch(header.strip())
    if not match or match.groups() == ("", ""):
        return None
    start, end = match.groups()
    if not start:  # a suffix: the last N bytes
        length = int(end)
        if length == 0 or size == 0:
            raise Unsatisfiable
        return max(0, size - length), size - 1
    first = int(start)
    if end and int(end) < first:
        return None  # not a valid range: ignored
    if first >= size:
        raise Unsatisfiable
    return first, min(int(end) if end else size - 1, size - 1)


def safe_type(mime: str) -> tuple[str, bool]:
    """(Content-Type to send, whether to show it inline)."""
    mime = (mime or "").split(";")[0].strip().lower()
    if _INLINE.fullmatch(mime):
        return mime, True
    return "application/octet-stream", False


def filename_for(sha256: str, mime: str, suffix: str = "") -> str:
    """A name made from the hash: the original name may identify a source."""
    ext = {"image/jpeg": ".jpg", "video/quicktime": ".mov"}.get(mime) or mimetypes.guess_extension(mime) or ".bin"
    return f"{sha256[:16]}{suffix}{ext}"


def _headers(response: HttpResponse, mime: str, inline: bool, filename: str, etag: str, cache: str) -> HttpResponse:
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = cache
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = content_disposition_header(not inline, filename)
    response["ETag"] = f'"{etag}"'
    # A file is evidence, not a page: nothing in it may run or load anything.
    response["Content-Security-Policy"] = "default-src 'none'; media-src 'self'; img-src 'self'; sandbox"
    return response


def _stream(handle, first: int, length: int):
    try:
        handle.seek(first)
        left = length
        while left > 0:
            data = handle.read(min(CHUNK, left))
            if not data:
                return
            left -= len(data)
            yield data
    finally:
        handle.close()


def serve_file(request, path: Path, mime: str, filename: str, etag: str, cache: str = "private") -> HttpResponse:
    """200 with the whole file, 206 with the range asked for, or 416."""
    kind, inline = safe_type(mime)
    size = path.stat().st_size
    wanted = request.headers.get("Range")
    if_range = request.headers.get("If-Range")
    if if_range and if_range.strip() != f'"{etag}"':
        wanted = None  # the client holds another version: send it all
    try:
        span = parse_range(wanted, size)
    except Unsatisfiable:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return _headers(response, kind, inline, filename, etag, cache)
    first, last = span if span else (0, size - 1)
    length = max(0, last - first + 1)
    if request.method == "HEAD":
        response = HttpResponse(status=206 if span else 200, content_type=kind)
    else:
        response = StreamingHttpResponse(_stream(path.open("rb"), first, length), status=206 if span else 200,
                                         content_type=kind)
    response["Content-Length"] = str(length)
    if span:
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
    return _headers(response, kind, inline, filename, etag, cache)


def serve_bytes(data: bytes, mime: str, filename: str, etag: str, cache: str = "private") -> HttpResponse:
    response = HttpResponse(data, content_type=mime)
    return _headers(response, mime, True, filename, etag, cache)


@lru_cache(maxsize=256)
def blurred_preview(path: str) -> bytes:
    """A small greyscale JPEG of a thumbnail, blurred past recognition. The picture is
    first shrunk to a few dozen pixels, so no filter in the browser can undo the blur:
    the detail is not in the bytes sent."""
    from PIL import Image, ImageFilter, ImageOps

    with Image.open(path) as img:
        img = ImageOps.grayscale(img)
        width, height = img.size
        scale = 24 / max(width, height, 1)
        tiny = img.resize((max(1, round(width * scale)), max(1, round(height * scale))), Image.Resampling.BOX)
        shown = tiny.resize((max(1, round(width * scale * 12)), max(1, round(height * scale * 12))),
                            Image.Resampling.BILINEAR).filter(ImageFilter.GaussianBlur(8))
    out = io.BytesIO()
    shown.save(out, "JPEG", quality=70)
    return out.getvalue()
