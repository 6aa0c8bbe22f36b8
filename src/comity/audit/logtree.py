"""The Merkle tree of a stored log, and what a signed checkpoint says about it.

The leaves are the stored records' chain hashes (32 bytes each, in position order).
A chain hash already commits to its record and to every record before it, so the tree
adds what the chain lacks: a root that a signature can pin at a size, and proofs that
one record is in the log, or that today's log extends the one that was signed,
without handing over the other records.
"""

from __future__ import annotations

from collections.abc import Iterator

import attrs

from comity.audit.checkpoint import Checkpoint, verify_checkpoint
from comity.audit.merkle import MerkleTree
from comity.audit.note import Verifier
from comity.errors import SignatureError, VerificationFailed
from comity.events import EventLog

__all__ = [
    "CheckpointVerdict",
    "check_against",
    "check_extends",
    "checkpoint_of",
    "log_tree",
    "record_hashes",
    "verify_against",
    "verify_signed",
]


def record_hashes(log: EventLog, *, until: int | None = None) -> Iterator[bytes]:
    """The stored chain hashes in position order, as the tree's leaf data."""
    for record in log.raw_records():
        if until is not None and record.position > until:
            return
        yield bytes.fromhex(record.hash)


def log_tree(log: EventLog, *, until: int | None = None) -> MerkleTree:
    return MerkleTree(record_hashes(log, until=until))


def checkpoint_of(log: EventLog, origin: str, tree: MerkleTree | None = None) -> Checkpoint:
    """The unsigned checkpoint of the log's current head."""
    tree = log_tree(log) if tree is None else tree
    return Checkpoint(origin, len(tree), tree.root())


@attrs.frozen(kw_only=True)
class CheckpointVerdict:
    """A checkpoint that holds: the log still has its first `size` records unchanged."""

    checkpoint: Checkpoint
    log_size: int  # records in the log now: at least the checkpoint's size


def verify_against(log: EventLog, note: str | bytes, verifier: Verifier) -> CheckpointVerdict:
    """Check the event log against a signed checkpoint taken earlier.

    Raises, naming what it found (exit 1 both): ChainBroken when a stored record no
    longer matches its own hash (which the root alone would not see), and what
    `check_against` raises.
    """
    checkpoint = _signed(note, verifier)
    log.verify()
    return check_against(log_tree(log), checkpoint)


def _signed(note: str | bytes, verifier: Verifier) -> Checkpoint:
    try:
        return verify_checkpoint(note, verifier)
    except SignatureError as exc:
        raise SignatureError(f"checkpoint: {exc}") from None


def check_against(tree: MerkleTree, checkpoint: Checkpoint) -> CheckpointVerdict:
    """VerificationFailed when the tree is shorter than the checkpoint (records were
    removed, or an older copy restored) or its first `size` leaves no longer give the
    signed root (a record was altered, removed, inserted or the log regenerated, even
    with every chain hash recomputed)."""
    if len(tree) < checkpoint.size:
        raise VerificationFailed(
            f"the log holds {len(tree)} records but the checkpoint signed {checkpoint.size}: "
            f"{checkpoint.size - len(tree)} records were removed or an older copy restored"
        )
    if tree.root(checkpoint.size) != checkpoint.root:
        raise VerificationFailed(
            f"the first {checkpoint.size} records no longer give the checkpoint's root: "
            "a record was altered, removed, inserted or the log was rewritten"
        )
    return CheckpointVerdict(checkpoint=checkpoint, log_size=len(tree))


def verify_signed(note: str | bytes, verifier: Verifier, tree: MerkleTree) -> CheckpointVerdict:
    """`check_against` for a note whose signature by `verifier` is checked first."""
    return check_against(tree, _signed(note, verifier))


def check_extends(tree: MerkleTree, earlier: Checkpoint) -> None:
    """Refuse to go on from `earlier` unless the tree extends it.

    A log must never sign a head inconsistent with one it signed before: that would be
    two histories under one key. Holding every leaf, comparing the root at the earlier
    size is the consistency check; `MerkleTree.consistency_proof` gives the proof to
    those who hold only the two roots.
    """
    if len(tree) < earlier.size or tree.root(earlier.size) != earlier.root:
        raise VerificationFailed(
            f"the log is not consistent with the last checkpoint (size {earlier.size}): "
            "refusing to sign a head that contradicts it; run `comity verify` to see why"
        )
