"""Fuzz the web archive reader (marsad.plugins.webarchive): .warc, .warc.gz and .wacz.

The first byte picks the kind of file; the rest is its content. Bad input may only end as
failed sightings (a record, or the archive from the damage on) or a SourceError.

    python fuzz/fuzz_webarchive.py -max_total_time=30
"""

import gzip
import io
import json
import os
import zipfile

import _harness
import atheris

with atheris.instrument_imports(include=["marsad", "warcio"]):
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    from marsad.core.sources import SourceError
    from marsad.plugins.webarchive import WebArchiveSource

FOLDER = _harness.scratch("webarchive")
SPOOL = _harness.scratch("webarchive-spool")
SUFFIXES = (".warc", ".warc.gz", ".wacz")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4 + b"\xff\xd9"


def _warc(compress: bool, digest: bool = True) -> bytes:
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=compress)
    for url, body, kind, status in [("https://example.org/a.jpg", JPEG, "image/jpeg", "200 OK"),
                                    ("https://example.org/page", b"<html>hello</html>", "text/html", "200 OK"),
                                    ("https://example.org/gone.png", b"", "image/png", "404 Not Found"),
                                    ("https://example.org/v.mp4", b"\x00\x00\x00\x18ftypmp42" * 20, "video/mp4",
                                     "200 OK")]:
        headers = [("Content-Type", kind), ("Content-Length", str(len(body)))]
        record = writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                           http_headers=StatusAndHeaders(status, headers, protocol="HTTP/1.1"))
        if not digest:
            record.rec_headers.remove_header("WARC-Payload-Digest")
        writer.write_record(record)
    return out.getvalue()


def _wacz(warc: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("archive/data.warc.gz", warc)
        z.writestr("datapackage.json", json.dumps({"profile": "data-package", "resources": []}))
        z.writestr("pages/pages.jsonl", '{"format": "json-pages-1.0"}\n')
    return out.getvalue()


def seeds():
    plain, packed = _warc(False), _warc(True)
    yield b"\x00" + plain
    yield b"\x00" + _warc(False, digest=False)
    yield b"\x01" + packed
    yield b"\x01" + gzip.compress(plain)  # one gzip member for the whole file, as some tools write
    yield b"\x02" + _wacz(packed)
    yield b"\x00" + plain[: len(plain) // 2]
    yield b"\x00" + plain.replace(b"Content-Length: 10", b"Content-Length: 99999999999999999999", 1)


def TestOneInput(data: bytes) -> None:
    if not data:
        return
    path = FOLDER / ("archive" + SUFFIXES[data[0] % len(SUFFIXES)])
    for old in FOLDER.iterdir():
        old.unlink()
    path.write_bytes(data[1:])
    source = WebArchiveSource()
    source._scratch = SPOOL  # one spool folder for every input (the reader's own is removed at exit)
    try:
        for sighting in source.sightings(str(path)):
            assert sighting.path is not None or sighting.error, sighting
            if sighting.path is not None:
                assert os.path.isfile(sighting.path), sighting  # readable until the next one is asked for
            json.dumps(sighting.details, allow_nan=False)
            sighting.key("0" * 64)
    except SourceError:
        pass


if __name__ == "__main__":
    _harness.main(TestOneInput, seeds)
