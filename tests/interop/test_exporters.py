"""The Atlos CSV and TimeMap events.json exporters: their columns and shape, one row
mapped field by field, and no restricted field in either, whatever the rows carry."""

from __future__ import annotations

import csv
import json

import pytest

from marsad import registry
from marsad.access.roles import RESTRICTED_INCIDENT_FIELDS
from marsad.incidents.exports import COLUMNS
from marsad.plugins.export_atlos import COLUMNS as ATLOS_COLUMNS
from marsad.plugins.export_timemap import KEYS

# TimeMap's event schema (src/reducers/validate/eventSchema.js): its keys, closed.
TIMEMAP_SCHEMA = {"id", "description", "date", "time", "time_precision", "location", "latitude", "longitude", "type",
                  "category", "category_full", "associations", "sources", "comments", "time_display",
                  "narrative___stepStyles", "shape", "colour"}


def _row(**extra) -> dict:
    row = dict.fromkeys(COLUMNS)
    row |= {"event_id_cnty": "SYR000001", "event_date": "2019-05-05", "year": 2019, "time_precision": 1,
            "event_type": "Explosions/Remote violence", "sub_event_type": "Air/drone strike",
            "location": "Kafranbel", "admin1": "Idleb", "latitude": 35.61376, "longitude": 36.56449,
            "geo_precision": 1, "notes": "قصف بالصواريخ على المشفى", "fatalities_low": 3, "fatalities_best": 5,
            "fatalities_high": 8, "tags": "hospital;مشفى", "timestamp": 1557077400,
            "title": "=HYPERLINK(\"http://evil\") غارة جوية على مشفى", "event_time": "17:30", "grade": "fair",
            "grade_reason": "two videos", "evidence_sha256": "ab" * 32}
    # What a careless caller might hand over: it must never be written.
    row |= {field: "Abu Ahmad +963 999" for field in RESTRICTED_INCIDENT_FIELDS}
    return row | extra


@pytest.fixture
def undated():
    return _row(event_id_cnty="SYR000002", event_date=None, latitude=None, longitude=None, title="Undated")


def test_both_are_registered_exporters():
    exporters = registry.exporters()
    assert exporters["atlos"].suffix == ".csv" and exporters["timemap"].suffix == ".json"


def test_atlos_columns_and_a_row(tmp_path, undated):
    path = tmp_path / "atlos.csv"
    registry.exporters()["atlos"].write(COLUMNS, [_row(status="verified"), undated], path)
    raw = path.read_text(encoding="utf-8")
    assert "Abu Ahmad" not in raw and "+963" not in raw
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == ATLOS_COLUMNS
        first, second = list(reader)
    assert reader.fieldnames[:6] == ["slug", "project", "inserted_at", "updated_at", "latitude", "longitude"]
    assert first["slug"] == "SYR000001" and first["date"] == "2019-05-05" and first["status"] == "Completed"
    assert first["description"].startswith("'=HYPERLINK")  # a formula is escaped, as Atlos does
    assert first["latitude"] == "35.61376" and first["longitude"] == "36.56449"  # as the other exports write them
    assert first["geolocation"] == "35.61376,36.56449" and first["geolocation_resolution"] == "Locality"
    assert first["tags"] == "hospital, مشفى" and first["updated_at"] == "2019-05-05T17:30:00+00:00"
    assert "قصف بالصواريخ" in first["more_info"] and "Fatalities: 5 (range 3–8)" in first["more_info"]
    assert "Verification grade: fair — two videos" in first["more_info"] and "ab" * 32 in first["more_info"]
    assert first["sensitive"] == ""  # left for a person: never assumed "Not Sensitive"
    assert not any(c.startswith("source_") for c in reader.fieldnames)  # source URLs are restricted
    assert second["geolocation"] == "" and second["latitude"] == "" and second["status"] == ""


def test_timemap_events_have_the_shape_timemap_loads(tmp_path, undated):
    path = tmp_path / "events.json"
    nowhere = _row(event_id_cnty="SYR000003", event_date=None, latitude=None, longitude=None)
    registry.exporters()["timemap"].write(COLUMNS, [_row(), undated, nowhere], path)
    raw = path.read_text(encoding="utf-8")
    assert "Abu Ahmad" not in raw and "+963" not in raw
    events = json.loads(raw)
    assert isinstance(events, list) and len(events) == 1  # no date and no point: TimeMap would drop it
    event = events[0]
    assert set(event) == set(KEYS) and set(event) <= TIMEMAP_SCHEMA
    assert event["id"] == "SYR000001" and event["date"] == "05/05/2019" and event["time"] == "17:30"
    assert event["latitude"] == "35.61376" and event["longitude"] == "36.56449"  # strings, as TimeMap reads them
    assert event["category"] == "Explosions/Remote violence" and event["type"] == "Air/drone strike"
    assert event["associations"] == ["Explosions/Remote violence", "Air/drone strike", "grade:fair"]
    assert event["sources"] == [] and event["location"] == "Kafranbel" and event["time_precision"] == "day"
    assert "قصف بالصواريخ" in event["description"] and isinstance(event["description"], str)
    for value in event.values():
        assert isinstance(value, (str, list))  # TimeMap's schema: strings and arrays only


def test_a_dated_event_without_a_point_keeps_both_coordinates_empty(tmp_path):
    path = tmp_path / "events.json"
    registry.exporters()["timemap"].write(COLUMNS, [_row(latitude=None, longitude=None)], path)
    event = json.loads(path.read_text(encoding="utf-8"))[0]
    assert event["latitude"] == "" and event["longitude"] == ""  # TimeMap's schema wants both or neither
