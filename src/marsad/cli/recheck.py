"""`marsad recheck`: is each captured source still online?"""

from __future__ import annotations

import json
import re
from datetime import timedelta

import click
from django.utils import timezone
from rich.console import Console
from rich.table import Table

from .context import home_option, setup_django
from .safe_text import shown_markup

_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_age(value: str | None) -> timedelta | None:
    if not value:
        return None
    match = re.fullmatch(r"\s*(\d+)\s*([mhdw])\s*", value.lower())
    if not match:
        raise click.BadParameter(f"{value!r}: give a number and a unit, like 30m, 12h, 7d or 2w")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


@click.command("recheck")
@home_option
@click.option("--older-than", help="Only sources not captured or checked within this long (7d, 12h, 2w).")
@click.option("--json", "as_json", is_flag=True, help="Print the checks as JSON.")
def recheck_command(older_than: str | None, as_json: bool) -> None:
    """Request each captured source URL again and record whether it is still there."""
    age = parse_age(older_than)
    ws = setup_django()
    from marsad.custody import log
    from marsad.evidence.recheck import recheck

    err = Console(stderr=True, highlight=False)
    results = recheck(timezone.now() - age if age else None, log.actor_id(),
                      on_result=lambda r: err.print(f"{r.outcome:<11} {shown_markup(r.url)}", soft_wrap=True))
    checkpoint = log.sign_checkpoint()
    if as_json:
        click.echo(json.dumps([{"url": r.url, "outcome": r.outcome, "http_status": r.http_status,
                                "final_url": r.final_url or None, "content_sha256": r.content_sha256 or None,
                                "reason": r.reason or None, "checked_at": r.checked_at.isoformat(),
                                "log_index": r.log_index} for r in results], ensure_ascii=False, indent=1))
        return
    table = Table(title=f"{len(results)} sources checked")
    for col in ("outcome", "status", "url", "note"):
        table.add_column(col, overflow="fold")
    for r in results:
        table.add_row(r.outcome, str(r.http_status or ""), shown_markup(r.url), shown_markup(r.reason))
    out = Console(highlight=False)
    out.print(table)
    out.print(f"Custody log: {checkpoint.size} events, checkpoint signed ({ws.home / 'log'})")


COMMANDS = [recheck_command]
