"""What the queue holds and who works on it, for `marsad status`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Count

from .leases import db_now, lease_seconds
from .models import TaskLease, WorkerBeat

RECENT_FAILURES = 10


def queue_status() -> dict[str, Any]:
    """Per queue: tasks waiting, running and failed; the workers that beat within a lease;
    each running task with its worker and lease; the latest failures."""
    from django_tasks_db.models import DBTaskResult

    now, lease_s = db_now(), lease_seconds()
    queues: dict[str, dict[str, int]] = {}
    for row in DBTaskResult.objects.values("queue_name", "status").annotate(n=Count("id")):
        counts = queues.setdefault(row["queue_name"], {"ready": 0, "running": 0, "failed": 0, "successful": 0})
        counts[row["status"].lower()] = row["n"]
    leases = dict(TaskLease.objects.values_list("task_id", "lease_until"))
    running = [
        {"task": str(t.id), "queue": t.queue_name, "name": t.task_path.rsplit(".", 1)[-1],
         "args": t.args_kwargs["args"],
         "worker": t.worker_ids[-1] if t.worker_ids else "", "attempt": len(t.worker_ids),
         "started": t.started_at.isoformat() if t.started_at else None,
         "lease_left_s": round((leases[t.id] - now).total_seconds(), 1) if t.id in leases else None}
        for t in DBTaskResult.objects.filter(status="RUNNING").order_by("started_at")
    ]
    failed = [
        {"task": str(t.id), "queue": t.queue_name, "name": t.task_path.rsplit(".", 1)[-1],
         "args": t.args_kwargs["args"],
         "finished": t.finished_at.isoformat() if t.finished_at else None,
         "error": t.exception_class_path.rsplit(".", 1)[-1]}
        for t in DBTaskResult.objects.filter(status="FAILED").order_by("-finished_at")[:RECENT_FAILURES]
    ]
    alive = [
        {"worker": b.worker, "host": b.host, "queues": b.queues, "since": b.started.isoformat(),
         "beat_s_ago": round((now - b.beat).total_seconds(), 1), "task": str(b.task_id) if b.task_id else None}
        for b in WorkerBeat.objects.filter(beat__gte=now - timedelta(seconds=lease_s)).order_by("worker")
    ]
    return {"queues": queues, "workers": alive, "running": running, "failed": failed, "lease_s": lease_s}
