"""Graphic media in a real browser: before "Show" is clicked, the network log holds the
blurred preview and nothing else of the item: no original, no thumbnail, no keyframes."""

import re

import pytest

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def evidence(team, samples, tmp_path, monkeypatch):
    """A photo flagged graphic and a video not (yet) flagged, both analysed."""
    from marsad.cli.init import init_workspace
    from marsad.custody import log
    from marsad.evidence.analysis import analyse
    from marsad.evidence.ingest import ingest
    from marsad.evidence.models import Item
    from marsad.plugins.files import FilesSource

    monkeypatch.setenv("MARSAD_STORAGE", str(tmp_path / "store"))
    init_workspace()
    shas = {}
    for name in ("photo", "video"):
        [outcome] = ingest(FilesSource().sightings(str(samples[name])), log.actor_id("t"), project=team["project"].pk)
        analyse(outcome.sha256)
        shas[name] = outcome.sha256
    Item.objects.filter(sha256=shas["photo"]).update(graphic=True)
    return shas


def _of(requests: list[str], sha: str, *what: str) -> list[str]:
    return [u for u in requests if re.search(rf"/items/{sha}/({'|'.join(what)})/", u)]


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_graphic_photo_is_fetched_only_after_the_click(guarded, live_server, evidence, shot, lang):
    page, sha = guarded, evidence["photo"]
    login(page, live_server.url, lang, "editor")
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))

    page.goto(f"{live_server.url}/{lang}/items/")
    page.wait_for_load_state("networkidle")
    assert _of(requests, sha, "preview") and not _of(requests, sha, "media", "thumb")
    assert _of(requests, evidence["video"], "thumb"), "an item not flagged shows its own thumbnail"
    shot(page, f"{lang} table with a graphic photo")

    page.goto(f"{live_server.url}/{lang}/items/{sha}/")
    page.wait_for_load_state("networkidle")
    assert not _of(requests, sha, "media", "thumb", "sheet"), "nothing of the picture before the click"
    assert page.locator("img.preview").evaluate("i => i.complete && i.naturalWidth > 0")
    shot(page, f"{lang} graphic photo veiled")

    page.locator(".media [data-reveal]").click()
    page.wait_for_function("() => { const i = document.querySelector('img.picture:not(.preview)');"
                           " return i && !i.hidden && i.complete && i.naturalWidth > 0; }")
    page.wait_for_load_state("networkidle")
    assert len(_of(requests, sha, "media")) == 1
    assert page.locator("img.preview").count() == 0
    shot(page, f"{lang} graphic photo shown")


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_video_marked_graphic_loads_nothing_until_shown_and_never_plays_by_itself(guarded, live_server, evidence,
                                                                                  shot, lang):
    from marsad.custody.models import LogEntry

    page, sha = guarded, evidence["video"]
    login(page, live_server.url, lang, "editor")
    page.goto(f"{live_server.url}/{lang}/items/{sha}/")
    # The unveiled page's contact sheet loads lazily, when scrolled to (the click below would scroll):
    # let it load now, so every request counted below is the veiled page's own.
    page.locator("img.contact-sheet").scroll_into_view_if_needed()
    page.wait_for_function("() => { const i = document.querySelector('img.contact-sheet');"
                           " return i.complete && i.naturalWidth > 0; }")
    page.wait_for_load_state("networkidle")
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.locator("form.graphic-form button").click()  # mark as graphic: the page comes back veiled
    page.wait_for_load_state("networkidle")
    assert LogEntry.objects.filter(item=sha, type="flag").count() == 1
    video = page.locator("video")
    assert video.evaluate("v => v.muted && !v.autoplay && v.paused && v.preload === 'none' && !v.currentSrc")
    assert "/preview/" in video.get_attribute("poster")
    assert not _of(requests, sha, "media", "thumb", "sheet"), requests
    shot(page, f"{lang} graphic video veiled")

    page.locator(".media [data-reveal]").click()
    page.wait_for_function("() => document.querySelector('video').readyState >= 1", timeout=15000)
    page.wait_for_load_state("networkidle")
    assert _of(requests, sha, "media") and _of(requests, sha, "sheet") and _of(requests, sha, "thumb")
    assert video.evaluate("v => v.paused && v.muted"), "shown, not played"
    shot(page, f"{lang} graphic video shown")
