"""The search page (as each role sees it) and `marsad search`."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from django.test import Client
from django.urls import reverse

from marsad.incidents import service

from .test_search import CANARY, world  # noqa: F401

pytestmark = pytest.mark.django_db


def _get(user, lang="en", headers=None, **params):
    client = Client()
    client.force_login(user)
    with __import__("django.utils.translation", fromlist=["override"]).override(lang):
        url = reverse("search:page")
    return client.get(url, params, headers=headers or {})


def test_the_page_finds_arabic_words_and_marks_them(world):
    response = _get(world["viewer"], q="مشفي")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<mark>مشفى</mark>" in html and world["strike"].code in html
    assert f'href="/en/incidents/{world["strike"].code}/"' in html
    arabic = _get(world["viewer"], lang="ar", q="كفرنبل").content.decode()
    assert 'dir="rtl"' in arabic and "كفرنبل" in arabic and "/ar/incidents/?place=test%3Akafranbel" in arabic


def test_the_page_never_shows_a_restricted_field_to_the_restricted_role(world):
    assert "<mark>Zubayda</mark> <mark>Qarmout</mark>" in _get(world["viewer"], q=CANARY).content.decode()
    for words in (CANARY, "Gaziantep", "idlib news", "samsung"):
        page = _get(world["restricted"], q=words).content.decode()
        assert "card search-hit" not in page and "<mark>" not in page and "0 results" in page, words
        assert world["strike"].code not in page


def test_htmx_gets_the_results_alone_and_filters_are_kept(world):
    response = _get(world["viewer"], q="قصف", status="new", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="search-results"') and "<html" not in html
    full = _get(world["viewer"], q="قصف", status="new").content.decode()
    assert '<input type="hidden" name="status" value="new">' in full
    assert "q=%D9%82%D8%B5%D9%81&amp;status=new" in full  # the table link keeps the filter


def test_pages_link_to_the_next_with_the_filter(world):
    for n in range(55):
        service.create({"title": f"Convoy {n}"}, "actor:test", project=world["project"])
    html = _get(world["viewer"], q="convoy", status="new").content.decode()
    assert html.count('class="card search-hit') == 50 and "55 results" in html
    assert 'rel="next"' in html and "status=new&amp;q=convoy&amp;after=" in html


def _cli(*args):
    from marsad.cli.main import cli

    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_the_cli_searches_every_field_and_reindexes(world):
    found = json.loads(_cli("search", CANARY, "--json"))
    assert [h["key"] for h in found["hits"]] == [world["strike"].code]
    assert found["hits"][0]["snippet"] == "»Zubayda« »Qarmout«"
    assert json.loads(_cli("search", "--json", "--project", "elsewhere", "قصف"))["total"] == "2"
    assert "indexed" in _cli("search", "reindex")
    assert world["strike"].code in _cli("search", "مشفى")
