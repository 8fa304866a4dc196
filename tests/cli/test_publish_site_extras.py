"""The published site's feeds, TimeMap events, timeline, corrections and tombstones:
an Atom feed per language with one stable entry per incident and no clock in its bytes;
data/events.json through the TimeMap plug-in from the public rows; a timeline per
language drawn on the server (mirrored in Arabic); the corrections listed on the page;
a withdrawn incident leaves a tombstone saying when and why (a reason that could point
at a source is not published), listed under corrections and withdrawals, recorded in
the public log, with the old page's proof still verifying; the in-page verifier's
words in the page's language."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest

from tests.cli.test_publish import (  # noqa: F401  (the generated workspace fixture)
    CANARIES,
    _published,
    _verify,
    approve_redactions,
    workspace,
)

ATOM = "{http://www.w3.org/2005/Atom}"
TIMEMAP_KEYS = {"id", "description", "date", "time", "time_precision", "location", "latitude", "longitude", "type",
                "category", "associations", "sources", "comments"}


@pytest.fixture
def site(workspace, tmp_path):  # noqa: F811
    from marsad.incidents import service
    from marsad.publish.builder import publish

    project, code = workspace
    later = service.create({"title": "Shelling of the school", "event_date": "2019-05-09", "grade": "fair",
                            "sub_event_type": "Shelling/artillery/missile attack", "fatalities_best": 2},
                           "actor:test", project=project)
    out = tmp_path / "site"
    publish(out, project, "fair")
    approve_redactions()
    publish(out, project, "fair")
    return out, project, code, later.code


def _feed(out, lang):
    return ET.fromstring((out / lang / "feed.atom").read_bytes())


def test_feeds_events_and_timeline(site):
    from marsad.publish.builder import publish

    out, project, code, later = site
    files = _published(out)
    for lang in ("ar", "en"):
        feed = _feed(out, lang)
        entries = feed.findall(f"{ATOM}entry")
        assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == lang and len(entries) == 2
        ids = [e.find(f"{ATOM}id").text for e in entries]
        assert len(set(ids)) == 2 and all(i.startswith("urn:uuid:") for i in ids)
        assert [e.find(f"{ATOM}title").text for e in entries][-1].startswith("غارة على السوق")  # newest first
        for e in entries:  # each links to its page, which exists
            href = e.find(f"{ATOM}link").get("href")
            assert (out / lang / href).resolve().is_file() and e.find(f"{ATOM}updated").text.endswith("Z")
        page = files[f"{lang}/incidents/{code}.html"].decode()
        assert f'<link rel="alternate" type="application/atom+xml" href="../../{lang}/feed.atom"' in page
        assert f'href="../../{lang}/timeline.html"' in page  # the header links the timeline
        assert f'href="../{lang}/timeline.html"' in files[f"{lang}/index.html"].decode()
    summary = _feed(out, "en").findall(f"{ATOM}entry")[-1].find(f"{ATOM}summary").text
    assert summary == "2019-05-05 · Kafr Nobol · Air/drone strike · 5 killed (best estimate) · grade: fair"

    events = json.loads(files["data/events.json"])
    assert [e["id"] for e in events] == [code, later]
    assert all(set(e) <= TIMEMAP_KEYS for e in events) and events[0]["date"] == "05/05/2019"
    assert (events[0]["latitude"], events[0]["longitude"]) == ("35.61", "36.56")  # coarsened, as published
    assert "data/events.json" in {f["path"] for f in json.loads(files["manifest.json"])["files"]}

    # The timeline: one bar per day, in both languages, the Arabic one running right to left.
    bars = {}
    for lang in ("ar", "en"):
        page = files[f"{lang}/timeline.html"].decode()
        bars[lang] = {d: float(x) for x, d in re.findall(r'<rect class="bar" x="([0-9.]+)"[^>]*data-date="([0-9-]+)"',
                                                          page)}
        assert set(bars[lang]) == {"2019-05-05", "2019-05-09"}
        assert f'href="../{lang}/incidents/{code}.html"' in page and 'id="day-2019-05-09"' in page
    assert bars["en"]["2019-05-05"] < bars["en"]["2019-05-09"] and bars["ar"]["2019-05-05"] > bars["ar"]["2019-05-09"]

    # Arabic pages give the in-page verifier Arabic words; English ones English.
    words = {lang: json.loads(re.search(r'<script id="publog-words" type="application/json">(.*?)</script>',
                                        files[f"{lang}/incidents/{code}.html"].decode(), re.S).group(1))
             for lang in ("ar", "en")}
    assert words["en"]["verified"] == "verified" and words["ar"]["verified"] != "verified"
    assert re.search("[\u0600-\u06ff]", words["ar"]["from_file"])

    # No clock anywhere: publishing again changes no byte, the feeds included.
    publish(out, project, "fair")
    assert _published(out) == files


def test_corrections_and_a_tombstone(site):
    from marsad.incidents import service
    from marsad.publish.builder import publish

    out, project, code, later = site
    before = _published(out)
    assert "No correction since" in before[f"en/incidents/{code}.html"].decode()
    service.update(service.get(code), {"notes": "Corrected summary.", "fatalities_best": 6}, "actor:test")
    publish(out, project, "fair")
    page = (out / f"en/incidents/{code}.html").read_text()
    today = datetime.now(UTC).date().isoformat()
    assert f"{today}</time>: corrected: casualties, summary" in page
    assert f'href="../en/incidents/{code}.html#corrections"' in (out / "en/index.html").read_text()

    # Withdrawn with a reason: the page stays, saying when and why; its media go.
    media = [p for p in before if p.startswith("media/") and not p.endswith(".tlog-proof")]
    service.update(service.get(code), {"status": "discounted"}, "actor:test",
                   reason="On review the footage shows an earlier strike in another town.")
    publish(out, project, "fair")  # without being asked, no reason is published
    assert "On review the footage" not in (out / f"en/incidents/{code}.html").read_text()
    assert "No reason is given publicly." in (out / f"en/incidents/{code}.html").read_text()
    publish(out, project, "fair", withdrawal_reasons=True)
    for lang in ("ar", "en"):
        stone = (out / f"{lang}/incidents/{code}.html").read_text()
        assert "On review the footage shows an earlier strike in another town." in stone and f">{today}</time>" in stone
        assert "Public summary" not in stone and "Corrected summary." not in stone and "media/" not in stone
        index = (out / f"{lang}/index.html").read_text()
        assert f'<a href="../{lang}/incidents/{code}.html">{code}</a>' in index.split('id="corrections"')[1]
        titles = [e.find(f"{ATOM}title").text for e in _feed(out, lang).findall(f"{ATOM}entry")]
        assert any(code in t for t in titles) and len(titles) == 2
    assert "This incident was withdrawn" in (out / f"en/incidents/{code}.html").read_text()
    assert not any((out / m).exists() for m in media)
    assert _verify(out).returncode == 0

    # The public log: the page corrected to its tombstone, the media withdrawn; the first page's proof still holds.
    from marsad import publog_verify

    entries = [json.loads(d) for d in _log_entries(out)]
    last = {e["path"]: e for e in entries}
    assert last[f"en/incidents/{code}.html"]["type"] == "correction"
    assert {last[m]["type"] for m in media} == {"withdrawal"}
    key = (out / "log" / "log.vkey").read_text().strip()
    index, hashes, note, extra = publog_verify.parse_proof(before[f"en/incidents/{code}.html.tlog-proof"].decode())
    size, root = publog_verify.open_checkpoint(note, key)
    assert publog_verify.verify_inclusion(index, size, publog_verify.leaf(extra), hashes, root)

    # A reason that names a witness or a phone number is not published.
    service.update(service.get(code), {"status": "in_review"}, "actor:test")
    service.update(service.get(code), {"status": "discounted"}, "actor:test",
                   reason=f"withdrawn at the request of {CANARIES['witness']}")
    publish(out, project, "fair", withdrawal_reasons=True)
    stone = (out / f"en/incidents/{code}.html").read_text()
    assert "No reason is given publicly." in stone and CANARIES["witness"] not in stone
    assert all(CANARIES["witness"].encode() not in data for data in _published(out).values())


def _log_entries(out):
    from marsad.core.publog import PublicLog, public_log_signer
    from django.conf import settings

    return PublicLog(out / "log", public_log_signer(settings.WORKSPACE.keys_dir)).entries


@pytest.mark.parametrize("reason, published", [
    ("Duplicate of SYR000007, which has the same footage.", True),
    ("see https://t.me/somechannel/12", False),
    ("call +963 944 123 456 for details", False),
    ("asked by @someone", False),
    ("Abu Khaled asked us to take it down", False),
    ("", False),
])
def test_withdrawal_reasons_are_screened(reason, published):
    from marsad.core.publish.changes import public_reason

    got = public_reason(reason, ["Abu Khaled, Umm Ali", "", None])
    assert got == (reason if published else "")


def test_corrections_are_grouped_by_day_after_first_publication():
    from marsad.core.publish.changes import corrections

    first = datetime(2026, 1, 1, 12, tzinfo=UTC)
    changes = [(datetime(2025, 12, 31, tzinfo=UTC), "notes", "set"),  # before publication: not a correction
               (datetime(2026, 1, 2, 9, tzinfo=UTC), "fatalities_best", "set"),
               (datetime(2026, 1, 2, 10, tzinfo=UTC), "notes", "set"),
               (datetime(2026, 1, 3, tzinfo=UTC), "", "link")]
    assert corrections(changes, first) == [("2026-01-02", ["casualties", "summary"]), ("2026-01-03", ["evidence"])]
    assert corrections(changes, None) == []
