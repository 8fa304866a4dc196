"""`marsad backup DEST` and `marsad restore DEST --home NEW`."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from .context import EXIT_FAILURES, home_option, setup_django, workspace
from .safe_text import CliError, shown_markup


@click.command("backup")
@home_option
@click.argument("dest", type=click.Path(file_okay=False))
@click.option("--jobs", type=click.IntRange(1, 64), default=4, show_default=True, help="Blobs copied at once.")
def backup_command(dest: str, jobs: int) -> None:
    """Copy the database, keys, log and new blobs into DEST (safe while Marsad runs)."""
    ws = setup_django()
    from marsad import conf
    from marsad.core.backup import BackupError, make_backup
    from marsad.evidence.ingest import store

    try:
        report = make_backup(ws.home, store(), Path(dest), conf.get("database_url"), jobs)
    except BackupError as e:
        raise CliError(str(e)) from e
    out = Console(highlight=False)
    for sha, what in report.problems:
        out.print(f"[red]PROBLEM[/] {sha}: {shown_markup(what)} (not in the backup; see `marsad fixity`)")
    out.print(f"Backup {report.snapshot.name} in {shown_markup(str(Path(dest).resolve()))}: database, {report.files} "
              f"files, {report.blobs} blobs ({report.copied} new), {len(report.problems)} problem(s)")
    if report.problems:
        raise SystemExit(EXIT_FAILURES)


@click.command("restore")
@home_option
@click.argument("dest", type=click.Path(exists=True, file_okay=False))
@click.option("--snapshot", default=None, help="Which snapshot (a name under DEST/snapshots; default: the latest).")
def restore_command(dest: str, snapshot: str | None) -> None:
    """Restore a backup as a new workspace at --home, checking every byte; PostgreSQL: into an empty DATABASE_URL."""
    from marsad import conf
    from marsad.core.backup import BackupError, restore_backup

    home = workspace().home
    try:
        report = restore_backup(Path(dest), home, snapshot, conf.get("database_url"))
    except BackupError as e:
        raise CliError(str(e)) from e
    out = Console(highlight=False)
    for problem in report.problems:
        out.print(f"[red]PROBLEM[/] {shown_markup(problem)}")
    if report.problems:
        out.print(f"[red bold]FAILED[/]: {len(report.problems)} problem(s); nothing was restored into {shown_markup(str(home))}")
        raise SystemExit(EXIT_FAILURES)
    setup_django()
    from marsad.matching.service import rebuild_index

    hashes = rebuild_index()  # the index is not in the backup: the database holds every hash
    out.print(f"Restored snapshot {report.snapshot} into {shown_markup(str(home))}: {report.database} database, "
              f"{report.files} files, {report.blobs} blobs checked, {hashes} hashes indexed. "
              "Check it with `marsad log verify` and `marsad fixity`.")


COMMANDS = [backup_command, restore_command]
