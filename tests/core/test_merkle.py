"""RFC 9162 hashing and proofs against the transparency-dev golden vectors,
and our own proofs checked by our verifier for every small tree and random big ones."""

import base64
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marsad.core.custody import merkle

B = base64.b64decode


def _cases(testdata, kind):
    files = sorted((testdata / "merkle" / kind).rglob("*.json"))
    assert files, f"no {kind} vectors"
    return [(f.relative_to(testdata).as_posix(), json.loads(f.read_text())) for f in files]


def test_all_196_golden_cases(testdata):
    inclusion = _cases(testdata, "inclusion")
    consistency = _cases(testdata, "consistency")
    assert len(inclusion) + len(consistency) == 196
    for name, c in inclusion:
        args = (c["leafIdx"], c["treeSize"], B(c["leafHash"] or ""), [B(p) for p in c["proof"] or []], B(c["root"] or ""))
        if c["wantErr"]:
            with pytest.raises(ValueError):
                merkle.verify_inclusion(*args)
        else:
            merkle.verify_inclusion(*args)
    for name, c in consistency:
        args = (c["size1"], c["size2"], [B(p) for p in c["proof"] or []], B(c["root1"] or ""), B(c["root2"] or ""))
        if c["wantErr"]:
            with pytest.raises(ValueError):
                merkle.verify_consistency(*args)
        else:
            merkle.verify_consistency(*args)


def test_rfc6962_roots(testdata):
    data = json.loads((testdata / "merkle" / "rfc6962-roots.json").read_text())
    leaves = [merkle.leaf_hash(bytes.fromhex(x)) for x in data["leaf_inputs_hex"]]
    tree = merkle.MemoryTree(leaves)
    for size, want in enumerate(data["root_by_size_hex"]):
        assert merkle.root(leaves[:size]).hex() == want
        assert tree.root_at(size).hex() == want


def test_known_inclusion_proof_is_generated_exactly(testdata):
    """Our generator must produce the published proof, not just a verifying one."""
    data = json.loads((testdata / "merkle" / "rfc6962-roots.json").read_text())
    tree = merkle.MemoryTree(merkle.leaf_hash(bytes.fromhex(x)) for x in data["leaf_inputs_hex"])
    case = json.loads((testdata / "merkle" / "inclusion" / "1" / "happy-path.json").read_text())
    proof = merkle.inclusion_proof(case["leafIdx"], case["treeSize"], tree.fetch)
    assert [base64.b64encode(p).decode() for p in proof] == case["proof"]


@pytest.fixture(scope="module")
def small_tree():
    return merkle.MemoryTree(merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(200))


def test_every_proof_up_to_200_verifies(small_tree):
    t = small_tree
    for n in range(1, 201):
        root_n = t.root_at(n)
        for i in range(n):
            merkle.verify_inclusion(i, n, t.nodes[(0, i)], merkle.inclusion_proof(i, n, t.fetch), root_n)
        for m in range(1, n + 1):
            merkle.verify_consistency(m, n, merkle.consistency_proof(m, n, t.fetch), t.root_at(m), root_n)


def test_wrong_leaf_or_root_is_rejected(small_tree):
    t = small_tree
    proof = merkle.inclusion_proof(5, 100, t.fetch)
    with pytest.raises(ValueError):
        merkle.verify_inclusion(5, 100, t.nodes[(0, 6)], proof, t.root_at(100))
    with pytest.raises(ValueError):
        merkle.verify_inclusion(5, 100, t.nodes[(0, 5)], proof, t.root_at(99))
    with pytest.raises(ValueError):
        merkle.verify_consistency(50, 100, merkle.consistency_proof(50, 100, t.fetch), t.root_at(49), t.root_at(100))


@pytest.fixture(scope="module")
def big_tree():
    return merkle.MemoryTree(merkle.leaf_hash(i.to_bytes(8, "big")) for i in range(1_000_000))


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_random_proofs_up_to_a_million_verify(big_tree, data):
    t = big_tree
    n = data.draw(st.integers(1, 1_000_000))
    m = data.draw(st.integers(1, n))
    i = data.draw(st.integers(0, n - 1))
    root_n = t.root_at(n)
    merkle.verify_inclusion(i, n, t.nodes[(0, i)], merkle.inclusion_proof(i, n, t.fetch), root_n)
    merkle.verify_consistency(m, n, merkle.consistency_proof(m, n, t.fetch), t.root_at(m), root_n)


def test_compact_range_round_trip():
    c = merkle.CompactRange()
    for i in range(77):
        c.append(merkle.leaf_hash(bytes([i])))
    again = merkle.CompactRange.from_bytes(77, c.to_bytes())
    assert again.root() == c.root() == merkle.root([merkle.leaf_hash(bytes([i])) for i in range(77)])
    with pytest.raises(ValueError):
        merkle.CompactRange.from_bytes(79, c.to_bytes())  # 79 has five set bits, 77 four
