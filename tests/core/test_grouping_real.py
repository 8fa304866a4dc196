"""Reports as activists and archivists really write them (issue 21): chained titles,
dates in every form, ordinary words that are village names, city and governorate
names as context, and the weak tier of suggestions. Titles marked "real" are read
from ../shared/testdata/places-eval/cases.jsonl by row id (Syrian Archive records)."""

import json
from datetime import date, datetime

import pytest

from marsad.core.grouping import WEAK, Evidence, IncidentView, add_text, event_kinds, suggest_tiers
from marsad.core.places.extract import chain_view, find_places, find_times
from marsad.core.places.gazetteer import GOVERNORATE, PLACE, SUBDISTRICT, Gazetteer
from marsad.core.places.readers import read_file
from marsad.core.places.resolve import resolve_text

pytestmark = pytest.mark.once


@pytest.fixture(scope="module")
def g(testdata):
    return Gazetteer(read_file(testdata / "gazetteer" / "syria-locations-ocha.json").places)


@pytest.fixture(scope="module")
def real(testdata):
    """A real title or description (the `context` of a row), with its record's date."""
    rows = {}
    for line in (testdata / "places-eval" / "cases.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        rows[row["id"]] = row
    return lambda row_id: (rows[row_id]["context"], date.fromisoformat(rows[row_id]["date"]))


def named(text, g):
    return {m.place.name: m for m in find_places(text, g)}


# --- 1. chained titles ------------------------------------------------------------------------------------------

def test_chain_view_keeps_offsets_and_breaks_only_separators():
    text = "ريف دمشق_عين ترما_عشرات #ريف_حماة #حلب_نيوز Maarat al-Numan 19ـ5ـ2014 حمـــاة"
    view = chain_view(text)
    assert len(view) == len(text)
    assert "دمشق|عين ترما|عشرات" in view  # underscores chaining names in a spaced title
    assert "#ريف حماة" in view and "حلب" not in view  # a hashtag's underscore is a space; a channel's tag no place
    assert "al-Numan" in view and "19|5|2014" in view and "حمـــاة" in view  # elongation kept
    assert chain_view("كفر_نبل") == "كفر نبل"  # no spaces at all: underscores are spaces


@pytest.mark.parametrize("text, context, place", [
    ("حماه-كفرزيتا-حالات اختناق", "Hama", "Kafr Zeita"),
    ("ريف دمشق_عين ترما_عشرات الإصابات", "Rural Damascus", "Ein Terma"),
    ("حلبـكسيبةـقصف مدفعي 25/10/2015", "Aleppo", "Kassibeh"),  # glued by tatweel
    ("Idlib –Ihsem: airstrike on the town", "Idleb", "Ehsem"),
    ("Hama-Kafr Zita - chlorine gas attack", "Hama", "Kafr Zeita"),
])
def test_chained_titles_name_their_governorate_as_context_and_the_town(g, text, context, place):
    found = find_places(text, g)
    assert [(m.place.name, m.is_context) for m in found[:2]] == [(context, True), (place, False)]
    assert found[0].place.level == GOVERNORATE and "chained title" in found[0].reason
    assert not any(m.place.name == "Halat" for m in found)  # «حالات» (cases) is not the village


def test_real_chained_titles_in_arabic_and_english(g, real):
    text, _ = real("ru-0406")  # «حلب – الأتارب: آثار قصف ...»
    assert [(m.place.name, m.is_context) for m in find_places(text, g)] == [("Aleppo", True), ("Atareb", False)]
    text, _ = real("ru-0490")  # «سوريا - ريف_درعا : ... على بلدة علما ...»
    found = named(text, g)
    assert found["Dar'a"].is_context and found["Alma"].place.level == PLACE
    text, _ = real("ru-0518")  # «#حلب_نيوز|آثار الدمار في حي المرجه ...»: the channel's hashtag is no place
    assert "Aleppo" not in named(text, g)
    text, _ = real("ru-0766")  # "Aleppo - Tal Refaat: Destruction ..."
    assert [(m.place.name, m.is_context) for m in find_places(text, g)] == [("Aleppo", True), ("Tall Refaat", False)]
    text, _ = real("ru-0786")  # "Qasioun News: Daraa: ... over Inkhil city": a channel's name is no place
    found = named(text, g)
    assert set(found) == {"Dar'a", "Ankhal"} and found["Dar'a"].is_context


# --- 2. dates ---------------------------------------------------------------------------------------------------

POSTED = datetime(2014, 7, 20, 12, 0)


@pytest.mark.parametrize("text, day", [
    ("حماه-كفرزيتا-حالات اختناق 11-4-2014", date(2014, 4, 11)),
    ("ريف دمشق_عين ترما 21 4 2014", date(2014, 4, 21)),
    ("ادلب_سراقب_قصف_22_05_2014", date(2014, 5, 22)),
    ("حلب ـ الأتارب 19ـ5ـ2014", date(2014, 5, 19)),
    ("Kafr Zita chlorine 17072014", date(2014, 7, 17)),
    ("قصف على دوما ٢٢ـ٠٥ـ٢٠١٤", date(2014, 5, 22)),
    ("غارة على معرة النعمان بتاريخ ٣ أيار ٢٠١٤", date(2014, 5, 3)),
    ("قصف على اللطامنة 12 آذار 2014", date(2014, 3, 12)),
    ("Shelling of Latamneh on April 12th, 2014", date(2014, 4, 12)),
    ("Airstrike on Saraqib, 3 May 2014", date(2014, 5, 3)),
    ("Chlorine attack in Talmenes 5/13/2014", date(2014, 5, 13)),  # month first: 13 is no month
    ("مظاهرة في كفرنبل 2014/3/14", date(2014, 3, 14)),
    ("قصف على حي الشعار 4 تموز", date(2014, 7, 4)),  # no year: the post's
    ("Barrel bombs on al-Sukkari, 5 December", date(2013, 12, 5)),  # no year, after the post: the year before
])
def test_dates_in_every_form_arabic_and_english(text, day):
    days = [t for t in find_times(text, POSTED) if t.precision == "day"]
    assert [t.value for t in days] == [day]
    assert days[0].text in text and days[0].confidence >= 0.5


def test_real_title_dates_and_the_post_time_as_anchor(real):
    text, upload = real("ru-0410")  # «... بالصورايخ جـ1 15 2 2016»: part 1, then the date
    assert [t.value for t in find_times(text, datetime.combine(upload, datetime.min.time()))] == [date(2016, 2, 15)]
    relative = {t.text: t.value for t in find_times("قصف على بلدة كفر حمرة ليلة أمس، Airstrike yesterday", POSTED)}
    assert relative == {"ليلة أمس": datetime(2014, 7, 19, 22, 0), "yesterday": date(2014, 7, 19)}
    late = find_times("قصف 5 2 2106", POSTED)[0]  # a mistyped year: kept, doubtful
    assert late.confidence < 0.5 and "after the post time" in late.reason


# --- 3. ordinary words that are village names -------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "عشرات حالات الاختناق جراء القصف بغاز الكلور",
    "الطيران الحربي يحلق حول المدينة وسقوط شهداء",
    "Dozens Of Cases Of Suffocation After A Chlorine Attack",
    "حالات",  # alone: nothing says it is the village
])
def test_ordinary_words_are_not_villages_without_evidence(g, text):
    assert find_places(text, g) == []


def test_ordinary_words_count_with_evidence(g):
    by_descriptor = named("قصف مدفعي على بلدة حالات", g)["Halat"]
    assert by_descriptor.confidence >= 0.6 and "'بلدة' before it" in by_descriptor.reason
    assert "quoted" in named("حالات اختناق في «حالات»", g)["Halat"].reason
    assert "Halat" in named("Shelling on the village of Halat", g)
    weak_one = named("قصف في حالات", g)["Halat"]  # only a preposition: may add, may not count against
    assert weak_one.confidence < 0.5 and "weak" in weak_one.reason


def test_a_month_name_is_no_village_and_ochas_joined_alternative_names_are_names(g):
    posted = datetime(2015, 11, 6, 12, 0)
    ev = Evidence("d" * 64)
    add_text(ev, "درعا – الجبيليه – غارة للطيران الحربي – 5 تشرين الثاني 2015", posted, g)
    assert {p.name for p, _, _, _ in ev.places} == {"Dar'a", "Jabaliyeh"}  # not the villages called Tishreen
    assert ev.kinds == {"air strike"} and any("5 تشرين الثاني 2015" in whence for _, whence, _ in ev.times)
    # OCHA writes «درمش_درمشكانلي»: the Arabic and the Turkmen name, each one a name of the village
    assert named("مظاهرة في بلدة درمش بريف حلب", g)["Darmash"].place.level == PLACE


# --- 4. context: cities and governorates, towns and their sub-districts -----------------------------------------

def test_a_city_or_governorate_name_prefers_the_city_over_namesake_villages(g):
    hama = g.find("Hama")[0]
    assert hama.place.level == PLACE and g.seat_level(hama.place) == GOVERNORATE
    assert "gives its name to its governorate" in hama.reason  # not al-Hama in al-Hasakeh (a tie at 96)
    assert named("Airstrike on Hama city", g)["Hama"].confidence >= 0.6
    assert g.find("إدلب")[0].place.level == PLACE


def test_a_town_beats_its_subdistrict_near_a_context_and_areas_get_a_centroid(g):
    idlib = g.find("Idlib")[0].place
    saraqib = g.find("Saraqib", near=idlib)
    assert saraqib[0].place.level == PLACE and saraqib[0].distance_km < 25
    sub = next(c.place for c in saraqib if c.place.level == SUBDISTRICT)
    assert sub.lat is not None and sub.centroid_of > 1  # OCHA gives sub-districts no point
    within = resolve_text("Saraqib", g, near=idlib).places[0]
    assert within.status == "resolved" and within.candidates[0].place.level == PLACE


@pytest.mark.parametrize("text", ["Sarmin nahiyah", "ناحية سرمين", "IDLIB : Sarmin nahiyah"])
def test_nahiyah_names_the_subdistrict(g, text):
    area = [m for m in find_places(text, g) if m.place.name == "Sarmin"][0]
    assert area.is_context and area.place.level == SUBDISTRICT
    resolved = resolve_text(text, g).places[-1]
    assert resolved.precision == "subdistrict" and "subdistrict" in resolved.reason


# --- 5. event kinds and the two tiers ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, kinds", [
    ("عشرات حالات الاختناق بغاز الكلور", {"chemical"}),
    ("Victims of a chlorine gas attack", {"chemical"}),
    ("غارة للطيران الحربي على المدينة", {"air strike"}),
    ("Russian airstrikes on the town", {"air strike"}),
    ("قذائف هاون على الحي", {"shelling"}),
    ("Artillery shelling of homes", {"shelling"}),
    ("مظاهرة مسائية تطالب باسقاط النظام", {"protest"}),
    ("A night demonstration", {"protest"}),
    ("حملة اعتقالات ومداهمات", {"detention"}),
    ("An arrest campaign, homes raided", {"detention"}),
    ("خروج المستشفى عن الخدمة", {"hospital"}),
    ("The field hospital, out of service", {"hospital"}),
])
def test_event_kinds_in_both_languages(text, kinds):
    assert event_kinds(text) & {"chemical", "air strike", "shelling", "protest", "detention", "hospital"} == kinds


@pytest.mark.parametrize("report", ["عشرات حالات الاختناق جراء القصف بغاز الكلور",
                                    "Victims of a chlorine gas attack treated at a field clinic"])
def test_a_report_naming_no_place_gets_a_labelled_weak_suggestion(g, report):
    kafr_zita, saraqib = g.find("كفرزيتا")[0].place, g.find("Saraqib")[0].place
    incidents = [IncidentView("SYR000001", datetime(2014, 4, 11, 18, 0), kafr_zita, set(), "Chlorine attack in Kafr Zita"),
                 IncidentView("SYR000002", datetime(2014, 4, 11, 17, 0), saraqib, set(), "Air strike on Saraqib"),
                 IncidentView("SYR000003", datetime(2014, 4, 2, 18, 0), saraqib, set(), "Chlorine attack in Saraqib")]
    ev = Evidence("a" * 64, times=[(datetime(2014, 4, 11, 20, 0), "the youtube post time", 3.0)])
    add_text(ev, report, datetime(2014, 4, 11, 20, 0), g)
    strong, weak = suggest_tiers(ev, incidents, g)
    assert strong == [] and [w.code for w in weak] == ["SYR000001"]  # same day and kind; not the air strike
    assert weak[0].tier == WEAK and weak[0].explain().startswith(
        "weak: same time window, same kind of event (chemical), no place named")


def test_weak_suggestions_never_displace_a_strong_one_nor_follow_a_named_place(g):
    kafr_zita, latamneh = g.find("كفرزيتا")[0].place, g.find("اللطامنة")[0].place
    incidents = [IncidentView("SYR000001", datetime(2014, 4, 11, 18, 0), kafr_zita, set(), "Chlorine attack in Kafr Zita"),
                 IncidentView("SYR000002", datetime(2014, 4, 11, 19, 0), latamneh, set(), "Chlorine attack in Latamneh")]
    posted = datetime(2014, 4, 11, 20, 0)
    ev = Evidence("b" * 64, times=[(posted, "the post time", 3.0)])
    add_text(ev, "حماه-كفرزيتا-حالات اختناق 11-4-2014", posted, g)
    strong, weak = suggest_tiers(ev, incidents, g)
    assert [s.code for s in strong] == ["SYR000001"] and weak == []  # it names its place: judged by it
    far = Evidence("c" * 64, times=[(posted, "the post time", 3.0)])
    add_text(far, "Chlorine attack in Douma, Rural Damascus", posted, g)
    assert suggest_tiers(far, incidents, g) == ([], [])  # another place named: no weak guess either
