"""Web archives through the real command: the archive and the media it holds are
preserved with their URL and archive date; WACZ read without extracting; a
truncated archive gives what it holds and says where it stopped."""

import io
import zipfile

from PIL import Image
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tests.core.test_fingerprints import _textured_frames, _write

PHOTO_URL = "https://example.org/media/kafranbel-hospital.jpg"
VIDEO_URL = "https://example.org/media/strike.mp4"


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.effect_mandelbrot((480, 360), (-2, -1.2, 1, 1.2), 60).convert("RGB").save(out, "JPEG", quality=90)
    return out.getvalue()


def _record(writer, url, body, content_type, status="200 OK"):
    headers = StatusAndHeaders(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))],
                               protocol="HTTP/1.1")
    writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers))


def make_warc(path, tmp_path):
    video = tmp_path / "v.mp4"
    _write(video, _textured_frames(20), (320, 180))
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=True)
        _record(writer, "https://example.org/post/1", b"<html><body>Strike</body></html>", "text/html")
        _record(writer, PHOTO_URL, _jpeg(), "image/jpeg")
        _record(writer, "https://example.org/media/gone.jpg", b"not found", "image/jpeg", "404 Not Found")
        _record(writer, VIDEO_URL, video.read_bytes(), "video/mp4")
    return path


def _captures(marsad):
    out = {}
    for item in marsad.json("items"):
        for capture in marsad.json("show", item["sha256"])["captures"]:
            out[capture["url"] or capture["original_name"]] = (item, capture)
    return out


def test_warc_media_are_preserved_with_url_and_archive_date(marsad, tmp_path):
    warc = make_warc(tmp_path / "crawl.warc.gz", tmp_path)
    run = marsad.run("ingest", str(warc))
    assert "reading as webarchive" in run.stdout + run.stderr
    captures = _captures(marsad)
    assert set(captures) == {"crawl.warc.gz", PHOTO_URL, VIDEO_URL}, "the page and the 404 are not media"
    photo_item, photo = captures[PHOTO_URL]
    assert photo_item["kind"] == "image" and photo["original_name"] == "kafranbel-hospital.jpg"
    assert photo["source_details"]["warc_date"].startswith("20")
    assert photo["source_details"]["warc_record_id"].startswith("<urn:uuid:")
    assert captures[VIDEO_URL][0]["kind"] == "video"
    before = len(marsad.json("items"))
    marsad.run("ingest", str(warc))
    assert len(marsad.json("items")) == before
    assert sum(len(marsad.json("show", i["sha256"])["captures"]) for i in marsad.json("items")) == 3
    assert "OK" in marsad.run("log", "verify").stdout


def test_wacz_is_read_without_extracting(marsad, tmp_path):
    warc = make_warc(tmp_path / "data.warc.gz", tmp_path)
    wacz = tmp_path / "crawl.wacz"
    with zipfile.ZipFile(wacz, "w") as z:
        z.write(warc, "archive/data.warc.gz")
        z.writestr("datapackage.json", '{"profile": "data-package", "resources": []}')
        z.writestr("../../escaped.warc.gz", warc.read_bytes())  # a hostile name: never used as a path
    marsad.run("ingest", str(wacz))
    captures = _captures(marsad)
    assert set(captures) == {"crawl.wacz", PHOTO_URL, VIDEO_URL}
    assert not (tmp_path.parent / "escaped.warc.gz").exists()


def test_truncated_archive_keeps_what_it_holds_and_says_where_it_stopped(marsad, tmp_path):
    whole = make_warc(tmp_path / "whole.warc.gz", tmp_path).read_bytes()
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(whole[: len(whole) - 2000])  # inside the video record
    run = marsad.run("ingest", str(cut), check=1)
    assert "damaged or truncated after" in run.stdout
    captures = _captures(marsad)
    assert PHOTO_URL in captures and "cut.warc.gz" in captures
    assert "OK" in marsad.run("log", "verify").stdout
