"""Place names: Arabic normalisation, transliteration-insensitive keys, ranked
look-up with reasons, and gazetteer readers — against the OCHA list every test uses."""

import json

import pytest

from marsad.core.places import arabic
from marsad.core.places.gazetteer import DISTRICT, GOVERNORATE, PLACE, SUBDISTRICT, Gazetteer, distance_km
from marsad.core.places.readers import Columns, read_file

SPELLINGS = {
    "Kafr Nabl": ["كفرنبل", "كفر نبل", "Kafranbel", "Kafr Nabl", "Kafr Nobol"],
    "Maarat al-Numan": ["Maarat al-Numan", "معرة النعمان", "Ma'arrat an-Nu'man"],
    "Khan Shaykhun": ["Khan Shaykhun", "خان شيخون", "Khan Sheikhoun"],
    "Saraqib": ["Saraqib", "سراقب", "Saraqeb"],
}


@pytest.fixture(scope="module")
def ocha(testdata):
    return read_file(testdata / "gazetteer" / "syria-locations-ocha.json")


@pytest.fixture(scope="module")
def gazetteer(ocha):
    return Gazetteer(ocha.places)


@pytest.mark.parametrize("variant, plain", [
    ("مُعَرَّةُ النُّعْمَانِ", "معره النعمان"),  # harakat
    ("ســـراقب", "سراقب"),  # tatweel
    ("إدلب", "ادلب"), ("أريحا", "اريحا"), ("آل", "ال"),  # alef forms
    ("مؤتة", "موته"), ("بئر", "بير"),  # hamza carriers, ta marbuta
    ("مستشفى", "مستشفي"),  # alef maqsura
    ("کفر نبل", "كفر نبل"), ("چمن", "جمن"), ("پل", "بل"), ("ژ", "ز"),  # Persian / Urdu letters
])
def test_arabic_normalisation(variant, plain):
    assert arabic.normalise_arabic(variant) == plain


def test_keys_ignore_spaces_articles_vowels_and_digraphs():
    assert arabic.arabic_key("كفر نبل") == arabic.arabic_key("كفرنبل") == "كفرنبل"
    assert arabic.arabic_key("الدانا") == arabic.arabic_key("دانا")
    assert {arabic.latin_key(n) for n in ("Kafranbel", "Kafr Nabl", "Kafr Nobol", "Kafr Nubl")} == {"kfrnbl"}
    assert arabic.latin_key("Ma'arrat an-Nu'man") == arabic.latin_key("Maarat al-Numan") == "mrtnmn"
    assert arabic.latin_key("Khān Shaykhūn") == arabic.latin_key("Khan Sheikhoun") == "knskn"
    assert arabic.latin_key("Saraqib") != arabic.latin_key("Sarmin")


@pytest.mark.parametrize("town", sorted(SPELLINGS))
def test_every_spelling_resolves_first_to_the_same_place(gazetteer, town):
    firsts = {spelling: gazetteer.find(spelling)[0] for spelling in SPELLINGS[town]}
    assert len({c.place.id for c in firsts.values()}) == 1, {s: c.place.id for s, c in firsts.items()}
    chosen = next(iter(firsts.values()))
    assert chosen.place.level == PLACE  # the town, not the subdistrict of the same name
    assert all(c.score >= 95 and c.reason for c in firsts.values())


def test_the_hierarchy_runs_village_subdistrict_district_governorate(gazetteer):
    kafr_nabl = gazetteer.find("Kafr Nabl")[0].place
    chain = gazetteer.chain(kafr_nabl)
    assert [p.level for p in chain] == [PLACE, SUBDISTRICT, DISTRICT, GOVERNORATE]
    assert chain[-1].name == "Idleb" and chain[-1].name_ar == "إدلب"
    assert kafr_nabl.pcode == "C4068"
    assert 35.5 < kafr_nabl.lat < 35.7 and 36.5 < kafr_nabl.lon < 36.7


def test_reasons_say_why_and_fuzzy_matches_rank_below_spellings(gazetteer):
    exact = gazetteer.find("كفرنبل")[0]
    assert "the same Arabic name" in exact.reason
    typo = gazetteer.find("Kafr Nabbul")[0]  # one letter too many: still the skeleton
    assert typo.place.id == exact.place.id
    fuzzy = gazetteer.find("Saraqiba")  # vowel at the end changes nothing
    assert fuzzy[0].place.name == "Saraqab"
    far = gazetteer.find("Kafr Nabk")  # a letter wrong: only a close spelling
    assert far and far[0].score < 96 and "close spelling" in far[0].reason


def test_unknown_names_give_nothing_and_ambiguous_names_several_candidates(gazetteer):
    assert gazetteer.find("Atlantis Qwerty") == []
    hamdieh = gazetteer.find("Hamdieh", limit=10)
    assert len({c.place.parent for c in hamdieh}) >= 2  # villages of that name in several subdistricts
    near_maarat = gazetteer.find("Hamdieh", near=gazetteer.find("Maarat al-Numan")[0].place, limit=10)
    first = near_maarat[0]
    assert first.distance_km is not None and first.distance_km < 15
    assert all(first.distance_km <= c.distance_km for c in near_maarat if c.score == first.score)


def test_sites_that_are_another_name_for_a_town_become_its_aliases(gazetteer):
    kafr_nabl = gazetteer.find("Kafr Nobol")[0].place
    assert "Kafar Nabil" in kafr_nabl.names  # the Syrian Archive's own point, 1.9 km away
    assert "كفرنبل" in kafr_nabl.names  # its older Arabic name


def test_malformed_rows_are_reported_and_the_rest_read(ocha, tmp_path):
    assert len(ocha.places) > 6000
    assert len(ocha.problems) == 22 and all("coordinates" in p.reason for p in ocha.problems)
    table = tmp_path / "mine.csv"
    table.write_text(
        "name,name_ar,lat,lon,pcode,alias,district,governorate\n"
        "Kafr Nabl,كفرنبل,35.6146,36.5602,C4068,Kafranbel;Kafr Nobol,Al Ma'ra,Idleb\n"
        "Nowhere,,95.0,36.5,C0001,,Al Ma'ra,Idleb\n"
        ",,35.6,36.5,C0002,,Al Ma'ra,Idleb\n"
        "Hass,حاس,not-a-number,36.6,C0003,,Al Ma'ra,Idleb\n", encoding="utf-8-sig")
    read = read_file(table, Columns(aliases="alias", admin=["district", "governorate"]))
    assert [(p.where, p.reason.split(" (")[0]) for p in read.problems] == [
        ("mine.csv line 3", "coordinates out of range"), ("mine.csv line 4", "no name"),
        ("mine.csv line 5", "no usable coordinates")]
    g = Gazetteer(read.places)
    place = g.find("Kafranbel")[0].place
    assert place.pcode == "C4068" and [p.name for p in g.chain(place)] == ["Kafr Nabl", "Al Ma'ra", "Idleb"]


def test_geojson_points_are_read(tmp_path):
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [36.6766, 35.6476]},
         "properties": {"name": "Maarat al-Numan", "name_ar": "معرة النعمان", "pcode": "C3985"}}]}
    path = tmp_path / "p.geojson"
    path.write_text(json.dumps(doc, ensure_ascii=False))
    place = Gazetteer(read_file(path).places).find("معرة النعمان")[0].place
    assert (place.lat, place.lon) == (35.6476, 36.6766)


def test_distance_is_great_circle():
    # Kafr Nabl to Maarat al-Numan: about 11 km.
    assert 10 < distance_km((35.6146, 36.5602), (35.6476, 36.6766)) < 12
