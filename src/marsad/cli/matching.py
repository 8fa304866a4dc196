"""`marsad similar` and `marsad copies`: have we seen this, and where are its copies."""

from __future__ import annotations

import json
import os
import time

import click
from rich.console import Console
from rich.table import Table

from .context import home_option, setup_django
from .safe_text import CliError, shown_markup


def _query_for(target: str):
    """Fingerprint a file (not necessarily in the store) or an item's stored fingerprint."""
    from marsad.evidence.views import ItemNotFound, find_item
    from marsad.matching.models import Fingerprint
    from marsad.matching.service import CannotQuery, Query, query_for_file

    if os.path.isfile(target):
        try:
            return query_for_file(target), None
        except CannotQuery as e:
            raise CliError(f"{target}: {e}") from e
    try:
        item = find_item(target)
    except ItemNotFound as e:
        raise CliError(f"{target}: not a file, and {e}") from e
    fp = Fingerprint.objects.filter(item=item).first()  # the current one
    if fp is None:
        raise CliError(f"item {item.sha256[:16]} has no fingerprint (analysis pending or failed)")
    return Query.of(fp), item


@click.command("similar")
@home_option
@click.argument("target")
@click.option("--json", "as_json", is_flag=True)
def similar_command(target: str, as_json: bool) -> None:
    """Items that look like FILE or SHA256 (have we seen this?)."""
    setup_django()
    from marsad.evidence.models import Item
    from marsad.matching.service import find_copies

    started = time.perf_counter()
    query, item = _query_for(target)
    links = find_copies(query, exclude=item.pk if item else None)
    items = Item.objects.in_bulk([link.item for link in links])
    rows = [
        {"sha256": items[link.item].sha256, "kind": items[link.item].kind, "distance": link.distance,
         "share_query": link.share_query, "share_other": link.share_other, "reason": link.reason}
        for link in links
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=1))
        return
    out = Console(highlight=False)
    if not rows:
        out.print(f"Nothing similar ({time.perf_counter() - started:.2f} s).")
        return
    table = Table(title=f"{len(rows)} similar item(s) ({time.perf_counter() - started:.2f} s)")
    for col in ("sha256", "kind", "distance", "why"):
        table.add_column(col, no_wrap=col == "sha256")
    for r in rows:
        table.add_row(r["sha256"][:16], r["kind"], str(r["distance"]), shown_markup(r["reason"]))
    out.print(table)


@click.command("copies")
@home_option
@click.argument("sha256")
@click.option("--json", "as_json", is_flag=True)
def copies_command(sha256: str, as_json: bool) -> None:
    """The item's copy cluster, earliest copy first, and why each is linked."""
    setup_django()
    from django.db.models import Q

    from marsad.evidence.views import ItemNotFound, find_item
    from marsad.matching.models import CopyLink
    from marsad.matching.service import cluster, earliest_time

    try:
        item = find_item(sha256)
    except ItemNotFound as e:
        raise CliError(str(e)) from e
    members = cluster(item)
    ids = [m.pk for m in members]
    links = list(CopyLink.objects.filter(Q(a_id__in=ids) | Q(b_id__in=ids)).select_related("a", "b"))
    rows = []
    for m in members:
        when, source = earliest_time(m)
        rows.append({
            "sha256": m.sha256, "kind": m.kind, "earliest": when.isoformat() if when else None,
            "earliest_source": source,
            "links": [
                {"to": (link.b if link.a_id == m.pk else link.a).sha256, "distance": link.distance,
                 "share": link.share_a if link.a_id == m.pk else link.share_b, "reason": link.reason}
                for link in links if m.pk in (link.a_id, link.b_id)
            ],
        })
    rows.sort(key=lambda r: (r["earliest"] is None, r["earliest"] or "", r["sha256"]))
    if as_json:
        click.echo(json.dumps(rows, indent=1))
        return
    out = Console(highlight=False)
    out.print(f"Copy cluster of {item.sha256[:16]}: {len(rows)} item(s), earliest first")
    for n, r in enumerate(rows):
        mark = "earliest" if n == 0 and r["earliest"] else ""
        out.print(f"[bold]{r['sha256'][:16]}[/] {r['kind']} {r['earliest'] or 'time unknown'} "
                  f"({r['earliest_source']}) {mark}")
        for link in r["links"]:
            out.print(f"    ~ {link['to'][:16]}: {shown_markup(link['reason'])}")


@click.group("index")
def index_group() -> None:
    """The near-duplicate index under the workspace."""


@index_group.command("rebuild")
@home_option
def index_rebuild_command() -> None:
    """Rebuild the index files from the database (after they were damaged or lost)."""
    setup_django()
    from marsad.matching.service import index_files, rebuild_index

    started = time.perf_counter()
    count = rebuild_index()
    index, _ = index_files().load()
    click.echo(f"Indexed {count:,} hashes ({index.method}) in {time.perf_counter() - started:.1f} s.")


@index_group.command("refingerprint")
@home_option
@click.option("--json", "as_json", is_flag=True)
def index_refingerprint_command(as_json: bool) -> None:
    """Fingerprint again the items an older version fingerprinted, then match them again."""
    setup_django()
    from marsad.matching.service import refingerprint

    started = time.perf_counter()
    report = refingerprint()
    if as_json:
        click.echo(json.dumps({"refingerprinted": report.done, "failed": report.failed, "current": report.current,
                               "new_links": report.links}, indent=1))
    else:
        click.echo(f"Fingerprinted again {len(report.done):,} item(s) in {time.perf_counter() - started:.1f} s "
                   f"({report.current:,} already current); {report.links:,} new copy link(s).")
        for sha, why in report.failed.items():
            click.echo(f"  not fingerprinted again, its old fingerprint kept: {sha[:16]}: {why}", err=True)
    if report.failed:
        raise SystemExit(1)


COMMANDS = [similar_command, copies_command, index_group]
