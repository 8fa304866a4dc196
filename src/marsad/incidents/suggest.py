"""Grouping suggestions from the workspace: what an item's captures, metadata and
copies say (see `marsad.core.grouping`), against the open incidents. Nothing is
linked here: accepting a suggestion is a person's act (`incidents accept`)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from marsad.core.grouping import Evidence, IncidentView, Suggestion, add_text, event_kinds, suggest_tiers
from marsad.evidence.models import Item

from . import places
from .models import Incident

LOCAL = ZoneInfo("Asia/Damascus")


def _local(moment: datetime) -> datetime:
    return moment.astimezone(LOCAL).replace(tzinfo=None) if moment.tzinfo else moment


def evidence_of(item: Item, project_id: int | None = None) -> Evidence:
    """What an item says about when and where; `project_id`: read only that project's sightings
    (another project's post texts and times are its own, even of the same bytes)."""
    from marsad.matching.models import CopyLink
    from marsad.matching.service import cluster

    g = places.gazetteer()
    ev = Evidence(item.sha256)
    if item.captured_at:
        ev.times.append((_local(item.captured_at), "capture metadata", 0.5 if item.tz_known else 3.0))
    if item.gps_lat is not None:
        ev.gps = (item.gps_lat, item.gps_lon)
    captures = item.captures.all() if project_id is None else item.captures.filter(project_id=project_id)
    for capture in captures:
        posted = capture.posted_at
        if posted:
            # A post follows its event by the hours a phone, a connection or a channel takes.
            ev.times.append((_local(posted), f"the {capture.source_kind} post time", 3.0))
        texts = [capture.text]
        for row in (capture.source_details or {}).get("link_list", {}).get("rows", []):
            texts += [row.get("place", ""), row.get("notes", ""), row.get("date", "")]
        for text in filter(None, texts):
            add_text(ev, text, _local(posted) if posted else None, g)
    for link in CopyLink.objects.filter(a=item) | CopyLink.objects.filter(b=item):
        other = link.b if link.a_id == item.id else link.a
        share = link.share_a if link.a_id == item.id else link.share_b
        ev.copies[other.sha256] = f"{share:.0%} of its frames match, distance {link.distance}"
    for copy in cluster(item):
        if copy.sha256 != item.sha256:
            ev.copies.setdefault(copy.sha256, "in the same copy cluster")
    return ev


def views() -> list[IncidentView]:
    g = places.gazetteer()
    out = []
    for incident in Incident.objects.filter(merged_into__isnull=True).select_related("place"):
        when = None
        if incident.event_date:
            when = datetime.combine(incident.event_date, incident.event_time or datetime.min.time().replace(hour=12))
        place = None
        if incident.place_id:
            key = incident.place.merged_into.key if incident.place.merged_into_id else incident.place.key
            place = g.places.get(key)
        items = set(incident.links.values_list("item__sha256", flat=True))
        kinds = event_kinds(" ".join(filter(None, (incident.title, incident.event_type, incident.sub_event_type,
                                                     incident.health_attack_type))))
        out.append(IncidentView(incident.code, when, place, items, incident.title, kinds))
    return out


def suggestions(item: Item, limit: int = 5, weak_limit: int = 3) -> tuple[Evidence, list[Suggestion]]:
    """Strong suggestions first, then the weak tier (`Suggestion.tier == "weak"`: the same time window and kind
    of event, no place named), which never displaces a strong one."""
    ev = evidence_of(item)
    linked = set(item.incident_links.values_list("incident__code", flat=True))
    strong, weak = suggest_tiers(ev, views(), places.gazetteer(), limit + len(linked), weak_limit + len(linked))
    return ev, ([s for s in strong if s.code not in linked][:limit]
                + [s for s in weak if s.code not in linked][:weak_limit])
