"""The map and the timeline: the incidents table's filter (explore.scope) drawn on a
map of offline borders and along time. Both read only what access.rules lets the
person see; the map's data is a separate JSON request so the page itself is light.

A deployment may put its own PMTiles basemap at <workspace>/tiles/NAME.pmtiles:
`tiles` serves it with HTTP Range requests (what PMTiles readers ask for) to
anyone signed in; the map page names the files it finds (data-tiles) for a
PMTiles-capable layer."""

from __future__ import annotations

import datetime as dt
import json
import re

from django.db.models import F
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from marsad import conf
from marsad.access.rules import visible_items
from marsad.incidents.filters import parse_date
from marsad.incidents.models import Place
from marsad.web.incidents.forms import GRADE_LABELS
from marsad.web.places import name_in

from . import mapdata, timeline
from .scope import arabic, filter_context, scope

TILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,100}\.pmtiles")
LIST_LIMIT = 100
# Neighbours' names for the basemap (Natural Earth names them in English only).
COUNTRIES = {"Syria": gettext_lazy("Syria"), "Lebanon": gettext_lazy("Lebanon"), "Israel": gettext_lazy("Israel"),
             "Palestine": gettext_lazy("Palestine"), "Jordan": gettext_lazy("Jordan"), "Iraq": gettext_lazy("Iraq"),
             "Turkey": gettext_lazy("Turkey"), "Cyprus": gettext_lazy("Cyprus")}


def _tile_files() -> list[str]:
    folder = conf.home() / "tiles"
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.glob("*.pmtiles") if p.is_file() and TILE_NAME.fullmatch(p.name))


def _labels() -> list[list]:
    """Governorates and districts to write on the map, in the reader's language. Gazetteers
    often give an admin area no coordinates (GeoNames' governorates have none): it is then
    written at the centre of the places inside it that have some."""
    ar = arabic()
    rows = {r["pk"]: r for r in Place.objects.filter(merged_into__isnull=True).values(
        "pk", "parent_id", "name", "name_ar", "lat", "lon", "level")}
    sums: dict[int, list[float]] = {}
    for r in rows.values():
        if r["lat"] is None or r["lon"] is None or r["level"] in (1, 2):
            continue
        parent, seen = r["parent_id"], set()
        while parent in rows and parent not in seen:
            seen.add(parent)
            total = sums.setdefault(parent, [0.0, 0.0, 0])
            total[0], total[1], total[2] = total[0] + r["lat"], total[1] + r["lon"], total[2] + 1
            parent = rows[parent]["parent_id"]
    labels = []
    for pk, r in rows.items():
        if r["level"] not in (1, 2):
            continue
        lat, lon = r["lat"], r["lon"]
        if (lat is None or lon is None) and pk in sums:
            lat, lon = sums[pk][0] / sums[pk][2], sums[pk][1] / sums[pk][2]
        if lat is not None and lon is not None:
            labels.append([name_in(r["name"], r["name_ar"], ar), round(lat, 4), round(lon, 4), r["level"]])
    return labels


@require_GET
def map_page(request):
    filters, incidents = scope(request)
    words = {
        "code": _("Code"), "date": _("Date"), "place": _("Place"), "grade": _("Grade"), "open": _("Open"),
        "incidents_here": _("incidents here"), "show_table": _("Show these in the table"),
        "precision": _("Location"), "exact": _("exact"), "town": _("town"), "district": _("district"),
        "governorate": _("governorate"),
        "status": _("%(mapped)s on the map; %(unmapped)s without a location."),
        "grouped": _("So many that they are counted per place: zoom in or narrow the filter to see each one."),
        "failed": _("The incidents could not be loaded. Reload the page to try again."),
        "grades": {k: str(v) for k, v in GRADE_LABELS.items()},
        "countries": {k: str(v) for k, v in COUNTRIES.items()},
    }
    tiles = [reverse("explore:tiles") + f"?file={name}" for name in _tile_files()]
    context = filter_context(request, filters, incidents.count()) | {
        "data_url": reverse("explore:map_data") + (f"?{filters.query()}" if filters.query() else ""),
        "table_url": reverse("incidents:list") + (f"?{filters.query()}" if filters.query() else ""),
        "detail_url": reverse("incidents:detail", args=["CODE"]),
        "words": json.dumps(words, ensure_ascii=False), "labels": json.dumps(_labels(), ensure_ascii=False),
        "tiles": json.dumps(tiles), "precisions": mapdata.PRECISIONS,
    }
    return render(request, "explore/map.html", context)


@require_GET
def map_data(request):
    _filters, incidents = scope(request)
    data = mapdata.collection(incidents, arabic())
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False},
                        content_type="application/geo+json; charset=utf-8")


@require_GET
def tiles(request):
    """A deployment's own PMTiles basemap, with Range support."""
    from marsad.web.items.media import serve_file

    files = _tile_files()
    name = request.GET.get("file") or (files[0] if files else "")
    if name not in files:
        raise Http404
    path = conf.home() / "tiles" / name
    stat = path.stat()
    return serve_file(request, path, "application/vnd.pmtiles", name, f"{stat.st_size:x}-{int(stat.st_mtime):x}",
                      cache="private, max-age=86400")


@require_GET
def timeline_page(request):
    filters, incidents = scope(request)
    items = filters.apply_items(visible_items(request.user), request.user)
    rtl = arabic()
    day = parse_date(request.GET.get("day", ""))
    context = filter_context(request, filters, incidents.count()) | {"day": day, "rtl": rtl}
    base = reverse("explore:timeline")
    query = filters.query()
    if day:
        buckets, untimed = timeline.hour_counts(incidents, items, day)
        on_day = incidents.filter(event_date=day)
        context |= {
            "chart": timeline.Chart(buckets, rtl=rtl), "mode": "hour", "untimed": untimed,
            "day_incidents": list(on_day.order_by(F("event_time").asc(nulls_last=True), "code").values(
                "code", "title", "event_time", "time_precision", "place__name", "place__name_ar")[:LIST_LIMIT]),
            "day_total": on_day.count(),
            "day_items": _items_on(items, day),
            "back_url": base + (f"?{query}" if query else ""),
            "table_day_url": reverse("incidents:list") + "?" + filters.query(date_from=day.isoformat(),
                                                                             date_to=day.isoformat()),
        }
    else:
        span = timeline.period(filters, incidents, items)
        buckets = []
        if span:
            project = timeline.held_project(request.user, filters)
            held = (project, filters.kind) if project is not None else None
            counts, evidence = timeline.day_counts(incidents, items, *span, held=held)
            buckets = timeline.buckets_by_day(*span, counts, evidence)
        for b in buckets:
            if b.start == b.end:
                b.url = base + "?" + filters.query(day=b.key)
            else:  # a month: the same filter narrowed to that month, drawn by day
                b.url = base + "?" + filters.query(date_from=b.start.isoformat(), date_to=b.end.isoformat())
        context |= {
            "chart": timeline.Chart(buckets, rtl=rtl) if buckets else None, "mode": "month" if buckets and
            buckets[0].start != buckets[0].end else "day", "span": span,
            "undated": incidents.filter(event_date__isnull=True).count(),
            "listed": list(incidents.filter(event_date__isnull=False).order_by("-event_date", "-id").values(
                "code", "title", "event_date", "event_time", "time_precision", "place__name",
                "place__name_ar")[:LIST_LIMIT]),
        }
    if context["chart"]:
        context["chart_svg"] = timeline.svg(context["chart"], context["mode"], "timeline-title")
    for row in context.get("listed", []) + context.get("day_incidents", []):
        row["place"] = name_in(row["place__name"], row["place__name_ar"], rtl)
    return render(request, "explore/timeline.html", context)


def _items_on(items, day: dt.date) -> list[dict]:
    """The evidence captured that day (UTC), with how its time is known."""
    low, high = dt.datetime.combine(day, dt.time.min, dt.UTC), dt.datetime.combine(day, dt.time.max, dt.UTC)
    rows = (items.filter(captured_at__gte=low, captured_at__lte=high).order_by("captured_at")
            .values("sha256", "kind", "captured_at", "captured_at_source", "tz_known")[:LIST_LIMIT])
    return list(rows)
