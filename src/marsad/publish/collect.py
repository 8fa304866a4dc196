"""From the database to plain values for the pages: public fields only, sources
by kind, media only as redacted derivatives a person approved (one is made and
recorded when an item has none, to be reviewed before the next publish)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Max

from marsad.access.roles import RESTRICTED_INCIDENT_FIELDS
from marsad.core.places.gazetteer import DISTRICT, GOVERNORATE, SUBDISTRICT, Gazetteer
from marsad.core.publish import fields, names, sources
from marsad.custody.models import LogEntry
from marsad.evidence.models import Derivative
from marsad.evidence.redaction import (
    RedactionError,
    approved_redaction,
    redact_item,
    redacted_of,
)
from marsad.incidents import exports, places
from marsad.incidents.models import Incident, IncidentItem

logger = logging.getLogger(__name__)
PUBLISH_EVENT = "publish"
ROLE_ORDER = {IncidentItem.Role.PRIMARY: 0, IncidentItem.Role.CORROBORATING: 1, IncidentItem.Role.CONTEXT: 2}
MEDIA_KINDS = ("image", "video")  # what can be redacted and shown; the rest is described, not published


@dataclass
class Media:
    role: str
    kind: str
    mime: str
    sha256: str  # of the published (redacted) file
    path: str  # site path
    graphic: bool
    blob: str  # store key (the same hash)


@dataclass
class Published:
    """One incident as the public sees it."""

    code: str
    values: dict[str, Any]  # public fields, coordinates coarsened
    row: dict[str, Any]  # the public export row
    place: dict[str, Any] | None
    media: list[Media] = field(default_factory=list)
    withheld: int = 0  # linked evidence not shown: not a photo or video, not redactable, or not approved
    awaiting: int = 0  # of those, redactions waiting for a person's approval
    sources: list[tuple[str, str, int]] = field(default_factory=list)
    first_published: datetime | None = None
    last_updated: datetime | None = None


def choose(grade: str, project=None):
    """The incidents to publish: this project's, at or above `grade`, not merged or withdrawn."""
    query = Incident.objects.filter(merged_into__isnull=True, grade__in=fields.grades_at_or_above(grade)).exclude(
        status__in=fields.WITHDRAWN_STATUSES)
    if project is not None:
        query = query.filter(project=project)
    return query.select_related("place", "split_from").order_by("event_date", "code")


def first_publications() -> dict[str, datetime]:
    """Each code's first publication: the time of the earliest publish event naming it."""
    first: dict[str, datetime] = {}
    for entry in LogEntry.objects.filter(type=PUBLISH_EVENT).order_by("index").only("leaf", "time"):
        for output in json.loads(bytes(entry.leaf)).get("outputs", []):
            for code in output.get("incidents", []):
                first.setdefault(code, entry.time)
    return first


def redacted(item, actor: str | None) -> tuple[Derivative | None, bool]:
    """The item's approved redacted derivative, or (None, awaiting review?). One is made
    (and recorded) when the item has none, for a person to approve before the next publish."""
    approved = approved_redaction(item)
    if approved is not None:
        return approved, False
    if not redacted_of(item).exists():
        try:
            redact_item(item.sha256, actor=actor)
        except RedactionError as e:
            logger.warning("%s not published: %s", item.sha256[:12], e)
            return None, False
    return None, True


def _place(incident: Incident, g: Gazetteer) -> dict[str, Any] | None:
    if incident.place_id is None:
        return None
    key = incident.place.merged_into.key if incident.place.merged_into_id else incident.place.key
    if key not in g.places:
        return None
    here = g.get(key)
    levels = []
    for level, name in ((GOVERNORATE, "governorate"), (DISTRICT, "district"), (SUBDISTRICT, "subdistrict")):
        area = g.admin(here, level)
        if area is not None and area.id != here.id:
            levels.append({"level": name, "name": area.name, "name_ar": area.name_ar, "pcode": area.pcode})
    return {"name": here.name, "name_ar": here.name_ar, "pcode": here.pcode, "levels": levels}


def collect(incidents: list[Incident], actor: str | None = None) -> list[Published]:
    g = places.gazetteer()
    codes = {i.code for i in incidents}
    columns = fields.public_columns(exports.COLUMNS, RESTRICTED_INCIDENT_FIELDS)
    first = first_publications()
    out = []
    for incident in incidents:
        links = sorted(incident.links.select_related("item"), key=lambda x: (ROLE_ORDER.get(x.role, 9), x.added_at,
                                                                            x.id))
        media, withheld, awaiting, pairs = [], 0, 0, []
        for link in links:
            item = link.item
            capture = item.captures.filter(project_id=incident.project_id).order_by("ingested_at", "id").first()
            pairs.append((item.kind, capture.source_kind if capture else None))
            made, waits = redacted(item, actor) if item.kind in MEDIA_KINDS else (None, False)
            if made is None:
                withheld, awaiting = withheld + 1, awaiting + waits
                continue
            media.append(Media(link.role, item.kind, made.mime, made.sha256, names.media_file(made.sha256, made.mime),
                               item.graphic, made.sha256))
        row = fields.public_row(exports.row(incident, g), columns, codes, [m.sha256 for m in media])
        last = incident.changes.exclude(field__in=fields.INTERNAL_FIELDS | set(RESTRICTED_INCIDENT_FIELDS)).aggregate(
            last=Max("at"))["last"] or incident.created
        row["timestamp"] = int(last.timestamp())
        values = {c: row.get(c) for c in columns}
        out.append(Published(incident.code, values, row, _place(incident, g), media, withheld, awaiting,
                             sources.count_by_kind(pairs), first.get(incident.code), last))
    return out
