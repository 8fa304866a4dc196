"""A lease on each running task and a heartbeat of each worker, beside django-tasks-db's
own table (which has neither: a killed worker's task stays RUNNING for ever)."""

from django.db import models


class TaskLease(models.Model):
    """The worker running a task holds it until `lease_until` (database time), renewing
    it while it works; an expired lease means the worker stopped (killed, host gone)."""

    task_id = models.UUIDField(primary_key=True)  # a DBTaskResult's id
    worker = models.CharField(max_length=64)
    lease_until = models.DateTimeField(db_index=True)


class WorkerBeat(models.Model):
    """A worker's last sign of life, for `marsad status`."""

    worker = models.CharField(max_length=64, primary_key=True)  # host:pid
    host = models.CharField(max_length=64)
    queues = models.CharField(max_length=200)
    started = models.DateTimeField()
    beat = models.DateTimeField(db_index=True)
    task_id = models.UUIDField(null=True)  # the task it runs now
