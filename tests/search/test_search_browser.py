"""The search page in a real browser, in English and Arabic: the header's search box,
live results as one types, the matching Arabic words marked. Nothing outside the app
is requested. Screenshots: $MARSAD_SCREENSHOTS/search/ (default /tmp/shots/search)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.web.conftest import login

from .test_search import world  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

_base = os.environ.get("MARSAD_SCREENSHOTS")
SHOTS = Path(_base) / "search" if _base else Path("/tmp/shots/search")


def snap(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True, caret="initial")


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_search_from_the_header_and_live(guarded, live_server, world, lang):
    page = guarded
    login(page, live_server.url, lang, "viewer")
    page.fill("#nav-q", "مشفى")
    page.press("#nav-q", "Enter")
    page.wait_for_load_state()
    assert f"/{lang}/search/" in page.url
    hit = page.locator(".search-hit").first
    assert hit.locator("mark").first.inner_text() == "مشفى"
    assert world["strike"].code in hit.inner_text()
    snap(page, f"{lang}-01-results")
    page.fill("#s-q", "كفرنبل")  # live: htmx swaps the results in while typing
    page.locator(".search-hit.kind-place").wait_for()
    assert page.locator(".search-hit.kind-place mark").first.inner_text() in ("كفرنبل", "Kafranbel")
    snap(page, f"{lang}-02-live")
    assert page.evaluate("document.documentElement.dir") == ("rtl" if lang == "ar" else "ltr")
