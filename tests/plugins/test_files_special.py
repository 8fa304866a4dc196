"""Links, FIFOs and linked folders are reported by name, never passed over with exit 0."""

import os

import pytest

from marsad.plugins.files import FilesSource

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs and symlinks (POSIX)")


def _all(locator):
    return [(os.path.basename(s.display_path), s.error, s.notice) for s in FilesSource().sightings(str(locator))]


def test_a_symlinked_file_given_by_name_is_read_with_a_note(tmp_path):
    (tmp_path / "real.jpg").write_bytes(b"evidence")
    (tmp_path / "link.jpg").symlink_to(tmp_path / "real.jpg")
    [(name, error, notice)] = _all(tmp_path / "link.jpg")
    assert name == "link.jpg" and error is None and "a symbolic link" in notice and "real.jpg" in notice


def test_a_fifo_given_by_name_or_found_in_a_folder_is_a_named_failure(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    assert _all(tmp_path / "pipe") == [("pipe", "not a regular file (a FIFO); not read", "")]
    assert ("pipe", "not a regular file (a FIFO); not read", "") in _all(tmp_path)


def test_a_symlinked_folder_inside_the_tree_is_reported_not_followed(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "private.txt").write_text("the documenter's own")
    tree = tmp_path / "dump"
    tree.mkdir()
    (tree / "a.txt").write_text("a")
    (tree / "linked").symlink_to(outside, target_is_directory=True)
    found = _all(tree)
    assert ("a.txt", None, "") in found
    assert ("linked", "a symbolic link to a folder; not followed (name it to read it)", "") in found
    assert not any(name == "private.txt" for name, _, _ in found)
    assert ("private.txt", None, "") in _all(tree / "linked")  # named, it is read


def test_ingest_of_a_fifo_exits_non_zero(marsad, tmp_path):
    os.mkfifo(tmp_path / "pipe")
    run = marsad.run("ingest", str(tmp_path / "pipe"), check=1)
    assert "not a regular file (a FIFO)" in run.stdout
