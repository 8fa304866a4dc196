"""`marsad watch`: a file is ingested once, whole, after it stops growing."""

import os
import signal
import time

from marsad.cli.watch import unfinished


def _wait_for(predicate, timeout=60.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.3)
    return False


def test_a_growing_file_is_ingested_once_whole(marsad, tmp_path):
    inbox = tmp_path / "phone-sync"
    inbox.mkdir()
    watcher = marsad.popen("watch", str(inbox), "--interval", "0.2", "--settle", "1.5")
    try:
        path = inbox / "VID-20190505.bin"
        with open(path, "wb") as f:
            for _ in range(5):  # written over ~2 s, never still for the settle time
                f.write(os.urandom(100_000))
                f.flush()
                time.sleep(0.4)
        (inbox / "video.mp4.crdownload").write_bytes(b"partial download")
        assert _wait_for(lambda: marsad.json("items"))
        time.sleep(2.5)  # more looks: nothing ingested twice, the partial download left alone
        items = marsad.json("items")
        assert [i["size"] for i in items] == [500_000], "ingested once, whole"
        (inbox / "report.txt").write_text("second file")
        assert _wait_for(lambda: len(marsad.json("items")) == 2)
    finally:
        watcher.send_signal(signal.SIGINT)
        assert watcher.wait(timeout=120) == 0, "a stop request finishes the batch in hand, then exits"
    assert "OK" in marsad.run("log", "verify").stdout


def test_once_ingests_what_has_settled_and_stops(marsad, tmp_path):
    inbox = tmp_path / "drive"
    inbox.mkdir()
    (inbox / "a.txt").write_text("a report")
    run = marsad.run("watch", str(inbox), "--once", "--interval", "0.1", "--settle", "0.3", timeout=120)
    assert "new" in run.stdout
    assert len(marsad.json("items")) == 1


def test_names_of_unfinished_files():
    assert unfinished("clip.mp4.part") and unfinished(".sync-tmp") and unfinished("x.crdownload")
    assert not unfinished("VID-20190505-WA0003.mp4")
