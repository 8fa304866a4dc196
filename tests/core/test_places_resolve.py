"""Location strings resolved against the OCHA gazetteer: precision and why,
"ambiguous" when a shared name is not narrowed, context used as an area,
neighbourhoods resolved to their city, lists, points, and areas by name or P-code."""

import pytest

from marsad.core.places.gazetteer import (
    GOVERNORATE,
    PLACE,
    SUBDISTRICT,
    Gazetteer,
    distance_km,
)
from marsad.core.places.readers import read_file
from marsad.core.places.resolve import AreaNotFound, find_areas, resolve_text

KAFR_NABL = (35.6146, 36.5602)


@pytest.fixture(scope="module")
def g(testdata):
    return Gazetteer(read_file(testdata / "gazetteer" / "syria-locations-ocha.json").places)


def one(g, text, **kw):
    result = resolve_text(text, g, **kw)
    assert len(result.places) == 1, [(r.written, r.status) for r in result.places]
    return result.places[0]


def governorate(g, place):
    return (place if place.level == GOVERNORATE else g.admin(place, GOVERNORATE)).name


@pytest.mark.parametrize("text", ["كفرنبل", "كفر نبل", "قرية كفرنبل", "بلدة كفر نبل", "أطراف مدينة كفرنبل",
                                  "Kafranbel", "Kafr Nabl", "the town of Kafr Nabl", "Kafr Nabl city",
                                  "outskirts of Kafranbel", "Kafr Nabll",  # one letter too many
                                  "كفرنبل بريف إدلب الجنوبي", "Kafranbel in the southern countryside of Idlib",
                                  "IDLIB : Kafr Nabl", "ادلب : كفرنبل", "Idlib –Kafranbel"])
def test_descriptors_relations_and_context_around_a_name_resolve_to_it(g, text):
    r = one(g, text)
    assert r.status == "resolved" and r.precision == "place" and r.reason
    first = r.candidates[0].place
    assert distance_km(KAFR_NABL, (first.lat, first.lon)) < 3


def test_a_latin_name_one_letter_off_resolves_or_is_offered_not_chosen(g):
    clear = one(g, "Khan Shaykhum")  # otherwise spelled alike: a typo
    assert clear.status == "resolved" and clear.candidates[0].place.name == "Khan Shaykun" and "typo" in clear.reason
    for text in ("Khan Sheikhoum", "خان شيخوت"):  # or a name the gazetteer does not hold: offered, not chosen
        r = one(g, text)
        assert r.status == "ambiguous" and r.candidates[0].place.name == "Khan Shaykun" and "typo" in r.reason


def test_hama_city_and_a_village_named_with_its_descriptor_resolve(g):
    hama = one(g, "Hama City")
    assert hama.status == "resolved" and hama.candidates[0].place.name == "Hama"
    assert "district" in hama.reason  # chosen as the town that names its district, and said so
    village = one(g, "قرية كفرسجنة")
    assert village.status == "resolved" and village.candidates[0].place.name == "Kafrsajna"
    assert "village" in village.reason


def test_a_shared_name_is_ambiguous_until_something_narrows_it(g):
    alone = one(g, "Hamdieh")
    assert alone.status == "ambiguous" and "share this name" in alone.reason
    assert len({governorate(g, c.place) for c in alone.candidates}) >= 3
    idleb = find_areas(g, "Idlib")
    within = one(g, "Hamdieh", within=idleb)  # the report's governorate, as an area
    assert within.status == "resolved" and governorate(g, within.candidates[0].place) == "Idleb"
    assert "within Idleb" in within.reason
    written = one(g, "Hamdieh in Hama countryside")  # the string's own context
    assert written.status == "resolved" and governorate(g, written.candidates[0].place) == "Hama"
    maarat = g.find("Maarat al-Numan")[0].place
    near = one(g, "Hamdieh", near=maarat)
    assert near.status == "resolved" and near.candidates[0].distance_km < 15


def test_arabic_shared_name_is_ambiguous_and_within_is_strict(g):
    r = one(g, "الحميدية")
    assert r.status == "ambiguous" and len(r.candidates) >= 3
    outside = one(g, "Sheikh Maqsoud", within=find_areas(g, "حماة"))
    assert outside.status == "unresolved" and "no place of that name within Hama" in outside.reason


def test_an_unknown_neighbourhood_written_with_its_city_resolves_to_the_city(g):
    r = one(g, "al-Jamiliyeh neighbourhood, Aleppo")
    assert r.status == "resolved" and r.precision == "neighbourhood→city"
    assert r.candidates[0].place.name == "Aleppo" and r.candidates[0].place.level == PLACE
    assert "not in the gazetteer" in r.reason
    known = one(g, "حي الشيخ مقصود بحلب")  # a quarter the gazetteer holds: the quarter itself
    assert known.precision == "site" and known.candidates[0].place.name == "Sheikh Maqsoud"


def test_an_unknown_name_filed_under_a_governorate_gives_the_governorate_only(g):
    r = one(g, "ALEPPO : Qwertyabad")
    assert r.status == "resolved" and r.precision == "governorate"
    assert r.candidates[0].place.level == GOVERNORATE and "area only" in r.reason


def test_countryside_of_a_governorate_and_a_subdistrict_by_its_word(g):
    r = one(g, "ريف إدلب الجنوبي")
    assert r.precision == "governorate" and r.candidates[0].place.name == "Idleb"
    assert r.named.direction == "south"
    sub = one(g, "Harim nahiyah")
    assert sub.precision == "subdistrict"
    assert sub.candidates[0].place.level == PLACE and sub.candidates[1].place.level == SUBDISTRICT  # at its town


@pytest.mark.parametrize("text, names", [
    ("مدينة اللطامنة وقرية معركبة في ريف حماة", {"Latmana", "Maarkaba"}),
    ("Saraqib, Sarmin and Binnish", {"Saraqab", "Sarmin", "Bennsh"}),
    ("Various locations in Idlib: (Saraqib and Sarmin and Binnish)", {"Saraqab", "Sarmin", "Bennsh"}),
])
def test_every_place_of_a_list_resolves(g, text, names):
    result = resolve_text(text, g)
    assert {r.candidates[0].place.name for r in result.places if r.status == "resolved"} == names


@pytest.mark.parametrize("text", ["35.6146, 36.5602", "٣٥٫٦١٤٦، ٣٦٫٥٦٠٢"])
def test_a_coordinate_pair_is_a_place_at_exact_precision(g, text):
    r = one(g, text)
    assert r.precision == "exact point" and r.candidates[0].place.lat == pytest.approx(35.6146)
    assert "Kafr Nobol" in r.reason  # the nearest place, said


@pytest.mark.parametrize("text", ["ab", "قرية", "1234", "x" * 10_000])
def test_bad_input_resolves_to_nothing_with_the_problem(g, text):
    result = resolve_text(text, g)
    assert result.places == [] and result.problems


def test_areas_by_name_in_any_spelling_or_by_p_code(g):
    for name in ("Idlib", "Idleb", "إدلب", "ادلب", "SY07", "sy07"):
        areas = find_areas(g, name)
        assert [(a.name, a.level) for a in areas] == [("Idleb", GOVERNORATE)], name
    assert find_areas(g, "Harim")[0].level == 2  # a district
    with pytest.raises(AreaNotFound, match="a place, not an area"):
        find_areas(g, "C4068")  # Kafr Nabl's own P-code
    with pytest.raises(AreaNotFound, match="no area with P-code"):
        find_areas(g, "SY9999")
    with pytest.raises(AreaNotFound, match="no governorate"):
        find_areas(g, "Atlantis")


@pytest.mark.once
def test_latin_sound_folds_transliteration_variants():
    from marsad.core.places.arabic import latin_plain, latin_sound

    same = [("Habeet", "Habit"), ("Sakba", "Saqba"), ("Al-Khaldeeye", "Khaldiyeh"), ("Kafar Naya", "Kafarnaya"),
            ("Mesraba", "Misraba"), ("Hmeira", "Hmera")]
    for a, b in same:
        assert latin_sound(latin_plain(a)) == latin_sound(latin_plain(b)), (a, b)
    assert latin_sound(latin_plain("Sarmada")) != latin_sound(latin_plain("Saramda"))  # letters in another order
    assert latin_sound(latin_plain("Sakhaba")) != latin_sound(latin_plain("Saqba"))  # kh is not k


@pytest.mark.once
@pytest.mark.parametrize("text, name", [("Sarmada", "Sarmada"), ("Sakba city", "Saqba"), ("town of Sarmada", "Sarmada"),
                                        ("Kafarnaya", "Kafrnaya")])
def test_a_latin_spelling_that_sounds_as_one_of_the_places_of_its_key_chooses_it(g, text, name):
    r = one(g, text)
    assert r.status == "resolved" and r.candidates[0].place.name == name and "spelled as written" in r.reason


@pytest.mark.once
@pytest.mark.parametrize("text", ["Khalidiyah", "الخالدية", "سرمدا", "Bosra"])
def test_sounding_alike_does_not_choose_among_places_of_one_arabic_name_or_many_rivals(g, text):
    """Five villages are called الخالدية: spelled alike or not, nothing narrows it; Arabic script is not
    folded by sound; "Bosra" keys six places of several names, too many for spelling alone to choose."""
    r = one(g, text)
    assert "spelled as written" not in r.reason
    if text != "سرمدا":
        assert r.status == "ambiguous"


@pytest.mark.once
@pytest.mark.parametrize("text", ["the outskirts of Kafranbel, southern Idlib countryside",
                                  "أطراف بلدة كفرنبل بريف ادلب الجنوبي"])
def test_a_place_field_gives_the_place_near_which_with_its_precision_and_reason(g, text):
    from marsad.core.places.resolve import choose_one

    chosen = choose_one(resolve_text(text, g), g)
    assert chosen.status == "resolved" and chosen.place.pcode == "C4068" and chosen.relation == "outskirts"
    assert chosen.geo_precision == 2 and "outskirts" in chosen.why and "(place)" in chosen.why


@pytest.mark.once
@pytest.mark.parametrize("text, status", [("كفرنبل وسراقب", "list"), ("Kafranbel and Saraqib", "list"),
                                          ("الخالدية", "ambiguous"), ("Khalidiyah", "ambiguous"),
                                          ("قرية", "unresolved"), ("Atlantis", "unresolved"),
                                          ("35.61, 36.56", "resolved"), ("٣٥٫٦١، ٣٦٫٥٦", "resolved")])
def test_a_place_field_refuses_lists_and_says_when_a_name_is_shared_or_unknown(g, text, status):
    from marsad.core.places.resolve import choose_one

    chosen = choose_one(resolve_text(text, g), g)
    assert chosen.status == status, chosen.why
    if status == "list":
        assert chosen.place is None and "names 2 places: Kafr Nobol" in chosen.why.replace("Kafr Nabl", "Kafr Nobol")
    elif status == "ambiguous":
        assert chosen.place is None and chosen.why.count(" key ") >= 2  # the candidates, to pick by key
    elif status == "resolved":
        assert chosen.place is None and chosen.point == pytest.approx((35.61, 36.56)) and chosen.geo_precision == 1
    else:
        assert chosen.place is None and chosen.point is None


# --- shared names: what narrows them, and what does not ------------------------------------------------------

def near_each_other(a, b, km=15):
    return distance_km((a.lat, a.lon), (b.lat, b.lon)) <= km


@pytest.mark.parametrize("text", ["Rayan and Kafr Omeim", "ريان وكفر عميم", "Kafr Omeim, Rayan",
                                  "قريتي ريان وكفر عميم"])
def test_a_shared_name_listed_with_a_neighbour_is_the_one_beside_it(g, text):
    alone = one(g, "Rayan")
    assert alone.status == "ambiguous"  # several villages are called so
    result = resolve_text(text, g)
    assert [r.status for r in result.places] == ["resolved", "resolved"]
    first, second = (r.candidates[0].place for r in result.places)
    assert near_each_other(first, second)
    assert any("listed with it" in r.reason for r in result.places)


@pytest.mark.parametrize("text", ["Mjeidel and Kafrun", "المجيدل والكفرون"])
def test_two_pairs_of_neighbours_of_those_names_leave_the_list_ambiguous(g, text):
    # Two villages called Mjeidel each lie beside a village called Kafrun: the list does not choose.
    assert [r.status for r in resolve_text(text, g).places] == ["ambiguous", "ambiguous"]


@pytest.mark.parametrize("text", ["Deir Sunbul and Faqie", "دير سنبل والفقيع"])
def test_a_listed_place_just_outside_the_given_area_is_taken_beside_its_neighbour(g, text):
    hama = find_areas(g, "Hama")
    assert resolve_text(text.split(" and ")[-1] if " and " in text else "الفقيع", g,
                        within=hama).places[0].status == "unresolved"  # alone, --within rules it out
    first, second = resolve_text(text, g, within=hama).places
    assert first.status == second.status == "resolved"
    assert governorate(g, second.candidates[0].place) == "Idleb" and "just outside" in second.reason
    assert near_each_other(first.candidates[0].place, second.candidates[0].place)


@pytest.mark.parametrize("text, names", [
    ("Hezineh", {"Hazineh", "Hazana", "Hazani"}),  # حزينة, الهزانة, هزاني: written otherwise only in vowels
    ("Qetireh", {"Qatireh", "Qattara"}),  # قطيرة, قطارة
    ("Kdeiren", {"Kdeiran", "Qdeiran"}),  # كديران, قديران
])
def test_spellings_differing_only_in_vowels_are_rivals_not_a_choice(g, text, names):
    r = one(g, text)
    assert r.status == "ambiguous" and names <= {c.place.name for c in r.candidates}


def test_a_spelling_that_sounds_as_one_place_still_chooses_it(g):
    r = one(g, "Asheni")  # sounds as Ashini (e and i one vowel), not as Ashani
    assert r.status == "resolved" and r.candidates[0].place.name == "Ashini"


@pytest.mark.parametrize("text", ["Asilah neighbourhood", "حي أصيلة", "the Asilah quarter"])
def test_a_name_written_as_a_neighbourhood_is_the_quarter_held_not_a_village(g, text):
    assert one(g, "Asilah").status == "ambiguous"
    r = one(g, text)
    assert r.status == "resolved" and governorate(g, r.candidates[0].place) == "Aleppo"
    assert near_each_other(r.candidates[0].place, one(g, "Aleppo city").candidates[0].place, 10)


@pytest.mark.parametrize("text", ["Jisr al-Hamra", "جسر الحمرا", "Jisr el Hamra"])
def test_a_name_going_on_with_an_article_is_not_read_as_its_first_word(g, text):
    assert one(g, text.split()[0]).candidates  # "Jisr" alone is a held village...
    assert one(g, text).status == "unresolved"  # ...but Jisr al-Hamra is another name, not held


@pytest.mark.parametrize("text, name", [
    ("Tal Aar al-Sharqi", "Eastern Tal Aar"), ("Tal Aar Sharqiyeh", "Eastern Tal Aar"),
    ("Kafr Jum Gharbi", "Western Kafr Jum"), ("تل عار الشرقي", "Eastern Tal Aar"),
])
def test_a_transliterated_direction_word_after_the_name_is_read(g, text, name):
    r = one(g, text)
    assert r.status == "resolved" and r.candidates[0].place.name == name


@pytest.mark.parametrize("text", ["البويضة بريف دمشق", "Buwayda in Damascus countryside", "Buwayda, Rif Dimashq"])
def test_rural_damascus_as_context_narrows_though_the_gazetteer_files_its_villages_elsewhere(g, text):
    assert one(g, "البويضة").status == "ambiguous"
    r = one(g, text)
    assert r.status == "resolved" and governorate(g, r.candidates[0].place) == "Damascus"  # OCHA's filing
    assert "within" in r.reason


@pytest.mark.parametrize("text", ["Idlib, Kafranbel", "إدلب، كفرنبل"])
def test_a_governorate_written_first_before_a_comma_files_the_place(g, text):
    r = one(g, text)
    assert r.status == "resolved" and distance_km(KAFR_NABL, (r.candidates[0].place.lat,
                                                              r.candidates[0].place.lon)) < 3
