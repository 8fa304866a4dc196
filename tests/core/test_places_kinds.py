"""Gazetteer kinds: camps, neighbourhoods and facilities (hospital, school, market,
bakery, mosque) read from CSV, JSON and GeoJSON lists, and used when a string
names a facility in its town ("مشفى كفرنبل", "Kafr Nabl hospital")."""

import json

import pytest

from marsad.core.places.gazetteer import KINDS, Gazetteer
from marsad.core.places.readers import Columns, kind_of, read_file
from marsad.core.places.resolve import resolve_text


@pytest.mark.parametrize("word, kind", [
    ("hospital", "facility:hospital"), ("Health Facility", "facility:hospital"), ("مشفى", "facility:hospital"),
    ("مستشفى", "facility:hospital"), ("school", "facility:school"), ("مدرسة", "facility:school"),
    ("marketplace", "facility:market"), ("bakery", "facility:bakery"), ("فرن", "facility:bakery"),
    ("place_of_worship", "facility:mosque"), ("جامع", "facility:mosque"), ("IDP camp", "camp"), ("مخيم", "camp"),
    ("neighborhood", "neighbourhood"), ("حي", "neighbourhood"), ("village", "village"), ("city", "city"),
    ("facility:school", "facility:school"), ("", ""),
])
def test_kind_words_in_either_language_map_to_one_kind(word, kind):
    assert kind_of(word) == kind and (kind in KINDS or kind == "")


def test_an_unknown_kind_word_is_an_error_naming_the_known_ones():
    with pytest.raises(ValueError, match="unknown kind 'spaceport'.*camp"):
        kind_of("spaceport")


def _csv(tmp_path):
    path = tmp_path / "facilities.csv"
    path.write_text(
        "name,name_ar,lat,lon,type\n"
        "Kafr Nabl Surgical Hospital,مشفى كفرنبل الجراحي,35.6130,36.5590,hospital\n"
        "Kafr Nabl Girls School,مدرسة كفرنبل للبنات,35.6150,36.5620,مدرسة\n"
        "Atmeh Camp,مخيم أطمة,36.3120,36.6650,IDP camp\n"
        "Moon base,,35.0,36.0,spaceport\n", encoding="utf-8")
    return path


def test_kinds_are_read_from_a_named_column_and_bad_words_reported_by_line(tmp_path):
    read = read_file(_csv(tmp_path), Columns(kind="type"))
    assert [(p.name, p.kind) for p in read.places] == [
        ("Kafr Nabl Surgical Hospital", "facility:hospital"), ("Kafr Nabl Girls School", "facility:school"),
        ("Atmeh Camp", "camp")]
    assert [(p.where, p.reason.split(" (")[0]) for p in read.problems] == [
        ("facilities.csv line 5", "unknown kind 'spaceport'")]


def test_one_kind_for_a_whole_list_and_json_and_geojson_lists(tmp_path):
    camps = tmp_path / "camps.json"
    camps.write_text(json.dumps([{"name": "Atmeh", "name_ar": "مخيم أطمة", "lat": 36.312, "lon": 36.665}],
                                ensure_ascii=False))
    assert [p.kind for p in read_file(camps, Columns(every_kind="camp")).places] == ["camp"]
    geo = tmp_path / "health.geojson"
    geo.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [36.559, 35.613]},
         "properties": {"name": "Kafr Nabl Surgical Hospital", "amenity": "hospital"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [36.56, 35.614]},
         "properties": {"name": "Kafr Nabl pharmacy", "amenity": "pharmacy"}}]}))
    read = read_file(geo)  # a guessed column: a word it cannot read leaves the kind empty, the row is kept
    assert [(p.name, p.kind) for p in read.places] == [("Kafr Nabl Surgical Hospital", "facility:hospital"),
                                                      ("Kafr Nabl pharmacy", "")]
    assert read.problems == []


@pytest.fixture(scope="module")
def g_with_facilities(testdata, tmp_path_factory):
    ocha = read_file(testdata / "gazetteer" / "syria-locations-ocha.json").places
    facilities = read_file(_csv(tmp_path_factory.mktemp("f")), Columns(kind="type")).places
    return Gazetteer(ocha + facilities)


@pytest.mark.parametrize("text", ["مشفى كفرنبل", "Kafr Nabl hospital", "the hospital of Kafr Nabl"])
def test_a_facility_written_with_its_town_is_the_one_held_there(g_with_facilities, text):
    [r] = resolve_text(text, g_with_facilities).places
    assert r.status == "resolved" and r.precision == "site"
    assert r.candidates[0].place.name == "Kafr Nabl Surgical Hospital" and "hospital held in" in r.reason


def test_a_facility_not_held_gives_its_town_and_a_camp_its_camp(g_with_facilities):
    [bakery] = resolve_text("فرن كفرنبل", g_with_facilities).places
    assert bakery.precision == "place" and bakery.candidates[0].place.name == "Kafr Nobol"
    [camp] = resolve_text("مخيم أطمة", g_with_facilities).places
    assert camp.precision == "site" and camp.candidates[0].place.name == "Atmeh Camp"
