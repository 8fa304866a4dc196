"""Opening an uploaded zip without trusting it (no Django here).

A zip is only unpacked when it holds a Telegram Desktop export (`result.json` at
its top or in one top folder). Every entry is checked before a single byte is
written: no absolute paths, no `..`, no links or device files, no encryption, no
duplicate names, and no zip bomb (caps on the total unpacked size, on the ratio of
unpacked to packed bytes, and on the number of entries). Refusal raises
`ZipRefused` with a sentence a documenter can act on, and leaves nothing behind.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

RESULT = "result.json"
PIECE = 1 << 20
MAX_ENTRIES = 100_000
# Photos and videos barely compress; a big result.json may, 10 to 30 times. A bomb's
# entries compress a thousandfold and more, and its overlapping entries are caught apart.
MAX_TOTAL_RATIO = 100
MAX_ENTRY_RATIO = 200
RATIO_FLOOR = 1 << 20  # tiny entries (a 2 KB file of spaces) may compress as they like
_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class ZipRefused(ValueError):
    """The zip is not safe to unpack; the message says why."""


@dataclass(frozen=True)
class TelegramZip:
    root: str  # the export's folder inside the zip ("" when result.json is at the top)
    entries: int
    unpacked: int  # bytes once unpacked


def telegram_root(path: str | os.PathLike[str]) -> str | None:
    """The folder inside the zip that holds a Telegram export's result.json, or None
    when the file is not a zip or holds no export (it is then kept as one file)."""
    if not zipfile.is_zipfile(path):
        return None
    try:
        with zipfile.ZipFile(path) as zf:
            names = [_parts(info.filename) for info in zf.infolist()]
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    roots = sorted("/".join(p[:-1]) for p in names if p and p[-1] == RESULT and len(p) <= 2)
    return roots[0] if roots else None


def check(path: str | os.PathLike[str], max_total: int) -> TelegramZip:
    """Check every entry of a Telegram export zip; raise ZipRefused on the first problem."""
    root = telegram_root(path)
    if root is None:
        raise ZipRefused("not a zip with a Telegram export (result.json) in it")
    packed_size = os.path.getsize(path)
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
    if len(infos) > MAX_ENTRIES:
        raise ZipRefused(f"the zip holds {len(infos):,} entries, more than the {MAX_ENTRIES:,} allowed")
    seen: set[str] = set()
    total = packed = 0
    for info in infos:
        name = info.filename
        _check_name(name)
        key = "/".join(_parts(name))
        if key in seen and not info.is_dir():
            raise ZipRefused(f"{_shown(name)} appears twice in the zip")
        seen.add(key)
        kind = stat.S_IFMT(info.external_attr >> 16)
        if kind == stat.S_IFLNK:
            raise ZipRefused(f"{_shown(name)} is a symbolic link; links are not unpacked")
        if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
            raise ZipRefused(f"{_shown(name)} is not a plain file or folder")
        if info.flag_bits & 0x1:
            raise ZipRefused(f"{_shown(name)} is encrypted; upload the export without a password")
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_ENTRY_RATIO * max(info.compress_size, 1):
            raise ZipRefused(f"{_shown(name)} would unpack to {info.file_size:,} bytes from {info.compress_size:,}: "
                             "this looks like a zip bomb")
        total += info.file_size
        packed += info.compress_size
    # Entries that share packed bytes (overlapping entries) claim more than the file holds.
    if packed > packed_size:
        raise ZipRefused("entries of the zip overlap one another: this looks like a zip bomb")
    if total > max_total:
        raise ZipRefused(f"the zip would unpack to {total:,} bytes, more than the {max_total:,} allowed")
    if total > RATIO_FLOOR and total > MAX_TOTAL_RATIO * packed_size:
        raise ZipRefused(f"the zip would unpack to {total:,} bytes from {packed_size:,}: this looks like a zip bomb")
    return TelegramZip(root, len(infos), total)


def unpack(path: str | os.PathLike[str], dest: Path, plan: TelegramZip) -> Path:
    """Unpack a checked zip into the empty folder `dest`; returns the export's folder.
    Sizes are counted as bytes come out, not taken from the headers, which may lie."""
    dest = dest.resolve()
    budget = plan.unpacked
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            target = dest.joinpath(*_parts(info.filename))
            if not target.resolve().is_relative_to(dest):  # `check` refused these already: a second guard
                raise ZipRefused(f"{_shown(info.filename)} points outside the export")
            try:
                budget = _unpack_one(zf, info, target, budget)
            except (OSError, zipfile.BadZipFile) as e:
                reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
                raise ZipRefused(f"{_shown(info.filename)} cannot be unpacked: {reason}") from e
    return dest.joinpath(*PurePosixPath(plan.root).parts) if plan.root else dest


def _unpack_one(zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, budget: int) -> int:
    if info.is_dir():
        target.mkdir(parents=True, exist_ok=True)
        return budget
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with zf.open(info) as source, os.fdopen(fd, "wb") as out:
        written = 0
        while piece := source.read(PIECE):
            written += len(piece)
            budget -= len(piece)
            if written > info.file_size or budget < 0:
                raise ZipRefused(f"{_shown(info.filename)} unpacks to more than its header says")
            out.write(piece)
    return budget


def remove(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def _parts(name: str) -> tuple[str, ...]:
    # Zips made on Windows sometimes separate folders with backslashes.
    return tuple(p for p in name.replace("\\", "/").split("/") if p not in ("", "."))


def _check_name(name: str) -> None:
    if _CONTROL.search(name):
        raise ZipRefused(f"{_shown(name)} has control characters in its name")
    plain = name.replace("\\", "/")
    if plain.startswith("/") or _DRIVE.match(plain):
        raise ZipRefused(f"{_shown(name)} is an absolute path; only paths inside the export are unpacked")
    if ".." in plain.split("/"):
        raise ZipRefused(f"{_shown(name)} climbs out of the export (..)")
    if not _parts(name):
        raise ZipRefused("an entry of the zip has no name")


def _shown(name: str) -> str:
    return repr(_CONTROL.sub("?", name)[:200])
