"""Corrections and withdrawals as the public sees them, decided without Django.

A correction is a change to a public field after the incident was first published;
the public is told the day and which part changed (not the old value, nor the internal
reason). A withdrawal is told with its day and the reason recorded with it, unless that
reason could point at a source: free text typed for the team is screened first."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

# Which part of the page a changed field belongs to (the words are in marsad.publish.words).
PARTS = {
    "title": "title", "event_date": "date", "event_time": "date", "time_precision": "date",
    "place": "place", "location_text": "place", "latitude": "place", "longitude": "place", "geo_precision": "place",
    "event_type": "type", "sub_event_type": "type", "disorder_type": "type", "civilian_targeting": "type",
    "actor1": "actors", "actor2": "actors", "assoc_actor_1": "actors", "assoc_actor_2": "actors",
    "actor_basis": "actors", "actor_basis_note": "actors",
    "notes": "summary", "grade": "grade", "grade_reason": "grade",
}
_CASUALTIES = re.compile(r"^(fatalities|civilian_deaths)_|^injured$")
_HEALTH = re.compile(r"^(health_|patients_)")
EVIDENCE_ACTIONS = frozenset({"link", "unlink", "split", "merge", "suggest-accepted"})

# Screening a reason typed for the team before it is published: links, handles, phone
# numbers and e-mail addresses can lead to a source; so can any restricted value.
_UNSAFE = re.compile(r"https?://|www\.|t\.me/|@\w|\+?\d[\d\s().-]{6,}\d|\S+@\S+\.\w")
_SEPARATORS = re.compile(r"[\n,;،؛/|]+")
MAX_REASON = 500


@dataclass(frozen=True)
class Withdrawal:
    """A published incident the site no longer shows: its tombstone."""

    code: str
    kind: str  # "withdrawn" (discounted), "merged" (into merged_into), "unpublished" (below the grade, moved)
    when: datetime | None
    reason: str  # public-safe, or ""
    merged_into: str | None = None


def part_of(field: str, action: str) -> str:
    if action in EVIDENCE_ACTIONS and not PARTS.get(field):
        return "evidence"
    if _CASUALTIES.search(field):
        return "casualties"
    if _HEALTH.search(field):
        return "health"
    return PARTS.get(field, "other")


def corrections(changes: Iterable[tuple[datetime, str, str]], since: datetime | None) -> list[tuple[str, list[str]]]:
    """(day, parts changed that day) for each day with changes after `since`, oldest first."""
    if since is None:
        return []
    days: dict[str, set[str]] = {}
    for at, field, action in changes:
        if at > since:
            days.setdefault(at.astimezone(UTC).date().isoformat(), set()).add(part_of(field, action))
    return [(day, sorted(parts)) for day, parts in sorted(days.items())]


def public_reason(reason: str | None, restricted: Iterable[str | None]) -> str:
    """The reason as published, or "" when it might point at a source (then none is given)."""
    text = " ".join((reason or "").split())
    if not text or len(text) > MAX_REASON or _UNSAFE.search(text):
        return ""
    folded = text.casefold()
    for value in restricted:
        for part in _SEPARATORS.split(value or ""):
            part = " ".join(part.split()).casefold()
            if len(part) >= 3 and part in folded:
                return ""
    return text
