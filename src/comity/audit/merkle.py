"""RFC 6962 Merkle trees over the log's record hashes: roots, and the two proofs.

The hash chain catches an edited record, but a log cut at its end, or rewritten from an
edit onwards with every later hash recomputed, still chains. A Merkle root signed at a
size pins the first `size` records: an auditor holding a signed root detects any change
to them, and a consistency proof shows a later root extends an earlier one without
trusting the log. The tree is RFC 6962's (section 2.1), as RFC 9162 and the C2SP
checkpoint format use it: leaf = SHA-256(0x00 || data), node = SHA-256(0x01 || left ||
right), the empty tree's root SHA-256 of nothing, and a tree of n > 1 leaves split at
the largest power of two below n.

The verifiers follow RFC 9162 sections 2.1.3.2 and 2.1.4.2 step by step; they are small
on purpose, so that an auditor can read them against the RFC, and they are tested
against the transparency-dev proof vectors (tests/audit/data/merkle).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from comity.errors import ProofError

__all__ = [
    "EMPTY_ROOT",
    "CompactRange",
    "MerkleTree",
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "root_of",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
_LEAF = b"\x00"
_NODE = b"\x01"


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(_LEAF + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(_NODE + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly below n (n >= 2): where RFC 6962 splits."""
    return 1 << ((n - 1).bit_length() - 1)


def _root_of_hashes(level: list[bytes]) -> bytes:
    """Root of leaf hashes, level by level.

    Promoting an unpaired last node unchanged to the next level builds exactly RFC
    6962's left-balanced tree, without recursion and with one hash call per node.
    """
    if not level:
        return EMPTY_ROOT
    sha = hashlib.sha256
    while len(level) > 1:
        paired = [
            sha(_NODE + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)
        ]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def root_of(leaves: Iterable[bytes]) -> bytes:
    """The Merkle tree hash of the given leaf data, in order."""
    sha = hashlib.sha256
    return _root_of_hashes([sha(_LEAF + d).digest() for d in leaves])


class CompactRange:
    """The roots of the perfect subtrees that make up the first `size` leaves: at most
    one per bit of `size`, enough to extend the tree and give its root at any later
    size without the earlier leaves (the compact range [0, size) of transparency-dev's
    merkle package). Verification keeps one beside the record it verified up to.
    """

    def __init__(self, size: int = 0, nodes: Sequence[bytes] = ()) -> None:
        if len(nodes) != size.bit_count() or any(len(n) != HASH_SIZE for n in nodes):
            raise ProofError(f"a compact range of {size} leaves has {size.bit_count()} nodes")
        self.size = size
        self._nodes = list(nodes)

    @property
    def nodes(self) -> tuple[bytes, ...]:
        return tuple(self._nodes)

    def copy(self) -> CompactRange:
        return CompactRange(self.size, self._nodes)

    def append(self, data: bytes) -> None:
        self.append_hash(hashlib.sha256(_LEAF + data).digest())

    def append_hash(self, leaf: bytes) -> None:
        """Add one leaf hash: merge equal-sized subtrees as a binary counter carries."""
        node, size = leaf, self.size
        nodes = self._nodes
        while size & 1:
            node = hashlib.sha256(_NODE + nodes.pop() + node).digest()
            size >>= 1
        nodes.append(node)
        self.size += 1

    def root(self) -> bytes:
        """RFC 6962's root of the leaves so far: the subtrees folded from the right."""
        if not self._nodes:
            return EMPTY_ROOT
        node = self._nodes[-1]
        for left in reversed(self._nodes[:-1]):
            node = hashlib.sha256(_NODE + left + node).digest()
        return node


class MerkleTree:
    """The leaf hashes of a log, kept to answer roots and proofs at any size.

    Memory is 32 bytes per leaf (32 MB for a million records): the CLI builds one per
    command from the stored record hashes; nothing is persisted but signed roots.
    """

    def __init__(self, leaves: Iterable[bytes] = ()) -> None:
        sha = hashlib.sha256
        self._hashes: list[bytes] = [sha(_LEAF + d).digest() for d in leaves]

    def append(self, data: bytes) -> None:
        self._hashes.append(leaf_hash(data))

    def __len__(self) -> int:
        return len(self._hashes)

    def leaf_hash(self, index: int) -> bytes:
        return self._hashes[index]

    def root(self, size: int | None = None) -> bytes:
        size = len(self._hashes) if size is None else self._check_size(size)
        return _root_of_hashes(self._hashes[:size])

    def _check_size(self, size: int) -> int:
        if not 0 <= size <= len(self._hashes):
            raise ProofError(f"tree size {size} is outside 0..{len(self._hashes)}")
        return size

    def _mth(self, lo: int, hi: int) -> bytes:
        return _root_of_hashes(self._hashes[lo:hi])

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """PATH(index, D[0:size]) of RFC 6962 section 2.1.1."""
        size = len(self._hashes) if size is None else self._check_size(size)
        if not 0 <= index < size:
            raise ProofError(f"leaf index {index} is outside a tree of size {size}")
        proof: list[bytes] = []
        lo, hi = 0, size
        while hi - lo > 1:
            k = _split(hi - lo)
            if index < lo + k:
                proof.append(self._mth(lo + k, hi))
                hi = lo + k
            else:
                proof.append(self._mth(lo, lo + k))
                lo = lo + k
        proof.reverse()
        return proof

    def inclusion_proofs(
        self, indices: Iterable[int], size: int | None = None
    ) -> dict[int, list[bytes]]:
        """`inclusion_proof` of many leaves at once, in one pass over the tree.

        Each `inclusion_proof` rehashes the subtrees beside the path, the whole tree
        in all; a case bundle proves every record of a case, so here the tree's levels
        are built once (one hash per node) and each proof is one node per level: the
        sibling on the path, where there is one (an unpaired last node is promoted
        unchanged, as in `_root_of_hashes`).
        """
        size = len(self._hashes) if size is None else self._check_size(size)
        wanted = sorted(set(indices))
        for index in wanted:
            if not 0 <= index < size:
                raise ProofError(f"leaf index {index} is outside a tree of size {size}")
        sha = hashlib.sha256
        levels = [self._hashes[:size]]
        while len(levels[-1]) > 1:
            level = levels[-1]
            paired = [
                sha(_NODE + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)
            ]
            if len(level) % 2:
                paired.append(level[-1])
            levels.append(paired)
        proofs: dict[int, list[bytes]] = {}
        for index in wanted:
            proof, at = [], index
            for level in levels[:-1]:
                if at ^ 1 < len(level):
                    proof.append(level[at ^ 1])
                at >>= 1
            proofs[index] = proof
        return proofs

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        """PROOF(size1, D[0:size2]) of RFC 6962 section 2.1.2."""
        size2 = len(self._hashes) if size2 is None else self._check_size(size2)
        if not 0 <= size1 <= size2:
            raise ProofError(f"cannot prove size {size1} consistent with size {size2}")
        if size1 in (0, size2):
            return []
        return self._subproof(size1, 0, size2, complete=True)

    def _subproof(self, m: int, lo: int, hi: int, *, complete: bool) -> list[bytes]:
        n = hi - lo
        if m == n:
            return [] if complete else [self._mth(lo, hi)]
        k = _split(n)
        if m <= k:
            return [*self._subproof(m, lo, lo + k, complete=complete), self._mth(lo + k, hi)]
        return [*self._subproof(m - k, lo + k, hi, complete=False), self._mth(lo, lo + k)]


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    return MerkleTree(leaves).inclusion_proof(index)


def consistency_proof(leaves: Sequence[bytes], size1: int) -> list[bytes]:
    return MerkleTree(leaves).consistency_proof(size1)


def _check_hashes(what: str, hashes: Sequence[bytes]) -> None:
    for i, h in enumerate(hashes):
        if len(h) != HASH_SIZE:
            raise ProofError(f"{what}[{i}] is {len(h)} bytes, not a SHA-256 hash")


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Raise ProofError unless `proof` shows leaf hash `leaf` at `index` under `root`.

    RFC 9162 section 2.1.3.2; `leaf` is the leaf hash (0x00-prefixed SHA-256).
    """
    _check_hashes("proof", proof)
    _check_hashes("leaf and root", [leaf, root])
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of size {size}")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError("the inclusion proof is longer than the tree allows")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the inclusion proof is shorter than the tree needs")
    if r != root:
        raise ProofError("the inclusion proof does not lead to the root")


def verify_consistency(
    size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]
) -> None:
    """Raise ProofError unless `proof` shows the tree at `size2` extends the one at `size1`.

    RFC 9162 section 2.1.4.2. Equal sizes need an empty proof and equal roots (at size
    0, the empty tree's); a proof from the empty tree to a larger one proves nothing and
    is refused, as the transparency-dev vectors require.
    """
    _check_hashes("proof", proof)
    if size1 < 0 or size2 < size1:
        raise ProofError(f"size {size1} cannot be consistent with the smaller size {size2}")
    if size1 == size2:
        if proof:
            raise ProofError("equal sizes need an empty consistency proof")
        if root1 != root2:
            raise ProofError(f"two different roots for the same size {size1}")
        if size1 == 0 and root1 != EMPTY_ROOT:
            raise ProofError("the root of the empty tree is SHA-256 of nothing")
        return
    if size1 == 0:
        raise ProofError("a consistency proof from the empty tree proves nothing")
    if not proof:
        raise ProofError("the consistency proof is empty")
    path = list(proof)
    if size1 & (size1 - 1) == 0:  # a power of two: the old root is a node of the new tree
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("the consistency proof is longer than the trees allow")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the consistency proof is shorter than the trees need")
    if fr != root1:
        raise ProofError(f"the consistency proof does not lead to the root at size {size1}")
    if sr != root2:
        raise ProofError(f"the consistency proof does not lead to the root at size {size2}")
