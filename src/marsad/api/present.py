"""Answers built per role: dictionaries that hold a restricted field only when the
role may read it (`full`), never model rows handed to a serializer that might
print them all. The item parts reuse what the item pages show (web.items.present)."""

from __future__ import annotations


from django.db.models import QuerySet

from marsad.access.roles import RESTRICTED_CAPTURE_FIELDS, RESTRICTED_INCIDENT_FIELDS
from marsad.evidence.models import Item
from marsad.incidents.history import visible_changes
from marsad.incidents.models import Incident
from marsad.incidents.service import _jsonable
from marsad.web.items import present as pages


# -- evidence ----------------------------------------------------------------------------

def item_out(item: Item, full: bool, codes: list[str]) -> dict:
    """What the item pages show (web.items.present.item_facts), shaped for the API."""
    out = {k: v for k, v in pages.item_facts(item, full).items() if k not in ("blake2b", "analysis_errors")}
    out["captured_at"] = out.pop("captured_at_text")
    return out | {"incidents": codes, "restricted_shown": full}


CAPTURE_FIELDS = ("id", "item__sha256", "project_id", "source_kind", "ingested_at", *RESTRICTED_CAPTURE_FIELDS)


def captures_out(user, rows: QuerySet, slugs: dict[int, str]) -> list[dict]:
    """Capture rows (ordered and cut, not yet read) for the API, restricted fields only
    where the user may see them (web.items.present.capture_rows)."""
    out = []
    for row in pages.capture_rows(user, rows.values(*CAPTURE_FIELDS)):
        row["item"] = row.pop("item__sha256")
        row["project"] = slugs.get(row.pop("project_id"))
        out.append(row)
    return out


# -- incidents ---------------------------------------------------------------------------

PLAIN = ("code", "title", "event_date", "event_time", "time_precision", "disorder_type", "event_type",
         "sub_event_type", "actor1", "assoc_actor_1", "actor2", "assoc_actor_2", "actor_basis", "actor_basis_note",
         "civilian_targeting",
         "location_text", "latitude", "longitude", "geo_precision", "fatalities_low", "fatalities_best",
         "fatalities_high", "civilian_deaths_low", "civilian_deaths_best", "civilian_deaths_high", "injured",
         "health_facility_type", "health_attack_type", "health_workers_killed", "health_workers_injured",
         "patients_killed", "patients_injured", "notes", "grade", "grade_reason", "status", "tags", "created")


def incident_out(incident: Incident, full: bool) -> dict:
    out = {name: getattr(incident, name) for name in PLAIN}
    out |= {"project": incident.project.slug, "place": incident.place.key if incident.place_id else None,
            "assignee": incident.assignee.username if incident.assignee_id else None,
            "merged_into": incident.merged_into.code if incident.merged_into_id else None,
            "split_from": incident.split_from.code if incident.split_from_id else None,
            "restricted_shown": full}
    if full:
        out |= {name: getattr(incident, name) for name in RESTRICTED_INCIDENT_FIELDS}
    return out


def history(incident: Incident, names: dict[str, str], full: bool) -> list[dict]:
    """Every change, oldest first; a restricted field's change is left out without the
    right, and its values are taken out of the record of the creation."""
    return [{"action": v.change.action, "field": v.change.field, "old": v.old, "new": v.new,
             "evidence": v.change.evidence, "reason": v.change.reason, "at": v.change.at,
             "actor": names.get(v.change.actor, v.change.actor), "log_index": v.change.log_index}
            for v in visible_changes(incident, full)]


def links(incident: Incident) -> list[dict]:
    return [{"sha256": sha, "role": role, "added_at": at} for sha, role, at in
            incident.links.order_by("added_at", "id").values_list("item__sha256", "role", "added_at")]


def comments(incident: Incident) -> list[dict]:
    return [{"id": c.pk, "author": c.author.username if c.author_id else None, "body": c.body,
             "attachments": [a.sha256 for a in c.attachments.all()], "at": c.at, "log_index": c.log_index}
            for c in incident.comments.select_related("author").prefetch_related("attachments")]


def jsonable_seen(seen: dict | None) -> dict | None:
    return None if seen is None else {k: _jsonable(v) for k, v in seen.items()}
