"""What a file is, judged from its bytes (libmagic), never from its name."""

from __future__ import annotations

import os
from enum import StrEnum

import magic


class MediaKind(StrEnum):
    IMAGE = "image"
    VIDEO = "video"
    AUDIO = "audio"
    DOCUMENT = "document"
    OTHER = "other"


_DOCUMENT_MIMES = {
    "application/pdf",
    "application/msword",
    "application/rtf",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.ms-excel",
    "text/csv",
    "text/html",
}


def detect_mime(path: str | os.PathLike[str] | bytes) -> str:
    return magic.from_file(os.fsdecode(path), mime=True)


def detect_mime_bytes(head: bytes) -> str:
    return magic.from_buffer(head, mime=True)


def kind_of(mime: str) -> MediaKind:
    major = mime.split("/", 1)[0]
    if major in ("image", "video", "audio"):
        return MediaKind(major)
    if mime in _DOCUMENT_MIMES or major == "text":
        return MediaKind.DOCUMENT
    return MediaKind.OTHER
