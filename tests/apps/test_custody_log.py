"""The custody log in the database: atomic appends, and `verify` catching each kind of tampering."""

import pytest
from django.db import connection, transaction

from marsad.core.custody import merkle
from marsad.core.custody.note import Checkpoint as Body
from marsad.core.custody.note import Signer
from marsad.custody import log
from marsad.custody.models import Checkpoint, LogEntry
from marsad.custody.verify import verify_log
from marsad.evidence.models import Capture, Derivative, Item


def problems():
    return "\n".join(verify_log().problems)


def test_fresh_log_verifies_and_every_row_has_its_event(ingested):
    report = verify_log()
    assert report.ok, report.problems
    from marsad.evidence.models import AnalysisResult
    from marsad.matching.models import CopyLink, Fingerprint

    tables = [Item, Capture, Derivative, AnalysisResult, Fingerprint, CopyLink]
    assert report.rows_checked == sum(t.objects.count() for t in tables)
    assert Fingerprint.objects.count() == 9  # six photos and three videos (the damaged ones cannot be)
    assert report.unsigned_tail == 0


@pytest.mark.django_db(transaction=True)
def test_append_outside_a_transaction_is_refused_and_rollback_leaves_no_leaf():
    from marsad.cli.init import init_workspace

    init_workspace()
    before = log.size()
    with pytest.raises(log.NotInTransaction):
        log.record("annotate", item="0" * 64)
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            log.record("annotate", item="0" * 64)
            raise RuntimeError("the change failed")
    assert log.size() == before == LogEntry.objects.count()
    assert not connection.in_atomic_block


def test_proofs_from_the_database_verify_against_the_checkpoint(ingested):
    cp = Checkpoint.objects.order_by("-size").first()
    for entry in LogEntry.objects.filter(index__lt=cp.size):
        proof = merkle.inclusion_proof(entry.index, cp.size, log.fetch_nodes)
        merkle.verify_inclusion(entry.index, cp.size, bytes(entry.leaf_hash), proof, bytes(cp.root))


def test_changed_leaf_is_detected(ingested):
    entry = LogEntry.objects.get(index=3)
    entry.leaf = bytes(entry.leaf).replace(b'"capture"', b'"kapture"') if b'"capture"' in bytes(entry.leaf) else bytes(entry.leaf)[:-1] + b" "
    entry.save()
    assert "leaf #3: stored bytes do not match" in problems()


def test_changed_leaf_with_recomputed_hash_breaks_the_signed_root(ingested):
    entry = LogEntry.objects.get(index=2)
    leaf = bytes(entry.leaf).replace(b"2026", b"2018", 1) if b"2026" in bytes(entry.leaf) else bytes(entry.leaf) + b" "
    LogEntry.objects.filter(index=2).update(leaf=leaf, leaf_hash=merkle.leaf_hash(leaf))
    assert "no longer give the signed root" in problems()


def test_removed_leaf_is_detected(ingested):
    LogEntry.objects.filter(index=5).delete()
    text = problems()
    assert "leaf #5: missing" in text


def test_removed_last_leaf_is_detected(ingested):
    last = LogEntry.objects.order_by("-index").first()
    last.delete()
    assert "leaves were removed" in problems()


def test_inserted_leaf_is_detected(ingested):
    for entry in LogEntry.objects.filter(index__gte=4).order_by("-index"):
        LogEntry.objects.filter(index=entry.index).update(index=entry.index + 1)
    fake = log.event("ingest", item="f" * 64).leaf()
    LogEntry.objects.create(index=4, leaf=fake, leaf_hash=merkle.leaf_hash(fake), type="ingest",
                            item="f" * 64, time=LogEntry.objects.get(index=3).time)
    assert "no longer give the signed root" in problems()


def test_reordered_leaves_are_detected(ingested):
    a, b = LogEntry.objects.get(index=6), LogEntry.objects.get(index=7)
    fields = ["leaf", "leaf_hash", "type", "item", "time", "details"]
    va, vb = [getattr(a, f) for f in fields], [getattr(b, f) for f in fields]
    LogEntry.objects.filter(index=6).update(**dict(zip(fields, vb)))
    LogEntry.objects.filter(index=7).update(**dict(zip(fields, va)))
    text = problems()
    assert "no longer give the signed root" in text


def test_changed_item_sha256_is_detected(ingested):
    item = Item.objects.filter(kind="video").first()
    Item.objects.filter(pk=item.pk).update(sha256="0" * 64)
    assert "differ from its ingest event" in problems()


def test_changed_capture_time_is_detected(ingested):
    capture = Capture.objects.first()
    Capture.objects.filter(pk=capture.pk).update(ingested_at=capture.ingested_at.replace(year=2018))
    assert f"capture #{capture.pk}: its capture time" in problems()


def test_changed_capture_source_is_detected(ingested):
    capture = Capture.objects.first()
    Capture.objects.filter(pk=capture.pk).update(url="https://example.org/another-source")
    assert f"capture #{capture.pk}: its source details" in problems()


def test_row_without_event_and_event_without_row_are_detected(ingested):
    Derivative.objects.filter(role="poster").first().delete()
    Item.objects.create(sha256="e" * 64, blake2b="0", size=1, mime="text/plain", kind="document",
                        first_seen=Item.objects.first().first_seen, log_index=10**9)
    text = problems()
    assert "derive event whose database row is missing" in text
    assert "has no ingest event in the log" in text


def test_checkpoint_signed_by_another_key_is_detected(ingested):
    cp = Checkpoint.objects.order_by("-size").first()
    body = Body.parse(cp.note.split("\n\n")[0] + "\n")
    impostor = Signer.generate(body.origin)
    Checkpoint.objects.filter(pk=cp.pk).update(note=impostor.sign(body.text()))
    assert f"checkpoint at size {cp.size}" in problems()
    assert "not signed by the key" in problems()


def test_changed_restricted_details_are_detected(ingested):
    entry = LogEntry.objects.filter(type="capture").first()
    LogEntry.objects.filter(pk=entry.pk).update(details={"original_path": "/elsewhere"})
    assert f"leaf #{entry.index}: restricted details" in problems()


def test_a_crashing_analysis_is_recorded_not_left_pending(ingested, monkeypatch):
    from marsad.core.sources import Sighting
    from marsad.evidence import analysis
    from marsad.evidence.ingest import ingest

    class Broken:
        name = "broken"

        def applies(self, kind):
            return True

        def tool(self):
            return {"name": "broken", "version": "1"}

        def run(self, path, kind, earlier):
            raise KeyError("a bug")

    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".txt") as f:
        f.write(b"a new report")
        f.flush()
        (outcome,) = ingest([Sighting("files", f.name.encode(), f.name, "r.txt")], log.actor_id("t"))
    monkeypatch.setattr(analysis, "STEPS", [Broken()])
    with pytest.raises(KeyError):
        analysis.analyse_or_record_crash(outcome.sha256)
    item = Item.objects.get(sha256=outcome.sha256)
    assert item.analysis == "failed" and "internal error: KeyError" in item.analysis_errors[0]["reason"]
    assert verify_log().ok


def test_task_left_running_by_a_dead_worker_is_queued_again(ingested):
    import socket

    from django_tasks_db.models import DBTaskResult

    from marsad.evidence.ingest import requeue_stalled

    item = Item.objects.first()
    Item.objects.filter(pk=item.pk).update(analysis="pending")
    DBTaskResult.objects.filter(id=item.analysis_task).update(
        status="RUNNING", worker_ids=[f"{socket.gethostname()[:40]}:999999999"])
    assert requeue_stalled() == [item.sha256]
    assert DBTaskResult.objects.get(id=item.analysis_task).status == "FAILED"
    fresh = Item.objects.get(pk=item.pk).analysis_task
    assert fresh != item.analysis_task and DBTaskResult.objects.get(id=fresh).status == "READY"
    assert requeue_stalled() == [], "a queued task is not queued twice"
