"""One filter for every view of the record: the incidents table, the map, the
timeline, search and the API read the same URL parameters through `Filters`, so
a link reproduces a view and switching views keeps what was chosen.

`apply(incidents, user)` narrows incidents; `apply_items(items, user)` narrows
evidence by the same choices (incident choices reach evidence through its links).
Both take querysets already limited to what the user may see (access.rules)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, fields
from urllib.parse import urlencode

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet

from .models import Incident, IncidentItem, Place


def parse_date(value: str) -> dt.date | None:
    """An ISO date from the URL; None for none or nonsense."""
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def place_and_below(place: Place) -> list[int]:
    """A place and every place inside it (a governorate's districts, subdistricts, towns)."""
    found, frontier = [place.pk], [place.pk]
    while frontier:
        frontier = list(Place.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        found += frontier
    # Places merged into one of these (the same town in a coarser gazetteer) count as inside too.
    found += list(Place.objects.filter(merged_into_id__in=found).values_list("pk", flat=True))
    return found


@dataclass
class Filters:
    project: str = ""  # a project slug
    status: str = ""
    grade: str = ""
    assignee: str = ""  # a username, "me" or "none"
    tag: str = ""
    date_from: str = ""  # ISO dates, inclusive
    date_to: str = ""
    q: str = ""  # words, searched as marsad.search does
    kind: str = ""  # evidence kind: video, image, ...
    source: str = ""  # source kind of the evidence: telegram, web, files, upload, ...
    place: str = ""  # a Place key: the place and everything within it
    event_type: str = ""  # ACLED event type or sub-event type

    @classmethod
    def from_query(cls, query) -> Filters:
        # NUL goes: PostgreSQL refuses it in a text parameter (a 500 on every page that filters).
        return cls(**{f.name: " ".join(str(query.get(f.name, "") or "").replace("\x00", "").split())[:200]
                      for f in fields(cls)})

    # --- incidents -------------------------------------------------------------------------
    def apply(self, incidents: QuerySet, user) -> QuerySet:
        if self.project:
            incidents = incidents.filter(project__slug=self.project)
        if self.status in Incident.Status.values:
            incidents = incidents.filter(status=self.status)
        if self.grade in Incident.Grade.values:
            incidents = incidents.filter(grade=self.grade)
        if self.assignee == "me":
            incidents = incidents.filter(assignee=user)
        elif self.assignee == "none":
            incidents = incidents.filter(assignee__isnull=True)
        elif self.assignee:
            incidents = incidents.filter(assignee__username=self.assignee)
        if self.tag:
            if connection.features.supports_json_field_contains:
                incidents = incidents.filter(tags__contains=[self.tag])
            else:  # SQLite keeps the list as JSON text, non-ASCII escaped as json.dumps writes it
                incidents = incidents.filter(tags__icontains=json.dumps(self.tag))
        if parse_date(self.date_from):
            incidents = incidents.filter(event_date__gte=parse_date(self.date_from))
        if parse_date(self.date_to):
            incidents = incidents.filter(event_date__lte=parse_date(self.date_to))
        if self.event_type:
            incidents = incidents.filter(Q(event_type=self.event_type) | Q(sub_event_type=self.event_type))
        if self.place:
            place = self.place_obj()
            incidents = incidents.filter(place_id__in=place_and_below(place)) if place else incidents.none()
        if self.kind or self.source:
            links = IncidentItem.objects.filter(incident=OuterRef("pk"))
            if self.kind:
                links = links.filter(item__kind=self.kind)
            if self.source:
                from marsad.evidence.models import Capture

                links = links.filter(Exists(Capture.objects.filter(
                    item=OuterRef("item_id"), source_kind=self.source, project_id=OuterRef("incident__project_id"))))
            incidents = incidents.filter(Exists(links))
        if self.q:
            from marsad.search.query import incidents_matching

            incidents = incidents.filter(Q(code__iexact=self.q) | Q(pk__in=incidents_matching(user, self.q)))
        return incidents

    # --- evidence --------------------------------------------------------------------------
    INCIDENT_CHOICES = ("status", "grade", "assignee", "tag", "place", "event_type")

    def apply_items(self, items: QuerySet, user, incidents: QuerySet | None = None) -> QuerySet:
        """Evidence by kind, source, date (when captured, else first seen) and words; the
        incident choices keep the evidence linked to an incident they select."""
        from marsad.access.models import ProjectItem
        from marsad.access.rules import projects_where, visible_incidents
        from marsad.evidence.models import Capture

        projects = projects_where(user, "view")
        if self.project:
            items = items.filter(Exists(ProjectItem.objects.filter(item=OuterRef("pk"), project__slug=self.project,
                                                                   project_id__in=projects)))
        if self.kind:
            items = items.filter(kind=self.kind)
        if self.source:
            items = items.filter(Exists(Capture.objects.filter(item=OuterRef("pk"), source_kind=self.source,
                                                                project_id__in=projects)))
        start, end = parse_date(self.date_from), parse_date(self.date_to)
        if start or end:
            # One OR of two ranges, each whole on its own column, so that each side can be read
            # from its index (a day's evidence out of a million), not two ORs tested on every row.
            span = {}
            if start:
                span["gte"] = dt.datetime.combine(start, dt.time.min, dt.UTC)
            if end:
                span["lte"] = dt.datetime.combine(end, dt.time.max, dt.UTC)
            items = items.filter(Q(**{f"captured_at__{op}": moment for op, moment in span.items()})
                                 | Q(captured_at__isnull=True, **{f"first_seen__{op}": moment
                                                                  for op, moment in span.items()}))
        if any(getattr(self, name) for name in self.INCIDENT_CHOICES):
            chosen = Filters(**{name: getattr(self, name) for name in self.INCIDENT_CHOICES})
            scope = chosen.apply(incidents if incidents is not None else visible_incidents(user), user)
            items = items.filter(Exists(IncidentItem.objects.filter(item=OuterRef("pk"), incident__in=scope)))
        if self.q:
            from marsad.search.query import items_matching

            items = items.filter(Q(sha256__startswith=self.q.lower()) | Q(pk__in=items_matching(user, self.q)))
        return items

    # --- the URL ---------------------------------------------------------------------------
    def place_obj(self) -> Place | None:
        if not hasattr(self, "_place"):
            self._place = Place.objects.filter(key=self.place).first() if self.place else None
        return self._place

    def query(self, **extra) -> str:
        """The filters (and `extra`) as a query string, empty values left out."""
        values = {f.name: getattr(self, f.name) for f in fields(self)} | extra
        return urlencode({k: v for k, v in values.items() if v})

    @property
    def active(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))
