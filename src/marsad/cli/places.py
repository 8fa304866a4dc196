"""`marsad places`: the gazetteer — import, find, add a name."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from .context import EXIT_FAILURES, home_option, setup_django
from .safe_text import CliError, shown_markup


@click.group("places")
def places_group() -> None:
    """Places: the embedded GeoNames towns plus the gazetteers you import."""


def _cols(value: str) -> list[str]:
    return [c.strip() for c in value.split(",") if c.strip()]


@places_group.command("import")
@home_option
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--name-col", default="", help="Column of the (English/Latin) name.")
@click.option("--ar-col", default="", help="Column of the Arabic name.")
@click.option("--lat-col", default="", help="Column of the latitude.")
@click.option("--lon-col", default="", help="Column of the longitude.")
@click.option("--pcode-col", default="", help="Column of the P-code.")
@click.option("--alias-col", default="", help="Column of other names, separated by ; or |.")
@click.option("--admin-cols", default="", help="Columns of the admin areas above, narrowest first (a,b,c).")
@click.option("--admin-ar-cols", default="", help="Their Arabic names, in the same order.")
@click.option("--kind-col", default="", help="Column saying what each place is: village, town, city, neighbourhood, "
                                              "camp, hospital, school, market, bakery, mosque.")
@click.option("--kind", "every_kind", default="", help="One kind for every row (a list of camps, of hospitals).")
def import_command(file: Path, name_col: str, ar_col: str, lat_col: str, lon_col: str, pcode_col: str,
                   alias_col: str, admin_cols: str, admin_ar_cols: str, kind_col: str, every_kind: str) -> None:
    """Import a gazetteer: CSV, JSON, GeoJSON, or an OCHA/Syrian Archive location list."""
    setup_django()
    from marsad.core.places.readers import Columns, kind_of
    from marsad.custody import log
    from marsad.incidents.places import import_file

    columns = Columns(name=name_col, name_ar=ar_col, lat=lat_col, lon=lon_col, pcode=pcode_col, aliases=alias_col,
                      admin=_cols(admin_cols), admin_ar=_cols(admin_ar_cols), kind=kind_col, every_kind=every_kind)
    try:
        kind_of(every_kind)
        counts, read = import_file(file, columns, log.actor_id())
    except ValueError as e:
        raise CliError(str(e)) from e
    log.sign_checkpoint()
    out = Console(highlight=False)
    out.print(f"{file.name} read as {read.format}: {counts['places']} places imported, {counts['folded']} places "
              f"already held recognised as the same, {counts['problems']} rows not imported")
    for problem in read.problems:
        out.print(f"[yellow]not imported[/] {shown_markup(problem.where)}: {shown_markup(problem.reason)}", soft_wrap=True)
    if read.problems:
        raise SystemExit(EXIT_FAILURES)


@places_group.command("find")
@home_option
@click.argument("text")
@click.option("--within", "within", multiple=True,
              help="Only places inside this governorate, district or sub-district (name in any spelling, or P-code "
                   "such as SY07); repeat for several.")
@click.option("--near", help="A place (name or key) to prefer candidates near.")
@click.option("--limit", default=5, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON: one entry per place the text names.")
def find_command(text: str, within: tuple[str, ...], near: str | None, limit: int, as_json: bool) -> None:
    """The places TEXT names, as documenters write them ("X town in Y countryside", «قرية X بريف إدلب»,
    "A and B", "35.61, 36.56"): for each, ranked candidates with the precision reached and why, or
    "ambiguous" with the candidates when a shared name is not narrowed."""
    setup_django()
    from marsad.incidents.places import PlaceNotFound, describe_resolution, find_text

    try:
        result = find_text(text, within, near, limit)
    except PlaceNotFound as e:
        raise CliError(str(e)) from e
    if result.problems and not result.places:
        raise CliError(f"not a place: {result.problems[0]}")
    rows = [describe_resolution(r) for r in result.places]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    if not any(r["candidates"] for r in rows):
        Console().print(f"No place found for {text!r}: it stays unresolved text.")
        for r in rows:
            Console(highlight=False).print(f"  {shown_markup(r['reason'])}", soft_wrap=True)
        raise SystemExit(EXIT_FAILURES)
    for r in rows:
        title = f"{r['written']}: {r['status']}" + (f", {r['precision']} precision" if r["precision"] else "")
        table = Table(title=title, caption=r["reason"], caption_justify="left")
        for col in ("score", "place", "within", "key", "why"):
            table.add_column(col, overflow="fold")
        for c in r["candidates"]:
            table.add_row(f"{c['score']:.0f}", shown_markup(f"{c['name']} / {c.get('name_ar') or ''}"),
                          shown_markup(" < ".join(c["within"])), shown_markup(c["key"] or f"{c['lat']}, {c['lon']}"),
                          shown_markup(c["reason"]))
        Console().print(table)


@places_group.command("alias")
@home_option
@click.argument("key")
@click.argument("name")
def alias_command(key: str, name: str) -> None:
    """Add another name or spelling to a place (by its key)."""
    setup_django()
    from marsad.custody import log
    from marsad.incidents.models import Place
    from marsad.incidents.places import add_alias

    try:
        add_alias(key, name, log.actor_id())
    except Place.DoesNotExist as e:
        raise CliError(f"no place with key {key!r} (see `marsad places find`)") from e
    log.sign_checkpoint()
    click.echo(f"{name} added to {key}")


COMMANDS = [places_group]
