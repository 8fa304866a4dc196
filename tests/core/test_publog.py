"""The public publication log: C2SP tlog-tiles layout, idempotent appends, proofs."""

import base64
import hashlib
import json
import os
from datetime import datetime, timezone

import pytest

from marsad import publog_verify as pv
from marsad.core.custody import merkle
from marsad.core.custody.note import Signer
from marsad.core.custody.tlogproof import TlogProof
from marsad.core.publog import PublicLog, PublicLogError, public_log_signer
from marsad.core.publog.entries import Entry
from marsad.core.publog.tiles import (
    Tile,
    bundles_for_size,
    decode_bundle,
    encode_bundle,
    encode_index,
    tiles_for_size,
)

pytestmark = pytest.mark.once

INTERNAL = (7, hashlib.sha256(b"internal").digest())
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def files(n: int, start: int = 0) -> dict[str, str]:
    return {f"en/incidents/SYR{i:06d}.html": sha(b"page %d" % i) for i in range(start, start + n)}


@pytest.fixture
def signer():
    return Signer.generate("example.org/marsad/log")


def test_tile_paths_follow_the_spec():
    assert encode_index(1234067) == "x001/x234/067"
    assert encode_index(0) == "000" and encode_index(1000) == "x001/000"
    assert Tile(0, 1234067, 8).path() == "tile/0/x001/x234/067.p/8"
    assert Tile(2, 5).path() == "tile/2/005"
    assert Tile(0, 1234067, 8, entries=True).path() == "tile/entries/x001/x234/067.p/8"
    for tile in (Tile(0, 1234067, 8), Tile(3, 1000), Tile(0, 7, 255, entries=True)):
        assert Tile.parse(tile.path()) == tile
    for bad in ("tile/0/1", "tile/01/000", "tile/0/000.p/256", "tile/0/000.p/0", "tile/0/001/000", "tile/0/x000"):
        with pytest.raises(ValueError):
            Tile.parse(bad)
        assert pv.tile_path(0, 1234067, 8) == "tile/0/x001/x234/067.p/8"


def test_tiles_for_size_match_the_specs_examples():
    tiles = list(tiles_for_size(70_000))
    full0 = [t for t in tiles if t.level == 0 and not t.partial]
    assert len(full0) == 273
    partial = {t.level: t.width for t in tiles if t.partial}
    assert partial == {0: 112, 1: 17, 2: 1}
    assert [t for t in tiles if t.level == 1 and not t.partial] == [Tile(1, 0)]
    assert list(tiles_for_size(256)) == [Tile(0, 0), Tile(1, 0, 1)]
    assert list(tiles_for_size(0)) == []
    assert list(bundles_for_size(513)) == [Tile(0, 0, entries=True), Tile(0, 1, entries=True),
                                           Tile(0, 2, 1, entries=True)]
    assert {t.path() for t in tiles} | {t.path() for t in bundles_for_size(70_000)} == set(pv.expected_tiles(70_000))


def test_entry_bundles_are_uint16_length_prefixed():
    assert encode_bundle([b"ab", b""]) == b"\x00\x02ab\x00\x00"
    assert decode_bundle(encode_bundle([b"x" * 300, b"y"])) == [b"x" * 300, b"y"]
    with pytest.raises(ValueError):
        encode_bundle([b"x" * 65536])
    with pytest.raises(ValueError):
        decode_bundle(b"\x00\x05ab")


def test_written_tiles_hold_the_specs_hashes(tmp_path, signer):
    log = PublicLog(tmp_path, signer)
    log.publish(files(300), INTERNAL, now=NOW)
    leaves = [merkle.leaf_hash(e) for e in log.entries]
    written = {p.relative_to(tmp_path).as_posix() for p in (tmp_path / "tile").rglob("*") if p.is_file()}
    assert written == {"tile/0/000", "tile/0/001.p/44", "tile/1/000.p/1", "tile/entries/000", "tile/entries/001.p/44"}
    for path in written:
        tile = Tile.parse(path)
        data = (tmp_path / path).read_bytes()
        if tile.entries:
            assert decode_bundle(data) == log.entries[tile.index * 256 : tile.index * 256 + tile.width]
            continue
        span = 256**tile.level
        for i in range(tile.width):  # MTH(D[(n*256 + i) * 256**l : (n*256 + i + 1) * 256**l])
            lo = (tile.index * 256 + i) * span
            assert data[32 * i : 32 * i + 32] == merkle.root(leaves[lo : lo + span])
        assert len(data) == 32 * tile.width


def test_rfc6962_vectors_through_the_offline_verifier(testdata):
    data = json.loads((testdata / "merkle" / "rfc6962-roots.json").read_text())
    leaves = [bytes.fromhex(x) for x in data["leaf_inputs_hex"]]
    tree = pv.Tree(leaves)
    for size, want in enumerate(data["root_by_size_hex"]):
        assert tree.root(size).hex() == want
    core = merkle.MemoryTree(merkle.leaf_hash(x) for x in leaves)
    for a in range(1, 9):
        for b in range(a, 9):
            assert tree.consistency_proof(a, b) == merkle.consistency_proof(a, b, core.fetch)
            assert pv.verify_consistency(a, b, tree.consistency_proof(a, b), tree.root(a), tree.root(b))


def test_consistency_golden_vectors_in_the_offline_verifier(testdata):
    b = base64.b64decode
    cases = sorted((testdata / "merkle" / "consistency").rglob("*.json"))
    assert cases
    for f in cases:
        c = json.loads(f.read_text())
        got = pv.verify_consistency(c["size1"], c["size2"], [b(p) for p in c["proof"] or []],
                                    b(c["root1"] or ""), b(c["root2"] or ""))
        assert got is not c["wantErr"], f


def test_republishing_unchanged_files_adds_nothing(tmp_path, signer):
    log = PublicLog(tmp_path, signer)
    first = log.publish(files(3), INTERNAL, now=NOW)
    assert [p.index for p in first.values()] == [0, 1, 2] and all(p.new for p in first.values())
    snapshot = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    again = PublicLog(tmp_path, signer).publish(files(3), (9, bytes(32)))
    assert [p.index for p in again.values()] == [0, 1, 2] and not any(p.new for p in again.values())
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == snapshot
    assert again["en/incidents/SYR000001.html"].proof.text() == first["en/incidents/SYR000001.html"].proof.text()


def test_changes_corrections_redactions_and_withdrawals(tmp_path, signer):
    log = PublicLog(tmp_path, signer)
    log.publish(files(2), INTERNAL, now=NOW)
    changed = {**files(2), "en/incidents/SYR000000.html": sha(b"new text"), "media/a.jpg": sha(b"blurred")}
    out = log.publish(changed, INTERNAL, redacted={"media/a.jpg"}, withdrawn={"gone.html"}, now=NOW)
    assert out["en/incidents/SYR000000.html"].entry.type == "correction"
    assert out["en/incidents/SYR000000.html"].index == 2
    assert out["media/a.jpg"].entry.type == "redaction"
    assert out["en/incidents/SYR000001.html"].index == 1 and not out["en/incidents/SYR000001.html"].new
    log.publish({}, INTERNAL, withdrawn={"media/a.jpg"}, now=NOW)
    assert json.loads(log.entries[-1]) == {
        "type": "withdrawal", "path": "media/a.jpg", "time": "2026-11-30T09:00:00Z",
        "internal_checkpoint": {"size": 7, "root": base64.b64encode(INTERNAL[1]).decode()}}
    assert set(PublicLog(tmp_path, signer).published()) == set(files(2))
    with pytest.raises(ValueError):
        log.publish({"../etc/passwd": sha(b"x")}, INTERNAL)
    with pytest.raises(ValueError):
        log.publish({"log/checkpoint": sha(b"x")}, INTERNAL)
    with pytest.raises(ValueError):
        log.publish({"a.html": "not a hash"}, INTERNAL)


def test_entries_are_canonical_and_hold_nothing_else(tmp_path, signer):
    log = PublicLog(tmp_path, signer)
    log.publish({"ar/index.html": sha(b"x")}, INTERNAL, now=NOW)
    entry = json.loads(log.entries[0])
    assert set(entry) == {"type", "path", "sha256", "time", "internal_checkpoint"}
    assert Entry.parse(log.entries[0]).to_bytes() == log.entries[0]
    with pytest.raises(ValueError):
        Entry.parse(log.entries[0].replace(b'{"internal', b'{ "internal'))


def test_full_tiles_are_never_rewritten_and_old_proofs_still_verify(tmp_path, signer):
    log = PublicLog(tmp_path, signer)
    first = log.publish(files(300), INTERNAL, now=NOW)
    full = tmp_path / "tile/0/000"
    stat = full.stat()
    old_checkpoint = log.checkpoint()
    log = PublicLog(tmp_path, signer)
    log.publish(files(300, start=300), INTERNAL, now=NOW)
    assert full.stat().st_mtime_ns == stat.st_mtime_ns and full.stat().st_ino == stat.st_ino
    assert (tmp_path / "tile/0/001.p/44").exists()  # the old checkpoint's partial tile stays
    assert (tmp_path / "tile/0/001").exists() and (tmp_path / "tile/0/002.p/88").exists()
    assert sorted(log.kept_checkpoints()) == [300, 600]
    old = first["en/incidents/SYR000299.html"].proof
    merkle.verify_inclusion(old.index, 300, merkle.leaf_hash(old.extra), old.hashes, old_checkpoint.root)
    merkle.verify_consistency(300, 600, log.consistency(300), old_checkpoint.root, log.checkpoint().root)
    parsed = TlogProof.parse(log.proof(5).text())
    merkle.verify_inclusion(5, 600, merkle.leaf_hash(parsed.extra), parsed.hashes, log.checkpoint().root)


def test_a_damaged_or_foreign_log_is_refused(tmp_path, signer):
    PublicLog(tmp_path, signer).publish(files(3), INTERNAL, now=NOW)
    with pytest.raises(PublicLogError, match="key"):
        PublicLog(tmp_path, Signer.generate("example.org/marsad/log"))
    bundle = tmp_path / "tile/entries/000.p/3"
    data = bytearray(bundle.read_bytes())
    data[10] ^= 1
    bundle.write_bytes(bytes(data))
    with pytest.raises(PublicLogError):
        PublicLog(tmp_path, signer)


def test_the_public_log_key_is_made_once_and_kept_private(tmp_path):
    signer = public_log_signer(tmp_path / "keys", "example.org/site/log")
    path = tmp_path / "keys" / "publog.key"
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert public_log_signer(tmp_path / "keys", "other.origin") == signer
    assert signer.name == "example.org/site/log"


def test_fast_canonical_json_is_rfc8785_byte_for_byte():
    """Entries are written and checked with a fast encoder where it gives RFC 8785's bytes:
    control characters, quotes, non-ASCII, lone surrogates and integers past 2**53 included."""
    import random

    import rfc8785

    from marsad.core.publog.entries import canonical

    rng = random.Random(16)
    chars = [chr(i) for i in range(0x30)] + list('"\\/éش😀\u2028\u2029\x7f\ud800')
    for _ in range(3000):
        text = "".join(rng.choice(chars) for _ in range(rng.randrange(12)))
        data = {"type": "publish", "path": text, "time": text[:3], "sha256": text,
                "internal_checkpoint": {"size": rng.choice([0, 7, 2**53 - 1, 2**53, 2**60, True]), "root": "AA=="}}
        try:
            want = rfc8785.dumps(data)
        except Exception as e:  # noqa: BLE001 - the same refusal either way
            want = type(e)
        try:
            got = canonical(data)
        except Exception as e:  # noqa: BLE001
            got = type(e)
        assert got == want, data
