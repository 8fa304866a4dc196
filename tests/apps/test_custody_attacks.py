"""Custody against someone who can write the database (issue 14): they can rewrite the
log's tables so that they agree again, but not the checkpoints kept outside them."""

from datetime import datetime, timezone

import pytest
from django.db import transaction

from marsad.core.custody.checkpoints import read_notes
from marsad.core.custody.note import Checkpoint as Body
from marsad.core.custody.note import Signer
from marsad.core.workspace import Workspace
from marsad.custody import log
from marsad.custody.models import Checkpoint
from marsad.custody.verify import Outside, verify_log

from .custody_tamper import back_date, drop_newest


@pytest.fixture
def workspace_log(db):
    from marsad.cli.init import init_workspace

    init_workspace()


@pytest.fixture
def checkpoints_file(tmp_path, monkeypatch):
    """The workspace's checkpoints file, in this test's own folder (the session's workspace is shared)."""
    path = tmp_path / "checkpoints"
    monkeypatch.setattr(Workspace, "checkpoints_path", property(lambda self: path))
    return path


def annotate(count: int, django_capture_on_commit_callbacks) -> None:
    """Events without database rows (so deleting them leaves no orphan row), then a checkpoint,
    committed: the checkpoint goes to the file as it does outside a test's transaction."""
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            for n in range(count):
                log.record("annotate", item="a" * 64, details={"note": f"seen {n}"})
        log.sign_checkpoint()


def outside(path) -> list[Outside]:
    return [Outside(f"file #{n}", note) for n, note in enumerate(read_notes(path), 1)]


def test_deleting_the_newest_events_with_their_checkpoints_is_caught(
        workspace_log, checkpoints_file, django_capture_on_commit_callbacks):
    annotate(3, django_capture_on_commit_callbacks)
    size = log.size()
    notes = read_notes(checkpoints_file)
    assert [Body.parse(n.split("\n\n")[0] + "\n").size for n in notes][-1] == size  # started from the database
    drop_newest(3)
    assert verify_log().ok, "the database alone cannot tell: this is the attack"
    report = verify_log(outside=outside(checkpoints_file))
    assert not report.ok
    assert f"(size {size}): the log holds only {size - 3} events; signed events were removed" in "\n".join(
        report.problems)


def test_a_rewritten_history_and_a_forged_checkpoint_are_caught(workspace_log, checkpoints_file,
                                                                django_capture_on_commit_callbacks):
    annotate(2, django_capture_on_commit_callbacks)
    index = log.size() - 2
    kept = outside(checkpoints_file)
    back_date(index, datetime(2018, 3, 1, tzinfo=timezone.utc))
    text = "\n".join(verify_log().problems)
    assert "but no signed checkpoint, in the database or outside it" in text
    assert f"event #{index} is dated 2018-03-01 00:00:00, before event" in text and "back-dated" in text

    text = "\n".join(verify_log(outside=kept).problems)
    assert "no longer give this signed root" in text

    forged = Signer.generate(kept[-1].note.split("\n")[0]).sign(Body.parse(kept[-1].note.split("\n\n")[0] + "\n").text())
    assert "file: note is not signed by the key" in "\n".join(verify_log(outside=[Outside("file", forged)]).problems)


def test_every_committed_checkpoint_is_appended_once(workspace_log, checkpoints_file,
                                                    django_capture_on_commit_callbacks):
    annotate(1, django_capture_on_commit_callbacks)
    first = read_notes(checkpoints_file)
    annotate(1, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        log.sign_checkpoint()  # nothing new: nothing appended
    notes = read_notes(checkpoints_file)
    assert notes[:-1] == first and notes[-1] == Checkpoint.objects.order_by("-size").first().note
    report = verify_log(outside=outside(checkpoints_file))
    assert report.ok, report.problems
    assert report.latest_note == notes[-1]
