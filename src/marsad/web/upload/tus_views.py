"""The tus 1.0 HTTP endpoint (core + creation + termination) over `marsad.core.resumable`.

`tus_endpoint` is not a view by itself: the calling view authenticates, picks the
owner string and the Uploads folder, and passes them in. Route both the
collection (`.../upload/`, POST and OPTIONS) and each upload (`.../upload/<id>/`,
HEAD, PATCH, DELETE) to that view; Location headers are the collection path plus
`<id>/`.

PATCH bodies are read from the request stream piece by piece and never through
`request.body`, so a large chunk never sits in memory and bytes that arrived
before a connection dropped are kept (under WSGI; Django's ASGI handler reads
the whole body before the view runs).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, UnreadablePostError

from marsad.core.resumable import (
    BadRequest,
    Locked,
    NotFound,
    OffsetMismatch,
    TooLarge,
    Uploads,
    encode_metadata,
    parse_metadata,
)

logger = logging.getLogger(__name__)

TUS_VERSION = "1.0.0"
EXTENSIONS = "creation,termination"
OFFSET_TYPE = "application/offset+octet-stream"
_NUMBER = re.compile(r"[0-9]{1,18}")  # plain digits only: no sign, spaces or 1e9


def tus_endpoint(
    request: HttpRequest,
    uploads: Uploads,
    owner: str,
    upload_id: str | None,
    on_complete: Callable[[str], Any],
    check_metadata: Callable[[dict[str, str]], None] | None = None,
) -> HttpResponse:
    """Answer one tus request. `on_complete(upload_id)` runs once, when the last
    byte arrives; its (JSON) return value is kept in the upload's sidecar, read
    back with `uploads.finish(...)` or `uploads.info(...).result`.
    `check_metadata(metadata)` may refuse a creation before any byte is sent, by
    raising PermissionDenied (403) or ValueError (400)."""
    method = request.headers.get("X-HTTP-Method-Override", request.method).upper()
    if request.method != "POST" and method != request.method:
        method = request.method  # only a POST may stand in for another method
    if method == "OPTIONS":
        return _reply(204, {"Tus-Version": TUS_VERSION, "Tus-Extension": EXTENSIONS,
                            "Tus-Max-Size": str(uploads.max_size)})
    if request.headers.get("Tus-Resumable") != TUS_VERSION:
        return _reply(412, {"Tus-Version": TUS_VERSION}, "Tus-Resumable 1.0.0 required")
    handlers = {"POST": _create} if upload_id is None else {"HEAD": _head, "PATCH": _patch, "DELETE": _delete}
    handler = handlers.get(method)
    if handler is None:
        response = _reply(405, body="method not allowed here")
        response["Allow"] = ", ".join(["OPTIONS", *handlers])
        return response
    try:
        return handler(request, uploads, owner, upload_id, on_complete, check_metadata)
    except NotFound:
        return _reply(404, body="no such upload")
    except Locked:
        # tus clients retry a 423: the request holding the upload is usually a dead one timing out.
        return _reply(423, body="upload is busy; retry")
    except TooLarge as e:
        return _reply(413, body=str(e))
    except BadRequest as e:
        return _reply(400, body=str(e))


def _create(request, uploads: Uploads, owner, _upload_id, on_complete, check_metadata) -> HttpResponse:
    if "Upload-Defer-Length" in request.headers:
        return _reply(400, body="deferred length is not supported")
    length = _number(request.headers.get("Upload-Length"), "Upload-Length")
    if length > uploads.max_size:
        raise TooLarge(f"over the maximum of {uploads.max_size} bytes")
    metadata = parse_metadata(request.headers.get("Upload-Metadata"))
    if check_metadata is not None:
        try:
            check_metadata(metadata)
        except PermissionDenied:
            return _reply(403, body="not allowed")
        except ValueError as e:
            return _reply(400, body=str(e))
    upload_id = uploads.create(length, metadata, owner)
    if length == 0:
        _finish(uploads, owner, upload_id, on_complete)  # no PATCH will ever come
    base = request.path if request.path.endswith("/") else request.path + "/"
    return _reply(201, {"Location": f"{base}{upload_id}/", "Upload-Offset": "0"})


def _head(request, uploads: Uploads, owner, upload_id, _on_complete, _check) -> HttpResponse:
    info = uploads.info(upload_id, owner)
    headers = {"Upload-Offset": str(info.offset), "Upload-Length": str(info.length), "Cache-Control": "no-store"}
    if info.metadata:
        headers["Upload-Metadata"] = encode_metadata(info.metadata)
    return _reply(200, headers)


def _patch(request, uploads: Uploads, owner, upload_id, on_complete, _check) -> HttpResponse:
    if request.content_type != OFFSET_TYPE:
        return _reply(415, body=f"Content-Type must be {OFFSET_TYPE}")
    offset = _number(request.headers.get("Upload-Offset"), "Upload-Offset")
    length = _number(request.META.get("CONTENT_LENGTH"), "Content-Length")
    try:
        new_offset = uploads.append(upload_id, owner, offset, request, length)
    except OffsetMismatch as e:
        return _reply(409, {"Upload-Offset": str(e.offset)}, "offset does not match the upload")
    except UnreadablePostError:
        # The client went away mid-chunk; what arrived is kept and its next HEAD will say so.
        # (Errors writing our own disk are not caught: they are ours to see, as a 500.)
        logger.info("upload %s: connection lost during PATCH", upload_id)
        new_offset = uploads.offset(upload_id, owner)
    if new_offset == uploads.info(upload_id, owner).length:
        _finish(uploads, owner, upload_id, on_complete)
    return _reply(204, {"Upload-Offset": str(new_offset)})


def _delete(request, uploads: Uploads, owner, upload_id, _on_complete, _check) -> HttpResponse:
    uploads.delete(upload_id, owner)
    return _reply(204)


def _finish(uploads: Uploads, owner: str, upload_id: str, on_complete) -> None:
    # The bytes are safe whatever happens here, so the transfer still succeeds;
    # a failed on_complete is retried by the next `uploads.finish` (the result page).
    try:
        uploads.finish(upload_id, owner, on_complete)
    except Exception:
        logger.exception("upload %s: processing the finished upload failed", upload_id)


def _number(value: str | None, name: str) -> int:
    if value is None or not _NUMBER.fullmatch(value):
        raise BadRequest(f"{name} must be a whole number of bytes")
    return int(value)


def _reply(status: int, headers: dict[str, str] | None = None, body: str = "") -> HttpResponse:
    response = HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")
    response["Tus-Resumable"] = TUS_VERSION
    for name, value in (headers or {}).items():
        response[name] = value
    return response
