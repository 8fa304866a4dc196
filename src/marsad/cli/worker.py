"""`marsad worker`: run queued tasks (several processes: one per core), on any number of hosts
sharing one database: each running task is held by a lease its worker renews."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import click

from marsad import conf

from .context import home_option, setup_django

QUEUES = ("default", "match")  # analysis; copy matching (its tasks say so: `@task(queue_name=...)`)


def start_workers(count: int, batch: bool, queues: str = "*") -> list[subprocess.Popen]:
    """Start worker processes; each is a separate Python, so analysis uses every core."""
    args = [sys.executable, "-m", "marsad", "worker", "--processes", "1", "--queue", queues]
    args += ["--batch"] if batch else []
    return [subprocess.Popen(args, env=os.environ.copy(), stdout=subprocess.DEVNULL) for _ in range(count)]


def run_worker(batch: bool, queues: str = "*") -> None:
    setup_django()
    from django_tasks_db.compat import DEFAULT_TASK_BACKEND_ALIAS, TASKS_LOGGER
    from django_tasks_db.management.commands.db_worker import Worker

    from marsad.workers import leases

    class LeasedWorker(Worker):
        """django-tasks-db's worker (claiming with SKIP LOCKED is its own), holding a lease on
        the task it runs while a heartbeat thread renews it and reaps expired ones."""

        def run(self) -> None:
            leases.reap()  # before the first look, so a batch worker sees work a dead one left
            self.heartbeat = leases.Heartbeat(self.worker_id, self.queue_names, lease_s).start()
            try:
                super().run()
            finally:
                self.heartbeat.stop()

        def run_task(self, db_task_result) -> None:
            leases.take(db_task_result.id, self.worker_id, lease_s)
            self.heartbeat.task_id = db_task_result.id
            try:
                super().run_task(db_task_result)
            finally:
                self.heartbeat.task_id = None
                leases.give_back(db_task_result.id, self.worker_id)

    for name in (TASKS_LOGGER, "django_tasks_db"):  # as `db_worker -v0`: a task's failure is recorded, not printed
        logging.getLogger(name).setLevel(logging.CRITICAL)
    lease_s = leases.lease_seconds()
    names = queues.split(",")
    unknown = set(names) - {"*", *QUEUES}
    if unknown:
        raise click.BadParameter(f"unknown queue {', '.join(sorted(unknown))}; queues: {', '.join(QUEUES)}",
                                 param_hint="--queue")
    worker = LeasedWorker(queue_names=names, interval=0.2, batch=batch, backend_name=DEFAULT_TASK_BACKEND_ALIAS,
                          startup_delay=False, max_tasks=None, worker_id=leases.worker_id(), excluded_queue_names=[])
    worker.configure_signals()
    worker.run()


@click.command("worker")
@home_option
@click.option("--processes", "-p", type=int, default=None, help="Processes to run (default: MARSAD_WORKERS).")
@click.option("--batch", is_flag=True, help="Exit when the queue is empty.")
@click.option("--queue", "queues", default="*", show_default=True,
              help=f"Queues to take tasks from, comma-separated ({', '.join(QUEUES)}); * for all.")
def worker_command(processes: int | None, batch: bool, queues: str) -> None:
    """Run analysis and matching tasks from the queue."""
    processes = processes or conf.get("workers")
    if processes == 1:
        run_worker(batch, queues)
        return
    setup_django()
    procs = start_workers(processes, batch, queues)
    try:
        codes = [p.wait() for p in procs]
    except KeyboardInterrupt:
        for p in procs:
            p.terminate()
        raise
    if any(codes):
        raise SystemExit(1)


COMMANDS = [worker_command]
