"""`marsad project export` and `marsad project import`: a project as a ZIP that another
workspace loads with its incidents, history, comments and files (see marsad.interop)."""

from __future__ import annotations

from pathlib import Path

import click

from .accounts import project_group
from .context import home_option, setup_django
from .safe_text import CliError


@project_group.command("export")
@home_option
@click.argument("project")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The ZIP to write.")
@click.option("--include-restricted", is_flag=True,
              help="Also export witness names and contacts, source notes, capture paths, URLs and texts, GPS "
                   "and camera details. Without it they are left out, and the manifest says so.")
def project_export(project: str, out: Path, include_restricted: bool) -> None:
    """Write PROJECT (name or slug) to a ZIP: incidents (CSV and JSON), history, links,
    comments, places, items, captures and the original files."""
    setup_django()
    from marsad.access.service import AccessError, get_project
    from marsad.core.store import StoreError
    from marsad.interop.project_zip import export_project

    try:
        chosen = get_project(project)
    except AccessError as e:
        raise CliError(str(e)) from e
    try:
        manifest = export_project(chosen, out, include_restricted=include_restricted)
    except (StoreError, OSError) as e:
        raise CliError(f"{out.name}: not written: {e}") from e
    counts = manifest["counts"]
    click.echo(f"{chosen.slug}: {counts['incidents']} incidents, {counts['history']} history entries, "
               f"{counts['items']} files written to {out}")
    if not include_restricted:
        click.echo("restricted fields left out (see manifest.json); --include-restricted exports them")
    click.echo("the ZIP holds the original files, with any GPS or camera metadata inside them: share it only "
               "with people who may see originals")


@project_group.command("import")
@home_option
@click.argument("zip_path", metavar="ZIP", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "as_slug", help="Slug of the new project (default: the exported project's).")
def project_import(zip_path: Path, as_slug: str | None) -> None:
    """Check every file of a project ZIP against its SHA-256, then load it into this
    workspace as a new project, all or nothing."""
    setup_django()
    from marsad.interop.bundle import BundleError
    from marsad.interop.project_import import import_project

    try:
        report = import_project(zip_path, as_slug=as_slug)
    except BundleError as e:
        raise CliError(f"{zip_path.name}: {e}; nothing was imported") from e
    c = report.counts
    click.echo(f"{report.project}: {c['incidents']} incidents, {c['history']} history entries, "
               f"{c['comments']} comments, {c['items']} files ({report.items_new} new) imported")
    for old, new in sorted(report.codes.items()):
        click.echo(f"code {old} was taken here: imported as {new}")


COMMANDS: list = []  # the commands join `marsad project` (accounts.project_group)
