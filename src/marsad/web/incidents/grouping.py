"""Grouping suggestions seen from an incident: which evidence the reader may see,
not yet linked, may belong here, each with the reasons `marsad incidents suggest`
gives, in two tiers: strong (by place, time or copy), then weak (the same time window
and kind of event, no place named), never ranked above a strong one. Candidates are
the items near the incident in time and the copies of its evidence, so the page never
scores the whole collection."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q

from marsad.access.rules import visible_items
from marsad.core import grouping as core
from marsad.core.grouping import SUGGEST_AT, STRONG, IncidentView, event_kinds, score
from marsad.evidence.models import Item
from marsad.incidents import places
from marsad.incidents.models import Incident
from marsad.incidents.suggest import evidence_of

WINDOW = dt.timedelta(days=3)
CANDIDATES = 60


@dataclass
class Found:
    item: Item
    score: float
    why: str
    tier: str = STRONG  # or core.WEAK: same time window and kind of event, no place named


def view_of(incident: Incident) -> IncidentView:
    g = places.gazetteer()
    when = None
    if incident.event_date:
        when = dt.datetime.combine(incident.event_date, incident.event_time or dt.time(12))
    place = None
    if incident.place_id:
        key = incident.place.merged_into.key if incident.place.merged_into_id else incident.place.key
        place = g.places.get(key)
    items = set(incident.links.values_list("item__sha256", flat=True))
    # Kinds of event read as `incidents suggest` reads them: the title and the type fields.
    kinds = event_kinds(" ".join(filter(None, (incident.title, incident.event_type, incident.sub_event_type,
                                                 incident.health_attack_type))))
    return IncidentView(incident.code, when, place, items, incident.title, kinds)


def _candidates(incident: Incident, user) -> list[Item]:
    from marsad.matching.models import CopyLink

    pool = visible_items(user, "edit").exclude(incident_links__incident=incident)
    linked = list(incident.links.values_list("item_id", flat=True))
    copies = set(CopyLink.objects.filter(a_id__in=linked).values_list("b_id", flat=True))
    copies |= set(CopyLink.objects.filter(b_id__in=linked).values_list("a_id", flat=True))
    near = Q(pk__in=copies)
    if incident.event_date:
        start = dt.datetime.combine(incident.event_date - WINDOW, dt.time(), tzinfo=dt.UTC)
        end = dt.datetime.combine(incident.event_date + WINDOW, dt.time(), tzinfo=dt.UTC)
        # Post times only from this project's sightings: another project's are not ours to use.
        near |= Q(captured_at__range=(start, end)) | Q(captures__posted_at__range=(start, end),
                                                        captures__project_id=incident.project_id)
        chosen = pool.filter(near)
    else:
        chosen = pool.filter(near | Q(project_links__project_id=incident.project_id))
    return list(chosen.distinct().order_by("-first_seen")[:CANDIDATES])


def _judge(item: Item, incident: Incident, view: IncidentView, g) -> Found | None:
    ev = evidence_of(item, incident.project_id)
    s = score(ev, view, g)
    if s.score >= SUGGEST_AT:
        return Found(item, s.score, s.explain())
    w = core.weak(ev, view, g)
    return Found(item, w.score, w.explain(), w.tier) if w else None


def suggestions(incident: Incident, user, limit: int = 5, weak_limit: int = 3) -> tuple[list[Found], list[Found]]:
    """(strong, weak): each best first; a weak one is shown after every strong one, labelled."""
    if incident.merged_into_id:
        return [], []
    view, g = view_of(incident), places.gazetteer()
    found = [f for f in (_judge(item, incident, view, g) for item in _candidates(incident, user)) if f]
    ranked = sorted(found, key=lambda f: (-f.score, f.item.sha256))
    return ([f for f in ranked if f.tier == STRONG][:limit],
            [f for f in ranked if f.tier != STRONG][:weak_limit])


def reason_for(incident: Incident, item: Item) -> str:
    """The suggestion's reasons, recorded with the link when a person accepts it (a weak
    one's begin "weak: same time window, same kind of event", as `incidents accept` records)."""
    found = _judge(item, incident, view_of(incident), places.gazetteer())
    if found:
        return f"accepted suggestion: {found.why}"
    return "linked by hand (not among the suggestions)"
