"""`marsad publish`: the published incidents of a project as a static bilingual site."""

from __future__ import annotations

from pathlib import Path

import click

from .context import home_option, setup_django


@click.command("publish")
@home_option
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the site (new, empty, or an earlier publication to update).")
@click.option("--project", help="The project whose incidents are published (name or slug; default: the default "
              "project).")
@click.option("--grade", default="fair", show_default=True, help="Publish incidents graded this or stronger: "
              "confirmed, fair or weak.")
@click.option("--base-url", "base_url", help="Where the site will be served (for canonical and hreflang links).")
@click.option("--withdrawal-reasons", is_flag=True, help="Print on each tombstone the reason recorded when the "
              "incident was withdrawn (screened for links, handles, phone numbers and restricted values). Off by "
              "default: a reason written for the team may name someone.")
def publish_command(out: Path, project: str | None, grade: str, base_url: str | None,
                    withdrawal_reasons: bool) -> None:
    """A static site in Arabic and English: incidents at or above --grade, redacted media, downloads, a manifest,
    and a public log with a proof beside every file (verify.py checks them offline)."""
    setup_django()
    from marsad.access.service import AccessError, get_project
    from marsad.core.publish.fields import PublishError
    from marsad.publish.builder import publish

    try:
        chosen = get_project(project)
        result = publish(out, chosen, grade, base_url, withdrawal_reasons=withdrawal_reasons)
    except (AccessError, PublishError) as e:
        raise click.UsageError(str(e)) from e
    click.echo(f"{result.incidents} incident(s), {result.media} redacted media file(s) ({result.withheld} held back), "
               f"{result.files} files in {out}; {result.removed} no longer published removed")
    if result.awaiting:
        click.echo(f"{result.awaiting} redacted file(s) wait for a person's approval (the item's page in the web app); "
                   "publish again once approved")
    click.echo(f"manifest.json SHA-256 {result.manifest_sha256}, recorded as event #{result.log_index}")
    click.echo(f"public log: {result.public_log_added} new entr{'y' if result.public_log_added == 1 else 'ies'}, "
               f"{result.public_log_size} in all; key {result.public_log_key}")
    click.echo(f"check it: python3 -I {out / 'verify.py'} {out}")


COMMANDS = [publish_command]
