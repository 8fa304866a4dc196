"""Review findings on the map and the timeline: dates at the ends of the calendar and
periods of centuries answer a page, not an error or a million bars."""

from __future__ import annotations

import pytest
from django.test import Client

from marsad.incidents import service

pytestmark = pytest.mark.django_db
ACTOR = "actor:test"


def _as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("query", ["date_to=9999-12-31", "date_from=9999-12-01&date_to=9999-12-31",
                                   "day=9999-12-31", "date_from=0001-01-01&date_to=9999-12-31",
                                   "date_from=0001-01-01"])
def test_timeline_at_the_ends_of_the_calendar(team, query):
    service.create({"title": "Strike", "event_date": "2019-05-05"}, ACTOR, project=team["project"])
    response = _as(team["viewer"]).get(f"/en/timeline/?{query}")
    assert response.status_code == 200
    assert response.content.count(b'class="bucket"') <= 1000  # never a bar per month of eight thousand years


@pytest.mark.parametrize("path", ["/en/incidents/", "/en/map/", "/en/map/data/", "/en/timeline/", "/en/search/"])
def test_a_nul_character_in_any_filter_is_no_error(team, path):
    """PostgreSQL refuses NUL in a text parameter (the API's schema refuses it; the pages must drop it)."""
    service.create({"title": "Strike", "event_date": "2019-05-05"}, ACTOR, project=team["project"])
    client = _as(team["viewer"])
    for name in ("q", "project", "tag", "assignee", "place", "event_type", "kind", "source", "status"):
        response = client.get(path, {name: "a\x00b"})
        assert response.status_code == 200, (name, response.status_code)
