"""Incidents as the `events` list that Forensic Architecture's TimeMap loads
(forensic-architecture/timemap, `src/reducers/validate/eventSchema.js`).

TimeMap validates each event against a closed schema (an unknown key drops the event),
reads `latitude` and `longitude` as strings (it calls `.replace` on them, so both are
always present, "" when unknown), and parses `date` and `time` with its default
`MM/DD/YYYY` and `HH:mm`; an event without a date is dropped by TimeMap, so it is
written with an empty date only when it has coordinates (the schema wants one of the two).

Mapping: id ← code; description ← title and notes; location ← the place name (else as
reported); category ← ACLED event type; type ← sub-event type; associations ← the
event type, sub-event type and grade, as filter ids (serve a matching `associations`
list to filter by them); comments ← casualties and grade. `sources` stays empty: the
sources of an incident are restricted (URLs, channels), and evidence hashes would
name sources TimeMap cannot show. Coordinates are written as the other exports write them."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from marsad.access.roles import RESTRICTED_INCIDENT_FIELDS

# Every key TimeMap's event schema allows that we fill; nothing else is written.
KEYS = ("id", "description", "date", "time", "time_precision", "location", "latitude", "longitude", "type",
        "category", "associations", "sources", "comments")
PRECISION = {1: "day", 2: "week", 3: "month"}  # ACLED time_precision


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def event(row: dict[str, Any]) -> dict[str, Any]:
    day = row.get("event_date")
    date = dt.date.fromisoformat(day).strftime("%m/%d/%Y") if day else ""
    lat, lon = row.get("latitude"), row.get("longitude")
    has_point = lat is not None and lon is not None
    description = "\n\n".join(v for v in (_text(row.get("title")), _text(row.get("notes"))) if v)
    comments = []
    if row.get("fatalities_best") is not None:
        comments.append(f"Fatalities (best estimate): {row['fatalities_best']}")
    if row.get("grade"):
        comments.append(f"Verification grade: {row['grade']}")
    associations = [v for v in (_text(row.get("event_type")), _text(row.get("sub_event_type"))) if v]
    if row.get("grade"):
        associations.append(f"grade:{row['grade']}")
    return {
        "id": _text(row.get("event_id_cnty")),
        "description": description,
        "date": date,
        "time": _text(row.get("event_time"))[:5],
        "time_precision": PRECISION.get(row.get("time_precision"), ""),
        "location": _text(row.get("location")) or _text(row.get("location_as_reported")),
        "latitude": _text(lat) if has_point else "",
        "longitude": _text(lon) if has_point else "",
        "type": _text(row.get("sub_event_type")),
        "category": _text(row.get("event_type")),
        "associations": associations,
        "sources": [],
        "comments": "; ".join(comments),
    }


class TimeMapExporter:
    name = "timemap"
    suffix = ".json"

    def write(self, columns: list[str], rows: list[dict[str, Any]], path: Path) -> None:
        restricted = set(RESTRICTED_INCIDENT_FIELDS)
        events = []
        for row in rows:
            item = event({k: v for k, v in row.items() if k not in restricted})
            if item["date"] or item["latitude"]:  # TimeMap's schema: a date or a point
                events.append(item)
        path.write_text(json.dumps(events, ensure_ascii=False, indent=1), encoding="utf-8")
