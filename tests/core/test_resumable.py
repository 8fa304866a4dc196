"""Resumable uploads (tus 1.0 server side): offsets, interruption, limits, ownership."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import time
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marsad.core.resumable import (
    ID_RE,
    BadRequest,
    Locked,
    NotFound,
    OffsetMismatch,
    TooLarge,
    Uploads,
    encode_metadata,
    parse_metadata,
)

OWNER = "user:1"


class CutStream(io.RawIOBase):
    """A request body whose connection drops after `arrive` bytes."""

    def __init__(self, data: bytes, arrive: int) -> None:
        self.data, self.arrive, self.pos = data, arrive, 0

    def read(self, n: int = -1) -> bytes:
        if self.pos >= self.arrive:
            raise OSError("connection reset by peer")
        piece = self.data[self.pos:min(self.pos + n, self.arrive)]
        self.pos += len(piece)
        return piece


@pytest.fixture
def uploads(tmp_path) -> Uploads:
    return Uploads(tmp_path / "uploads", max_size=10 << 20)


def test_create_gives_random_ids_and_private_files(uploads):
    a = uploads.create(10, {"filename": "a.jpg"}, OWNER)
    b = uploads.create(10, {}, OWNER)
    assert a != b and ID_RE.fullmatch(a) and ID_RE.fullmatch(b)
    assert uploads.offset(a, OWNER) == 0
    assert oct(uploads.folder.stat().st_mode & 0o777) == "0o700"
    assert {oct(p.stat().st_mode & 0o777) for p in uploads.folder.iterdir()} == {"0o600"}
    info = uploads.info(a, OWNER)
    assert (info.length, info.offset, info.metadata, info.complete) == (10, 0, {"filename": "a.jpg"}, False)
    assert abs(info.created.timestamp() - time.time()) < 60


def test_chunks_append_and_complete(uploads):
    data = os.urandom(3000)
    upload_id = uploads.create(len(data), {}, OWNER)
    assert uploads.append(upload_id, OWNER, 0, io.BytesIO(data[:1000]), 1000) == 1000
    assert uploads.append(upload_id, OWNER, 1000, io.BytesIO(data[1000:]), 2000) == 3000
    assert uploads.info(upload_id, OWNER).complete
    assert uploads.path(upload_id).read_bytes() == data


def test_interrupted_chunk_keeps_what_arrived_and_resumes(uploads):
    data = os.urandom(5 << 20)
    upload_id = uploads.create(len(data), {}, OWNER)
    with pytest.raises(OSError):
        uploads.append(upload_id, OWNER, 0, CutStream(data, 1_234_567), len(data))
    # What the client's HEAD would now see: the bytes that did arrive.
    assert uploads.offset(upload_id, OWNER) == 1_234_567
    with pytest.raises(OffsetMismatch):
        uploads.append(upload_id, OWNER, 0, io.BytesIO(data), len(data))
    rest = data[1_234_567:]
    assert uploads.append(upload_id, OWNER, 1_234_567, io.BytesIO(rest), len(rest)) == len(data)
    assert uploads.path(upload_id).read_bytes() == data


def test_stream_that_ends_early_keeps_what_came(uploads):
    upload_id = uploads.create(100, {}, OWNER)
    assert uploads.append(upload_id, OWNER, 0, io.BytesIO(b"x" * 30), 50) == 30
    assert uploads.offset(upload_id, OWNER) == 30


def test_wrong_offset_reports_current_offset(uploads):
    upload_id = uploads.create(100, {}, OWNER)
    uploads.append(upload_id, OWNER, 0, io.BytesIO(b"a" * 40), 40)
    for wrong in (0, 39, 41, 100):
        with pytest.raises(OffsetMismatch) as caught:
            uploads.append(upload_id, OWNER, wrong, io.BytesIO(b"b" * 10), 10)
        assert caught.value.offset == 40
    assert uploads.path(upload_id).read_bytes() == b"a" * 40


def test_over_length_refused(uploads):
    with pytest.raises(TooLarge):
        uploads.create(uploads.max_size + 1, {}, OWNER)
    with pytest.raises(BadRequest):
        uploads.create(-1, {}, OWNER)
    upload_id = uploads.create(10, {}, OWNER)
    with pytest.raises(TooLarge):
        uploads.append(upload_id, OWNER, 0, io.BytesIO(b"z" * 11), 11)
    assert uploads.offset(upload_id, OWNER) == 0  # nothing written
    # A stream that sends more than it declared is cut at the declared length.
    assert uploads.append(upload_id, OWNER, 0, io.BytesIO(b"z" * 50), 10) == 10


@pytest.mark.parametrize("bad", [
    "../../etc/passwd", "..", "", "a" * 21, "a" * 23, "aaaaaaaaaaaaaaaaaaaa/a", "a" * 22 + "\n",
    "/etc/passwd", "aaaaaaaaaaaaaaaaaaaa.a", "%2e%2e%2f", None,
])
def test_traversal_and_malformed_ids_refused(uploads, bad):
    uploads.create(1, {}, OWNER)
    for call in (
        lambda: uploads.offset(bad, OWNER),
        lambda: uploads.info(bad, OWNER),
        lambda: uploads.append(bad, OWNER, 0, io.BytesIO(b"x"), 1),
        lambda: uploads.delete(bad, OWNER),
        lambda: uploads.path(bad),
    ):
        with pytest.raises(NotFound):
            call()


def test_another_owner_sees_not_found(uploads):
    upload_id = uploads.create(10, {"filename": "secret.mp4"}, OWNER)
    with pytest.raises(NotFound) as others:
        uploads.info(upload_id, "user:2")
    with pytest.raises(NotFound) as missing:
        uploads.info("A" * 22, OWNER)
    assert type(others.value) is type(missing.value)  # the same error either way
    for call in (
        lambda: uploads.offset(upload_id, "user:2"),
        lambda: uploads.append(upload_id, "user:2", 0, io.BytesIO(b"x"), 1),
        lambda: uploads.delete(upload_id, "user:2"),
        lambda: uploads.finish(upload_id, "user:2", lambda _: None),
    ):
        with pytest.raises(NotFound):
            call()
    assert uploads.offset(upload_id, OWNER) == 0


def test_delete_and_expire(uploads):
    gone = uploads.create(5, {}, OWNER)
    uploads.delete(gone, OWNER)
    with pytest.raises(NotFound):
        uploads.offset(gone, OWNER)
    old, fresh = uploads.create(5, {}, OWNER), uploads.create(5, {}, OWNER)
    orphan = "B" * 22  # a crash between creating the data file and its sidecar
    (uploads.folder / f"{orphan}.data").write_bytes(b"")
    long_ago = time.time() - 3 * 86400
    for name in (f"{old}.data", f"{old}.json", f"{orphan}.data"):
        os.utime(uploads.folder / name, (long_ago, long_ago))
    assert sorted(uploads.expire(timedelta(days=1))) == sorted([old, orphan])
    assert uploads.offset(fresh, OWNER) == 0
    assert sorted(p.name for p in uploads.folder.iterdir()) == [f"{fresh}.data", f"{fresh}.json"]


def test_locked_while_another_request_writes(uploads):
    upload_id = uploads.create(10, {}, OWNER)

    class Reentrant(io.RawIOBase):
        """A request that arrives while the first is still streaming."""
        def read(self, n=-1):
            with pytest.raises(Locked):
                uploads.append(upload_id, OWNER, 0, io.BytesIO(b"y"), 1)
            with pytest.raises(Locked):
                uploads.delete(upload_id, OWNER)
            return b""

    assert uploads.append(upload_id, OWNER, 0, Reentrant(), 10) == 0


def test_finish_runs_once_and_stores_result(uploads):
    upload_id = uploads.create(3, {}, OWNER)
    calls = []
    with pytest.raises(BadRequest):
        uploads.finish(upload_id, OWNER, calls.append)
    uploads.append(upload_id, OWNER, 0, io.BytesIO(b"abc"), 3)

    def failing(_):
        raise RuntimeError("database down")

    with pytest.raises(RuntimeError):
        uploads.finish(upload_id, OWNER, failing)
    assert not uploads.info(upload_id, OWNER).finished

    def ingest(i):
        calls.append(i)
        return {"sha256": hashlib.sha256(uploads.path(i).read_bytes()).hexdigest(), "status": "new"}

    first = uploads.finish(upload_id, OWNER, ingest)
    assert uploads.finish(upload_id, OWNER, ingest) == first
    assert calls == [upload_id]
    info = uploads.info(upload_id, OWNER)
    assert info.finished and info.result == first
    assert json.loads((uploads.folder / f"{upload_id}.json").read_text())["result"] == first


def test_metadata_parsing():
    name = "قصف_حلب ٢٠٢٤.mp4"
    header = f"filename {base64.b64encode(name.encode()).decode()},relativePath ,filetype dmlkZW8vbXA0,is_confidential"
    assert parse_metadata(header) == {"filename": name, "relativePath": "", "filetype": "video/mp4",
                                      "is_confidential": ""}
    assert parse_metadata("") == parse_metadata(None) == {}
    for bad in ("filename !!!!", "a b c", "a YQ==,a Yg==", " ,a YQ==", "k " + base64.b64encode(b"\xff").decode(),
                "ключ YQ=="):
        with pytest.raises(BadRequest):
            parse_metadata(bad)


@given(st.dictionaries(st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters=","),
                               min_size=1, max_size=20), st.text(max_size=50), max_size=6))
def test_metadata_round_trip(metadata):
    assert parse_metadata(encode_metadata(metadata)) == metadata


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(min_size=0, max_size=4096), cuts=st.lists(st.integers(0, 4096), max_size=12),
       breaks=st.lists(st.integers(0, 4096), max_size=4))
def test_random_chunkings_reassemble_identically(tmp_path, data, cuts, breaks):
    uploads = Uploads(tmp_path / os.urandom(6).hex(), max_size=4096)
    upload_id = uploads.create(len(data), {}, OWNER)
    bounds = sorted({0, len(data), *(c for c in cuts if c <= len(data))})
    pending_breaks = sorted(b for b in breaks if b < len(data))
    offset = 0
    for end in bounds[1:]:
        while offset < end:
            # Some chunks are cut mid-transfer; the client asks for the offset and resends the rest.
            cut = next((b for b in pending_breaks if offset <= b < end), None)
            if cut is not None:
                pending_breaks.remove(cut)
                with pytest.raises(OSError):
                    uploads.append(upload_id, OWNER, offset, CutStream(data[offset:end], cut - offset), end - offset)
                offset = uploads.offset(upload_id, OWNER)
                assert offset == cut
            else:
                offset = uploads.append(upload_id, OWNER, offset, io.BytesIO(data[offset:end]), end - offset)
    assert uploads.info(upload_id, OWNER).complete
    assert hashlib.sha256(uploads.path(upload_id).read_bytes()).digest() == hashlib.sha256(data).digest()
