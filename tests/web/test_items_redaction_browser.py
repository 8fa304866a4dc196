"""Redaction review in a real browser: an editor drags a box on the photo, makes the
redacted copy, sees it beside the original, and approves it; Arabic and English."""

import pytest

from .conftest import login

pytest.importorskip("skimage", reason="scikit-image (the test extra) ships the sample photos with faces")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def witness(team, tmp_path, monkeypatch):
    from PIL import Image

    from marsad.cli.init import init_workspace
    from marsad.core.redact import samples
    from marsad.custody import log
    from marsad.evidence.ingest import ingest
    from marsad.plugins.files import FilesSource

    monkeypatch.setenv("MARSAD_STORAGE", str(tmp_path / "store"))
    init_workspace()
    bgr, _ = samples.composite([40, 64], 320, 180, seed=4)
    photo = tmp_path / "witness.jpg"
    Image.fromarray(bgr[:, :, ::-1]).save(photo, "JPEG")
    [outcome] = ingest(FilesSource().sightings(str(photo)), log.actor_id("t"), project=team["project"].pk)
    return outcome.sha256


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_draw_a_box_make_the_copy_and_approve_it(guarded, live_server, witness, shot, lang):
    from marsad.evidence.models import Item
    from marsad.evidence.redaction import approved_redaction

    page = guarded
    login(page, live_server.url, lang, "editor")
    page.goto(f"{live_server.url}/{lang}/items/{witness}/#redaction")
    picture = page.locator("[data-draw] img")
    page.wait_for_function("() => { const i = document.querySelector('[data-draw] img');"
                           " return i.complete && i.naturalWidth > 0; }")
    box = picture.bounding_box()
    scale = 320 / box["width"]
    page.mouse.move(box["x"] + 10, box["y"] + 10)
    page.mouse.down()
    page.mouse.move(box["x"] + 60, box["y"] + 40, steps=4)
    page.mouse.up()
    drawn = page.locator("textarea[name=boxes]").input_value()
    x, y, w, h = (int(v) for v in drawn.split(","))
    assert abs(x - 10 * scale) <= 2 and abs(w - 50 * scale) <= 2 and abs(h - 30 * scale) <= 2, drawn
    assert page.locator(".drawn-box").count() == 1
    shot(page, f"{lang} box drawn")

    with page.expect_navigation():
        page.locator("#redact-form button[type=submit]").click()
    page.wait_for_load_state()
    copy = page.locator(".redacted-copy")
    assert copy.count() == 1
    page.wait_for_function("() => [...document.querySelectorAll('.compare img')]"
                           ".every(i => i.complete && i.naturalWidth > 0)")
    shot(page, f"{lang} redacted copy beside the original")

    with page.expect_navigation():
        copy.locator("button[value=approve]").click()
    page.wait_for_load_state()
    assert page.locator(".redacted-copy .chip.ok").count() == 1 and page.locator(".decided bdi").first.inner_text() == "editor"
    assert approved_redaction(Item.objects.get(sha256=witness)) is not None
    shot(page, f"{lang} redacted copy approved")
