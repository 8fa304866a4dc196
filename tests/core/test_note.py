import json

import pytest

from marsad.core.custody.note import Checkpoint, NoteError, Signer, Verifier, open_checkpoint, open_note


@pytest.fixture(scope="module")
def vectors(testdata):
    return json.loads((testdata / "signed-note" / "vectors.json").read_text())["vectors"]


def test_signing_is_byte_exact(vectors):
    signed = [v for v in vectors if "private_key" in v]
    assert signed
    for v in signed:
        signer = Signer.parse(v["private_key"])
        assert signer.sign(v["text"]) == v["signed_note"]
        assert signer.verifier().vkey() == v["verifier_key"]


def test_vectors_verify_and_modified_notes_are_rejected(vectors):
    for v in vectors:
        verifier = Verifier.parse(v["verifier_key"])
        assert open_note(v["signed_note"], verifier) == v["text"]
        tampered = v["signed_note"].replace(v["text"][:5], v["text"][:4] + "X", 1)
        with pytest.raises(NoteError, match="altered"):
            open_note(tampered, verifier)


def test_other_key_is_rejected(vectors):
    v = vectors[0]
    other = Signer.generate(Verifier.parse(v["verifier_key"]).name).verifier()
    with pytest.raises(NoteError, match="not signed by"):
        open_note(v["signed_note"], other)


def test_checkpoint_round_trip():
    signer = Signer.generate("marsad.local/test")
    body = Checkpoint("marsad.local/test", 42, bytes(range(32)))
    note = signer.sign(body.text())
    assert note.startswith("marsad.local/test\n42\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n\n\u2014 ")
    assert open_checkpoint(note, signer.verifier()) == body
    assert Signer.parse(signer.skey()) == signer
    with pytest.raises(NoteError):
        Checkpoint.parse("origin\n042\nAAAA\n")
