"""The real `marsad` command on generated evidence: ingest, look, re-run, bad input."""

import os
import shutil

import pytest

from marsad.demo.samples import write_video


def _sample_root(samples):
    return samples["photo"].parents[2]


def test_sample_set_is_preserved_described_and_thumbnailed(marsad, samples):
    proc = marsad.run("ingest", str(_sample_root(samples)), check=1)  # two damaged files: exit 1
    assert "new items" in proc.stdout and "analysis failed" in proc.stdout
    items = marsad.json("items")
    assert len(items) == 12  # 13 files, one a renamed duplicate
    by_sha = {i["sha256"]: i for i in items}
    for item in items:
        assert {"sha256", "kind", "size", "mime", "captures", "captured_at", "gps"} <= item.keys()
    duplicate = [i for i in items if i["captures"] == 2]
    assert len(duplicate) == 1 and duplicate[0]["kind"] == "image"
    photo = duplicate[0]
    assert photo["captured_at"] == "2019-05-04T09:12:00+03:00"
    assert photo["gps"] == {"lat": pytest.approx(35.6136, abs=1e-4), "lon": pytest.approx(36.5614, abs=1e-4)}
    assert photo["device"] == "samsung SM-G950F"
    videos = marsad.json("items", "--kind", "video")
    assert len(videos) == 4
    good = [v for v in videos if v["analysis"] == "done"]
    assert sorted((v["width"], v["height"]) for v in good) == [(480, 848), (640, 360), (1280, 720)]
    assert all(v["codec"] == "h264" and v["duration_s"] > 2 for v in good)
    pdf = [i for i in items if i["mime"] == "application/pdf"]
    assert len(pdf) == 1 and pdf[0]["kind"] == "document"

    detail = marsad.json("show", good[0]["sha256"][:10])
    assert {d["role"] for d in detail["derivatives"]} == {"poster", "contact_sheet"}
    assert [e["type"] for e in detail["events"]][:2] == ["ingest", "capture"]
    thumbs = marsad.json("show", photo["sha256"])["derivatives"]
    assert [t["role"] for t in thumbs] == ["thumbnail"]
    from PIL import Image

    store = marsad.home / "store"
    thumb_path = store / thumbs[0]["sha256"][:2] / thumbs[0]["sha256"][2:4] / thumbs[0]["sha256"]
    with Image.open(thumb_path) as img:
        assert max(img.size) == 320
        assert not img.getexif(), "thumbnails must carry no metadata (GPS!)"

    failed = {i["mime"]: i["analysis_errors"] for i in items if i["analysis"] == "failed"}
    assert set(failed) == {"image/jpeg", "video/mp4"}
    assert "truncated" in failed["image/jpeg"][0]["reason"]
    assert "Invalid data" in failed["video/mp4"][0]["reason"]
    assert by_sha  # every item listed once

    again = marsad.run("ingest", str(_sample_root(samples)), check=1)
    assert marsad.json("items") == items, "a re-run adds nothing"
    assert "already recorded" in again.stdout
    verify = marsad.run("log", "verify")
    assert "OK" in verify.stdout


def test_since_and_unknown_workspace(marsad, samples, tmp_path):
    marsad.run("ingest", str(samples["pdf"]))
    assert len(marsad.json("items", "--since", "2000-01-01")) == 1
    assert marsad.json("items", "--since", "2999-01-01") == []
    env = marsad.env | {"MARSAD_HOME": str(tmp_path / "nowhere")}
    from tests.conftest import Marsad

    proc = Marsad(tmp_path / "nowhere", env).run("items", check=1)
    assert "no Marsad workspace" in proc.stderr and "marsad init" in proc.stderr


def test_bad_input_is_preserved_recorded_and_reported(marsad, samples, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.jpg").write_bytes(b"")
    good_jpeg = samples["photo"].read_bytes()
    (bad / "truncated.jpg").write_bytes(good_jpeg[: len(good_jpeg) // 2])
    video = samples["video"].read_bytes()
    (bad / "truncated.mp4").write_bytes(video[: len(video) // 3])
    (bad / "notes.mp4").write_text("this is a text file named like a video\n")
    os.makedirs(bad / "sub")
    with open(os.path.join(os.fsencode(bad / "sub"), b"caf\xe9-\xff.jpg"), "wb") as f:
        f.write(good_jpeg[:-1] + b"\x00")  # distinct bytes, name not UTF-8
    secret = bad / "unreadable.jpg"
    secret.write_bytes(b"locked")
    secret.chmod(0)
    os.symlink("/etc/passwd", bad / "escape.txt")

    # As root, permissions do not bind; drop the override capabilities to meet a real unreadable file.
    if os.geteuid() == 0 and not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv (util-linux): cannot make a file unreadable")
    prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search",
              "--inh-caps=-dac_override,-dac_read_search"] if os.geteuid() == 0 else []
    proc = marsad.run("ingest", str(bad), check=1, prefix=prefix)
    out = proc.stdout
    assert "unreadable.jpg: cannot read" in out
    assert "escape.txt: symlink points outside" in out

    items = {i["size"]: i for i in marsad.json("items")}
    assert items[0]["kind"] == "other" and items[0]["mime"].endswith("x-empty")
    text = next(i for i in items.values() if i["mime"] == "text/plain")
    assert text["kind"] == "document", "kind comes from content, not from the .mp4 name"
    truncated = next(i for i in items.values() if i["mime"] == "video/mp4")
    assert truncated["analysis"] == "failed" and truncated["analysis_errors"]
    half_jpeg = items[len(good_jpeg) // 2]
    assert half_jpeg["kind"] == "image" and half_jpeg["analysis"] == "failed"
    assert len(items) == 5  # all but the unreadable file and the symlink are preserved
    odd = marsad.json("show", items[len(good_jpeg)]["sha256"])
    assert odd["captures"][0]["original_name"] == "caf\ufffd-\ufffd.jpg"
    assert "OK" in marsad.run("log", "verify").stdout


def _make_small_jpegs(folder, count):
    import numpy as np
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        pixels = np.random.default_rng(n).integers(0, 256, (32, 48, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(folder / f"{n:04d}.jpg")


def test_kill_9_mid_ingest_then_rerun_finishes_cleanly(marsad, tmp_path):
    import signal
    import time

    folder = tmp_path / "dump"
    _make_small_jpegs(folder, 300)
    proc = marsad.popen("ingest", str(folder), start_new_session=True, stdout=open(os.devnull, "w"),
                        stderr=open(os.devnull, "w"))
    store = marsad.home / "store"
    deadline = time.time() + 120
    while time.time() < deadline:
        blobs = sum(len(f) for _, _, f in os.walk(store))
        if blobs >= 60:
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert blobs < 300 + 300, "killed too late to test anything"

    marsad.run("ingest", str(folder))
    items = marsad.json("items")
    assert len(items) == 300 and all(i["captures"] == 1 for i in items)
    assert all(i["analysis"] == "done" for i in items)
    fixity = marsad.run("fixity").stdout
    assert "0 problem(s), 0 orphan(s)" in fixity, fixity
    assert not any((store / "tmp").iterdir()), "no half-written file left in the store"
    assert "OK" in marsad.run("log", "verify").stdout


def test_two_ingests_on_overlapping_folders_at_once(marsad, tmp_path):
    _make_small_jpegs(tmp_path / "a", 60)
    _make_small_jpegs(tmp_path / "b", 60)  # same bytes as a/, other paths
    write_video(tmp_path / "a" / "clip.mp4", (160, 120), 1, 10, __import__("random").Random(5))
    first = marsad.popen("ingest", str(tmp_path / "a"), str(tmp_path / "b"), stdout=-1, stderr=-1, text=True)
    second = marsad.popen("ingest", str(tmp_path / "b"), str(tmp_path / "a"), stdout=-1, stderr=-1, text=True)
    out1, err1 = first.communicate(timeout=300)
    out2, err2 = second.communicate(timeout=300)
    assert first.returncode == 0, out1 + err1
    assert second.returncode == 0, out2 + err2
    items = marsad.json("items")
    assert len(items) == 61
    assert sorted({i["captures"] for i in items}) == [1, 2]  # a/ and b/ copies; the clip once
    assert "OK" in marsad.run("log", "verify").stdout
