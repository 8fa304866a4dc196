"""The published site in a real browser, from file://: the Arabic and English pages of
an incident and the index load with no request leaving file://, no CSP violation or
script error, and graphic media stays hidden until clicked, with JavaScript off too; the
footer shows the public log's key and the in-page verifier, which verifies the page and its
media once the reader chooses the files; over http it verifies them by itself, within the
page's Content-Security-Policy."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

import pytest
from django.conf import settings

from tests.cli.test_publish import approve_redactions, workspace  # noqa: F401  (the generated workspace fixture)

pytestmark = [pytest.mark.browser]
NO_WEBCRYPTO = "Object.defineProperty(Crypto.prototype, 'subtle', {get() { return undefined; }});"


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
        if lang == "ar":  # the in-page verifier's pure-JS path, under the page's CSP
            page.add_init_script(NO_WEBCRYPTO)
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

        # The footer: the public log's key, and the verifier waiting for files (file:// cannot fetch).
        from marsad.core.publog import public_log_signer

        key = public_log_signer(Path(settings.WORKSPACE.keys_dir)).verifier().vkey()
        assert page.locator("footer [data-publog-key]").inner_text() == key
        box = page.locator("footer [data-publog-verifier][data-publog-state=idle]")
        assert box.is_visible() and ("اختر مجلد هذا الموقع" if lang == "ar" else "choose this site's folder") in \
            box.inner_text()  # the verifier speaks the page's language
        # the reader chooses the page and its media with their proofs: verified
        paths = [f"{lang}/incidents/{code}.html", *sorted(p.relative_to(out).as_posix()
                                                          for p in (out / "media").iterdir() if p.suffix != ".tlog-proof")]
        page.set_input_files("[data-publog-files]", [str(out / p) for p in paths] +
                             [str(out / (p + ".tlog-proof")) for p in paths])
        page.wait_for_selector("[data-publog-verifier][data-publog-state=verified]", timeout=10_000)
        assert page.locator("[data-publog-summary]").inner_text().startswith(
            "تم التحقق: 3" if lang == "ar" else "verified: 3 file(s)")
        engine = page.locator("[data-publog-verifier]").get_attribute("data-publog-engine")
        assert engine == ("noble" if lang == "ar" else "webcrypto")
        page.locator("footer.site").scroll_into_view_if_needed()
        shot(page, f"{lang} incident, public log verifier")

        page.goto((out / lang / "index.html").as_uri() + "?grade=fair")
        page.wait_for_function("() => document.querySelector('#map.live .leaflet-interactive')")
        assert page.locator("#incidents tbody tr:not([hidden])").count() == 1
        assert "1" in page.locator("#count").inner_text()
        shot(page, f"{lang} index with map")
        page.goto((out / lang / "index.html").as_uri() + "?grade=weak")
        assert page.locator("#incidents tbody tr:not([hidden])").count() == 0  # the filter, from the URL
        page.goto((out / lang / "methodology.html").as_uri())
        shot(page, f"{lang} methodology")
        page.goto((out / "index.html").as_uri())  # the root page: the key and the verifier too
        assert page.locator("[data-publog-key]").inner_text() == key
        page.wait_for_selector("[data-publog-verifier][data-publog-state=idle]")
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


def test_served_over_http_the_page_verifies_itself(browser, site):
    out, code = site
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(out))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        page = browser.new_page()
        problems = []
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.on("console", lambda m: problems.append(f"{m.text} {m.location.get('url')}") if m.type in (
            "error", "warning") and not m.location.get("url", "").endswith("/favicon.ico") else None)
        page.goto(f"http://127.0.0.1:{server.server_port}/ar/incidents/{code}.html")
        page.wait_for_selector("[data-publog-verifier][data-publog-state=verified]", timeout=10_000)
        # in Arabic: the page, its photo, its video and the video's poster frame
        assert page.locator("[data-publog-summary]").inner_text().startswith("تم التحقق: 4")
        assert problems == [], problems  # the browser's own favicon.ico request aside: none is published
        page.close()
    finally:
        server.shutdown()
        server.server_close()
