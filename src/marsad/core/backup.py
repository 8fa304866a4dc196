"""Backups of a workspace, and restoring them, every byte checked.

A backup folder holds one shared blob store and a snapshot per run:

    DEST/store/ab/cd/<sha256>        blobs, added to (never replaced) by each run: only new blobs are copied
    DEST/snapshots/<UTC time>/       database.sqlite3 or database.pgdump, files/ (marsad.toml, keys/, log/),
                                     blobs.txt (the blobs this snapshot needs), MANIFEST.json (+ .sha256)
    DEST/LATEST                      the newest complete snapshot

The database is copied first, at one instant (SQLite's online backup API, or
`pg_dump`'s one transaction), and the store after it: files are stored before
the rows naming them commit, so every blob the copied database names is already
in the store when the store is copied, even while an ingest runs. A snapshot
is written under a `.part` name and renamed when complete.

Restore checks every file against the manifest and every blob against its
address before the new workspace is kept; any mismatch removes what it made.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from .store import SHA256_RE, LocalStore, Store, StoreError, fsync_path, hash_stream
from .store_copy import copy_blobs
from .workspace import MARKER, Workspace

FORMAT = "marsad-backup/1"
FILES = (MARKER, "keys", "log")  # beside the database and the store; the matching index is rebuilt from the database


class BackupError(Exception):
    """The backup could not be made or restored (the message says what to do)."""


@dataclass
class BackupReport:
    snapshot: Path
    blobs: int = 0
    copied: int = 0
    files: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class RestoreReport:
    snapshot: str = ""
    database: str = ""
    files: int = 0
    blobs: int = 0
    problems: list[str] = field(default_factory=list)


def _sha256_file(path: Path) -> str:
    with open(path, "rb") as f:
        return hash_stream(f)[0]


# -- the database ---------------------------------------------------------------------------------------------


def backup_sqlite(database: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database (the online backup API: writers may go on meanwhile)."""
    source = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=60)
    copy = sqlite3.connect(target)
    try:
        with copy:
            source.backup(copy, pages=4096)
    finally:
        copy.close()
        source.close()
    fsync_path(target)


def check_sqlite(path: Path) -> str:
    """SQLite's own integrity check: "ok" or what it found."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return "; ".join(row[0] for row in conn.execute("PRAGMA integrity_check"))
    finally:
        conn.close()


def _libpq_url(url: str) -> str:
    return "postgresql://" + url.split("://", 1)[1] if url.startswith(("postgres://", "postgresql://")) else url


def dump_postgres(url: str, target: Path) -> None:
    """`pg_dump` in its custom format: one transaction, so one instant, whatever writes meanwhile."""
    if not shutil.which("pg_dump"):
        raise BackupError("pg_dump is not installed (apt-get install postgresql-client)")
    proc = subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--file", str(target), _libpq_url(url)],
                          capture_output=True, text=True, check=False)
    if proc.returncode:
        raise BackupError(f"pg_dump failed: {proc.stderr.strip()[-500:]}")
    fsync_path(target)


def restore_postgres(dump: Path, url: str) -> None:
    if not shutil.which("pg_restore"):
        raise BackupError("pg_restore is not installed (apt-get install postgresql-client)")
    proc = subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", "--single-transaction", "--dbname",
                           _libpq_url(url), str(dump)], capture_output=True, text=True, check=False)
    if proc.returncode:
        raise BackupError(f"pg_restore into {url.rsplit('@', 1)[-1]} failed (it must be an empty database): "
                          f"{proc.stderr.strip()[-500:]}")


# -- backup ---------------------------------------------------------------------------------------------------


def make_backup(home: Path, store: Store, dest: Path, database_url: str = "", jobs: int = 4,
                progress: Callable[[int], None] | None = None) -> BackupReport:
    """Back up the workspace at `home` (its database, keys, log and `store`) into `dest`."""
    ws = Workspace(home).require()
    dest = Path(dest)
    (dest / "snapshots").mkdir(parents=True, exist_ok=True)
    name = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    part = dest / "snapshots" / f"{name}.part"
    part.mkdir()
    files: dict[str, dict[str, object]] = {}

    report = BackupReport(snapshot=dest / "snapshots" / name)
    # Before the database: a checkpoint in log/checkpoints must never be newer than the log backed up.
    for top in FILES:
        source = ws.home / top
        paths = [source] if source.is_file() else sorted(p for p in source.rglob("*") if p.is_file())
        for path in paths:
            rel = path.relative_to(ws.home).as_posix()
            target = part / "files" / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)  # keeps the keys' 0600
            files[f"files/{rel}"] = {"sha256": _sha256_file(target), "size": target.stat().st_size}
            report.files += 1

    if database_url.startswith(("postgres://", "postgresql://")):
        kind, db_file = "postgresql", part / "database.pgdump"
        dump_postgres(database_url, db_file)
    elif database_url:
        raise BackupError(f"cannot back up the database at {database_url.split(':', 1)[0]}://…: only SQLite "
                          "and PostgreSQL are supported")
    else:
        kind, db_file = "sqlite", part / "database.sqlite3"
        backup_sqlite(ws.database, db_file)
    files[db_file.name] = {"sha256": _sha256_file(db_file), "size": db_file.stat().st_size}

    # After the database: every blob it names is in the store by now.
    copied = copy_blobs(store, LocalStore(dest / "store"), verify=False, skip_present=True, jobs=jobs,
                        progress=progress)
    report.problems = copied.problems
    report.copied = copied.copied
    held = [r["sha256"] for r in copied.results if r["status"] in ("copied", "present")]
    report.blobs = len(held)
    blob_list = part / "blobs.txt"
    blob_list.write_text("".join(f"{sha}\n" for sha in held))
    files["blobs.txt"] = {"sha256": _sha256_file(blob_list), "size": blob_list.stat().st_size}

    manifest = {"format": FORMAT, "created": datetime.now(UTC).isoformat(), "database": kind,
                "store": "s3" if str(store).startswith("s3://") else "local", "blobs": len(held),
                "problems": [{"sha256": sha, "problem": what} for sha, what in copied.problems], "files": files}
    body = json.dumps(manifest, indent=1, sort_keys=True).encode()
    (part / "MANIFEST.json").write_bytes(body)
    (part / "MANIFEST.json.sha256").write_text(hashlib.sha256(body).hexdigest() + "\n")
    for path in (part / "MANIFEST.json", part / "MANIFEST.json.sha256", blob_list):
        fsync_path(path)
    part.rename(report.snapshot)
    latest = dest / "LATEST.tmp"
    latest.write_text(name + "\n")
    latest.replace(dest / "LATEST")
    return report


# -- restore --------------------------------------------------------------------------------------------------


def read_manifest(snapshot: Path) -> dict:
    try:
        body = (snapshot / "MANIFEST.json").read_bytes()
        expected = (snapshot / "MANIFEST.json.sha256").read_text().strip()
    except FileNotFoundError as e:
        raise BackupError(f"{snapshot} is not a complete Marsad backup snapshot ({e.filename} is missing)") from e
    if hashlib.sha256(body).hexdigest() != expected:
        raise BackupError(f"{snapshot}/MANIFEST.json does not match its checksum: the backup is damaged")
    manifest = json.loads(body)
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r} (expected {FORMAT})")
    return manifest


def find_snapshot(dest: Path, name: str | None = None) -> Path:
    dest = Path(dest)
    if name is None:
        try:
            name = (dest / "LATEST").read_text().strip()
        except FileNotFoundError as e:
            raise BackupError(f"no backup at {dest} (no LATEST file)") from e
    snapshot = dest / "snapshots" / name
    if "/" in name or not snapshot.is_dir():
        raise BackupError(f"no snapshot {name!r} in {dest}")
    return snapshot


def _copy_checked(source: Path, target: Path, expected: str) -> bool:
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(source, "rb") as src, open(target, "xb") as sink:
        sha = hash_stream(src, sink)[0]
        os.fsync(sink.fileno())
    shutil.copystat(source, target)
    return sha == expected


def restore_backup(dest: Path, new_home: Path, snapshot_name: str | None = None, database_url: str = "",
                   progress: Callable[[int], None] | None = None) -> RestoreReport:
    """Bring a snapshot back as a new workspace at `new_home`; on any mismatch nothing is left there."""
    snapshot = find_snapshot(dest, snapshot_name)
    manifest = read_manifest(snapshot)
    new_home = Path(new_home)
    if new_home.exists() and any(new_home.iterdir()):
        raise BackupError(f"{new_home} is not empty: restore into a new folder")
    report = RestoreReport(snapshot=snapshot.name, database=manifest["database"])
    if report.database == "postgresql" and not database_url.startswith(("postgres://", "postgresql://")):
        raise BackupError("this backup holds a PostgreSQL database: set DATABASE_URL to a new, empty database")
    created = not new_home.exists()
    new_home.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(new_home, 0o700)  # keys, the database and the evidence: the owner's alone, as `init` makes them
    try:
        _restore_into(snapshot, manifest, Path(dest), new_home, database_url, report, progress)
    except BaseException:
        _remove(new_home, created)
        raise
    if report.problems:
        _remove(new_home, created)
    return report


def _restore_into(snapshot: Path, manifest: dict, dest: Path, home: Path, database_url: str, report: RestoreReport,
                  progress: Callable[[int], None] | None) -> None:
    ws = Workspace(home)
    for rel, info in sorted(manifest["files"].items()):
        source = snapshot / rel
        if not source.is_file():
            report.problems.append(f"{rel} is missing from the backup")
            continue
        if rel.startswith("files/"):
            target = home / rel.removeprefix("files/")
        elif rel == "database.sqlite3":
            target = ws.database
        else:
            target = home / ".restore" / rel  # the dump and the blob list are checked, then read from here
        if not _copy_checked(source, target, info["sha256"]):
            report.problems.append(f"{rel} does not match the manifest: the backup is damaged")
        report.files += 1
    if report.problems:
        return
    os.chmod(ws.keys_dir, 0o700)
    if report.database == "sqlite":
        verdict = check_sqlite(ws.database)
        if verdict != "ok":
            report.problems.append(f"the database fails SQLite's integrity check: {verdict[:300]}")
            return
    names = (home / ".restore" / "blobs.txt").read_text().split()
    backup_store, store = LocalStore(dest / "store"), LocalStore(ws.store_dir)
    for count, sha in enumerate(names, 1):
        if not SHA256_RE.match(sha):
            report.problems.append(f"blobs.txt names {sha[:80]!r}, not a SHA-256")
            continue
        try:
            blob = store.put_file(backup_store.path(sha))
        except FileNotFoundError:
            report.problems.append(f"blob {sha} is missing from the backup's store")
            continue
        except (OSError, StoreError) as e:
            report.problems.append(f"blob {sha} could not be restored: {e}")
            continue
        if blob.sha256 != sha:
            report.problems.append(f"blob {sha} is damaged in the backup (its bytes give {blob.sha256[:16]}…)")
        report.blobs += 1
        if progress:
            progress(count)
    if report.problems:
        return
    for folder in (ws.store_dir, ws.log_dir, ws.keys_dir, home / "index"):
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(ws.store_dir, 0o700)
    if ws.database.exists():
        os.chmod(ws.database, 0o600)
    if report.database == "postgresql":
        restore_postgres(home / ".restore" / "database.pgdump", database_url)
    shutil.rmtree(home / ".restore")


def _remove(home: Path, created: bool) -> None:
    if created:
        shutil.rmtree(home, ignore_errors=True)
    else:
        for child in home.iterdir():
            shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
