"""`marsad fixity` and `marsad export bundle`."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from .context import EXIT_FAILURES, home_option, setup_django
from .safe_text import CliError, shown, shown_markup


@click.command("fixity")
@home_option
@click.option("--sample", type=click.IntRange(min=1), default=None, help="Check a random sample of N blobs instead of all.")
def fixity_command(sample: int | None) -> None:
    """Re-hash stored files and record the result in the custody log."""
    setup_django()
    from marsad.custody.fixity import check_fixity
    from marsad.evidence.ingest import store

    report = check_fixity(store(), sample)
    out = Console(highlight=False)
    for sha, what, label in report.problems:
        out.print(f"[red]{what.upper()}[/] {sha} ({shown_markup(label)})")
    for sha in report.orphans:
        out.print(f"[yellow]ORPHAN[/] {sha}: in the store but not in the database (re-ingest to adopt it)")
    out.print(f"{report.checked} files checked, {len(report.problems)} problem(s), {len(report.orphans)} orphan(s); "
              f"recorded as event #{report.log_index} (results root {report.root[:16]}…)")
    if report.problems:
        out.print("Ingest the original of a changed or missing file again to repair it (verified, recorded).")
        raise SystemExit(EXIT_FAILURES)


@click.group("export")
def export_group() -> None:
    """Export evidence."""


@export_group.command("bundle")
@home_option
@click.argument("shas", nargs=-1, required=True)
@click.option("-o", "--output", required=True, type=click.Path(), help="Folder, or a file ending in .zip.")
@click.option("--include-restricted", is_flag=True,
              help="Include source details, original paths and GPS (only for trusted recipients).")
@click.option("--include-originals-with-identifying-tags", "include_identifying", is_flag=True,
              help="Include originals whose embedded tags (GPS, place, author, owner, serial...) may locate or "
                   "identify someone; without it they are left out and named.")
def bundle_command(shas: tuple[str, ...], output: str, include_restricted: bool, include_identifying: bool) -> None:
    """An evidence bundle (BagIt) with proofs anyone can verify offline."""
    setup_django()
    from marsad.custody.bundle import BundleError, export_bundle
    from marsad.evidence.views import ItemNotFound, find_item

    where = Path(output).absolute().parent
    if not where.is_dir():
        raise CliError(f"{output}: not written: the folder {where} does not exist")
    try:
        full = [find_item(s).sha256 for s in shas]
        result = export_bundle(full, Path(output), include_restricted, include_identifying)
    except (ItemNotFound, BundleError) as e:
        raise CliError(str(e)) from e
    except OSError as e:  # a name too long for this file system, a full disk, no permission
        raise CliError(f"{output}: not written: {e.strerror or e}") from e
    click.echo(f"Bundle of {result['items']} item(s) and {result['events']} events written to "
               f"{shown(result['output'])}")
    for sha, tags in result["withheld"].items():
        click.echo(f"original withheld {sha}: it carries {', '.join(tags)} (add "
                   "--include-originals-with-identifying-tags to include it)")
    for sha, tags in result["included_with_identifying_tags"].items():
        click.echo(f"original included as asked {sha}: it carries {', '.join(tags)}")
    click.echo(f"Check it with: python3 -I verify.py {shown(result['output'])} --key log.vkey  (verify.py is inside "
               f"the bundle; the signing key is {result['key_fingerprint']})")


COMMANDS = [fixity_command, export_group]
