"""Files and folders on disk (phone dumps, hard drives), walked recursively.

Symlinks are never followed out of the tree the user named: a link inside a
phone dump must not pull in the documenter's own home folder. A link the user
names is followed (they asked for it), with a note; a linked folder inside the
tree, a FIFO or a device is reported by name, never passed over in silence.

A Marsad workspace is never evidence: `marsad ingest .` beside one would otherwise
preserve its private keys and live database for ever. One met in a walk is skipped
(listed in `skipped`, which the ingest command prints); one named is refused.
"""

from __future__ import annotations

import base64
import os
import stat
from collections.abc import Iterator
from datetime import datetime, timezone

from marsad.core.sources import Sighting, SourceError
from marsad.core.workspace import MARKER

_SKIP_NAMES = {b".DS_Store", b"Thumbs.db", b"desktop.ini"}
_KINDS = {stat.S_IFIFO: "a FIFO", stat.S_IFSOCK: "a socket", stat.S_IFCHR: "a character device",
          stat.S_IFBLK: "a block device", stat.S_IFDIR: "a folder"}


def is_workspace(folder: bytes | str) -> bool:
    """A Marsad workspace: its settings marker beside its keys folder."""
    folder = os.fsencode(folder)
    return os.path.isfile(os.path.join(folder, os.fsencode(MARKER))) and os.path.isdir(os.path.join(folder, b"keys"))


# A workspace's own folder for files the web app received to be ingested (uploads, unpacked exports).
RECEIVED = b"uploads"


def _workspace_holding(path: bytes) -> bytes | None:
    """The workspace `path` is (or lies in), if any; files received into its uploads folder are not its own."""
    real = os.path.realpath(path)
    current = real
    while True:
        if os.path.isdir(current) and is_workspace(current):
            inside = os.path.relpath(real, current).split(os.sep.encode())
            return None if inside[0] == RECEIVED else current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def _display(path: bytes) -> tuple[str, str]:
    try:
        return path.decode("utf-8"), ""
    except UnicodeDecodeError:
        return path.decode("utf-8", "replace"), base64.b64encode(path).decode()


class FilesSource:
    name = "files"

    def __init__(self) -> None:
        self.skipped: list[str] = []  # workspaces met in a walk, left out

    def recognises(self, locator: str) -> bool:
        return os.path.exists(locator)

    def sightings(self, locator: str) -> Iterator[Sighting]:
        self.skipped = []
        top = os.fsencode(os.path.abspath(locator))
        workspace = _workspace_holding(top)
        if workspace is not None:
            raise SourceError(f"{os.fsdecode(workspace)} is a Marsad workspace (its keys, database and store): "
                              "it is never ingested as evidence")
        if not os.path.isdir(top):  # a file, a link to one, a FIFO, a device: one sighting, whatever it is
            sighting = self._sighting(top, os.path.realpath(os.path.dirname(top)), named=True)
            if os.path.islink(top) and sighting.path is not None:
                target = os.fsdecode(os.path.realpath(top))
                sighting.notice = f"a symbolic link: the file it points to ({target}) was read"
            yield sighting
            return
        real_top = os.path.realpath(top)
        for dirpath, dirnames, filenames in os.walk(top, followlinks=False):
            dirnames.sort()
            for name in list(dirnames):
                if not os.path.islink(os.path.join(dirpath, name)) and is_workspace(os.path.join(dirpath, name)):
                    dirnames.remove(name)
                    self.skipped.append(_display(os.path.join(dirpath, name))[0])
                    continue
                if os.path.islink(os.path.join(dirpath, name)):
                    dirnames.remove(name)
                    path = os.path.join(dirpath, name)
                    display, raw = _display(path)
                    yield Sighting(self.name, None, display, os.path.basename(display), path_b64=raw,
                                   error="a symbolic link to a folder; not followed (name it to read it)")
            for name in sorted(filenames):
                if name in _SKIP_NAMES:
                    continue
                yield self._sighting(os.path.join(dirpath, name), real_top)

    def _sighting(self, path: bytes, real_top: bytes, named: bool = False) -> Sighting:
        display, raw = _display(path)
        name = os.path.basename(display)
        sighting = Sighting(self.name, path, display, name, path_b64=raw)
        try:
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                target = os.path.realpath(path)
                if not named and os.path.commonpath([target, real_top]) != real_top:
                    sighting.path, sighting.error = None, "symlink points outside the folder given; not followed"
                    return sighting
                st = os.stat(path)
            if not stat.S_ISREG(st.st_mode):
                kind = _KINDS.get(stat.S_IFMT(st.st_mode), "a special file")
                sighting.path, sighting.error = None, f"not a regular file ({kind}); not read"
                return sighting
            sighting.size = st.st_size
            sighting.mtime = datetime.fromtimestamp(st.st_mtime, timezone.utc)
        except OSError as e:
            sighting.path, sighting.error = None, f"cannot read: {e.strerror}"
        return sighting
