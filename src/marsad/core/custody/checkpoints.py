"""Signed checkpoints kept outside the database.

A checkpoint protects the log only where a copy of it survives someone who can
write the database: so every checkpoint is also appended to a plain file
(`log/checkpoints` in the workspace), and a verifier keeps the latest one it has
accepted in its own cache, as Go's checksum-database clients keep their last tree
head. A checkpoints file is signed notes one after another, each followed by a
blank line; a single note (a bundle's `log/checkpoint`) is read the same way.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from ..store import fsync_path
from .note import SIGNATURE_PREFIX


class CheckpointFileError(ValueError):
    """A checkpoints file that cannot be read as signed notes."""


def split_notes(text: str) -> list[str]:
    """The signed notes in `text`, each exactly as signed (text, blank line, signature lines)."""
    lines = text.split("\n")
    if lines[-1] != "":
        raise CheckpointFileError(f"ends in the middle of a line ({lines[-1][:40]!r}): an incomplete write")
    notes: list[str] = []
    body: list[str] = []
    sigs: list[str] | None = None  # None while reading a note's text
    for line in lines[:-1]:
        if sigs is None:
            if line:
                body.append(line)
            elif body:
                sigs = []
            continue  # blank lines between notes are allowed
        if line.startswith(SIGNATURE_PREFIX):
            sigs.append(line)
            continue
        if not sigs:
            raise CheckpointFileError(f"the checkpoint beginning {body[0][:60]!r} has no signature")
        notes.append("\n".join(body) + "\n\n" + "\n".join(sigs) + "\n")
        body, sigs = ([line] if line else []), None
    if sigs:
        notes.append("\n".join(body) + "\n\n" + "\n".join(sigs) + "\n")
    elif body:
        raise CheckpointFileError("the last checkpoint has no signature: an incomplete write")
    return notes


def read_notes(path: Path) -> list[str]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise CheckpointFileError("is not UTF-8 text") from e
    return split_notes(text)


def append_note(path: Path, note: str) -> None:
    """Append one signed note, and flush it to disk before returning."""
    path = Path(path)
    created = not path.exists()
    data = (note if note.endswith("\n") else note + "\n").encode() + b"\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, data)  # one write under O_APPEND: concurrent writers never interleave a note
        os.fsync(fd)
    finally:
        os.close(fd)
    if created:
        fsync_path(path.parent)


@dataclass(frozen=True)
class VerifierCache:
    """The latest checkpoint a verifier accepted for one log, kept in a folder of the
    verifier's own (never in the workspace it checks). One file per log origin and
    workspace folder: a copy restored elsewhere from an older backup starts its own."""

    folder: Path

    def path(self, origin: str, home: Path) -> Path:
        slug = re.sub(r"[^A-Za-z0-9._-]", "_", origin)[:80]
        where = hashlib.sha256(str(Path(home).resolve()).encode()).hexdigest()[:16]
        return self.folder / f"{slug}-{where}.checkpoint"

    def load(self, origin: str, home: Path) -> str | None:
        path = self.path(origin, home)
        try:
            return path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None

    def store(self, origin: str, home: Path, note: str) -> None:
        path = self.path(origin, home)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(note)
            f.flush()
            os.fsync(f.fileno())
        tmp.replace(path)
        fsync_path(path.parent)


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "marsad" / "checkpoints"
