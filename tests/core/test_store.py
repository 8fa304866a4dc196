import hashlib
import os
import stat
import tracemalloc

import pytest

from marsad.core.store import LocalStore, StoreError


def test_content_addressed_read_only_and_never_overwritten(tmp_path):
    store = LocalStore(tmp_path / "store")
    src = tmp_path / "a.bin"
    src.write_bytes(b"evidence")
    blob = store.put_file(src)
    assert blob.sha256 == hashlib.sha256(b"evidence").hexdigest()
    assert blob.blake2b == hashlib.blake2b(b"evidence").hexdigest()
    assert blob.created and blob.size == 8
    path = store.path(blob.sha256)
    assert path.read_bytes() == b"evidence"
    assert not os.stat(path).st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    again = store.put_bytes(b"evidence")
    assert not again.created and again.sha256 == blob.sha256
    assert list(store) == [blob.sha256]
    assert not any((tmp_path / "store" / "tmp").iterdir())


def test_large_file_is_streamed_not_loaded(tmp_path):
    store = LocalStore(tmp_path / "store")
    big = tmp_path / "big.bin"
    chunk = os.urandom(1 << 20)
    with open(big, "wb") as f:
        for _ in range(64):
            f.write(chunk)
    tracemalloc.start()
    blob = store.put_file(big)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert blob.size == 64 << 20
    assert peak < 16 << 20, f"peak {peak} bytes while storing 64 MiB"
    assert store.digest(blob.sha256)[0] == blob.sha256


def test_symlink_and_special_files_are_refused(tmp_path):
    store = LocalStore(tmp_path / "store")
    (tmp_path / "real").write_bytes(b"x")
    os.symlink(tmp_path / "real", tmp_path / "link")
    with pytest.raises(OSError):
        store.put_file(tmp_path / "link")
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(StoreError, match="not a regular file"):
        store.put_file(tmp_path / "fifo")  # must neither hang nor store anything


def test_temporary_files_of_dead_processes_are_swept(tmp_path):
    store = LocalStore(tmp_path / "store")
    store.tmp.mkdir(parents=True)
    (store.tmp / "999999999-dead.part").write_bytes(b"half")
    (store.tmp / f"{os.getpid()}-live.part").write_bytes(b"busy")
    assert store.sweep_temporary() == 1
    assert [p.name for p in store.tmp.iterdir()] == [f"{os.getpid()}-live.part"]


def test_bad_address_is_rejected(tmp_path):
    with pytest.raises(StoreError):
        LocalStore(tmp_path).path("../../etc/passwd")
