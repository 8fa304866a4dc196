"""Web links and link lists through the real command, against a local site made by
code: real Chromium, real yt-dlp, real WACZ; every link ends in a clear outcome."""

import csv
import hashlib
import io
import json
import subprocess
import sys
import zipfile

import pytest
from warcio.archiveiterator import ArchiveIterator

from marsad.core.web.media import image_links
from marsad.plugins.linklist import LinkListSource
from tests.plugins.webfixtures import Site


@pytest.fixture(autouse=True)
def _loopback_allowed(monkeypatch):
    monkeypatch.setenv("MARSAD_FETCH_ALLOW_HOSTS", "127.0.0.1")  # the test's site is on loopback


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    served = Site(tmp_path_factory.mktemp("site"))
    yield served
    served.close()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _captures(marsad):
    out = []
    for item in marsad.json("items"):
        for capture in marsad.json("show", item["sha256"])["captures"]:
            out.append((item, capture))
    return out


def _blob(marsad, sha):
    return next(p for p in (marsad.home / "store").rglob(sha)).read_bytes()


def test_image_links_takes_the_largest_of_a_srcset_and_resolves_relative_links():
    html = ('<img src="a.jpg"><img srcset="s.jpg 320w, l.jpg 1280w" src="s.jpg"><img src="data:image/png;base64,AA">'
            '<a href="/full/b.JPG">x</a><a href="page.html">y</a><meta property="og:image" content="https://cdn/c.jpg">'
            '<img src="a.jpg#again">')
    assert image_links(html, "https://example.org/news/item.html") == [
        "https://example.org/news/a.jpg", "https://example.org/news/l.jpg", "https://example.org/news/s.jpg",
        "https://example.org/full/b.JPG", "https://cdn/c.jpg"]


def test_links_are_captured_with_their_exchange_and_each_failure_is_named(marsad, site):
    marsad.env["MARSAD_WEB_TIMEOUT"] = "3"
    links = ["/r1", "/direct.mp4", "/gallery.html", "/text.html", "/missing", "/removed", "/forbidden", "/slow"]
    run = marsad.run("ingest", "--no-wait", *[site.url(p) for p in links], check=1)
    out = run.stdout
    assert "reading as web" in run.stderr
    assert f"{site.url('/missing')}: gone: HTTP 404" in out
    assert f"{site.url('/removed')}: gone: HTTP 410" in out
    assert f"{site.url('/forbidden')}: blocked: HTTP 403" in out
    assert f"{site.url('/slow')}: timeout: no answer within 3 s" in out
    assert "no video or audio found on the page; no photos on the page" in out  # the plain statement page

    captures = _captures(marsad)
    by_link = {}
    for item, capture in captures:
        by_link.setdefault(capture["url"], []).append((item, capture))

    # A page reached through two redirects: archive, screenshot, PDF and its video, one capture.
    page = by_link[site.url("/r1")]
    roles = {c["source_details"]["role"]: (i, c) for i, c in page}
    assert set(roles) == {"page archive", "screenshot", "page PDF", "media"}
    assert len({c["source_details"]["web_capture"] for _, c in page}) == 1
    details = roles["page archive"][1]["source_details"]
    assert details["final_url"] == site.url("/video.html")
    assert [(r["status"], r["location"]) for r in details["redirects"]] == [(302, "/r2"), (301, "/video.html")]
    assert details["http_status"] == 200 and details["fetched_at"]
    assert ["Content-Type", "text/html; charset=utf-8"] in details["response_headers"]
    assert details["content_sha256"] == _sha(site.files["/video.html"][1])
    assert "كفرنبل" in details["title"]
    video_item, video = roles["media"]
    assert video_item["kind"] == "video" and video_item["sha256"] == _sha(site.files["/media/strike.mp4"][1])
    assert video["source_details"]["media"]["url"] == site.url("/media/strike.mp4")
    assert video["posted_at"] is None  # a server's Last-Modified is not a post time
    assert roles["screenshot"][0]["mime"] == "image/png" and roles["page PDF"][0]["mime"] == "application/pdf"

    # The WACZ replays: valid by the wacz tool's own check, the page's bytes inside.
    wacz_path = marsad.home / "check.wacz"
    wacz_path.write_bytes(_blob(marsad, roles["page archive"][0]["sha256"]))
    check = subprocess.run([sys.executable, "-m", "wacz", "validate", "-f", str(wacz_path)],
                           capture_output=True, text=True)
    assert "valid" in check.stdout and "invalid" not in check.stdout, check.stdout + check.stderr
    with zipfile.ZipFile(wacz_path) as z:
        warc = next(n for n in z.namelist() if n.startswith("archive/"))
        responses = {r.rec_headers.get_header("WARC-Target-URI"): r.content_stream().read()
                     for r in ArchiveIterator(io.BytesIO(z.read(warc))) if r.rec_type == "response"}
    assert responses[site.url("/video.html")] == site.files["/video.html"][1]
    assert site.url("/r1") in responses and site.url("/r2") in responses  # the redirect chain itself

    direct = by_link[site.url("/direct.mp4")]
    assert [(i["sha256"], c["source_details"]["role"]) for i, c in direct] == [
        (_sha(site.files["/direct.mp4"][1]), "media file")]

    photos = {c["original_name"]: i["sha256"] for i, c in by_link[site.url("/gallery.html")]
              if c["source_details"]["role"] == "photo"}
    for name in ("cover.jpg", "full-1.jpg", "full-2.jpg", "large-3.jpg"):
        assert photos[name] == _sha(site.files[f"/photos/{name}"][1])
    assert "icon.png" not in photos and "missing.jpg" not in photos
    assert "OK" in marsad.run("log", "verify").stdout


def test_a_download_over_the_limit_is_refused_and_nothing_is_kept(marsad, site):
    marsad.env["MARSAD_WEB_MAX_BYTES"] = "10000"
    run = marsad.run("ingest", "--no-wait", site.url("/direct.mp4"), check=1)
    assert "too-large:" in run.stdout and "over the limit of 10,000" in run.stdout
    assert marsad.json("items") == []


def test_without_a_browser_the_page_is_still_archived(marsad, site):
    marsad.env["MARSAD_BROWSER"] = "/nonexistent/chromium"
    run = marsad.run("ingest", "--no-wait", site.url("/text.html"))
    assert "no screenshot or PDF" in run.stdout
    roles = [c["source_details"]["role"] for _, c in _captures(marsad)]
    assert roles == ["page archive"]


def _link_list(path, rows, encoding="utf-8-sig", delimiter=","):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def test_a_link_list_captures_each_link_with_its_row_and_reports_bad_rows(marsad, site, tmp_path):
    sheet = _link_list(tmp_path / "روابط-كفرنبل.csv", [
        ["الرابط", "التاريخ", "المكان", "ملاحظات", "المصدر الأصلي"],
        [site.url("/direct.mp4"), "2019-05-05", "كفرنبل", "فيديو الغارة على المشفى", "Idlib Media Centre"],
        ["not a link", "2019-05-05", "كفر نبل", "", ""],
        ["", "2019-05-06", "", "row without a link", ""],
        [site.url("/missing"), "2019-05-07", "سراقب", "deleted already?", ""],
        [site.url("/direct.mp4"), "2019-05-05", "Kafranbel", "same video, other sheet", ""],
    ])
    assert LinkListSource().recognises(str(sheet))
    run = marsad.run("ingest", "--no-wait", str(sheet), check=1)
    assert "reading as linklist" in run.stderr
    assert f"{sheet}:row 3: 'not a link' is not an http(s) link" in run.stdout
    assert f"{sheet}:row 4: no link in column 'الرابط'" in run.stdout
    assert f"{sheet}:row 5: {site.url('/missing')}: gone: HTTP 404" in run.stdout

    captures = _captures(marsad)
    roles = {c["source_details"]["role"]: (i, c) for i, c in captures}
    assert set(roles) == {"link list", "media file"}
    assert roles["link list"][0]["sha256"] == _sha(sheet.read_bytes())  # the list itself is evidence
    listed = roles["media file"][1]["source_details"]["link_list"]
    assert listed["file"] == sheet.name
    assert [(r["row"], r["place"], r["date"]) for r in listed["rows"]] == [
        (2, "كفرنبل", "2019-05-05"), (6, "Kafranbel", "2019-05-05")]
    assert listed["rows"][0]["notes"] == "فيديو الغارة على المشفى"
    assert listed["rows"][0]["columns"]["المصدر الأصلي"] == "Idlib Media Centre"


def test_a_windows_arabic_semicolon_list_and_a_configured_column_are_read(tmp_path, monkeypatch):
    sheet = _link_list(tmp_path / "list.csv", [["رقم", "رابط الفيديو"], ["1", "ftp://old.example/file"]],
                       encoding="cp1256", delimiter=";")
    assert not LinkListSource().recognises(str(sheet))  # no column it can guess
    monkeypatch.setenv("MARSAD_LINKLIST_URL_COLUMN", "رابط الفيديو")
    assert LinkListSource().recognises(str(sheet))
    first, bad = list(LinkListSource().sightings(str(sheet)))
    assert first.details["encoding"] == "cp1256" and first.details["columns"] == ["رقم", "رابط الفيديو"]
    assert bad.error == "'ftp://old.example/file' is not an http(s) link"
    assert json.dumps(first.details, ensure_ascii=False)


def test_recheck_records_which_sources_are_gone_changed_blocked_or_still_up(marsad, tmp_path):
    site = Site(tmp_path / "site")  # its own: this test changes it
    try:
        marsad.env["MARSAD_BROWSER"] = "/nonexistent/chromium"  # the archive is enough here
        marsad.run("ingest", "--no-wait", *[site.url(p) for p in ("/later-gone.html", "/text.html", "/direct.mp4",
                                                                   "/gallery.html")])
        assert marsad.json("recheck", "--older-than", "7d") == []  # all captured just now

        gone_items = {i["sha256"] for i, c in _captures(marsad) if c["url"] == site.url("/later-gone.html")}
        del site.files["/later-gone.html"]
        site.files["/text.html"] = ("text/html", b"<html><body>This statement was edited.</body></html>")
        site.statuses["/gallery.html"] = 403
        del site.files["/gallery.html"]
        checks = {c["url"]: c for c in marsad.json("recheck")}
        assert checks[site.url("/later-gone.html")]["outcome"] == "gone"
        assert checks[site.url("/later-gone.html")]["http_status"] == 404
        assert checks[site.url("/text.html")]["outcome"] == "changed"
        assert checks[site.url("/direct.mp4")]["outcome"] == "up"
        assert checks[site.url("/gallery.html")]["outcome"] == "blocked"

        assert {i["sha256"] for i in marsad.json("items", "--gone")} == gone_items
        events = marsad.run("log", "show", "--tail", "10").stdout
        assert events.count("recheck") == 4
        # The leaves name no URL, not even as a plain hash anyone could check a guess against.
        from marsad.evidence.recheck import url_sha256

        for url in checks:
            assert url not in events and url_sha256(url) not in events
        assert "OK" in marsad.run("log", "verify").stdout
    finally:
        site.close()
