"""How incident values and their history read on a page: labels translated, places
named in the reader's language, people by username where the reader works with
them, and restricted values left out for readers without the right."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from marsad.incidents.history import visible_changes
from marsad.incidents.models import Incident, IncidentChange, Place
from marsad.incidents.review import MENTION
from marsad.web.places import place_name

from .forms import (BASIS_LABELS, EVENT_LABELS, FACILITY_LABELS, GEO_PRECISION, GRADE_LABELS, LABELS, ROLE_LABELS,
                    STATUS_LABELS, TIME_PRECISION)


def show(field: str, value: Any, places: dict[str, str]) -> str:
    """A stored (or history) value as a reader sees it; "" for nothing."""
    if value in (None, "", []):
        return ""
    if field == "grade":
        return str(GRADE_LABELS.get(value, value))
    if field == "status":
        return str(STATUS_LABELS.get(value, value))
    if field in ("event_type", "sub_event_type"):
        return str(EVENT_LABELS.get(value, value))
    if field == "health_facility_type":
        return str(FACILITY_LABELS.get(value, value))
    if field == "actor_basis":
        comma = "، " if translation.get_language() == "ar" else ", "
        return comma.join(str(BASIS_LABELS.get(b, b)) for b in str(value).split(";") if b)
    if field in ("time_precision", "geo_precision"):
        return str(dict(TIME_PRECISION if field == "time_precision" else GEO_PRECISION).get(int(value), value))
    if field == "civilian_targeting":
        return _("yes") if value in (True, "True", "true", 1) else _("no")
    if field == "place":
        key = value.key if isinstance(value, Place) else str(value)
        return places.get(key, key)
    if field == "item" and isinstance(value, dict):
        return f"{str(value.get('sha256', ''))[:12]}… ({ROLE_LABELS.get(value.get('role'), value.get('role'))})"
    if field == "role":
        return str(ROLE_LABELS.get(value, value))
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()[:5] if isinstance(value, dt.time) else value.isoformat()
    if field == "event_time" and isinstance(value, str):
        return value[:5]
    return str(value)


@dataclass
class Entry:
    """One line of history."""

    change: IncidentChange
    field: str
    who: str
    known: bool  # whether `who` is a username (else a pseudonymous id)
    old: str
    new: str
    is_code: bool = False  # values that are codes or hashes: shown left to right

    @property
    def field_label(self) -> str:
        return label(self.field)


def history(incident: Incident, names: dict[str, str], see_restricted: bool, arabic: bool
            ) -> tuple[dict[str, list[Entry]], list[Entry]]:
    """(field -> its entries, every entry) oldest first; a restricted field's values
    never leave here for a reader without the right."""
    changes = list(incident.changes.all())
    keys = {v for c in changes for v in (c.old, c.new) if c.field == "place" and isinstance(v, str)}
    keys |= {c.new.get("place") for c in changes if c.action == "create" and isinstance(c.new, dict)} - {None}
    places = {p.key: place_name(p, arabic) for p in Place.objects.filter(key__in=keys)}
    per_field: dict[str, list[Entry]] = {}
    timeline: list[Entry] = []
    for seen in visible_changes(changes, see_restricted):
        change = seen.change
        who = names.get(change.actor)
        base = {"change": change, "who": who or change.actor.removeprefix("actor:")[:10], "known": who is not None}
        if change.action == "create":
            for field, value in (seen.new or {}).items():
                per_field.setdefault(field, []).append(Entry(field=field, old="", new=show(field, value, places),
                                                             **base))
            timeline.append(Entry(field="", old="", new="", **base))
            continue
        entry = Entry(field=change.field, old=show(change.field, seen.old, places),
                      new=show(change.field, seen.new, places),
                      is_code=change.field in ("merged_into", "merged_from", "split_to", "item"), **base)
        timeline.append(entry)
        if change.action == "set":
            per_field.setdefault(change.field, []).append(entry)
    return per_field, timeline


def label(field: str) -> str:
    return str(LABELS.get(field, field))


def comment_html(body: str, members: set[str]) -> SafeString:
    """The body escaped, members' @mentions marked, line breaks kept."""
    text = escape(body)  # names match [\w.+-]: nothing in them is changed by escaping

    def mark(m: re.Match) -> str:
        name = m.group(1).rstrip(".")
        return f'<span class="mention">@{name}</span>{m.group(1)[len(name):]}' if name in members else m.group(0)

    return mark_safe(MENTION.sub(mark, text).replace("\n", "<br>"))  # noqa: S308 - escaped above
