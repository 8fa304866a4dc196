"""Search on the real database (SQLite, or PostgreSQL when DATABASE_URL is set: the
expected results are written out here, so both databases are held to the same ones)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from marsad.incidents import review, service
from marsad.incidents.filters import Filters
from marsad.incidents.models import Incident, Place
from marsad.search import index
from marsad.search.models import SearchEntry
from marsad.search.query import Scope, incidents_matching, items_matching, search

pytestmark = pytest.mark.django_db
ACTOR = "actor:test"
CANARY = "Zubayda Qarmout"


def _item(sha_char: str, project, **fields):
    from marsad.access.service import hold
    from marsad.evidence.models import Item

    item = Item.objects.create(sha256=sha_char * 64, blake2b="b" * 128, size=1, mime=fields.pop("mime", "video/mp4"),
                               kind=fields.pop("kind", "video"), first_seen=timezone.now(),
                               log_index=10_000 + ord(sha_char), **fields)
    hold(project.pk, [item])
    return item


def _capture(item, project, n: int, **fields):
    from marsad.evidence.models import Capture

    return Capture.objects.create(item=item, sighting_key=f"s{n}", original_path=f"/in/{n}.mp4",
                                  original_name=fields.pop("original_name", f"{n}.mp4"), ingested_at=timezone.now(),
                                  ingested_by=ACTOR, log_index=20_000 + n, project=project, **fields)


@pytest.fixture
def world(team):
    """Incidents, a comment, evidence and a place, in the team's project and another."""
    project, other = team["project"], team["other"]
    place = Place.objects.create(key="test:kafranbel", name="Kafranbel", name_ar="كفرنبل", names=["Kafr Nabl"],
                                 level=4, source="test")
    strike = service.create({"title": "Strike on the hospital", "notes": "قَصْفٌ على مشفى المدينة",
                             "witness_names": CANARY}, ACTOR, project=project)
    strike.place, strike.tags = place, ["health", "airstrike"]
    strike.save()
    market = service.create({"title": "Market shelling", "notes": "Shells hit the market at noon",
                             "source_notes": "met in Gaziantep", "grade_reason": "two angles agree"}, ACTOR,
                            project=project)
    review.comment(market, team["editor"], "The minaret in frame matches Maarrat")
    elsewhere = service.create({"title": "Strike elsewhere", "notes": "قصف آخر"}, ACTOR, project=other)
    video = _item("a", project, codec="h264", make="Samsung", model="SM-A515F")
    _capture(video, project, 1, text="فيديو القصف على المستشفى", channel="Idlib News Now", url="https://t.me/x/1")
    foreign = _item("c", other)
    _capture(foreign, other, 2, text="قصف in another project", channel="Other Channel")
    return {"strike": strike, "market": market, "elsewhere": elsewhere, "video": video, "place": place,
            "foreign": foreign, **team}


def keys(user, text, **kw):
    return sorted((h.kind, h.key) for h in search(user, text, **kw).hits)


def incident_codes(user, text):
    return sorted(Incident.objects.filter(pk__in=incidents_matching(user, text)).values_list("code", flat=True))


def test_arabic_text_is_found_by_its_plain_forms_and_highlighted(world):
    viewer, code = world["viewer"], world["strike"].code
    for words in ("قصف", "مشفي", "مشفى", "المشفى", "قَصْف"):
        page = search(viewer, words, kinds=["incident"])
        assert [h.key for h in page.hits] == [code], words
        assert code in incident_codes(viewer, words)
    [hit] = search(viewer, "مشفي", kinds=["incident"]).hits
    assert hit.snippet_html == "قَصْفٌ على <mark>مشفى</mark> المدينة"
    [hit] = search(viewer, "قصف مشفي", kinds=["incident"]).hits
    assert hit.snippet_html == "<mark>قَصْفٌ</mark> على <mark>مشفى</mark> المدينة"
    assert hit.url() == f"/en/incidents/{code}/" and hit.project == "idlib"


def test_words_are_anded_and_the_last_is_a_prefix(world):
    viewer = world["viewer"]
    assert keys(viewer, "market noon", kinds=["incident"]) == [("incident", world["market"].code)]
    assert keys(viewer, "market moon", kinds=["incident"]) == []
    assert keys(viewer, "Stri", kinds=["incident"]) == [("incident", world["strike"].code)]
    assert keys(viewer, "Stri ", kinds=["incident"]) == []  # a finished word is matched whole


# Expected (kind, key-ish) per query for the viewer, on either database. "S" strike, "M" market,
# "V" the video (item "a"), "P" the place.
CASES = {
    "قصف": {"incident:S", "capture:V"},
    "المستشفى": {"capture:V"},
    "hospital": {"incident:S"},
    "HOSPITAL strike": {"incident:S"},
    "kafr nabl": {"place:P", "incident:S"},
    "كفرنبل": {"place:P", "incident:S"},
    "minaret": {"comment:M"},
    "h264": {"item:V"},
    "video mp4": {"item:V"},
    "samsung": {"item:V"},
    "Zubayda": {"incident:S"},
    "gaziantep": {"incident:M"},
    "idlib news": {"capture:V"},
    "health": {"incident:S"},
    "angles": {"incident:M"},
    "another": set(),
    "nothing-like-this": set(),
}


@pytest.mark.parametrize("text", list(CASES))
def test_the_same_query_gives_the_same_results_on_every_database(world, text):
    names = {"S": world["strike"].code, "M": world["market"].code, "V": "a" * 64, "P": "test:kafranbel"}
    expected = sorted(tuple(k.split(":")[:1]) + (names[k.split(":")[1]],) for k in CASES[text])
    assert keys(world["viewer"], text) == expected


def test_restricted_fields_reach_only_those_allowed(world):
    strike = world["strike"].code
    for role in ("owner", "manager", "editor", "viewer"):
        assert keys(world[role], CANARY) == [("incident", strike)], role
    assert keys(world["restricted"], CANARY) == []
    assert incident_codes(world["restricted"], CANARY) == []
    assert incident_codes(world["viewer"], CANARY) == [strike]
    assert keys(world["restricted"], "Gaziantep") == []
    # Captures are all restricted; the item's technical facts are not, its camera is.
    assert keys(world["restricted"], "idlib news") == []
    assert keys(world["restricted"], "h264") == [("item", "a" * 64)]
    assert keys(world["restricted"], "samsung") == []
    assert not items_matching(world["restricted"], "samsung").exists()
    assert items_matching(world["viewer"], "samsung").exists()
    # Comments are read by everyone who may open the incident.
    assert keys(world["restricted"], "minaret") == [("comment", world["market"].code)]


def test_other_projects_stay_out(world):
    assert keys(world["viewer"], "قصف آخر") == []
    assert keys(world["outsider"], "قصف") == [("capture", "c" * 64), ("incident", world["elsewhere"].code)]
    assert keys(world["outsider"], "kafranbel") == [("place", "test:kafranbel")]  # the gazetteer is everyone's


def test_the_index_follows_edits_comments_captures_and_places(world):
    viewer, strike = world["viewer"], world["strike"]
    service.update(strike, {"title": "Bombardment of the clinic"}, ACTOR, reason="better title")
    assert keys(viewer, "bombardment") == [("incident", strike.code)]
    assert keys(viewer, "hospital") == []
    review.comment(strike, world["editor"], "ambulance seen leaving")
    assert keys(viewer, "ambulance") == [("comment", strike.code)]
    from marsad.incidents.places import add_alias

    add_alias("test:kafranbel", "Kafr Nubl", ACTOR)
    assert keys(viewer, "nubl") == [("incident", strike.code), ("place", "test:kafranbel")]
    _capture(world["video"], world["project"], 9, text="second sighting of the crater")
    assert keys(viewer, "crater") == [("capture", "a" * 64)]
    world["video"].codec = "vp9"
    world["video"].save()
    assert keys(viewer, "vp9") == [("item", "a" * 64)]
    assert keys(viewer, "h264") == []
    service.merge(world["market"], [strike], ACTOR, reason="the same event")
    assert keys(viewer, "bombardment") == [("incident", strike.code)]  # merged, still found


def test_reindex_rebuilds_the_same_index(world):
    before = keys(world["owner"], "قصف")
    rows = SearchEntry.objects.count()
    assert index.reindex() == rows
    assert keys(world["owner"], "قصف") == before


def test_filters_combine_with_words(world):
    viewer = world["viewer"]
    service.update(world["market"], {"status": Incident.Status.IN_REVIEW}, ACTOR, reason="x")
    both = keys(viewer, "strike market", kinds=["incident"])
    assert both == []  # AND: no incident has both
    found = keys(viewer, "shells", filters=Filters(status="in_review"))
    assert found == [("incident", world["market"].code)]
    assert keys(viewer, "shells", filters=Filters(status="new")) == []
    # Evidence is filtered as the evidence list is: by kind, by source, by the incidents it is linked to.
    assert keys(viewer, "h264", filters=Filters(kind="video")) == [("item", "a" * 64)]
    assert keys(viewer, "h264", filters=Filters(kind="image")) == []
    assert keys(viewer, "kafranbel", filters=Filters(status="new")) == [("incident", world["strike"].code)]
    # The shared filter's text goes through the index too (tables, map, timeline).
    table = Filters(q="مشفى").apply(Incident.objects.all(), viewer)
    assert list(table.values_list("code", flat=True)) == [world["strike"].code]


def test_pages_follow_one_another_without_repeats(world):
    project = world["project"]
    for n in range(7):
        service.create({"title": f"Convoy report {n}"}, ACTOR, project=project)
    seen, after = [], None
    while True:
        page = search(world["viewer"], "convoy", limit=3, after=after)
        assert page.total == 7 and not page.capped
        seen += [h.key for h in page.hits]
        after = page.next
        if after is None:
            break
    assert len(seen) == len(set(seen)) == 7


def test_ranking_prefers_titles_to_notes(world):
    project = world["project"]
    in_notes = service.create({"title": "Report", "notes": "a checkpoint was hit"}, ACTOR, project=project)
    in_title = service.create({"title": "Checkpoint hit", "notes": ""}, ACTOR, project=project)
    hits = search(world["viewer"], "checkpoint").hits
    assert [h.key for h in hits] == [in_title.code, in_notes.code]
    assert hits[0].rank > hits[1].rank


def test_the_workspace_scope_reads_everything(world):
    assert ("incident", world["strike"].code) in keys(None, CANARY, scope=Scope.everything())
    assert keys(None, "قصف آخر", scope=Scope.everything(world["project"].pk)) == []


def test_a_common_word_gives_the_same_hits_by_either_plan(world, monkeypatch):
    """PostgreSQL walks the newest rows for a word most rows hold, and reads the GIN index
    otherwise (query._common); both plans must find the same rows."""
    from marsad.search import query

    before = {text: keys(world["viewer"], text) for text in CASES}
    monkeypatch.setattr(query, "PROBE", 1)
    assert {text: keys(world["viewer"], text) for text in CASES} == before


FILTERED = [{"status": "new"}, {"status": "in_review"}, {"kind": "video"}, {"place": "test:kafranbel"},
            {"date_from": "2000-01-01"}, {"date_to": "2000-01-01"}, {"status": "new", "date_from": "2000-01-01"},
            {"tag": "health", "kind": "video"}, {"source": "telegram", "status": "new"}, {"project": "idlib"}, {"project": "idlib", "source": "files"}]


def test_a_filter_gives_the_same_hits_read_from_its_choices_or_by_walking(world):
    """A narrow filter reads the rows of the incidents and items it chooses (query._driven);
    a wide one walks the newest matching rows and tests it on each (query._narrowed).
    Both must keep the same rows, so each filter here is run both ways."""
    from marsad.incidents.models import IncidentItem
    from marsad.search import query

    IncidentItem.objects.create(incident=world["strike"], item=world["video"], role="primary",
                                added_at=timezone.now(), added_by=ACTOR)
    service.update(world["market"], {"status": Incident.Status.IN_REVIEW}, ACTOR, reason="x")
    owner = world["owner"]
    words = ["قصف", "shells", "h264", "strike", "kafranbel"]
    driven = {(w, i): keys(owner, w, filters=Filters(**f)) for w in words for i, f in enumerate(FILTERED)}
    assert any(driven.values()) and not all(driven.values())  # the filters keep some rows, and drop some
    assert driven[("h264", FILTERED.index({"tag": "health", "kind": "video"}))] == [("item", "a" * 64)]
    original = query.FEW
    try:
        query.FEW = -1  # nothing is ever few: every filter walks
        walked = {(w, i): keys(owner, w, filters=Filters(**f)) for w in words for i, f in enumerate(FILTERED)}
    finally:
        query.FEW = original
    assert walked == driven
