"""`marsad backup` and `marsad restore` through the real command: consistent, incremental, every byte checked."""

import json
import os
import random
import subprocess
import time
import uuid

import pytest

from tests.conftest import Marsad, _postgres_database


@pytest.fixture
def restored(tmp_path):
    """A `marsad` for the restored workspace (and, on PostgreSQL, a new empty database for it)."""
    made = []

    def make(source: Marsad) -> Marsad:
        env = source.env | {"MARSAD_HOME": str(tmp_path / "restored")}
        env.pop("MARSAD_STORAGE", None)  # the backup's store comes back as the workspace's own folder
        pg = _postgres_database()
        if pg:
            env["DATABASE_URL"] = pg[0]
            made.append(pg[1])
        return Marsad(tmp_path / "restored", env)

    yield make
    for drop in made:
        drop()


def _items(marsad):
    return sorted((i["sha256"], i["captures"]) for i in marsad.json("items"))


def test_backup_restore_then_log_and_fixity_pass_and_backups_are_incremental(marsad, samples, tmp_path, restored):
    marsad.run("ingest", str(samples["photo"]), str(samples["video"]), str(samples["pdf"]))
    dest = tmp_path / "backup"
    first = marsad.run("backup", str(dest)).stdout
    blobs = len([p for p in (marsad.home / "store").rglob("*") if p.is_file() and len(p.name) == 64])
    assert f"{blobs} blobs ({blobs} new), 0 problem(s)" in first
    assert f"{blobs} blobs (0 new)" in marsad.run("backup", str(dest)).stdout
    marsad.run("ingest", str(samples["duplicate"].parent), check=1)  # two damaged files in there: exit 1
    third = marsad.run("backup", str(dest)).stdout
    assert " new)" in third and "(0 new)" not in third
    snapshots = sorted(p.name for p in (dest / "snapshots").iterdir())
    assert len(snapshots) == 3 and (dest / "LATEST").read_text().strip() == snapshots[-1]

    new = restored(marsad)
    out = new.run("restore", str(dest), "--home", str(new.home)).stdout
    assert f"Restored snapshot {snapshots[-1]}" in out
    assert "OK" in new.run("log", "verify").stdout
    assert "0 problem(s), 0 orphan(s)" in new.run("fixity").stdout
    assert _items(new) == _items(marsad)
    assert oct((new.home / "keys" / "log.key").stat().st_mode & 0o777) == "0o600"
    for private in (new.home, new.home / "store", new.home / "keys"):  # as `marsad init` makes them
        assert oct(private.stat().st_mode & 0o777) == "0o700", private

    older = restored(marsad)
    older.home = older.home.with_name("older")
    older.env["MARSAD_HOME"] = str(older.home)
    older.run("restore", str(dest), "--home", str(older.home), "--snapshot", snapshots[0])
    assert len(older.json("items")) == 3
    older.run("log", "verify")


def _flip(path, offset=None):
    path.chmod(0o644)
    data = bytearray(path.read_bytes())
    at = len(data) // 2 if offset is None else offset
    data[at] ^= 0x01
    path.write_bytes(bytes(data))


def test_a_flipped_byte_in_the_backup_is_caught_at_restore(marsad, samples, tmp_path, restored):
    marsad.run("ingest", str(samples["photo"]))
    dest = tmp_path / "backup"
    marsad.run("backup", str(dest))
    snapshot = dest / "snapshots" / (dest / "LATEST").read_text().strip()
    new = restored(marsad)
    sha = marsad.json("items")[0]["sha256"]
    blob = dest / "store" / sha[:2] / sha[2:4] / sha
    original = blob.read_bytes()
    _flip(blob)
    proc = new.run("restore", str(dest), "--home", str(new.home), check=1)
    assert f"blob {sha} is damaged in the backup" in proc.stdout and "nothing was restored" in proc.stdout
    assert not new.home.exists()
    blob.write_bytes(original)

    database = next(snapshot.glob("database.*"))
    _flip(database)
    proc = new.run("restore", str(dest), "--home", str(new.home), check=1)
    assert f"{database.name} does not match the manifest" in proc.stdout and not new.home.exists()
    _flip(database)

    _flip(snapshot / "files" / "keys" / "log.key", offset=3)
    proc = new.run("restore", str(dest), "--home", str(new.home), check=1)
    assert "files/keys/log.key does not match the manifest" in proc.stdout
    _flip(snapshot / "files" / "keys" / "log.key", offset=3)

    _flip(snapshot / "MANIFEST.json", offset=40)
    proc = new.run("restore", str(dest), "--home", str(new.home), check=1)
    assert "does not match its checksum" in proc.stderr and not new.home.exists()
    _flip(snapshot / "MANIFEST.json", offset=40)
    new.run("restore", str(dest), "--home", str(new.home))
    new.run("log", "verify")


def test_restore_refuses_a_folder_in_use(marsad, tmp_path):
    dest = tmp_path / "backup"
    marsad.run("backup", str(dest))
    proc = marsad.run("restore", str(dest), "--home", str(marsad.home), check=1)
    assert "not empty" in proc.stderr
    assert marsad.run("log", "verify").returncode == 0  # the workspace is untouched


@pytest.mark.slow
def test_backup_taken_during_an_ingest_restores_consistently(marsad, tmp_path, restored):
    folder = tmp_path / "reports"
    folder.mkdir()
    rng = random.Random(7)
    for n in range(250):
        (folder / f"report-{n:03d}.txt").write_text(f"report {n}: " + " ".join(
            rng.choice(["shelling", "market", "school", "hospital", "night", "morning"]) for _ in range(40)))
    dest = tmp_path / "backup"
    with open(tmp_path / "ingest.err", "w") as err:
        ingest = marsad.popen("ingest", str(folder), stdout=subprocess.DEVNULL, stderr=err)
    time.sleep(3)  # Django up, ingest under way
    running = ingest.poll() is None
    marsad.run("backup", str(dest))
    assert ingest.wait(300) == 0, (tmp_path / "ingest.err").read_text()
    assert running, "the ingest finished before the backup began: make it longer"
    backed_up = json.loads((next((dest / "snapshots").iterdir()) / "MANIFEST.json").read_text())["blobs"]
    assert 0 < backed_up

    new = restored(marsad)
    new.run("restore", str(dest), "--home", str(new.home))
    assert "OK" in new.run("log", "verify").stdout
    assert "0 problem(s)" in new.run("fixity").stdout
    count = len(new.json("items"))
    assert 0 < count <= 250 and len(marsad.json("items")) == 250



def test_backup_of_an_s3_store_restores_to_a_local_one(marsad, samples, tmp_path, restored, seaweed):
    bucket = seaweed.make_bucket(f"b-{uuid.uuid4().hex[:10]}", object_lock=True)
    marsad.env.update(seaweed.env | {"MARSAD_STORAGE": f"s3://{bucket}/ws"})
    marsad.run("ingest", str(samples["photo"]), str(samples["pdf"]))
    dest = tmp_path / "backup"
    out = marsad.run("backup", str(dest)).stdout
    assert "0 problem(s)" in out
    new = restored(marsad)
    new.run("restore", str(dest), "--home", str(new.home))
    assert "0 problem(s), 0 orphan(s)" in new.run("fixity").stdout
    new.run("log", "verify")
    assert _items(new) == _items(marsad)
    assert os.listdir(new.home / "store")
