"""The standalone bundle verifier's own Ed25519 and proof code (standard library only)."""

import base64
import json
import os

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from marsad.core.custody import merkle
from marsad.custody import bundle_verify as bv


def test_pure_python_ed25519_agrees_with_vectors(testdata):
    for v in json.loads((testdata / "signed-note" / "vectors.json").read_text())["vectors"]:
        _, key_hash, public = bv.parse_vkey(v["verifier_key"])
        text, _, sigs = v["signed_note"].rpartition("\n\n")
        blob = base64.b64decode(sigs.split(" ")[2])
        assert blob[:4] == key_hash
        assert bv.ed25519_verify(public, (text + "\n").encode(), blob[4:])
        assert not bv.ed25519_verify(public, (text + " \n").encode(), blob[4:])


def test_pure_python_ed25519_agrees_with_cryptography():
    for n in range(10):
        key = Ed25519PrivateKey.generate()
        public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        message = os.urandom(n * 13)
        signature = key.sign(message)
        assert bv.ed25519_verify(public, message, signature)
        flipped = bytes([signature[0] ^ 1]) + signature[1:]
        assert not bv.ed25519_verify(public, message, flipped)


def test_inclusion_matches_core():
    tree = merkle.MemoryTree(merkle.leaf_hash(bytes([i])) for i in range(37))
    for i in range(37):
        proof = merkle.inclusion_proof(i, 37, tree.fetch)
        assert bv.verify_inclusion(i, 37, tree.nodes[(0, i)], proof, tree.root_at(37))
        assert not bv.verify_inclusion(i, 37, tree.nodes[(0, (i + 1) % 37)], proof, tree.root_at(37))
