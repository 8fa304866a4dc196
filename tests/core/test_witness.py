"""c2sp.org/tlog-witness and tlog-cosignature: the witness cosigns only a checkpoint
consistent with the last one it cosigned for that log."""

import base64
import hashlib
import struct

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from marsad.core.custody import merkle
from marsad.core.custody.note import Checkpoint, Signer
from marsad.core.custody.witness import Cosigner, CosignerVerifier, WitnessState, parse_request, request_body

LOG = Signer.generate("example.org/log")
WITNESS = Cosigner.generate("witness.example/w1")


def tree(count: int, tag: bytes = b"") -> merkle.MemoryTree:
    return merkle.MemoryTree(merkle.leaf_hash(tag + bytes([n])) for n in range(count))


def note(t: merkle.MemoryTree, size: int, signer: Signer = LOG) -> str:
    return signer.sign(Checkpoint(LOG.name, size, t.root_at(size)).text())


@pytest.mark.once
def test_a_cosignature_is_the_c2sp_timestamped_signature():
    body = "example.org/log\n3\n" + base64.b64encode(b"\x07" * 32).decode() + "\n"
    line = WITNESS.cosign(body, 1679315147)
    name, blob = line[2:].rstrip("\n").split(" ")
    blob = base64.b64decode(blob)
    key = WITNESS.verifier()
    assert name == "witness.example/w1" and len(blob) == 4 + 8 + 64
    assert blob[:4] == hashlib.sha256(b"witness.example/w1\n\x04" + key.public_key).digest()[:4]
    assert struct.unpack(">Q", blob[4:12]) == (1679315147,)
    Ed25519PublicKey.from_public_bytes(key.public_key).verify(
        blob[12:], b"cosignature/v1\ntime 1679315147\n" + body.encode())
    signed = LOG.sign(body) + line
    assert key.cosigned_at(signed) == 1679315147
    assert CosignerVerifier.parse(key.vkey()) == key
    assert Cosigner.generate("witness.example/w1").verifier().cosigned_at(signed) is None


@pytest.mark.once
def test_the_witness_cosigns_only_consistent_checkpoints(tmp_path):
    state = WitnessState(tmp_path / "state.json")
    trusted = {LOG.name: LOG.verifier()}
    t = tree(9)

    def add(old, size, proof=(), signed=None):
        return state.add_checkpoint(request_body(old, list(proof), signed or note(t, size)), trusted, WITNESS, 1000)

    first = add(0, 4)
    assert first.status == 200 and WITNESS.verifier().cosigned_at(note(t, 4) + first.body) == 1000
    assert (add(0, 6).status, add(0, 6).body, add(0, 6).content_type) == (409, "4\n", "text/x.tlog.size")
    assert add(4, 9, merkle.consistency_proof(4, 9, t.fetch)).status == 200
    forked = tree(12, b"x")
    assert add(9, 12, merkle.consistency_proof(9, 12, forked.fetch), note(forked, 12)).status == 422
    assert add(9, 9, signed=note(forked, 9)).status == 409, "same size, another root"
    assert add(9, 9).status == 200
    assert add(9, 12, signed=Signer.generate(LOG.name).sign(Checkpoint(LOG.name, 12, t.root_at(9)).text())).status == 403
    other = Signer.generate("example.org/other")
    assert state.add_checkpoint(request_body(0, [], other.sign(Checkpoint(other.name, 1, b"\0" * 32).text())),
                                trusted, WITNESS, 1000).status == 404
    assert add(10, 9).status == 400
    assert parse_request(request_body(4, [b"\1" * 32], "n\n"))[:2] == (4, [b"\1" * 32])
