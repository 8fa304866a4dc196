"""Damaged web archives: an impossible record length is a named failure with what came before
kept; a cut anywhere in a record (not only inside a media payload whose HTTP header gives a
length) is reported and the ingest exits non-zero, never a silent partial success."""

import io
import os
import re

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from marsad.plugins.webarchive import WebArchiveSource
from tests.plugins.test_webarchive import _captures, _jpeg

PAGE = "https://example.org/page"


def _warc(path, gzip, http_length_on_last=True):
    """The archive, and where each of its three records begins."""
    out, starts = io.BytesIO(), []
    writer = WARCWriter(out, gzip=gzip)
    jpeg = _jpeg()
    for url, body, kind, with_length in [
        ("https://example.org/a.jpg", jpeg, "image/jpeg", True),
        (PAGE, os.urandom(20_000).hex().encode(), "text/html", True),
        ("https://example.org/b.jpg", jpeg, "image/jpeg", http_length_on_last),
    ]:
        starts.append(out.tell())
        headers = [("Content-Type", kind)] + ([("Content-Length", str(len(body)))] if with_length else [])
        writer.write_record(writer.create_warc_record(
            url, "response", payload=io.BytesIO(body),
            http_headers=StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1")))
    path.write_bytes(out.getvalue())
    return out.getvalue(), starts


def _outcomes(path):
    return [(s.name, s.error) for s in WebArchiveSource().sightings(str(path))]


def test_a_twenty_digit_content_length_is_a_named_failure_not_a_crash(tmp_path):
    data, (_, second, _) = _warc(tmp_path / "x.warc", gzip=False)
    head, rest = data[:second], data[second:]
    rest = re.sub(rb"\r\nContent-Length: \d+\r\n\r\nHTTP", b"\r\nContent-Length: 12345678901234567890\r\n\r\nHTTP",
                  rest, count=1)
    bad = tmp_path / "bad.warc"
    bad.write_bytes(head + rest)
    outcomes = _outcomes(bad)
    assert outcomes[:2] == [("bad.warc", None), ("a.jpg", None)]  # the archive, and what came before, kept
    assert "damaged or truncated after 1 records: a record declares an impossible length" in outcomes[-1][1]


def test_a_cut_in_a_record_without_a_media_length_is_reported(tmp_path):
    for gzip in (True, False):
        data, (_, page, last) = _warc(tmp_path / "w.warc", gzip, http_length_on_last=False)
        cut = tmp_path / f"cut{gzip}.warc"
        cut.write_bytes(data[: len(data) - 5000])  # inside b.jpg, whose HTTP header gives no length
        *_, (name, error) = _outcomes(cut)
        assert name == "b.jpg" and "record 3 (response https://example.org/b.jpg) holds" in error, gzip
        page_cut = tmp_path / f"page{gzip}.warc"
        page_cut.write_bytes(data[: (page + last) // 2])  # inside the page
        *_, (name, error) = _outcomes(page_cut)
        assert f"record 2 (response {PAGE}) holds" in error and "nothing after it could be read" in error, gzip


def test_a_truncated_warc_gz_exits_non_zero_and_keeps_what_it_holds(marsad, tmp_path):
    data, (_, page, last) = _warc(tmp_path / "w.warc.gz", gzip=True)
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(data[: (page + last) // 2])  # inside the page: before, no media was cut, so exit 0
    run = marsad.run("ingest", str(cut), check=1)
    assert "damaged or truncated after" in run.stdout and "nothing after it could be read" in run.stdout
    assert {"cut.warc.gz", "https://example.org/a.jpg"} <= set(_captures(marsad))


def test_a_payload_altered_after_archiving_fails_its_warc_payload_digest(tmp_path):
    data, (_, page, _) = _warc(tmp_path / "w.warc", gzip=False)
    first = data[:page]
    at = first.index(b"\xff\xd8")  # the JPEG's first bytes, inside record 1's payload
    altered = tmp_path / "altered.warc"
    altered.write_bytes(first[:at + 200] + bytes([first[at + 200] ^ 1]) + first[at + 201:] + data[page:])
    outcomes = _outcomes(altered)
    assert ("a.jpg", None) not in outcomes and ("b.jpg", None) in outcomes
    [error] = [e for name, e in outcomes if name == "a.jpg"]
    assert "does not match its WARC-Payload-Digest" in error
    assert ("a.jpg", None) in _outcomes(tmp_path / "w.warc")  # unaltered, it passes
