"""The project ZIP on disk: which members it may hold, how each is written with its
SHA-256, and how a received one is checked before anything of it is used.

Pure Python (no Django): a reader outside Marsad can check a ZIP with this module.

Layout::

    manifest.json     format, project, counts, generator, the exporting log's key and
                      checkpoint, and the SHA-256 of every other member
    incidents.csv     for people (ACLED-style columns); incidents.json is the lossless copy
    incidents.json  history.json  links.json  comments.json  approvals.json
    places.json  items.json  captures.json
    files/<sha256>    the original bytes of each item

A received ZIP is refused whole when a member has a name outside this layout (a path
such as `../x` never reaches the file system), when a member is missing from the
manifest or the manifest names one that is missing, when a member's bytes do not
give its recorded SHA-256 (or, for files/, its own name), or when the ZIP is
truncated or its CRCs fail."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from marsad.core.custody.note import Checkpoint, NoteError, Verifier, open_checkpoint

FORMAT = "marsad-project"
VERSION = 1
MANIFEST = "manifest.json"
CSV_MEMBER = "incidents.csv"
JSON_MEMBERS = ("incidents.json", "history.json", "links.json", "comments.json", "approvals.json", "places.json",
                "items.json", "captures.json")
FILE_MEMBER = re.compile(r"^files/([0-9a-f]{64})$")
CHUNK = 1 << 20
MAX_JSON = 512 << 20  # a JSON member larger than this is not a project export


class BundleError(ValueError):
    """The ZIP is not a complete, untouched Marsad project export; the message says why."""


def member_kind(name: str) -> str:
    """'manifest', 'csv', 'json' or 'file'; BundleError for any other name."""
    if name == MANIFEST:
        return "manifest"
    if name == CSV_MEMBER:
        return "csv"
    if name in JSON_MEMBERS:
        return "json"
    if FILE_MEMBER.match(name):
        return "file"
    raise BundleError(f"member {name!r} is not part of a Marsad project export (unknown or unsafe name)")


def _sha256_json(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def files_digest(files: dict[str, str]) -> str:
    """One SHA-256 over the table of members and their hashes: what the exporting
    workspace's custody event commits to."""
    return _sha256_json(files)


class Writer:
    """Write the ZIP to a temporary file beside `path`, then move it into place: an
    export that fails leaves no half-written ZIP behind."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        fd, temp = tempfile.mkstemp(prefix=".marsad-export-", suffix=".zip", dir=self.path.parent)
        os.close(fd)
        self._temp = Path(temp)
        self._zip = zipfile.ZipFile(self._temp, "w", allowZip64=True)
        self.files: dict[str, str] = {}

    def add_json(self, name: str, value: Any) -> str:
        data = json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
        return self.add_bytes(name, data)

    def add_bytes(self, name: str, data: bytes, compress: bool = True) -> str:
        member_kind(name)
        self._zip.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED)
        self.files[name] = hashlib.sha256(data).hexdigest()
        return self.files[name]

    def add_stream(self, name: str, stream: BinaryIO) -> str:
        """Copy a (large) file in chunks; media is stored, not deflated: it is compressed already."""
        member_kind(name)
        h = hashlib.sha256()
        info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_STORED
        with self._zip.open(info, "w", force_zip64=True) as out:
            while chunk := stream.read(CHUNK):
                h.update(chunk)
                out.write(chunk)
        self.files[name] = h.hexdigest()
        return self.files[name]

    def finish(self, manifest: dict[str, Any]) -> dict[str, Any]:
        """Write manifest.json (with the members' hashes) last and move the ZIP into place."""
        manifest = manifest | {"format": FORMAT, "version": VERSION, "files": dict(sorted(self.files.items()))}
        self._zip.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True),
                           compress_type=zipfile.ZIP_DEFLATED)
        self._zip.close()
        os.replace(self._temp, self.path)
        return manifest

    def abort(self) -> None:
        self._zip.close()
        self._temp.unlink(missing_ok=True)


@dataclass
class Bundle:
    """A checked ZIP: its manifest, its JSON members, and its files extracted to a folder."""

    manifest: dict[str, Any]
    docs: dict[str, Any] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)  # sha256 -> extracted copy
    manifest_sha256: str = ""

    def doc(self, name: str) -> list:
        return self.docs.get(name) or []


def read(path: Path, folder: Path) -> Bundle:
    """Check every member of the ZIP at `path` and extract its files into `folder`;
    BundleError, naming the member, at the first problem."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as e:
        raise BundleError(f"{Path(path).name}: not a readable ZIP (truncated or damaged?): {e}") from e
    with archive:
        infos = archive.infolist()
        names = [i.filename for i in infos]
        if len(set(names)) != len(names):
            raise BundleError("the ZIP holds two members of the same name")
        for info in infos:
            member_kind(info.filename)
            if info.is_dir() or info.flag_bits & 0x1:
                raise BundleError(f"member {info.filename!r} is a folder or encrypted")
        if MANIFEST not in names:
            raise BundleError("manifest.json is missing: not a Marsad project export")
        manifest_bytes = _read_member(archive, archive.getinfo(MANIFEST), MAX_JSON)
        manifest = _parse_json(MANIFEST, manifest_bytes)
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise BundleError("manifest.json does not describe a Marsad project export")
        if manifest.get("version") != VERSION:
            raise BundleError(f"export format version {manifest.get('version')!r}; this Marsad reads version {VERSION}")
        listed = manifest.get("files")
        if not isinstance(listed, dict) or not all(isinstance(v, str) for v in listed.values()):
            raise BundleError("manifest.json lists no file hashes")
        present = set(names) - {MANIFEST}
        for name in sorted(set(listed) - present):
            raise BundleError(f"{name} is listed in the manifest but missing from the ZIP")
        for name in sorted(present - set(listed)):
            raise BundleError(f"{name} is in the ZIP but not in the manifest")
        check_log(manifest)
        bundle = Bundle(manifest, manifest_sha256=hashlib.sha256(manifest_bytes).hexdigest())
        (folder / "files").mkdir(parents=True, exist_ok=True)
        for info in infos:
            name = info.filename
            kind = member_kind(name)
            if kind == "manifest":
                continue
            if kind == "file":
                sha = FILE_MEMBER.match(name).group(1)
                target = folder / "files" / sha  # built from the checked hash, never from the raw name
                got = _extract(archive, info, target)
                if got != sha:
                    raise BundleError(f"{name}: its bytes do not give the SHA-256 in its name (changed or damaged)")
                if listed[name] != sha:
                    raise BundleError(f"{name}: the manifest records another SHA-256 for it")
                bundle.files[sha] = target
                continue
            data = _read_member(archive, info, MAX_JSON)
            if hashlib.sha256(data).hexdigest() != listed[name]:
                raise BundleError(f"{name}: its bytes do not match the SHA-256 in the manifest (changed or damaged)")
            if kind == "json":
                bundle.docs[name] = _parse_json(name, data)
    return bundle


def check_log(manifest: dict[str, Any]) -> Checkpoint:
    """The exporting log's checkpoint opens with its key and covers the export's own event.
    (The manifest itself is not signed: this proves origin only against a checkpoint the
    receiver obtains from that workspace another way.)"""
    entry = manifest.get("log")
    if not isinstance(entry, dict):
        raise BundleError("manifest.json names no exporting log")
    try:
        checkpoint = open_checkpoint(str(entry.get("checkpoint", "")), Verifier.parse(str(entry.get("vkey", ""))))
    except NoteError as e:
        raise BundleError(f"manifest.json: the exporting log's checkpoint does not verify: {e}") from e
    event = entry.get("export_event")
    if not isinstance(event, int) or not 0 <= event < checkpoint.size:
        raise BundleError("manifest.json: the export's custody event is not covered by its checkpoint")
    return checkpoint


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    if info.file_size > limit:
        raise BundleError(f"{info.filename} is too large ({info.file_size} bytes)")
    try:
        with archive.open(info) as stream:
            data = stream.read(limit + 1)
    except (zipfile.BadZipFile, OSError, EOFError, zipfile.LargeZipFile) as e:
        raise BundleError(f"{info.filename}: cannot be read from the ZIP (truncated or damaged): {e}") from e
    if len(data) > limit:
        raise BundleError(f"{info.filename} is larger than its ZIP entry says")
    return data


def _extract(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path) -> str:
    h = hashlib.sha256()
    written = 0
    try:
        with archive.open(info) as stream, open(target, "wb") as out:
            while chunk := stream.read(CHUNK):
                written += len(chunk)
                if written > info.file_size:  # a member larger than its entry says: refuse, do not fill the disk
                    raise BundleError(f"{info.filename} is larger than its ZIP entry says")
                h.update(chunk)
                out.write(chunk)
    except (zipfile.BadZipFile, OSError, EOFError, zipfile.LargeZipFile) as e:
        raise BundleError(f"{info.filename}: cannot be read from the ZIP (truncated or damaged): {e}") from e
    return h.hexdigest()


def _parse_json(name: str, data: bytes) -> Any:
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise BundleError(f"{name}: not valid JSON: {e}") from e


class Extracted:
    """A temporary folder for a bundle's files (inside `parent`: the workspace, whose disk
    has room for the files anyway), removed on exit."""

    def __init__(self, parent: Path | None = None) -> None:
        self.parent = parent

    def __enter__(self) -> Path:
        self.folder = Path(tempfile.mkdtemp(prefix=".marsad-import-", dir=self.parent))
        return self.folder

    def __exit__(self, *exc: object) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def require_keys(name: str, rows: Iterable[Any], keys: Iterable[str]) -> None:
    """Every row of a JSON member is an object with these keys."""
    keys = list(keys)
    for n, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            raise BundleError(f"{name} entry {n}: not an object")
        missing = [k for k in keys if k not in row]
        if missing:
            raise BundleError(f"{name} entry {n}: missing {', '.join(missing)}")
