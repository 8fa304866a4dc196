"""`marsad ingest`: preserve files and queue their analysis, with a summary."""

from __future__ import annotations

import time
from collections import Counter

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from marsad import conf

from .context import EXIT_FAILURES, home_option, setup_django
from .safe_text import CliError, shown_markup
from .worker import start_workers

console = Console(stderr=True)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=console, transient=False,
    )


def wait_for_analysis(shas: set[str], workers: int) -> bool:
    """Run worker processes until every item in `shas` is analysed and matched;
    work left behind by a worker that died is queued again. False if some work
    made no progress over several rounds of workers (it is left queued)."""
    from marsad.evidence.ingest import pending_work, requeue_stalled

    if not shas:
        return True
    procs = start_workers(workers, batch=True)
    stuck_rounds, last_pending = 0, None
    try:
        with _progress() as bar:
            job = bar.add_task("Analysing", total=len(shas))
            while True:
                pending = pending_work(shas)
                bar.update(job, completed=len(shas) - pending)
                if not pending:
                    return True
                if all(p.poll() is not None for p in procs):
                    stuck_rounds = stuck_rounds + 1 if pending == last_pending else 0
                    if stuck_rounds >= 3:
                        return False
                    last_pending = pending
                    requeue_stalled()
                    procs = start_workers(workers, batch=True)
                time.sleep(0.2)
    finally:
        for p in procs:
            p.wait()


def summary_table(counts: Counter, failures: list[tuple[str, str]]) -> Table:
    table = Table(title="Ingest summary")
    table.add_column("outcome")
    table.add_column("files", justify="right")
    for label, key in [("new items", "new"), ("already known (new capture)", "known"),
                       ("already recorded", "seen"), ("failed", "failed")]:
        table.add_row(label, str(counts.get(key, 0)))
    table.add_row("analysis failed", str(len(failures)))
    return table


@click.command("ingest")
@home_option
@click.argument("locators", nargs=-1, required=True)
@click.option("--as", "as_kind", default=None, help="Read the locators as this source kind.")
@click.option("--wait/--no-wait", default=True, help="Wait for analysis (default) or just queue it.")
@click.option("--json", "as_json", is_flag=True, help="Print outcomes as JSON.")
def ingest_command(locators: tuple[str, ...], as_kind: str | None, wait: bool, as_json: bool) -> None:
    """Preserve files and folders, record them in the custody log, analyse them."""
    ws = setup_django()
    from marsad.core.sources import SourceError
    from marsad.custody import log
    from marsad.evidence.ingest import Status, ingest_stream, requeue_stalled
    from marsad.evidence.models import Item
    from marsad.registry import PluginError, source_for

    chosen = []
    for locator in locators:
        try:
            chosen.append((locator, source_for(locator, as_kind)))
        except PluginError as e:
            raise CliError(str(e)) from e

    # Outcomes are counted as they come rather than kept: a large export streams through.
    actor = log.actor_id()
    counts: Counter = Counter()
    failed: list[tuple[str, str]] = []
    notes: list[tuple[str, str]] = []
    new: set[str] = set()
    touched: set[str] = set()  # kept only when waiting: the analysis failures to report
    as_records: list[dict] = []
    refused = []
    with _progress() as bar:
        job = bar.add_task("Preserving", total=None)
        for locator, source in chosen:
            console.print(f"[bold]{shown_markup(locator, one_line=True)}[/]: reading as {source.name}")
            try:
                for o in ingest_stream(source.sightings(locator), actor):
                    counts[o.status.value] += 1
                    bar.advance(job)
                    if o.status is Status.FAILED:
                        failed.append((o.display_path, o.reason))
                    elif o.reason:
                        notes.append((o.display_path, o.reason))
                    elif wait:
                        touched.add(o.sha256)
                        if o.status is Status.NEW:
                            new.add(o.sha256)
                    if as_json:
                        as_records.append(o.__dict__ | {"status": o.status.value})
            except SourceError as e:
                console.print(f"[red]{shown_markup(locator, one_line=True)}[/]: {shown_markup(str(e))}", highlight=False, soft_wrap=True)
                refused.append(locator)
            for folder in getattr(source, "skipped", ()):
                console.print(f"[yellow]skipped[/] {shown_markup(folder, one_line=True)}: a Marsad workspace (keys, database, store) "
                              "is never ingested as evidence", highlight=False, soft_wrap=True)
    to_analyse = new | set(requeue_stalled())
    finished = wait_for_analysis(to_analyse, conf.get("workers")) if wait else True
    checkpoint = log.sign_checkpoint()

    analysis_failures = [
        (sha, "; ".join(f"{e['step']}: {e['reason']}" for e in errors))
        for sha, errors in Item.objects.filter(sha256__in=touched, analysis=Item.Analysis.FAILED).values_list(
            "sha256", "analysis_errors"
        )
    ]
    if as_json:
        import json

        click.echo(json.dumps(as_records, ensure_ascii=False, indent=1))
    out = Console()
    out.print(summary_table(counts, analysis_failures))
    for display_path, reason in failed:
        out.print(f"[red]failed[/] {shown_markup(display_path, one_line=True)}: {shown_markup(reason)}", highlight=False, soft_wrap=True)
    for display_path, note in notes:
        out.print(f"[cyan]note[/] {shown_markup(display_path, one_line=True)}: {shown_markup(note)}", highlight=False, soft_wrap=True)
    for sha, reason in analysis_failures:
        out.print(f"[yellow]analysis failed[/] {sha[:16]}: {shown_markup(reason)}", highlight=False, soft_wrap=True)
    if not wait:
        out.print(f"{counts.get('new', 0)} analysis tasks queued; run `marsad worker` to process them.")
    elif not finished:
        out.print("[red]Some analysis could not finish[/] (its workers stopped making progress); "
                  "it stays queued: run `marsad worker` and see its errors.")
    out.print(f"Custody log: {checkpoint.size} events, checkpoint signed ({ws.home / 'log'})")
    if refused:
        out.print(f"[red]not read[/]: {shown_markup(', '.join(refused))} (see the reasons above)", highlight=False)
    if counts.get("failed") or analysis_failures or not finished or refused:
        raise SystemExit(EXIT_FAILURES)


COMMANDS = [ingest_command]
