"""`marsad watch DIR`: ingest what lands in a folder (a phone sync, a shared drive).

A file is ingested once it has stopped changing for `--settle` seconds, so a
video still being copied is never preserved half-written. Partial downloads of
browsers and sync tools are left until they get their real name, or until they
have stayed unchanged for `--settle-unfinished` seconds, watched or by their clock
(a name that only looks unfinished, ".notes.txt" or "report.tmp", is never passed
over for ever); each one left is said once, as is a file that cannot be read.
"""

from __future__ import annotations

import signal
import threading
import time
from collections import Counter

import click
from rich.console import Console

from marsad import conf

from .context import home_option, setup_django
from .ingest import wait_for_analysis
from .safe_text import shown_markup

console = Console(highlight=False)

_UNFINISHED = (".part", ".partial", ".crdownload", ".download", ".tmp", ".temp", ".!sync", ".syncthing")


def unfinished(name: str) -> bool:
    """Names sync tools and browsers give files still being written."""
    lower = name.lower()
    return lower.startswith((".", "~$")) or lower.endswith(_UNFINISHED)


@click.command("watch")
@home_option
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.option("--settle", default=5.0, show_default=True, help="Seconds a file must stay unchanged before ingest.")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between looks at the folder.")
@click.option("--settle-unfinished", default=300.0, show_default=True,
              help="Seconds a file named like a partial download must stay unchanged before ingest.")
@click.option("--once", is_flag=True, help="Ingest what has settled, then stop (for cron and scripts).")
def watch_command(folder: str, settle: float, interval: float, once: bool, settle_unfinished: float) -> None:
    """Ingest files as they land in FOLDER, each once it has stopped growing."""
    ws = setup_django()
    from marsad.custody import log
    from marsad.evidence.ingest import Status, ingest
    from marsad.plugins.files import FilesSource

    actor = log.actor_id()
    source = FilesSource()
    done: set[tuple] = set()  # (path, size, mtime) already ingested in this run
    watching: dict[str, tuple[tuple, float]] = {}  # path -> (state, unchanged since)
    told: set[tuple] = set()  # (path, what was said): each waiting or unreadable file is said once
    console.print(f"Watching {shown_markup(folder)} (a file is ingested {settle:g} s after it stops changing; Ctrl-C stops)")
    # A stop request lets the batch in hand finish (preserved, analysed, checkpointed):
    # evidence is never left between the store and the log.
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    while not stop.is_set():
        now = time.monotonic()
        ready = []
        for sighting in source.sightings(folder):
            if sighting.path is None:
                if (sighting.display_path, sighting.error) not in told:
                    told.add((sighting.display_path, sighting.error))
                    console.print(f"[red]not read[/] {shown_markup(sighting.display_path)}: "
                                  f"{shown_markup(sighting.error or 'unreadable')}")
                continue
            state = (sighting.display_path, sighting.size, sighting.mtime)
            if state in done:
                continue
            wait = settle
            if unfinished(sighting.name):
                # Untouched for that long by its clock, it is no download in progress (an old ".notes.txt")
                age = time.time() - sighting.mtime.timestamp() if sighting.mtime else 0.0
                wait = settle if age >= settle_unfinished else max(settle, settle_unfinished)
            if wait > settle and (sighting.display_path, "unfinished") not in told:
                told.add((sighting.display_path, "unfinished"))
                console.print(f"[yellow]waiting[/] {shown_markup(sighting.display_path)}: named like a file still "
                              f"being written; ingested once renamed, or unchanged for {wait:g} s")
            previous = watching.get(sighting.display_path)
            if previous is None or previous[0] != state:
                watching[sighting.display_path] = (state, now)
            elif now - previous[1] >= wait:
                ready.append(sighting)
        if ready:
            outcomes = ingest(ready, actor)
            for sighting, outcome in zip(ready, outcomes):
                done.add(watching.pop(sighting.display_path)[0])
                colour = "red" if outcome.status is Status.FAILED else "green"
                console.print(f"[{colour}]{outcome.status.value}[/] {shown_markup(outcome.display_path)}"
                              + (f": {shown_markup(outcome.reason)}" if outcome.reason else ""))
            new = {o.sha256 for o in outcomes if o.status is Status.NEW}
            wait_for_analysis(new, conf.get("workers"))
            checkpoint = log.sign_checkpoint()
            counts = Counter(o.status.value for o in outcomes)
            console.print(f"{dict(counts)}; custody log {checkpoint.size} events, checkpoint signed "
                          f"({ws.home / 'log'})")
        if once and not any(now - since < settle for _, since in watching.values()):
            return
        stop.wait(interval)
    console.print("Stopped watching.")


COMMANDS = [watch_command]
