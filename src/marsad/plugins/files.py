"""Files and folders on disk (phone dumps, hard drives), walked recursively.

Symlinks are never followed out of the tree the user named: a link inside a
phone dump must not pull in the documenter's own home folder.
"""

from __future__ import annotations

import base64
import os
import stat
from collections.abc import Iterator
from datetime import datetime, timezone

from marsad.core.sources import Sighting

_SKIP_NAMES = {b".DS_Store", b"Thumbs.db", b"desktop.ini"}


def _display(path: bytes) -> tuple[str, str]:
    try:
        return path.decode("utf-8"), ""
    except UnicodeDecodeError:
        return path.decode("utf-8", "replace"), base64.b64encode(path).decode()


class FilesSource:
    name = "files"

    def recognises(self, locator: str) -> bool:
        return os.path.exists(locator)

    def sightings(self, locator: str) -> Iterator[Sighting]:
        top = os.fsencode(os.path.abspath(locator))
        if os.path.isfile(top) and not os.path.islink(top):
            yield self._sighting(top, os.path.realpath(os.path.dirname(top)))
            return
        real_top = os.path.realpath(top)
        for dirpath, dirnames, filenames in os.walk(top, followlinks=False):
            dirnames.sort()
            for name in sorted(filenames):
                if name in _SKIP_NAMES:
                    continue
                yield self._sighting(os.path.join(dirpath, name), real_top)

    def _sighting(self, path: bytes, real_top: bytes) -> Sighting:
        display, raw = _display(path)
        name = os.path.basename(display)
        sighting = Sighting(self.name, path, display, name, path_b64=raw)
        try:
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                target = os.path.realpath(path)
                if os.path.commonpath([target, real_top]) != real_top:
                    sighting.path, sighting.error = None, "symlink points outside the folder given; not followed"
                    return sighting
                st = os.stat(path)
            if not stat.S_ISREG(st.st_mode):
                sighting.path, sighting.error = None, "not a regular file"
                return sighting
            sighting.size = st.st_size
            sighting.mtime = datetime.fromtimestamp(st.st_mtime, timezone.utc)
        except OSError as e:
            sighting.path, sighting.error = None, f"cannot read: {e.strerror}"
        return sighting
