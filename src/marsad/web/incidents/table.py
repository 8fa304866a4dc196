"""The incidents table: filters read from the URL, and keyset pagination (newest
event first, undated incidents last) so a page costs the same at 50,000 rows
as at 50: no OFFSET, only "after this row"."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, fields
from urllib.parse import urlencode

from django.db import connection
from django.db.models import Count, Q

from marsad.incidents.models import Incident, IncidentItem

PAGE = 50


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@dataclass
class Filters:
    project: str = ""
    status: str = ""
    grade: str = ""
    assignee: str = ""  # a username, "me" or "none"
    tag: str = ""
    date_from: str = ""
    date_to: str = ""
    q: str = ""

    @classmethod
    def from_query(cls, query) -> Filters:
        return cls(**{f.name: " ".join(query.get(f.name, "").split())[:200] for f in fields(cls)})

    def apply(self, incidents, user):
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
        if _date(self.date_from):
            incidents = incidents.filter(event_date__gte=_date(self.date_from))
        if _date(self.date_to):
            incidents = incidents.filter(event_date__lte=_date(self.date_to))
        if self.q:
            incidents = incidents.filter(Q(title__icontains=self.q) | Q(code__iexact=self.q))
        return incidents

    def query(self, **extra) -> str:
        """The filters (and `extra`) as a query string, empty values left out."""
        values = {f.name: getattr(self, f.name) for f in fields(self)} | extra
        return urlencode({k: v for k, v in values.items() if v})

    @property
    def active(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))


def _cursor(incident: Incident) -> str:
    if incident.event_date:
        return f"d{incident.event_date.isoformat()}.{incident.pk}"
    return f"n{incident.pk}"


def page(incidents, after: str = "", size: int = PAGE) -> tuple[list[Incident], str]:
    """One page after the cursor and the next page's cursor ("" at the end)."""
    incidents = incidents.select_related("place", "assignee", "project")
    dated = incidents.filter(event_date__isnull=False).order_by("-event_date", "-id")
    undated = incidents.filter(event_date__isnull=True).order_by("-id")
    rows: list[Incident] = []
    if after.startswith("n"):
        pk = int(after[1:]) if after[1:].isdigit() else 0
        rows = list(undated.filter(id__lt=pk)[:size + 1])
    else:
        if after.startswith("d"):
            day, _sep, pk = after[1:].partition(".")
            when = _date(day)
            if when and pk.isdigit():
                # The plain bound lets the index start at the cursor; the OR alone would scan from the top.
                dated = dated.filter(Q(event_date__lt=when) | Q(event_date=when, id__lt=int(pk)),
                                     event_date__lte=when)
        rows = list(dated[:size + 1])
        if len(rows) <= size:
            rows += list(undated[:size + 1 - len(rows)])
    more = len(rows) > size
    rows = rows[:size]
    return rows, (_cursor(rows[-1]) if more and rows else "")


def evidence_counts(rows: list[Incident]) -> dict[int, int]:
    counts = (IncidentItem.objects.filter(incident_id__in=[r.pk for r in rows]).values("incident_id")
              .annotate(n=Count("id")).values_list("incident_id", "n"))
    return dict(counts)
