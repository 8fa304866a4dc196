"""The published site in a real browser, from file://: the Arabic and English pages of
an incident and the index load with no request leaving file://, no CSP violation or
script error, and graphic media stays hidden until clicked, with JavaScript off too."""

from __future__ import annotations

import pytest

from tests.cli.test_publish import approve_redactions, workspace  # noqa: F401  (the generated workspace fixture)

pytestmark = [pytest.mark.browser]


@pytest.fixture
def site(workspace, tmp_path):  # noqa: F811
    from marsad.publish.builder import publish

    project, code = workspace
    out = tmp_path / "site"
    publish(out, project, "fair")  # makes the redacted files
    approve_redactions()
    publish(out, project, "fair")
    return out, code


def _watch(page) -> tuple[list[str], list[str]]:
    requests, problems = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    return requests, problems


def test_published_pages_work_from_file_and_hide_graphic_media(browser, site, shot):
    out, code = site
    for lang in ("ar", "en"):
        context = browser.new_context(viewport={"width": 1100, "height": 900})
        page = context.new_page()
        requests, problems = _watch(page)
        page.goto((out / lang / "incidents" / f"{code}.html").as_uri())
        page.wait_for_load_state("load")
        graphic = page.locator("details.graphic video")
        assert graphic.count() == 1 and not graphic.is_visible()
        assert page.locator("figure.media img").first.is_visible()  # a photo that is not graphic shows
        shot(page, f"{lang} incident, graphic hidden")
        page.locator("details.graphic summary").click()
        assert graphic.is_visible()
        shot(page, f"{lang} incident, graphic shown")

        page.goto((out / lang / "index.html").as_uri() + "?grade=fair")
        page.wait_for_function("() => document.querySelector('#map.live .leaflet-interactive')")
        assert page.locator("#incidents tbody tr:not([hidden])").count() == 1
        assert "1" in page.locator("#count").inner_text()
        shot(page, f"{lang} index with map")
        page.goto((out / lang / "index.html").as_uri() + "?grade=weak")
        assert page.locator("#incidents tbody tr:not([hidden])").count() == 0  # the filter, from the URL
        page.goto((out / lang / "methodology.html").as_uri())
        shot(page, f"{lang} methodology")
        assert [u for u in requests if not u.startswith("file://")] == []
        assert problems == [], problems
        context.close()

    for lang in ("ar", "en"):  # JavaScript off: still hidden, still a click away
        context = browser.new_context(java_script_enabled=False, viewport={"width": 1100, "height": 900})
        page = context.new_page()
        page.goto((out / lang / "incidents" / f"{code}.html").as_uri())
        graphic = page.locator("details.graphic video")
        assert not graphic.is_visible()
        page.locator("details.graphic summary").click()
        assert graphic.is_visible()
        page.goto((out / lang / "index.html").as_uri())
        assert page.locator("#incidents tbody tr").count() == 1  # the whole list, without scripts
        shot(page, f"{lang} index without javascript")
        context.close()
