"""The upload page family with Django's test client: who may upload where, files
through tus into the same ingest pipeline as the CLI (project, capture, custody
events), Telegram export zips unpacked safely or refused whole, mislabelled
types, expired sessions, duplicates, oversized posts, and links."""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import stat
import time
import zipfile
from pathlib import Path

import pytest
from django.test import Client

from marsad.access.models import ProjectItem
from marsad.custody import log
from marsad.custody.models import LogEntry
from marsad.custody.verify import verify_log
from marsad.evidence.models import Capture, Item
from marsad.web.upload.views import upload_store

from .conftest import ROLES

TUS = {"HTTP_TUS_RESUMABLE": "1.0.0"}
BYTES = "application/offset+octet-stream"
UPLOADERS = ("owner", "manager", "editor")


def _meta(**values: str) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


def create(client, size: int, **metadata: str):
    return client.post("/tus/", **TUS, HTTP_UPLOAD_LENGTH=str(size), HTTP_UPLOAD_METADATA=_meta(**metadata))


def patch(client, upload_id: str, offset: int, data: bytes):
    return client.generic("PATCH", f"/tus/{upload_id}/", data, content_type=BYTES, **TUS,
                          HTTP_UPLOAD_OFFSET=str(offset))


def send(client, data: bytes, filename: str, project, filetype: str = "", relative: str = "",
         chunk: int = 1 << 20) -> str:
    """Upload `data` over tus in pieces, as the browser does; returns the upload id."""
    response = create(client, len(data), filename=filename, relativePath=relative, filetype=filetype,
                      project=str(project.pk))
    assert response.status_code == 201, response.content
    upload_id = response["Location"].rstrip("/").rsplit("/", 1)[1]
    offset = 0
    while offset < len(data):
        response = patch(client, upload_id, offset, data[offset:offset + chunk])
        assert response.status_code == 204, response.content
        offset = int(response["Upload-Offset"])
    return upload_id


def result(client, *ids: str):
    response = client.get("/en/upload/result/", {"id": list(ids)})
    assert response.status_code == 200
    return response


def rows(client, *ids: str) -> list[dict]:
    return [row for f in result(client, *ids).context["files"] for row in f["all"]]


def as_user(team, role: str) -> Client:
    client = Client()
    client.force_login(team[role])
    return client


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- who may upload ---------------------------------------------------------------

@pytest.mark.parametrize("role", [*ROLES, "outsider"])
def test_upload_page_offers_only_projects_the_role_may_upload_into(team, role):
    response = as_user(team, role).get("/en/upload/")
    html = response.content.decode()
    if role in UPLOADERS:
        assert response.status_code == 200
        assert f'<option value="{team["project"].pk}"' in html and "Idlib 2019" in html
        assert "Elsewhere" not in html
        assert 'id="upload-form"' in html and "webkitdirectory" in html and 'name="links"' in html
    elif role == "outsider":  # an owner elsewhere: may upload there, never sees Idlib
        assert response.status_code == 200
        assert "Elsewhere" in html and "Idlib 2019" not in html
    else:
        assert response.status_code == 403


def test_a_user_in_no_project_gets_403(db, django_user_model):
    loner = django_user_model.objects.create_user("loner", password="x")
    client = Client()
    client.force_login(loner)
    assert client.get("/en/upload/").status_code == 403
    assert client.get("/ar/upload/").status_code == 403


@pytest.mark.parametrize("role", [*ROLES, "outsider"])
def test_tus_creation_checks_the_project_before_any_byte(team, role):
    response = create(as_user(team, role), 10, filename="a.jpg", project=str(team["project"].pk))
    if role in UPLOADERS:
        assert response.status_code == 201
    else:
        assert response.status_code == 403
        assert response["X-Marsad-Reason"] == "not-allowed"


def test_tus_refuses_a_missing_project_and_keeps_csrf(team):
    client = as_user(team, "editor")
    assert create(client, 10, filename="a.jpg").status_code == 400
    assert create(client, 10, filename="a.jpg", project="99999").status_code == 403
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(team["editor"])
    assert create(strict, 10, filename="a.jpg", project=str(team["project"].pk)).status_code == 403


def test_signed_out_tus_requests_get_403_with_a_reason_not_a_login_page(db):
    response = create(Client(), 10, filename="a.jpg", project="1")
    assert response.status_code == 403
    assert response["X-Marsad-Reason"] == "signed-out"
    assert "sign in again" in response.content.decode().lower()
    assert "Location" not in response


# -- files through the pipeline -------------------------------------------------------

def test_uploaded_file_is_ingested_into_the_project_with_custody(team, samples):
    editor = as_user(team, "editor")
    data = samples["photo"].read_bytes()
    upload_id = send(editor, data, "IMG_20190504_0000.jpg", team["project"], "image/jpeg",
                     "phone/DCIM/IMG_20190504_0000.jpg", chunk=100_000)
    item = Item.objects.get(sha256=_sha(data))
    assert item.kind == "image" and item.size == len(data)
    assert ProjectItem.objects.filter(project=team["project"], item=item).exists()
    assert not ProjectItem.objects.filter(project=team["other"], item=item).exists()
    capture = Capture.objects.get(item=item)
    actor = log.actor_id("editor")
    assert capture.source_kind == "upload"
    assert capture.original_path == "phone/DCIM/IMG_20190504_0000.jpg"
    assert capture.original_name == "IMG_20190504_0000.jpg"
    assert capture.file_mtime is None
    assert capture.ingested_by == actor
    assert capture.source_details["declared_type"] == "image/jpeg"
    events = {e.type: e for e in LogEntry.objects.filter(item=item.sha256)}
    assert {"ingest", "capture"} <= set(events)
    assert all(json.loads(bytes(e.leaf))["actor"] == actor for e in events.values())
    assert item.analysis_task  # analysis queued, as `marsad ingest` queues it

    response = result(editor, upload_id)
    [row] = response.context["files"][0]["all"]
    assert (row["status"], row["sha256"]) == ("new", item.sha256)
    html = response.content.decode()
    assert "phone/DCIM/IMG_20190504_0000.jpg" in html and item.sha256[:12] in html
    assert verify_log().ok


def test_the_same_file_twice_is_already_known_and_recorded_once(team, samples):
    editor = as_user(team, "editor")
    data = samples["video"].read_bytes()
    first = send(editor, data, "VID.mp4", team["project"], "video/mp4")
    second = send(editor, data, "VID.mp4", team["project"], "video/mp4")
    assert [r["status"] for r in rows(editor, first, second)] == ["new", "known"]
    assert Capture.objects.filter(item__sha256=_sha(data)).count() == 1
    assert "already known" in result(editor, second).content.decode()
    # The result page of an upload is read back, never ingested twice.
    assert [r["status"] for r in rows(editor, first)] == ["new"]
    assert Capture.objects.filter(item__sha256=_sha(data)).count() == 1


def test_already_known_is_only_said_of_what_the_uploader_could_see(team, samples):
    data = samples["photo"].read_bytes()
    send(as_user(team, "outsider"), data, "x.jpg", team["other"])  # held by the other project only
    editor = as_user(team, "editor")
    [row] = rows(editor, send(editor, data, "y.jpg", team["project"]))
    assert row["status"] == "new"  # new to them: where else it is held is not theirs to learn
    assert ProjectItem.objects.filter(project=team["project"], item__sha256=_sha(data)).exists()


def test_a_mislabelled_type_is_detected_from_the_bytes(team, samples):
    editor = as_user(team, "editor")
    data = samples["video"].read_bytes()
    for n, (name, declared) in enumerate([("clip.txt", "text/plain"), ("clip", "application/octet-stream")]):
        upload_id = send(editor, data + bytes([n]) * (n + 1), name, team["project"], declared)
        [row] = rows(editor, upload_id)
        item = Item.objects.get(sha256=row["sha256"])
        assert (item.kind, item.mime) == ("video", "video/mp4")
        assert Capture.objects.get(item=item).source_details["declared_type"] == declared


def test_control_characters_are_stripped_from_names(team):
    editor = as_user(team, "editor")
    upload_id = send(editor, b"report text " * 50, "\u202egpj.exe\x07", team["project"], "",
                     "folder\x00/\u202egpj.exe\x07")
    [row] = rows(editor, upload_id)
    capture = Capture.objects.get(item__sha256=row["sha256"])
    assert capture.original_name == "gpj.exe"
    assert capture.original_path == "folder/gpj.exe"


def test_other_people_cannot_touch_or_read_an_upload(team):
    editor = as_user(team, "editor")
    response = create(editor, 20, filename="a.txt", project=str(team["project"].pk))
    upload_id = response["Location"].rstrip("/").rsplit("/", 1)[1]
    manager = as_user(team, "manager")
    assert manager.head(f"/tus/{upload_id}/", **TUS).status_code == 404
    assert patch(manager, upload_id, 0, b"x" * 20).status_code == 404
    assert upload_store().offset(upload_id, f"user:{team['editor'].pk}") == 0
    assert "not known" in result(manager, upload_id).content.decode()


def test_session_expired_mid_upload_then_the_same_upload_continues(team, samples):
    editor = as_user(team, "editor")
    data = samples["video"].read_bytes()
    half = len(data) // 2
    response = create(editor, len(data), filename="VID.mp4", project=str(team["project"].pk))
    upload_id = response["Location"].rstrip("/").rsplit("/", 1)[1]
    assert patch(editor, upload_id, 0, data[:half]).status_code == 204

    editor.logout()  # the session ends while the file is half sent
    refused = patch(editor, upload_id, half, data[half:])
    assert refused.status_code == 403 and refused["X-Marsad-Reason"] == "signed-out"
    assert "choose the same files" in refused.content.decode()
    assert editor.head(f"/tus/{upload_id}/", **TUS).status_code == 403
    assert upload_store().offset(upload_id, f"user:{team['editor'].pk}") == half  # nothing lost

    editor.force_login(team["editor"])
    head = editor.head(f"/tus/{upload_id}/", **TUS)
    assert head["Upload-Offset"] == str(half)  # the client asks where it stands, and continues
    assert patch(editor, upload_id, half, data[half:]).status_code == 204
    assert [r["status"] for r in rows(editor, upload_id)] == ["new"]
    assert Item.objects.filter(sha256=_sha(data)).exists()


def test_result_page_hides_names_once_the_role_no_longer_sees_sources(team):
    from marsad.access import service

    editor = as_user(team, "editor")
    upload_id = send(editor, b"statement " * 100, "witness-Abu-Khalid.txt", team["project"], "text/plain",
                     "from-Abu-Khalid/witness-Abu-Khalid.txt")
    assert "Abu-Khalid" in result(editor, upload_id).content.decode()
    service.set_role(team["editor"], team["project"], "restricted", actor="actor:test")
    html = result(editor, upload_id).content.decode()
    assert "Abu-Khalid" not in html
    assert "new" in html  # the outcome itself is still told


def test_incomplete_and_unknown_uploads_are_explained_on_the_result_page(team):
    editor = as_user(team, "editor")
    response = create(editor, 100, filename="a.txt", project=str(team["project"].pk))
    upload_id = response["Location"].rstrip("/").rsplit("/", 1)[1]
    patch(editor, upload_id, 0, b"x" * 40)
    html = result(editor, upload_id, "A" * 22, "../../etc").content.decode()
    assert "Only 40 of 100 bytes arrived" in html
    assert html.count("This upload is not known") == 2


# -- zips --------------------------------------------------------------------------

def _export_zip(tmp_path: Path, extra=None) -> bytes:
    from tests.plugins.test_telegram import channel_export

    folder = channel_export(tmp_path / "ChatExport_2019-05-05")
    target = tmp_path / "export.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            zf.write(path, path.relative_to(tmp_path).as_posix())
        if extra:
            extra(zf)
    return target.read_bytes()


def test_a_telegram_export_zip_is_ingested_with_its_provenance(team, tmp_path):
    editor = as_user(team, "editor")
    data = _export_zip(tmp_path)
    upload_id = send(editor, data, "export.zip", team["project"], "application/zip")
    outcomes = rows(editor, upload_id)
    captures = {c.post_id: c for c in Capture.objects.filter(source_kind="telegram")}
    assert {"1", "2", "3", "4"} <= set(captures)
    photo = captures["1"]
    assert photo.channel == "Idlib Media Centre"
    assert photo.original_path == "export.zip/photos/photo_1@05-05-2019_17-32-10.jpg"
    assert photo.item.kind == "image"
    assert captures["2"].item.kind == "video"
    assert ProjectItem.objects.filter(project=team["project"], item=photo.item).exists()
    assert not Item.objects.filter(mime="application/zip").exists()  # unpacked, not kept as one file
    # The message pointing outside the export is refused by the source, alone.
    assert any(o["status"] == "failed" and "outside" in o["reason"] for o in outcomes)
    assert not any("unzip-" in (c.original_path or "") for c in Capture.objects.all())
    assert not list(upload_store().folder.glob("unzip-*"))  # the scratch folder is gone
    assert verify_log().ok


def _symlink(zf):
    info = zipfile.ZipInfo("ChatExport_2019-05-05/photos/link.jpg")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    zf.writestr(info, "/etc/passwd")


def _bomb(zf):
    zf.writestr(zipfile.ZipInfo("ChatExport_2019-05-05/video_files/big.mp4"), b"\0" * (24 << 20),
                compress_type=zipfile.ZIP_DEFLATED)


@pytest.mark.parametrize("extra, said", [
    (lambda zf: zf.writestr("../escape.txt", b"out"), "climbs out"),
    (lambda zf: zf.writestr("/tmp/absolute.txt", b"out"), "absolute path"),
    (lambda zf: zf.writestr("ChatExport_2019-05-05/../../x.txt", b"out"), "climbs out"),
    (_symlink, "symbolic link"),
    (_bomb, "zip bomb"),
], ids=["dotdot", "absolute", "nested-dotdot", "symlink", "bomb"])
def test_an_unsafe_export_zip_is_refused_whole(team, tmp_path, extra, said):
    editor = as_user(team, "editor")
    before = (Item.objects.count(), Capture.objects.count(), LogEntry.objects.count())
    upload_id = send(editor, _export_zip(tmp_path, extra), "export.zip", team["project"], "application/zip",
                     chunk=4 << 20)
    [row] = rows(editor, upload_id)
    assert row["status"] == "failed" and said in row["reason"]
    assert "nothing in it was recorded" in row["reason"]
    after = (Item.objects.count(), Capture.objects.count())
    assert after == before[:2]  # nothing half-ingested
    assert not (tmp_path.parent / "escape.txt").exists() and not Path("/tmp/absolute.txt").exists()
    assert not list(upload_store().folder.glob("unzip-*"))
    html = result(editor, upload_id).content.decode()
    assert said in html


def test_another_zip_is_kept_as_one_file(team, tmp_path):
    editor = as_user(team, "editor")
    target = tmp_path / "photos.zip"
    with zipfile.ZipFile(target, "w") as zf:
        zf.writestr("notes/result.txt", "not an export")
        zf.writestr("../looks-bad-but-never-unpacked.txt", "x")
    [row] = rows(editor, send(editor, target.read_bytes(), "photos.zip", team["project"], "application/zip"))
    assert row["status"] == "new"
    assert Item.objects.get(sha256=row["sha256"]).mime == "application/zip"


# -- oversized posts ---------------------------------------------------------------

def test_a_500_mb_form_post_is_refused_before_it_is_read(team):
    from django_tasks_db.models import DBTaskResult

    editor = as_user(team, "editor")
    body = f"project={team['project'].pk}&links=https%3A%2F%2Fexample.org%2Fa".encode()
    assert editor.post("/en/upload/links/", body, content_type="application/x-www-form-urlencoded").status_code == 302
    DBTaskResult.objects.all().delete()
    for url in ("/en/upload/links/", "/en/preferences/"):  # the same valid form, declared as 500 MB
        response = editor.generic("POST", url, body, content_type="application/x-www-form-urlencoded",
                                  CONTENT_LENGTH=str(500 << 20))
        # Django refuses from the header (DATA_UPLOAD_MAX_MEMORY_SIZE) without reading the body.
        assert response.status_code == 400, url
    assert not DBTaskResult.objects.exists()


def test_the_server_refuses_a_500_mb_request_body_from_its_header(marsad):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = marsad.popen("serve", "--port", str(port), "--workers", "0")
    try:
        answer = b""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not answer:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
                    conn.sendall(b"POST /en/upload/links/ HTTP/1.1\r\nHost: localhost\r\nContent-Type: multipart/"
                                 b"form-data; boundary=x\r\nContent-Length: %d\r\n\r\n--x\r\n" % (500 << 20))
                    started = time.monotonic()
                    answer = conn.recv(200)
                    took = time.monotonic() - started
            except ConnectionRefusedError:
                time.sleep(0.3)
        assert answer.startswith(b"HTTP/1.1 413"), answer
        assert took < 5  # answered from the header, without waiting for 500 MB
    finally:
        server.terminate()
        server.wait(timeout=30)


# -- links --------------------------------------------------------------------------

@pytest.fixture
def site(tmp_path):
    from tests.plugins.webfixtures import Site

    served = Site(tmp_path / "site")
    yield served
    served.close()


def _run_workers() -> None:
    from django.core.management import call_command

    call_command("db_worker", batch=True, interval=0.1, startup_delay=False, verbosity=0, queue_name="*")


def test_links_into_this_network_are_refused(team, monkeypatch):
    editor = as_user(team, "editor")
    form = {"project": str(team["project"].pk),
            "links": "http://127.0.0.1:5432/\nhttp://169.254.169.254/latest/meta-data/\nhttp://[::1]/"}
    response = editor.post("/en/upload/links/", form)
    assert response.status_code == 400
    assert response.content.decode().count("points inside this network") == 3
    from marsad.web.upload.tasks import fetch_link

    refused = fetch_link.call("http://localhost:8000/", team["project"].pk, team["editor"].pk, "user:x")
    assert refused[0]["status"] == "failed" and "inside this network" in refused[0]["reason"]


@pytest.mark.django_db(transaction=True)
def test_links_are_fetched_in_the_background_and_reported(team, site, monkeypatch):
    monkeypatch.setenv("MARSAD_WEB_ALLOW_PRIVATE", "1")  # the test's site is on loopback
    editor = as_user(team, "editor")
    once = editor.get("/en/upload/").context["once"]
    form = {"project": str(team["project"].pk), "once": once,
            "links": f"{site.url('/direct.mp4')}\n\n{site.url('/missing')}\n{site.url('/direct.mp4')}\n"}
    response = editor.post("/en/upload/links/", form)
    assert response.status_code == 302
    status_url = response["Location"]
    assert status_url.count("task=") == 2  # the repeated line is fetched once
    assert editor.post("/en/upload/links/", form)["Location"] == status_url  # sent twice: nothing new queued
    waiting = editor.get(status_url)
    assert [r["state"] for r in waiting.context["rows"]] == ["queued", "queued"]
    assert 'hx-trigger="every 3s"' in waiting.content.decode()

    _run_workers()
    done = editor.get(status_url)
    first, second = done.context["rows"]
    assert first["state"] == second["state"] == "done"
    [video] = first["outcomes"]
    assert video["status"] == "new"
    item = Item.objects.get(sha256=video["sha256"])
    assert item.kind == "video" and item.analysis == "done"
    capture = Capture.objects.get(item=item)
    assert (capture.source_kind, capture.url) == ("web", site.url("/direct.mp4"))
    assert capture.ingested_by == log.actor_id("editor")
    assert ProjectItem.objects.filter(project=team["project"], item=item).exists()
    [gone] = second["outcomes"]
    assert gone["status"] == "failed" and gone["reason"].startswith("gone")
    html = done.content.decode()
    assert site.url("/direct.mp4") in html and "hx-trigger" not in html
    # Somebody else's task ids tell them nothing.
    other = as_user(team, "manager").get(status_url)
    assert [r["state"] for r in other.context["rows"]] == ["unknown", "unknown"]
    assert site.url("/direct.mp4") not in other.content.decode()
    assert verify_log().ok


def test_bad_links_are_refused_with_reasons_and_nothing_queued(team):
    from django_tasks_db.models import DBTaskResult

    editor = as_user(team, "editor")
    response = editor.post("/en/upload/links/", {"project": str(team["project"].pk),
                                                 "links": "https://example.org/a\nfile:///etc/passwd\njavascript:x"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Line 2 is not a web link" in html and "Line 3 is not a web link" in html
    assert "https://example.org/a" in html  # what was typed is kept
    assert not DBTaskResult.objects.filter(task_path__endswith="fetch_link").exists()
    viewer = as_user(team, "viewer")
    assert viewer.post("/en/upload/links/", {"project": str(team["project"].pk),
                                             "links": "https://example.org/a"}).status_code == 403
    outsider = as_user(team, "outsider")
    assert outsider.post("/en/upload/links/", {"project": str(team["project"].pk),
                                               "links": "https://example.org/a"}).status_code == 400


def _zip_with(tmp_path: Path, *entries) -> Path:
    target = tmp_path / "e.zip"
    with zipfile.ZipFile(target, "w") as zf:
        zf.writestr("Export/result.json", '{"name": "x", "messages": []}')
        for info, data in entries:
            zf.writestr(info, data)
    return target


def _mark_encrypted(path: Path, name: bytes) -> None:
    # zipfile cannot write encrypted entries: set the "encrypted" flag in the central directory by hand.
    data = bytearray(path.read_bytes())
    at = data.index(b"PK\x01\x02")
    while at >= 0:
        length = int.from_bytes(data[at + 28:at + 30], "little")
        if data[at + 46:at + 46 + length] == name:
            data[at + 8] |= 0x1
        at = data.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(data))


@pytest.mark.filterwarnings("ignore:Duplicate name")
@pytest.mark.parametrize("entries, said", [
    ([("Export/a.jpg", b"1"), ("Export/a.jpg", b"2")], "appears twice"),
    ([("Export/photos/secret.jpg", b"secret")], "encrypted"),
    ([("Export/bell\x07.jpg", b"1")], "control characters"),
    ([("C:/Windows/x.jpg", b"1")], "absolute path"),
    ([("Export\\..\\..\\x.jpg", b"1")], "climbs out"),
], ids=["duplicate", "encrypted", "control", "drive", "backslash-dotdot"])
def test_zip_checks_refuse_before_unpacking(tmp_path, entries, said):
    from marsad.web.upload import zips

    path = _zip_with(tmp_path, *entries)
    if said == "encrypted":
        _mark_encrypted(path, b"Export/photos/secret.jpg")
    assert zips.telegram_root(path) == "Export"
    with pytest.raises(zips.ZipRefused, match=said):
        zips.check(path, 1 << 30)


def test_zip_check_caps_the_total_and_unpacks_a_sound_export(tmp_path):
    from marsad.web.upload import zips

    path = _zip_with(tmp_path, ("Export/photos/a.jpg", b"\xff\xd8" + bytes(range(256)) * 40))
    with pytest.raises(zips.ZipRefused, match="more than the 100 allowed"):
        zips.check(path, 100)
    plan = zips.check(path, 1 << 30)
    (tmp_path / "out").mkdir()
    root = zips.unpack(path, tmp_path / "out", plan)
    assert root == (tmp_path / "out" / "Export").resolve()
    assert (root / "photos" / "a.jpg").read_bytes()[:2] == b"\xff\xd8"
    assert zips.telegram_root(tmp_path / "out" / "Export" / "result.json") is None  # not a zip at all
