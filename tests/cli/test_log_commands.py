"""`marsad log ...`, `fixity` and `export bundle` through the real command."""

import json
import subprocess

from marsad.core.custody import merkle
from marsad.core.custody.note import Signer, Verifier, open_checkpoint
from marsad.core.custody.tlogproof import TlogProof


def test_prove_prints_verifiable_c2sp_proofs(marsad, samples):
    marsad.run("ingest", str(samples["photo"]))
    sha = marsad.json("items")[0]["sha256"]
    out = marsad.run("log", "prove", sha[:12]).stdout
    verifier = Verifier.parse((marsad.home / "log" / "log.vkey").read_text())
    blocks = [b for b in out.split("# event ") if b.strip()]
    assert len(blocks) >= 4  # ingest, capture, analysis (metadata, thumbnails), derive
    for block in blocks:
        header, _, proof_text = block.partition("\n")
        leaf = header.split(": ", 1)[1].encode()
        assert json.loads(leaf)["item"] == sha
        proof = TlogProof.parse(proof_text)
        checkpoint = open_checkpoint(proof.checkpoint, verifier)
        merkle.verify_inclusion(proof.index, checkpoint.size, merkle.leaf_hash(leaf), proof.hashes, checkpoint.root)


def test_show_checkpoint_and_verify_with_another_key(marsad, samples, tmp_path):
    marsad.run("ingest", str(samples["pdf"]))
    lines = marsad.run("log", "show", "--tail", "2").stdout.strip().split("\n")
    assert len(lines) == 2 and all('"v":1' in line or '"v":2' in line for line in lines)  # 2: salted details
    note = marsad.run("log", "checkpoint").stdout
    assert note.split("\n")[1].isdigit() and "\u2014 marsad.local/" in note
    other = tmp_path / "other.vkey"
    other.write_text(Signer.generate(note.split("\n")[0]).verifier().vkey())
    bad = marsad.run("log", "verify", "--key", str(other), check=1)
    assert "not signed by the key" in bad.stdout and "FAILED" in bad.stdout


def test_fixity_and_bundle_from_the_command_line(marsad, samples, tmp_path):
    marsad.run("ingest", str(samples["video"]))
    sha = marsad.json("items")[0]["sha256"]
    assert "0 problem(s)" in marsad.run("fixity", "--sample", "1").stdout
    marsad.run("export", "bundle", sha[:10], "-o", str(tmp_path / "case.zip"))
    marsad.run("export", "bundle", sha, "-o", str(tmp_path / "case"))
    check = subprocess.run(["python3", "-I", str(tmp_path / "case" / "verify.py"), str(tmp_path / "case.zip")],
                           capture_output=True, text=True)
    assert check.returncode == 0 and check.stdout.startswith("OK"), check.stdout
    blob = marsad.home / "store" / sha[:2] / sha[2:4] / sha
    blob.chmod(0o644)
    blob.write_bytes(blob.read_bytes()[:-1] + b"\x00")
    failed = marsad.run("fixity", check=1).stdout
    assert f"CHANGED {sha}" in failed and ".mp4" in failed
    assert "fails its fixity check" in marsad.run("export", "bundle", sha, "-o", str(tmp_path / "x"), check=1).stderr
