"""Ingest: preserve each sighting's bytes, then record Item, Capture and their
custody events in one transaction, and queue the item's analysis.

Order matters for crash safety: the blob is written (atomically) before the
rows that point at it, so a crash leaves at worst a blob without a row, which
the next run adopts. Rows, events and the queued task commit together.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from marsad.core.mediatype import detect_mime, kind_of
from marsad.core.sources import Sighting, storable
from marsad.core.store import LocalStore, StoreError
from marsad.custody import log

from .models import Capture, Item

logger = logging.getLogger(__name__)


class Status(StrEnum):
    NEW = "new"  # new bytes: a new item
    KNOWN = "known"  # bytes already held: a new capture of an existing item
    SEEN = "seen"  # this very sighting was already recorded (a re-run)
    FAILED = "failed"


@dataclass(frozen=True)
class Outcome:
    display_path: str
    status: Status
    sha256: str = ""
    kind: str = ""
    reason: str = ""  # why it failed; for other outcomes, a notice from the source


def store() -> LocalStore:
    from marsad import conf
    from marsad.core.store import open_store

    return open_store(conf.get("storage") or settings.WORKSPACE.store_dir, cache=settings.WORKSPACE.home / "cache",
                      retention_days=conf.get("s3_retention_days"))


def ingest_sighting(sighting: Sighting, actor: str, blob_store: LocalStore, project: int | None = None) -> Outcome:
    """Preserve and record one sighting; the item is then held by `project` (default: the default project)."""
    from marsad.access.service import default_project

    return _record_stored([_store_blob(sighting, blob_store)], actor, blob_store, project or default_project().pk)[0]


def _repair(item: Item, blob, blob_store: LocalStore, actor: str) -> str | None:
    """Where the store's copy of a recorded item had changed or gone and this sighting holds
    its bytes, put them back (verified against the digests recorded at ingest) and record
    a "repair" event; what was wrong, or None when nothing was. Inside the ingest's
    transaction, after the log is locked."""
    if not hasattr(blob_store, "repair"):  # S3: objects are written once, never replaced (Object Lock)
        return None
    if blob.created and _written_after(item, blob_store.path(blob.sha256)):
        was = "missing"  # the store had no blob: this sighting's bytes were linked in afresh
    elif blob.repair_from and blob_store.repair(blob, item.sha256, item.blake2b):
        was = "changed"
    else:
        return None
    log.record("repair", item=item.sha256, actor=actor,
               inputs=[{"sha256": blob.sha256, "blake2b": blob.blake2b, "size": blob.size}],
               outputs=[{"sha256": item.sha256, "was": was}])
    logger.warning("repaired the stored copy of %s (it was %s) from a new copy", item.sha256, was)
    return was


def _written_after(item: Item, path) -> bool:
    """Whether the blob we wrote came after the item was recorded (it had gone missing), not
    before (another ingest of the same new file recorded the item while we were writing)."""
    try:
        return path.stat().st_mtime > item.first_seen.timestamp()
    except OSError:
        return False


def _with_repair(notice: str, repaired: str | None) -> str:
    if not repaired:
        return notice
    said = f"the stored copy was {repaired}: repaired from this file (verified, recorded)"
    return f"{notice}; {said}" if notice else said


def _queue_analysis(item: Item, task) -> None:
    result = task.enqueue(item.sha256)
    item.analysis_task = str(result.id)
    item.save(update_fields=["analysis_task"])


def enqueue_each(task, shas: list[str]) -> list[str]:
    """Queue `task` once for each item, as `task.enqueue(sha)` would, and return the task ids.
    With the database task backend the rows go in with one bulk insert: one INSERT (and one
    model save) per task was a fifth of a bulk import's time."""
    from django_tasks.signals import task_enqueued
    from django_tasks.utils import normalize_json
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult, get_date_max

    backend = task.get_backend()
    if not isinstance(backend, DatabaseBackend):
        return [str(task.enqueue(sha).id) for sha in shas]
    backend.validate_task(task)
    # What DatabaseBackend.enqueue writes; run_after as its pre_save handler sets it
    # (bulk_create sends no signals).
    rows = [DBTaskResult(id=backend._get_id(), args_kwargs=normalize_json({"args": [sha], "kwargs": {}}),
                         priority=task.priority, task_path=task.module_path, queue_name=task.queue_name,
                         run_after=task.run_after or get_date_max(), backend_name=backend.alias)
            for sha in shas]
    DBTaskResult.objects.bulk_create(rows)
    for row in rows:
        task_enqueued.send(type(backend), task_result=row.task_result)
    return [str(row.id) for row in rows]


def worker_id() -> str:
    """Host and process of a worker (see marsad.workers.leases)."""
    from marsad.workers.leases import worker_id as leased_worker_id

    return leased_worker_id()


def requeue_stalled() -> list[str]:
    """Queue analysis again for items whose task is gone, failed, or whose worker stopped
    renewing its lease (killed, host gone; a dead process of this host at once): that task is
    marked FAILED and the work queued afresh. Returns the items. Pending items are read in
    chunks, so a large backlog costs no memory."""
    from django_tasks_db.models import DBTaskResult

    from marsad.workers.leases import reap

    from .tasks import analyse_item

    reap(requeue=False)
    running = {str(t) for t in DBTaskResult.objects.filter(status="RUNNING").values_list("id", flat=True)}
    requeued = []
    pending = Item.objects.filter(analysis=Item.Analysis.PENDING).only("id", "sha256", "analysis_task").order_by("id")
    last = 0
    while chunk := list(pending.filter(id__gt=last)[:2000]):
        last = chunk[-1].id
        ready = {str(i) for i in DBTaskResult.objects.filter(
            id__in=[t for t in (_uuid(i.analysis_task) for i in chunk) if t], status="READY").values_list("id", flat=True)}
        for item in chunk:
            if item.analysis_task not in ready and item.analysis_task not in running:
                with transaction.atomic():
                    _queue_analysis(item, analyse_item)
                requeued.append(item.sha256)
    requeued += _requeue_matching(running)
    return requeued


def _uuid(text: str):
    import uuid

    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def _requeue_matching(running: set[str]) -> list[str]:
    from django_tasks_db.models import DBTaskResult

    from marsad.matching.models import Fingerprint
    from marsad.matching.tasks import match_item

    queued = {
        args["args"][0]
        for task_id, status, args in DBTaskResult.objects.filter(task_path__endswith="match_item").exclude(
            status__in=["SUCCESSFUL", "FAILED"]).values_list("id", "status", "args_kwargs")
        if status == "READY" or str(task_id) in running
    }
    waiting = Fingerprint.objects.filter(indexed=False, match_error="").values_list("item__sha256", flat=True)
    stalled = set(waiting) - queued
    for sha in stalled:
        match_item.enqueue(sha)
    return sorted(stalled)


def pending_work(shas: set[str]) -> int:
    """How many of these items still await analysis or matching."""
    from marsad.matching.models import Fingerprint

    unanalysed = Item.objects.filter(sha256__in=shas, analysis=Item.Analysis.PENDING).values_list("sha256", flat=True)
    unmatched = Fingerprint.objects.filter(item__sha256__in=shas, indexed=False, match_error="").values_list(
        "item__sha256", flat=True)
    return len(set(unanalysed) | set(unmatched))


BATCH_SIGHTINGS = 500  # one batch: one flush of the store, one commit; a crash redoes at most this many
BATCH_SECONDS = 1.0
_LARGE = 16 << 20  # a file this big is stored before its batch begins, so the log is not held while it copies


def ingest_stream(sightings: Iterable[Sighting], actor: str, project: int | None = None) -> Iterator[Outcome]:
    """Preserve and record each sighting as it comes (a source that streams, a large
    export, is never held whole in memory). Sightings are taken in batches of up to
    BATCH_SIGHTINGS or BATCH_SECONDS: their blobs are stored first, then all their rows
    and custody events are written in one transaction (bulk inserts, one append to the
    log); each outcome is yielded once its batch has committed. A crash loses at most
    the open batch's rows, whose blobs the next run adopts."""
    from marsad.access.service import default_project

    project = project or default_project().pk
    blob_store = store()
    blob_store.sweep_temporary()
    stream = iter(sightings)
    held: Sighting | None = None  # a large file that ended the previous batch
    while True:
        stored: list[tuple[Sighting, object] | Outcome] = []
        ended, started = True, time.monotonic()
        with blob_store.batched_sync():  # the batch's blobs reach the disk before its rows are written
            # itertools.chain, not a generator: breaking out must not close the source's stream
            for sighting in itertools.chain([held] if held else [], stream):
                held = None
                if stored and (sighting.size or 0) > _LARGE:
                    held, ended = sighting, False
                    break
                stored.append(_store_blob(sighting, blob_store))
                if len(stored) >= BATCH_SIGHTINGS or time.monotonic() - started > BATCH_SECONDS:
                    ended = False
                    break
        for outcome in _record_stored(stored, actor, blob_store, project):
            if outcome.status is Status.FAILED:
                logger.warning("not ingested: %s", outcome.reason)
            yield outcome
        if ended:
            return


def _store_blob(sighting: Sighting, blob_store: LocalStore):
    """The sighting and its stored blob, or the outcome saying why it could not be stored."""
    if sighting.path is None and sighting.content is None:
        return Outcome(sighting.display_path, Status.FAILED, reason=sighting.error or "unreadable")
    try:
        if sighting.content is not None:
            return sighting, blob_store.put_bytes(sighting.content)
        return sighting, blob_store.put_file(sighting.path)
    except (OSError, StoreError) as e:
        reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
        return Outcome(sighting.display_path, Status.FAILED, reason=f"cannot read: {reason}")


def _record_stored(stored: list, actor: str, blob_store: LocalStore, project: int) -> list[Outcome]:
    """Record a batch of stored sightings in one transaction; where another ingest raced
    this one (PostgreSQL), the batch is rolled back and recorded one sighting at a time."""
    pairs = [entry for entry in stored if not isinstance(entry, Outcome)]
    try:
        try:
            recorded = iter(_record_batch(pairs, actor, blob_store, project))
        except IntegrityError:
            recorded = iter([_record_one(sighting, blob, actor, blob_store, project) for sighting, blob in pairs])
    finally:
        for _, blob in pairs:  # copies kept for a repair not needed (a repair moves its copy)
            if blob.repair_from and hasattr(blob_store, "discard"):
                blob_store.discard(blob)
    return [entry if isinstance(entry, Outcome) else next(recorded) for entry in stored]


def _record_one(sighting: Sighting, blob, actor: str, blob_store: LocalStore, project: int) -> Outcome:
    # Another ingest may record the same item or sighting between our check and our
    # insert (PostgreSQL); a retry sees its rows.
    for attempt in range(3):
        try:
            return _record_batch([(sighting, blob)], actor, blob_store, project)[0]
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _record_batch(pairs: list, actor: str, blob_store: LocalStore, project: int) -> list[Outcome]:
    """Record stored sightings in one transaction: each new item with its ingest event and
    queued analysis (before any capture's event), a repair where the store's copy had
    changed or gone, the project's hold, and each new capture with its event; a handful of
    queries whatever the number of sightings."""
    from marsad.access import service as access
    from marsad.search import index

    from .tasks import analyse_item

    if not pairs:
        return []
    with transaction.atomic():
        log.lock_head()  # serialise writers before looking, so the look is current
        items = {i.sha256: i for i in Item.objects.filter(sha256__in={blob.sha256 for _, blob in pairs})}
        for _, blob in pairs:
            known = items.get(blob.sha256)
            if known is not None and known.blake2b != blob.blake2b:
                raise StoreError(f"{blob.sha256}: BLAKE2b differs from the one recorded at ingest")
        repaired = {}
        for _, blob in pairs:
            if blob.sha256 in items and blob.sha256 not in repaired:
                repaired[blob.sha256] = _repair(items[blob.sha256], blob, blob_store, actor)
        now = timezone.now()
        new: dict[str, Item] = {}
        for _, blob in pairs:
            if blob.sha256 in items or blob.sha256 in new:
                continue
            mime = detect_mime(blob_store.path(blob.sha256))
            new[blob.sha256] = Item(sha256=blob.sha256, blake2b=blob.blake2b, size=blob.size, mime=mime,
                                    kind=kind_of(mime).value, first_seen=now)
        entries = log.append([log.event("ingest", item=sha, actor=actor, time=now,
                                        outputs=[{"sha256": sha, "blake2b": i.blake2b, "size": i.size,
                                                  "mime": i.mime}]) for sha, i in new.items()])
        # The tasks are rows of this same transaction (the database task backend): no worker
        # sees one before its item exists, and a crash leaves neither.
        tasks = enqueue_each(analyse_item, list(new))
        for item, entry, task_id in zip(new.values(), entries, tasks):
            item.log_index = entry.index
            item.analysis_task = task_id
        Item.objects.bulk_create(list(new.values()))  # primary keys set (RETURNING, on both databases)
        items |= new
        index.add_created(list(new.values()))
        access.hold(project, [items[blob.sha256] for _, blob in pairs])

        keys = [sighting.key(blob.sha256) for sighting, blob in pairs]
        seen = set(Capture.objects.filter(sighting_key__in=keys).values_list("sighting_key", flat=True))
        outcomes, captures = [], []
        made = set()
        for (sighting, blob), key in zip(pairs, keys):
            item = items[blob.sha256]
            notice = _with_repair(sighting.notice, repaired.pop(blob.sha256, None))
            if key in seen:
                outcomes.append(Outcome(sighting.display_path, Status.SEEN, blob.sha256, item.kind, notice))
                continue
            seen.add(key)
            status = Status.NEW if blob.sha256 in new and blob.sha256 not in made else Status.KNOWN
            made.add(blob.sha256)
            outcomes.append(Outcome(sighting.display_path, status, blob.sha256, item.kind, notice))
            captures.append(_capture(sighting, item, key, actor, project))
        entries = log.append([log.event("capture", item=c.item.sha256, actor=actor, time=c.ingested_at,
                                        inputs=[{"sha256": c.item.sha256}], outputs=[{"sighting": c.sighting_key}],
                                        details=c.custody_details()) for c in captures])
        for capture, entry in zip(captures, entries):
            capture.log_index = entry.index
        Capture.objects.bulk_create(captures)
        index.add_created(captures)
    return outcomes


def _capture(sighting: Sighting, item: Item, key: str, actor: str, project: int) -> Capture:
    return Capture(
        item=item,
        source_kind=sighting.source_kind,
        sighting_key=key,
        original_path=storable(sighting.display_path),
        original_path_b64=sighting.path_b64,
        original_name=storable(sighting.name),
        file_mtime=sighting.mtime,
        ingested_at=timezone.now(),
        ingested_by=actor,
        url=storable(sighting.url),
        channel=storable(sighting.channel),
        post_id=storable(sighting.post_id),
        posted_at=sighting.posted_at,
        text=storable(sighting.text),
        source_details=storable(sighting.details),  # no NUL: PostgreSQL would refuse the whole batch
        project_id=project,
    )


def ingest(
    sightings: Iterable[Sighting],
    actor: str,
    on_outcome: Callable[[Outcome], None] | None = None,
    project: int | None = None,
) -> list[Outcome]:
    outcomes = []
    for outcome in ingest_stream(sightings, actor, project):
        outcomes.append(outcome)
        if on_outcome:
            on_outcome(outcome)
    return outcomes
