"""An in-memory gazetteer: places with all their names, their admin hierarchy, and
ranked look-up that says why each candidate was found.

Ranking: a name with the same key (see `arabic.keys`) beats a fuzzy one; among
equals, the closer spelling (vowels included), a populated place over an admin
area of the same name, a place with a hierarchy over a bare point, and nearness
to `near` decide. Every candidate carries its score and reason in words.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field, replace

from rapidfuzz import fuzz, process

from . import arabic

# Levels, from the widest: what ACLED calls admin1..admin3, then the place itself.
GOVERNORATE, DISTRICT, SUBDISTRICT, PLACE, SITE = 1, 2, 3, 4, 5
LEVEL_NAMES = {GOVERNORATE: "governorate", DISTRICT: "district", SUBDISTRICT: "subdistrict", PLACE: "place",
               SITE: "site"}
_LEVEL_PREFERENCE = {PLACE: 0, SITE: 1, SUBDISTRICT: 2, DISTRICT: 3, GOVERNORATE: 4}

# What a place is, where a gazetteer says: settlements, parts of a town, camps, and the facilities attacks on
# which documenters and the WHO attack surveillance system track. "" where unknown.
SETTLEMENT_KINDS = ("village", "town", "city")
INNER_KINDS = ("neighbourhood", "camp")
FACILITY_KINDS = tuple(f"facility:{f}" for f in ("hospital", "school", "market", "bakery", "mosque"))
KINDS = (*SETTLEMENT_KINDS, *INNER_KINDS, *FACILITY_KINDS)


@dataclass
class Place:
    id: str
    name: str  # the English (or Latin) name shown
    name_ar: str = ""
    names: list[str] = field(default_factory=list)  # every other name and spelling
    lat: float | None = None
    lon: float | None = None
    level: int = PLACE
    parent: str | None = None
    pcode: str = ""
    source: str = ""
    kind: str = ""  # one of KINDS, or ""
    centroid_of: int = 0  # an admin area held without a point: the mean of its N places' points (0: its own)

    def all_names(self) -> list[str]:
        return [n for n in dict.fromkeys([self.name, self.name_ar, *self.names]) if n]


@dataclass(frozen=True)
class Candidate:
    place: Place
    score: float  # 0-100
    reason: str
    distance_km: float | None = None


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine, mean Earth radius)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


class Gazetteer:
    def __init__(self, places: list[Place]) -> None:
        self.places = {p.id: p for p in places}
        self._seats: dict[str, int] = {}
        self.by_key: dict[str, list[str]] = defaultdict(list)
        self._fuzzy_ar: list[tuple[str, str, str]] = []  # (arabic key, place id, the name)
        self._fuzzy_la: list[tuple[str, str, str]] = []  # (plain latin, place id, the name)
        for place in places:
            for name in _with_parts(place.all_names()):
                for key in arabic.keys(name):
                    if place.id not in self.by_key[key]:
                        self.by_key[key].append(place.id)
                if arabic.is_arabic(name):
                    self._fuzzy_ar.append((arabic.arabic_key(name), place.id, name))
                else:
                    self._fuzzy_la.append((arabic.latin_plain(name), place.id, name))
        self._centroids()

    def _centroids(self) -> None:
        """An admin area without a point of its own (OCHA gives none) takes the mean of its places' points, so
        nearness can rank it beside its towns instead of ahead of them all; `centroid_of` says so."""
        sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
        for place in self.places.values():
            if place.level in (PLACE, SITE) and place.lat is not None and place.lon is not None:
                for area in self.chain(place)[1:]:
                    if area.lat is None and area.level in (GOVERNORATE, DISTRICT, SUBDISTRICT):
                        total = sums[area.id]
                        total[0] += place.lat
                        total[1] += place.lon
                        total[2] += 1
        for area_id, (lat, lon, n) in sums.items():
            area = self.places[area_id]
            area.lat, area.lon, area.centroid_of = round(lat / n, 6), round(lon / n, 6), int(n)

    def seat_level(self, place: Place) -> int:
        """The widest admin level of an area the place lies in and gives its name to (Hama city: the
        governorate, 1; Kafr Nabl: its sub-district, 3), 0 for none."""
        if place.level != PLACE:
            return 0
        cached = self._seats.get(place.id)
        if cached is None:
            levels = [a.level for a in self.chain(place)[1:] if a.level in (GOVERNORATE, DISTRICT, SUBDISTRICT)
                      and _same_name(place, a)]
            cached = self._seats[place.id] = min(levels, default=0)
        return cached

    def __len__(self) -> int:
        return len(self.places)

    def get(self, place_id: str) -> Place:
        return self.places[place_id]

    def chain(self, place: Place) -> list[Place]:
        """The place and its parents, narrowest first."""
        out, seen = [place], {place.id}
        while out[-1].parent and out[-1].parent in self.places and out[-1].parent not in seen:
            seen.add(out[-1].parent)
            out.append(self.places[out[-1].parent])
        return out

    def admin(self, place: Place, level: int) -> Place | None:
        return next((p for p in self.chain(place) if p.level == level), None)

    def within(self, place: Place, area: Place) -> bool:
        return any(p.id == area.id for p in self.chain(place)[1:])

    def find(self, text: str, near: Place | tuple[float, float] | None = None, limit: int = 5,
             min_score: float = 80) -> list[Candidate]:
        """Places the text may name, best first, each with its score and reason."""
        text = text.strip()
        if not text:
            return []
        found: dict[str, tuple[float, str]] = {}
        query_keys = arabic.keys(text)
        for key in query_keys:
            for place_id in self.by_key.get(key, []):
                place = self.places[place_id]
                spelled = self.closest_name(place, text)
                how = ("the same Arabic name" if key.startswith("ar:") else f"the same Latin spelling skeleton "
                       f"'{key[3:]}'")
                short = key.startswith("la:") and len(key) <= 5  # 'hm' is Hama, Homs... less certain
                score = (96 if short else 100) - (0 if arabic.is_arabic(text) else (100 - spelled[0]) / 25)
                found[place_id] = max(found.get(place_id, (0, "")), (score, f"{how} as {spelled[1]!r}"))
        self._fuzzy(text, found, min_score)
        if not found:
            return []
        centre = self._centre(near)
        ranked = []
        for place_id, (score, reason) in found.items():
            place = self.places[place_id]
            km = None
            if centre and place.lat is not None:
                km = distance_km(centre, (place.lat, place.lon))
                reason += f"; {km:.1f} km from the given place"
            ranked.append(Candidate(place, round(score, 1), reason, km))
        # Scores in steps of 2 first: within a step, nearness, then a town over an admin area of
        # the same name, then a town that names its governorate or district over villages of the same name
        # (Hama the city, not al-Hama in al-Hasakeh), then a place with a hierarchy over a bare point decide.
        ranked.sort(key=lambda c: (-(c.score // 2), km_rank(c.distance_km), _LEVEL_PREFERENCE.get(c.place.level, 5),
                                   c.place.parent is None, -c.score, _seat_rank(self.seat_level(c.place)), c.place.id))
        first = ranked[0]
        level = _seat_rank(self.seat_level(first.place))
        tied = [c for c in ranked[1:] if c.score == first.score and c.place.level == first.place.level]
        if level < 9 and tied:  # say why the city and not its namesakes
            ranked[0] = replace(first, reason=f"{first.reason}; {first.place.name} gives its name to its "
                                f"{LEVEL_NAMES[level]}, before {len(tied)} other place(s) of the same name")
        return ranked[:limit]

    def _fuzzy(self, text: str, found: dict[str, tuple[float, str]], min_score: float) -> None:
        if arabic.is_arabic(text):
            query, pool = arabic.arabic_key(text), self._fuzzy_ar
        else:
            query, pool = arabic.latin_plain(text), self._fuzzy_la
        if len(query) < 3:
            return
        hits = process.extract(query, [p[0] for p in pool], scorer=fuzz.ratio, limit=20, score_cutoff=min_score)
        for _key, score, index in hits:
            _, place_id, name = pool[index]
            score = score * 0.95  # a fuzzy match never outranks a spelling match
            if score > found.get(place_id, (0, ""))[0]:
                found[place_id] = (score, f"a close spelling of {name!r} ({score / 0.95:.0f}% alike)")

    @staticmethod
    def closest_name(place: Place, text: str) -> tuple[float, str]:
        """How alike the text is to the place's nearest name of the same script (0-100), and that name."""
        plain = arabic.latin_plain(text)
        best = (0.0, place.name)
        for name in place.all_names():
            if arabic.is_arabic(name) != arabic.is_arabic(text):
                continue
            other = arabic.arabic_key(name) if arabic.is_arabic(text) else arabic.latin_plain(name)
            mine = arabic.arabic_key(text) if arabic.is_arabic(text) else plain
            score = fuzz.ratio(mine, other)
            if score > best[0]:
                best = (score, name)
        return best

    def _centre(self, near: Place | tuple[float, float] | None) -> tuple[float, float] | None:
        if isinstance(near, Place):
            return (near.lat, near.lon) if near.lat is not None else None
        return near


def _with_parts(names: list[str]) -> list[str]:
    """The names, and each part of one written as alternatives joined by "_" (OCHA: «المعزولة_روطانلي», the
    Arabic and the Turkmen name of one village)."""
    out = list(names)
    for name in names:
        if "_" in name:
            out += [part.strip() for part in name.split("_") if len(part.strip()) >= 3]
    return list(dict.fromkeys(out))


def _seat_rank(level: int) -> int:
    """A town naming its governorate or district first; a sub-district's town is not singled out (villages
    named the same as one are many: Dana, Nawa)."""
    return level if level in (GOVERNORATE, DISTRICT) else 9


def _same_name(a: Place, b: Place) -> bool:
    """Two places named alike: by their Arabic names where both have one (Latin keys are coarse: Humi, Hama)."""
    if a.name_ar and b.name_ar:
        return bool(arabic.keys(a.name_ar) & arabic.keys(b.name_ar))
    return bool(set().union(*(arabic.keys(n) for n in a.all_names())) & set().union(
        *(arabic.keys(n) for n in b.all_names())))


def km_rank(km: float | None) -> float:
    """Nearness breaks ties only in coarse steps, so a spelling still counts first; a place without a point
    ranks as far, not as near."""
    return 1000 if km is None else round(km / 25)
