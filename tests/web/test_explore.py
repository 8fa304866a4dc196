"""The map and the timeline through Django's test client: the map's GeoJSON holds only
what a role may see (an outsider nothing, a restricted role no witness), the shared
filter gives the same count on the table, the map and the timeline, a governorate
includes its districts' towns, the timeline counts a hand-made set by day and by hour
and runs right to left in Arabic, a governorate at scale comes back counted per place,
and a deployment's PMTiles file is served in ranges."""

from __future__ import annotations

import datetime as dt
import json
import re
from urllib.parse import parse_qsl

import pytest
from django.test import Client

from marsad.incidents import service
from marsad.incidents.filters import Filters
from marsad.incidents.models import Place
from marsad.web.explore import mapdata, timeline

pytestmark = pytest.mark.django_db
ACTOR = "actor:test"
WITNESS = "شاهد-سري-WITNESS-77"


def _place(key, name, name_ar, level, lat, lon, parent=None):
    return Place.objects.create(key=key, name=name, name_ar=name_ar, level=level, lat=lat, lon=lon, parent=parent,
                                source="test")


@pytest.fixture
def atlas(team, tmp_path, monkeypatch):
    """Idlib governorate > Maarrat district > Kafr Nabl and Hass; Aleppo > Aleppo city; five
    incidents in "idlib" (one placed only at the district, one with its own coordinates),
    one in "elsewhere", and two photos captured on 2019-05-05 at 10:30 UTC."""
    from marsad.cli.init import init_workspace
    from marsad.evidence.models import Item

    from .test_incidents_web import _ingest, _pngs

    monkeypatch.setenv("MARSAD_STORAGE", str(tmp_path / "store"))
    init_workspace()
    idlib = _place("t:idlib", "Idlib", "إدلب", 1, 35.8, 36.6)
    maarrat = _place("t:maarrat", "Maarrat An Nu'man", "معرة النعمان", 2, 35.6, 36.7, idlib)
    kafr = _place("t:kafrnabl", "Kafr Nabl", "كفر نبل", 4, 35.61, 36.56, maarrat)
    hass = _place("t:hass", "Hass", "حاس", 4, 35.59, 36.59, maarrat)
    aleppo = _place("t:aleppo", "Aleppo", "حلب", 1, 36.2, 37.15)
    city = _place("t:aleppo-city", "Aleppo city", "مدينة حلب", 4, 36.2, 37.16, aleppo)
    p = team["project"]
    made = {
        "a": service.create({"title": "Strike on the hospital", "event_date": "2019-05-05", "event_time": "17:30",
                             "place": kafr, "grade": "fair", "witness_names": WITNESS,
                             "source_notes": "met the nurse"}, ACTOR, project=p),
        "b": service.create({"title": "Shelling of the market", "event_date": "2019-05-05", "place": hass,
                             "time_precision": 2}, ACTOR, project=p),
        "c": service.create({"title": "Strike near the district", "event_date": "2019-05-05", "place": maarrat},
                            ACTOR, project=p),
        "d": service.create({"title": "Raid in Aleppo", "event_date": "2019-05-07", "place": city,
                             "latitude": 36.21, "longitude": 37.13}, ACTOR, project=p),
        "e": service.create({"title": "Undated and unplaced"}, ACTOR, project=p),
        "x": service.create({"title": "Elsewhere", "event_date": "2019-05-06", "place": kafr}, ACTOR,
                            project=team["other"]),
    }
    made["d"].latitude, made["d"].longitude = 36.21, 37.13  # its own coordinates, not its town's
    made["d"].save(update_fields=["latitude", "longitude"])
    shas = _ingest(_pngs(tmp_path, 2), p)
    Item.objects.filter(sha256__in=shas).update(captured_at=dt.datetime(2019, 5, 5, 10, 30, tzinfo=dt.UTC),
                                                 captured_at_source="exif", tz_known=False)
    return {**team, **made, "shas": shas, "idlib": idlib, "maarrat": maarrat, "kafr": kafr}


def _as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _codes(data) -> set[str]:
    return {f["properties"]["code"] for f in data["features"]}


def _count(html: str) -> int:
    return int(re.search(r'class="visible-count" data-count="(\d+)"', html).group(1))


def test_map_data_holds_only_what_the_role_may_see(atlas):
    outsider = _as(atlas["outsider"]).get("/en/map/data/?project=idlib")
    assert outsider.status_code == 200 and outsider.json()["features"] == [] and outsider.json()["total"] == 0
    everything = _as(atlas["outsider"]).get("/en/map/data/").json()
    assert _codes(everything) == {atlas["x"].code}  # their own project only
    for role in ("restricted", "viewer", "owner"):
        response = _as(atlas[role]).get("/en/map/data/")
        text = response.content.decode()
        data = json.loads(text)
        assert response["Content-Type"].startswith("application/geo+json")
        assert _codes(data) == {atlas[k].code for k in "abcd"}, role
        assert data["total"] == 5 and data["unmapped"] == 1
        # Restricted fields are never selected, whatever the role.
        assert WITNESS not in text and "WITNESS" not in text and "nurse" not in text, role
    data = _as(atlas["restricted"]).get("/ar/map/data/").json()
    by_code = {f["properties"]["code"]: f for f in data["features"]}
    a = by_code[atlas["a"].code]
    assert a["properties"]["place"] == "كفر نبل" and a["properties"]["grade"] == "fair"
    assert a["geometry"]["coordinates"] == [36.56, 35.61]
    assert {code: f["properties"]["precision"] for code, f in by_code.items()} == {
        atlas["a"].code: "town", atlas["b"].code: "town", atlas["c"].code: "district", atlas["d"].code: "exact"}


def test_a_governorate_includes_its_districts_towns_and_filters_combine(atlas):
    client = _as(atlas["editor"])

    def codes(query):
        return _codes(client.get(f"/en/map/data/?{query}").json())

    a, b, c, d = (atlas[k].code for k in "abcd")
    assert codes("place=t:idlib") == {a, b, c}
    assert codes("place=t:maarrat") == {a, b, c}
    assert codes("place=t:kafrnabl") == {a}
    assert codes("place=t:aleppo") == {d}
    assert codes("place=t:idlib&grade=fair") == {a}
    assert codes("place=t:idlib&date_from=2019-05-06") == set()
    assert codes("date_from=2019-05-06&date_to=2019-05-31") == {d}
    assert codes("place=t:idlib&project=elsewhere") == set()  # the editor is not in "elsewhere"
    assert codes("place=no-such-place") == set()


@pytest.mark.parametrize("query", ["", "place=t:idlib", "place=t:idlib&grade=fair", "date_from=2019-05-07"])
def test_table_map_and_timeline_show_the_same_count_and_keep_the_filter(atlas, query):
    client = _as(atlas["viewer"])
    pages = {name: client.get(f"/en/{path}/?{query}") for name, path in
             (("table", "incidents"), ("map", "map"), ("timeline", "timeline"))}
    counts = {name: _count(r.content.decode()) for name, r in pages.items()}
    data = client.get(f"/en/map/data/?{query}").json()
    assert len(set(counts.values())) == 1 and counts["map"] == data["total"], counts
    kept = Filters.from_query(dict(parse_qsl(query))).query().replace("&", "&amp;")  # in the filter's order
    for name, response in pages.items():
        html = response.content.decode()
        for view in ("incidents", "map", "timeline"):  # the switcher keeps the query string
            expected = f'href="/en/{view}/{"?" + kept if kept else ""}"'
            assert expected in html, (name, view)
    if "place" in query:
        assert 'option value="t:idlib" selected' in pages["map"].content.decode()


def test_the_timeline_counts_a_hand_made_set_by_day_and_by_hour(atlas):
    client = _as(atlas["viewer"])
    response = client.get("/en/timeline/?project=idlib")
    chart = response.context["chart"]
    by_day = {b.key: (b.incidents, b.approximate, b.evidence) for b in chart.buckets}
    assert by_day == {"2019-05-05": (3, 1, 2), "2019-05-06": (0, 0, 0), "2019-05-07": (1, 0, 0)}
    assert response.context["undated"] == 1
    html = response.content.decode()
    assert 'href="/en/timeline/?project=idlib&amp;day=2019-05-05"' in html  # a day zooms to its hours
    assert "within a week" in html  # b's date precision is shown

    zoomed = client.get("/en/timeline/?project=idlib&day=2019-05-05")
    hours = {b.key: (b.incidents, b.evidence) for b in zoomed.context["chart"].buckets if b.incidents or b.evidence}
    assert hours == {"17": (1, 0), "10": (0, 2)}
    assert zoomed.context["untimed"] == 2 and zoomed.context["day_total"] == 3
    text = zoomed.content.decode()
    assert "17:30" in text and "time zone unknown" in text and atlas["shas"][0][:12] in text
    # The outsider's timeline of the same project is empty.
    assert _as(atlas["outsider"]).get("/en/timeline/?project=idlib").context["chart"] is None


def test_time_runs_right_to_left_in_arabic(atlas):
    def xs(lang):
        chart = _as(atlas["viewer"]).get(f"/{lang}/timeline/?project=idlib").context["chart"]
        return chart.buckets[0].x, chart.buckets[-1].x

    first, last = xs("ar")
    assert first > last
    first, last = xs("en")
    assert first < last


def test_a_long_period_folds_to_months_and_counts_stay_exact():
    start, end = dt.date(2018, 1, 1), dt.date(2019, 12, 31)
    counts = {dt.date(2018, 1, 3): (2, 0), dt.date(2018, 1, 30): (1, 1), dt.date(2019, 12, 31): (4, 0)}
    buckets = timeline.buckets_by_day(start, end, counts, {dt.date(2018, 1, 4): 5})
    assert len(buckets) == 24 and buckets[0].key == "2018-01" and buckets[-1].key == "2019-12"
    assert (buckets[0].incidents, buckets[0].approximate, buckets[0].evidence) == (3, 1, 5)
    assert buckets[-1].incidents == 4 and sum(b.incidents for b in buckets) == 7
    chart = timeline.Chart(buckets, rtl=True)
    assert chart.buckets[0].x > chart.buckets[-1].x and chart.buckets[0].x + chart.buckets[0].width == 1000


def test_many_incidents_come_back_counted_per_place(atlas):
    from marsad.access.rules import visible_incidents

    incidents = visible_incidents(atlas["viewer"]).filter(merged_into__isnull=True)
    data = mapdata.collection(incidents, arabic=False, max_points=2)
    assert data["aggregated"] and data["total"] == 5
    assert sum(f["properties"]["count"] for f in data["features"]) == data["mapped"] == 4
    assert all("code" not in f["properties"] and "title" not in f["properties"] for f in data["features"])
    kafr = [f for f in data["features"] if f["properties"]["place_key"] == "t:kafrnabl"]
    assert kafr and kafr[0]["properties"]["count"] == 1


def test_marker_precision():
    assert mapdata.precision(True, 1, 4) == "exact"
    assert mapdata.precision(True, 3, None) == "governorate"
    assert mapdata.precision(False, 1, 4) == "town"
    assert mapdata.precision(False, 1, 2) == "district"
    assert mapdata.precision(False, 2, 4) == "district"
    assert mapdata.precision(False, 1, 1) == "governorate"


def test_the_map_page_names_places_in_arabic_and_loads_nothing_from_elsewhere(atlas):
    html = _as(atlas["viewer"]).get("/ar/map/?place=t:idlib").content.decode()
    assert "إدلب" in html and "/static/vendor/leaflet/leaflet.js" in html and "basemap.geojson" in html
    assert not re.search(r'(src|href)="https?://', html)  # no CDN, no tile server


def test_a_deployments_pmtiles_file_is_served_in_ranges(atlas, tmp_path, monkeypatch):
    monkeypatch.setenv("MARSAD_HOME", str(tmp_path / "home"))
    client = _as(atlas["restricted"])
    assert client.get("/en/map/tiles/").status_code == 404  # none yet
    (tmp_path / "home" / "tiles").mkdir(parents=True)
    (tmp_path / "home" / "tiles" / "syria.pmtiles").write_bytes(b"PMTiles" + bytes(range(200)))
    whole = client.get("/en/map/tiles/")
    assert whole.status_code == 200 and b"".join(whole.streaming_content).startswith(b"PMTiles")
    part = client.get("/en/map/tiles/?file=syria.pmtiles", headers={"Range": "bytes=0-6"})
    assert part.status_code == 206 and b"".join(part.streaming_content) == b"PMTiles"
    assert part["Content-Range"] == "bytes 0-6/207" and part["Accept-Ranges"] == "bytes"
    assert client.get("/en/map/tiles/?file=../marsad.sqlite3").status_code == 404
    assert "syria.pmtiles" in client.get("/en/map/").content.decode()


def test_an_admin_area_without_coordinates_is_labelled_at_the_centre_of_its_places(db):
    """GeoNames gives Syria's governorates no coordinates: the map still names them, at the
    centre of their towns, and leaves out an area with no placed town at all."""
    from marsad.web.explore.views import _labels

    gov = _place("t:hama", "Hama", "حماة", 1, None, None)
    district = _place("t:suqaylabiyah", "Al-Suqaylabiyah", "السقيلبية", 2, None, None, gov)
    _place("t:kafrzita", "Kafr Zita", "كفر زيتا", 4, 35.37, 36.60, gov)
    _place("t:qalaat", "Qalaat al-Madiq", "قلعة المضيق", 4, 35.41, 36.39, district)
    _place("t:empty", "Nowhere", "لا مكان", 1, None, None)
    labels = {name: (lat, lon, level) for name, lat, lon, level in _labels()}
    assert labels["Hama"] == (pytest.approx(35.39), pytest.approx(36.495), 1)
    assert labels["Al-Suqaylabiyah"] == (35.41, 36.39, 2)
    assert "Nowhere" not in labels
