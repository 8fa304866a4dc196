"""`marsad log ...`: the custody log: checkpoints, verification, proofs, timestamps."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console

from .context import EXIT_FAILURES, home_option, setup_django


@click.group("log")
def log_group() -> None:
    """The tamper-evident custody log."""


@log_group.command("checkpoint")
@home_option
def checkpoint_command() -> None:
    """Sign a checkpoint of the log as it is now."""
    setup_django()
    from marsad.custody.log import sign_checkpoint

    click.echo(sign_checkpoint().note, nl=False)


@log_group.command("verify")
@home_option
@click.option("--key", "vkey_file", type=click.Path(exists=True, dir_okay=False),
              help="Verifier key to trust (default: the workspace's log/log.vkey).")
def verify_command(vkey_file: str | None) -> None:
    """Recompute the log and check checkpoints, signatures and database rows."""
    setup_django()
    from marsad.core.custody.note import Verifier
    from marsad.custody.verify import verify_log

    verifier = Verifier.parse(Path(vkey_file).read_text()) if vkey_file else None
    report = verify_log(verifier)
    out = Console(highlight=False)
    for problem in report.problems:
        out.print(f"[red]PROBLEM[/] {problem}", markup=True)
    out.print(
        f"{report.size} events, {report.checkpoints} checkpoints, {report.rows_checked} database rows, "
        f"{report.timestamps} timestamps checked"
    )
    if report.unsigned_tail:
        out.print(f"{report.unsigned_tail} newest events are not yet under a signed checkpoint "
                  "(run `marsad log checkpoint`)")
    if not report.ok:
        out.print(f"[red bold]FAILED[/]: {len(report.problems)} problem(s)")
        raise SystemExit(EXIT_FAILURES)
    out.print("[green bold]OK[/]: the log is intact and matches the database")


@log_group.command("prove")
@home_option
@click.argument("sha256")
def prove_command(sha256: str) -> None:
    """Print an item's events with inclusion proofs (C2SP tlog-proof)."""
    setup_django()
    from marsad.core.custody import merkle
    from marsad.core.custody.tlogproof import TlogProof
    from marsad.custody import log
    from marsad.custody.models import LogEntry
    from marsad.evidence.views import ItemNotFound, find_item

    try:
        item = find_item(sha256)
    except ItemNotFound as e:
        raise click.ClickException(str(e)) from e
    checkpoint = log.sign_checkpoint()
    for entry in LogEntry.objects.filter(item=item.sha256, index__lt=checkpoint.size).order_by("index"):
        proof = merkle.inclusion_proof(entry.index, checkpoint.size, log.fetch_nodes)
        click.echo(f"# event {entry.index}: {bytes(entry.leaf).decode()}")
        click.echo(TlogProof(entry.index, proof, checkpoint.note).text(), nl=False)


@log_group.command("show")
@home_option
@click.option("--tail", type=int, default=None, help="Only the last N events.")
@click.option("--json", "as_json", is_flag=True)
def show_command(tail: int | None, as_json: bool) -> None:
    """Print log entries (leaves), oldest first."""
    setup_django()
    from marsad.custody.models import LogEntry

    query = LogEntry.objects.order_by("-index")
    entries = list(query[:tail] if tail else query)[::-1]
    for entry in entries:
        leaf = bytes(entry.leaf).decode()
        click.echo(json.dumps({"index": entry.index, "leaf": json.loads(leaf)}) if as_json else f"{entry.index}\t{leaf}")


@log_group.command("timestamp")
@home_option
@click.option("--tsa", required=True, help="URL of an RFC 3161 timestamp authority.")
@click.option("--ca", "ca_file", required=True, type=click.Path(exists=True, dir_okay=False),
              help="PEM file of the TSA's root certificate(s), trusted to check its answer.")
def timestamp_command(tsa: str, ca_file: str) -> None:
    """Get an RFC 3161 timestamp over the latest checkpoint."""
    setup_django()
    from marsad.custody.log import sign_checkpoint
    from marsad.custody.timestamps import TimestampInvalid, TimestampUnavailable, request_timestamp

    sign_checkpoint()
    try:
        token = request_timestamp(tsa, Path(ca_file).read_text())
    except (TimestampInvalid, TimestampUnavailable) as e:
        raise click.ClickException(str(e)) from e
    click.echo(f"Checkpoint at size {token.checkpoint.size} timestamped by {tsa} at {token.gen_time.isoformat()}")


COMMANDS = [log_group]
