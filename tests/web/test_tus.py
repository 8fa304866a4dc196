"""The tus HTTP endpoint, driven with Django's RequestFactory (no database needed)."""

from __future__ import annotations

import base64
import hashlib
import io
import os

import pytest
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from marsad.core.resumable import PIECE, Uploads
from marsad.web.upload.tus_views import tus_endpoint

OWNER = "user:7"
TUS = {"HTTP_TUS_RESUMABLE": "1.0.0"}
BYTES = "application/offset+octet-stream"
rf = RequestFactory()


class Endpoint:
    """Calls tus_endpoint the way a view would, and records on_complete calls."""

    def __init__(self, folder, max_size=64 << 20) -> None:
        self.uploads = Uploads(folder, max_size)
        self.completed: list[str] = []
        self.fail = False
        self.check = None

    def on_complete(self, upload_id: str):
        if self.fail:
            raise RuntimeError("ingest failed")
        self.completed.append(upload_id)
        return {"sha256": hashlib.sha256(self.uploads.path(upload_id).read_bytes()).hexdigest()}

    def call(self, request, upload_id=None, owner=OWNER):
        return tus_endpoint(request, self.uploads, owner, upload_id, self.on_complete, self.check)

    def create(self, length: int, metadata: str = "", **extra) -> str:
        headers = TUS | {"HTTP_UPLOAD_LENGTH": str(length)} | extra
        if metadata:
            headers["HTTP_UPLOAD_METADATA"] = metadata
        response = self.call(rf.post("/tus/", **headers))
        assert response.status_code == 201, response.content
        return response["Location"].rstrip("/").rsplit("/", 1)[1]

    def patch(self, upload_id, offset, data: bytes, owner=OWNER, **extra):
        request = rf.generic("PATCH", f"/tus/{upload_id}/", data, content_type=BYTES,
                             **(TUS | {"HTTP_UPLOAD_OFFSET": str(offset)} | extra))
        return self.call(request, upload_id, owner)

    def head(self, upload_id, owner=OWNER):
        return self.call(rf.head(f"/tus/{upload_id}/", **TUS), upload_id, owner)


@pytest.fixture
def tus(tmp_path) -> Endpoint:
    return Endpoint(tmp_path / "uploads")


def test_options_advertises_protocol(tus):
    response = tus.call(rf.options("/tus/"))  # OPTIONS needs no Tus-Resumable
    assert response.status_code == 204
    assert response["Tus-Version"] == "1.0.0"
    assert response["Tus-Extension"] == "creation,termination"
    assert response["Tus-Max-Size"] == str(64 << 20)


@pytest.mark.parametrize("version", [None, "0.2.2", "1.0"])
def test_missing_or_wrong_tus_resumable_is_412(tus, version):
    extra = {"HTTP_TUS_RESUMABLE": version} if version else {}
    response = tus.call(rf.post("/tus/", HTTP_UPLOAD_LENGTH="5", **extra))
    assert response.status_code == 412
    assert response["Tus-Version"] == "1.0.0"


def test_create_head_patch_complete(tus):
    name = "شاهد من الموقع.jpg"
    metadata = f"filename {base64.b64encode(name.encode()).decode()},filetype aW1hZ2UvanBlZw=="
    response = tus.call(rf.post("/tus/", HTTP_UPLOAD_LENGTH="10", HTTP_UPLOAD_METADATA=metadata, **TUS))
    assert response.status_code == 201
    assert response["Tus-Resumable"] == "1.0.0"
    upload_id = response["Location"].split("/")[-2]
    assert response["Location"] == f"/tus/{upload_id}/"
    assert tus.uploads.info(upload_id, OWNER).metadata == {"filename": name, "filetype": "image/jpeg"}

    head = tus.head(upload_id)
    assert head.status_code == 200
    assert (head["Upload-Offset"], head["Upload-Length"], head["Cache-Control"]) == ("0", "10", "no-store")
    assert "filename" in head["Upload-Metadata"]

    first = tus.patch(upload_id, 0, b"01234")
    assert (first.status_code, first["Upload-Offset"]) == (204, "5")
    assert tus.completed == []
    last = tus.patch(upload_id, 5, b"56789")
    assert (last.status_code, last["Upload-Offset"]) == (204, "10")
    assert tus.completed == [upload_id]
    info = tus.uploads.info(upload_id, OWNER)
    assert info.finished and info.result == {"sha256": hashlib.sha256(b"0123456789").hexdigest()}
    # A repeated final PATCH (the client never saw our answer) does not run on_complete again.
    again = tus.patch(upload_id, 10, b"", CONTENT_TYPE=BYTES, CONTENT_LENGTH="0")
    assert (again.status_code, again["Upload-Offset"]) == (204, "10")
    assert tus.completed == [upload_id]


def test_creation_errors(tus):
    assert tus.call(rf.post("/tus/", **TUS)).status_code == 400  # no Upload-Length
    for bad in ("-1", "1e3", " 5", "5.0", "abc"):
        assert tus.call(rf.post("/tus/", HTTP_UPLOAD_LENGTH=bad, **TUS)).status_code == 400
    assert tus.call(rf.post("/tus/", HTTP_UPLOAD_DEFER_LENGTH="1", **TUS)).status_code == 400
    assert tus.call(rf.post("/tus/", HTTP_UPLOAD_LENGTH=str((64 << 20) + 1), **TUS)).status_code == 413
    assert tus.call(rf.post("/tus/", HTTP_UPLOAD_LENGTH="5", HTTP_UPLOAD_METADATA="k !!", **TUS)).status_code == 400
    assert not tus.uploads.folder.exists() or not any(tus.uploads.folder.iterdir())


def test_check_metadata_can_refuse_before_any_byte(tus):
    def check(metadata):
        if metadata.get("project") != "7":  # the caller's own rules decide
            raise PermissionDenied
        if "filename" not in metadata:
            raise ValueError("filename missing")

    tus.check = check
    seven = base64.b64encode(b"7").decode()
    assert tus.call(rf.post("/tus/", HTTP_UPLOAD_LENGTH="5", HTTP_UPLOAD_METADATA="project OA==", **TUS)).status_code == 403
    assert tus.call(rf.post("/tus/", HTTP_UPLOAD_LENGTH="5", HTTP_UPLOAD_METADATA=f"project {seven}",
                            **TUS)).status_code == 400
    assert tus.create(5, f"project {seven},filename YQ==")
    assert len(list(tus.uploads.folder.glob("*.json"))) == 1  # nothing was made for the refused ones


def test_patch_errors(tus):
    upload_id = tus.create(10)
    tus.patch(upload_id, 0, b"abcd")
    wrong = tus.patch(upload_id, 2, b"xyz")
    assert (wrong.status_code, wrong["Upload-Offset"]) == (409, "4")
    assert tus.patch(upload_id, 4, b"x" * 7).status_code == 413
    form = rf.generic("PATCH", f"/tus/{upload_id}/", b"efg", content_type="application/octet-stream",
                      HTTP_UPLOAD_OFFSET="4", **TUS)
    assert tus.call(form, upload_id).status_code == 415
    assert tus.patch(upload_id, 4, b"efg", HTTP_UPLOAD_OFFSET="four").status_code == 400
    assert tus.head(upload_id)["Upload-Offset"] == "4"


def test_other_owner_and_bad_ids_get_404(tus):
    upload_id = tus.create(4)
    assert tus.head(upload_id, owner="user:8").status_code == 404
    assert tus.patch(upload_id, 0, b"abcd", owner="user:8").status_code == 404
    assert tus.call(rf.delete(f"/tus/{upload_id}/", **TUS), upload_id, "user:8").status_code == 404
    for bad in ("../../../etc/passwd", "A" * 22, "x"):
        assert tus.head(bad).status_code == 404
    assert tus.head(upload_id)["Upload-Offset"] == "0"


def test_wrong_method_for_target_is_405(tus):
    upload_id = tus.create(4)
    assert tus.call(rf.generic("PATCH", "/tus/", b"", content_type=BYTES, **TUS)).status_code == 405
    on_item = tus.call(rf.post(f"/tus/{upload_id}/", HTTP_UPLOAD_LENGTH="4", **TUS), upload_id)
    assert on_item.status_code == 405 and "PATCH" in on_item["Allow"]


def test_method_override_from_post(tus):
    upload_id = tus.create(3)
    request = rf.generic("POST", f"/tus/{upload_id}/", b"abc", content_type=BYTES, HTTP_UPLOAD_OFFSET="0",
                         HTTP_X_HTTP_METHOD_OVERRIDE="PATCH", **TUS)
    response = tus.call(request, upload_id)
    assert (response.status_code, response["Upload-Offset"]) == (204, "3")


def test_patch_streams_in_pieces_without_request_body(tus):
    data = os.urandom(3 * PIECE + 123)
    upload_id = tus.create(len(data))
    request = rf.generic("PATCH", f"/tus/{upload_id}/", data, content_type=BYTES, HTTP_UPLOAD_OFFSET="0", **TUS)
    sizes = []
    read = request.read
    request.read = lambda n=-1: (sizes.append(n), read(n))[1]
    response = tus.call(request, upload_id)
    assert response["Upload-Offset"] == str(len(data))
    assert sizes and max(sizes) <= PIECE and -1 not in sizes
    assert not hasattr(request, "_body")  # request.body was never read


class Cut(io.RawIOBase):
    """A request body whose connection drops after `arrive` bytes."""

    def __init__(self, data: bytes, arrive: int) -> None:
        self.stream, self.left = io.BytesIO(data), arrive

    def read(self, n=-1):
        if self.left <= 0:
            raise ConnectionResetError("client went away")
        piece = self.stream.read(min(n, self.left))
        self.left -= len(piece)
        return piece


def test_interrupted_patch_keeps_bytes_and_resumes(tus):
    data = os.urandom(5 * PIECE // 2)
    upload_id = tus.create(len(data))
    request = rf.generic("PATCH", f"/tus/{upload_id}/", data, content_type=BYTES, HTTP_UPLOAD_OFFSET="0", **TUS)
    request._stream = Cut(data, 1_500_000)
    tus.call(request, upload_id)
    assert tus.head(upload_id)["Upload-Offset"] == "1500000"  # what the client's HEAD then learns
    assert tus.completed == []
    response = tus.patch(upload_id, 1_500_000, data[1_500_000:])
    assert response["Upload-Offset"] == str(len(data))
    assert tus.completed == [upload_id]
    assert hashlib.sha256(tus.uploads.path(upload_id).read_bytes()).digest() == hashlib.sha256(data).digest()


def test_busy_upload_is_423(tus):
    upload_id = tus.create(4)
    with tus.uploads._lock(upload_id, "rb", blocking=False):  # a dead request still holding it
        assert tus.patch(upload_id, 0, b"abcd").status_code == 423
    assert tus.patch(upload_id, 0, b"abcd").status_code == 204


def test_failed_on_complete_keeps_bytes_and_is_retried(tus):
    upload_id = tus.create(3)
    tus.fail = True
    assert tus.patch(upload_id, 0, b"abc").status_code == 204  # the transfer itself succeeded
    assert not tus.uploads.info(upload_id, OWNER).finished
    tus.fail = False
    result = tus.uploads.finish(upload_id, OWNER, tus.on_complete)  # e.g. the result page
    assert result == tus.uploads.info(upload_id, OWNER).result and tus.completed == [upload_id]


def test_empty_file_completes_at_creation(tus):
    upload_id = tus.create(0)
    assert tus.completed == [upload_id]
    assert tus.uploads.info(upload_id, OWNER).result == {"sha256": hashlib.sha256(b"").hexdigest()}


def test_delete_terminates(tus):
    upload_id = tus.create(4)
    tus.patch(upload_id, 0, b"ab")
    assert tus.call(rf.delete(f"/tus/{upload_id}/", **TUS), upload_id).status_code == 204
    assert tus.head(upload_id).status_code == 404
    assert tus.call(rf.delete(f"/tus/{upload_id}/", **TUS), upload_id).status_code == 404
