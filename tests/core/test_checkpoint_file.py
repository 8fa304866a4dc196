"""The checkpoints file and a verifier's cache: plain signed notes, torn writes named;
a workspace without its Django key refuses to run."""

import pytest

from marsad.core.custody.checkpoints import CheckpointFileError, VerifierCache, append_note, read_notes, split_notes
from marsad.core.custody.note import Checkpoint, Signer, open_checkpoint
from marsad.core.workspace import MissingSecretKey, Workspace

SIGNER = Signer.generate("example.org/log")


def note(size: int) -> str:
    return SIGNER.sign(Checkpoint(SIGNER.name, size, bytes([size]) * 32).text())


@pytest.mark.once
def test_notes_are_appended_and_read_back_exactly(tmp_path):
    path = tmp_path / "checkpoints"
    for size in (1, 2, 3):
        append_note(path, note(size))
    notes = read_notes(path)
    assert notes == [note(1), note(2), note(3)]
    assert [open_checkpoint(n, SIGNER.verifier()).size for n in notes] == [1, 2, 3]
    assert split_notes(note(4)) == [note(4)], "a single note (a bundle's log/checkpoint) reads the same"
    text = path.read_text()
    with pytest.raises(CheckpointFileError, match="incomplete write"):
        split_notes(text + note(5)[:30])
    with pytest.raises(CheckpointFileError, match="incomplete write"):
        split_notes(text + note(5).split("\n\n")[0] + "\n")


@pytest.mark.once
def test_the_cache_is_per_log_and_per_workspace_folder(tmp_path):
    cache = VerifierCache(tmp_path / "cache")
    assert cache.load(SIGNER.name, tmp_path / "a") is None
    cache.store(SIGNER.name, tmp_path / "a", note(7))
    assert cache.load(SIGNER.name, tmp_path / "a") == note(7)
    assert cache.load(SIGNER.name, tmp_path / "b") is None, "a copy restored elsewhere starts its own"
    assert cache.load("example.org/other", tmp_path / "a") is None


@pytest.mark.once
def test_a_workspace_without_its_django_key_refuses(tmp_path):
    assert Workspace(tmp_path / "none").secret_key() == ""  # no workspace yet: nothing is keyed
    ws = Workspace(tmp_path / "ws")
    ws.create()
    key = ws.secret_key()
    assert len(key) > 40
    ws.secret_key_path.unlink()
    with pytest.raises(MissingSecretKey, match="django.key is missing"):
        ws.secret_key()
    ws.create()  # `marsad init` makes a new one
    assert ws.secret_key() not in ("", key)
