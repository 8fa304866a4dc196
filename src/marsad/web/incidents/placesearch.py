"""Place candidates for the autocomplete: the gazetteer's ranked look-up (same
name, spelling skeleton, close spelling) plus names that begin with what has
been typed so far, since a person types a name one letter at a time."""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from marsad.core.places import arabic
from marsad.core.places.gazetteer import Gazetteer
from marsad.incidents import places

_prefix_cache: dict[int, list[tuple[str, str]]] = {}
LEVELS = {1: _("governorate"), 2: _("district"), 3: _("subdistrict"), 4: _("town or village"), 5: _("site")}


@dataclass(frozen=True)
class Option:
    key: str
    name: str
    name_ar: str
    within: list[tuple[str, str]]  # the admin areas above, narrowest first: (name, Arabic name)
    reason: str
    lat: float | None
    lon: float | None
    level: int = 4

    @property
    def level_label(self) -> str:
        return str(LEVELS.get(self.level, ""))

    def label(self, arabic_ui: bool) -> str:
        return (self.name_ar or self.name) if arabic_ui else self.name


def _norm(text: str) -> str:
    return arabic.arabic_key(text) if arabic.is_arabic(text) else arabic.latin_plain(text)


def _prefix_index(g: Gazetteer) -> list[tuple[str, str]]:
    """(normalised name, place id), sorted; built once per gazetteer object."""
    index = _prefix_cache.get(id(g))
    if index is None:
        index = sorted({(_norm(name), p.id) for p in g.places.values() for name in p.all_names() if _norm(name)})
        _prefix_cache.clear()
        _prefix_cache[id(g)] = index
    return index


def _option(g: Gazetteer, place_id: str, reason: str) -> Option:
    place = g.get(place_id)
    return Option(place.id, place.name, place.name_ar, [(p.name, p.name_ar) for p in g.chain(place)[1:]],
                  reason, place.lat, place.lon, place.level)


def candidates(text: str, limit: int = 8) -> list[Option]:
    text = " ".join(text.split())[:100]
    if len(text) < 2:
        return []
    g = places.gazetteer()
    out = {c.place.id: _option(g, c.place.id, c.reason) for c in g.find(text, limit=limit, min_score=75)}
    query = _norm(text)
    if query and len(out) < limit:
        index = _prefix_index(g)
        at = bisect.bisect_left(index, (query, ""))
        while at < len(index) and index[at][0].startswith(query) and len(out) < limit:
            place_id = index[at][1]
            if place_id not in out:
                out[place_id] = _option(g, place_id, str(_("begins with what you typed")))
            at += 1
    return list(out.values())


def option_for(key: str) -> Option | None:
    """The place with this key (or the place a folded key now points to)."""
    from marsad.incidents.models import Place

    if not key or not Place.objects.filter(key=key).exists():
        return None
    g = places.gazetteer()
    place = places.resolve(key)
    return _option(g, place.id, "")


def place_choice(fields: dict, text: str) -> tuple[dict, places.Choice | None]:
    """For a place typed but not picked from the list: the fields it gives and how it was read
    (`places.choose_place`: the location-string parser, so "the outskirts of Kafranbel, southern Idlib
    countryside" is Kafranbel, near it). The place only when one answer clearly leads, a coordinate pair as
    the point; the text is always kept as reported."""
    if fields.get("place") or not text.strip():
        return {}, None
    chosen = places.choose_place(text.strip())
    return places.choice_fields(chosen, fields.get("location_text") or text.strip()), chosen


def place_fields(fields: dict, text: str) -> dict:
    return place_choice(fields, text)[0]


def place_note(chosen: places.Choice | None) -> tuple[str, str] | None:
    """(message level, text) telling the person how the typed place was read; None when nothing was typed."""
    if chosen is None:
        return None
    if chosen.place is not None or chosen.point is not None:
        name = chosen.place.name if chosen.place is not None else "%.5f, %.5f" % chosen.point
        return "info", str(_("Place read as %(name)s: %(why)s")) % {"name": name, "why": chosen.why}
    return "warning", str(_("Place kept as text: %(why)s")) % {"why": chosen.why}


def place_refused(chosen: places.Choice | None) -> str:
    """Why the typed place cannot be saved as it is (several places named), or ""."""
    if chosen is None or chosen.status != "list":
        return ""
    return str(_("The place field names several places, so nothing was saved: %(why)s")) % {"why": chosen.why}
