"""The map, the table and the timeline in a real browser with every request to another
host blocked: the map draws Natural Earth borders (SVG paths) and the incidents'
markers from this server alone; a filter chosen on the map gives the same count and the
same incidents in the table and on the timeline; in Arabic time runs right to left.

Screenshots: $MARSAD_SCREENSHOTS/explore/ (default /tmp/shots/explore), like ar-01-map.png."""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from . import test_explore
from .conftest import login

atlas = test_explore.atlas  # the fixture: places, incidents, evidence

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

_base = os.environ.get("MARSAD_SCREENSHOTS")
SHOTS = Path(_base) / "explore" if _base else Path("/tmp/shots/explore")


def snap(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True, caret="initial")


def block_other_hosts(page, base: str) -> list[str]:
    """Abort every request to a host but the app's; return the list of those refused."""
    own, refused = urlsplit(base).netloc, []

    def route(r):
        if urlsplit(r.request.url).netloc == own or r.request.url.startswith(("data:", "blob:")):
            r.continue_()
        else:
            refused.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    return refused


def visible_count(page) -> int:
    return int(page.get_attribute(".visible-count", "data-count"))


def wait_for_map(page) -> None:
    page.wait_for_selector("#incident-map[data-markers][data-borders=drawn]", timeout=15000)


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_filter_on_the_map_then_the_same_incidents_in_the_table_and_on_the_timeline(guarded, live_server, atlas,
                                                                                    lang):
    page, url = guarded, live_server.url
    page.set_viewport_size({"width": 1280, "height": 900})
    refused = block_other_hosts(page, url)
    login(page, url, lang, "viewer")
    page.goto(f"{url}/{lang}/map/")
    wait_for_map(page)
    assert page.locator("#incident-map svg path.border").count() > 20  # Natural Earth borders, drawn offline
    assert page.locator("#incident-map path.border-home").count() == 1  # Syria
    assert visible_count(page) == 5 and page.get_attribute("#incident-map", "data-total") == "5"
    snap(page, f"{lang}-00-map-all")

    page.select_option("#f-place", "t:idlib")
    page.locator("form[data-filters] button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/map/\?place=t%3Aidlib$"))
    wait_for_map(page)
    markers = page.locator("#incident-map .incident-marker, #incident-map .marker-cluster")
    assert markers.count() >= 1 and markers.first.is_visible()
    assert visible_count(page) == 3
    data = page.evaluate("fetch(document.getElementById('incident-map').dataset.dataUrl).then(r => r.json())")
    on_map = {f["properties"]["code"] for f in data["features"]}
    assert on_map == {atlas[k].code for k in "abc"}
    snap(page, f"{lang}-01-map")
    page.locator("#incident-map .marker-cluster").first.click()  # the cluster opens: zoom in
    page.locator("#incident-map .incident-marker.precision-town").first.click()
    popup = page.locator(".leaflet-popup-content .map-popup")
    popup.wait_for()
    assert re.fullmatch(r"SYR\d+", popup.locator("a.popup-code").inner_text()) and popup.get_attribute("dir") == (
        "rtl" if lang == "ar" else "ltr")
    assert popup.locator("dd").count() == 4  # date, place, grade, location precision
    page.wait_for_timeout(400)  # the popup fades in
    snap(page, f"{lang}-02-map-popup")

    page.locator(".view-switch a[data-view=table]").click()
    page.wait_for_url(re.compile(r".*/incidents/\?place=t%3Aidlib$"))
    assert visible_count(page) == 3
    in_table = set(page.locator("#incident-table tbody a[href*='/incidents/SYR']").all_inner_texts())
    assert in_table == on_map
    snap(page, f"{lang}-03-table")

    page.locator(".view-switch a[data-view=timeline]").click()
    page.wait_for_url(re.compile(r".*/timeline/\?place=t%3Aidlib$"))
    assert visible_count(page) == 3
    on_timeline = set(page.locator(".timeline-list a[href*='/incidents/SYR']").all_inner_texts())
    assert on_timeline == on_map
    bars = page.locator("svg.histogram rect.bar.incidents[data-day]")
    days = [bars.nth(i).get_attribute("data-day") for i in range(bars.count())]
    assert days == ["2019-05-05"]
    snap(page, f"{lang}-04-timeline")

    page.locator("svg.histogram a.bucket[data-key='2019-05-05']").click()
    page.wait_for_url(re.compile(r".*/timeline/\?place=t%3Aidlib&day=2019-05-05$"))
    assert page.get_attribute("svg.histogram", "data-mode") == "hour"
    assert page.locator("svg.histogram rect.bar.incidents").count() == 1  # the one with a time, at 17:00
    snap(page, f"{lang}-05-timeline-hours")
    assert not refused, refused


def test_in_arabic_the_timeline_runs_right_to_left(guarded, live_server, atlas):
    page, url = guarded, live_server.url
    page.set_viewport_size({"width": 1280, "height": 900})
    block_other_hosts(page, url)
    login(page, url, "ar", "viewer")
    for lang in ("ar", "en"):
        page.goto(f"{url}/{lang}/map/?grade=discounted")  # nothing matches: Syria's borders and labels alone
        wait_for_map(page)
        assert page.get_attribute("#incident-map", "data-markers") == "0" and visible_count(page) == 0
        assert page.locator("#incident-map .map-label").count() >= 3
        snap(page, f"{lang}-08-map-empty")
        page.goto(f"{url}/{lang}/timeline/?project=idlib")
        bars = page.locator("svg.histogram rect.bar.incidents[data-day]")
        assert [bars.nth(i).get_attribute("data-day") for i in range(bars.count())] == ["2019-05-05", "2019-05-07"]
        first, last = (bars.nth(i).bounding_box()["x"] for i in (0, bars.count() - 1))
        assert (first > last) if lang == "ar" else (first < last), lang
        x_first, x_last = (float(bars.nth(i).get_attribute("x")) for i in (0, bars.count() - 1))
        assert (x_first > x_last) if lang == "ar" else (x_first < x_last)
        snap(page, f"{lang}-06-timeline-project")
        page.locator("svg.histogram a.bucket[data-key='2019-05-05']").click()
        page.wait_for_url(re.compile(r".*day=2019-05-05$"))
        hours = page.locator("svg.histogram rect.bar[data-day]")
        keys = [hours.nth(i).get_attribute("data-day") for i in range(hours.count())]
        assert keys == ["17"]  # incidents by hour; the two photos at 10:30 UTC are evidence bars
        assert page.locator("svg.histogram rect.bar.evidence").count() == 1
        first_hour = float(page.get_attribute("svg.histogram a.bucket[data-key='00'] rect.slot, "
                                              "svg.histogram g.bucket[data-key='00'] rect.slot", "x"))
        assert (first_hour > 500) if lang == "ar" else (first_hour < 500)  # midnight at the start of the line
        snap(page, f"{lang}-07-timeline-hours-evidence")
