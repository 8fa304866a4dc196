"""`marsad ingest .` beside the workspace never preserves the workspace (its private keys,
database and store) as evidence; the workspace is its owner's alone (0700, database 0600)."""

import os
import stat

import pytest

from marsad.core.sources import SourceError
from marsad.core.workspace import Workspace
from marsad.plugins.files import FilesSource


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.once
def test_walk_skips_a_workspace_and_refuses_one_named(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    ws = Workspace(tmp_path / "marsad-data")
    ws.create()
    (tmp_path / "clip.txt").write_text("evidence")
    source = FilesSource()
    names = [s.display_path for s in source.sightings(str(tmp_path))]
    assert names == [str(tmp_path / "clip.txt")]
    assert source.skipped == [str(ws.home)]
    for inside in (ws.home, ws.keys_dir, ws.signing_key_path):
        with pytest.raises(SourceError, match="never ingested"):
            list(FilesSource().sightings(str(inside)))
    assert _mode(ws.home) == _mode(ws.store_dir) == _mode(ws.keys_dir) == 0o700
    assert _mode(ws.database) == 0o600


def test_ingest_dot_beside_the_workspace(marsad, tmp_path):
    (tmp_path / "clip.txt").write_text("evidence")
    run = marsad.run("ingest", ".", "--no-wait", cwd=tmp_path)
    assert "skipped" in run.stderr and str(marsad.home) in run.stderr.replace("\n", ""), run.stderr
    items = marsad.json("items")
    assert len(items) == 1 and items[0]["size"] == len("evidence")
    assert _mode(marsad.home) == 0o700
