"""Which incident does a new item belong to? Candidates ranked by plain evidence,
each with the reasons a person can check: "2.1 km from Kafr Nabl; 3 h after;
a copy of item 9f3c… (18 of 20 frames match)".

Three kinds of evidence count: the same footage (a copy already linked to the
incident), the place (named in the text, or the GPS of the file) and the time
(metadata, post time, or a time the text gives). Contradictions count against:
50 km away, or days apart."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .places.extract import find_places, find_times
from .places.gazetteer import Gazetteer, Place, distance_km

SUGGEST_AT = 0.45  # below this, no suggestion: a new incident is likelier


@dataclass
class Evidence:
    sha256: str
    times: list[tuple[datetime, str, float]] = field(default_factory=list)  # (local time, whence, ± hours)
    places: list[tuple[Place, str, float, bool]] = field(default_factory=list)  # (place, whence, confidence, is area)
    gps: tuple[float, float] | None = None
    copies: dict[str, str] = field(default_factory=dict)  # sha256 of a matching item -> how it matches


@dataclass
class IncidentView:
    code: str
    when: datetime | None
    place: Place | None
    items: set[str] = field(default_factory=set)
    title: str = ""


@dataclass(frozen=True)
class Suggestion:
    code: str
    score: float
    reasons: tuple[str, ...]

    def explain(self) -> str:
        return "; ".join(self.reasons)


_SLACK_H = {"minute": 0.5, "part of day": 3.0, "day": 24.0}


def add_text(ev: Evidence, text: str, posted_local: datetime | None, g: Gazetteer, whence: str = "the text") -> None:
    """What a report's words say: the places it names and the times it gives
    (relative words read against the post's local time)."""
    for m in find_places(text, g):
        ev.places.append((m.place, f"named in {whence} as {m.text!r}", m.confidence, m.is_context))
        for other in m.alternatives:  # a shared name: each place of that name may be the one
            ev.places.append((g.get(other), f"named in {whence} as {m.text!r}, one of several places so named",
                              min(m.confidence, 0.5), m.is_context))
    for t in find_times(text, posted_local):
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
                elif km > 50:
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
    ranked = sorted((score(ev, i, g) for i in incidents), key=lambda s: (-s.score, s.code))
    return [s for s in ranked if s.score >= threshold][:limit]
