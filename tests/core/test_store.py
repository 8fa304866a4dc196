"""The blob store's promises, checked on the local folder and on a real S3 server (SeaweedFS)."""

import hashlib
import os
import stat
import threading
import tracemalloc
import types
import uuid

import pytest

from marsad.core.store import (
    BlobChanged,
    BlobMissing,
    LocalStore,
    StoreError,
    open_store,
)
from marsad.core.store_s3 import S3Store


class Backend:
    """A store plus the means to go around it (as a careless admin or an attacker would)."""

    def __init__(self, store, kind: str, seaweed=None) -> None:
        self.store, self.kind, self.seaweed = store, kind, seaweed

    def overwrite(self, sha: str, data: bytes) -> None:
        if self.kind == "local":
            path = self.store.path(sha)
            path.chmod(0o644)
            path.write_bytes(data)
        else:  # an unconditional PUT: on a versioned bucket it adds a version, the locked one stays
            self.seaweed.client().put_object(Bucket=self.store.bucket, Key=self.store.key(sha), Body=data)

    def delete(self, sha: str) -> None:
        if self.kind == "local":
            self.store.path(sha).unlink()
        else:
            self.seaweed.client().delete_object(Bucket=self.store.bucket, Key=self.store.key(sha))


def s3_store(seaweed, lock: bool = True, **kwargs) -> S3Store:
    bucket = seaweed.make_bucket(f"t-{uuid.uuid4().hex[:12]}", object_lock=lock)
    kwargs.setdefault("retention_days", 1)
    return S3Store(bucket, "evidence/blobs", seaweed.client(), part_size=5 << 20, concurrency=1, **kwargs)


@pytest.fixture(params=["local", "s3"])
def backend(request, tmp_path) -> Backend:
    if request.param == "local":
        return Backend(LocalStore(tmp_path / "store"), "local")
    seaweed = request.getfixturevalue("seaweed")
    return Backend(s3_store(seaweed, cache=tmp_path / "cache"), "s3", seaweed)


def test_content_addressed_and_never_overwritten(backend, tmp_path):
    store = backend.store
    src = tmp_path / "a.bin"
    src.write_bytes(b"evidence")
    blob = store.put_file(src)
    assert blob.sha256 == hashlib.sha256(b"evidence").hexdigest()
    assert blob.blake2b == hashlib.blake2b(b"evidence").hexdigest()
    assert blob.created and blob.size == 8
    with store.open(blob.sha256) as f:
        assert f.read() == b"evidence"
    assert store.exists(blob.sha256)
    again = store.put_bytes(b"evidence")
    assert not again.created and again.sha256 == blob.sha256
    assert list(store) == [blob.sha256]
    assert store.digest(blob.sha256) == (blob.sha256, blob.blake2b, 8)
    assert store.path(blob.sha256).read_bytes() == b"evidence"  # S3: a verified copy in the local cache


def test_local_blobs_are_read_only_and_leave_no_temporary_files(tmp_path):
    store = LocalStore(tmp_path / "store")
    blob = store.put_bytes(b"evidence")
    assert not os.stat(store.path(blob.sha256)).st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    assert not any((tmp_path / "store" / "tmp").iterdir())


def test_temporary_files_of_dead_processes_are_swept(tmp_path):
    store = LocalStore(tmp_path / "store")
    store.tmp.mkdir(parents=True)
    (store.tmp / "999999999-dead.part").write_bytes(b"half")
    (store.tmp / f"{os.getpid()}-live.part").write_bytes(b"busy")
    assert store.sweep_temporary() == 1
    assert [p.name for p in store.tmp.iterdir()] == [f"{os.getpid()}-live.part"]


def test_large_file_is_streamed_not_loaded(backend, tmp_path):
    store = backend.store
    big = tmp_path / "big.bin"
    chunk = os.urandom(1 << 20)
    with open(big, "wb") as f:
        f.writelines(chunk for _ in range(64))
    tracemalloc.start()
    blob = store.put_file(big)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert blob.size == 64 << 20 and blob.created
    assert peak < 16 << 20, f"peak {peak} bytes while storing 64 MiB"
    assert store.digest(blob.sha256)[:2] == (blob.sha256, blob.blake2b)
    assert blob.blake2b == hashlib.blake2b(big.read_bytes()).hexdigest()
    assert store.put_file(big) == blob.__class__(blob.sha256, blob.blake2b, blob.size, created=False)


def test_symlink_and_special_files_are_refused(backend, tmp_path):
    store = backend.store
    (tmp_path / "real").write_bytes(b"x")
    os.symlink(tmp_path / "real", tmp_path / "link")
    with pytest.raises(OSError):
        store.put_file(tmp_path / "link")
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(StoreError, match="not a regular file"):
        store.put_file(tmp_path / "fifo")  # must neither hang nor store anything
    assert list(store) == []


def test_bad_address_is_rejected(backend):
    with pytest.raises(StoreError, match="not a SHA-256"):
        backend.store.open("../../etc/passwd")
    with pytest.raises(StoreError, match="not a SHA-256"):
        backend.store.exists("ab" * 31 + "/x")


def test_missing_blob_is_named(backend):
    sha = hashlib.sha256(b"never stored").hexdigest()
    assert not backend.store.exists(sha)
    with pytest.raises(BlobMissing):
        backend.store.open(sha)
    with pytest.raises(BlobMissing):
        backend.store.digest(sha)


def test_verified_read_catches_an_overwrite_around_the_store(backend):
    store = backend.store
    blob = store.put_bytes(b"original evidence")
    with store.open(blob.sha256, verify=blob.blake2b) as f:
        assert f.read() == b"original evidence"
    backend.overwrite(blob.sha256, b"forged evidence!!")
    with pytest.raises(BlobChanged, match=blob.sha256), store.open(blob.sha256, verify=True) as f:
        f.read()
    assert store.digest(blob.sha256)[0] != blob.sha256  # what `marsad fixity` reports as CHANGED


def test_two_writers_of_the_same_bytes_store_it_once(backend):
    data = os.urandom(1 << 16)
    results = []
    threads = [threading.Thread(target=lambda: results.append(backend.store.put_bytes(data))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.created for r in results) == [False, False, False, True]
    assert list(backend.store) == [hashlib.sha256(data).hexdigest()]


def test_open_store_picks_the_backend(tmp_path, seaweed, monkeypatch):
    assert isinstance(open_store(tmp_path / "s"), LocalStore)
    for name, value in seaweed.env.items():
        monkeypatch.setenv(name, value)
    bucket = seaweed.make_bucket(f"t-{uuid.uuid4().hex[:12]}")
    store = open_store(f"s3://{bucket}/a/b", retention_days=30)
    assert isinstance(store, S3Store) and store.prefix == "a/b" and str(store) == f"s3://{bucket}/a/b"
    blob = store.put_bytes(b"through the environment's endpoint")
    assert store.key(blob.sha256) == f"a/b/{blob.sha256[:2]}/{blob.sha256[2:4]}/{blob.sha256}"
    assert store.retention(blob.sha256) is None  # the bucket has no Object Lock: nothing to set
    with pytest.raises(StoreError, match="no bucket"):
        S3Store("no-such-bucket-here", client=seaweed.client(), retention_days=1).put_bytes(b"x")


# -- S3 only: what the server enforces ----------------------------------------------------------------------


def test_locked_object_cannot_be_deleted_or_replaced(seaweed):
    from botocore.exceptions import ClientError

    store = s3_store(seaweed, retention_days=30)
    blob = store.put_bytes(b"locked evidence")
    mode, until = store.retention(blob.sha256)
    assert mode == "COMPLIANCE" and 29 <= (until - until.now(until.tzinfo)).days <= 30
    client = seaweed.client()
    key = store.key(blob.sha256)
    version = client.head_object(Bucket=store.bucket, Key=key)["VersionId"]
    with pytest.raises(ClientError) as refused:
        client.delete_object(Bucket=store.bucket, Key=key, VersionId=version)
    assert refused.value.response["Error"]["Code"] == "AccessDenied"
    with pytest.raises(ClientError) as refused:
        client.put_object(Bucket=store.bucket, Key=key, Body=b"forged", IfNoneMatch="*")
    assert refused.value.response["Error"]["Code"] == "PreconditionFailed"
    # Going around both: a plain DELETE only hides the object behind a marker; the store reports it
    # missing, and the locked version is still there to restore from.
    client.delete_object(Bucket=store.bucket, Key=key)
    assert not store.exists(blob.sha256)
    kept = client.get_object(Bucket=store.bucket, Key=key, VersionId=version)["Body"].read()
    assert kept == b"locked evidence"


def test_large_blob_in_a_locked_bucket_is_locked_and_keeps_its_blake2b(seaweed, tmp_path):
    store = s3_store(seaweed, retention_days=2)
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom((12 << 20) + 3))  # three parts
    blob = store.put_file(big)
    assert store.retention(blob.sha256)[0] == "COMPLIANCE"
    assert store.blake2b(blob.sha256) == blob.blake2b == hashlib.blake2b(big.read_bytes()).hexdigest()


def test_a_file_that_changes_while_stored_leaves_nothing(seaweed, tmp_path, monkeypatch):
    store = s3_store(seaweed, lock=False)
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(11 << 20))
    asked = store.exists

    def meanwhile_someone_edits_it(sha):  # between the address pass and the upload
        with open(big, "r+b") as f:
            f.seek(6 << 20)
            f.write(b"edited")
        return asked(sha)

    monkeypatch.setattr(store, "exists", meanwhile_someone_edits_it)
    with pytest.raises(StoreError, match="changed while it was being stored"):
        store.put_file(big)
    assert list(store) == []
    assert not seaweed.client().list_multipart_uploads(Bucket=store.bucket).get("Uploads")


def test_the_server_refuses_a_part_whose_bytes_differ_from_its_checksum(seaweed, tmp_path, monkeypatch):
    """The second line of defence: if the client's own check were fooled, the part's CRC32 is the first read's."""
    from marsad.core import store_s3

    store = s3_store(seaweed, lock=False)
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(11 << 20))
    # Both reads now "compute" CRC32 0 for every part, so the client's comparison passes; the server's does not.
    monkeypatch.setattr(store_s3, "zlib", types.SimpleNamespace(crc32=lambda data: 0))
    with pytest.raises(StoreError, match="changed while it was being stored"):
        store.put_file(big)
    assert list(store) == []


def test_unreachable_server_is_a_store_error(tmp_path):
    import boto3
    from botocore.config import Config

    client = boto3.session.Session().client(
        "s3", endpoint_url="http://127.0.0.1:9", aws_access_key_id="x", aws_secret_access_key="y",
        region_name="us-east-1", config=Config(retries={"max_attempts": 1}, connect_timeout=1))
    with pytest.raises(StoreError, match="cannot reach"):
        S3Store("b", client=client).put_bytes(b"x")
