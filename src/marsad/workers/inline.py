"""Running at once a task this worker has just queued, without another trip through the queue.

An analysis task queues its item's matching in the transaction that records the
analysis, so a crash after that commit still leaves the matching queued. Where the
same worker process also serves the match queue, it then claims that very task by
its id and runs it in the same turn: one commit claims it and takes its lease, one
records its result and gives the lease back, in place of polling the queue and
committing the claim, the lease, the result and the release one by one (each commit
an fsync on SQLite). If another worker claimed it first, nothing is done here. While
it runs it is an ordinary RUNNING task under a lease the heartbeat renews: a crash
leaves it to expire and be queued again, like any other.
"""

from __future__ import annotations

import logging
from django.db import transaction

from . import leases

logger = logging.getLogger(__name__)


def serves(queue: str) -> bool:
    """Whether this process is a worker taking tasks from `queue`."""
    beat = leases.current()
    return beat is not None and ("*" in beat.queues or queue in beat.queues)


def claim(task_id, worker: str, lease_s: float):
    """The task, claimed for `worker` with its lease taken in one transaction; None where it
    is no longer waiting (another worker took it)."""
    from django_tasks_db.models import DBTaskResult
    from django_tasks_db.utils import exclusive_transaction

    with exclusive_transaction(DBTaskResult.objects.db):
        task = DBTaskResult.objects.ready().filter(id=task_id).select_for_update(skip_locked=True).first()
        if task is None:
            return None
        task.claim(worker)
        leases.take(task.id, worker, lease_s)
    return task


def run_now(task_id) -> bool:
    """Run queued task `task_id` in this worker now, if it is still waiting; True if it ran
    here (successfully or not: the outcome is recorded on the task, as the worker would)."""
    beat = leases.current()
    if beat is None:
        return False
    task = claim(task_id, beat.worker, beat.lease_s)
    if task is None:
        return False
    beat.inline_task_id = task.id
    try:
        result = task.task_result
        try:
            value = task.task.call(*result.args, **result.kwargs)
        except Exception as e:  # recorded on the task, as django-tasks-db's worker records it
            logger.warning("task %s failed: %s", task.id, e)
            _finish(task, beat.worker, failed=e)
        else:
            _finish(task, beat.worker, value=value)
    finally:
        beat.inline_task_id = None
    return True


def _finish(task, worker: str, value=None, failed: BaseException | None = None) -> None:
    """Its outcome and the lease given back, in one commit."""
    with transaction.atomic():
        if failed is not None:
            task.set_failed(failed)
        else:
            task.set_successful(value)
        leases.give_back(task.id, worker)
