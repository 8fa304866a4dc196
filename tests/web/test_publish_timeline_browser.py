"""The published timeline and a tombstone in a real browser, from file://, in English and
Arabic: the histogram and the day list are drawn on the server (whole with JavaScript
off), the Arabic one runs right to left, the filters in the URL narrow list, bars and
count; the header links the timeline from every page; a withdrawn incident's address
shows its tombstone; the in-page verifier speaks the page's language; no request leaves
file:// and no script or CSP error."""

from __future__ import annotations

import pytest

from tests.cli.test_publish import approve_redactions, workspace  # noqa: F401  (the generated workspace fixture)

pytestmark = [pytest.mark.browser]


@pytest.fixture
def site(workspace, tmp_path):  # noqa: F811
    from marsad.incidents import service
    from marsad.publish.builder import publish

    project, code = workspace
    later = service.create({"title": "Shelling of the school — قصف المدرسة", "event_date": "2019-05-09",
                            "grade": "fair", "sub_event_type": "Shelling/artillery/missile attack",
                            "fatalities_best": 2}, "actor:test", project=project)
    gone = service.create({"title": "Reported strike on the bakery", "event_date": "2019-05-07", "grade": "fair"},
                          "actor:test", project=project)
    out = tmp_path / "site"
    publish(out, project, "fair")
    approve_redactions()
    publish(out, project, "fair")
    service.update(service.get(later.code), {"fatalities_best": 3}, "actor:test")  # a correction
    service.update(gone, {"status": "discounted"}, "actor:test",
                   reason="The footage was found to show an earlier strike in another town.")
    publish(out, project, "fair", withdrawal_reasons=True)  # the reason printed, as asked
    return out, code, later.code, gone.code


def _watch(page):
    requests, problems = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    return requests, problems


def _bar(page, day):
    return page.locator(f'#histogram rect[data-date="{day}"]')


def test_timeline_and_tombstone_in_both_languages(browser, site, shot):
    out, code, later, gone = site
    for lang in ("en", "ar"):
        context = browser.new_context(viewport={"width": 1100, "height": 900})
        page = context.new_page()
        requests, problems = _watch(page)
        page.goto((out / lang / "incidents" / f"{code}.html").as_uri())
        page.locator("header.site nav a[href$='timeline.html']").click()  # every page's header links it
        page.wait_for_load_state("load")
        assert page.url.endswith(f"/{lang}/timeline.html")
        assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
        assert page.locator("#timeline li[data-grade]:not([hidden])").count() == 2
        first, last = _bar(page, "2019-05-05").bounding_box(), _bar(page, "2019-05-09").bounding_box()
        assert first["height"] > 0 and last["height"] > 0
        if lang == "ar":  # time runs right to left
            assert first["x"] > last["x"]
        else:
            assert first["x"] < last["x"]
        shot(page, f"{lang} timeline")

        page.goto((out / lang / "timeline.html").as_uri() + "?from=2019-05-08")  # the filter, from the URL
        assert page.locator("#timeline li[data-grade]:not([hidden])").count() == 1
        assert page.locator("#timeline li.day:not([hidden])").count() == 1
        assert _bar(page, "2019-05-05").get_attribute("height") == "0.00"
        assert page.locator("input[name=from]").input_value() == "2019-05-08"
        assert "1" in page.locator("#count").inner_text()
        shot(page, f"{lang} timeline filtered")

        # The corrected incident lists its correction; the index lists it and the withdrawn one.
        page.goto((out / lang / "incidents" / f"{later}.html").as_uri())
        assert page.locator("#corrections li").count() == 1
        page.locator("#corrections").scroll_into_view_if_needed()
        shot(page, f"{lang} corrected incident")

        # The withdrawn incident's address: a tombstone, listed under corrections and withdrawals.
        page.goto((out / lang / "index.html").as_uri())
        assert page.locator(f"#corrections a[href$='incidents/{later}.html#corrections']").count() == 1
        shot(page, f"{lang} index with corrections and withdrawals")
        page.locator(f"#corrections a[href$='incidents/{gone}.html']").click()
        page.wait_for_load_state("load")
        assert page.locator("article.tombstone").is_visible()
        text = page.locator("article.tombstone").inner_text()
        assert "The footage was found to show an earlier strike in another town." in text
        assert "Reported strike on the bakery" not in page.content()
        box = page.locator("footer [data-publog-verifier][data-publog-state=idle]")
        if lang == "ar":  # the verifier's own words in Arabic, right to left
            assert "اختر مجلد هذا الموقع" in box.inner_text() and box.evaluate("b => getComputedStyle(b).direction") == "rtl"
        else:
            assert "choose this site's folder" in box.inner_text()
        shot(page, f"{lang} tombstone")
        assert [u for u in requests if not u.startswith("file://")] == []
        assert problems == [], problems
        context.close()

    for lang in ("en", "ar"):  # JavaScript off: the whole timeline, histogram included
        context = browser.new_context(java_script_enabled=False, viewport={"width": 1100, "height": 900})
        page = context.new_page()
        page.goto((out / lang / "timeline.html").as_uri() + "?from=2019-05-08")
        assert page.locator("#timeline li[data-grade]").count() == 2 and _bar(page, "2019-05-05").is_visible()
        shot(page, f"{lang} timeline without javascript")
        context.close()
