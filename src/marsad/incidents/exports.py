"""Incidents as a table with ACLED's column names first (so ACLED-based scripts,
QGIS and Excel read it as they are), then ours: UCDP-style casualty ranges, WHO
SSA health-care fields, the verification grade and the evidence by hash.

Source identities are never exported: the `source` column says what kinds of
sources support an incident ("3 videos from Telegram; 1 web page"), not who."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db.models import Max

from marsad.core.places.gazetteer import Gazetteer

from . import places
from .models import Incident, IncidentItem
from .service import admin_names

ACLED_COLUMNS = [
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type", "sub_event_type",
    "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "interaction", "civilian_targeting",
    "iso", "region", "country", "admin1", "admin2", "admin3", "location", "latitude", "longitude", "geo_precision",
    "source", "source_scale", "notes", "fatalities", "tags", "timestamp",
]
OUR_COLUMNS = [
    "title", "event_time", "location_as_reported", "place_key", "pcode", "fatalities_low", "fatalities_best",
    "fatalities_high", "civilian_deaths_low", "civilian_deaths_best", "civilian_deaths_high", "injured",
    "health_facility_type", "health_attack_type", "health_workers_killed", "health_workers_injured",
    "patients_killed", "patients_injured", "grade", "grade_reason", "status", "evidence_sha256", "primary_sha256",
    "merged_from", "split_from", "actor_basis", "actor_basis_note",
]
COLUMNS = ACLED_COLUMNS + OUR_COLUMNS


def _sources(links: list[IncidentItem], project_id: int) -> str:
    kinds: Counter = Counter()
    for link in links:
        # The incident's own project's sighting: another project's source is not ours to describe.
        capture = link.item.captures.filter(project_id=project_id).order_by("ingested_at").first()
        origin = {"telegram": "Telegram", "web": "the web", "webarchive": "a web archive", "linklist": "the web"}.get(
            capture.source_kind if capture else "", "files")
        kinds[(link.item.kind, origin)] += 1
    return "; ".join(f"{n} {kind}{'s' if n > 1 else ''} from {origin}" for (kind, origin), n in sorted(kinds.items()))


def row(incident: Incident, g: Gazetteer | None = None) -> dict[str, Any]:
    links = list(incident.links.select_related("item").order_by("added_at", "id"))
    admins = admin_names(incident, g)
    changed = incident.changes.aggregate(last=Max("at"))["last"] or incident.created
    return {
        "event_id_cnty": incident.code,
        "event_date": incident.event_date.isoformat() if incident.event_date else None,
        "year": incident.event_date.year if incident.event_date else None,
        "time_precision": incident.time_precision,
        "disorder_type": incident.disorder_type,
        "event_type": incident.event_type,
        "sub_event_type": incident.sub_event_type,
        "actor1": incident.actor1,
        "assoc_actor_1": incident.assoc_actor_1,
        "inter1": None,
        "actor2": incident.actor2,
        "assoc_actor_2": incident.assoc_actor_2,
        "inter2": None,
        "interaction": None,
        "civilian_targeting": "Civilian targeting" if incident.civilian_targeting else "",
        "iso": 760 if incident.place_id else None,
        "region": "Middle East" if incident.place_id else "",
        "country": "Syria" if incident.place_id else "",
        "admin1": admins["admin1"],
        "admin2": admins["admin2"],
        "admin3": admins["admin3"],
        "location": admins["location"],
        "latitude": incident.latitude,
        "longitude": incident.longitude,
        "geo_precision": incident.geo_precision,
        "source": _sources(links, incident.project_id),
        "source_scale": "",
        "notes": incident.notes,
        "fatalities": incident.fatalities_best,
        "tags": "; ".join(incident.tags or []),
        "timestamp": int(changed.timestamp()),
        "title": incident.title,
        "event_time": incident.event_time.isoformat(timespec="minutes") if incident.event_time else None,
        "location_as_reported": incident.location_text,
        "place_key": incident.place.key if incident.place_id else None,
        "pcode": incident.place.pcode if incident.place_id else None,
        **{f: getattr(incident, f) for f in (
            "fatalities_low", "fatalities_best", "fatalities_high", "civilian_deaths_low", "civilian_deaths_best",
            "civilian_deaths_high", "injured", "health_facility_type", "health_attack_type", "health_workers_killed",
            "health_workers_injured", "patients_killed", "patients_injured", "grade", "grade_reason", "status")},
        "evidence_sha256": ";".join(link.item.sha256 for link in links),
        "primary_sha256": ";".join(link.item.sha256 for link in links if link.role == IncidentItem.Role.PRIMARY),
        "merged_from": ";".join(incident.merged.values_list("code", flat=True).order_by("code")),
        "split_from": incident.split_from.code if incident.split_from_id else None,
        "actor_basis": incident.actor_basis,  # service.ACTOR_BASES, ";"-separated
        "actor_basis_note": incident.actor_basis_note,
    }


def rows(grades: list[str] | None = None, incidents=None) -> list[dict[str, Any]]:
    """Export rows; `incidents`: a queryset already limited to what the reader may see."""
    query = (Incident.objects if incidents is None else incidents).filter(
        merged_into__isnull=True).select_related("place", "split_from")
    if grades:
        query = query.filter(grade__in=grades)
    g = places.gazetteer()  # once for the export, not once per incident
    return [row(i, g) for i in query.order_by("event_date", "code")]
