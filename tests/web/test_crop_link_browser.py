"""A cropped repost on its item page, in a real browser: the copy cluster shows the link to
the photo it was cut from, and the link says which part of that photo the copy shows;
in Arabic (read from the English stored) and English."""

import pytest

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cropped(team, tmp_path, monkeypatch, testdata):
    """A real photo and its centre 60% (20% cut from each side), re-encoded, both ingested and
    analysed: the original, then the crop."""
    from PIL import Image

    from marsad.cli.init import init_workspace
    from marsad.custody import log
    from marsad.evidence.analysis import analyse
    from marsad.evidence.ingest import ingest
    from marsad.matching.service import match_item, rebuild_index
    from marsad.plugins.files import FilesSource

    monkeypatch.setenv("MARSAD_STORAGE", str(tmp_path / "store"))
    init_workspace()
    rebuild_index()  # the session's index files may hold an earlier test's items
    photo = Image.open(testdata / "pdq" / "images" / "bridge-mods" / "aaa-orig.jpg").convert("RGB")
    w, h = photo.size
    folder = tmp_path / "media"
    folder.mkdir()
    photo.save(folder / "original.jpg", "JPEG", quality=92)
    photo.crop((int(.2 * w), int(.2 * h), int(.8 * w), int(.8 * h))).save(folder / "repost.jpg", "JPEG", quality=70)
    shas = {}
    for name in ("original.jpg", "repost.jpg"):
        [outcome] = ingest(FilesSource().sightings(str(folder / name)), log.actor_id("t"), project=team["project"].pk)
        analyse(outcome.sha256)
        match_item(outcome.sha256)
        shas[name] = outcome.sha256
    return shas


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_a_cropped_repost_shows_the_part_of_the_original_it_is(guarded, live_server, cropped, shot, lang):
    page = guarded
    login(page, live_server.url, lang, "viewer")
    page.goto(f"{live_server.url}/{lang}/items/{cropped['repost.jpg']}/")
    original = page.locator(".cluster-member", has=page.locator(f"a[href*='{cropped['original.jpg']}']"))
    assert original.count() == 1, "the original is not in the repost's copy cluster"
    first = page.locator(".cluster-member").first  # neither has a trustworthy time: held first, shown first
    assert first.locator(f"a[href*='{cropped['original.jpg']}']").count() > 0
    reason = page.locator(".cluster-links .reason").first
    words = {"en": (f"this copy is the centre 36% of item {cropped['original.jpg'][:4]}", "matching keypoints", "ltr"),
             "ar": (f"هذه النسخة هي الجزء الأوسط (36% من المساحة) من المادة {cropped['original.jpg'][:4]}",
                    "نقاط مميزة متطابقة", "rtl")}[lang]
    assert reason.inner_text().startswith(words[0]), reason.inner_text()
    assert words[1] in reason.inner_text()
    assert reason.evaluate("e => getComputedStyle(e).direction") == words[2]  # dir="auto": Arabic reads right to left
    page.wait_for_function("() => [...document.querySelectorAll('.cluster img')].every(i => i.complete && i.naturalWidth > 0)")
    page.locator(".cluster").scroll_into_view_if_needed()
    shot(page, f"{lang} cropped repost and the photo it was cut from")
