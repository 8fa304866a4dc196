"""A blob damaged or lost in the store is repaired when its original is ingested again."""

import hashlib
import json
import os

import pytest

from marsad.core.store import LocalStore


def _blob(root, sha):
    return root / sha[:2] / sha[2:4] / sha


@pytest.mark.once
def test_store_keeps_a_verified_copy_and_replaces_the_damaged_blob(tmp_path):
    store = LocalStore(tmp_path / "store")
    data = os.urandom(5000)
    first = store.put_bytes(data)
    assert store.put_bytes(data).repair_from == ""  # intact: nothing kept aside
    path = _blob(store.root, first.sha256)
    path.chmod(0o644)
    path.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))  # one bit flipped, same size
    again = store.put_bytes(data)
    assert again.repair_from and not again.created
    assert not store.repair(again, first.sha256, "0" * 128), "a copy not matching the recorded BLAKE2b is refused"
    assert path.read_bytes() != data
    assert store.repair(again, first.sha256, first.blake2b)
    assert path.read_bytes() == data and (path.stat().st_mode & 0o777) == 0o444
    assert not os.path.exists(again.repair_from) and list(store.tmp.iterdir()) == []


def test_reingesting_the_original_repairs_a_changed_and_a_missing_blob(marsad, tmp_path):
    folder = tmp_path / "evidence"
    folder.mkdir()
    a, b = os.urandom(3000), os.urandom(3000)
    (folder / "a.bin").write_bytes(a)
    (folder / "b.bin").write_bytes(b)
    marsad.run("ingest", str(folder), "--no-wait")
    changed, missing = hashlib.sha256(a).hexdigest(), hashlib.sha256(b).hexdigest()
    assert {i["sha256"] for i in marsad.json("items")} == {changed, missing}
    store = marsad.home / "store"
    path = _blob(store, changed)
    path.chmod(0o644)
    path.write_bytes(b"overwritten")
    _blob(store, missing).unlink()
    broken = marsad.run("fixity", check=None)
    assert broken.returncode != 0 and "CHANGED" in broken.stdout and "MISSING" in broken.stdout

    again = marsad.run("ingest", str(folder), "--no-wait")
    assert "repaired" in again.stdout
    assert _blob(store, changed).read_bytes() == a and _blob(store, missing).read_bytes() == b
    fixed = marsad.run("fixity")
    assert "0 problem(s)" in fixed.stdout
    lines = marsad.run("log", "show", "--json").stdout.splitlines()
    events = [json.loads(line)["leaf"] for line in lines]
    repairs = {e["item"]: e["outputs"][0]["was"] for e in events if e["type"] == "repair"}
    assert repairs == {changed: "changed", missing: "missing"}
    assert "OK" in marsad.run("log", "verify").stdout
    assert list((store / "tmp").iterdir()) == []
