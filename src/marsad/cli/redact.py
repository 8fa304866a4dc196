"""`marsad redact`: a redacted derivative of a photo or video (faces and marked regions blurred, no metadata)."""

from __future__ import annotations

import shutil
from pathlib import Path

import click

from .context import home_option, setup_django
from .safe_text import CliError


@click.command("redact")
@home_option
@click.argument("sha")
@click.option("--out", "out", type=click.Path(dir_okay=False), default=None,
              help="Also write the redacted file here (it is always kept in the store).")
@click.option("--box", "boxes", multiple=True, metavar="X,Y,W,H[@START-END]",
              help="Blur this region too (pixels of the upright picture; for a video, optionally only "
                   "from START to END seconds). Repeat for more.")
def redact_command(sha: str, out: str | None, boxes: tuple[str, ...]) -> None:
    """Blur every face (YuNet) and each --box, strip all metadata, and record the derivative."""
    from marsad.core.redact import parse_region

    try:
        regions = [parse_region(b) for b in boxes]
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--box") from e
    if out and Path(out).exists():
        raise CliError(f"{out} exists; choose another --out (nothing was overwritten)")
    setup_django()
    from marsad.evidence.ingest import store
    from marsad.evidence.redaction import RedactionError, redact_item
    from marsad.evidence.views import ItemNotFound, find_item

    try:
        result = redact_item(find_item(sha).sha256, regions)
    except (ItemNotFound, RedactionError) as e:
        raise CliError(str(e)) from e
    if out:
        try:
            with store().open(result.sha256, verify=True) as src, open(out, "xb") as dst:
                shutil.copyfileobj(src, dst)
        except OSError as e:
            raise CliError(f"the derivative {result.sha256} is stored and recorded (event "
                                       f"#{result.log_index}), but {out} could not be written: {e}") from e
    what = "recorded as event" if result.created else "already recorded as event"
    click.echo(f"{result.role} {result.sha256} ({result.mime}, {result.size} bytes): {result.faces} face(s) found, "
               f"{result.regions} marked region(s) blurred; {what} #{result.log_index}")
    if out:
        click.echo(f"written to {out}")


COMMANDS = [redact_command]
