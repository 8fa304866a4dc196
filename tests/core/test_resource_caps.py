"""Resource bombs: a picture declaring more pixels than MARSAD_MAX_PIXELS is a recorded
analysis failure, never decoded; a web archive record decompressing far beyond the
archive's size is a named failure, the rest of the archive kept."""

import io
import struct
import time
import zipfile
import zlib

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from marsad.core import thumbnails
from marsad.core.fingerprints.base import FingerprintFailed
from marsad.core.fingerprints.pdq import load_rgb
from marsad.plugins import webarchive


def _png_bomb(width=13_000, height=13_000) -> bytes:
    """A 1-bit black PNG of the given size: a few KB that decode to width x height pixels."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\0" * (1 + (width + 7) // 8)  # filter byte, then the packed bits
    body = zlib.compress(row * height, 9)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", body) + chunk(b"IEND", b""))


@pytest.fixture(scope="module")
def bomb(tmp_path_factory):
    path = tmp_path_factory.mktemp("bomb") / "bomb.png"
    path.write_bytes(_png_bomb())
    return path


@pytest.mark.once
def test_a_png_bomb_is_refused_before_decoding(bomb):
    assert bomb.stat().st_size < 100_000
    started = time.monotonic()
    with pytest.raises(thumbnails.ThumbnailFailed, match=r"13000 x 13000 pixels \(169 MP\).*MARSAD_MAX_PIXELS"):
        thumbnails.image_thumbnail(bomb, 320)
    with pytest.raises(FingerprintFailed, match="exceeds the limit of 100 MP"):
        load_rgb(bomb)
    assert time.monotonic() - started < 2


@pytest.mark.once
def test_the_limit_is_a_setting_and_a_large_jpeg_is_measured_at_its_decoded_size(tmp_path, monkeypatch):
    from PIL import Image

    photo = tmp_path / "big.jpg"
    Image.new("RGB", (1600, 1200), "gray").save(photo, quality=50)
    monkeypatch.setenv("MARSAD_MAX_PIXELS", "1000000")  # under the photo's 1.9 MP, over a draft of it
    assert thumbnails.image_thumbnail(photo, 320)  # drafted to 1/2 or smaller before it is measured
    png = tmp_path / "big.png"
    Image.new("L", (1600, 1200)).save(png)
    with pytest.raises(thumbnails.ThumbnailFailed, match="exceeds the limit of 1 MP"):
        thumbnails.image_thumbnail(png, 320)
    monkeypatch.setenv("MARSAD_MAX_PIXELS", "0")  # no limit
    assert thumbnails.image_thumbnail(png, 320)


def test_analysis_records_the_bomb_as_a_failure_and_keeps_the_original(db, bomb, tmp_path, monkeypatch):
    from marsad.cli.init import init_workspace
    from marsad.core.sources import Sighting
    from marsad.custody import log
    from marsad.custody.verify import verify_log
    from marsad.evidence.analysis import analyse
    from marsad.evidence.ingest import ingest, store
    from marsad.evidence.models import Item

    monkeypatch.setenv("MARSAD_STORAGE", str(tmp_path / "store"))
    init_workspace()
    (outcome,) = ingest([Sighting("files", bytes(bomb), str(bomb), bomb.name)], log.actor_id("t"))
    started = time.monotonic()
    result = analyse(outcome.sha256)
    assert time.monotonic() - started < 5
    item = Item.objects.get(sha256=outcome.sha256)
    assert item.analysis == "failed" and result["analysis"] == "failed"
    reasons = {e["step"]: e["reason"] for e in item.analysis_errors}
    assert set(reasons) == {"thumbnails", "fingerprint"}
    assert all("MARSAD_MAX_PIXELS" in r for r in reasons.values())
    with store().open(outcome.sha256, verify=True) as f:
        assert f.read() == bomb.read_bytes()  # the original preserved, byte for byte
    assert verify_log().ok


def _wacz(path, records, gzip=False):
    """A WACZ whose one WARC holds `records` (url, content type, body), deflated."""
    warc = io.BytesIO()
    writer = WARCWriter(warc, gzip=gzip)
    for url, kind, body in records:
        writer.write_record(writer.create_warc_record(
            url, "response", payload=io.BytesIO(body),
            http_headers=StatusAndHeaders("200 OK", [("Content-Type", kind), ("Content-Length", str(len(body)))],
                                          protocol="HTTP/1.1")))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("archive/data.warc.gz" if gzip else "archive/data.warc", warc.getvalue())
    return path


@pytest.mark.once
def test_a_record_decompressing_beyond_the_limit_is_a_named_failure_and_the_rest_is_kept(tmp_path):
    jpeg = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8
    wacz = _wacz(tmp_path / "bomb.wacz", [("https://example.org/zeros.jpg", "image/jpeg", bytes(80 << 20)),
                                          ("https://example.org/real.jpg", "image/jpeg", jpeg)])
    assert wacz.stat().st_size < 200_000  # 80 MiB in it
    out = [(s.name, s.error, s.size) for s in webarchive.WebArchiveSource().sightings(str(wacz))]
    assert out[0][:2] == ("bomb.wacz", None)  # the archive itself preserved
    assert out[1][0] == "zeros.jpg" and f"decompresses to more than {64 << 20} bytes" in out[1][1]
    assert "MARSAD_ARCHIVE_MAX_EXPANSION" in out[1][1]
    assert out[2] == ("real.jpg", None, len(jpeg))  # the rest kept
    assert len(out) == 3


@pytest.mark.once
def test_an_archive_decompressing_far_beyond_its_size_is_read_no_further(tmp_path, monkeypatch):
    """Compressed twice (a gzipped WARC deflated again in the WACZ), zeros expand far beyond what one
    compression can (about 1000 times): reading stops there."""
    monkeypatch.setattr(webarchive, "_FLOOR", 1 << 20, raising=False)  # the 64 MiB floor, scaled down: quick
    wacz = _wacz(tmp_path / "page.wacz", [("https://example.org/", "text/html", bytes(24 << 20)),
                                          ("https://example.org/late.jpg", "image/jpeg", b"\xff\xd8\xff" * 100)],
                 gzip=True)
    assert wacz.stat().st_size < 20_000
    out = [(s.name, s.error) for s in webarchive.WebArchiveSource().sightings(str(wacz))]
    assert out[0] == ("page.wacz", None)
    assert "read no further after 1 records" in out[-1][1] and "MARSAD_ARCHIVE_MAX_EXPANSION" in out[-1][1]
    assert "late.jpg" not in [name for name, _ in out]


@pytest.mark.once
def test_record_limit():
    assert webarchive.record_limit(300_000, 100) == 64 << 20
    assert webarchive.record_limit(1 << 30, 100) == 100 << 30
    assert webarchive.record_limit(1 << 30, 0) is None


@pytest.mark.once
def test_redaction_refuses_a_picture_or_a_video_over_the_pixel_limit(bomb, tmp_path, monkeypatch):
    """Redacting decodes every pixel: the same limit holds there, before anything is decoded."""
    from marsad.core.redact.photo import RedactionFailed, redact_photo
    from marsad.core.redact.samples import write_clip
    from marsad.core.redact.video import redact_video

    started = time.monotonic()
    with pytest.raises(RedactionFailed, match=r"13000 x 13000 pixels \(169 MP\).*MARSAD_MAX_PIXELS"):
        redact_photo(bomb.read_bytes())
    assert time.monotonic() - started < 2
    clip = tmp_path / "clip.mp4"
    write_clip(clip, seconds=0.2, width=320, height=240)
    monkeypatch.setenv("MARSAD_MAX_PIXELS", "50000")  # under the clip's 320 x 240
    with pytest.raises(RedactionFailed, match=r"video frame of 320 x 240 pixels"):
        redact_video(clip, tmp_path / "out.mp4")
    assert not (tmp_path / "out.mp4").exists()
