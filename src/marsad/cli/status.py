"""`marsad status`: queue depth per queue, workers alive, tasks running and failed."""

from __future__ import annotations

import json

import click
from rich.console import Console
from rich.table import Table

from .context import home_option, setup_django
from .safe_text import shown_markup


@click.command("status")
@home_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def status_command(as_json: bool) -> None:
    """Show the task queues and the workers on every host."""
    setup_django()
    from marsad.workers.status import queue_status

    status = queue_status()
    if as_json:
        click.echo(json.dumps(status, ensure_ascii=False, indent=1))
        return
    out = Console()
    queues = Table(title="Queues")
    for col in ("queue", "waiting", "running", "failed", "done"):
        queues.add_column(col, justify="left" if col == "queue" else "right")
    for name, c in sorted(status["queues"].items()):
        queues.add_row(name, str(c["ready"]), str(c["running"]), str(c["failed"]), str(c["successful"]))
    out.print(queues)
    workers = Table(title=f"{len(status['workers'])} workers alive (a heartbeat in the last {status['lease_s']:g} s)")
    for col in ("worker", "queues", "last beat", "task"):
        workers.add_column(col)
    for w in status["workers"]:
        workers.add_row(shown_markup(w["worker"]), w["queues"], f"{w['beat_s_ago']} s ago", w["task"] or "idle")
    out.print(workers)
    running = Table(title=f"{len(status['running'])} tasks running")
    for col in ("task", "queue", "worker", "attempt", "lease left"):
        running.add_column(col)
    for r in status["running"]:
        left = "none" if r["lease_left_s"] is None else f"{r['lease_left_s']} s"
        running.add_row(f"{r['name']} {r['task'][:8]}", r["queue"], r["worker"], str(r["attempt"]), left)
    out.print(running)
    if status["failed"]:
        failed = Table(title="Latest failed tasks")
        for col in ("task", "queue", "finished", "error"):
            failed.add_column(col)
        for f in status["failed"]:
            failed.add_row(f"{f['name']} {f['task'][:8]}", f["queue"], (f["finished"] or "")[:19], shown_markup(f["error"]))
        out.print(failed)


COMMANDS = [status_command]
