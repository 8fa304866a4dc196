"""Export a project as a ZIP that another workspace can import (see `bundle` for the
layout and `project_import` for the way back).

incidents.json is lossless: every Incident field, the place by its key, people by
their username, merged and split incidents by code. Restricted fields (witness names
and contacts, source notes; capture paths, names, URLs, channels, posts and texts; GPS
and camera make and model) leave the workspace only with `include_restricted`; without
it they are left out, history entries that set them keep their place with the values
withheld, and the manifest names what was left out.

The export is a custody event in the exporting workspace that commits to the SHA-256 of
every member; the manifest carries the log's public key and the checkpoint signed just
after that event, so the receiver can later prove where the ZIP came from."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

import marsad
from marsad.access.models import Project
from marsad.access.roles import RESTRICTED_CAPTURE_FIELDS, RESTRICTED_INCIDENT_FIELDS, RESTRICTED_ITEM_FIELDS
from marsad.custody import log
from marsad.custody.models import LogEntry
from marsad.evidence.ingest import store
from marsad.evidence.models import Capture, Item
from marsad.incidents.history import visible_changes
from marsad.incidents.models import Comment, GradeApproval, Incident, IncidentChange, IncidentItem, Place

from . import bundle

RESTRICTED_INCIDENT = set(RESTRICTED_INCIDENT_FIELDS)
# A capture's other restricted columns: the exact bytes of its name, and its sighting key
# (a plain hash of path, URL and post, which would confirm a guessed source).
RESTRICTED_CAPTURE = set(RESTRICTED_CAPTURE_FIELDS) | {"original_path_b64", "sighting_key"}
ITEM_FIELDS = ("sha256", "blake2b", "size", "mime", "kind", "first_seen", "captured_at", "captured_at_text",
               "captured_at_source", "tz_known", "width", "height", "duration_s", "codec", "graphic")
CAPTURE_FIELDS = ("source_kind", "ingested_at", "ingested_by", "original_path", "original_path_b64",
                  "original_name", "file_mtime", "url", "channel", "post_id", "posted_at", "text", "source_details",
                  "sighting_key")
# Incident columns written otherwise than as plain values.
INCIDENT_REFERENCES = {"id", "project", "place", "assignee", "merged_into", "split_from"}


def plain(value: Any) -> Any:
    """A database value as JSON: dates and times in ISO 8601 (with microseconds and offset)."""
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="microseconds")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return value


def incident_fields() -> list[str]:
    """Every Incident column exported as a value (references are written by key)."""
    return [f.name for f in Incident._meta.concrete_fields if f.name not in INCIDENT_REFERENCES]


def incident_record(incident: Incident, include_restricted: bool) -> dict[str, Any]:
    record = {name: plain(getattr(incident, name)) for name in incident_fields()
              if include_restricted or name not in RESTRICTED_INCIDENT}
    record["place"] = incident.place.key if incident.place_id else None
    record["assignee"] = incident.assignee.username if incident.assignee_id else None
    record["merged_into"] = incident.merged_into.code if incident.merged_into_id else None
    record["split_from"] = incident.split_from.code if incident.split_from_id else None
    return record


def history_record(change: IncidentChange, include_restricted: bool) -> dict[str, Any]:
    seen = visible_changes([change], include_restricted, keep_withheld=True)[0]
    record = {"incident": change.incident.code, "action": change.action, "field": change.field, "old": seen.old,
              "new": seen.new, "evidence": list(change.evidence), "reason": change.reason, "actor": change.actor,
              "at": plain(change.at), "source_log_index": change.log_index}
    if seen.withheld:
        record["withheld"] = True
    return record


def _leaf_actor(index: int) -> str:
    leaf = LogEntry.objects.filter(index=index).values_list("leaf", flat=True).first()
    return json.loads(bytes(leaf)).get("actor", "") if leaf is not None else ""


def _places(incidents: list[Incident]) -> list[dict[str, Any]]:
    """The places the incidents name, with every parent (and the place each was folded
    into), parents first."""
    wanted: dict[int, Place] = {}
    stack = [i.place for i in incidents if i.place_id]
    while stack:
        place = stack.pop()
        if place.pk in wanted:
            continue
        wanted[place.pk] = place
        stack.extend(p for p in (place.parent, place.merged_into) if p is not None)
    ordered: list[Place] = []
    done: set[int] = set()

    def visit(place: Place) -> None:
        if place.pk in done:
            return
        done.add(place.pk)
        for before in (place.parent, place.merged_into):
            if before is not None:
                visit(before)
        ordered.append(place)

    for place in sorted(wanted.values(), key=lambda p: p.key):
        visit(place)
    return [{"key": p.key, "name": p.name, "name_ar": p.name_ar, "names": list(p.names), "lat": p.lat,
             "lon": p.lon, "level": p.level, "parent": p.parent.key if p.parent_id else None, "pcode": p.pcode,
             "source": p.source, "merged_into": p.merged_into.key if p.merged_into_id else None}
            for p in ordered]


def project_items(project: Project, incidents: list[Incident]) -> list[Item]:
    """The project's evidence: held by it, linked to its incidents, or attached to their comments."""
    return list(Item.objects.filter(
        Q(project_links__project=project) | Q(incident_links__incident__in=incidents)
        | Q(comment_attachments__incident__in=incidents)).distinct().order_by("first_seen", "id"))


def _captures(project: Project, items: list[Item], include_restricted: bool) -> list[dict[str, Any]]:
    """This project's captures only: another project's sightings of the same bytes stay there."""
    from marsad.access.service import DEFAULT_SLUG

    mine = Q(project=project) | (Q(project__isnull=True) if project.slug == DEFAULT_SLUG else Q(pk__in=[]))
    rows = Capture.objects.filter(mine, item__in=items).select_related("item").order_by("ingested_at", "id")
    out = []
    for capture in rows:
        record = {"sha256": capture.item.sha256, "source_log_index": capture.log_index}
        for name in CAPTURE_FIELDS:
            if include_restricted or name not in RESTRICTED_CAPTURE:
                record[name] = plain(getattr(capture, name))
        out.append(record)
    return out


def _item_record(item: Item, include_restricted: bool) -> dict[str, Any]:
    record = {name: plain(getattr(item, name)) for name in ITEM_FIELDS}
    if include_restricted:
        record |= {name: getattr(item, name) for name in RESTRICTED_ITEM_FIELDS}
    return record


def omitted(include_restricted: bool) -> dict[str, list[str]]:
    if include_restricted:
        return {}
    return {"incidents": sorted(RESTRICTED_INCIDENT), "captures": sorted(RESTRICTED_CAPTURE),
            "items": sorted(RESTRICTED_ITEM_FIELDS)}


def export_project(project: Project, out: Path, *, include_restricted: bool = False, actor: str = "") -> dict:
    """Write `project` to the ZIP at `out`; returns the manifest."""
    from marsad.incidents.exports import COLUMNS, rows
    from marsad.plugins.export_csv import CSVExporter

    actor = actor or log.actor_id()
    incidents = list(Incident.objects.filter(project=project).select_related(
        "place", "assignee", "merged_into", "split_from").order_by("id"))
    changes = list(IncidentChange.objects.filter(incident__in=incidents).select_related("incident")
                   .order_by("log_index"))
    links = IncidentItem.objects.filter(incident__in=incidents).select_related("incident", "item").order_by(
        "added_at", "id")
    comments = Comment.objects.filter(incident__in=incidents).select_related("incident", "author").prefetch_related(
        "attachments").order_by("log_index")
    approvals = GradeApproval.objects.filter(incident__in=incidents).select_related(
        "incident", "proposed_by", "decided_by").order_by("proposed_at", "id")
    items = project_items(project, incidents)
    blobs = store()
    writer = bundle.Writer(out)
    try:
        csv_path = out.parent / f".{out.name}.incidents.csv"
        try:
            CSVExporter().write(COLUMNS, rows(None, Incident.objects.filter(project=project)), csv_path)
            writer.add_bytes(bundle.CSV_MEMBER, csv_path.read_bytes())
        finally:
            csv_path.unlink(missing_ok=True)
        writer.add_json("incidents.json", [incident_record(i, include_restricted) for i in incidents])
        writer.add_json("history.json", [history_record(c, include_restricted) for c in changes])
        writer.add_json("links.json", [{"incident": link.incident.code, "sha256": link.item.sha256, "role": link.role,
                                        "added_at": plain(link.added_at), "added_by": link.added_by}
                                       for link in links])
        writer.add_json("comments.json", [
            {"incident": c.incident.code, "author": c.author.username if c.author_id else None,
             "actor": _leaf_actor(c.log_index), "body": c.body, "at": plain(c.at),
             "attachments": sorted(a.sha256 for a in c.attachments.all()), "source_log_index": c.log_index}
            for c in comments])
        writer.add_json("approvals.json", [
            {"incident": a.incident.code, "grade": a.grade, "reason": a.reason,
             "proposed_by": a.proposed_by.username if a.proposed_by_id else None,
             "proposed_actor": a.proposed_actor, "proposed_at": plain(a.proposed_at), "outcome": a.outcome,
             "decided_by": a.decided_by.username if a.decided_by_id else None, "decided_actor": a.decided_actor,
             "decided_at": plain(a.decided_at), "decision_reason": a.decision_reason} for a in approvals])
        writer.add_json("places.json", _places(incidents))
        writer.add_json("items.json", [_item_record(i, include_restricted) for i in items])
        writer.add_json("captures.json", _captures(project, items, include_restricted))
        for item in items:
            with blobs.open(item.sha256) as stream:
                writer.add_stream(f"files/{item.sha256}", stream)
        counts = {"incidents": len(incidents), "history": len(changes), "links": links.count(),
                  "comments": comments.count(), "approvals": approvals.count(), "items": len(items)}
        with transaction.atomic():
            log.lock_head()
            event = log.record("export", actor=actor, outputs=[{
                "format": bundle.FORMAT, "project": project.slug, "restricted": include_restricted, **counts,
                "files_sha256": bundle.files_digest(writer.files)}])
        checkpoint = log.sign_checkpoint()
        manifest = {
            "generator": {"name": "marsad", "version": marsad.__version__},
            "created": plain(timezone.now()),
            "project": {"slug": project.slug, "name": project.name, "created": plain(project.created)},
            "counts": counts,
            "restricted": {"included": include_restricted, "omitted": omitted(include_restricted),
                           "note": "files/ holds the original bytes as received: metadata inside them (GPS, "
                                   "camera) is not removed; share this ZIP only with people who may see originals"},
            "log": {"vkey": settings.WORKSPACE.verifier().vkey(), "checkpoint": checkpoint.note,
                    "export_event": event.index},
        }
        return writer.finish(manifest)
    except BaseException:
        writer.abort()
        raise
