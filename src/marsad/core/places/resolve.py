"""A location string resolved against a gazetteer: for each place it names, the
ranked candidates, the precision reached and why — or "ambiguous" with the
candidates when a shared name is not narrowed by anything.

Narrowing, in order: the areas the caller gives (`within`: the report's
governorate, the channel's usual area), the context the string itself writes
("in Idlib countryside", «بحلب», "ALEPPO :"), then `near`. A name the gazetteer
lacks but written with its town ("al-Jamiliyeh neighbourhood, Aleppo") resolves
to the town, at town precision, saying so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from . import arabic
from .gazetteer import (
    DISTRICT,
    FACILITY_KINDS,
    GOVERNORATE,
    INNER_KINDS,
    LEVEL_NAMES,
    PLACE,
    SETTLEMENT_KINDS,
    SITE,
    SUBDISTRICT,
    Candidate,
    Gazetteer,
    Place,
    distance_km,
)
from .locstring import Named, Parsed, parse

ADMIN = (GOVERNORATE, DISTRICT, SUBDISTRICT)
SAME_PLACE_KM = 5.0  # candidates closer than this are one answer, not rivals
CONTEXT_TOWN_KM = 12.0  # "X in Aleppo" (the city): X within this of the city
CONTEXT_SITE_KM = 15.0  # "X in Eastern Ghouta" (an area held as one point)
IN_TOWN_KM = 3.0  # "مشفى كفرنبل": a hospital held this close to the town is the town's
KEY_SCORE = 95  # a name-key match scores 95-100; fuzzy ones below
LATIN_KEY_ALIKE = 65  # a Latin key match spelled less alike than this (0-100), and than the best, is no match
SPELLING_STEP = 15
TYPO_ALIKE = 70  # a Latin name one letter off is taken as a typo when otherwise this alike (0-100)
MAX_SOUNDING_RIVALS = 3  # more places than this of a like key: a common sound, spelling alone does not choose
TYPO_SCORE, TYPO_UNSURE = 90.0, 89.0  # spellings this much less alike (0-100) than the closest are not rivals
LIST_NEIGHBOUR_KM = 15.0  # places listed together are neighbours: a shared name's namesake this near a sibling

EXACT, SITE_P, PLACE_P, TOWN_OF, SUB_P, DIST_P, GOV_P = ("exact point", "site", "place", "neighbourhood→city",
                                                         "subdistrict", "district", "governorate")
_PRECISION = {PLACE: PLACE_P, SITE: SITE_P, SUBDISTRICT: SUB_P, DISTRICT: DIST_P, GOVERNORATE: GOV_P}
_LEVEL_ORDER = {PLACE: 0, SITE: 1, SUBDISTRICT: 2, DISTRICT: 3, GOVERNORATE: 4}
_KIND_LEVEL = {"governorate": GOVERNORATE, "district": DISTRICT, "subdistrict": SUBDISTRICT}


@dataclass
class Resolution:
    """One place the string names, resolved."""
    written: str
    named: Named | None
    status: str  # resolved, ambiguous, unresolved
    precision: str = ""
    candidates: list[Candidate] = field(default_factory=list)
    reason: str = ""
    outside: list[Candidate] = field(default_factory=list)  # namesakes outside `within`, when none is inside


@dataclass
class Result:
    text: str
    parsed: Parsed
    places: list[Resolution] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        return self.parsed.problems


@dataclass
class Choice:
    """What a place field's text comes to: one place (with its precision), a point written as coordinates, or
    nothing, and why. `status`: resolved, ambiguous, list (several places: pick one), unresolved or empty."""
    text: str
    status: str
    why: str
    place: Place | None = None
    precision: str = ""
    point: tuple[float, float] | None = None
    relation: str = ""

    @property
    def geo_precision(self) -> int:
        """ACLED's geo_precision: 1 the town itself, 2 near it or a part of an area, 3 a whole region."""
        if self.precision == GOV_P:
            return 3
        if self.precision in (DIST_P, SUB_P) or self.relation:
            return 2
        return 1


def choose_one(result: Result, g: Gazetteer) -> Choice:
    """The one place a field's text names, only when one answer clearly leads: a list of places, a shared name
    nothing narrows, or an unknown name gives none and says why."""
    text = result.text
    found = result.places
    if not found:
        why = "; ".join(result.problems) or "no place name in it"
        return Choice(text, "unresolved", f"{text[:80]!r}: {why}: kept as text, unresolved")
    if len(found) > 1:
        names = "; ".join(f"{r.candidates[0].place.name} ({r.status})" if r.candidates else f"{r.written} ({r.status})"
                          for r in found[:6])
        return Choice(text, "list", f"{text[:80]!r} names {len(found)} places: {names}. Pick one, or record an "
                      "incident for each")
    r = found[0]
    if r.named is None and r.candidates:  # "35.61, 36.56": a point, not a gazetteer place
        point = r.candidates[0].place
        return Choice(text, "resolved", r.reason, None, r.precision, (point.lat, point.lon))
    relation = (r.named.relation or "") if r.named else ""
    if r.status == "resolved" and r.candidates:
        return Choice(text, "resolved", f"{r.reason} ({r.precision})", r.candidates[0].place, r.precision,
                      relation=relation)
    if r.status == "ambiguous":
        names = "; ".join(f"{c.place.name} ({_where(g, c.place)}) key {c.place.id}" for c in r.candidates[:4])
        return Choice(text, "ambiguous", f"{text[:80]!r} is ambiguous: {names}. Kept as text; give a key or --near "
                      "to choose")
    return Choice(text, "unresolved", r.reason or f"{text[:80]!r} is not in the gazetteer: kept as text, unresolved")


# OCHA admin-1 P-codes (COD-AB): a governorate can be given by its code.
OCHA_GOVERNORATE_PCODES = {"SY01": "Damascus", "SY02": "Aleppo", "SY03": "Rural Damascus", "SY04": "Homs",
                           "SY05": "Hama", "SY06": "Lattakia", "SY07": "Idleb", "SY08": "Al-Hasakeh",
                           "SY09": "Deir-ez-Zor", "SY10": "Tartous", "SY11": "Ar-Raqqa", "SY12": "Dar'a",
                           "SY13": "As-Sweida", "SY14": "Quneitra"}


class AreaNotFound(LookupError):
    pass


def find_areas(g: Gazetteer, text: str) -> list[Place]:
    """A governorate, district or sub-district by its name in any spelling, or by P-code. A name shared by
    areas of several levels (Idlib: governorate, district, sub-district) gives the widest; every gazetteer's
    entry for it (GeoNames' Idleb and OCHA's) comes back."""
    text = text.strip()
    code = text.upper().replace(" ", "")
    if re.fullmatch(r"SY\d{2}", code) and code in OCHA_GOVERNORATE_PCODES:
        text = OCHA_GOVERNORATE_PCODES[code]
    elif re.fullmatch(r"[A-Z]{1,3}\d{2,}", code):
        held = [p for p in g.places.values() if p.pcode.upper() == code]
        areas = [p for p in held if p.level in ADMIN]
        if areas:
            return areas
        if held:
            raise AreaNotFound(f"{text} is the P-code of {held[0].name}, a place, not an area: give its governorate, "
                               "district or sub-district")
        raise AreaNotFound(f"no area with P-code {text} in the gazetteer (governorate P-codes SY01-SY14 are known; "
                           "give a district or sub-district by name)")
    hits = [g.get(i) for i in _key_hits(g, text) if _alike(g, i, text)]
    areas = sorted((p for p in hits if p.level in ADMIN), key=lambda p: p.level)
    if not areas:
        found = [c.place for c in g.find(text, limit=10, min_score=90) if c.place.level in ADMIN]
        areas = sorted(found, key=lambda p: p.level)
    if not areas:
        raise AreaNotFound(f"no governorate, district or sub-district named {text!r} in the gazetteer")
    return [a for a in areas if a.level == areas[0].level]


def parse_for(text: str, g: Gazetteer) -> Parsed:
    """The location string taken apart, names checked against this gazetteer."""
    return parse(text, known=lambda name: _known(g, name), is_area=lambda name: _is_area(g, name))


def resolve_text(text: str, g: Gazetteer, within: list[Place] | tuple[Place, ...] = (),
                 near: Place | tuple[float, float] | None = None, limit: int = 5) -> Result:
    """Resolve every place a location string names (see the module docstring)."""
    parsed = parse_for(text, g)
    result = Result(text, parsed)
    for lat, lon in parsed.coordinates:
        point = Place(id=f"point:{lat:.5f},{lon:.5f}", name=f"{lat:.5f}, {lon:.5f}", lat=lat, lon=lon, level=SITE)
        nearest = _nearest(g, (lat, lon))
        why = "a latitude and longitude written in the text" + (
            f"; nearest place {nearest[0].name} ({nearest[1]:.1f} km)" if nearest else "")
        result.places.append(Resolution(point.name, None, "resolved", EXACT, [Candidate(point, 100, why, 0.0)], why))
    for named in parsed.places:
        result.places.append(resolve_named(named, g, list(within), near, limit))
    _by_neighbours(g, [r for r in result.places if r.named is not None], within)
    return result


def _by_neighbours(g: Gazetteer, listed: list[Resolution], within: list[Place] | tuple[Place, ...] = ()) -> None:
    """Places listed together are neighbours («A وB», "A, B and C"): a shared name nothing else narrows is the
    namesake beside the places it is listed with, when only one is (within LIST_NEIGHBOUR_KM). First beside the
    siblings already resolved, then beside any candidate of the others (two shared names that narrow each
    other). A listed name with no namesake in `within` is the one just outside it beside a resolved sibling (a
    list crosses a governorate's border)."""
    if len(listed) < 2:
        return
    for use_candidates in (False, True):
        changed = True
        while changed:
            changed = False
            for r in listed:
                pool = r.candidates if r.status == "ambiguous" else r.outside if r.status == "unresolved" else []
                if not pool or (r.status == "unresolved" and use_candidates):
                    continue
                others = [o for o in listed if o is not r]
                anchors = [o.candidates[0].place for o in others if o.status == "resolved" and o.candidates
                           and o.precision in (PLACE_P, SITE_P, EXACT)]
                if use_candidates:
                    anchors += [c.place for o in others if o.status == "ambiguous" for c in o.candidates]
                beside = [(c, a) for c in pool for a in anchors if (_km(c.place, a) or 1e9) <= LIST_NEIGHBOUR_KM]
                groups: list[list[Candidate]] = []
                for c, _a in beside:
                    group = next((gr for gr in groups if any(_related(g, c.place, o.place) for o in gr)), None)
                    if group is None:
                        groups.append([c])
                    elif c not in group:
                        group.append(c)
                if len(groups) != 1:
                    continue
                chosen = groups[0][0]
                sibling = min((a for c, a in beside if c is chosen), key=lambda a: _km(chosen.place, a) or 0)
                where = (f"{chosen.place.name} ({_where(g, chosen.place)}), {_km(chosen.place, sibling):.0f} km from "
                         f"{sibling.name}, listed with it")
                if r.status == "unresolved":
                    areas = " or ".join(dict.fromkeys(a.name for a in within))
                    why = f"{chosen.reason}; none of that name within {areas}: the one just outside it, {where}"
                else:
                    why = f"{chosen.reason}; {len(pool)} places share this name: the one beside the places listed " \
                          f"with it, {where}"
                r.reason = _explain(r.named, chosen.place, why, [])
                r.candidates = [chosen] + [c for c in pool if c is not chosen]
                r.status, r.precision = "resolved", _precision(chosen.place)
                changed = True


def resolve_named(named: Named, g: Gazetteer, within: list[Place], near: Place | tuple[float, float] | None,
                  limit: int = 5) -> Resolution:
    wanted_level = _KIND_LEVEL.get(named.kind) or (GOVERNORATE if named.relation == "countryside" else None)
    found = _lookup(g, named.name, near)
    notes: list[str] = []
    if not found:
        head = _known_head(g, named.name)
        if head:  # "Bab al-Hawa massacre", «الرامي بجبل الزاوية»: a held name, then words not read
            found = _lookup(g, head, near)
            notes.append(f"read as {head!r}; the words after it are not a held name")
    if within:
        inside = [c for c in found if any(_in_area(g, c.place, a) for a in within)]
        area_names = " or ".join(dict.fromkeys(a.name for a in within))
        if found and not inside:
            outside = ", ".join(f"{c.place.name} ({_where(g, c.place)})" for c in found[:3])
            return Resolution(named.name, named, "unresolved", reason=f"{named.name!r}: no place of that name within "
                              f"{area_names}; outside it: {outside}", outside=found)
        if len(inside) < len(found):
            notes.append(f"within {area_names}")
        found = inside
    areas, towns, sites = _contexts(g, named, within)
    if found and (areas or towns or sites):
        found = _narrow_by_context(g, named, found, areas, towns, sites, notes)
    if not found:
        fallback = _town_of(g, named, towns, areas, sites)
        if fallback:
            return fallback
        return Resolution(named.name, named, "unresolved",
                          reason=f"{named.name!r} is not in the gazetteer: kept as text, unresolved")
    found = _by_spelling(g, found, named.name)
    found = _prefer_level(g, found, wanted_level)
    found = _prefer_kind(found, named.kind)
    status, why = _decide(g, found, near, named)
    if found[0].score == TYPO_UNSURE:
        status, why = "ambiguous", f"{found[0].reason}: not chosen"
    first = found[0]
    if status == "resolved" and named.kind in (*INNER_KINDS, *FACILITY_KINDS) and first.place.kind != named.kind:
        inside = _kind_in_town(g, first.place, named.kind)
        if len(inside) == 1:  # "Kafr Nabl hospital": the one hospital held in Kafr Nabl
            why = f"the {named.kind.replace('facility:', '')} held in {first.place.name}: {inside[0].name}; {why}"
            found.insert(0, Candidate(inside[0], first.score, why, None))
            first = found[0]
        elif inside:
            notes.append(f"{len(inside)} {named.kind.replace('facility:', '')}s held in {first.place.name}: "
                         f"{', '.join(p.name for p in inside[:5])}; the town is given")
    precision = _precision(first.place)
    if first.place.centroid_of:  # OCHA holds admin areas without a point
        notes.append(f"{first.place.name} has no point of its own: the centre of its {first.place.centroid_of} "
                     "places is used")
    if first.place.level in (SUBDISTRICT, DISTRICT):
        seat = _seat(g, first.place)
        if seat:  # a sub-district or district is shown at its main town, as documenters file it
            found.insert(0, Candidate(seat, first.score, f"the main town of {first.place.name}", None))
    return Resolution(named.name, named, status, precision, found[:limit] if status == "resolved" else found[:max(
        limit, 8)], _explain(named, first.place, why, notes))


def excluded_by_context(g: Gazetteer, named: Named, place: Place, within: list[Place] | tuple[Place, ...] = ()) -> str:
    """Why `place` is not among the places a name may be once `within` and the string's own context narrow them
    ("" when it is): for telling a shared name nothing narrowed from one narrowed elsewhere."""
    if within and not any(_in_area(g, place, a) for a in within):
        return f"outside {' or '.join(dict.fromkeys(a.name for a in within))}"
    areas, towns, sites = _contexts(g, named, list(within))
    if not (areas or towns or sites):
        return ""
    if any(_in_area(g, place, a) for a in areas) or any(
            (_km(place, t) or 1e9) <= km for points, km in ((towns, CONTEXT_TOWN_KM), (sites, CONTEXT_SITE_KM))
            for t in points):
        return ""
    return f"not in {' / '.join(dict.fromkeys(c.name for c in named.contexts))} as written"


def _narrow_by_context(g: Gazetteer, named: Named, found: list[Candidate], areas: list[Place], towns: list[Place],
                       sites: list[Place], notes: list[str]) -> list[Candidate]:
    """The candidates inside the areas, near the towns or area-points the string names as context."""
    def near_any(c: Candidate, points: list[Place], km: float) -> bool:
        return any(_km(c.place, t) is not None and _km(c.place, t) <= km for t in points)

    narrowed = [c for c in found if any(_in_area(g, c.place, a) for a in areas)
                or near_any(c, towns, CONTEXT_TOWN_KM) or near_any(c, sites, CONTEXT_SITE_KM)]
    by_town = [c for c in narrowed if near_any(c, towns, CONTEXT_TOWN_KM)]
    if by_town and len(by_town) < len(narrowed):  # «حي الخالدية بحمص»: the one in the city, of those in the area
        narrowed = by_town
    elif _inner(named) and len(narrowed) > 1:
        # A quarter "in Homs" (governorate, district and sub-district of that name) is in the city: the one in
        # the narrowest of the areas so named, not a namesake elsewhere in the governorate.
        depth = {c.place.id: max((a.level for a in areas if _in_area(g, c.place, a)), default=0) for c in narrowed}
        deepest = [c for c in narrowed if depth[c.place.id] == max(depth.values())]
        if len(deepest) < len(narrowed):
            narrowed = deepest
    label = " / ".join(dict.fromkeys(c.name for c in named.contexts))
    if narrowed:
        if len(narrowed) < len(found):
            notes.append(f"within {label} as written")
        return narrowed
    if _inner(named):  # "al-Jamiliyeh neighbourhood, Aleppo": a quarter the gazetteer lacks, in its city
        return []
    notes.append(f"none of that name in {label} as written: the context is not used")
    return found


def _explain(named: Named, place: Place, why: str, notes: list[str]) -> str:
    bits = [why, *notes]
    where = f"{named.direction} " if named.direction else ""
    if named.relation == "direction":
        bits.append(f"the string says {named.direction} of it: the event is around this place")
    elif named.relation == "countryside" and place.level == GOVERNORATE:
        bits.append(f"the {where}countryside of the governorate")
    elif named.relation:
        bits.append(f"the string says {where}{named.relation} of it: the event is around this place")
    if named.kind:
        bits.append(f"written as a {named.kind.replace('facility:', '')}")
    return "; ".join(b for b in bits if b)


# --- look-up --------------------------------------------------------------------------------------------------

def _key_hits(g: Gazetteer, name: str, shortest: int = 2) -> list[str]:
    ids: list[str] = []
    for key in arabic.keys(name):
        if len(key) - 3 >= shortest:
            ids.extend(i for i in g.by_key.get(key, []) if i not in ids)
    return ids


def _alike(g: Gazetteer, place_id: str, name: str, least: float = 80) -> bool:
    """Latin keys are coarse ('Deir' and "Dar'a" share 'dr'; Jamiliyeh and Jamel 'jml'): a held name must
    also be spelled much alike."""
    return arabic.is_arabic(name) or g.closest_name(g.get(place_id), name)[0] >= least


def _known(g: Gazetteer, name: str) -> bool:
    return any(_alike(g, i, name) for i in _key_hits(g, name, shortest=3))


def _is_area(g: Gazetteer, name: str) -> int:
    """The widest admin level the name names (1 governorate .. 3 sub-district), 3 for a held point that stands
    for an area (Eastern Ghouta), 0 for none."""
    hits = [i for i in _key_hits(g, name) if _alike(g, i, name)]
    levels = [g.get(i).level for i in hits if g.get(i).level in ADMIN]
    if levels:
        return min(levels)
    regions = [i for i in hits if g.get(i).level == SITE and g.get(i).name.lower().startswith(
        ("eastern ", "western ", "northern ", "southern ", "jabal ", "jebel "))]
    return SUBDISTRICT if regions else 0


def _variants(name: str) -> list[str]:
    """The name, then without an Arabic clitic or article joined to it (بكفرنبل, والدانا)."""
    out = [name]
    if arabic.is_arabic(name):
        first, _, rest = name.partition(" ")
        for clitic in ("وب", "وال", "بال", "لل", "و", "ب", "ل", "ف"):
            if first.startswith(clitic) and len(first) - len(clitic) >= 3:
                out.append((first[len(clitic):] + " " + rest).strip())
    else:
        words = name.split()
        last = arabic.latin_key(words[-1]) if len(words) >= 2 else ""
        head = words[:-2] if len(words) >= 3 and arabic.latin_words(words[-2]) in (["al"], ["el"], ["as"], ["ash"]) \
            else words[:-1]
        if last in _LATIN_DIRECTION and head:  # "Ghariyah al-Sharqiyah" is OCHA's "Eastern Ghariyeh"
            out.append(f"{_LATIN_DIRECTION[last]} {' '.join(head)}")
    return out


# Arabic direction adjectives as transliterated (Sharqiyah, Gharbi, Shamaliyeh, Janoubi), by Latin key.
_LATIN_DIRECTION = {"srk": "Eastern", "grb": "Western", "sml": "Northern", "jnb": "Southern"}


def _lookup(g: Gazetteer, name: str, near: Place | tuple[float, float] | None) -> list[Candidate]:
    """Every place the name may be: key matches if any (all of them, for narrowing), else close spellings."""
    for variant in _variants(name):
        found = g.find(variant, near=near, limit=400, min_score=85)
        keyed = [c for c in found if c.score >= KEY_SCORE]
        if keyed and not arabic.is_arabic(variant):
            alike = {c.place.id: g.closest_name(c.place, variant)[0] for c in keyed}
            best = max(alike.values())
            keyed = [c for c in keyed if alike[c.place.id] >= LATIN_KEY_ALIKE
                     or (best >= LATIN_KEY_ALIKE and alike[c.place.id] >= best - SPELLING_STEP)]
            if keyed:  # and the places of that key spelled otherwise only in vowels: rivals, however scored
                keyed += [c for c in found if c not in keyed and c.reason.startswith("the same Latin")
                          and _shaped_as_written(c.place, variant)]
        if keyed:
            return keyed
    for variant in _variants(name):
        found = g.find(variant, near=near, limit=20, min_score=88)
        if found:
            return found
    return _one_edit(g, name, near)


def _one_edit(g: Gazetteer, name: str, near: Place | tuple[float, float] | None) -> list[Candidate]:
    """Names whose key is one letter from the text's (Khan Sheikhoum, «خان شيخوت»): a typo, said so. Keys of
    five letters or more only; shorter ones are a letter away from too many names."""
    keys = _one_edit_keys(g)
    out: list[Candidate] = []
    for key in arabic.keys(name):
        if len(key) - 3 < 5:
            continue
        for other, _dist, _i in process.extract(key, keys, scorer=Levenshtein.distance, score_cutoff=1, limit=20):
            if other == key or other[:3] != key[:3]:
                continue
            for place_id in g.by_key[other]:
                place = g.get(place_id)
                alike, spelled = g.closest_name(place, name)
                # A letter off in Arabic script is another name (كفرجوم, كفرروم); in Latin letters, a typo only
                # when the spellings are otherwise close (Sarmim, Sarmin), not a name that is not held.
                sure = not arabic.is_arabic(name) and alike >= TYPO_ALIKE
                why = f"one letter from {other[3:]!r} ({spelled!r}): a typo, " + ("perhaps" if sure else
                                                                                  "or another name not held")
                centre = (near.lat, near.lon) if isinstance(near, Place) and near.lat is not None else (
                    near if isinstance(near, tuple) else None)
                km = distance_km(centre, (place.lat, place.lon)) if centre and place.lat is not None else None
                out.append(Candidate(place, TYPO_SCORE if sure else TYPO_UNSURE, why, km))
    return out


def _one_edit_keys(g: Gazetteer) -> list[str]:
    cached = getattr(g, "_one_edit_keys", None)
    if cached is None or len(cached) != len(g.by_key):
        cached = [k for k in g.by_key if len(k) - 3 >= 4]
        g._one_edit_keys = cached  # kept with the gazetteer it indexes
    return cached


_ARTICLE_START = re.compile(r"^(?:(?:al|el|ad|ar|as|ash|at|az|an|adh|ath|ul)(?:-|\s|$)|ال)", re.IGNORECASE)


def _known_head(g: Gazetteer, name: str) -> str:
    """The longest run of first words that is a held name (of 4 letters or more), or "". Not when the words
    after it begin with an article: "Karm al-Afandi", «كرم الأفندي» is one name of two parts (an idafa), not the
    place Karm and a word not read."""
    words = name.split()
    for i in range(len(words) - 1, 0, -1):
        head = " ".join(words[:i])
        if _ARTICLE_START.match(words[i]):
            continue
        if len(re.sub(r"\W", "", head)) >= 4 and _known(g, head):
            return head
    return ""


def _in_area(g: Gazetteer, place: Place, area: Place) -> bool:
    return place.id == area.id or g.within(place, area)


def _km(a: Place, b: Place) -> float | None:
    if a.lat is None or b.lat is None:
        return None
    return distance_km((a.lat, a.lon), (b.lat, b.lon))


def _contexts(g: Gazetteer, named: Named, within: list[Place]) -> tuple[list[Place], list[Place], list[Place]]:
    """The admin areas, towns and area-points the string's context names."""
    areas: list[Place] = []
    towns: list[Place] = []
    sites: list[Place] = []
    for context in named.contexts:
        whole = [c for c in _lookup(g, context.written, None) if c.place.level in ADMIN] if context.written else []
        for candidate in whole or _lookup(g, context.name, None):
            place = candidate.place
            if candidate.score < KEY_SCORE:
                continue
            if within and not any(_in_area(g, place, a) or _in_area(g, a, place) for a in within):
                continue
            if place.level in ADMIN:
                areas.append(place)
            elif place.level == PLACE and context.relation != "countryside" and not context.kind and not (
                    context.filed and _is_seat(g, place, GOVERNORATE)):  # "ALEPPO :" files in the governorate
                towns.append(place)
            elif place.level == SITE:
                sites.append(place)
    # A town of the same name as an admin area named as context is its seat: "in Hama" is the governorate
    # for villages, the city for neighbourhoods; both stay.
    return _holding(g, areas), towns, sites


def _holding(g: Gazetteer, areas: list[Place]) -> list[Place]:
    """Areas that hold places: one a gazetteer holds empty (OCHA's list files Rural Damascus's villages under a
    district of that name in Damascus governorate) stands as the areas of the same name that hold them."""
    cached = getattr(g, "_parents", None)
    if cached is None or cached[0] != len(g.places):
        cached = (len(g.places), {p.parent for p in g.places.values() if p.parent})
        g._parents = cached  # kept with the gazetteer it indexes
    parents = cached[1]
    out: list[Place] = []
    for area in areas:
        if area.id in parents:
            out.append(area)
            continue
        same = [g.get(i) for i in dict.fromkeys(i for n in area.all_names() for k in arabic.keys(n)
                                                for i in g.by_key.get(k, []))]
        out += [p for p in same if p.level in ADMIN and p.id in parents and p not in out] or [area]
    return out


def _town_of(g: Gazetteer, named: Named, towns: list[Place], areas: list[Place],
             sites: list[Place]) -> Resolution | None:
    """A name the gazetteer lacks, written with its town or area: the town (or area), saying so."""
    # "X, Aleppo" with X unknown may be anywhere in the governorate; a quarter or a street is in the city.
    towns = [t for t in towns if _inner(named) or not _is_seat(g, t, GOVERNORATE)]
    if towns and named.relation != "countryside":
        town = _best_town(g, towns)
        why = (f"{named.name!r} is not in the gazetteer; the string places it in {town.name} ({_where(g, town)}): "
               f"resolved to the town")
        return Resolution(named.name, named, "resolved", TOWN_OF, [Candidate(town, 90, why, None)], why)
    if sites:
        site = sites[0]
        why = f"{named.name!r} is not in the gazetteer; the string places it in {site.name}: resolved to that area"
        return Resolution(named.name, named, "resolved", SITE_P, [Candidate(site, 85, why, None)], why)
    if areas:
        area = min(areas, key=lambda a: a.level)  # "IDLIB : X": a governorate's name names the governorate
        why = (f"{named.name!r} is not in the gazetteer; the string places it in {area.name} "
               f"({LEVEL_NAMES[area.level]}): resolved to the area only")
        seat = _seat(g, area)
        cands = [Candidate(area, 80, why, None)] + ([Candidate(seat, 80, f"the main town of {area.name}", None)]
                                                    if seat else [])
        return Resolution(named.name, named, "resolved", _PRECISION[area.level], cands, why)
    return None


def _inner(named: Named) -> bool:
    """Written as a part of a town: a neighbourhood, a street, a facility."""
    return named.kind in ("neighbourhood", "street") or named.kind.startswith("facility:")


def _best_town(g: Gazetteer, towns: list[Place]) -> Place:
    seats = [t for t in towns if _is_seat(g, t)]
    return (seats or towns)[0]


def _seat(g: Gazetteer, area: Place) -> Place | None:
    """The town of the same name inside an admin area (Kafr Nabl in Kafr Nabl sub-district)."""
    keys = set().union(*(arabic.keys(n) for n in area.all_names()))
    for key in keys:
        for place_id in g.by_key.get(key, []):
            place = g.get(place_id)
            if place.level == PLACE and g.within(place, area):
                return place
    return None


def _is_seat(g: Gazetteer, place: Place, widest: int = SUBDISTRICT) -> bool:
    """A town that gives its name to an admin area it lies in (Hama in Hama district), of level `widest` or wider."""
    if place.level != PLACE:
        return False
    keys = set().union(*(arabic.keys(n) for n in place.all_names()))
    return any(p.level in ADMIN and p.level <= widest and keys & set().union(*(arabic.keys(n) for n in p.all_names()))
               for p in g.chain(place)[1:])


def _prefer_level(g: Gazetteer, found: list[Candidate], level: int | None) -> list[Candidate]:
    """"Hama province", "Kafranbel nahiyah", «ريف حلب»: the admin area of that level first."""
    if level is None:
        return found
    if level == GOVERNORATE:  # "countryside of X": the governorate if X names one, else the town itself
        wanted = [c for c in found if c.place.level == GOVERNORATE]
    else:
        wanted = [c for c in found if c.place.level == level]
    return wanted + [c for c in found if c not in wanted] if wanted else found


def _related(g: Gazetteer, a: Place, b: Place) -> bool:
    if g.within(a, b) or g.within(b, a):
        return True
    km = _km(a, b)
    return km is not None and km <= SAME_PLACE_KM


def _by_spelling(g: Gazetteer, found: list[Candidate], name: str) -> list[Candidate]:
    """Latin name keys are coarse (Salma and As-Salamiyeh share 'slm'): the closest spellings first."""
    return sorted(found, key=lambda c: (-_spelled(g, c, name) // SPELLING_STEP, _LEVEL_ORDER.get(c.place.level, 5)))


def _spelled(g: Gazetteer, c: Candidate, name: str) -> float:
    return g.closest_name(c.place, name)[0] if c.score >= KEY_SCORE else c.score


def _decide(g: Gazetteer, found: list[Candidate], near: Place | tuple[float, float] | None,
            named: Named) -> tuple[str, str]:
    """Resolved when one answer leads; ambiguous when places far apart share the name and nothing narrows it.
    May reorder `found` (the seat of a same-named district first)."""
    name = named.name
    best = found[0].score
    best_spelled = _spelled(g, found[0], name)
    # A place spelled otherwise only in its vowels (Hazzah: Hazzeh, Hezzeh) is a rival however far the
    # letters are, since vowels are written by ear.
    spelled_alike = [c for c in found if c.score >= best - 2 and _spelled(g, c, name) >= best_spelled - SPELLING_STEP]
    by_vowels = [c for c in found if c not in spelled_alike and c.reason.startswith("the same Latin")
                 and _shaped_as_written(c.place, name)]
    top = spelled_alike + by_vowels
    # A place whose own name is written so before places that carry it only as another name.
    wanted = arabic.keys(name)
    own = [c for c in top if wanted & set().union(*(arabic.keys(n) for n in (c.place.name, c.place.name_ar) if n))]
    if own and len(own) < len(top):
        for c in reversed(own):
            found.remove(c)
            found.insert(0, c)
        top = own
    # Places with the same Arabic name share the name, however differently each is transliterated.
    lead_ar = arabic.arabic_key(found[0].place.name_ar) if found[0].place.name_ar else ""
    top += [c for c in found if c not in top and c.score >= KEY_SCORE and lead_ar
            and c.place.name_ar and arabic.arabic_key(c.place.name_ar) == lead_ar]
    groups: list[list[Candidate]] = []
    for c in top:
        group = next((gr for gr in groups if any(_related(g, c.place, o.place) for o in gr)), None)
        if group is None:
            groups.append([c])
        else:
            group.append(c)
    lead = found[0]
    if len(groups) == 1:
        return "resolved", f"{lead.reason}" + ("" if len(top) == 1 else f" ({len(top)} entries for the same place)")
    if near is not None and all(c.distance_km is not None for c in top):
        ordered = sorted(groups, key=lambda gr: min(c.distance_km for c in gr))
        first, second = (min(c.distance_km for c in gr) for gr in ordered[:2])
        if second - first > 10 and first < second / 2:
            chosen = min(ordered[0], key=lambda c: c.distance_km)
            found.remove(chosen)
            found.insert(0, chosen)
            return "resolved", f"{chosen.reason}; the nearest of {len(groups)} places of that name"
    if _inner(named):  # "al-Merjeh neighborhood": the one namesake held as a quarter (camp, facility), if one is
        of_kind = [gr for gr in groups if any(c.place.kind == named.kind or (
            named.kind == "neighbourhood" and c.place.level == SITE) for c in gr)]
        if len(of_kind) == 1:
            chosen = next(c for c in of_kind[0] if c.place.kind == named.kind or c.place.level == SITE)
            found.remove(chosen)
            found.insert(0, chosen)
            return "resolved", (f"{chosen.reason}; written as a {named.kind.replace('facility:', '')}: the one of "
                                f"{len(groups)} places of that name held as one")
    chosen = _sounds_as_written(g, groups, name)
    if chosen is not None:
        found.remove(chosen)
        found.insert(0, chosen)
        return "resolved", (f"{chosen.reason}; spelled as written (as it sounds: {_sound_of(chosen.place, name)!r}), "
                            f"unlike the {len(groups) - 1} other places of a like Latin key")
    # "Hama" is the city that names its district and governorate, not the villages called al-Hama.
    for widest in (DISTRICT, SUBDISTRICT):
        seats = [gr for gr in groups if any(_is_seat(g, c.place, widest) for c in gr)]
        if len(seats) != 1:
            continue
        chosen = next(c for c in seats[0] if _is_seat(g, c.place, widest))
        if widest == SUBDISTRICT and chosen in by_vowels:
            continue  # a sub-district's town spelled otherwise than written is a rival, never the choice
        others = {_arabic_name(c.place) for gr in groups if gr is not seats[0] for c in gr}
        if widest == SUBDISTRICT and (not _arabic_name(chosen.place) or _arabic_name(chosen.place) in others):
            continue  # villages truly named the same as a sub-district's town (Nawa, Dana): not chosen
        found.remove(chosen)
        found.insert(0, chosen)
        if widest == DISTRICT:
            return "resolved", (f"{chosen.reason}; {chosen.place.name} gives its name to the district it lies in, "
                                f"{len(groups) - 1} smaller places share the name")
        return "resolved", (f"{chosen.reason}; the Latin spelling fits {len(groups)} places of different Arabic "
                            f"names: {chosen.place.name} ({chosen.place.name_ar}), the main town of its sub-district")
    names = "; ".join(f"{gr[0].place.name} ({_where(g, gr[0].place)})" for gr in groups[:5])
    return "ambiguous", f"{len(groups)} places share this name and nothing narrows it: {names}"


def _shaped_as_written(place: Place, written: str) -> bool:
    """A Latin name of the place differs from the written one only in its vowels (`arabic.latin_vowel_shape`)."""
    if arabic.is_arabic(written):
        return False
    shape = arabic.latin_vowel_shape(arabic.latin_plain(written))
    return any(not arabic.is_arabic(n) and arabic.latin_vowel_shape(arabic.latin_plain(n)) == shape
               for n in place.all_names())


def _sound_of(place: Place, written: str) -> str:
    """The place's Latin name that sounds as the written one (`arabic.latin_sound`), or ""."""
    sound = arabic.latin_sound(arabic.latin_plain(written))
    return next((n for n in place.all_names() if not arabic.is_arabic(n) and sound
                 and arabic.latin_sound(arabic.latin_plain(n)) == sound), "")


def _sounds_as_written(g: Gazetteer, groups: list[list[Candidate]], written: str) -> Candidate | None:
    """Latin keys are coarse: "Sarmada" keys Sarmada (سرمدا) and Saramda (السرامدة), "Sakba" Saqba and
    Sakhaba. The one place with a Latin name that sounds as written (e/i, o/u, q/k, doubled letters alike), when
    no other place of its Arabic name is among the rivals; None otherwise (a name truly shared stays so)."""
    if arabic.is_arabic(written) or not 2 <= len(groups) <= MAX_SOUNDING_RIVALS + 1:
        return None
    sounding = [(gr, c) for gr in groups for c in gr if _sound_of(c.place, written)]
    if len({id(gr) for gr, _ in sounding}) != 1:
        return None
    group, chosen = sounding[0]
    mine = _arabic_name(chosen.place)
    others = {_arabic_name(c.place) for gr in groups if gr is not group for c in gr}
    return chosen if mine and mine not in others else None


def _arabic_name(place: Place) -> str:
    return arabic.arabic_key(place.name_ar) if place.name_ar else ""


def _where(g: Gazetteer, place: Place) -> str:
    return " < ".join(p.name for p in g.chain(place)[1:3]) or "no area held"


def precision_of(place: Place) -> str:
    """The precision a held place gives: a facility or quarter its site, a town the place, an area its level."""
    return _precision(place)


def _precision(place: Place) -> str:
    if place.level == PLACE and place.kind in (*INNER_KINDS, *FACILITY_KINDS):
        return SITE_P
    return _PRECISION.get(place.level, PLACE_P)


def _prefer_kind(found: list[Candidate], kind: str) -> list[Candidate]:
    """A camp written as a camp before the town of the same name; a town written as a town before a camp."""
    if not kind:
        return found
    if kind in SETTLEMENT_KINDS:
        first = [c for c in found if c.place.kind not in (*INNER_KINDS, *FACILITY_KINDS)]
    else:
        first = [c for c in found if c.place.kind == kind]
    return first + [c for c in found if c not in first] if first else found


def _kind_in_town(g: Gazetteer, town: Place, kind: str) -> list[Place]:
    if town.lat is None:
        return []
    return [p for p in g.places.values() if p.kind == kind and p.lat is not None
            and distance_km((town.lat, town.lon), (p.lat, p.lon)) <= IN_TOWN_KM]


def _nearest(g: Gazetteer, point: tuple[float, float]) -> tuple[Place, float] | None:
    best = None
    for place in g.places.values():
        if place.lat is not None and place.level == PLACE:
            km = distance_km(point, (place.lat, place.lon))
            if best is None or km < best[1]:
                best = (place, km)
    return best
