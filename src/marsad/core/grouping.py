"""Which incident does a new item belong to? Candidates ranked by plain evidence,
each with the reasons a person can check: "2.1 km from Kafr Nabl; 3 h after;
a copy of item 9f3c… (18 of 20 frames match)".

Three kinds of evidence count: the same footage (a copy already linked to the
incident), the place (named in the text, or the GPS of the file) and the time
(metadata, post time, or a time the text gives). Contradictions count against:
50 km away (a place named with confidence), or days apart.

A report that names no place cannot reach a strong suggestion on time alone. Such
reports get a second, weak tier, labelled so and never put before a strong one:
incidents in the same time window whose kind of event (chemical, air strike,
shelling, protest, detention, hospital) the report's words also name."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import re

from .places import arabic
from .places.extract import find_places, find_times
from .places.gazetteer import DISTRICT, GOVERNORATE, SUBDISTRICT, Gazetteer, Place, distance_km

SUGGEST_AT = 0.45  # below this, no suggestion: a new incident is likelier
WEAK_WINDOW_H = 12.0  # the weak tier: this close in time (after the slack of each time)
CONTRADICT_AT = 0.6  # a place named with less confidence than this can add, not count against
STRONG, WEAK = "strong", "weak"

# Kinds of event, as reports write them in Arabic (matched on normalised letters) and English.
EVENT_KINDS = {
    "chemical": (r"كيماو|كيمياو|كلور|غاز|غازات|اختناق|سام|السام|سارين|خردل|تسمم|مواد سامه",
                 r"chemical|chlorine|sarin|toxic|gas\b|gases|suffocat|poison|mustard|nerve agent|choking"),
    "air strike": (r"غاره|غارات|طيران|الطيران|طائره|طائرات|حربي|الحربي|مروحي|براميل|برميل|صواريخ فراغيه|جوي",
                   r"air ?strikes?|air raids?|airstrikes?|warplanes?|jets?\b|aircraft|helicopters?|barrel|aerial|"
                   r"bombing|bombard"),
    "shelling": (r"قصف مدفعي|مدفعيه|قذائف|قذيفه|هاون|راجمات|صواريخ|صاروخ|غراد|دبابه|قصف",
                 r"shell(?:s|ing|ed)|artillery|mortars?|rockets?|missiles?|grad\b|tank fire"),
    "protest": (r"مظاهره|مظاهرات|تظاهره|اعتصام|وقفه احتجاجيه|احتجاج|هتافات",
                r"protests?|demonstrat|rally|rallies|sit-in|march(?:ed|ers)\b"),
    "detention": (r"اعتقال|معتقل|اعتقلت|اختطاف|خطف|مداهمه|حمله اعتقالات|احتجاز",
                  r"detain|detention|arrest|abduct|kidnap|raid on homes|disappear"),
    "hospital": (r"مشفي|مستشفي|المشفي|المستشفي|مستوصف|نقطه طبيه|مركز صحي|اسعاف|الاسعاف",
                 r"hospital|clinic|medical point|health cent|ambulance|field hospital"),
}
_KIND_RE = {kind: (re.compile(ar), re.compile(en, re.I)) for kind, (ar, en) in EVENT_KINDS.items()}


def event_kinds(text: str) -> set[str]:
    """The kinds of event the words name, in Arabic or English («قصف بالبراميل», "chlorine gas attack")."""
    normal = arabic.normalise_arabic(text)
    return {kind for kind, (ar, en) in _KIND_RE.items() if ar.search(normal) or en.search(text)}


@dataclass
class Evidence:
    sha256: str
    times: list[tuple[datetime, str, float]] = field(default_factory=list)  # (local time, whence, ± hours)
    places: list[tuple[Place, str, float, bool]] = field(default_factory=list)  # (place, whence, confidence, is area)
    gps: tuple[float, float] | None = None
    copies: dict[str, str] = field(default_factory=dict)  # sha256 of a matching item -> how it matches
    kinds: set[str] = field(default_factory=set)  # kinds of event the texts name (see EVENT_KINDS)



@dataclass
class IncidentView:
    code: str
    when: datetime | None
    place: Place | None
    items: set[str] = field(default_factory=set)
    title: str = ""
    kinds: set[str] = field(default_factory=set)  # read from its title and type when not given


@dataclass(frozen=True)
class Suggestion:
    code: str
    score: float
    reasons: tuple[str, ...]
    tier: str = STRONG  # strong, or weak: same time window and kind of event only

    def explain(self) -> str:
        return "; ".join(self.reasons)


_SLACK_H = {"minute": 0.5, "part of day": 3.0, "day": 24.0}


def add_text(ev: Evidence, text: str, posted_local: datetime | None, g: Gazetteer, whence: str = "the text") -> None:
    """What a report's words say: the places it names and the times it gives
    (relative words read against the post's local time)."""
    ev.kinds |= event_kinds(text)
    times = find_times(text, posted_local)
    for m in find_places(text, g):
        if any(t.start < m.end and m.start < t.end for t in times):
            continue  # «5 تشرين الثاني 2015»: a month, not the village Tishreen
        area = m.is_context or m.place.level in (GOVERNORATE, DISTRICT, SUBDISTRICT)  # «ريف_دمشق»: an area
        ev.places.append((m.place, f"named in {whence} as {m.text!r}", m.confidence, area))
        for other in m.alternatives:  # a shared name: each place of that name may be the one
            ev.places.append((g.get(other), f"named in {whence} as {m.text!r}, one of several places so named",
                              min(m.confidence, 0.5), m.is_context))
    for t in times:
        if t.confidence >= 0.5:
            value = t.value if isinstance(t.value, datetime) else datetime.combine(t.value, datetime.min.time())
            slack = _SLACK_H[t.precision]
            ev.times.append((value + timedelta(hours=12) if t.precision == "day" else value,
                             f"{t.text!r} in {whence}", slack if t.precision != "day" else 12.0))


def _hours(delta_s: float) -> str:
    hours = abs(delta_s) / 3600
    if hours < 1:
        return f"{round(hours * 60)} min"
    return f"{hours:.0f} h" if hours < 48 else f"{hours / 24:.0f} days"


def score(ev: Evidence, incident: IncidentView, g: Gazetteer) -> Suggestion:
    total, reasons = 0.0, []
    copied = sorted(set(ev.copies) & incident.items)
    if copied:
        total += 0.6
        reasons.append(f"a copy of item {copied[0][:8]}… ({ev.copies[copied[0]]})")
    if incident.place is not None and incident.place.lat is not None:
        best = None
        spots = list(ev.places)
        if ev.gps:
            spots.append((Place(id="gps", name="the file's GPS position", lat=ev.gps[0], lon=ev.gps[1]), "GPS", 0.9,
                          False))
        for place, whence, confidence, area in spots:
            if area:
                if incident.place.id not in g.places or not g.within(incident.place, place):
                    continue
                gain, why = 0.1, f"{incident.place.name} is in {place.name} ({whence})"
            elif place.lat is None:
                continue
            else:
                km = distance_km((place.lat, place.lon), (incident.place.lat, incident.place.lon))
                if km <= 1:
                    gain, why = 0.35, f"in {incident.place.name} ({whence})"
                elif km <= 5:
                    gain, why = 0.25, f"{km:.1f} km from {incident.place.name} ({whence})"
                elif km <= 15:
                    gain, why = 0.1, f"{km:.0f} km from {incident.place.name} ({whence})"
                elif km > 50 and confidence >= CONTRADICT_AT:
                    gain, why = -0.3, f"{km:.0f} km away from {incident.place.name} ({whence})"
                else:
                    continue
                gain *= max(0.5, confidence)
            if best is None or gain > best[0]:
                best = (gain, why)
        if best:
            total += best[0]
            reasons.append(best[1])
    if incident.when is not None and ev.times:
        deltas = [((t - incident.when).total_seconds(), whence, slack) for t, whence, slack in ev.times]
        delta, whence, slack = min(deltas, key=lambda d: max(0.0, abs(d[0]) / 3600 - d[2]))
        hours = max(0.0, abs(delta) / 3600 - slack)
        side = "after" if delta >= 0 else "before"
        if hours <= 3:
            total += 0.3
        elif hours <= 12:
            total += 0.2
        elif hours <= 36:
            total += 0.1
        elif hours > 72:
            total -= 0.4
        if hours <= 36 or hours > 72:
            reasons.append(f"{_hours(delta)} {side} ({whence})" if abs(delta) >= 60 else f"the same time ({whence})")
    return Suggestion(incident.code, round(min(1.0, total), 3), tuple(reasons))


def suggest(ev: Evidence, incidents: list[IncidentView], g: Gazetteer, limit: int = 5,
            threshold: float = SUGGEST_AT) -> list[Suggestion]:
    """The strong tier: incidents the evidence fits, best first."""
    by_code = {i.code: i for i in incidents}
    scored = [s for s in (score(ev, i, g) for i in incidents) if s.score >= threshold]
    # Equal scores (the same town on two days, both within the hours that count): the nearer in time first.
    ranked = sorted(scored, key=lambda s: (-s.score, *_gap_hours(ev, by_code[s.code]), s.code))
    return ranked[:limit]


def _gap_hours(ev: Evidence, incident: IncidentView) -> tuple[float, float]:
    """Hours apart beyond each time's slack, then the plain hours apart."""
    if incident.when is None or not ev.times:
        return float("inf"), float("inf")
    gaps = [(abs((t - incident.when).total_seconds()) / 3600, slack) for t, _, slack in ev.times]
    return min(max(0.0, hours - slack) for hours, slack in gaps), min(hours for hours, _ in gaps)


def incident_kinds(incident: IncidentView) -> set[str]:
    return incident.kinds or event_kinds(incident.title)


def weak(ev: Evidence, incident: IncidentView, g: Gazetteer) -> Suggestion | None:
    """The weak tier for one incident: the report names no place, but falls in the incident's time window and
    names the same kind of event. None where it does not, or where anything contradicts it."""
    if ev.gps is not None or any(not area and confidence >= CONTRADICT_AT for _, _, confidence, area in ev.places):
        return None  # a report that names a place is judged by it (the strong tier)
    shared = sorted(ev.kinds & incident_kinds(incident))
    if incident.when is None or not ev.times or not shared:
        return None
    delta, whence, slack = min((((t - incident.when).total_seconds(), w, s) for t, w, s in ev.times),
                               key=lambda d: max(0.0, abs(d[0]) / 3600 - d[2]))
    hours = max(0.0, abs(delta) / 3600 - slack)
    if hours > WEAK_WINDOW_H:
        return None
    side = "after" if delta >= 0 else "before"
    when = f"{_hours(delta)} {side} ({whence})" if abs(delta) >= 60 else f"the same time ({whence})"
    areas = [p for p, _, _, area in ev.places if area]
    if areas and incident.place is not None and incident.place.id in g.places and not any(
            incident.place.id == a.id or g.within(incident.place, a) for a in areas):
        return None  # "in Idlib countryside" but the incident is in Daraa
    kinds = " and ".join(shared)
    named = "no place named" if not any(not area for _, _, _, area in ev.places) else "no place named with confidence"
    reasons = [f"weak: same time window, same kind of event ({kinds}), {named}", when]
    if areas:
        reasons.append(f"within {areas[0].name} as the text says")
    closeness = 1 - hours / (WEAK_WINDOW_H + 1)  # nearer in time first
    return Suggestion(incident.code, round(0.1 + 0.3 * closeness, 3), tuple(reasons), WEAK)


def suggest_tiers(ev: Evidence, incidents: list[IncidentView], g: Gazetteer, limit: int = 5,
                  weak_limit: int = 3) -> tuple[list[Suggestion], list[Suggestion]]:
    """Strong suggestions, then weak ones (labelled, never displacing a strong one)."""
    strong = suggest(ev, incidents, g, limit)
    taken = {s.code for s in strong}
    weak_ones = [w for w in (weak(ev, i, g) for i in incidents if i.code not in taken) if w is not None]
    weak_ones.sort(key=lambda s: (-s.score, s.code))
    return strong, weak_ones[:weak_limit]
