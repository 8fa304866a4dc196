"""Poster frames: the picture a published video shows before it is played.

Taken from the redacted video that is published (never the original: faces are blurred in
it, and its metadata never reaches the poster, which is a plain JPEG made from pixels), at
the moment the PDF brief's first key frame is taken. A poster lives beside the media, named
by its video's SHA-256, is logged and verified like any published file, and is shown where
its video is: behind the graphic veil when the video is graphic.

Same video, same bytes: a poster is kept in the workspace under the video's hash and what
draws it (this format, PyAV's and Pillow's versions), so re-publishing decodes nothing."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

FORMAT = "marsad-poster-1"  # change when the frame chosen or its encoding changes
AT = 0.1  # fraction of the video's length: past a black or title first frame


def poster_file(video_sha256: str) -> str:
    """The poster's site path, named by the published video's own hash."""
    from marsad.core.publish import names

    return "posters/" + names.media_file(video_sha256, "image/jpeg").removeprefix("media/")


@cache
def _drawn_by() -> str:
    from importlib.metadata import version

    return f"{FORMAT} av {version('av')} pillow {version('pillow')}"


def _key(video_sha256: str) -> str:
    return hashlib.sha256(f"{_drawn_by()} {video_sha256}".encode()).hexdigest()


class Posters:
    """The posters of one run, made or taken from `folder` (None: made every time)."""

    def __init__(self, blobs, folder: Path | None) -> None:
        self.blobs, self.folder, self.used = blobs, folder, set()

    def get(self, video_sha256: str) -> bytes:
        key = _key(video_sha256)
        self.used.add(key)
        kept = self.folder / f"{key}.jpg" if self.folder is not None else None
        if kept is not None and kept.exists():
            return kept.read_bytes()
        from .pdf import _keep, _verified, frames

        data = frames(_verified(self.blobs, video_sha256), (AT,))[0]
        if kept is not None:
            kept.parent.mkdir(parents=True, exist_ok=True)
            _keep(kept, data)
        return data

    def prune(self) -> None:
        """Forget the posters of videos no longer published (the cache never outgrows the site)."""
        if self.folder is not None and self.folder.is_dir():
            for path in self.folder.glob("*.jpg"):
                if path.stem not in self.used:
                    path.unlink(missing_ok=True)
