"""Copies of a video and a photo are found and linked through the real command."""

import numpy as np
from PIL import Image, ImageOps

from tests.core.test_fingerprints import _textured_frames, _write


def test_video_copies_are_linked_and_the_earliest_comes_first(marsad, samples, tmp_path):
    folder = tmp_path / "channel-posts"
    folder.mkdir()
    frames = _textured_frames(60)
    _write(folder / "original.mp4", frames, (320, 180))
    boxed = []
    for f in frames:
        canvas = np.zeros((320, 320, 3), np.uint8)
        canvas[70:250] = f
        boxed.append(canvas)
    _write(folder / "letterboxed.mp4", boxed, (320, 320))
    _write(folder / "mirrored.mp4", [np.ascontiguousarray(f[:, ::-1]) for f in frames], (320, 180))
    _write(folder / "unrelated.mp4", _textured_frames(40, seed=99), (320, 180))
    marsad.run("ingest", str(folder), str(samples["photo"]))
    by_name = {}
    for item in marsad.json("items"):
        name = marsad.json("show", item["sha256"])["captures"][0]["original_name"]
        by_name[name] = item["sha256"]
    copies = marsad.json("copies", by_name["original.mp4"])
    members = {c["sha256"] for c in copies}
    assert members == {by_name["original.mp4"], by_name["letterboxed.mp4"], by_name["mirrored.mp4"]}
    reasons = " ".join(link["reason"] for c in copies for link in c["links"])
    assert "frames match" in reasons and "found by searching with its mirror image" in reasons
    assert marsad.json("copies", by_name["unrelated.mp4"])[0]["links"] == []

    trimmed = tmp_path / "trimmed.mp4"  # not ingested: "have we seen this?"
    _write(trimmed, frames[15:45], (320, 180))
    similar = marsad.json("similar", str(trimmed))
    assert by_name["original.mp4"] in {s["sha256"] for s in similar}
    assert "OK" in marsad.run("log", "verify").stdout


def test_photo_copy_found_and_earliest_by_capture_time(marsad, samples, tmp_path):
    marsad.run("ingest", str(samples["photo"]))
    copy = tmp_path / "forwarded.jpg"
    with Image.open(samples["photo"]) as img:
        ImageOps.mirror(img).resize((img.width // 2, img.height // 2)).save(copy, quality=35)
    marsad.run("ingest", str(copy))
    original = marsad.json("items", "--since", "2000-01-01")
    copies = marsad.json("copies", original[0]["sha256"])
    assert len(copies) == 2
    assert copies[0]["earliest_source"].startswith("capture metadata")  # the EXIF-dated original first
    assert copies[1]["earliest"] is None  # the forwarded copy lost its metadata


def test_a_lost_or_damaged_index_is_rebuilt_from_the_database(marsad, samples, tmp_path):
    import shutil

    marsad.run("ingest", str(samples["photo"]))
    original = marsad.json("items")[0]["sha256"]
    copy = tmp_path / "reposted.jpg"
    with Image.open(samples["photo"]) as img:
        img.resize((img.width // 2, img.height // 2)).save(copy, quality=40)
    assert [s["sha256"] for s in marsad.json("similar", str(copy))] == [original]

    shutil.rmtree(marsad.home / "index")  # lost: nothing is found, nothing fails
    assert marsad.json("similar", str(copy)) == []
    out = marsad.run("index", "rebuild").stdout
    assert "Indexed" in out and "hashes" in out
    assert [s["sha256"] for s in marsad.json("similar", str(copy))] == [original]

    current = (marsad.home / "index" / "hashes" / "CURRENT").read_text()
    (marsad.home / "index" / "hashes" / f"gen-{current}" / "hashes.npy").write_bytes(b"damaged")
    failed = marsad.run("similar", str(copy), check=None)
    assert failed.returncode != 0
    marsad.run("index", "rebuild")
    assert [s["sha256"] for s in marsad.json("similar", str(copy))] == [original]

    # Fingerprints made by this release are current: nothing to fingerprint again.
    report = marsad.json("index", "refingerprint")
    assert report == {"refingerprinted": [], "failed": {}, "current": 1, "new_links": 0}
    assert "0 item(s)" in marsad.run("index", "refingerprint").stdout
