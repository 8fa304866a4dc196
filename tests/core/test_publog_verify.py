"""The public site's standalone verifier: `python3 -I verify.py SITE` passes an untouched
site and fails, naming the file, after any one byte changes, a rewritten history or a re-signing."""

import hashlib
import json
import shutil
import subprocess
import sys
from datetime import datetime, timezone

import pytest

from marsad import publog_verify as pv
from marsad.core.custody.note import Signer
from marsad.core.publog import publish_site, verifier_files

pytestmark = pytest.mark.once

INTERNAL = (7, hashlib.sha256(b"internal").digest())
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)


def write_site(site, contents: dict[str, bytes], signer, **kw):
    """Write the files and a manifest.json as marsad.publish does, and log them all."""
    listed = [{"path": p, "sha256": hashlib.sha256(d).hexdigest(), "size": len(d)} for p, d in sorted(contents.items())]
    contents = {**contents, "manifest.json": json.dumps({"format": "marsad-publication/1", "files": listed}).encode()}
    for path, data in contents.items():
        (site / path).parent.mkdir(parents=True, exist_ok=True)
        (site / path).write_bytes(data)
    return publish_site(site, signer, {p: hashlib.sha256(d).hexdigest() for p, d in contents.items()},
                        INTERNAL, now=NOW, withdraw_others=True, **kw)


def pages(n, start=0):
    return {f"en/incidents/SYR{i:06d}.html": b"<p>incident %d</p>" % i for i in range(start, start + n)}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A site that grew twice (kept checkpoints 258 and 264: full and partial tiles, levels 0 and 1)."""
    site = tmp_path_factory.mktemp("site")
    signer = Signer.generate("example.org/marsad/log")
    write_site(site, {**pages(252), **verifier_files()}, signer)  # 258 files with verifiers and manifest
    write_site(site, {**pages(256), **verifier_files(), "media/p.jpg": b"\xff\xd8blurred\xff\xd9"}, signer,
               redacted={"media/p.jpg"})
    return site, signer


@pytest.fixture
def site(built, tmp_path):
    copy = tmp_path / "site"
    shutil.copytree(built[0], copy)
    return copy


def run_standalone(site, *args):
    return subprocess.run([sys.executable, "-I", str(site / "verify.py"), str(site), *args],
                          capture_output=True, text=True, timeout=60)


def flip(path, at=None):
    data = bytearray(path.read_bytes())
    i = len(data) // 2 if at is None else at
    data[i] ^= 0x01
    path.write_bytes(bytes(data))


def test_untouched_site_verifies_standalone_and_a_flipped_byte_fails(site):
    out = run_standalone(site)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "263 published file(s)" in out.stdout and "2 kept checkpoint(s)" in out.stdout
    assert "import marsad" not in (site / "verify.py").read_text()
    flip(site / "media/p.jpg")
    out = run_standalone(site)
    assert out.returncode == 1
    assert "FAILED: media/p.jpg: its SHA-256 is not the one the log records" in out.stdout


@pytest.mark.parametrize("target", [
    "en/incidents/SYR000003.html", "en/incidents/SYR000003.html.tlog-proof", "verify.py",
    "assets/publog/verify.js", "manifest.json", "log/checkpoint", "log/checkpoints/258",
    "log/checkpoints/264", "log/tile/0/000", "log/tile/0/001.p/2", "log/tile/0/001.p/8", "log/tile/1/000.p/1",
    "log/tile/entries/000", "log/tile/entries/001.p/2", "log/tile/entries/001.p/8",
])
def test_one_flipped_byte_anywhere_fails_and_is_named(site, target):
    assert pv.verify_site(str(site))[0] == []
    path = site / target
    # the middle byte, and for a proof the root hash in its checkpoint
    flip(path, None if not target.endswith(".tlog-proof") else path.read_text().rindex("\n\n") - 5)
    failures, _ = pv.verify_site(str(site))
    assert failures, target
    named = {f.split(": ")[0] for f in failures}
    assert target in named or (target.startswith("log/tile/entries") and "log/checkpoint" in named), failures


def test_extra_or_missing_files_fail(site):
    (site / "en/extra.html").write_text("not logged")
    (site / "media/p.jpg.tlog-proof").unlink()
    failures, _ = pv.verify_site(str(site))
    assert "en/extra.html: is on the site but not in the public log" in failures
    assert any(f.startswith("media/p.jpg.tlog-proof: unreadable") for f in failures)


def test_a_rewritten_history_fails_against_a_kept_checkpoint(site, built):
    signer = built[1]
    shutil.rmtree(site / "log/tile")
    (site / "log/checkpoint").unlink()
    (site / "en/incidents/SYR000000.html").unlink()
    (site / "en/incidents/SYR000000.html.tlog-proof").unlink()
    contents = {**pages(262, start=1), **verifier_files(), "media/p.jpg": b"\xff\xd8blurred\xff\xd9"}
    write_site(site, contents, signer)  # same key, without the first leaf, then more: 269 entries
    failures, _ = pv.verify_site(str(site))
    assert "log/checkpoints/264: is not consistent with log/checkpoints/269: the log's history was rewritten" \
        in failures, failures


def test_a_site_resigned_under_another_key_fails_when_the_key_is_given(site, built):
    key = built[1].verifier().vkey()
    forger = Signer.generate("example.org/marsad/log")
    shutil.rmtree(site / "log")
    contents = {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*")
                if p.is_file() and not p.name.endswith(".tlog-proof") and p.name != "manifest.json"}
    write_site(site, contents, forger)
    assert run_standalone(site).returncode == 0  # self-consistent: only the known key can tell
    out = run_standalone(site, "--key", key)
    assert out.returncode == 1
    assert "FAILED: log/log.vkey: is not the key given with --key" in out.stdout
    assert "FAILED: log/checkpoint: not signed by the log's key" in out.stdout


def test_a_file_taken_off_the_site_is_withdrawn_and_old_proofs_still_verify(site, built):
    contents = {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*")
                if p.is_file() and p.relative_to(site).parts[0] != "log"
                and not p.name.endswith(".tlog-proof") and p.name != "manifest.json"}
    del contents["media/p.jpg"]
    (site / "media/p.jpg").unlink()
    old_proof = (site / "en/incidents/SYR000001.html.tlog-proof").read_bytes()
    out = write_site(site, contents, built[1], refresh_proofs=False)
    assert (site / "en/incidents/SYR000001.html.tlog-proof").read_bytes() == old_proof  # an older checkpoint's
    assert "media/p.jpg" not in out and not (site / "media/p.jpg.tlog-proof").exists()
    assert pv.verify_site(str(site))[0] == []
    assert b'"type":"withdrawal"' in (site / "log/tile/entries/001.p/10").read_bytes()
