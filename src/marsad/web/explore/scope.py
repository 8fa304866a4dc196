"""What the table, the map and the timeline share: the incidents a person may see
narrowed by the URL's filters (`marsad.incidents.filters.Filters`), and what the
filter form (templates/includes/filters.html) needs to draw its choices."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from marsad import registry
from marsad.access.models import Membership
from marsad.access.rules import visible_incidents, visible_projects
from marsad.core.mediatype import MediaKind
from marsad.incidents.filters import Filters
from marsad.incidents.models import Place
from marsad.incidents.service import EVENT_TYPES
from marsad.web.places import name_in, place_name
from marsad.web.places import reading_arabic as arabic  # explore.views reads it from here


def scope(request) -> tuple[Filters, QuerySet]:
    """The filters in the URL and the incidents they select among those this person may see
    (merged incidents live on in the one they were merged into)."""
    filters = Filters.from_query(request.GET)
    incidents = visible_incidents(request.user).filter(merged_into__isnull=True)
    return filters, filters.apply(incidents, request.user)


def governorates_and_districts() -> QuerySet:
    """The places the filter offers and the map writes: governorates and districts not merged into another."""
    return Place.objects.filter(level__in=(1, 2), merged_into__isnull=True)


def place_choices(filters: Filters) -> list[tuple[str, str]]:
    """Governorates, each followed by its districts, named in the reader's language; the
    place in the URL is kept even when it is a town (a link from a marker's popup)."""
    rows = list(governorates_and_districts().values("pk", "key", "name", "name_ar", "level", "parent_id"))
    ar = arabic()
    name = {r["pk"]: name_in(r["name"], r["name_ar"], ar) for r in rows}
    by_parent: dict[int | None, list[dict]] = {}
    for r in rows:
        parent = r["parent_id"] if r["level"] == 2 and r["parent_id"] in name else None
        by_parent.setdefault(parent, []).append(r)
    out = []
    for top in sorted(by_parent.get(None, []), key=lambda r: (r["level"], name[r["pk"]])):
        out.append((top["key"], name[top["pk"]]))
        out += [(d["key"], f"— {name[d['pk']]}") for d in sorted(by_parent.get(top["pk"], []), key=lambda r: name[r["pk"]])]
    chosen = filters.place_obj()
    if chosen is not None and chosen.key not in {k for k, _label in out}:
        out.insert(0, (chosen.key, place_name(chosen, ar)))
    return out


def members_of(projects: list) -> QuerySet:
    """The people with a role in any of `projects`, by name (the assignee choices)."""
    return get_user_model().objects.filter(
        pk__in=Membership.objects.filter(project__in=projects).values("user_id")).order_by("username")


def filter_context(request, filters: Filters, count: int) -> dict:
    """Everything templates/includes/filters.html reads."""
    from marsad.web.incidents.forms import EVENT_LABELS, grade_choices, status_choices

    projects = list(visible_projects(request.user))
    # ACLED's six event types; a sub-event type (from a link) is kept when the URL names one.
    event_types = [(main, str(EVENT_LABELS.get(main, main))) for main in EVENT_TYPES]
    subs = {s for _disorder, names in EVENT_TYPES.values() for s in names}
    if filters.event_type in subs:
        event_types.append((filters.event_type, f"— {EVENT_LABELS.get(filters.event_type, filters.event_type)}"))
    return {
        "filters": filters, "count": count, "projects": projects,
        "grades": grade_choices(blank=True), "statuses": status_choices(blank=True),
        "members": members_of(projects), "place_choices": place_choices(filters), "event_types": event_types,
        "media_kinds": [k.value for k in MediaKind], "source_kinds": sorted(registry.sources()),
        "current_view": request.resolver_match.view_name if request.resolver_match else "",
    }
