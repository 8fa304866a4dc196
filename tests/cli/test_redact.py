"""`marsad redact` through the real command: a stored, recorded derivative with both hashes and the tool versions."""

import hashlib
import io
import json

import pytest
from PIL import Image

pytest.importorskip("skimage", reason="scikit-image (the test extra) ships the sample photos with faces")


@pytest.mark.once  # the same on either database
def test_redact_records_a_derivative_naming_both_hashes_and_the_tools(marsad, tmp_path):
    import cv2

    from marsad.core.redact import samples
    from marsad.core.redact.model import MODEL_SHA256

    bgr, _ = samples.composite([40, 64], 320, 180, seed=4)
    photo = tmp_path / "witness.jpg"
    buf = io.BytesIO()
    Image.fromarray(bgr[:, :, ::-1]).save(buf, "JPEG", comment=b"CANARY-COMMENT-91")
    photo.write_bytes(buf.getvalue())
    original = hashlib.sha256(photo.read_bytes()).hexdigest()
    marsad.run("ingest", str(photo))

    out = tmp_path / "public.jpg"
    said = marsad.run("redact", original[:12], "--out", str(out), "--box", "0,0,20,20").stdout
    redacted = hashlib.sha256(out.read_bytes()).hexdigest()
    assert f"redacted {redacted}" in said and "2 face(s) found, 1 marked region(s)" in said
    assert b"CANARY-COMMENT-91" not in out.read_bytes()

    index, _, text = marsad.run("log", "show", "--tail", "1").stdout.strip().partition("\t")
    leaf = json.loads(text)
    assert f"event #{index}" in said
    assert leaf["type"] == "derive" and leaf["item"] == original
    assert leaf["inputs"] == [{"sha256": original}] and leaf["outputs"][0]["sha256"] == redacted
    assert leaf["outputs"][0]["role"] == "redacted" and leaf["details"]  # the marked box, hashed into the leaf
    assert leaf["tool"]["model_sha256"] == MODEL_SHA256 and leaf["tool"]["opencv"] == cv2.__version__
    assert leaf["tool"]["pyav"]

    again = marsad.run("redact", original, "--box", "0,0,20,20").stdout
    assert "already recorded" in again and redacted in again
    assert "exists" in marsad.run("redact", original, "--out", str(out), check=1).stderr
    assert "not a region" in marsad.run("redact", original, "--box", "1,2", check=2).stderr
