"""A signed Marsad evidence bundle made from given parts, with nothing but the core custody
code: what fuzz_verify.py mutates, and what the regression tests build. The parts are
signed properly, by a key of this module's own (as anyone can make one)."""

import hashlib
import json
import shutil

from marsad.core.custody import merkle
from marsad.core.custody.note import Checkpoint, Signer
from marsad.core.custody.tlogproof import TlogProof
from marsad.custody import bundle_verify as bv

SIGNER = Signer("fuzz.example/log", bytes(range(32)))
VKEY = SIGNER.verifier().vkey()
PART, DETAILS = b"\n--\n", b"\n==\n"


def leaf_json(kind: str, sha: str, details: bool = False) -> bytes:
    return json.dumps({"v": 1, "type": kind, "time": "2019-05-05T14:32:10Z", "actor": "actor:ab12", "item": sha,
                       "inputs": [], "outputs": [{"sha256": sha, "blake2b": "00", "size": 5, "mime": "image/jpeg"}],
                       "tool": {"name": "marsad"}, "details": "DETAILS" if details else None},
                      separators=(",", ":")).encode().replace(sha.encode(), b"FILESHA")


def default_parts() -> list[bytes]:
    return [b"\xff\xd8\xff photo", b'{"sha256": "FILESHA", "kind": "image"}', leaf_json("ingest", "0" * 64),
            leaf_json("capture", "0" * 64, details=True) + DETAILS + b'{"original_path": "/phone/DCIM/1.jpg"}']


def build(parts: list[bytes], bag) -> None:
    """A bundle from these parts, manifests and signatures made right."""
    if bag.exists():
        shutil.rmtree(bag)
    original, metadata, *leaves = parts + [b""] * (2 - len(parts))
    sha = hashlib.sha256(original).hexdigest()
    for sub in ("files/" + sha, "metadata", "log/leaves", "log/proofs"):
        (bag / "data" / sub).mkdir(parents=True)
    (bag / "data" / "files" / sha / "original.jpg").write_bytes(original)
    (bag / "data" / "metadata" / f"{sha}.json").write_bytes(metadata.replace(b"FILESHA", sha.encode()))
    tree, texts = merkle.MemoryTree(), []
    for index, part in enumerate(leaves):
        leaf, sep, details = part.partition(DETAILS)
        if sep:
            try:
                digest = hashlib.sha256(bv.canonical(json.loads(details)).encode()).hexdigest()
            except (ValueError, RecursionError):
                digest = "0" * 64
            leaf = leaf.replace(b"DETAILS", digest.encode())
            (bag / "data" / "log" / "leaves" / f"{index}.details.json").write_bytes(details)
        leaf = leaf.replace(b"FILESHA", sha.encode())
        (bag / "data" / "log" / "leaves" / f"{index}.json").write_bytes(leaf)
        tree.append(merkle.leaf_hash(leaf))
        texts.append(index)
    checkpoint = SIGNER.sign(Checkpoint(SIGNER.name, tree.size, tree.root_at(tree.size)).text())
    for index in texts:
        proof = merkle.inclusion_proof(index, tree.size, tree.fetch)
        (bag / "data" / "log" / "proofs" / f"{index}.tlog-proof").write_text(TlogProof(index, proof, checkpoint).text())
    (bag / "data" / "log" / "checkpoint").write_text(checkpoint)
    (bag / "data" / "log" / "log.vkey").write_text(VKEY + "\n")
    (bag / "bagit.txt").write_text("BagIt-Version: 0.97\nTag-File-Character-Encoding: UTF-8\n")
    (bag / "bag-info.txt").write_text("Source-Organization: Marsad\n")
    files = sorted(p for p in (bag / "data").rglob("*") if p.is_file())
    manifest = "".join(f"{bv.sha256_file(p)}  {p.relative_to(bag).as_posix()}\n" for p in files)
    (bag / "manifest-sha256.txt").write_text(manifest)
    signed = SIGNER.sign(bv.signature_text(hashlib.sha256(manifest.encode()).hexdigest()))
    (bag / bv.SIGNATURE_FILE).write_text(signed)
    tags = ("bagit.txt", "bag-info.txt", "manifest-sha256.txt", bv.SIGNATURE_FILE)
    (bag / "tagmanifest-sha256.txt").write_text("".join(f"{bv.sha256_file(bag / t)}  {t}\n" for t in tags))
