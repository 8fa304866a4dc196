"""Places and times in report text, and grouping suggestions with their reasons."""

from datetime import date, datetime, timezone

import pytest

from marsad.core.grouping import Evidence, IncidentView, suggest
from marsad.core.places.extract import find_places, find_times
from marsad.core.places.gazetteer import Gazetteer
from marsad.core.places.readers import read_file

POSTED = datetime(2019, 5, 5, 14, 32, tzinfo=timezone.utc)  # 17:32 in Idlib


@pytest.fixture(scope="module")
def g(testdata):
    return Gazetteer(read_file(testdata / "gazetteer" / "syria-locations-ocha.json").places)


def test_places_in_arabic_text_with_joined_prepositions_and_context(g):
    text = "قصف مدفعي على بلدة حيش وخان شيخون، وغارة على مشفى كفرنبل في ريف إدلب الجنوبي"
    found = {m.text: m for m in find_places(text, g)}
    assert found["كفرنبل"].place.name == "Kafr Nobol" and found["كفرنبل"].confidence >= 0.9
    assert found["خان شيخون"].place.name == "Khan Shaykun"  # و taken off وخان
    assert text[found["خان شيخون"].start:found["خان شيخون"].end] == "خان شيخون"
    assert found["حيش"].place.name == "Heish"
    assert found["إدلب"].is_context and found["إدلب"].place.name == "Idleb"


def test_places_in_english_text_and_admin_context_disambiguates(g):
    found = find_places("Russian jets struck Maarat al-Numan and Kafr Nabl this morning", g)
    assert [m.place.name for m in found] == ["Maarrat An Numan", "Kafr Nobol"]
    alone = find_places("Shelling on Hamdieh", g)[0]
    assert alone.confidence < 0.5 and len(alone.alternatives) > 3  # several villages: not certain
    in_hama = [m for m in find_places("Shelling on Hamdieh in Hama countryside", g) if not m.is_context][0]
    assert in_hama.confidence > alone.confidence and g.within(in_hama.place, g.find("Hama")[0].place) or \
        any(p.name == "Hama" for p in g.chain(in_hama.place))
    assert find_places("The hospital was hit again", g) == []  # ordinary words are not places


def test_times_absolute_and_relative_to_the_post():
    found = {t.text: t for t in find_times(
        "غارة على المشفى صباح اليوم، وقصف أمس، والمجزرة بتاريخ 5 أيار 2019 الساعة ٢:٣٠ ظهراً", POSTED)}
    assert found["صباح اليوم"].value == datetime(2019, 5, 5, 8, 0) and found["صباح اليوم"].precision == "part of day"
    assert found["أمس"].value == date(2019, 5, 4)
    assert found["5 أيار 2019"].value == date(2019, 5, 5)
    clock = next(t for t in found.values() if t.precision == "minute")
    assert clock.value == datetime(2019, 5, 5, 14, 30)  # Arabic-Indic digits, ظهراً
    english = {t.text: t.value for t in find_times("Airstrike at 2:30 pm yesterday, 05/05/2019", POSTED)}
    assert english["2:30 pm"] == datetime(2019, 5, 5, 14, 30) and english["yesterday"] == date(2019, 5, 4)
    later, clock = find_times("Strike on 12 June 2019 at 14:30", POSTED)
    assert later.confidence < 0.5 and "after the post time" in later.reason
    assert clock.value == datetime(2019, 6, 12, 14, 30)  # on the doubtful date beside it, not the post's day


def test_suggestions_rank_by_copies_place_and_time_and_say_why(g):
    kafr_nabl = g.find("Kafr Nabl")[0].place
    saraqib = g.find("Saraqib")[0].place
    near = g.find("Basqala")[0].place  # 2.3 km from Kafr Nabl
    incidents = [
        IncidentView("SYR000001", datetime(2019, 5, 5, 17, 30), kafr_nabl, {"a" * 64}),
        IncidentView("SYR000002", datetime(2019, 5, 5, 17, 0), saraqib, {"b" * 64}),
        IncidentView("SYR000003", datetime(2019, 5, 1, 9, 0), kafr_nabl, set()),
    ]
    report = Evidence("c" * 64, times=[(datetime(2019, 5, 5, 17, 45), "the telegram post time", 3.0)],
                      places=[(kafr_nabl, "named in the text as 'كفرنبل'", 0.9, False)])
    best = suggest(report, incidents, g)
    assert [s.code for s in best] == ["SYR000001"]
    assert best[0].explain() == "in Kafr Nobol (named in the text as 'كفرنبل'); 15 min after (the telegram post time)"

    copy = Evidence("d" * 64, copies={"b" * 64: "18 of 20 frames match"},
                    times=[(datetime(2019, 5, 5, 20, 0), "capture metadata", 0.5)])
    assert suggest(copy, incidents, g)[0].code == "SYR000002"
    assert "a copy of item bbbbbbbb… (18 of 20 frames match)" in suggest(copy, incidents, g)[0].reasons

    nearby = Evidence("e" * 64, times=[(datetime(2019, 5, 5, 18, 0), "capture metadata", 0.5)],
                      places=[(near, "named in the text as 'بسقلا'", 0.9, False)])
    top = suggest(nearby, incidents, g)[0]
    assert top.code == "SYR000001" and "2.3 km from Kafr Nobol" in top.explain()

    far_and_late = Evidence("f" * 64, times=[(datetime(2019, 6, 20, 12, 0), "capture metadata", 0.5)],
                            places=[(g.find("Damascus")[0].place, "named in the text as 'Damascus'", 0.9, False)])
    assert suggest(far_and_late, incidents, g) == []  # a new incident, most likely


@pytest.mark.once
@pytest.mark.parametrize("text, span", [("قصف على حي الخالدية بحمص", "الخالدية"),
                                        ("Shelling on Khalidiyah neighbourhood in Homs", "Khalidiyah")])
def test_a_shared_name_in_a_location_phrase_is_narrowed_by_the_parser(g, text, span):
    """Five villages are called الخالدية; "neighbourhood ... in Homs" (the parser's descriptor and context) makes
    it the quarter of Homs city, sure, with no namesakes left as alternatives."""
    [m] = [m for m in find_places(text, g) if m.text == span]
    assert g.admin(m.place, 2).name == "Homs" and m.confidence >= 0.75 and m.alternatives == ()
    assert "location phrase" in m.reason and "neighbourhood" in m.reason


@pytest.mark.once
@pytest.mark.parametrize("text, span", [("قصف على الخالدية", "الخالدية"), ("Shelling on Khalidiyah in Homs", "Khalidiyah")])
def test_a_shared_name_the_phrase_does_not_narrow_stays_uncertain(g, text, span):
    [m] = [m for m in find_places(text, g) if m.text == span]
    assert m.confidence < 0.75 and len(m.alternatives) >= 3 and "location phrase" not in m.reason
