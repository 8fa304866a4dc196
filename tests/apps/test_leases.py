"""Leases on running tasks: an expired one is returned to the queue, a renewed one is not;
tasks run twice record nothing twice."""

from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from django.db import transaction
from django.utils import timezone as dj_timezone

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


@pytest.mark.once
def test_stale_when_the_lease_expired_or_was_never_written_for_a_whole_lease():
    from marsad.workers.leases import is_stale, status_after_expiry

    second = timedelta(seconds=1)
    assert not is_stale(T0 + second, T0 - 100 * second, T0, 60, worker_dead_here=False)
    assert is_stale(T0 - second, T0 - 100 * second, T0, 60, worker_dead_here=False)
    assert not is_stale(None, T0 - 59 * second, T0, 60, worker_dead_here=False), "just claimed: lease coming"
    assert is_stale(None, T0 - 61 * second, T0, 60, worker_dead_here=False)
    assert is_stale(T0 + 50 * second, T0, T0, 60, worker_dead_here=True), "a dead process of this host: at once"
    assert [status_after_expiry(n, 3) for n in (1, 2, 3, 4)] == ["READY", "READY", "FAILED", "FAILED"]


def _running(worker: str, lease_until=None, attempts: int = 1):
    from django_tasks_db.models import DBTaskResult

    from marsad.evidence.tasks import analyse_item
    from marsad.workers.models import TaskLease

    result = analyse_item.enqueue("0" * 64)
    task = DBTaskResult.objects.get(id=result.id)
    for n in range(attempts):
        task.claim(worker if n == attempts - 1 else f"gone:{n}")
    if lease_until is not None:
        TaskLease.objects.create(task_id=task.id, worker=worker, lease_until=lease_until)
    return task.id


@pytest.mark.django_db
def test_reaper_returns_expired_tasks_and_leaves_live_ones(monkeypatch):
    from django_tasks_db.models import DBTaskResult

    from marsad.workers import leases
    from marsad.workers.models import TaskLease

    monkeypatch.setenv("MARSAD_TASK_LEASE_S", "2")
    monkeypatch.setenv("MARSAD_WORKER_HOST", "here")
    now = dj_timezone.now()
    live = _running("host-a:10", now + timedelta(seconds=30))
    expired = _running("host-b:11", now - timedelta(seconds=1))
    poisoned = _running("host-c:12", now - timedelta(seconds=1), attempts=leases.MAX_ATTEMPTS)
    dead_here = _running("here:999999999", now + timedelta(seconds=30))  # no such process

    released = {r.task_id: r.status for r in leases.reap()}
    assert released == {str(expired): "READY", str(poisoned): "FAILED", str(dead_here): "READY"}
    status = dict(DBTaskResult.objects.values_list("id", "status"))
    assert status[live] == "RUNNING" and status[expired] == "READY" and status[poisoned] == "FAILED"
    assert "stopped renewing" in DBTaskResult.objects.get(id=poisoned).traceback
    assert set(TaskLease.objects.values_list("task_id", flat=True)) == {live}
    assert leases.reap() == [], "released once"

    # the stalled worker wakes: its lease is gone, and another worker's lease is not its to renew
    assert not leases.renew(expired, "host-b:11", 2)
    DBTaskResult.objects.get(id=expired).claim("host-a:10")
    leases.take(expired, "host-a:10", 2)
    assert not leases.renew(expired, "host-b:11", 2) and leases.renew(expired, "host-a:10", 2)
    leases.give_back(expired, "host-b:11")
    assert TaskLease.objects.filter(task_id=expired).exists(), "a late worker does not drop the new lease"


@pytest.mark.django_db
def test_a_lease_never_written_expires_after_a_lease_from_the_claim(monkeypatch):
    from django_tasks_db.models import DBTaskResult

    from marsad.workers import leases

    monkeypatch.setenv("MARSAD_TASK_LEASE_S", "60")
    fresh = _running("host-a:1")
    old = _running("host-a:2")
    DBTaskResult.objects.filter(id=old).update(started_at=dj_timezone.now() - timedelta(seconds=61))
    assert [r.task_id for r in leases.reap()] == [str(old)]
    assert DBTaskResult.objects.get(id=fresh).status == "RUNNING"


@pytest.mark.django_db
def test_requeue_stalled_fails_the_expired_task_and_queues_the_item_afresh(monkeypatch):
    from django_tasks_db.models import DBTaskResult

    from marsad.evidence.ingest import requeue_stalled
    from marsad.evidence.models import Item

    sha = _item(7).sha256
    stale = _running("host-z:3", dj_timezone.now() - timedelta(seconds=1))
    DBTaskResult.objects.filter(id=stale).update(args_kwargs={"args": [sha], "kwargs": {}})
    Item.objects.filter(sha256=sha).update(analysis_task=str(stale))
    assert requeue_stalled() == [sha]
    assert DBTaskResult.objects.get(id=stale).status == "FAILED"
    fresh = Item.objects.get(sha256=sha).analysis_task
    assert DBTaskResult.objects.get(id=fresh).status == "READY"


def _item(n: int):
    from marsad.custody import log
    from marsad.evidence.models import Item

    sha = f"{n:064x}"
    with transaction.atomic():
        log.lock_head()
        now = dj_timezone.now()
        entry = log.record("ingest", item=sha, time=now,
                           outputs=[{"sha256": sha, "blake2b": "0" * 128, "size": 1, "mime": "image/jpeg"}])
        return Item.objects.create(sha256=sha, blake2b="0" * 128, size=1, mime="image/jpeg", kind="image",
                                   first_seen=now, log_index=entry.index)


@pytest.mark.django_db
def test_matching_run_twice_links_and_indexes_once(tmp_path, monkeypatch):
    """The second run may have read the fingerprint as unmatched before the first finished
    (two workers, one lease expired): under the index's lock it sees it matched, and stops."""
    monkeypatch.setenv("MARSAD_STORAGE", str(tmp_path / "store"))
    from marsad.cli.init import init_workspace
    from marsad.core.fingerprints.base import FrameHash
    from marsad.custody import log
    from marsad.custody.models import LogEntry
    from marsad.matching import service
    from marsad.matching.models import CopyLink, Fingerprint

    init_workspace()
    code = np.random.default_rng(3).integers(0, 256, 32, dtype=np.uint8).tobytes()
    a, b = _item(1), _item(2)
    for item in (a, b):
        with transaction.atomic():
            log.lock_head()
            service.record_fingerprint(item, "pdq", "test", [FrameHash(code, 100)])
    service.match_item(a.sha256)
    assert service.match_item(b.sha256)["links"] == 1
    assert service.match_item(b.sha256)["links"] == 0, "run again: nothing left to match"

    real = service.index_files
    appended = []

    class OtherRunFirst:
        """While this run waited for the lock, the other run matched and indexed the item."""

        def __init__(self):
            self.files = real()

        @contextmanager
        def writing(self):
            with self.files.writing():
                Fingerprint.objects.filter(item=b).update(indexed=True)
                yield

        def append(self, *args):
            appended.append(args)

    Fingerprint.objects.filter(item=b).update(indexed=False)
    events = LogEntry.objects.count()
    monkeypatch.setattr(service, "index_files", OtherRunFirst)
    assert service.match_item(b.sha256)["links"] == 0
    assert appended == [] and CopyLink.objects.count() == 1 and LogEntry.objects.count() == events


@pytest.mark.django_db
def test_analysis_run_twice_records_once(tmp_path, monkeypatch):
    monkeypatch.setenv("MARSAD_STORAGE", str(tmp_path / "store"))
    from PIL import Image

    from marsad.cli.init import init_workspace
    from marsad.custody import log
    from marsad.custody.models import LogEntry
    from marsad.evidence.ingest import ingest_stream
    from marsad.evidence.models import AnalysisResult, Derivative
    from marsad.evidence.tasks import analyse_item
    from marsad.matching.models import Fingerprint
    from marsad.plugins.files import FilesSource

    init_workspace()
    photo = tmp_path / "p.jpg"
    Image.fromarray(np.random.default_rng(1).integers(0, 256, (40, 60, 3), dtype=np.uint8)).save(photo)
    [outcome] = ingest_stream(FilesSource().sightings(str(photo)), log.actor_id("tester"))
    first = analyse_item.call(outcome.sha256)
    counts = (LogEntry.objects.count(), AnalysisResult.objects.count(), Derivative.objects.count(),
              Fingerprint.objects.count())
    second = analyse_item.call(outcome.sha256)
    assert first["analysis"] == "done" and second.get("skipped")
    assert counts[1:] == (3, 1, 1)
    assert (LogEntry.objects.count(), AnalysisResult.objects.count(), Derivative.objects.count(),
            Fingerprint.objects.count()) == counts
