"""`marsad incidents` and `marsad export incidents`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from .context import home_option, setup_django
from .fixity import export_group
from .safe_text import CliError, shown, shown_markup


def _pairs(values: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for value in values:
        key, sep, rest = value.partition("=")
        if not sep:
            raise click.BadParameter(f"{value!r}: give FIELD=VALUE")
        out[key.strip()] = rest.strip()
    return out


def _fail(e: Exception) -> click.ClickException:
    return CliError(str(e))


def _project(name: str | None):
    """The project --project names (the default project without one), or a usage error."""
    from marsad.access.service import AccessError, get_project

    try:
        return get_project(name)
    except AccessError as e:
        raise _fail(e) from e


def _place_fields(place: str | None, near: str | None, out: Console) -> dict[str, Any]:
    """Resolve --place; an unknown or ambiguous name is kept as text, never guessed."""
    from marsad.incidents.places import choice_fields, choose_place

    if not place:
        return {}
    chosen = choose_place(place, near)
    if chosen.place is not None:
        out.print(f"place: {shown_markup(chosen.place.name)} ({shown_markup(chosen.place.id)}) — {shown_markup(chosen.why)}",
                  soft_wrap=True)
    elif chosen.point is not None:
        out.print(f"place: the point {chosen.point[0]}, {chosen.point[1]} — {shown_markup(chosen.why)}", soft_wrap=True)
    else:
        out.print(f"[yellow]place unresolved[/]: {shown_markup(chosen.why)}", soft_wrap=True)
    return choice_fields(chosen, place)


@click.group("incidents")
def incidents_group() -> None:
    """Incidents: what happened where and when, with the evidence for it."""


@incidents_group.command("create")
@home_option
@click.option("--title", default="")
@click.option("--date", "event_date", help="YYYY-MM-DD")
@click.option("--time", "event_time", help="HH:MM, local time")
@click.option("--place", help="A place name (any spelling) or key; unresolved names are kept as text.")
@click.option("--near", help="Prefer places near this one when the name is shared.")
@click.option("--type", "sub_event_type", help="ACLED sub-event type, e.g. 'Air/drone strike'.")
@click.option("--set", "sets", multiple=True, help="FIELD=VALUE (any incident field), repeatable.")
@click.option("--evidence", multiple=True, help="SHA-256 (or a unique prefix) of an item of the project the values "
              "rest on.")
@click.option("--reason", default="")
@click.option("--project", help="Project name or slug (default: the default project).")
def create_command(title, event_date, event_time, place, near, sub_event_type, sets, evidence, reason,
                   project) -> None:
    """Record a new incident."""
    setup_django()
    from marsad.custody import log
    from marsad.incidents.service import IncidentError, create, resolve_evidence

    out = Console(highlight=False, stderr=True)
    fields: dict[str, Any] = {"title": title, **_place_fields(place, near, out)}
    for key, value in (("event_date", event_date), ("event_time", event_time), ("sub_event_type", sub_event_type)):
        if value:
            fields[key] = value
    fields |= _pairs(sets)
    target = _project(project)
    try:
        # --evidence: an item the project holds, by SHA-256 or a unique prefix (never any string)
        incident = create(fields, log.actor_id(), resolve_evidence(evidence, target), reason, project=target)
    except (IncidentError, ValueError) as e:
        raise _fail(e) from e
    log.sign_checkpoint()
    click.echo(incident.code)


@incidents_group.command("set")
@home_option
@click.argument("code")
@click.argument("values", nargs=-1, required=True)
@click.option("--place", help="Change the place (name or key).")
@click.option("--near")
@click.option("--evidence", multiple=True, help="SHA-256 (or a unique prefix) of an item of the incident's project "
              "the change rests on.")
@click.option("--reason", default="")
def set_command(code, values, place, near, evidence, reason) -> None:
    """Change fields: FIELD=VALUE ... (each change is recorded with who, when, evidence, why)."""
    setup_django()
    from marsad.custody import log
    from marsad.incidents.service import IncidentError, get, resolve_evidence, update

    out = Console(highlight=False, stderr=True)
    try:
        incident = get(code)
        changes = update(incident, _pairs(values) | _place_fields(place, near, out), log.actor_id(),
                         resolve_evidence(evidence, incident.project), reason)
    except (IncidentError, ValueError) as e:
        raise _fail(e) from e
    log.sign_checkpoint()
    click.echo(f"{len(changes)} change(s) recorded")


@incidents_group.command("link")
@home_option
@click.argument("code")
@click.argument("shas", nargs=-1, required=True)
@click.option("--role", type=click.Choice(["primary", "corroborating", "context"]), default="corroborating",
              show_default=True)
@click.option("--reason", default="")
def link_command(code, shas, role, reason) -> None:
    """Link items to an incident with a role."""
    setup_django()
    from marsad.custody import log
    from marsad.incidents.service import IncidentError, get, link

    try:
        done = link(get(code), list(shas), role, log.actor_id(), reason)
    except IncidentError as e:
        raise _fail(e) from e
    log.sign_checkpoint()
    click.echo(f"{len(done)} item(s) linked to {code.upper()} as {role}")


@incidents_group.command("merge")
@home_option
@click.argument("target")
@click.argument("others", nargs=-1, required=True)
@click.option("--reason", required=True, help="Why these are one incident.")
def merge_command(target, others, reason) -> None:
    """Merge incidents into TARGET; the others keep their history and point to it."""
    setup_django()
    from marsad.custody import log
    from marsad.incidents.service import IncidentError, get, merge

    try:
        merge(get(target), [get(o) for o in others], log.actor_id(), reason)
    except IncidentError as e:
        raise _fail(e) from e
    log.sign_checkpoint()
    click.echo(f"{', '.join(o.upper() for o in others)} merged into {target.upper()}")


@incidents_group.command("split")
@home_option
@click.argument("code")
@click.argument("shas", nargs=-1, required=True)
@click.option("--set", "sets", multiple=True, help="FIELD=VALUE for the new incident.")
@click.option("--reason", required=True, help="Why these items are another incident.")
def split_command(code, shas, sets, reason) -> None:
    """Move items to a new incident split from CODE."""
    setup_django()
    from marsad.custody import log
    from marsad.incidents.service import IncidentError, get, split

    try:
        new = split(get(code), list(shas), _pairs(sets), log.actor_id(), reason)
    except (IncidentError, ValueError) as e:
        raise _fail(e) from e
    log.sign_checkpoint()
    click.echo(new.code)


@incidents_group.command("list")
@home_option
@click.option("--json", "as_json", is_flag=True)
@click.option("--all", "show_all", is_flag=True, help="Include merged incidents.")
@click.option("--project", help="Only this project's incidents (name or slug).")
def list_command(as_json: bool, show_all: bool, project: str | None) -> None:
    """List incidents."""
    setup_django()
    from marsad.incidents.models import Incident

    query = Incident.objects.select_related("place").order_by("event_date", "code")
    if project:
        query = query.filter(project=_project(project))
    if not show_all:
        query = query.filter(merged_into__isnull=True)
    rows = [{"code": i.code, "date": i.event_date.isoformat() if i.event_date else None, "title": i.title,
             "place": i.place.name if i.place_id else None, "location_text": i.location_text,
             "sub_event_type": i.sub_event_type, "grade": i.grade, "items": i.links.count(),
             "merged_into": i.merged_into.code if i.merged_into_id else None} for i in query]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    table = Table(title=f"{len(rows)} incidents")
    for col in ("code", "date", "place", "type", "grade", "items", "title"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(*(shown_markup(cell, one_line=True) for cell in (
            r["code"], r["date"] or "", r["place"] or f"({r['location_text']}, unresolved)",
            r["sub_event_type"], r["grade"], str(r["items"]), r["title"])))
    Console().print(table)


@incidents_group.command("show")
@home_option
@click.argument("code")
@click.option("--json", "as_json", is_flag=True)
def show_command(code: str, as_json: bool) -> None:
    """One incident: its fields in export form, its evidence, its history."""
    setup_django()
    from marsad.incidents.exports import row
    from marsad.incidents.service import IncidentError, get

    try:
        incident = get(code)
    except IncidentError as e:
        raise _fail(e) from e
    detail = {"fields": row(incident),
              "items": [{"sha256": link.item.sha256, "kind": link.item.kind, "role": link.role}
                        for link in incident.links.select_related("item")],
              "history": [{"at": c.at.isoformat(), "actor": c.actor, "action": c.action, "field": c.field,
                           "old": c.old, "new": c.new, "evidence": c.evidence, "reason": c.reason,
                           "log_index": c.log_index} for c in incident.changes.all()],
              "merged_into": incident.merged_into.code if incident.merged_into_id else None}
    if as_json:
        click.echo(json.dumps(detail, ensure_ascii=False, indent=1, default=str))
        return
    out = Console(highlight=False)
    for key, value in detail["fields"].items():
        if value not in (None, ""):
            out.print(f"  {key}: {shown_markup(str(value))}")
    out.print("[bold]Evidence[/]")
    for i in detail["items"]:
        out.print(f"  {i['sha256'][:16]} {shown_markup(i['kind'])} ({shown_markup(i['role'])})")
    out.print("[bold]History[/]")
    for c in detail["history"]:
        out.print(f"  #{c['log_index']} {c['at'][:19]} {shown_markup(c['action'])} {shown_markup(c['field'])} → {shown_markup(json.dumps(c['new'], ensure_ascii=False))}"
                  f"{'  — ' + shown_markup(c['reason']) if c['reason'] else ''}", soft_wrap=True)


@incidents_group.command("suggest")
@home_option
@click.argument("sha256")
@click.option("--json", "as_json", is_flag=True)
def suggest_command(sha256: str, as_json: bool) -> None:
    """Which incidents an item may belong to, and why (nothing is linked)."""
    setup_django()
    from marsad.evidence.views import ItemNotFound, find_item
    from marsad.incidents.suggest import suggestions

    try:
        item = find_item(sha256)
    except ItemNotFound as e:
        raise _fail(e) from e
    ev, ranked = suggestions(item)
    rows = [{"incident": s.code, "score": s.score, "tier": s.tier, "why": s.explain()} for s in ranked]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    # What was read, so a person can see what the suggestions rest on (GPS said to be present, never shown).
    out = Console(highlight=False)
    for place, whence, confidence, area in ev.places:
        out.print(f"  place: {shown_markup(place.name)} / {shown_markup(place.name_ar or '')} — {shown_markup(whence)} "
                  f"(confidence {confidence:.1f}{', an area' if area else ''})", soft_wrap=True)
    for moment, whence, slack in ev.times:
        out.print(f"  time: {moment:%Y-%m-%d %H:%M} ±{slack:g} h — {shown_markup(whence)}", soft_wrap=True)
    if ev.gps:
        out.print("  position: the file's GPS (restricted; not shown)")
    for sha, how in list(ev.copies.items())[:5]:
        out.print(f"  copy: {sha[:12]} ({shown_markup(how)})")
    if ev.kinds:
        out.print(f"  kind of event: {', '.join(sorted(ev.kinds))}")
    strong = [r for r in rows if r["tier"] == "strong"]
    weak = [r for r in rows if r["tier"] == "weak"]
    if not strong:
        click.echo("No incident fits: it may be a new one (`marsad incidents create`).")
    for r in strong:
        click.echo(f"{r['incident']}  {r['score']:.2f}  {shown(r['why'])}")
    if weak:
        click.echo("Weak (same time window and kind of event, no place named; check before accepting):")
        for r in weak:
            click.echo(f"  {r['incident']}  {r['score']:.2f}  {shown(r['why'])}")


@incidents_group.command("accept")
@home_option
@click.argument("sha256")
@click.argument("code")
@click.option("--role", type=click.Choice(["primary", "corroborating", "context"]), default="corroborating",
              show_default=True)
def accept_command(sha256: str, code: str, role: str) -> None:
    """Accept a suggestion: link the item, recording the suggestion's reasons."""
    setup_django()
    from marsad.custody import log
    from marsad.evidence.views import ItemNotFound, find_item
    from marsad.incidents.service import IncidentError, get, link
    from marsad.incidents.suggest import suggestions

    try:
        item = find_item(sha256)
        incident = get(code)
        why = next((s.explain() for s in suggestions(item, limit=20)[1] if s.code == incident.code), "")
        link(incident, [item.sha256], role, log.actor_id(),
             reason=f"accepted suggestion: {why}" if why else "linked by hand (not among the suggestions)")
    except (ItemNotFound, IncidentError) as e:
        raise _fail(e) from e
    log.sign_checkpoint()
    click.echo(f"{item.sha256[:16]} linked to {incident.code} as {role}")


@export_group.command("incidents")
@home_option
@click.option("--format", "fmt", default="csv", show_default=True, help="csv, geojson, xlsx, or a plug-in's.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--grade", "grades", multiple=True, help="Only incidents of this grade (repeatable).")
@click.option("--project", help="Only this project's incidents (name or slug).")
def export_incidents_command(fmt: str, output: Path, grades: tuple[str, ...], project: str | None) -> None:
    """Incidents as ACLED-style CSV, GeoJSON or XLSX (no source identities)."""
    setup_django()
    import hashlib

    from django.db import transaction

    from marsad import registry
    from marsad.custody import log
    from marsad.incidents.exports import COLUMNS, rows

    exporters = registry.exporters()
    if fmt not in exporters:
        raise CliError(f"unknown format {fmt!r}; known: {', '.join(sorted(exporters))}")
    from marsad.incidents.models import Incident

    scope = Incident.objects.filter(project=_project(project)) if project else None
    table = rows(list(grades) or None, scope)
    if not output.absolute().parent.is_dir():
        raise CliError(f"{output}: not written: the folder {output.absolute().parent} does not exist")
    try:
        exporters[fmt].write(COLUMNS, table, output)
    except OSError as e:  # no permission, a full disk, a name too long
        raise CliError(f"{output}: not written: {e.strerror or e}") from e
    with transaction.atomic():
        log.record("export", outputs=[{"format": fmt, "incidents": len(table),
                                       "sha256": hashlib.sha256(output.read_bytes()).hexdigest()}])
    log.sign_checkpoint()
    click.echo(f"{len(table)} incidents written to {shown(output)} ({fmt})")


COMMANDS = [incidents_group]
