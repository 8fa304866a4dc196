"""The items page family: who sees what, keyset pages, Range answers, the graphic flag
and "have we seen this?", on real photos and videos ingested and analysed in-process."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

pytestmark = pytest.mark.django_db

CANARIES = {
    "path": "CANARY-ORIG-PATH", "name": "CANARY-ORIG-NAME", "url": "CANARY-URL-31", "channel": "كناري-قناة",
    "post": "CANARY-POST-ID", "text": "نص-كناري-CANARY-TEXT", "details": "CANARY-SENDER", "make": "CANARYMAKE",
    "model": "CANARYMODEL", "serial": "CANARYSERIAL",
}
GPS = ("35.6136", "36.5614")  # the sample photo's place, as exiftool and the facts print it


def _near_copy(src: Path, dest: Path, scale: float = 2 / 3, quality: int = 70) -> Path:
    """The same picture forwarded: smaller, recompressed, EXIF gone: other bytes, same look."""
    with Image.open(src) as img:
        img.resize((int(img.width * scale), int(img.height * scale))).save(dest, "JPEG", quality=quality)
    return dest


def _canary_photo(src: Path, dest: Path) -> Path:
    """The sample photo with a canary device and serial number in its EXIF (GPS kept)."""
    with Image.open(src) as img:
        exif = img.getexif()
        exif[0x010F], exif[0x0110] = CANARIES["make"], CANARIES["model"]
        exif.get_ifd(0x8769)[0xA431] = CANARIES["serial"]  # BodySerialNumber
        img.save(dest, "JPEG", exif=exif, quality=88)
    return dest


def _ingest(sightings, project):
    from marsad.custody import log
    from marsad.evidence.analysis import analyse
    from marsad.evidence.ingest import Status, ingest
    from marsad.matching.service import match_item

    shas = []
    for outcome in ingest(sightings, log.actor_id("collector"), project=project.pk):
        assert outcome.status is Status.NEW, outcome
        analyse(outcome.sha256)
        match_item(outcome.sha256)
        shas.append(outcome.sha256)
    return shas


@pytest.fixture
def world(team, samples, tmp_path, monkeypatch, settings):
    """In project "idlib": a photo with canaries in every restricted field, a near copy of
    it, and a video. In the outsider's project: another photo."""
    from marsad.cli.init import init_workspace
    from marsad.core.sources import Sighting
    from marsad.custody import log
    from marsad.plugins.files import FilesSource

    monkeypatch.setenv("MARSAD_STORAGE", str(tmp_path / "store"))
    # The index lives in the session's workspace; ids from earlier tests' rolled-back rows must not match.
    shutil.rmtree(settings.WORKSPACE.home / "index", ignore_errors=True)
    init_workspace()
    photo = _canary_photo(samples["photo"], tmp_path / "canary.jpg")
    sighting = Sighting(
        "telegram", str(photo).encode(), f"{CANARIES['path']}/export/photo.jpg", f"{CANARIES['name']}.jpg",
        size=photo.stat().st_size, url=f"https://t.me/{CANARIES['url']}/9", channel=CANARIES["channel"],
        post_id=CANARIES["post"], text=CANARIES["text"], details={"from": CANARIES["details"]},
        posted_at=datetime(2019, 5, 4, 4, 0, tzinfo=UTC))  # before the EXIF time: the post gives the earliest time
    [canary] = _ingest([sighting], team["project"])
    copy = _near_copy(photo, tmp_path / "forwarded.jpg")
    [near] = _ingest(FilesSource().sightings(str(copy)), team["project"])
    [video] = _ingest(FilesSource().sightings(str(samples["video"])), team["project"])
    other_photo = Path(samples["photo"]).with_name("IMG_20190504_0001.jpg")
    [other] = _ingest(FilesSource().sightings(str(other_photo)), team["other"])
    log.sign_checkpoint()
    return {**team, "canary": canary, "near": near, "video": video, "foreign": other, "elsewhere": team["other"],
            "photo": photo}


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _stored(sha: str) -> bytes:
    from marsad.evidence.ingest import store

    return store().path(sha).read_bytes()


def _canaries_in(body: bytes) -> list[str]:
    found = [key for key, value in CANARIES.items() if value.encode() in body]
    return found + ["gps"] * any(g.encode() in body for g in GPS)


# -- who sees what --------------------------------------------------------------------------

def test_outsider_gets_404_everywhere_and_restricted_viewer_403_on_originals(client, world):
    sha = world["canary"]
    client.force_login(world["outsider"])
    for suffix in ("", "media/", "thumb/", "preview/", "sheet/"):
        assert client.get(f"/en/items/{sha}/{suffix}").status_code == 404, suffix
    assert client.post(f"/en/items/{sha}/graphic/", {"graphic": "1"}).status_code == 404
    client.force_login(world["restricted"])
    assert client.get(f"/en/items/{sha}/media/").status_code == 403
    assert client.get(f"/en/items/{world['video']}/media/").status_code == 403
    assert client.get(f"/en/items/{sha}/").status_code == 200
    assert client.get(f"/en/items/{sha}/thumb/").status_code == 200  # previews are for every reader
    assert client.post(f"/en/items/{sha}/graphic/", {"graphic": "1"}).status_code == 403
    client.force_login(world["viewer"])
    assert client.get(f"/en/items/{sha}/media/").status_code == 200


def test_restricted_viewer_gets_no_restricted_byte_and_an_editor_gets_them_all(client, world):
    sha, video = world["canary"], world["video"]
    urls = [f"/{lang}/items/{s}/{suffix}" for lang in ("en", "ar") for s in (sha, world["near"], video)
            for suffix in ("", "thumb/", "preview/", "sheet/", "media/")]
    urls += ["/en/items/", "/ar/items/", "/en/items/?copies=on", "/en/items/?source=telegram&kind=image"]
    client.force_login(world["restricted"])
    bodies = {url: _body(client.get(url)) for url in urls}
    bodies["htmx"] = _body(client.get("/en/items/?kind=image", headers={"HX-Request": "true"}))
    with open(_near_copy(world["photo"], Path(world["photo"]).with_name("query.jpg"), 0.5, 60), "rb") as f:
        bodies["seen"] = _body(client.post("/en/items/seen/", {"file": f}))
    assert sha.encode() in bodies["seen"], "the seen page shows the match (so it was tested on a real answer)"
    leaks = {url: _canaries_in(body) for url, body in bodies.items() if _canaries_in(body)}
    assert leaks == {}
    # A post time is a restricted capture field: the earliest copy is dated without it for this role.
    assert "source post time".encode() not in bodies[f"/en/items/{world['near']}/"], "a post time reached the role"

    client.force_login(world["editor"])
    page = _body(client.get(f"/en/items/{sha}/"))
    assert sorted(_canaries_in(page)) == sorted([*CANARIES, "gps"])
    assert CANARIES["channel"].encode() in _body(client.get(f"/en/items/{world['near']}/")), "earliest source named"


def test_list_shows_only_items_of_the_users_projects(client, world):
    client.force_login(world["editor"])
    body = _body(client.get("/en/items/")).decode()
    assert {world["canary"], world["near"], world["video"]} <= set(re.findall(r"/items/([0-9a-f]{64})/", body))
    assert world["foreign"] not in body
    client.force_login(world["outsider"])
    body = _body(client.get("/en/items/")).decode()
    assert world["foreign"] in body and world["canary"] not in body and world["video"] not in body


def test_filters_narrow_the_table_and_htmx_gets_only_the_rows(client, world):
    client.force_login(world["editor"])

    def shown(query: str) -> set[str]:
        return set(re.findall(r"/items/([0-9a-f]{64})/\"", _body(client.get(f"/en/items/?{query}")).decode()))

    assert shown("kind=video") == {world["video"]}
    assert shown("kind=image") == {world["canary"], world["near"]}
    assert shown("source=telegram") == {world["canary"]}
    assert shown("copies=on") == {world["canary"], world["near"]}
    tomorrow = (timezone.now() + timedelta(days=1)).date().isoformat()
    assert shown(f"since={tomorrow}") == set()
    assert shown(f"until={tomorrow}") == {world["canary"], world["near"], world["video"]}
    assert shown("incident=SYR999999") == set()
    fragment = _body(client.get("/en/items/?kind=video", headers={"HX-Request": "true"})).decode()
    assert fragment.lstrip().startswith('<div id="item-results"') and "<html" not in fragment
    assert world["video"] in fragment


def test_incident_filter_uses_only_visible_incidents(client, world):
    from marsad.incidents import service

    incident = service.create({"title": "Market"}, "actor:test", [world["video"]], "report", project=world["project"])
    service.link(incident, [world["video"]], "primary", "actor:test")
    elsewhere = service.create({"title": "Other"}, "actor:test", [], "report", project=world["elsewhere"])
    client.force_login(world["editor"])
    body = _body(client.get(f"/en/items/?incident={incident.code.lower()}")).decode()
    assert world["video"] in body and world["canary"] not in body
    assert incident.code in body  # the incidents column
    assert world["video"] not in _body(client.get(f"/en/items/?incident={elsewhere.code}")).decode()


def test_blur_all_media_preference_sends_only_blurred_previews(client, world):
    from marsad.access.models import Preference

    Preference.objects.create(user=world["editor"], blur_all_media=True)
    client.force_login(world["editor"])
    for url in ("/en/items/", f"/en/items/{world['canary']}/", f"/en/items/{world['video']}/"):
        body = _body(client.get(url)).decode()
        assert "/preview/" in body
        assert not re.search(r'\ssrc="[^"]*/(thumb|media|sheet)/"', body), url
        assert not re.search(r'\sposter="[^"]*/thumb/"', body), url


def test_preview_is_small_grey_and_not_the_thumbnail(client, world):
    client.force_login(world["restricted"])
    thumb = _body(client.get(f"/en/items/{world['canary']}/thumb/"))
    response = client.get(f"/en/items/{world['canary']}/preview/")
    preview = _body(response)
    assert response["Content-Type"] == "image/jpeg" and preview != thumb
    import io

    with Image.open(io.BytesIO(preview)) as img:
        assert img.mode == "L"
        assert max(img.size) <= 300


# -- keyset pages ---------------------------------------------------------------------------

def _bare_items(project, count: int) -> set[str]:
    """Items without files, many sharing a first-seen time (ties broken by id)."""
    from marsad.access import service
    from marsad.custody import log
    from marsad.evidence.models import Item

    moment = timezone.now().replace(microsecond=0)
    made = []
    with transaction.atomic():
        log.lock_head()
        for n in range(count):
            sha = f"{n + 1:064x}"
            when = moment - timedelta(seconds=n // 7)  # seven items per second: ties across page edges
            entry = log.record("ingest", item=sha, time=when,
                               outputs=[{"sha256": sha, "blake2b": "0" * 128, "size": 1, "mime": "image/jpeg"}])
            made.append(Item.objects.create(sha256=sha, blake2b="0" * 128, size=1, mime="image/jpeg", kind="image",
                                            first_seen=when, log_index=entry.index, analysis="done"))
    service.hold(project.pk, made)
    return {i.sha256 for i in made}


def test_keyset_pages_return_every_item_once_forward_and_back(client, team):
    from marsad.web.items.present import PAGE

    mine = _bare_items(team["project"], 2 * PAGE + 17)
    client.force_login(team["editor"])
    pages, url = [], "/en/items/"
    while url:
        with CaptureQueriesContext(connection) as queries:
            body = _body(client.get(url)).decode()
        sql = " ".join(q["sql"] for q in queries.captured_queries if "evidence_item" in q["sql"]).upper()
        assert " OFFSET " not in sql and "COUNT(" not in sql and "LIMIT 51" in sql
        pages.append(re.findall(r'/items/([0-9a-f]{64})/"', body))
        nxt = re.search(r'rel="next" href="([^"]+)"', body)
        url = "/en/items/" + nxt.group(1).replace("&amp;", "&") if nxt else None
    flat = [sha for page in pages for sha in page]
    assert len(flat) == len(set(flat)) == len(mine) and set(flat) == mine
    assert [len(p) for p in pages] == [PAGE, PAGE, 17]
    n = {sha: int(sha, 16) - 1 for sha in flat}  # made in this order, seven per second, going back in time
    assert flat == sorted(flat, key=lambda s: (n[s] // 7, -n[s])), "newest first, then the higher id"

    # Back from the last page: the same pages, in reverse.
    back, body = [], body
    while prev := re.search(r'rel="prev" href="([^"]+)"', body):
        body = _body(client.get("/en/items/" + prev.group(1).replace("&amp;", "&"))).decode()
        back.append(re.findall(r'/items/([0-9a-f]{64})/"', body))
    assert back == pages[:-1][::-1]


def test_keyset_pages_keep_the_filters(client, team):
    _bare_items(team["project"], 60)
    client.force_login(team["editor"])
    body = _body(client.get("/en/items/?kind=image&since=2000-01-01")).decode()
    link = re.search(r'rel="next" href="([^"]+)"', body).group(1).replace("&amp;", "&")
    assert "kind=image" in link and "since=2000-01-01" in link and "after=" in link
    assert len(re.findall(r'/items/([0-9a-f]{64})/"', _body(client.get("/en/items/" + link)).decode())) == 10
    assert client.get("/en/items/?after=garbage").status_code == 200


# -- Range --------------------------------------------------------------------------------

@pytest.mark.parametrize("header, status, part", [
    (None, 200, slice(None)),
    ("bytes=100-199", 206, slice(100, 200)),
    ("bytes=-50", 206, slice(-50, None)),
    ("bytes=500-", 206, slice(500, None)),
    ("bytes=0-0", 206, slice(0, 1)),
    ("bytes=0-1,5-6", 200, slice(None)),  # several ranges: ignored, the whole file
])
def test_media_answers_ranges_with_the_stored_bytes(client, world, header, status, part):
    video = world["video"]
    stored = _stored(video)
    client.force_login(world["editor"])
    response = client.get(f"/en/items/{video}/media/", headers={"Range": header} if header else {})
    body = _body(response)
    assert response.status_code == status
    assert body == stored[part]
    assert response["Content-Length"] == str(len(body))
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Type"] == "video/mp4"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"].startswith("private")
    assert response["Content-Disposition"] == f'inline; filename="{video[:16]}.mp4"'
    if status == 206:
        first = len(stored) - len(body) if header.startswith("bytes=-") else int(header[6:].split("-")[0])
        assert response["Content-Range"] == f"bytes {first}-{first + len(body) - 1}/{len(stored)}"


def test_media_range_beyond_the_end_is_416(client, world):
    video = world["video"]
    size = len(_stored(video))
    client.force_login(world["editor"])
    for header in (f"bytes={size}-", f"bytes={size + 10}-{size + 20}", "bytes=-0"):
        response = client.get(f"/en/items/{video}/media/", headers={"Range": header})
        assert response.status_code == 416, header
        assert response["Content-Range"] == f"bytes */{size}"
    head = client.head(f"/en/items/{video}/media/", headers={"Range": "bytes=10-19"})
    assert head.status_code == 206 and head["Content-Length"] == "10" and _body(head) == b""
    # A range that runs past the end is cut to it.
    response = client.get(f"/en/items/{video}/media/", headers={"Range": f"bytes={size - 10}-{size + 100}"})
    assert response.status_code == 206 and _body(response) == _stored(video)[-10:]


def test_media_if_range_with_another_version_sends_everything(client, world):
    video = world["video"]
    client.force_login(world["editor"])
    response = client.get(f"/en/items/{video}/media/", headers={"Range": "bytes=0-9", "If-Range": '"other"'})
    assert response.status_code == 200 and _body(response) == _stored(video)
    response = client.get(f"/en/items/{video}/media/", headers={"Range": "bytes=0-9", "If-Range": f'"{video}"'})
    assert response.status_code == 206 and len(_body(response)) == 10


def test_files_never_carry_the_original_name_and_unsafe_types_download(client, world):
    from marsad.evidence.models import Item
    from marsad.web.items.media import safe_type

    client.force_login(world["editor"])
    for suffix in ("media/", "thumb/", "preview/"):
        response = client.get(f"/en/items/{world['canary']}/{suffix}")
        assert response.status_code == 200
        assert CANARIES["name"] not in response["Content-Disposition"]
        assert response["Content-Disposition"].startswith(f'inline; filename="{world["canary"][:16]}')
        assert response["X-Content-Type-Options"] == "nosniff" and "private" in response["Cache-Control"]
    assert safe_type("text/html") == ("application/octet-stream", False)
    assert safe_type("image/svg+xml") == ("application/octet-stream", False)
    Item.objects.filter(sha256=world["canary"]).update(mime="text/html")
    response = client.get(f"/en/items/{world['canary']}/media/")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")


# -- the graphic flag ------------------------------------------------------------------------

def test_graphic_flag_is_a_custody_event_and_the_log_still_verifies(client, world):
    from marsad.custody import log
    from marsad.custody.models import LogEntry
    from marsad.custody.verify import verify_log
    from marsad.evidence.models import Item

    sha = world["canary"]
    client.force_login(world["editor"])
    before = LogEntry.objects.filter(item=sha, type="flag").count()
    response = client.post(f"/en/items/{sha}/graphic/", {"graphic": "1"})
    assert response.status_code == 302 and Item.objects.get(sha256=sha).graphic
    client.post(f"/en/items/{sha}/graphic/", {"graphic": "1"})  # submitted twice: one event
    flags = list(LogEntry.objects.filter(item=sha, type="flag"))
    assert len(flags) == before + 1
    import json

    leaf = json.loads(bytes(flags[-1].leaf))
    assert leaf["outputs"] == [{"graphic": True}] and leaf["actor"] == log.actor_id("editor")
    page = _body(client.get(f"/en/items/{sha}/")).decode()
    assert "awaiting next checkpoint" not in page  # the web action was signed within its request
    assert f' src="/en/items/{sha}/media/"' not in page and f' data-src="/en/items/{sha}/media/"' in page
    assert f' src="/en/items/{sha}/preview/"' in page and f"/{sha}/thumb/" not in page
    client.post(f"/en/items/{sha}/graphic/", {"graphic": "0"})
    assert not Item.objects.get(sha256=sha).graphic
    from django.db import transaction

    with transaction.atomic():  # an event from elsewhere (a worker, a CLI verb) not yet signed
        log.record("flag", item=sha, outputs=[{"graphic": False}])
    assert "awaiting next checkpoint" in _body(client.get(f"/en/items/{sha}/")).decode()
    log.sign_checkpoint()
    report = verify_log()
    assert report.ok, report.problems
    assert "awaiting next checkpoint" not in _body(client.get(f"/en/items/{sha}/")).decode()


def test_item_page_shows_cluster_earliest_first_with_reasons_and_events(client, world):
    from marsad.custody.models import LogEntry

    client.force_login(world["editor"])
    body = _body(client.get(f"/en/items/{world['near']}/")).decode()
    cluster = body[body.index('<ol class="cluster">'):body.index("</ol>")]
    # The canary photo was posted earlier than anything known of its copy.
    assert cluster.index(world["canary"][:16]) < cluster.index(world["near"][:16])
    assert "earliest copy" in cluster and "PDQ hashes" in cluster
    for index in LogEntry.objects.filter(item=world["near"]).values_list("index", flat=True):
        assert f"#{index}<" in body


# -- have we seen this? ----------------------------------------------------------------------

def test_seen_finds_the_copy_without_adding_it_until_asked(client, world, settings):
    from marsad.evidence.models import Item
    from marsad.web.items.seen import SESSION_KEY, spool_dir

    client.force_login(world["editor"])
    query = _near_copy(world["photo"], Path(world["photo"]).with_name("whatsapp.jpg"), 0.4, 55)
    count = Item.objects.count()
    with open(query, "rb") as f:
        response = client.post("/en/items/seen/", {"file": f})
    body = _body(response).decode()
    assert response.status_code == 200
    assert world["canary"] in body and world["near"] in body and "PDQ hashes" in body
    assert world["foreign"] not in body
    assert Item.objects.count() == count, "comparing adds nothing"
    [token] = client.session[SESSION_KEY]
    spooled = spool_dir() / token
    assert spooled.read_bytes() == query.read_bytes()
    from marsad.evidence.ingest import store

    assert not any(store().root.rglob(token)), "spooled outside the store"

    response = client.post("/en/items/seen/add/", {"token": token, "project": world["project"].pk})
    assert Item.objects.count() == count + 1
    added = Item.objects.order_by("-id").first()
    assert response.status_code == 302 and response["Location"].endswith(f"/items/{added.sha256}/")
    assert not spooled.exists() and client.session[SESSION_KEY] == {}
    assert added.captures.get().source_kind == "upload"
    assert added.project_links.filter(project=world["project"]).exists()
    # Sent again after adding: the token is gone, nothing more is added.
    client.post("/en/items/seen/add/", {"token": token, "project": world["project"].pk})
    assert Item.objects.count() == count + 1


def test_seen_hides_matches_in_other_projects_and_refuses_foreign_projects(client, world):
    from marsad.evidence.models import Item
    from marsad.web.items.seen import SESSION_KEY

    other_photo = Path(world["photo"]).with_name("other.jpg")
    other_photo.write_bytes(_stored(world["foreign"]))
    client.force_login(world["editor"])
    with open(_near_copy(other_photo, other_photo.with_name("other-copy.jpg")), "rb") as f:
        body = _body(client.post("/en/items/seen/", {"file": f})).decode()
    assert world["foreign"] not in body and "Nothing similar" in body
    [token] = client.session[SESSION_KEY]
    count = Item.objects.count()
    client.post("/en/items/seen/add/", {"token": token, "project": world["elsewhere"].pk})  # not a project of theirs
    assert Item.objects.count() == count
    # The restricted viewer compares, but may not add.
    client.force_login(world["restricted"])
    with open(other_photo, "rb") as f:
        body = _body(client.post("/en/items/seen/", {"file": f})).decode()
    # Its own hash is shown (the person holds the file), never the item of another project.
    assert "Add to the collection" not in body and f"/items/{world['foreign']}/" not in body
    assert "already in the collection" not in body


def test_seen_refuses_a_too_large_file_and_needs_the_csrf_token(client, world, monkeypatch):
    from django.test import Client

    from marsad.web.items import seen

    client.force_login(world["editor"])
    before = set(seen.spool_dir().iterdir())
    monkeypatch.setattr(seen, "MAX_BYTES", 1000)
    with open(world["photo"], "rb") as f:  # larger than the limit: refused from its Content-Length
        response = client.post("/en/items/seen/", {"file": f})
    assert response.status_code == 413 and b"larger than" in response.content
    monkeypatch.setattr(seen, "FORM_SLACK", 10 ** 9)  # a length that lies: stopped while streaming
    with open(world["photo"], "rb") as f:
        response = client.post("/en/items/seen/", {"file": f})
    assert response.status_code == 413
    assert set(seen.spool_dir().iterdir()) == before, "nothing left behind"
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world["editor"])
    with open(world["photo"], "rb") as f:
        assert strict.post("/en/items/seen/", {"file": f}).status_code == 403


def test_seen_spool_is_swept_after_an_hour(world):
    import os
    import time

    from marsad.web.items.seen import spool_dir, sweep

    old, fresh = spool_dir() / ("o" * 24), spool_dir() / ("f" * 24)
    old.write_bytes(b"x")
    fresh.write_bytes(b"y")
    os.utime(old, (time.time() - 3700, time.time() - 3700))
    sweep(spool_dir())
    assert not old.exists() and fresh.exists()
    fresh.unlink()
