"""`marsad publish` on a small generated workspace: canaries planted in restricted
fields, Telegram source details, original file names and media metadata appear in
no published byte (raw, JSON \\u escapes, HTML entities, inside the XLSX); only the
chosen incidents are published, in both languages; publishing again changes no
byte; each run is one custody event naming the manifest's SHA-256. The public log: the
site's own verify.py accepts it and names a changed file; an unchanged run adds no leaf;
a change adds correction leaves and earlier proofs still verify."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import random
import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from PIL import Image

CANARIES = {
    "path": "CANARY-PATH-51c2", "name": "CANARY-NAME-51c2.jpg", "url": "CANARY-URL-51c2", "channel": "قناة-كناري-51",
    "post": "CANARY-POST-51c2", "text": "نص-كناري-منشور", "author": "CANARY-AUTHOR-51c2",
    "forwarded": "CANARY-FWD-51c2", "make": "CANARYMAKE51", "model": "CANARYMODEL-51c2",
    "serial": "CANARYSERIAL-51c2", "comment": "CANARY-JPEG-COMMENT-51", "trailer": "CANARY-AFTER-EOI-51",
    "video_meta": "CANARY-VIDEO-TITLE-51", "video_gps": "+35.1235+036.6543/", "doc": "CANARY-DOC-BODY-51",
    "witness": "شاهد-كناري-51", "contact": "CANARY-PHONE-0999-51", "source_notes": "CANARY-SOURCE-NOTES-51",
    "unpublished": "CANARY-UNPUBLISHED-TITLE-51", "withdrawn": "CANARY-WITHDRAWN-TITLE-51",
    "other_project": "CANARY-OTHER-PROJECT-51",
}
GPS = (35.123457, 36.654321)
# URLs that vendored files carry as text (an SVG namespace, Leaflet's attribution, which the
# site turns off, bug links in CSS comments): never requested. Anything else fails.
INERT_URLS = {"http://www.w3.org/2000/svg", "https://leafletjs.com",
              "https://bugs.chromium.org/p/chromium/issues/detail?id=600120",
              "https://bugzilla.mozilla.org/show_bug.cgi?id=888319"}


def _photo(path: Path) -> Path:
    from marsad.demo.samples import _dms, scene

    img = scene(320, 240, random.Random(5))
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = CANARIES["make"], CANARIES["model"]
    exif.get_ifd(0x8769)[0xA431] = CANARIES["serial"]
    gps = exif.get_ifd(0x8825)
    gps[0] = b"\x02\x02\x00\x00"
    gps[1], gps[2], gps[3], gps[4] = "N", _dms(GPS[0]), "E", _dms(GPS[1])
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif, comment=CANARIES["comment"].encode(), quality=85)
    path.write_bytes(buf.getvalue() + CANARIES["trailer"].encode())
    return path


def _video(path: Path) -> Path:
    import av
    import numpy as np

    with av.open(str(path), "w", format="mp4") as out:
        out.metadata["title"] = CANARIES["video_meta"]
        out.metadata["location"] = CANARIES["video_gps"]
        stream = out.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 96, 64, "yuv420p"
        for i in range(8):
            frame = np.full((64, 96, 3), 40 + i * 20, dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def _places():
    from marsad.incidents.models import Place

    def add(key, name, name_ar, level, parent, pcode, lat, lon):
        return Place.objects.create(key=key, name=name, name_ar=name_ar, level=level, parent=parent, pcode=pcode,
                                    lat=lat, lon=lon, source="test")

    gov = add("t:SY07", "Idleb", "إدلب", 1, None, "SY07", 35.9, 36.6)
    dist = add("t:SY0703", "Maarrat An Nu'man", "معرة النعمان", 2, gov, "SY0703", 35.65, 36.67)
    sub = add("t:SY070300", "Kafr Nobol", "كفرنبل", 3, dist, "SY070300", 35.61, 36.56)
    return add("t:C4068", "Kafr Nobol", "كفرنبل", 4, sub, "C4068", 35.614567, 36.561234)


@pytest.fixture
def workspace(db, tmp_path, monkeypatch):
    from marsad.access import service as access
    from marsad.cli.init import init_workspace
    from marsad.core.sources import Sighting
    from marsad.custody import log
    from marsad.evidence.ingest import ingest
    from marsad.evidence.models import Item
    from marsad.incidents import service

    monkeypatch.setenv("MARSAD_STORAGE", str(tmp_path / "store"))
    init_workspace()
    project = access.add_project("Idlib 2019", "idlib", actor="actor:test")
    other = access.add_project("Elsewhere", "elsewhere", actor="actor:test")
    village = _places()
    files = {"photo": _photo(tmp_path / "p.jpg"), "video": _video(tmp_path / "v.mp4"),
             "doc": tmp_path / "r.txt"}
    files["doc"].write_text(CANARIES["doc"] + " report", encoding="utf-8")
    shas = {}
    for n, (what, path) in enumerate(files.items()):
        sighting = Sighting(source_kind="telegram", path=str(path).encode(), display_path=f"{CANARIES['path']}/{n}",
                            name=f"{n}-{CANARIES['name']}", url=f"https://t.me/{CANARIES['url']}/{n}",
                            channel=CANARIES["channel"], post_id=f"{CANARIES['post']}-{n}", text=CANARIES["text"],
                            details={"author": CANARIES["author"], "forwarded_from": CANARIES["forwarded"]})
        [outcome] = ingest([sighting], log.actor_id("collector"), project=project.pk)
        shas[what] = outcome.sha256
    Item.objects.filter(sha256=shas["video"]).update(graphic=True)

    strike = service.create({
        "title": "غارة على السوق — Strike on the market", "event_date": "2019-05-05", "event_time": "14:30",
        "place": village, "sub_event_type": "Air/drone strike", "fatalities_low": 3, "fatalities_best": 5,
        "fatalities_high": 8, "injured": 12, "grade": "fair", "grade_reason": "two independent videos",
        "notes": "Public summary of the strike.", "witness_names": CANARIES["witness"], "actor1": "Air force",
        "actor_basis": "remnants;flight_tracking",
        "actor_basis_note": "Remnants of a guided missile photographed on the market's roof.",
        "witness_contacts": CANARIES["contact"], "source_notes": CANARIES["source_notes"]},
        "actor:test", [shas["photo"]], "report", project=project)
    service.link(strike, [shas["photo"]], "primary", "actor:test")
    service.link(strike, [shas["video"], shas["doc"]], "corroborating", "actor:test")
    service.create({"title": CANARIES["unpublished"], "event_date": "2019-05-06", "grade": "weak"}, "actor:test",
                   project=project)
    service.create({"title": CANARIES["withdrawn"], "event_date": "2019-05-07", "grade": "fair",
                    "status": "discounted"}, "actor:test", project=project)
    service.create({"title": CANARIES["other_project"], "event_date": "2019-05-07", "grade": "fair"}, "actor:test",
                   project=other)
    return project, strike.code


def approve_redactions() -> None:
    from marsad.access import service as access
    from marsad.evidence.models import Derivative
    from marsad.evidence.redaction import decide

    reviewer = access.add_user("reviewer", "pw-reviewer-Idlib-2019", actor="actor:test")
    for derivative in Derivative.objects.filter(role__startswith="redacted"):
        decide(derivative, reviewer, approve=True)


def _forms(text: str) -> set[bytes]:
    """The ways a string can be written into a published file."""
    out = {text.encode(), text.encode("utf-16-le"), json.dumps(text).encode(),
           "".join(f"&#{ord(c)};" for c in text).encode(), "".join(f"&#x{ord(c):x};" for c in text).encode()}
    escaped = json.dumps(text, ensure_ascii=True)[1:-1]
    out |= {escaped.encode(), re.sub(r"\\u([0-9a-f]{4})", lambda m: "\\u" + m.group(1).upper(), escaped).encode()}
    return {f for f in out if f}


def _published(root: Path) -> dict[str, bytes]:
    """Every published file's bytes, and the members of every zip (XLSX) among them."""
    files = {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
    for name, data in list(files.items()):
        if data[:4] == b"PK\x03\x04":
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                files |= {f"{name}!{m}": z.read(m) for m in z.namelist()}
    return files


def _verify(site: Path, *args: str) -> subprocess.CompletedProcess:
    """The site's own verify.py, as a reader runs it: isolated, standard library only."""
    return subprocess.run(["python3", "-I", str(site / "verify.py"), str(site), *args], check=False,
                          capture_output=True, text=True, timeout=60)


def _log_file(name: str) -> bool:
    return name.startswith("log/") or name.endswith(".tlog-proof")


def test_publish_leaks_nothing_and_republishes_byte_for_byte(workspace, tmp_path):
    from marsad.custody.models import LogEntry
    from marsad.evidence.models import Item
    from marsad.publish.builder import publish

    project, code = workspace
    out = tmp_path / "site"
    waiting = publish(out, project, "fair")  # redacted now, published once a person approves
    assert (waiting.incidents, waiting.media, waiting.withheld, waiting.awaiting) == (1, 0, 3, 2)
    approve_redactions()
    result = publish(out, project, "fair")
    assert (result.incidents, result.media, result.withheld, result.awaiting) == (1, 2, 1, 0)
    files = _published(out)

    # Both languages, linked to each other by hreflang; the Arabic page right to left.
    pages = {lang: {Path(n).stem for n in files if n.startswith(f"{lang}/incidents/") and n.endswith(".html")}
             for lang in ("ar", "en")}
    assert pages == {"ar": {code}, "en": {code}}
    ar, en = files[f"ar/incidents/{code}.html"].decode(), files[f"en/incidents/{code}.html"].decode()
    assert '<html lang="ar" dir="rtl">' in ar and '<html lang="en" dir="ltr">' in en
    for page in (ar, en):
        assert f'hreflang="ar" href="../../ar/incidents/{code}.html"' in page
        assert f'hreflang="en" href="../../en/incidents/{code}.html"' in page
        assert "SY070300" in page and "C4068" in page and "كفرنبل" in page and "Kafr Nobol" in page
        assert "35.61, 36.56" in page and "0.01" in page  # coarsened, and said so
        assert "<details" in page  # the graphic video waits for a click
    assert "1 photo from Telegram" in en and "1 document from Telegram" in en
    assert "two independent videos" in en and "Public summary of the strike." in en

    # Only the chosen incident; the media are the redacted files, named by their own hashes.
    manifest = json.loads(files["manifest.json"])
    listed = {f["path"]: f["sha256"] for f in manifest["files"]}
    # The manifest lists every file but itself and the public log's (log/, .tlog-proof), verifiers included.
    assert set(listed) == {n for n in files if "!" not in n and not _log_file(n)} - {"manifest.json"}
    assert {"verify.py", "assets/publog/verify.js", "assets/publog/noble.min.js"} <= set(listed)
    assert {n[: -len(".tlog-proof")] for n in files if n.endswith(".tlog-proof")} == set(listed) | {"manifest.json"}
    assert all(hashlib.sha256(files[p]).hexdigest() == h for p, h in listed.items())
    media = sorted(p for p in listed if p.startswith("media/"))
    assert len(media) == 2 and all(Path(p).stem == listed[p] for p in media)
    assert all(listed[p] in en for p in media)
    # The video's poster: a frame of the redacted video (named by its hash), pixels only, shown and
    # verified with it, behind the graphic veil; never a frame of the original.
    video = next(p for p in media if p.endswith(".mp4"))
    poster = f"posters/{listed[video]}.jpg"
    assert poster in listed and files[poster].startswith(b"\xff\xd8") and b"Exif" not in files[poster]
    for page in (ar, en):
        veil = page[page.index('<details class="graphic">'):page.index("</details>")]
        assert f'poster="../../{poster}"' in veil and f'data-publog-path="{poster}"' in veil
    from marsad.publish import pdf, posters

    assert files[poster] == pdf.frames(files[video], (posters.AT,))[0]  # drawn from the published file
    with Image.open(io.BytesIO(files[poster])) as shown:
        assert shown.format == "JPEG" and not shown.info.get("exif") and shown.size == (96, 64)
    csv = files["data/incidents.csv"].decode("utf-8-sig")
    assert csv.count("\nSYR") == 1 and code in csv and "evidence_sha256" not in csv and "status" not in csv
    geo = json.loads(files["data/incidents.geojson"])
    assert geo["features"][0]["geometry"]["coordinates"] == [36.56, 35.61]

    # No canary, in any form, in any published byte (the public log's too); no metadata left
    # in the media; no original's SHA-256 (the log names only the published files').
    originals = {f"original-{sha[:8]}": sha for sha in Item.objects.values_list("sha256", flat=True)}
    assert len(originals) == 3
    leaks = {(key, name) for key, canary in (CANARIES | originals).items() for form in _forms(canary)
             for name, data in files.items() if form in data}
    assert leaks == set(), "restricted or source details were published"
    original = (tmp_path / "p.jpg").read_bytes()  # the scanner finds what the original holds
    found = {k for k, c in CANARIES.items() for f in _forms(c) if f in original}
    assert {"make", "serial", "comment", "trailer"} <= found
    gps = {f"{GPS[0]:.4f}".encode(), f"{GPS[1]:.4f}".encode(), b"GPSLatitude"}
    assert not any(g in data for g in gps for data in files.values())
    for p in media:
        assert b"Exif\x00\x00" not in files[p] and b"\xa9xyz" not in files[p]

    # Nothing to another host: no absolute URL in any page, script or style.
    urls = {u for name, data in files.items() if name.endswith((".html", ".js", ".css"))
            for u in re.findall(rb"https?://[^\s\"'<>)]+", data)}
    assert {u.decode() for u in urls} <= INERT_URLS

    # The site's verify.py accepts it (with the key from the page, too) and names a changed page.
    key = re.search(r"<code[^>]*data-publog-key>([^<]+)</code>", en).group(1)
    assert key == result.public_log_key and f'<meta name="publog-self" content="en/incidents/{code}.html">' in en
    checked = _verify(out, "--key", key)
    assert checked.returncode == 0 and checked.stdout.startswith(f"OK: {len(listed) + 1} published file(s)"), checked
    page = out / "en" / "incidents" / f"{code}.html"
    page.write_bytes(files[f"en/incidents/{code}.html"].replace(b"Kafr", b"Kafe", 1))
    flipped = _verify(out)
    assert flipped.returncode == 1 and f"FAILED: en/incidents/{code}.html: its SHA-256" in flipped.stdout, flipped
    page.write_bytes(files[f"en/incidents/{code}.html"])

    # One custody event per run, naming the manifest; a second run changes no byte.
    events = list(LogEntry.objects.filter(type="publish").order_by("index"))
    leaf = json.loads(bytes(events[-1].leaf))
    assert len(events) == 2
    assert leaf["outputs"][0]["manifest_sha256"] == hashlib.sha256(files["manifest.json"]).hexdigest()
    from marsad.incidents import service

    # A change the public does not see (a restricted field, the review status) changes no byte either.
    service.update(service.get(code), {"witness_names": "شاهد آخر", "status": "in_review"}, "actor:test")
    again = publish(out, project, "fair")
    assert _published(out) == files and again.manifest_sha256 == result.manifest_sha256
    assert LogEntry.objects.filter(type="publish").count() == 3
    assert again.public_log_added == 0 and again.public_log_size == result.public_log_size

    # A public change: correction leaves for what changed; an earlier proof still verifies.
    service.update(service.get(code), {"notes": "Corrected summary."}, "actor:test")
    corrected = publish(out, project, "fair")
    changed = {f"{lang}/incidents/{code}.{ext}" for lang in ("ar", "en") for ext in ("html", "pdf")} | {
        f"data/incidents.{fmt}" for fmt in ("csv", "geojson", "xlsx")} | {"manifest.json", "data/events.json"} | {
        f"{lang}/{name}" for lang in ("ar", "en") for name in ("feed.atom", "index.html")}  # feed; index lists it
    assert corrected.public_log_added == len(changed), corrected
    proof = (out / f"en/incidents/{code}.html.tlog-proof").read_text()
    entry = json.loads(base64.b64decode(proof.split("\n")[1].removeprefix("extra ")))
    assert entry["type"] == "correction" and entry["sha256"] == hashlib.sha256(page.read_bytes()).hexdigest()
    old = "assets/site.css.tlog-proof"  # unchanged file: its proof from before the log grew is kept, and holds
    assert (out / old).read_bytes() == files[old]
    assert _verify(out).returncode == 0
    from marsad import publog_verify

    # The page as first published, with its first proof: still in the signed log, at a kept checkpoint.
    index, hashes, note, extra = publog_verify.parse_proof(files[f"en/incidents/{code}.html.tlog-proof"].decode())
    size, root = publog_verify.open_checkpoint(note, key)
    assert json.loads(extra)["sha256"] == hashlib.sha256(files[f"en/incidents/{code}.html"]).hexdigest()
    assert publog_verify.verify_inclusion(index, size, publog_verify.leaf(extra), hashes, root)
    assert (out / "log" / "checkpoints" / str(size)).read_text() == note and size < corrected.public_log_size

    # Withdrawn: its media leave the site with their proofs and its pages become tombstones (see
    # test_publish_site_extras.py); the log says so, the site still checks.
    service.update(service.get(code), {"status": "discounted"}, "actor:test")
    withdrawn = publish(out, project, "fair")
    gone = set(media) | {poster}
    assert withdrawn.incidents == 0 and not any((out / p).exists() or (out / (p + ".tlog-proof")).exists()
                                                for p in gone)
    assert "withdrawn" in (out / f"en/incidents/{code}.html").read_text()
    assert withdrawn.public_log_added >= len(gone) + 2 and _verify(out).returncode == 0


def test_the_command_refuses_bad_input_and_writes_nothing(marsad, tmp_path):
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    refused = marsad.run("publish", "--out", str(busy), "--grade", "weak", check=2).stderr
    assert "holds no earlier publication" in refused and sorted(busy.iterdir()) == [busy / "notes.txt"]
    assert "unknown grade 'contested'" in marsad.run("publish", "--out", str(tmp_path / "s"), "--grade", "contested",
                                                     check=2).stderr
    said = marsad.run("publish", "--out", str(tmp_path / "site"), "--base-url", "https://example.org/x").stdout
    assert said.startswith("0 incident(s)") and "manifest.json SHA-256" in said and "public log: " in said
    assert (tmp_path / "workspace" / "keys" / "publog.key").stat().st_mode & 0o777 == 0o600
    assert _verify(tmp_path / "site").returncode == 0  # an empty site is logged and checks too
    page = (tmp_path / "site" / "en" / "index.html").read_text()
    assert '<link rel="canonical" href="https://example.org/x/en/index.html">' in page
