"""Incidents as CSV in the columns of Atlos's incident export (atlos-project/platform,
`PlatformWeb.ExportController.create_csv_export`: slug, project, inserted_at, updated_at,
latitude, longitude, then its core attributes by name), so a team moving to or from
Atlos, or reading both, gets the same table.

Mapping: slug ← code; description ← title (Atlos allows 240 characters); date ← event
date; status ← review status in Atlos's words; tags; geolocation "lat,lon" besides
latitude/longitude (Atlos's bulk import reads the pair from one cell);
geolocation_resolution ← ACLED geo precision 1 ("Locality": the town's coordinates; a
coarser precision has no Atlos equivalent and stays blank); more_info ← notes, type,
casualties, grade and the evidence hashes. Sensitivity is left for a person to choose
unless the rows say (`sensitive`): "Not Sensitive" is never assumed of conflict media.

Atlos's source_1..n columns are not written: source URLs are restricted fields. Text
cells that a spreadsheet would run as a formula get a leading apostrophe, as Atlos
itself escapes them. Coordinates are written exactly as the other exports write them."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

from marsad.access.roles import RESTRICTED_INCIDENT_FIELDS

from .export_csv import spreadsheet_safe

COLUMNS = ["slug", "project", "inserted_at", "updated_at", "latitude", "longitude", "geolocation", "status",
           "description", "date", "tags", "geolocation_resolution", "more_info", "restrictions", "sensitive"]
# Marsad's review statuses in the words of Atlos's status attribute.
STATUSES = {"new": "Unclaimed", "in_review": "In Progress", "needs_second_review": "Ready for Review",
            "verified": "Completed", "discounted": "Cancelled"}
DESCRIPTION_MAX = 240
MORE_INFO_MAX = 3000


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _more_info(row: dict[str, Any]) -> str:
    parts = [_text(row.get("notes"))]
    kind = " / ".join(v for v in (_text(row.get("event_type")), _text(row.get("sub_event_type"))) if v)
    if kind:
        parts.append(f"Type: {kind}")
    if row.get("fatalities_best") is not None or row.get("fatalities_low") is not None:
        low, best, high = (_text(row.get(k)) or "?" for k in ("fatalities_low", "fatalities_best", "fatalities_high"))
        parts.append(f"Fatalities: {best} (range {low}–{high})")
    if row.get("injured") is not None:
        parts.append(f"Injured: {row['injured']}")
    place = ", ".join(v for v in (_text(row.get(k)) for k in ("location", "admin2", "admin1")) if v)
    if place:
        parts.append(f"Location: {place}")
    if row.get("grade"):
        parts.append(f"Verification grade: {row['grade']}" + (f" — {row['grade_reason']}" if row.get("grade_reason")
                                                                  else ""))
    if row.get("evidence_sha256"):
        parts.append(f"Evidence (SHA-256): {row['evidence_sha256']}")
    return "\n".join(p for p in parts if p)[:MORE_INFO_MAX]


def atlos_row(row: dict[str, Any]) -> dict[str, Any]:
    lat, lon = row.get("latitude"), row.get("longitude")
    changed = row.get("timestamp")
    tags = [t.strip() for t in _text(row.get("tags")).replace(",", ";").split(";") if t.strip()]
    description = _text(row.get("title")) or _text(row.get("notes"))
    return {
        "slug": row.get("event_id_cnty"),
        "project": _text(row.get("project")),
        "inserted_at": _text(row.get("created")),
        "updated_at": dt.datetime.fromtimestamp(changed, dt.UTC).isoformat() if isinstance(changed, int) else "",
        "latitude": lat,
        "longitude": lon,
        "geolocation": f"{lat},{lon}" if lat is not None and lon is not None else "",
        "status": STATUSES.get(_text(row.get("status")), ""),
        "description": description[:DESCRIPTION_MAX],
        "date": _text(row.get("event_date")),
        "tags": ", ".join(tags),
        "geolocation_resolution": "Locality" if lat is not None and row.get("geo_precision") == 1 else "",
        "more_info": _more_info(row),
        "restrictions": "",
        "sensitive": _text(row.get("sensitive")),
    }


class AtlosExporter:
    name = "atlos"
    suffix = ".csv"

    def write(self, columns: list[str], rows: list[dict[str, Any]], path: Path) -> None:
        """`columns` are Marsad's; the file has Atlos's. Restricted fields are never read."""
        restricted = set(RESTRICTED_INCIDENT_FIELDS)
        with open(path, "w", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=COLUMNS)
            writer.writeheader()
            for row in rows:
                safe = {k: v for k, v in row.items() if k not in restricted}
                writer.writerow({k: spreadsheet_safe(v) for k, v in atlos_row(safe).items()})
