"""Leases on running tasks, so workers on many hosts can share one database queue.

django-tasks-db claims a task with `SELECT ... FOR UPDATE SKIP LOCKED` and marks it
RUNNING; if its worker is killed it stays RUNNING for ever. Here the worker running a
task holds a lease (a row with `lease_until`) that a heartbeat thread renews every few
seconds. Any worker that looks (each heartbeat) returns a task whose lease expired to
the queue: no process id is checked on another host. Times are the database's, so
hosts' clocks need not agree.

A task may therefore run twice (a worker that stalled past its lease, then woke): the
tasks are idempotent, each recording its results once under a lock.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, connections, transaction
from django.utils import timezone

from marsad import conf

from .models import TaskLease, WorkerBeat

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3  # a task whose worker died this many times is failed, not run again (a poison pill)


def lease_seconds() -> float:
    return float(conf.get("task_lease_s"))


def beat_seconds(lease_s: float) -> float:
    """How often a worker renews: several times a lease, so one slow beat does not lose it."""
    return max(0.1, min(5.0, lease_s / 4))


def host_name() -> str:
    return (conf.get("worker_host") or socket.gethostname())[:40]


def worker_id() -> str:
    """Host and process of a worker (unique across hosts, and short: django-tasks-db allows 64)."""
    return f"{host_name()}:{os.getpid()}"


def db_now() -> datetime:
    """The database's clock: every host compares lease times against the same one."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement_timestamp()")
            return cursor.fetchone()[0]
    return timezone.now()  # SQLite: one host


# --- the decisions (pure) -------------------------------------------------------------

def is_stale(lease_until: datetime | None, started_at: datetime | None, now: datetime, lease_s: float,
             worker_dead_here: bool) -> bool:
    """Whether a RUNNING task's worker has stopped: its lease expired, or it never wrote one
    (killed between claiming and leasing) for a whole lease, or it is a process of this host
    known to be gone (a quicker answer where one can be had)."""
    if worker_dead_here:
        return True
    if lease_until is not None:
        return lease_until < now
    return started_at is None or started_at < now - timedelta(seconds=lease_s)


def status_after_expiry(attempts: int, max_attempts: int = MAX_ATTEMPTS) -> str:
    """READY to run again, or FAILED once its workers died `max_attempts` times."""
    return "READY" if attempts < max_attempts else "FAILED"


def _dead_here(worker: str) -> bool:
    from marsad.core.store import process_alive

    host, _, pid = worker.rpartition(":")
    return host == host_name() and pid.isdigit() and not process_alive(int(pid))


# --- the reaper ---------------------------------------------------------------------

@dataclass(frozen=True)
class Released:
    task_id: str
    worker: str
    status: str  # READY or FAILED


def reap(requeue: bool = True) -> list[Released]:
    """Return every task whose worker stopped to the queue (READY; FAILED after MAX_ATTEMPTS
    workers died on it), or with `requeue=False` mark it FAILED (its caller queues the work
    afresh). Safe to run on many hosts at once: each task is released by one of them."""
    from django_tasks_db.models import DBTaskResult

    running = list(DBTaskResult.objects.filter(status="RUNNING").values_list("id", "worker_ids", "started_at"))
    if not running:
        return []
    leases = dict(TaskLease.objects.filter(task_id__in=[r[0] for r in running]).values_list("task_id", "lease_until"))
    now, lease_s = db_now(), lease_seconds()
    released = []
    for task_id, workers, started in running:
        worker = workers[-1] if workers else ""
        if not is_stale(leases.get(task_id), started, now, lease_s, _dead_here(worker)):
            continue
        status = status_after_expiry(len(workers)) if requeue else "FAILED"
        if _release(task_id, started, leases.get(task_id), now, status, worker):
            released.append(Released(str(task_id), worker, status))
    return released


def _release(task_id, started, lease_until, now, status: str, worker: str) -> bool:
    from django_tasks_db.models import DBTaskResult

    with transaction.atomic():
        if lease_until is not None and lease_until >= now:  # a worker of this host known dead
            TaskLease.objects.filter(task_id=task_id).delete()
        elif not TaskLease.objects.filter(task_id=task_id, lease_until__lt=now).delete()[0] and lease_until:
            return False  # renewed meanwhile, or another reaper was first
        fields = {"status": status}
        if status == "FAILED":
            fields |= {"finished_at": timezone.now(), "exception_class_path": "marsad.workers.leases.LeaseExpired",
                       "traceback": f"worker {worker} stopped renewing its lease"}
        # started_at unchanged: nobody claimed it again since we looked
        changed = DBTaskResult.objects.filter(id=task_id, status="RUNNING", started_at=started).update(**fields)
    if changed:
        logger.warning("task %s: worker %s stopped renewing its lease; now %s", task_id, worker, status)
    return bool(changed)


# --- the worker's side --------------------------------------------------------------

def take(task_id, worker: str, lease_s: float) -> None:
    TaskLease.objects.update_or_create(task_id=task_id, defaults={
        "worker": worker, "lease_until": db_now() + timedelta(seconds=lease_s)})


def renew(task_id, worker: str, lease_s: float) -> bool:
    """False if the lease was lost (this worker stalled past it and the task was released)."""
    until = db_now() + timedelta(seconds=lease_s)
    return bool(TaskLease.objects.filter(task_id=task_id, worker=worker).update(lease_until=until))


def give_back(task_id, worker: str) -> None:
    TaskLease.objects.filter(task_id=task_id, worker=worker).delete()


_current: Heartbeat | None = None


def current() -> Heartbeat | None:
    """The heartbeat of this process's worker, while it runs (None outside a worker)."""
    return _current


class Heartbeat:
    """A thread that renews the running task's lease, records that the worker is alive,
    and reaps other workers' expired leases, every `beat_seconds`."""

    def __init__(self, worker: str, queues: list[str], lease_s: float) -> None:
        self.worker, self.queues, self.lease_s = worker, queues, lease_s
        self.task_id = None  # set by the worker while it runs a task
        self.inline_task_id = None  # a task it queued and runs within that one (`inline`)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="marsad-heartbeat", daemon=True)

    def start(self) -> Heartbeat:
        global _current
        _current = self
        now = db_now()
        WorkerBeat.objects.update_or_create(worker=self.worker, defaults={
            "host": self.worker.rpartition(":")[0], "queues": ",".join(self.queues)[:200],
            "started": now, "beat": now, "task_id": None})
        self._thread.start()
        return self

    def stop(self) -> None:
        global _current
        self._stop.set()
        self._thread.join(timeout=10)
        WorkerBeat.objects.filter(worker=self.worker).delete()
        if _current is self:
            _current = None

    def beat(self) -> None:
        task_id = self.task_id
        for held in (task_id, self.inline_task_id):
            # a task that ended meanwhile gave its lease back: only a task still held has lost it
            if held is not None and not renew(held, self.worker, self.lease_s) and held in (
                    self.task_id, self.inline_task_id):
                logger.warning("task %s: lease lost (this worker stalled); another worker may run it", held)
        WorkerBeat.objects.filter(worker=self.worker).update(beat=db_now(), task_id=task_id)
        reap()

    def _run(self) -> None:
        try:
            while not self._stop.wait(beat_seconds(self.lease_s)):
                try:
                    self.beat()
                except Exception:  # the database away for a moment: try again next beat
                    logger.exception("heartbeat failed")
        finally:
            connections.close_all()  # this thread's own connections
