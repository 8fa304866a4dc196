"""Fuzz the link list reader (marsad.plugins.linklist) with CSV files.

Nothing is fetched: each link is handed to a stand-in for the web source that checks
what the list gives it. Bad input may only end as a SourceError (no header, no column of
links) or as failures naming rows; the list itself is always kept first.

    python fuzz/fuzz_linklist.py -max_total_time=30
"""

import json

import _harness
import atheris

with atheris.instrument_imports(include=["marsad"]):
    from marsad.core.sources import Sighting, SourceError
    from marsad.plugins import linklist

FOLDER = _harness.scratch("linklist")
LIST = FOLDER / "links.csv"


class NoFetch:
    """Stands in for WebLinkSource: what would be fetched, and what the list said of it."""

    def sightings(self, url, extra=None):
        assert isinstance(url, str) and linklist.is_url(url), url
        json.dumps(extra, allow_nan=False)
        yield Sighting("web", None, url, "page", url=url, error="not fetched while fuzzing", details=extra or {})


linklist.WebLinkSource = NoFetch


def seeds():
    yield ("url,date,place,notes\n"
           "https://example.org/v/1,2019-05-05,Kafr Nabl,strike on the hospital\n"
           "https://example.org/v/2,2019-05-06,كفرنبل,\"quoted, with a comma\"\n"
           "not a link,2019-05-07,,\n"
           ",,,empty link\n"
           "https://example.org/v/1,2019-05-05,again,the same link twice\n").encode()
    yield "\ufeffالرابط;التاريخ;المكان;ملاحظات\nhttps://example.org/a;2019-05-05;إدلب;غارة\n".encode()
    yield "رابط\tملاحظة\nhttps://example.org/b\tقصف\n".encode("cp1256")
    yield b"link,notes\nhttps://example.org/c,\"an unclosed quote\nhttps://example.org/d,x,y,z\n"
    yield b"source url\r\nhttp://example.org/e\r\n\x00\r\n"


def TestOneInput(data: bytes) -> None:
    LIST.write_bytes(data)
    source = linklist.LinkListSource()
    try:
        source.recognises(str(LIST))
        sightings = list(source.sightings(str(LIST)))
    except SourceError:
        return
    first = sightings[0]
    assert first.path is not None and first.details["role"] == "link list", first
    for sighting in sightings:
        assert sighting.path is not None or sighting.error, sighting
        json.dumps(sighting.details, allow_nan=False)
        sighting.key("0" * 64)


if __name__ == "__main__":
    _harness.main(TestOneInput, seeds)
