"""The map's data: the filtered incidents as a GeoJSON FeatureCollection.

Rows are read with values() (no model instances) and only the columns a marker
needs, so no restricted field (witness names, source notes) is ever selected.
Up to MAX_POINTS incidents come one feature each; past that, incidents are
counted per place and rounded position in the database (GROUP BY), so a
governorate with 50,000 incidents still answers with a few thousand features.

Where an incident is: its own coordinates, else its place's. How precisely:
"exact" (coordinates of its own, not its place's, with ACLED geo_precision 1),
else the coarser of its geo_precision and its place's level: "town", "district"
or "governorate"."""

from __future__ import annotations

from django.db.models import Count, F, FloatField, Max, Min, QuerySet
from django.db.models.functions import Coalesce, Round

from marsad.web.places import name_in

MAX_POINTS = 2000
GRID = 2  # decimals a position is rounded to when incidents are counted together (about 1 km)
PRECISIONS = ("exact", "town", "district", "governorate")
# Place.level (1 governorate, 2 district, 3 subdistrict, 4 town, 5 site) -> marker precision.
_BY_LEVEL = {1: "governorate", 2: "district", 3: "district", 4: "town", 5: "town"}
# ACLED geo_precision 2 "near the town", 3 "the wider region", read as at least this coarse.
_BY_GEO = {1: "town", 2: "district", 3: "governorate"}


def precision(own: bool, geo_precision: int | None, level: int | None) -> str:
    """The marker precision of one incident (`own`: it has its own coordinates)."""
    if own and (geo_precision or 1) == 1:
        return "exact"
    found = _BY_GEO.get(geo_precision or 1, "town")
    if not own and level in _BY_LEVEL:
        found = max(found, _BY_LEVEL[level], key=PRECISIONS.index)
    return found


def _position(qs: QuerySet) -> QuerySet:
    return qs.annotate(
        _lat=Coalesce(F("latitude"), F("place__lat"), output_field=FloatField()),
        _lon=Coalesce(F("longitude"), F("place__lon"), output_field=FloatField()))


def collection(incidents: QuerySet, arabic: bool, max_points: int = MAX_POINTS) -> dict:
    """GeoJSON for the map; `total` counts every incident the filter selected, `unmapped`
    those with no position at all (neither their own nor their place's)."""
    located = _position(incidents).filter(_lat__isnull=False, _lon__isnull=False)
    total = incidents.count()
    mapped = located.count()
    out = {"type": "FeatureCollection", "total": total, "mapped": mapped, "unmapped": total - mapped,
           "aggregated": mapped > max_points, "features": []}
    if mapped > max_points:
        out["features"] = _grouped(located, arabic)
    else:
        out["features"] = _points(located, arabic)
    return out


def _points(located: QuerySet, arabic: bool) -> list[dict]:
    rows = located.order_by("-event_date", "-id").values(
        "code", "title", "event_date", "grade", "status", "geo_precision", "latitude", "longitude", "location_text",
        "_lat", "_lon", "place__key", "place__name", "place__name_ar", "place__level", "place__lat", "place__lon")
    features = []
    for r in rows:
        own = r["latitude"] is not None and r["longitude"] is not None and not (
            r["place__lat"] is not None and abs(r["latitude"] - r["place__lat"]) < 1e-6
            and abs(r["longitude"] - r["place__lon"]) < 1e-6)  # choosing a place copies its coordinates
        features.append({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(r["_lon"], 5), round(r["_lat"], 5)]},
            "properties": {
                "code": r["code"], "title": r["title"][:200],
                "date": r["event_date"].isoformat() if r["event_date"] else "",
                "grade": r["grade"], "status": r["status"],
                "place": name_in(r["place__name"], r["place__name_ar"], arabic) or r["location_text"][:200],
                "place_key": r["place__key"] or "",
                "precision": precision(own, r["geo_precision"], r["place__level"]),
            },
        })
    return features


def _grouped(located: QuerySet, arabic: bool) -> list[dict]:
    """Incidents counted per place and rounded position: one feature for each group."""
    rows = (located.annotate(_glat=Round("_lat", GRID), _glon=Round("_lon", GRID))
            .values("_glat", "_glon", "place__key", "place__name", "place__name_ar", "place__level")
            .annotate(n=Count("id"), first=Min("event_date"), last=Max("event_date"))
            .order_by())
    features = []
    for r in rows:
        features.append({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [float(r["_glon"]), float(r["_glat"])]},
            "properties": {
                "count": r["n"],
                "first": r["first"].isoformat() if r["first"] else "",
                "last": r["last"].isoformat() if r["last"] else "",
                "place": name_in(r["place__name"], r["place__name_ar"], arabic),
                "place_key": r["place__key"] or "",
                # A group is as precise as its place; without one, its incidents' own coordinates.
                "precision": _BY_LEVEL.get(r["place__level"], "town") if r["place__key"] else "exact",
            },
        })
    return features
