"""`marsad worker`: run queued analysis tasks (several processes: one per core)."""

from __future__ import annotations

import os
import subprocess
import sys

import click

from marsad import conf

from .context import home_option, setup_django


def start_workers(count: int, batch: bool) -> list[subprocess.Popen]:
    """Start worker processes; each is a separate Python, so analysis uses every core."""
    args = [sys.executable, "-m", "marsad", "worker", "--processes", "1"] + (["--batch"] if batch else [])
    return [subprocess.Popen(args, env=os.environ.copy(), stdout=subprocess.DEVNULL) for _ in range(count)]


def run_worker(batch: bool) -> None:
    setup_django()
    from django.core.management import call_command

    from marsad.evidence.ingest import worker_id

    call_command("db_worker", batch=batch, interval=0.2, startup_delay=False, verbosity=0, worker_id=worker_id())


@click.command("worker")
@home_option
@click.option("--processes", "-p", type=int, default=None, help="Processes to run (default: MARSAD_WORKERS).")
@click.option("--batch", is_flag=True, help="Exit when the queue is empty.")
def worker_command(processes: int | None, batch: bool) -> None:
    """Run analysis tasks from the queue."""
    processes = processes or conf.get("workers")
    if processes == 1:
        run_worker(batch)
        return
    setup_django()
    procs = start_workers(processes, batch)
    try:
        codes = [p.wait() for p in procs]
    except KeyboardInterrupt:
        for p in procs:
            p.terminate()
        raise
    if any(codes):
        raise SystemExit(1)


COMMANDS = [worker_command]
