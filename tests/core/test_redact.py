"""Face redaction: known face boxes are covered by the blur mask and really blurred;
no metadata survives; the model is checked before use.

Coverage is measured against hand-labelled and pasted face boxes, never by asking the
detector whether it still finds a face afterwards (blurred blobs fool detectors both ways).
"""

from __future__ import annotations

import io
import subprocess

import av
import cv2
import numpy as np
import pytest
from PIL import Image

from marsad.core.redact import (
    Box,
    ModelIntegrityError,
    RedactionFailed,
    Region,
    parse_region,
    redact_photo,
    redact_video,
    samples,
)
from marsad.core.redact.boxes import interpolate
from marsad.core.redact.detect import FaceDetector
from marsad.core.redact.model import MODEL_SHA256, MODEL_SIZE, model_bytes

pytestmark = pytest.mark.once
pytest.importorskip("skimage", reason="scikit-image (the test extra) ships the sample photos with faces")

CANARIES = ["CANARY-SERIAL-7781", "CANARY-MODEL-X9", "CANARY-COMMENT-33", "CANARY-TRAILER-55", "CANARY-XMP-21",
            "كناري-سري", "CANARY-TITLE-12", "CANARY-ARTIST-4"]


@pytest.fixture(scope="module")
def detector() -> FaceDetector:
    return FaceDetector()


def _png(bgr: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(bgr[:, :, ::-1]).save(out, "PNG")
    return out.getvalue()


def _sharpness(bgr: np.ndarray, box: Box) -> float:
    x0, y0, x1, y1 = box.clip(bgr.shape[1], bgr.shape[0])
    grey = cv2.cvtColor(np.ascontiguousarray(bgr[y0:y1, x0:x1]), cv2.COLOR_BGR2GRAY)
    return float(cv2.Laplacian(grey, cv2.CV_64F).var())


def _exiftool(*paths) -> str:
    return subprocess.run(["exiftool", "-a", "-G1", "-ee", "-U", *map(str, paths)], capture_output=True,
                          text=True, check=True).stdout


def _leaks(data: bytes, text: str) -> list[str]:
    return [c for c in CANARIES if c.encode() in data or c in text]


def test_the_shipped_model_is_the_pinned_one_and_a_changed_one_is_refused():
    data = model_bytes()
    assert len(data) == MODEL_SIZE and MODEL_SHA256.startswith("8f2383e4")
    with pytest.raises(ModelIntegrityError, match="refuses to run"):
        model_bytes(data[:-1] + bytes([data[-1] ^ 1]))


def test_regions_parse_and_boxes_move_between_detections():
    assert parse_region("10,20,30,40") == Region(Box(10, 20, 30, 40))
    assert parse_region("1,2,3,4@1.5-3") == Region(Box(1, 2, 3, 4), 1.5, 3.0)
    assert parse_region("1,2,3,4@-3").start is None and parse_region("1,2,3,4@2-").end is None
    for bad in ("1,2,3", "1,2,0,4", "a,b,c,d", "1,2,3,4@5-2"):
        with pytest.raises(ValueError):
            parse_region(bad)
    region = parse_region("0,0,5,5@1-2")
    assert [region.active(t) for t in (0.5, 1, 2, 2.5, None)] == [False, True, True, False, True]
    assert Box(10, 10, 10, 20).enlarged(1.4) == pytest.approx(Box(8, 6, 14, 28))
    moving, leaving, arriving = Box(0, 0, 10, 10), Box(100, 100, 10, 10), Box(300, 0, 10, 10)
    mid = interpolate([moving, leaving], [Box(4, 0, 10, 10), arriving], 0.5)
    assert mid[0] == pytest.approx(Box(2, 0, 10, 10)) and leaving in mid and arriving in mid and len(mid) == 3


def test_known_faces_are_covered_and_blurred(detector):
    for name, bgr, truth in samples.labelled_photos():
        result = redact_photo(_png(bgr), detector=detector)
        out = np.array(Image.open(io.BytesIO(result.data)).convert("RGB"))[:, :, ::-1]
        assert out.shape == bgr.shape
        for box in truth:
            assert samples.coverage(box, result.rects, bgr.shape[:2]) >= 0.95, (name, box, result.rects)
            if box.w >= 24:  # the pixels really changed: fine detail is gone
                assert _sharpness(out, box) < 0.2 * _sharpness(bgr, box), (name, box)


def test_small_faces_need_the_upscale_pass(detector):
    bgr, truth = samples.composite([8, 12, 14], 160, 60, seed=1)
    assert len(detector.faces(bgr)) < 3  # at full resolution YuNet misses faces this small
    rects = redact_photo(_png(bgr), detector=detector).rects
    assert all(samples.coverage(b, rects, bgr.shape[:2]) >= 0.95 for b in truth)


def test_marked_regions_are_blurred_too(detector):
    bgr = samples.background(200, 100)
    result = redact_photo(_png(bgr), [Region(Box(10, 20, 30, 40))], detector=detector)
    assert (10, 20, 40, 60) in result.rects


def _with_metadata(bgr: np.ndarray, orientation: int = 1) -> bytes:
    img = Image.fromarray(bgr[:, :, ::-1])
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x0110] = "CANARY-MODEL-X9"
    exif.get_ifd(0x8769)[0xA431] = "CANARY-SERIAL-7781"  # BodySerialNumber
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (33.0, 30.0, 51.0), 3: "E", 4: (36.0, 17.0, 33.0)})
    xmp = ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
           '<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:source="CANARY-XMP-21 كناري-سري"/>'
           '</rdf:RDF></x:xmpmeta>')
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif, comment=b"CANARY-COMMENT-33", xmp=xmp.encode())
    return out.getvalue() + b"CANARY-TRAILER-55"


def test_no_metadata_survives_and_orientation_is_applied_first(detector, tmp_path):
    upright, truth = samples.composite([32, 48, 72], 480, 200, seed=2)
    stored = np.ascontiguousarray(np.rot90(upright, 1))  # orientation 6 turns it back clockwise
    original = tmp_path / "in.jpg"
    original.write_bytes(_with_metadata(stored, orientation=6))
    result = redact_photo(original, detector=detector)
    redacted = tmp_path / "out.jpg"
    redacted.write_bytes(result.data)
    before, after = _exiftool(original), _exiftool(redacted)
    # The scanner finds what it looks for: every photo canary is in the original.
    assert set(_leaks(original.read_bytes(), before)) >= set(CANARIES[:5]) and "GPS Latitude" in before
    assert not _leaks(result.data, after), after
    assert "GPS" not in after and "Orientation" not in after and "Serial" not in after
    assert result.data.endswith(b"\xff\xd9")
    assert (result.height, result.width) == upright.shape[:2]
    assert all(samples.coverage(b, result.rects, upright.shape[:2]) >= 0.95 for b in truth)


def test_video_faces_covered_every_frame_and_no_metadata(detector, tmp_path):
    src, dst = tmp_path / "in.mp4", tmp_path / "out.mp4"
    truth = samples.write_clip(src, seconds=2, fps=25, metadata={
        "title": "CANARY-TITLE-12", "artist": "CANARY-ARTIST-4", "comment": "كناري-سري",
        "location": "+33.5138+036.2765/"})
    marked = Region(Box(10, 10, 40, 40), 0.5, 1.0)
    result = redact_video(src, dst, [marked], detector=detector, keep_masks=True, threads=1)
    assert result.frames == len(truth) == 50 and result.detections >= 50 / 3 and result.audio
    for i, (box, rects) in enumerate(zip(truth, result.masks)):
        assert samples.coverage(box, rects, (720, 1280)) >= 0.95, (i, box, rects)
        assert ((10, 10, 50, 50) in rects) == (13 <= i <= 25), i  # t = i / 25 within [0.5, 1.0]
    with av.open(str(dst)) as out, av.open(str(src)) as inp:
        assert [s.type for s in out.streams] == ["video", "audio"]
        assert set(out.metadata) <= {"major_brand", "minor_version", "compatible_brands"}  # from the ftyp box
        assert not any("encoder" in s.metadata for s in out.streams)
        for i, (a, b) in enumerate(zip(inp.decode(video=0), out.decode(video=0))):
            if i % 24 == 0:
                assert _sharpness(b.to_ndarray(format="bgr24"), truth[i]) < 0.2 * _sharpness(
                    a.to_ndarray(format="bgr24"), truth[i])
    data, text = dst.read_bytes(), _exiftool(dst)
    original = src.read_bytes()
    assert b"x264" in original and b"Lavf" in original and "CANARY-TITLE-12" in _exiftool(src)
    assert not _leaks(data, text), text
    for tell in (b"x264", b"Lavf", b"Lavc", b"\xa9xyz", b"+33.5138"):
        assert tell not in data, tell
    assert "GPS" not in text and "Encoder" not in text


def test_video_frames_are_turned_upright_first():
    from marsad.core.redact.video import _upright

    img = np.arange(6, dtype=np.uint8).reshape(2, 3, 1).repeat(3, axis=2)

    class Frame:  # a phone's portrait video: FFmpeg's display matrix says -90 (counterclockwise), i.e. turn clockwise
        rotation = -90

        def to_ndarray(self, format):
            return img

    upright = _upright(Frame())
    assert upright.shape[:2] == (3, 2) and upright[0, -1, 0] == img[0, 0, 0] and upright[-1, -1, 0] == img[0, 2, 0]


def test_bad_input_is_a_clear_error(detector, tmp_path):
    with pytest.raises(RedactionFailed, match="cannot be decoded"):
        redact_photo(b"not a picture", detector=detector)
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 100)
    with pytest.raises(RedactionFailed):
        redact_video(bad, tmp_path / "out.mp4", detector=detector)
