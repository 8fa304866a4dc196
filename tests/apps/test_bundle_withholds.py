"""A bundle made without --include-restricted carries no source detail and no identifying
tag: its metadata passes an allow-list. An original that itself carries identifying tags
is left out and named unless asked for; a restricted bundle verifies."""

import io
import os
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from marsad.custody import bundle_verify

CANARIES = ("CANARY-AUTHOR", "user4242", "CANARY-CHANNEL", "CANARY-PATH", "canary.example", "CANARY-HEADER",
            "CANARY-ARTIST", "CANARY-OWNER", "CANARY-COMMENT", "CANARY-CREATOR", "SN-CANARY", "CANARY-TEXT")
XMP = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
       b'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator><rdf:Seq>'
       b'<rdf:li>CANARY-CREATOR</rdf:li></rdf:Seq></dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>')


def _tagged_jpeg(path: Path) -> None:
    exif = Image.Exif()
    exif[0x013B] = "CANARY-ARTIST"
    sub = exif.get_ifd(0x8769)
    sub[0xA430] = "CANARY-OWNER"  # CameraOwnerName
    sub[0xA431] = "SN-CANARY"  # BodySerialNumber
    sub[0x9286] = b"ASCII\x00\x00\x00CANARY-COMMENT"  # UserComment
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (36.0, 12.0, 0.0), "E", (36.0, 38.0, 0.0)
    Image.new("RGB", (64, 48), (200, 30, 30)).save(path, "JPEG", exif=exif, xmp=XMP)


@pytest.fixture
def evidence(db, tmp_path, monkeypatch):
    """A tagged photo seen in a Telegram export, a plain picture seen on the web; analysed."""
    from marsad.cli.init import init_workspace
    from marsad.core.sources import Sighting
    from marsad.custody import log
    from marsad.evidence.analysis import analyse
    from marsad.evidence.ingest import ingest

    monkeypatch.setenv("MARSAD_STORAGE", str(tmp_path / "store"))
    init_workspace()
    folder = tmp_path / "CANARY-PATH"
    folder.mkdir()
    photo, page = folder / "photo.jpg", folder / "shot.png"
    _tagged_jpeg(photo)
    Image.new("RGB", (40, 30), (10, 90, 200)).save(page, "PNG")
    sightings = [
        Sighting("telegram", os.fsencode(photo), str(photo), photo.name, channel="CANARY-CHANNEL", post_id="7",
                 text="CANARY-TEXT", details={"from": "CANARY-AUTHOR", "from_id": "user4242", "chat_id": 99,
                                              "export_path": str(folder)}),
        Sighting("weblink", os.fsencode(page), str(page), page.name, url="https://canary.example/p",
                 details={"requested_url": "https://canary.example/p", "final_url": "https://canary.example/q",
                          "headers": {"Server": "CANARY-HEADER"}}),
    ]
    outcomes = ingest(sightings, log.actor_id("tester"))
    for o in outcomes:
        analyse(o.sha256)
    log.sign_checkpoint()
    return outcomes[0].sha256, outcomes[1].sha256


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def _verify(path: Path, *args: str) -> tuple[int, str]:
    out = io.StringIO()
    from contextlib import redirect_stdout

    with redirect_stdout(out):
        code = bundle_verify.main(["verify.py", str(path), *args])
    return code, out.getvalue()


def test_bundle_withholds_sources_tags_and_tagged_originals(evidence, tmp_path):
    from marsad.custody.bundle import export_bundle

    photo, page = evidence
    result = export_bundle([photo, page], tmp_path / "case.zip")
    members = _members(tmp_path / "case.zip")
    for name, data in members.items():
        leaked = [c for c in CANARIES if c.encode() in data]
        assert not leaked, f"{name} carries {leaked}"
    assert set(result["withheld"]) == {photo}
    tags = result["withheld"][photo]
    assert {"EXIF:Artist", "EXIF:OwnerName", "EXIF:SerialNumber", "EXIF:UserComment", "XMP:Creator"} <= set(tags)
    assert any("GPS" in t for t in tags)
    assert not any(name.startswith(f"marsad-bundle/data/files/{photo}") for name in members)
    assert any(name.startswith(f"marsad-bundle/data/files/{page}/") for name in members)
    note = members["marsad-bundle/data/WITHHELD.txt"].decode()
    assert photo in note and "EXIF:Artist" in note
    code, out = _verify(tmp_path / "case.zip")
    assert code == 0 and "OK: 1 original file(s)" in out and "1 original(s) withheld" in out, out

    # Asked for explicitly, the original travels unaltered (the canaries are in it alone).
    asked = export_bundle([photo], tmp_path / "asked.zip", include_identifying_originals=True)
    assert asked["withheld"] == {} and photo in asked["included_with_identifying_tags"]
    members = _members(tmp_path / "asked.zip")
    carriers = {name for name, data in members.items() if b"CANARY-ARTIST" in data}
    assert carriers == {f"marsad-bundle/data/files/{photo}/{photo}.jpg"}
    assert _verify(tmp_path / "asked.zip")[0] == 0


def test_restricted_bundle_verifies_and_its_details_are_checked(evidence, tmp_path):
    import bagit

    from marsad.custody.bundle import export_bundle

    export_bundle(list(evidence), tmp_path / "full", include_restricted=True, include_identifying_originals=True)
    details = sorted((tmp_path / "full" / "data" / "log" / "leaves").glob("*.details.json"))
    assert details and b"CANARY-AUTHOR" in b"".join(p.read_bytes() for p in details)
    code, out = _verify(tmp_path / "full")
    assert code == 0, out
    # A details file edited (manifests rebuilt) no longer opens its leaf's commitment.
    victim = next(p for p in details if b"CANARY-AUTHOR" in p.read_bytes())
    victim.write_text(victim.read_text().replace("CANARY-AUTHOR", "SOMEONE-ELSE"))
    bagit.Bag(str(tmp_path / "full")).save(manifests=True)
    code, out = _verify(tmp_path / "full")
    assert code == 1 and victim.name in out, out


def _rebuild(bag: Path) -> None:
    import bagit

    bagit.Bag(str(bag)).save(manifests=True)


def _resign(bag: Path) -> str:
    """What a forger with a key of their own does after editing: the same origin name, the
    checkpoint and every proof re-signed, the manifests rebuilt, the bundle signed."""
    import hashlib

    from marsad.core.custody.note import Signer

    log_dir = bag / "data" / "log"
    old_vkey = (log_dir / "log.vkey").read_text()
    signer = Signer.generate(old_vkey.split("+")[0])
    old_note = (log_dir / "checkpoint").read_text()
    new_note = signer.sign(old_note.rpartition("\n\n")[0] + "\n")
    (log_dir / "checkpoint").write_text(new_note)
    for proof in (log_dir / "proofs").iterdir():
        proof.write_text(proof.read_text().replace(old_note, new_note))
    (log_dir / "log.vkey").write_text(signer.verifier().vkey() + "\n")
    _rebuild(bag)
    manifest = hashlib.sha256((bag / "manifest-sha256.txt").read_bytes()).hexdigest()
    (bag / bundle_verify.SIGNATURE_FILE).write_text(signer.sign(bundle_verify.signature_text(manifest)))
    _rebuild(bag)
    return old_vkey


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_verifier_rejects_edits_removals_additions_duplicates_and_a_new_key(evidence, tmp_path):
    import json
    import shutil

    from marsad.custody.bundle import export_bundle

    photo, page = evidence
    export_bundle([photo, page], tmp_path / "case", include_identifying_originals=True)
    good = tmp_path / "case"
    assert _verify(good)[0] == 0

    def attacked(name):
        copy = tmp_path / name
        shutil.copytree(good, copy)
        return copy

    edited = attacked("edited")  # metadata JSON edited, manifests rebuilt
    meta = edited / "data" / "metadata" / f"{page}.json"
    meta.write_text(meta.read_text().replace('"image"', '"document"'))
    _rebuild(edited)
    code, out = _verify(edited)
    assert code == 1 and "manifest-sha256.txt" in out, out

    removed = attacked("removed")  # a non-ingest event and its proof removed, manifests rebuilt
    leaves = removed / "data" / "log" / "leaves"
    victim = next(p for p in sorted(leaves.glob("*.json")) if json.loads(p.read_bytes())["type"] != "ingest")
    victim.unlink()
    (removed / "data" / "log" / "proofs" / victim.name.replace(".json", ".tlog-proof")).unlink()
    _rebuild(removed)
    assert _verify(removed)[0] == 1

    added = attacked("added")  # an extra file beside the bag's own
    (added / "READ-ME-FIRST.txt").write_text("the real footage is elsewhere")
    code, out = _verify(added)
    assert code == 1 and "READ-ME-FIRST.txt" in out, out

    # A zip holding one name twice, the forged copy first: tools differ in which one they show.
    forged = tmp_path / "forged.zip"
    target = f"marsad-bundle/data/metadata/{page}.json"
    with zipfile.ZipFile(forged, "w") as z:
        for path in sorted(good.rglob("*")):
            if path.is_file():
                name = str(Path("marsad-bundle") / path.relative_to(good))
                if name == target:
                    z.writestr(name, path.read_text().replace('"image"', '"document"'))
                z.write(path, name)
    code, out = _verify(forged)
    assert code == 1 and "twice" in out, out

    resigned = attacked("resigned")  # edited, then everything re-signed under a new key
    meta = resigned / "data" / "metadata" / f"{page}.json"
    meta.write_text(meta.read_text().replace('"image"', '"document"'))
    published = tmp_path / "published.vkey"
    published.write_text(_resign(resigned))
    code, out = _verify(resigned)
    good_fingerprint = bundle_verify.key_fingerprint(published.read_text())
    assert code == 0 and good_fingerprint not in out, "only the fingerprint can tell it apart"
    code, out = _verify(resigned, "--key", str(published))
    assert code == 1 and "not the key required" in out, out
    code, out = _verify(good, "--key", str(published))
    assert code == 0 and good_fingerprint in out, out
    assert _verify(good, "--key", good_fingerprint)[0] == 0
