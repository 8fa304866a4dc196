"""Which incidents and which of their fields are public.

The public table is the export table (ACLED columns first), limited to the columns
named public here, less what is internal or could lead to a source: the review status,
the originals' hashes (an original's hash confirms a guessed file), internal tags, the
location as typed by a documenter, and every restricted field. Coordinates are coarsened."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

# Higher is stronger; only these grades can be published.
GRADE_RANK = {"confirmed": 3, "fair": 2, "weak": 1}
DEFAULT_GRADE = "fair"
# Not withdrawn: a discounted incident is not published, whatever its grade.
WITHDRAWN_STATUSES = frozenset({"discounted"})
COORDINATE_STEP = Decimal("0.01")  # about 1.1 km of latitude: a village, not a house
DROPPED_COLUMNS = frozenset({"status", "evidence_sha256", "primary_sha256", "location_as_reported", "tags"})
# Published only when named here: a column added to the export later is not public until
# someone decides it is (a test fails while a column is neither here nor dropped).
PUBLIC_COLUMNS = frozenset({
    # ACLED's
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type", "sub_event_type",
    "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "interaction", "civilian_targeting",
    "iso", "region", "country", "admin1", "admin2", "admin3", "location", "latitude", "longitude", "geo_precision",
    "source", "source_scale", "notes", "fatalities", "timestamp",
    # ours
    "title", "event_time", "place_key", "pcode", "fatalities_low", "fatalities_best", "fatalities_high",
    "civilian_deaths_low", "civilian_deaths_best", "civilian_deaths_high", "injured", "health_facility_type",
    "health_attack_type", "health_workers_killed", "health_workers_injured", "patients_killed", "patients_injured",
    "grade", "grade_reason", "merged_from", "split_from",
    # the basis for the suspected actors: kinds (a fixed list) and words written to be published
    "actor_basis", "actor_basis_note",
})
# Changes to these (and to restricted fields) are not news to the public: they do not move "last updated".
INTERNAL_FIELDS = frozenset({"status", "tags", "assignee"})
MEDIA_COLUMN = "media_sha256"  # the published (redacted) files, not the originals


class PublishError(ValueError):
    """Bad publishing input (an unknown grade, a bad URL); nothing was written."""


def check_grade(grade: str) -> str:
    if grade not in GRADE_RANK:
        raise PublishError(f"unknown grade {grade!r}; publishable grades: {', '.join(GRADE_RANK)}")
    return grade


def grades_at_or_above(minimum: str) -> list[str]:
    """The grades published when `minimum` is asked for, strongest first."""
    floor = GRADE_RANK[check_grade(minimum)]
    return [g for g, rank in sorted(GRADE_RANK.items(), key=lambda kv: -kv[1]) if rank >= floor]


def is_published(grade: str, status: str, merged: bool, minimum: str) -> bool:
    return not merged and status not in WITHDRAWN_STATUSES and grade in grades_at_or_above(minimum)


def coarsen(value: float | None, step: Decimal = COORDINATE_STEP) -> float | None:
    """A coordinate rounded to `step` degrees (half to even, in decimal: no 0.1+0.2 surprises)."""
    if value is None:
        return None
    return float(Decimal(repr(value)).quantize(step, rounding=ROUND_HALF_EVEN)) + 0.0  # never -0.0


def public_columns(columns: Iterable[str], restricted: Iterable[str]) -> list[str]:
    hidden = DROPPED_COLUMNS | set(restricted)
    return [c for c in columns if c in PUBLIC_COLUMNS and c not in hidden] + [MEDIA_COLUMN]


def unclassified(columns: Iterable[str], restricted: Iterable[str]) -> list[str]:
    """Export columns neither public nor dropped nor restricted: each needs a decision."""
    return [c for c in columns if c not in PUBLIC_COLUMNS | DROPPED_COLUMNS | set(restricted)]


def public_row(row: dict[str, Any], columns: list[str], published_codes: set[str], media: list[str]) -> dict[str, Any]:
    """An export row as published: public columns only, coordinates coarsened, links only
    to incidents that are published too, and the published media's hashes."""
    out = {c: row.get(c) for c in columns if c != MEDIA_COLUMN}
    out["latitude"], out["longitude"] = coarsen(row.get("latitude")), coarsen(row.get("longitude"))
    for column in ("merged_from", "split_from"):
        if out.get(column):
            kept = [code for code in str(out[column]).split(";") if code in published_codes]
            out[column] = ";".join(kept) or None
    out[MEDIA_COLUMN] = ";".join(media)
    return out
