"""Review findings on the API: what another project recorded, or a restricted field,
never reaches a token through any endpoint."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db
ACTOR = "actor:test"
POSTED = dt.datetime(2015, 3, 1, 8, 0, tzinfo=dt.UTC)


def _item(sha_char: str, *projects):
    from marsad.access.service import hold
    from marsad.evidence.models import Item

    item = Item.objects.create(sha256=sha_char * 64, blake2b="b" * 128, size=1, mime="video/mp4", kind="video",
                               first_seen=timezone.now(), log_index=10_000 + ord(sha_char))
    for project in projects:
        hold(project.pk, [item])
    return item


def _capture(item, project, n: int, **fields):
    from marsad.evidence.models import Capture

    return Capture.objects.create(item=item, sighting_key=f"s{n}", original_path=f"/in/{n}.mp4",
                                  original_name=f"{n}.mp4", ingested_at=timezone.now(), ingested_by=ACTOR,
                                  log_index=20_000 + n, project=project, **fields)


@pytest.fixture
def copies(team):
    """Two copies held by the team's project; the other project posted one of them in 2015."""
    from marsad.matching.models import CopyLink

    project, other = team["project"], team["other"]
    mine, shared = _item("a", project), _item("c", project, other)
    _capture(mine, project, 1)
    _capture(shared, project, 2)
    _capture(shared, other, 3, posted_at=POSTED, channel="Other Channel", text="another project's post")
    CopyLink.objects.create(a=mine, b=shared, distance=2, share_a=1.0, share_b=1.0, reason="test",
                            created=timezone.now(), log_index=30_000)
    return {"mine": mine, "shared": shared}


@pytest.mark.parametrize("role", ["restricted", "owner"])
def test_copies_carry_no_post_time_of_another_project(api, copies, role):
    response = api(role).get(f"/items/{copies['mine'].sha256}/copies")
    assert response.status_code == 200
    times = {row["earliest"] for row in response.json()}
    assert not any(t and t.startswith("2015-03-01") for t in times), response.json()


def test_a_place_search_reads_the_parents_once(api, django_assert_max_num_queries):
    from marsad.incidents.models import Place

    gov = Place.objects.create(key="t:gov", name="Idlib", name_ar="إدلب", level=1, source="test")
    for n in range(12):
        Place.objects.create(key=f"t:town{n}", name=f"Kafrtown {n}", name_ar="", level=4, parent=gov, source="test")
    client = api("viewer")
    assert len(client.get("/places", {"q": "Kafrtown", "limit": 20}).json()["places"]) == 12  # warms the gazetteer
    with django_assert_max_num_queries(8):
        found = client.get("/places", {"q": "Kafrtown", "limit": 20}).json()["places"]
    assert {p["parent"] for p in found} == {"t:gov"}
