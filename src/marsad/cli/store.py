"""`marsad store ...`: the blob store itself (moving it to S3)."""

from __future__ import annotations

import click
from rich.console import Console

from .context import EXIT_FAILURES, home_option, setup_django
from .safe_text import CliError, shown_markup


@click.group("store")
def store_group() -> None:
    """The blob store: where the preserved files are kept."""


@store_group.command("migrate")
@home_option
@click.option("--to", "target_url", required=True, metavar="LOCATION",
              help="The new store: s3://BUCKET/PREFIX (or a folder).")
@click.option("--jobs", type=click.IntRange(1, 64), default=4, show_default=True, help="Blobs copied at once.")
def migrate_command(target_url: str, jobs: int) -> None:
    """Copy every blob to another store, read each back to verify it, and record it in the custody log."""
    ws = setup_django()
    from django.db import transaction

    from marsad import conf
    from marsad.core.custody import merkle
    from marsad.core.custody.leaves import canonical
    from marsad.core.store import StoreError, open_store
    from marsad.core.store_copy import copy_blobs
    from marsad.custody import log
    from marsad.evidence.ingest import store

    source = store()
    try:
        target = open_store(target_url, cache=ws.home / "cache", retention_days=conf.get("s3_retention_days"))
        if hasattr(target, "check"):
            target.check()
    except StoreError as e:
        raise CliError(str(e)) from e
    if str(target) == str(source):
        raise CliError(f"the store is already {source}")
    out = Console(highlight=False)
    report = copy_blobs(source, target, jobs=jobs)
    for sha, what in report.problems:
        out.print(f"[red]PROBLEM[/] {sha}: {shown_markup(what)}")
    root = merkle.root([merkle.leaf_hash(canonical(r)) for r in report.results]).hex()
    with transaction.atomic():
        entry = log.record(
            "store-migrate",
            inputs=[{"store": _kind(source)}],
            outputs=[{"store": _kind(target), "checked": report.checked, "copied": report.copied,
                      "present": report.present, "verified": report.verified, "failed": len(report.problems),
                      "results_root": root}],
            details={"from": str(source), "to": str(target), "results": report.results},
        )
    out.print(f"{report.checked} blobs: {report.copied} copied, {report.present} already there, "
              f"{report.verified} read back and verified, {len(report.problems)} problem(s); "
              f"recorded as event #{entry.index}")
    if report.problems:
        raise SystemExit(EXIT_FAILURES)
    out.print(f"To use the new store: MARSAD_STORAGE={target} (or storage = \"{target}\" in marsad.toml)")


def _kind(blob_store) -> str:
    return "s3" if str(blob_store).startswith("s3://") else "local"


COMMANDS = [store_group]
