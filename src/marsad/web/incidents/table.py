"""The incidents table: filters read from the URL, and keyset pagination (newest
event first, undated incidents last) so a page costs the same at 50,000 rows
as at 50: no OFFSET, only "after this row"."""

from __future__ import annotations

from django.db.models import Count, Q

from marsad.incidents.filters import Filters, parse_date  # noqa: F401  (Filters: the shared one, re-exported)
from marsad.incidents.models import Incident, IncidentItem

PAGE = 50


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
            when = parse_date(day)
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
