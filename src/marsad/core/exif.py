"""Metadata as exiftool reads it, kept raw (group-prefixed, numeric values).

One long-lived exiftool process per worker (`-stay_open`), because starting
Perl per file would cost more than reading most photos.
"""

from __future__ import annotations

import functools
import os
import threading
from typing import Any

import exiftool

_lock = threading.Lock()


class ExiftoolMissing(RuntimeError):
    pass


@functools.cache
def _exiftool() -> exiftool.ExifTool:
    tool = exiftool.ExifTool(common_args=["-G", "-n", "-api", "LargeFileSupport=1"])
    try:
        tool.run()
    except FileNotFoundError as e:
        raise ExiftoolMissing(
            "exiftool is not installed (Debian: apt-get install libimage-exiftool-perl)"
        ) from e
    return tool


def version() -> str:
    return str(_exiftool().version)


def read(path: str | os.PathLike[str]) -> dict[str, Any]:
    """All tags of one file, as {"Group:Tag": value}; "ExifTool:Error" on damage."""
    with _lock:
        result = _exiftool().execute_json(os.fspath(path))
    tags = dict(result[0]) if result else {}
    tags.pop("SourceFile", None)
    # File system details describe our copy in the store, not the evidence.
    for key in [k for k in tags if k.startswith("File:") and k.split(":")[1] in _STORE_FILE_TAGS]:
        del tags[key]
    return _clean(tags)


def _clean(value: Any) -> Any:
    """NUL characters (common in EXIF comments) are not storable in PostgreSQL JSON."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


_STORE_FILE_TAGS = {
    "FileName", "Directory", "FileModifyDate", "FileAccessDate", "FileInodeChangeDate",
    "FilePermissions",
}
