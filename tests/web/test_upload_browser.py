"""Uploading in a real browser, in English and Arabic: a 24 MB file interrupted
part-way (by the person, then by the session ending) continues after a reload
from where the server stands, never from zero, and the store holds exactly the
original bytes."""

from __future__ import annotations

import hashlib
import random
import time

import pytest

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZE = 24 << 20
SLOW_LINK = 4 << 20  # bytes per second: slow enough to stop the upload part-way


def _file(tmp_path, name: str, seed: int) -> tuple:
    data = random.Random(seed).randbytes(SIZE)
    path = tmp_path / name
    path.write_bytes(data)
    return path, hashlib.sha256(data).hexdigest()


def _throttle(page, limit: int | None) -> None:
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1,
                                                  "uploadThroughput": limit or -1})


def _server_upload(name: str):
    """The upload of this file as the server holds it, once its offset has settled."""
    from marsad.web.upload.views import upload_store

    store = upload_store()
    found = []
    for sidecar in store.folder.glob("*.json"):
        import json

        meta = json.loads(sidecar.read_text("utf-8"))
        if meta["metadata"].get("filename") == name:
            found.append((meta["created"], sidecar.stem, meta["owner"]))
    assert found, f"no upload of {name} on the server"
    _, upload_id, owner = max(found)
    offset = -1
    for _ in range(50):  # an aborted request may still be writing its last bytes
        now = store.offset(upload_id, owner)
        if now == offset:
            break
        offset = now
        time.sleep(0.2)
    return upload_id, offset


def _progress_past(page, share: float) -> None:
    page.wait_for_function(
        "share => { const e = window.marsadUpload.entries()[0]; return e && e.sent / e.size > share; }",
        arg=share, polling=50, timeout=60_000)


def _resume_and_finish(page, shot, lang, path, expected_offset):
    """Choose the same file on a fresh page and send it: it must continue, not restart."""
    sent = []
    page.on("request", lambda r: sent.append((r.method, r.url, r.headers.get("upload-offset")))
            if "/tus/" in r.url else None)
    page.set_input_files("#upload-files", str(path))
    shot(page, f"{lang} the same file chosen again")
    page.locator("#upload-form button[type=submit]").click()
    page.wait_for_url("**/upload/result/**", timeout=120_000)
    assert not [s for s in sent if s[0] == "POST"], "a new upload was created instead of continuing"
    patches = [s for s in sent if s[0] == "PATCH"]
    assert patches and int(patches[0][2]) == expected_offset > 0  # it continued where the server stood
    return page


def _check_stored(page, shot, lang, sha256: str) -> None:
    from marsad.evidence.ingest import store
    from marsad.evidence.models import Capture, Item

    assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
    assert page.locator(".outcome-new").count() >= 1
    assert sha256[:12] in page.content()
    shot(page, f"{lang} result")
    item = Item.objects.get(sha256=sha256)
    digest = hashlib.sha256()
    with open(store().path(item.sha256), "rb") as f:
        while piece := f.read(1 << 20):
            digest.update(piece)
    assert digest.hexdigest() == sha256  # the stored bytes are the original's
    assert item.size == SIZE
    assert Capture.objects.get(item=item).source_kind == "upload"


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_upload_interrupted_halfway_resumes_after_reload(guarded, live_server, team, shot, tmp_path, lang):
    page = guarded
    name = f"{'شاهد' if lang == 'ar' else 'witness'}-{lang}.mp4"
    path, sha256 = _file(tmp_path, name, seed=2019 + len(lang) + ord(lang[0]))
    login(page, live_server.url, lang, "editor")
    page.goto(f"{live_server.url}/{lang}/upload/")
    assert page.locator("html").get_attribute("lang") == lang
    shot(page, f"{lang} upload page")

    _throttle(page, SLOW_LINK)
    page.set_input_files("#upload-files", str(path))
    shot(page, f"{lang} file chosen")
    page.locator("#upload-form button[type=submit]").click()
    _progress_past(page, 0.4)
    page.evaluate("window.marsadUpload.abortAll()")
    assert page.evaluate("window.marsadUpload.entries()[0].status") == "paused"
    shot(page, f"{lang} stopped part-way")
    _, offset = _server_upload(name)
    assert 0 < offset < SIZE

    page.reload()
    _throttle(page, None)
    assert page.locator("[data-upload-list] li").count() == 0  # a fresh page knows nothing of it
    shot(page, f"{lang} page reloaded")
    _resume_and_finish(page, shot, lang, path, offset)
    _check_stored(page, shot, lang, sha256)


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_session_ending_mid_upload_then_signing_in_again_continues(guarded, live_server, team, shot, tmp_path, lang):
    from django.contrib.sessions.models import Session

    page = guarded
    name = f"expired-{lang}.mp4"
    path, sha256 = _file(tmp_path, name, seed=7 + ord(lang[0]))
    login(page, live_server.url, lang, "editor")
    page.goto(f"{live_server.url}/{lang}/upload/")
    _throttle(page, SLOW_LINK)
    page.set_input_files("#upload-files", str(path))
    page.locator("#upload-form button[type=submit]").click()
    _progress_past(page, 0.2)
    Session.objects.all().delete()  # the session ends on the server (expiry, or signed out elsewhere)

    alert = page.locator("[data-upload-alert]")
    alert.wait_for(state="visible", timeout=60_000)
    assert page.evaluate("window.marsadUpload.entries()[0].status") == "paused"
    shot(page, f"{lang} signed out mid-upload")
    _, offset = _server_upload(name)
    assert 0 < offset < SIZE

    alert.locator("a").click()  # "Sign in again" leads back to the upload page
    page.wait_for_load_state()
    page.fill("input[name=login]", "editor")
    from .conftest import password_of

    page.fill("input[name=password]", password_of("editor"))
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(f"**/{lang}/upload/", timeout=30_000)
    _throttle(page, None)
    shot(page, f"{lang} signed in again")
    _resume_and_finish(page, shot, lang, path, offset)
    _check_stored(page, shot, lang, sha256)
