"""`marsad items` and `marsad show`: look at what the workspace holds."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import click
from rich.console import Console
from rich.table import Table

from marsad.core.mediatype import MediaKind

from .context import home_option, setup_django
from .safe_text import CliError, shown_markup


def _human_size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def parse_since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as e:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD or ISO 8601)") from e
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


@click.command("items")
@home_option
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@click.option("--kind", type=click.Choice([k.value for k in MediaKind]), help="Only items of this kind.")
@click.option("--since", help="Only items first ingested at or after this date (YYYY-MM-DD).")
@click.option("--gone", is_flag=True, help="Only items whose source was gone at its latest `marsad recheck`.")
def items_command(as_json: bool, kind: str | None, since: str | None, gone: bool) -> None:
    """List items."""
    setup_django()
    from marsad.evidence.views import list_items

    rows = list_items(kind, parse_since(since), gone=gone)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    table = Table(title=f"{len(rows)} items")
    for col in ("sha256", "kind", "size", "mime", "seen", "captured at", "analysis"):
        table.add_column(col, no_wrap=col in ("sha256", "captured at"))
    for r in rows:
        table.add_row(*(shown_markup(cell, one_line=True) for cell in (
            r["sha256"][:12], r["kind"], _human_size(r["size"]), r["mime"], str(r["captures"]),
            (r["captured_at"] or "")[:19].replace("T", " "), r["analysis"])))
    Console().print(table)


@click.command("show")
@home_option
@click.argument("sha256")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def show_command(sha256: str, as_json: bool) -> None:
    """Show one item: captures, metadata, derived files, custody events."""
    setup_django()
    from marsad.evidence.views import ItemNotFound, find_item, item_detail

    try:
        detail = item_detail(find_item(sha256))
    except ItemNotFound as e:
        raise CliError(str(e)) from e
    if as_json:
        click.echo(json.dumps(detail, ensure_ascii=False, indent=1, default=str))
        return
    out = Console(highlight=False)
    out.print(f"[bold]{detail['sha256']}[/]  {shown_markup(detail['kind'])}  {shown_markup(detail['mime'])}  "
              f"{_human_size(detail['size'])}")
    for key in ("captured_at", "captured_at_source", "gps", "device", "width", "height", "duration_s", "codec",
                "analysis"):
        if detail[key] not in (None, ""):
            out.print(f"  {key}: {shown_markup(str(detail[key]))}")
    for err in detail["analysis_errors"]:
        out.print(f"  [yellow]{err['step']} failed[/]: {shown_markup(err['reason'])}")
    out.print(f"[bold]Captures[/] ({len(detail['captures'])})")
    for c in detail["captures"]:
        out.print(f"  {c['ingested_at']}  {c['source_kind']}  {shown_markup(c['original_path'], one_line=True)}")
    out.print("[bold]Derived files[/]")
    for d in detail["derivatives"]:
        out.print(f"  {shown_markup(d['role'])}: {d['sha256']} ({_human_size(d['size'])})")
    out.print("[bold]Custody events[/]")
    for e in detail["events"]:
        out.print(f"  #{e['index']} {shown_markup(e['type'])} {e['time']}")


COMMANDS = [items_command, show_command]
