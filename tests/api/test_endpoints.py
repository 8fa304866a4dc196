"""The endpoints: restricted fields never reach a restricted role, pages walk every
row once, and each write is the same IncidentChange and custody event as the same
act in the browser, covered by a signed checkpoint, with a log that verifies."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from marsad.custody import log
from marsad.custody.models import Checkpoint, LogEntry
from marsad.custody.verify import verify_log
from marsad.incidents.models import Comment, IncidentChange, Place
from tests.web.test_restricted_sweep import CANARIES, GPS, planted  # noqa: F401  (planted: a fixture)

from .conftest import Api, ingest_bytes

pytestmark = pytest.mark.django_db


def _signed() -> bool:
    latest = Checkpoint.objects.order_by("-size").values_list("size", flat=True).first()
    return latest == log.size()


# -- restricted fields ----------------------------------------------------------------------

def _walk(api: Api, sha: str, code: str) -> dict[str, bytes]:
    """Every GET the API has, for these objects, and every write a reader might try."""
    paths = ["/token", "/items", f"/items?kind=image&q={CANARIES['text']}", f"/items/{sha}", f"/items/{sha}/copies",
             "/captures", "/captures?source=telegram", "/incidents", f"/incidents?q={CANARIES['witness']}",
             f"/incidents/{code}", f"/incidents/{code}/suggestions", "/places", "/places?q=Idlib",
             f"/search?text={CANARIES['witness']}", f"/search?text={CANARIES['text']}", "/openapi.json"]
    bodies = {path: api.get(path).content for path in paths}
    bodies["comment"] = api.post(f"/incidents/{code}/comments", {"body": "a note"}).content
    bodies["edit"] = api.patch(f"/incidents/{code}", {"fields": {"title": "x"}, "reason": "because"}).content
    bodies["missing"] = api.get("/items/" + "0" * 64).content
    return bodies


def test_no_answer_to_a_restricted_role_holds_a_restricted_field(team, api, planted):
    sha, code = planted
    restricted = _walk(api("restricted", "edit"), sha, code)
    for path, body in restricted.items():
        text = body.decode()
        for name, canary in CANARIES.items():
            assert canary not in text and json.dumps(canary) not in text, (path, name)
        assert str(GPS[0]) not in text and str(GPS[1]) not in text, path
    detail = json.loads(restricted[f"/items/{sha}"])
    assert detail["restricted_shown"] is False and detail["captures"] and detail["gps_lat"] is None
    assert json.loads(restricted[f"/incidents/{code}"])["witness_names"] is None
    assert json.loads(restricted[f"/search?text={CANARIES['witness']}"])["total"] == 0
    assert api("viewer").get("/search", {"text": CANARIES["witness"]}).json()["hits"][0]["key"] == code
    # The same walk by an editor meets every canary: the walk reaches where they would be.
    editor = b"".join(_walk(api("editor"), sha, code).values()).decode()
    assert all(canary in editor or json.dumps(canary) in editor for canary in CANARIES.values())
    assert str(GPS[0])[:7] in editor


# -- pages ----------------------------------------------------------------------------------

def _walk_pages(api: Api, path: str, key: str, field: str, **params) -> list:
    seen, after, pages = [], "", 0
    while True:
        body = api.get(path, params | {"limit": 2} | ({"after": after} if after else {})).json()
        seen += [row[field] for row in body[key]]
        pages += 1
        after = body["next"]
        if not after:
            return seen
        assert pages < 50


def test_pages_walk_every_row_once(team, api, store):
    from marsad.incidents import service

    dates = ["2019-05-01", "2019-05-03", "2019-05-03", "2019-04-20", "", "2019-05-10", ""]
    codes = {service.create({"title": f"n{n}", **({"event_date": d} if d else {})}, "actor:t",
                            project=team["project"]).code for n, d in enumerate(dates)}
    service.create({"title": "elsewhere"}, "actor:t", project=team["other"])
    shas = ingest_bytes(team["project"], [f"evidence {n}".encode() for n in range(5)])
    ingest_bytes(team["other"], [b"not ours"])
    for n in range(5):
        Place.objects.create(key=f"test:{n}", name=f"Place {n}", level=4, source="test")
    reader = api("viewer")
    incidents = _walk_pages(reader, "/incidents", "incidents", "code")
    assert len(incidents) == len(set(incidents)) == 7 and set(incidents) == codes
    items = _walk_pages(reader, "/items", "items", "sha256")
    assert len(items) == 5 and set(items) == set(shas)
    captures = _walk_pages(reader, "/captures", "captures", "item")
    assert sorted(captures) == sorted(shas)
    places = _walk_pages(reader, "/places", "places", "key")
    assert places == [f"test:{n}" for n in range(5)]
    # The shared filter narrows as the table does.
    later = _walk_pages(reader, "/incidents", "incidents", "event_date", date_from="2019-05-02")
    assert later == ["2019-05-10", "2019-05-03", "2019-05-03"]
    assert reader.get("/incidents", {"after": "not-a-cursor!"}).status_code == 422
    assert reader.get("/items", {"limit": 500}).status_code == 422


def test_search_finds_arabic_words_and_pages_through_hits(team, api):
    from marsad.incidents import service

    code = service.create({"title": "قَصْفٌ على مشفى"}, "actor:t", project=team["project"]).code
    for n in range(4):
        service.create({"title": f"قصف رقم {n}"}, "actor:t", project=team["project"])
    service.create({"title": "قصف في مكان آخر"}, "actor:t", project=team["other"])
    reader = api("restricted")
    hit = reader.get("/search", {"text": "مشفي"}).json()["hits"][0]
    assert (hit["kind"], hit["key"]) == ("incident", code) and "<mark>" in hit["snippet_html"]
    seen, after = [], ""
    while True:
        body = reader.get("/search", {"text": "قصف", "limit": 2, **({"after": after} if after else {})}).json()
        seen += [h["key"] for h in body["hits"]]
        after = body["next"]
        if not after:
            break
    assert len(seen) == len(set(seen)) == 5 == body["total"]  # the other project's incident is not found
    assert reader.get("/search", {"text": "قصف", "kinds": "place"}).json()["total"] == 0


# -- writes ---------------------------------------------------------------------------------

def test_writes_are_the_browsers_acts_with_custody(team, api, store):
    sha1, sha2, sha3 = ingest_bytes(team["project"], [b"first video", b"second video", b"third"])
    editor = api("editor", "edit")
    actor = log.actor_id("editor")

    response = editor.post("/incidents", {"fields": {"title": "Strike on the bakery", "event_date": "2019-05-04",
                                                     "event_type": "Explosions/Remote violence"},
                                          "evidence": [sha1], "role": "primary", "reason": "two videos"})
    assert response.status_code == 201, response.content
    code = response.json()["code"]
    assert response.json()["evidence"] == [{"sha256": sha1, "role": "primary", "added_at": response.json()[
        "evidence"][0]["added_at"]}]
    assert _signed()
    changes = list(IncidentChange.objects.filter(incident__code=code))
    assert [(c.action, c.field, c.actor) for c in changes] == [("create", "", actor), ("link", "item", actor)]

    response = editor.patch(f"/incidents/{code}", {"fields": {"title": "Strike on the bakery, Maarat"},
                                                   "reason": "the town is named in the second video"})
    assert response.status_code == 200 and response.json()["changes"] == 1
    change = IncidentChange.objects.filter(incident__code=code).last()
    assert (change.action, change.field, change.new, change.reason, change.actor) == (
        "set", "title", "Strike on the bakery, Maarat", "the town is named in the second video", actor)
    assert _signed()
    # A reason is required; what someone changed since you read it is a conflict.
    assert editor.patch(f"/incidents/{code}", {"fields": {"title": "x"}}).status_code == 422
    stale = editor.patch(f"/incidents/{code}", {"fields": {"title": "Mine"}, "reason": "r",
                                                "seen": {"title": "Strike on the bakery"}})
    assert stale.status_code == 409 and "changed by someone else" in stale.json()["detail"]
    assert editor.patch(f"/incidents/{code}", {"fields": {"event_type": "Nope"}, "reason": "r"}).status_code == 422
    future = {"fields": {"event_date": "2999-01-01"}, "reason": "r"}
    assert editor.patch(f"/incidents/{code}", future).status_code == 422
    assert editor.patch(f"/incidents/{code}", {"fields": {"status": None}, "reason": "r"}).status_code == 422
    assert editor.patch(f"/incidents/{code}", {"fields": {"title": None}, "reason": "r"}).status_code == 200

    response = editor.post(f"/incidents/{code}/links", {"evidence": [sha2], "role": "corroborating",
                                                        "reason": "same strike, other angle"})
    assert response.status_code == 200 and {r["sha256"] for r in response.json()} == {sha1, sha2}
    assert editor.post(f"/incidents/{code}/links", {"evidence": ["f" * 64], "role": "context",
                                                    "reason": "r"}).status_code == 422
    # The browser's link of the third item: the same change and the same kind of leaf.
    browser = Client()
    browser.force_login(team["editor"])
    assert browser.post(f"/en/incidents/{code}/link/", {"evidence": sha3, "role": "corroborating",
                                                        "reason": "same strike, other angle"}).status_code == 302
    by_api, by_page = IncidentChange.objects.filter(incident__code=code, action="link").order_by("id")[1:3]
    leaves = [json.loads(bytes(LogEntry.objects.get(index=c.log_index).leaf)) for c in (by_api, by_page)]
    assert (by_api.field, by_api.actor, by_api.reason) == (by_page.field, by_page.actor, by_page.reason)
    assert {k: v for k, v in leaves[0].items() if k not in ("time", "item", "inputs", "details")} == \
        {k: v for k, v in leaves[1].items() if k not in ("time", "item", "inputs", "details")}

    response = editor.post(f"/incidents/{code}/comments", {"body": "@viewer please check the minaret"})
    assert response.status_code == 201
    note = Comment.objects.get(pk=response.json()["id"])
    assert note.author == team["editor"] and LogEntry.objects.get(index=note.log_index).type == "comment"
    assert team["viewer"].notifications.filter(kind="mention").exists()

    detail = editor.get(f"/incidents/{code}").json()
    assert [h["action"] for h in detail["history"]] == ["create", "link", "set", "set", "link", "link"]
    assert detail["history"][0]["actor"] == "editor"  # a member's name, for members
    assert _signed() and verify_log().ok


def test_restricted_fields_need_edit_restricted(team, api):
    code = api("editor", "edit").post("/incidents", {"fields": {"title": "t"}}).json()["code"]
    secret = {"fields": {"witness_names": "Abu Ahmad"}, "reason": "met him"}
    assert api("editor", "edit").patch(f"/incidents/{code}", secret).status_code == 403
    assert api("manager", "read").patch(f"/incidents/{code}", secret).status_code == 403
    assert api("manager", "edit").patch(f"/incidents/{code}", secret).status_code == 200
    assert api("viewer").get(f"/incidents/{code}").json()["witness_names"] == "Abu Ahmad"
    assert api("restricted").get(f"/incidents/{code}").json()["witness_names"] is None
    history = api("restricted").get(f"/incidents/{code}").content.decode()
    assert "Abu Ahmad" not in history and "met him" not in history


def test_upload_ingests_into_the_tokens_project(team, api, store, samples):
    from marsad.access.models import ProjectItem
    from marsad.evidence.models import Capture, Item

    data = samples["photo"].read_bytes()
    editor = api("editor", "edit")
    response = editor.upload("/uploads", "IMG_0001.jpg", data, "image/jpeg")
    assert response.status_code == 201, response.content
    [row] = response.json()
    assert (row["status"], row["kind"], row["path"]) == ("new", "image", "IMG_0001.jpg")
    item = Item.objects.get(sha256=row["sha256"])
    assert ProjectItem.objects.filter(project=team["project"], item=item).exists()
    assert not ProjectItem.objects.filter(project=team["other"], item=item).exists()
    capture = Capture.objects.get(item=item)
    assert (capture.source_kind, capture.ingested_by, capture.project) == ("upload", log.actor_id("editor"),
                                                                          team["project"])
    assert {"ingest", "capture"} <= set(LogEntry.objects.filter(item=item.sha256).values_list("type", flat=True))
    assert editor.upload("/uploads", "IMG_0001.jpg", data).json()[0]["status"] == "known"
    assert api("viewer", "edit").upload("/uploads", "a.jpg", data).status_code == 403
    assert editor.get(f"/items/{item.sha256}").json()["captures"][0]["original_name"] == "IMG_0001.jpg"
    assert _signed() and verify_log().ok
