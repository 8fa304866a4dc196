"""The video player in a real browser: muted, never autoplaying, seeking through
206 Partial Content answers, playing the stored bytes."""

import hashlib

import pytest

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def video(team, samples, tmp_path, monkeypatch):
    from marsad.cli.init import init_workspace
    from marsad.custody import log
    from marsad.evidence.analysis import analyse
    from marsad.evidence.ingest import ingest
    from marsad.plugins.files import FilesSource

    monkeypatch.setenv("MARSAD_STORAGE", str(tmp_path / "store"))
    init_workspace()
    [outcome] = ingest(FilesSource().sightings(str(samples["video"])), log.actor_id("t"), project=team["project"].pk)
    analyse(outcome.sha256)
    return outcome.sha256, samples["video"].read_bytes()


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_player_seeks_with_partial_content_and_plays_the_stored_bytes(guarded, live_server, video, shot, lang):
    page, (sha, original) = guarded, video
    media = []
    page.on("response", lambda r: media.append((r.status, r.request.headers.get("range"))) if "/media" in r.url else None)
    login(page, live_server.url, lang, "editor")
    page.goto(f"{live_server.url}/{lang}/items/{sha}/")
    player = page.locator("video").first
    assert player.evaluate("v => v.muted && !v.autoplay && v.paused")
    shot(page, f"{lang} item page with player")

    player.evaluate("v => v.play()")
    page.wait_for_function("() => document.querySelector('video').currentTime > 0.3", timeout=15000)
    player.evaluate("v => { v.pause(); v.currentTime = 2.0; }")
    page.wait_for_function("() => !document.querySelector('video').seeking && document.querySelector('video').currentTime >= 1.9",
                           timeout=15000)
    shot(page, f"{lang} after seeking to 2 s")
    assert media and all(status in (200, 206) for status, _ in media)
    assert any(status == 206 for status, _ in media), media

    src = player.evaluate("v => v.currentSrc")
    whole = page.request.get(src)
    assert hashlib.sha256(whole.body()).hexdigest() == sha == hashlib.sha256(original).hexdigest()
    part = page.request.get(src, headers={"Range": "bytes=1000-1999"})
    assert part.status == 206 and part.body() == original[1000:2000]
