"""Redaction review on the item page, through Django's test client: who may make,
see and decide on a redacted copy; bad boxes lose nothing; each step is a custody
event; only an approved copy is the one `approved_redaction` gives for publishing."""

from __future__ import annotations

import io
import json

import pytest
from django.test import Client
from PIL import Image

pytest.importorskip("skimage", reason="scikit-image (the test extra) ships the sample photos with faces")
pytestmark = pytest.mark.django_db


def _as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def witness(team, tmp_path, monkeypatch):
    """A photo with two faces in the team's project, its bytes stored."""
    from marsad.cli.init import init_workspace
    from marsad.core.redact import samples
    from marsad.custody import log
    from marsad.evidence.ingest import ingest
    from marsad.plugins.files import FilesSource

    monkeypatch.setenv("MARSAD_STORAGE", str(tmp_path / "store"))
    init_workspace()
    bgr, _ = samples.composite([40, 64], 320, 180, seed=4)
    photo = tmp_path / "witness.jpg"
    Image.fromarray(bgr[:, :, ::-1]).save(photo, "JPEG")
    [outcome] = ingest(FilesSource().sightings(str(photo)), log.actor_id("t"), project=team["project"].pk)
    return {**team, "sha": outcome.sha256}


def test_roles_make_see_and_decide_and_each_step_is_recorded(witness):
    from marsad.custody.models import LogEntry
    from marsad.custody.verify import verify_log
    from marsad.evidence.ingest import store
    from marsad.evidence.models import Derivative, Item
    from marsad.evidence.redaction import approved_redaction

    sha = witness["sha"]
    page, redact = f"/en/items/{sha}/", f"/en/items/{sha}/redact/"
    viewer, restricted, editor = _as(witness["viewer"]), _as(witness["restricted"]), _as(witness["editor"])

    # Nobody but an editor (or above) makes one; a bad box is refused with the text kept, nothing recorded.
    for who in (viewer, restricted):
        assert who.post(redact, {"boxes": "0,0,20,20"}).status_code == 403
    assert _as(witness["outsider"]).post(redact, {}).status_code == 404
    bad = editor.post(redact, {"boxes": "0,0,20,20\n5,5"})
    assert bad.status_code == 400 and "Line 2 is not a region" in bad.content.decode()
    assert "0,0,20,20\n5,5</textarea>" in bad.content.decode()
    assert not Derivative.objects.filter(role__startswith="redacted").exists()

    made = editor.post(redact, {"boxes": "0,0,20,20"})
    assert made.status_code == 302 and made["Location"].endswith("#redaction")
    copy = Derivative.objects.get(item__sha256=sha, role="redacted")
    leaf = json.loads(bytes(LogEntry.objects.get(index=copy.log_index).leaf))
    assert leaf["type"] == "derive" and leaf["outputs"][0]["faces"] == 2 and leaf["outputs"][0]["regions"] == 1
    shown = editor.get(page).content.decode()
    assert "awaiting review" in shown and "2 faces found and blurred" in shown and "0,0,20,20" in shown
    assert 'value="approve"' in shown and 'id="redact-form"' in shown

    # Seeing it: roles that may see the original; the bytes are the stored derivative, metadata-free.
    url = f"/en/items/{sha}/redacted/{copy.sha256}/"
    got = _body(viewer.get(url))
    assert got == store().path(copy.sha256).read_bytes() and Image.open(io.BytesIO(got)).getexif() == {}
    assert viewer.get(f"/en/items/{sha}/redacted/{sha}/").status_code == 404  # the original is no redacted copy
    viewer_page = viewer.get(page).content.decode()
    assert copy.sha256 in viewer_page and 'value="approve"' not in viewer_page and 'id="redact-form"' not in viewer_page
    assert restricted.get(url).status_code == 403
    restricted_page = restricted.get(page).content.decode()
    assert 'id="redaction"' not in restricted_page and copy.sha256 not in restricted_page

    # Graphic: nothing of the original or the copy is loaded before "Show".
    Item.objects.filter(sha256=sha).update(graphic=True)
    veiled = editor.get(page).content.decode()
    assert f' src="/en/items/{sha}/media/"' not in veiled and f' src="{url}"' not in veiled
    assert f'data-src="/en/items/{sha}/media/"' in veiled and f'data-src="{url}"' in veiled
    Item.objects.filter(sha256=sha).update(graphic=False)

    # Deciding: not a viewer's; approve, then reject, each a review event naming the copy.
    decide = f"/en/items/{sha}/redacted/{copy.sha256}/decide/"
    assert viewer.post(decide, {"decision": "approve"}).status_code == 403
    assert approved_redaction(Item.objects.get(sha256=sha)) is None
    assert editor.post(decide, {"decision": "approve", "reason": "all faces covered"}).status_code == 302
    copy.refresh_from_db()
    assert approved_redaction(copy.item) == copy and copy.decided_by == witness["editor"]
    event = LogEntry.objects.get(index=copy.decision_log_index)
    outputs = json.loads(bytes(event.leaf))["outputs"]
    assert event.type == "review" and event.item == sha and event.details == {"reason": "all faces covered"}
    assert outputs == [{"action": "redaction-approved", "sha256": copy.sha256}]
    assert "Approved by <bdi>editor</bdi>" in editor.get(page).content.decode()
    assert editor.post(decide, {"decision": "reject"}).status_code == 302
    assert approved_redaction(copy.item) is None
    assert verify_log().ok


def test_a_long_video_is_queued_for_a_worker(team, samples, tmp_path, monkeypatch):
    from django_tasks_db.models import DBTaskResult

    from marsad.access import service as access
    from marsad.cli.init import init_workspace
    from marsad.custody import log
    from marsad.evidence.ingest import ingest
    from marsad.evidence.models import Derivative
    from marsad.plugins.files import FilesSource
    from marsad.web.items import redaction

    monkeypatch.setenv("MARSAD_STORAGE", str(tmp_path / "store"))
    monkeypatch.setattr(redaction, "SYNC_VIDEO_S", 1.0)
    init_workspace()
    [video] = ingest(FilesSource().sightings(str(samples["video"])), log.actor_id("t"), project=team["project"].pk)
    editor = _as(team["editor"])
    assert editor.post(f"/en/items/{video.sha256}/redact/", {"boxes": "0,0,40,40@1-2"}).status_code == 302
    task = DBTaskResult.objects.get(task_path="marsad.web.items.tasks.redact_later")
    assert task.args_kwargs["args"][:2] == [video.sha256, [{"box": [0, 0, 40, 40], "start": 1.0, "end": 2.0}]]
    assert not Derivative.objects.filter(role__startswith="redacted").exists()  # made by the worker, not here
    assert "is queued" in editor.get(f"/en/items/{video.sha256}/").content.decode()

    # What the worker runs: the regions come back from JSON, the copy is recorded as the editor's.
    from marsad.web.items.tasks import redact_later

    done = redact_later.call(*task.args_kwargs["args"])
    copy = Derivative.objects.get(item__sha256=video.sha256, role="redacted")
    assert done["sha256"] == copy.sha256 and copy.mime == "video/mp4"
    access.set_role(team["editor"], team["project"], "viewer", actor="actor:test")
    assert redact_later.call(*task.args_kwargs["args"]) == {"done": False, "reason": "not allowed any more"}
