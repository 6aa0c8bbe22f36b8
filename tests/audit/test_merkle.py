"""The Merkle verifier against every RFC 6962 proof vector, and proofs it generates.

The vectors (tests/audit/data/merkle, from transparency-dev/merkle) are the community's
record of how a verifier goes wrong: flipped bits, truncated or padded proofs, swapped
roots, wrong sizes. Every `wantErr: true` case must be refused, every other accepted.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from comity.audit.merkle import (
    EMPTY_ROOT,
    MerkleTree,
    leaf_hash,
    node_hash,
    root_of,
    verify_consistency,
    verify_inclusion,
)
from comity.errors import ProofError, VerificationFailed

DATA = Path(__file__).parent / "data" / "merkle"


def _vectors(kind: str) -> list[Any]:
    files = sorted((DATA / kind).rglob("*.json"))
    assert files, f"no {kind} vectors under {DATA}"
    return [pytest.param(json.loads(f.read_text()), id=str(f.relative_to(DATA))) for f in files]


def _b(text: str | None) -> bytes:
    return base64.b64decode(text) if text else b""


def _proof(case: dict[str, Any]) -> list[bytes]:
    return [_b(p) for p in case["proof"] or []]


@pytest.mark.parametrize("case", _vectors("inclusion"))
def test_inclusion_vector(case: dict[str, Any]) -> None:
    def run() -> None:
        verify_inclusion(
            case["leafIdx"], case["treeSize"], _b(case["leafHash"]), _proof(case), _b(case["root"])
        )

    if case["wantErr"]:
        with pytest.raises(ProofError):
            run()
    else:
        run()


@pytest.mark.parametrize("case", _vectors("consistency"))
def test_consistency_vector(case: dict[str, Any]) -> None:
    def run() -> None:
        verify_consistency(
            case["size1"], case["size2"], _b(case["root1"]), _b(case["root2"]), _proof(case)
        )

    if case["wantErr"]:
        with pytest.raises(ProofError):
            run()
    else:
        run()


def test_vectors_cover_both_verdicts() -> None:
    cases = [p.values[0] for p in _vectors("inclusion") + _vectors("consistency")]
    assert sum(c["wantErr"] for c in cases) > 100
    assert sum(not c["wantErr"] for c in cases) >= 10


def test_rfc6962_reference_roots() -> None:
    # The eight leaves of RFC 6962's test suite (as in certificate-transparency's
    # merkle_tree_test) and their published roots at sizes 1, 2, 3 and 8.
    leaves = [
        b"",
        b"\x00",
        b"\x10",
        b"\x20\x21",
        b"\x30\x31",
        b"\x40\x41\x42\x43",
        b"\x50\x51\x52\x53\x54\x55\x56\x57",
        b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
    ]
    tree = MerkleTree(leaves)
    assert tree.root(0) == EMPTY_ROOT == hashlib.sha256(b"").digest()
    assert tree.root(1).hex() == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    assert tree.root(2).hex() == "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"
    assert tree.root(3).hex() == "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77"
    assert tree.root(8).hex() == "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
    assert root_of(leaves) == tree.root()


def _reference_root(leaves: list[bytes]) -> bytes:
    """MTH by the RFC's recursive definition, to check the level-by-level one."""
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaf_hash(leaves[0])
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return node_hash(_reference_root(leaves[:k]), _reference_root(leaves[k:]))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=8), min_size=1, max_size=70), st.data())
def test_generated_proofs_verify(leaves: list[bytes], data: st.DataObject) -> None:
    tree = MerkleTree(leaves)
    size = data.draw(st.integers(1, len(leaves)), label="size")
    assert tree.root(size) == _reference_root(leaves[:size])
    index = data.draw(st.integers(0, size - 1), label="index")
    proof = tree.inclusion_proof(index, size)
    verify_inclusion(index, size, tree.leaf_hash(index), proof, tree.root(size))
    size1 = data.draw(st.integers(1, size), label="size1")
    cproof = tree.consistency_proof(size1, size)
    verify_consistency(size1, size, tree.root(size1), tree.root(size), cproof)
    if size1 < size:
        # The same proof cannot vouch for an altered old tree.
        altered = MerkleTree([*leaves[: size1 - 1], leaves[size1 - 1] + b"!"])
        with pytest.raises(ProofError):
            verify_consistency(size1, size, altered.root(), tree.root(size), cproof)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.binary(max_size=8), min_size=1, max_size=70), st.data())
def test_many_proofs_at_once_are_the_single_proofs(
    leaves: list[bytes], data: st.DataObject
) -> None:
    tree = MerkleTree(leaves)
    size = data.draw(st.integers(1, len(leaves)), label="size")
    indices = data.draw(st.lists(st.integers(0, size - 1), max_size=10), label="indices")
    proofs = tree.inclusion_proofs(indices, size)
    assert sorted(proofs) == sorted(set(indices))
    for index, proof in proofs.items():
        assert proof == tree.inclusion_proof(index, size)
    with pytest.raises(ProofError):
        tree.inclusion_proofs([size], size)


def test_wrong_lengths_are_refused_not_crashed() -> None:
    tree = MerkleTree([b"a", b"b", b"c"])
    with pytest.raises(ProofError, match="not a SHA-256 hash"):
        verify_inclusion(0, 3, tree.leaf_hash(0), [b"short"], tree.root())
    with pytest.raises(ProofError, match="outside"):
        tree.inclusion_proof(3)
    with pytest.raises(ProofError, match="outside"):
        tree.root(4)
    assert issubclass(ProofError, VerificationFailed)
