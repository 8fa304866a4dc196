"""A restricted viewer walks every page, fragment, file and export the app links
to: a canary planted in every restricted field (Latin and Arabic) appears in no
response byte. An editor walking the same pages does see them, so the walk
reaches the places where they would show."""

from __future__ import annotations

import re
from collections import deque
from html import unescape
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from PIL import Image


pytestmark = pytest.mark.django_db(transaction=True)

CANARIES = {
    "path": "CANARY-PATH-7f3a", "name": "CANARY-NAME-7f3a", "url": "CANARY-URL-7f3a", "channel": "كناري-قناة",
    "post": "CANARY-POST-7f3a", "text": "نص-كناري-سري", "details": "CANARY-SENDER-7f3a", "make": "CANARYMAKE",
    "model": "CANARYMODEL-7f3a", "serial": "CANARYSERIAL-7f3a", "witness": "شاهد-كناري", "contact": "CANARY-PHONE-0999",
    "source_notes": "CANARY-SOURCE-NOTES",
}
GPS = (35.123457, 36.654321)
LINKS = re.compile(r'(href|src|hx-get|data-src|poster|action)="([^"]+)"')


def _canary_photo(path: Path) -> Path:
    from marsad.demo.samples import _dms, scene
    import random

    img = scene(800, 600, random.Random(3))
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = CANARIES["make"], CANARIES["model"]
    exif.get_ifd(0x8769)[0xA431] = CANARIES["serial"]  # BodySerialNumber
    gps = exif.get_ifd(0x8825)
    gps[0] = b"\x02\x02\x00\x00"
    gps[1], gps[2], gps[3], gps[4] = "N", _dms(GPS[0]), "E", _dms(GPS[1])
    img.save(path, "JPEG", exif=exif, quality=90)
    return path


@pytest.fixture
def planted(team, tmp_path, monkeypatch):
    from marsad.cli.init import init_workspace
    from marsad.core.sources import Sighting
    from marsad.custody import log
    from marsad.evidence.analysis import analyse
    from marsad.evidence.ingest import ingest
    from marsad.incidents import service

    monkeypatch.setenv("MARSAD_STORAGE", str(tmp_path / "store"))
    init_workspace()
    photo = _canary_photo(tmp_path / "photo.jpg")
    sighting = Sighting(source_kind="telegram", path=str(photo).encode(), display_path=f"{CANARIES['path']}/p.jpg",
                        name=CANARIES["name"], url=f"https://t.me/{CANARIES['url']}/9", channel=CANARIES["channel"],
                        post_id=CANARIES["post"], text=CANARIES["text"], details={"from": CANARIES["details"]})
    [outcome] = ingest([sighting], log.actor_id("collector"), project=team["project"].pk)
    analyse(outcome.sha256)
    incident = service.create({"title": "Strike on the market", "event_date": "2019-05-05",
                               "witness_names": CANARIES["witness"], "witness_contacts": CANARIES["contact"],
                               "source_notes": CANARIES["source_notes"]}, "actor:test", [outcome.sha256], "report",
                              project=team["project"])
    service.link(incident, [outcome.sha256], "primary", "actor:test")
    log.sign_checkpoint()
    return outcome.sha256, incident.code


def _walk(client, starts: list[str], limit: int = 250) -> dict[str, bytes]:
    """GET every page, fragment (with htmx's header), file and export linked from `starts`."""
    seen: dict[str, bytes] = {}
    queue = deque((url, False) for url in starts)
    while queue and len(seen) < limit:
        url, fragment = queue.popleft()
        key = url + (" (htmx)" if fragment else "")
        if key in seen:
            continue
        response = client.get(url, headers={"HX-Request": "true"} if fragment else {})
        body = b"".join(response.streaming_content) if response.streaming else response.content
        seen[key] = body
        if "html" not in response.get("Content-Type", ""):
            continue
        for attribute, link in LINKS.findall(body.decode("utf-8", "replace")):
            target = urljoin(url, unescape(link))
            parts = urlsplit(target)
            if parts.netloc or not parts.path.startswith(("/en/", "/ar/")) or "/accounts/" in parts.path:
                continue
            if "/static/" in parts.path or "logout" in parts.path:
                continue
            queue.append((parts.path + (f"?{parts.query}" if parts.query else ""), attribute == "hx-get"))
    return seen


def _starts(sha: str, code: str) -> list[str]:
    pages = ["/", "/items/", f"/items/{sha}/", "/incidents/", f"/incidents/{code}/", "/notifications/",
             "/preferences/", "/upload/", "/items/seen/"]
    return [f"/{lang}{p}" for lang in ("en", "ar") for p in pages]


def _found(pages: dict[str, bytes]) -> dict[str, list[str]]:
    hits: dict[str, list[str]] = {}
    lat = f"{GPS[0]:.3f}".encode()
    for url, body in pages.items():
        for key, canary in CANARIES.items():
            if canary.encode() in body:
                hits.setdefault(key, []).append(url)
        if lat in body or b"GPSLatitude" in body:
            hits.setdefault("gps", []).append(url)
    return hits


def test_restricted_viewer_sees_no_restricted_byte(client, team, planted):
    sha, code = planted
    client.force_login(team["restricted"])
    pages = _walk(client, _starts(sha, code))
    assert len(pages) >= 15, sorted(pages)
    assert _found(pages) == {}, "restricted values reached a restricted viewer"
    # Direct URLs to the original bytes are refused, not merely unlinked.
    assert client.get(f"/en/items/{sha}/media/").status_code == 403


def test_editor_walk_reaches_the_restricted_fields(client, team, planted):
    sha, code = planted
    client.force_login(team["editor"])
    hits = _found(_walk(client, _starts(sha, code)))
    for key in ("name", "channel", "text", "make", "witness", "gps"):
        assert key in hits, f"the walk never showed {key}: the sweep above would prove nothing for it"


def test_outsider_sees_nothing_of_the_project(client, team, planted):
    sha, code = planted
    client.force_login(team["outsider"])
    for url in (f"/en/items/{sha}/", f"/en/items/{sha}/media/", f"/en/incidents/{code}/"):
        assert client.get(url).status_code == 404, url
    pages = _walk(client, ["/en/", "/en/items/", "/en/incidents/"])
    assert not any(sha.encode() in body or code.encode() in body for body in pages.values())


def test_the_same_bytes_in_another_project_do_not_reveal_this_projects_sources(client, team, planted, tmp_path):
    """The outsider's project receives the same photo: they now hold the item, but not our sightings of it."""
    from marsad.core.sources import Sighting
    from marsad.custody import log
    from marsad.evidence.ingest import Status, ingest, store

    sha, code = planted
    copy = tmp_path / "forwarded.jpg"
    copy.write_bytes(store().path(sha).read_bytes())
    [outcome] = ingest([Sighting(source_kind="upload", path=str(copy).encode(), display_path="forwarded.jpg",
                                 name="forwarded.jpg")], log.actor_id("outsider"), project=team["other"].pk)
    assert outcome.status is Status.KNOWN and outcome.sha256 == sha
    client.force_login(team["outsider"])
    pages = _walk(client, [f"/en/items/{sha}/", "/en/items/", "/en/items/?source=telegram"])
    assert f"/en/items/{sha}/" in pages and b"forwarded.jpg" in pages[f"/en/items/{sha}/"]
    hits = {k: v for k, v in _found(pages).items() if k not in ("make", "model", "serial", "gps")}
    assert hits == {}, "another project's sightings reached this one"  # (the photo's own EXIF travels with its bytes)
    assert code.encode() not in b"".join(pages.values())
    assert sha.encode() not in pages["/en/items/?source=telegram"]  # our telegram sighting is not theirs to filter on
