"""Places and incidents through the real command, on the OCHA gazetteer: spellings
resolve, reports are grouped with reasons, every change is history in the log,
and the exports load back field by field in pandas, json and openpyxl."""

import json

import pytest

from tests.plugins.test_telegram import channel_export

TITLE = "غارة جوية على مشفى كفرنبل الجراحي — Airstrike on Kafr Nabl surgical hospital"


@pytest.fixture
def gazetteer_ws(marsad, testdata):
    run = marsad.run("places", "import", str(testdata / "gazetteer" / "syria-locations-ocha.json"), check=1)
    assert "22 rows not imported" in run.stdout  # the entries without coordinates, named one by one
    assert "entry 5747 (id 5747): no usable coordinates" in run.stdout
    return marsad


def _first(marsad, text, *extra):
    return marsad.json("places", "find", text, *extra)[0]


def test_places_find_ranks_spellings_with_reasons_and_near(gazetteer_ws):
    m = gazetteer_ws
    keys = {_first(m, s)["key"] for s in ("Kafranbel", "كفرنبل", "Kafr Nabl")}
    assert len(keys) == 1  # GeoNames' Kafranbel was folded into the OCHA village of the same name
    top = _first(m, "Kafranbel")
    assert top["pcode"] == "C4068" and top["within"][-1] == "Idleb / إدلب" and top["reason"]
    near = m.json("places", "find", "Hamdieh", "--near", "Maarat al-Numan", "--limit", "3")
    assert near[0]["distance_km"] < 15
    assert m.run("places", "find", "Atlantis Qwerty", check=1).stdout.startswith("No place found")
    m.run("places", "alias", top["key"], "Kafr Nabel al-Thawra")
    assert _first(m, "Kafr Nabel al-Thawra")["key"] == top["key"]


def test_incidents_from_reports_to_exports(gazetteer_ws, tmp_path):
    m = gazetteer_ws
    m.run("ingest", str(channel_export(tmp_path / "ChatExport")), check=1)
    captures = {c["post_id"]: item["sha256"] for item in m.json("items")
                for c in m.json("show", item["sha256"])["captures"]}
    photo, video, report = captures["1"], captures["2"], captures["3"]

    code = m.run("incidents", "create", "--title", TITLE, "--date", "2019-05-05", "--time", "17:30",
                 "--place", "Kafranbel", "--type", "Air/drone strike", "--set", "fatalities_low=3",
                 "--set", "fatalities_best=5", "--set", "fatalities_high=8", "--set", "civilian_deaths_best=5",
                 "--set", "health_facility_type=hospital", "--set", "patients_killed=2", "--set", "grade=fair",
                 "--set", "grade_reason=two independent videos", "--set", "civilian_targeting=yes",
                 "--set", "notes=قصف بالصواريخ على المشفى", "--evidence", photo,
                 "--reason", "first report").stdout.strip()
    assert code == "SYR000001"

    # The Arabic report posted minutes later, naming كفرنبل: suggested, with reasons a person can check.
    suggested = m.json("incidents", "suggest", report)
    assert suggested[0]["incident"] == code
    assert "Kafr Nobol" in suggested[0]["why"] and "min" in suggested[0]["why"]
    m.run("incidents", "accept", report, code, "--role", "corroborating")
    m.run("incidents", "link", code, photo, video, "--role", "primary")
    assert m.json("incidents", "suggest", report) == []  # linked already: not suggested again

    unresolved = m.run("incidents", "create", "--title", "Shelling", "--date", "2019-05-06", "--place", "Atlantis")
    assert "not in the gazetteer: kept as text, unresolved" in unresolved.stderr
    ambiguous = m.run("incidents", "create", "--title", "Shelling", "--date", "2019-05-06", "--place", "Hamdieh")
    assert "is ambiguous" in ambiguous.stderr
    listed = {i["code"]: i for i in m.json("incidents", "list")}
    assert listed["SYR000002"]["place"] is None and listed["SYR000002"]["location_text"] == "Atlantis"
    assert "future" in m.run("incidents", "create", "--date", "2099-01-01", check=1).stderr
    assert "out of range" in m.run("incidents", "set", code, "latitude=123", check=1).stderr

    m.run("incidents", "merge", code, "SYR000002", "--reason", "the same strike, reported twice")
    assert [i["code"] for i in m.json("incidents", "list")] == [code, "SYR000003"]
    new = m.run("incidents", "split", code, video, "--reason", "filmed the next day, another strike",
                "--set", "event_date=2019-05-06").stdout.strip()
    shown = m.json("incidents", "show", code)
    actions = [(c["action"], c["field"]) for c in shown["history"]]
    assert ("merge", "merged_from") in actions and ("split", "split_to") in actions
    assert {i["sha256"] for i in shown["items"]} == {photo, report}
    assert {i["sha256"] for i in m.json("incidents", "show", new)["items"]} == {video}
    assert m.json("incidents", "show", "SYR000002")["merged_into"] == code

    expected = m.json("incidents", "show", code)["fields"]
    assert expected["admin1"] == "Idleb" and expected["admin3"] == "Kafr Nobol" and expected["fatalities"] == 5
    assert "Telegram" in expected["source"] and "Idlib Media Centre" not in json.dumps(expected, ensure_ascii=False)
    for fmt in ("csv", "geojson", "xlsx"):
        m.run("export", "incidents", "--format", fmt, "-o", str(tmp_path / f"incidents.{fmt}"))
    _compare_exports(tmp_path, code, expected)
    assert "OK" in m.run("log", "verify").stdout


def _compare_exports(folder, code, expected):
    import geojson
    import openpyxl
    import pandas as pd

    raw = (folder / "incidents.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for Arabic
    frame = pd.read_csv(folder / "incidents.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(frame.columns[:4]) == ["event_id_cnty", "event_date", "year", "time_precision"]
    csv_row = frame[frame.event_id_cnty == code].iloc[0].to_dict()

    doc = json.loads((folder / "incidents.geojson").read_text(encoding="utf-8"))
    assert geojson.loads(json.dumps(doc)).is_valid
    feature = next(f for f in doc["features"] if f["id"] == code)
    assert feature["geometry"]["coordinates"] == [expected["longitude"], expected["latitude"]]  # lon, lat

    sheet = openpyxl.load_workbook(folder / "incidents.xlsx").active
    header = [c.value for c in sheet[1]]
    xlsx_row = next(dict(zip(header, [c.value for c in r])) for r in sheet.iter_rows(min_row=2) if r[0].value == code)

    for column, value in expected.items():
        if column == "timestamp":
            continue
        assert feature["properties"][column] == value, column
        assert xlsx_row[column] == (value if value != "" else None), column
        assert csv_row[column] == ("" if value is None else str(value)), column
    assert csv_row["title"] == TITLE and csv_row["notes"] == "قصف بالصواريخ على المشفى"
