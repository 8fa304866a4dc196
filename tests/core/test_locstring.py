"""The location-string parser's rules, in Arabic and English: descriptors,
relations, lists, context names, coordinates, and bad input. Pure: a tiny
stand-in gazetteer (`known`, `is_area`) is enough where a rule needs one."""

import pytest

from marsad.core.places import arabic
from marsad.core.places.locstring import (
    CONTEXT,
    DESCRIPTOR,
    MAX_CHARS,
    PLACE,
    RELATION,
    coordinates_in,
    parse,
)

# A few names, as a gazetteer would hold them; areas with their level (1 governorate .. 3 sub-district).
HELD = ["Kafr Nabl", "كفرنبل", "Saraqib", "Sarmin", "Binnish", "Rastan", "Ghajar", "الرستن", "الغجر", "حيان",
        "Harasta", "حرستا", "Eastern Ghouta", "الغوطة الشرقية", "جوبر", "Jobar", "Hama", "حماة", "Idlib", "إدلب",
        "Aleppo", "حلب", "Damascus", "دمشق", "Homs", "حمص", "تلبيسة", "Ram Hamdan", "Salma", "مخيم اليرموك", "دوما",
        "Sheikh Maqsoud", "الشيخ مقصود", "Tal Refaat", "Maarat al-Numan", "Khan Shaykhun", "جسر الشغور",
        "Jisr al-Shughur", "Hass", "حاس", "سراقب", "سرمين", "عين الذهب", "وادي الضيف", "التمانعة", "سكيك"]
AREAS = {"Hama": 1, "حماة": 1, "Idlib": 1, "إدلب": 1, "Aleppo": 1, "حلب": 1, "Damascus": 1, "دمشق": 1, "Homs": 1,
         "حمص": 1, "Eastern Ghouta": 3, "الغوطة الشرقية": 3, "Jisr al-Shughur": 2, "جسر الشغور": 2, "Harasta": 3,
         "حرستا": 3}
_HELD_KEYS = {k for n in HELD for k in arabic.keys(n)}
_AREA_KEYS = {k: level for n, level in AREAS.items() for k in arabic.keys(n)}


def known(name: str) -> bool:
    return bool(arabic.keys(name) & _HELD_KEYS)


def is_area(name: str) -> int:
    return min((_AREA_KEYS[k] for k in arabic.keys(name) if k in _AREA_KEYS), default=0)


def places(text, **kw):
    parsed = parse(text, known=known, is_area=is_area, **kw)
    return [(n.name, n.kind, n.relation, n.direction, [c.name for c in n.contexts]) for n in parsed.places]


@pytest.mark.parametrize("text, expected", [
    # Arabic descriptors: village, town, city, camp, neighbourhood, hospital
    ("قرية كفرنبل", [("كفرنبل", "village", "", "", [])]),
    ("بلدة حيان", [("حيان", "town", "", "", [])]),
    ("مدينة دوما", [("دوما", "city", "", "", [])]),
    ("حي جوبر", [("جوبر", "neighbourhood", "", "", [])]),
    ("مشفى كفرنبل", [("كفرنبل", "facility:hospital", "", "", [])]),
    ("مخيم الركبان", [("الركبان", "camp", "", "", [])]),
    # English descriptors before and after the name
    ("village of Kafr Nabl", [("Kafr Nabl", "village", "", "", [])]),
    ("the town of Saraqib", [("Saraqib", "town", "", "", [])]),
    ("Hama City", [("Hama", "city", "", "", [])]),
    ("Saraqib town", [("Saraqib", "town", "", "", [])]),
    ("the Rukban camp", [("Rukban", "camp", "", "", [])]),
    ("Sheikh Maqsoud neighbourhood", [("Sheikh Maqsoud", "neighbourhood", "", "", [])]),
    ("Kafr Nabl hospital", [("Kafr Nabl", "facility:hospital", "", "", [])]),
])
def test_descriptors_say_the_kind_and_leave_the_name(text, expected):
    assert places(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("أطراف بلدة كفرنبل", [("كفرنبل", "town", "outskirts", "", [])]),
    ("محيط حيان", [("حيان", "", "surroundings", "", [])]),
    ("بالقرب من قرية الغجر", [("الغجر", "village", "near", "", [])]),
    ("قرب الرستن", [("الرستن", "", "near", "", [])]),
    ("شمال حيان", [("حيان", "", "direction", "north", [])]),
    ("تلبيسة وما حولها", [("تلبيسة", "", "surroundings", "", [])]),
    ("ريف حلب الشمالي", [("حلب", "", "countryside", "north", [])]),
    ("near Saraqib", [("Saraqib", "", "near", "", [])]),
    ("the outskirts of the town of Rastan", [("Rastan", "town", "outskirts", "", [])]),
    ("vicinity of Sarmin", [("Sarmin", "", "surroundings", "", [])]),
    ("southern countryside of Idlib", [("Idlib", "", "countryside", "south", [])]),
    ("Homs northern countryside", [("Homs", "", "countryside", "north", [])]),
    ("10 km north of Saraqib", [("Saraqib", "", "direction", "north", [])]),
    ("western countryside of Jisr al-Shughur", [("Jisr al-Shughur", "", "countryside", "west", [])]),
])
def test_relations_say_where_around_the_place(text, expected):
    assert places(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("أطراف بلدة كفرنبل بريف ادلب الجنوبي", [("كفرنبل", "town", "outskirts", "", ["ادلب"])]),
    ("قرية حيان في ريف حلب", [("حيان", "village", "", "", ["حلب"])]),
    ("حي جوبر بدمشق", [("جوبر", "neighbourhood", "", "", ["دمشق"])]),
    ("حرستا الغوطة الشرقية", [("حرستا", "", "", "", ["الغوطة الشرقية"])]),
    ("حلب – حيان", [("حيان", "", "", "", ["حلب"])]),
    ("ادلب : سراقب", [("سراقب", "", "", "", ["ادلب"])]),
    ("Saraqib in Idlib countryside", [("Saraqib", "", "", "", ["Idlib"])]),
    ("Rastan, Homs countryside", [("Rastan", "", "", "", ["Homs"])]),
    ("Harasta, Damascus", [("Harasta", "", "", "", ["Damascus"])]),
    ("ALEPPO : Sheikh Maqsoud", [("Sheikh Maqsoud", "", "", "", ["ALEPPO"])]),
    ("Idlib –Saraqib", [("Saraqib", "", "", "", ["Idlib"])]),
    ("Saraqib - Idlib", [("Saraqib", "", "", "", ["Idlib"])]),
    ("Ghajar village of Homs", [("Ghajar", "village", "", "", ["Homs"])]),
    ("Kafr Nabl (Idlib)", [("Kafr Nabl", "", "", "", ["Idlib"])]),
    ("Maarat al-Numan countryside of Idlib", [("Maarat al-Numan", "", "", "", ["Idlib"])]),
    ("Sheikh Maqsoud neighborhood in Eastern Aleppo", [("Sheikh Maqsoud", "neighbourhood", "", "", ["Aleppo"])]),
])
def test_context_names_narrow_the_place_and_are_not_places(text, expected):
    assert places(text) == expected


@pytest.mark.parametrize("text, names, context", [
    ("مدينة تلبيسة وبلدة الغجر", ["تلبيسة", "الغجر"], []),
    ("الرستن و الغجر", ["الرستن", "الغجر"], []),
    ("كفرنبل وحاس", ["كفرنبل", "حاس"], []),  # و joined to a held name
    ("الغوطة الشرقية وحي جوبر بدمشق", ["الغوطة الشرقية", "جوبر"], ["دمشق"]),
    ("Ahras and Harbel", ["Ahras", "Harbel"], []),
    ("Saraqib, Sarmin and Binnish", ["Saraqib", "Sarmin", "Binnish"], []),
    ("Rastan town and Ghajar village of Homs", ["Rastan", "Ghajar"], ["Homs"]),
    ("Various locations in Idlib: (Saraqib and Sarmin and Binnish)", ["Saraqib", "Sarmin", "Binnish"], ["Idlib"]),
    ("Kafar Zeta and Al Zaka in Hama province", ["Kafar Zeta", "Al Zaka"], ["Hama"]),
])
def test_lists_are_several_places_sharing_their_context(text, names, context):
    found = parse(text, known=known, is_area=is_area).places
    assert [n.name for n in found] == names
    assert all([c.name for c in n.contexts] == context for n in found)


def test_a_held_name_containing_a_descriptor_word_is_kept_whole():
    assert places("مخيم اليرموك") == [("مخيم اليرموك", "", "", "", [])]  # the camp is held under that name
    assert places("Eastern Ghouta") == [("Eastern Ghouta", "", "", "", [])]  # not "east of Ghouta"


def test_every_part_has_a_role_and_a_reason():
    parsed = parse("أطراف بلدة كفرنبل بريف ادلب الجنوبي", known=known, is_area=is_area)
    roles = {p.role for p in parsed.parts}
    assert roles == {PLACE, CONTEXT, RELATION, DESCRIPTOR}
    assert all(p.reason for p in parsed.parts)
    assert [p.text for p in parsed.parts if p.role == DESCRIPTOR] == ["بلدة"]


@pytest.mark.parametrize("text, point", [
    ("35.61, 36.56", (35.61, 36.56)),
    ("٣٥٫٦١، ٣٦٫٥٦", (35.61, 36.56)),  # Arabic-Indic digits and decimal separator
    ("35.6146N 36.5602E", (35.6146, 36.5602)),
    ("strike at 35.61 / 36.56 near Kafr Nabl", (35.61, 36.56)),
])
def test_coordinates_in_text_are_a_point(text, point):
    parsed = parse(text, known=known, is_area=is_area)
    assert parsed.coordinates == [point]
    assert parsed.parts[0].role == "coordinates"


def test_numbers_that_are_not_a_coordinate_pair_are_not_one():
    assert coordinates_in("12 killed, 3 injured")[0] == []
    assert coordinates_in("95.5, 36.5")[0] == []  # latitude out of range


@pytest.mark.parametrize("text, problem", [
    ("", "empty"),
    ("   ", "empty"),
    ("ab", "too short"),
    ("قر", "too short"),
    ("12345", "no letters"),
    ("قرية", "descriptor"),
    ("the village of", "descriptor"),
    ("مدينة", "descriptor"),
    ("x" * 10_000, "too long"),
])
def test_bad_input_gives_a_clear_problem_and_no_place(text, problem):
    parsed = parse(text, known=known, is_area=is_area)
    assert parsed.places == [] and parsed.coordinates == []
    assert problem in parsed.problems[0]


def test_a_long_string_is_refused_quickly_and_whole_reports_go_to_extraction():
    parsed = parse("كفرنبل " * 2000)
    assert str(len("كفرنبل " * 2000)) in parsed.problems[0] and str(MAX_CHARS) in parsed.problems[0]


def test_without_a_gazetteer_the_rules_alone_still_apply():
    bare = parse("أطراف بلدة كفرنبل بريف ادلب الجنوبي").places[0]
    assert (bare.name, bare.kind, bare.relation) == ("كفرنبل", "town", "outskirts")
    assert bare.contexts[0].name == "ادلب" and bare.contexts[0].relation == "countryside"
    assert bare.contexts[0].direction == "south"
    assert [n.name for n in parse("Saraqib and Sarmin in Idlib").places] == ["Saraqib", "Sarmin"]


@pytest.mark.parametrize("text, names", [
    # و joined to an article ("and the"): a new place, held or not
    ("الرستن والغجر", ["الرستن", "الغجر"]),
    ("سكيك والتمانعة", ["سكيك", "التمانعة"]),
    ("سراقب والهبيط والتمانعة", ["سراقب", "الهبيط", "التمانعة"]),
    # و joined to the first word of a held name of several words
    ("حيان وعين الذهب", ["حيان", "عين الذهب"]),
    ("سرمين وعين الذهب وحاس", ["سرمين", "عين الذهب", "حاس"]),
    # ... but not where و is the name's own first letter, or the words with it are one held name
    ("حيان ووادي الضيف", ["حيان", "وادي الضيف"]),
    ("وادي الضيف", ["وادي الضيف"]),
    # dual and plural descriptors before a list
    ("بلدتي كفرنبل وحاس", ["كفرنبل", "حاس"]),
    ("مدينتي سراقب وسرمين", ["سراقب", "سرمين"]),
    ("قرى سراقب وسرمين وحاس", ["سراقب", "سرمين", "حاس"]),
    # English: the serial comma, descriptors inside the items
    ("Saraqib, Sarmin, and Binnish", ["Saraqib", "Sarmin", "Binnish"]),
    ("Saraqib, Sarmin, & Binnish", ["Saraqib", "Sarmin", "Binnish"]),
    ("the villages of Saraqib and Sarmin", ["Saraqib", "Sarmin"]),
    ("Saraqib town and the village of Hass", ["Saraqib", "Hass"]),
])
def test_every_place_of_a_list_is_an_item(text, names):
    assert [n.name for n in parse(text, known=known, is_area=is_area).places] == names


def test_a_list_without_a_gazetteer_splits_on_and_the():
    assert [n.name for n in parse("بلدة الرستن والغجر").places] == ["الرستن", "الغجر"]


@pytest.mark.parametrize("text, name, context", [
    ("Idlib, Kafr Nabl", "Kafr Nabl", "Idlib"),
    ("إدلب، كفرنبل", "كفرنبل", "إدلب"),
    ("Hama, Tal Refaat and Saraqib", "Tal Refaat", "Hama"),
])
def test_a_governorate_written_first_before_a_comma_is_the_context(text, name, context):
    found = parse(text, known=known, is_area=is_area).places
    assert found[0].name == name and [c.name for c in found[0].contexts] == [context]
    assert all(n.name not in ("Idlib", "إدلب", "Hama") for n in found)


def test_two_governorates_in_a_list_stay_places():
    assert parse("حلب، إدلب", known=known, is_area=is_area).places[0].name == "حلب"
