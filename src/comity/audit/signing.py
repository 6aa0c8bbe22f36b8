"""Signing the log's head, and checking the store's own checkpoints against it.

Two logs are checkpointed, each under its own origin, so that a checkpoint of one can
never pass for the other: the event log (`<key name>/events`, leaves the stored
records' chain hashes) and the disclosure record (`<key name>/disclosures`). A new
checkpoint is signed only if the log still extends the last one stored for that
origin: a log must never sign two histories.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterator
from typing import Literal

import attrs

from comity.audit.checkpoint import Checkpoint, parse_checkpoint, sign_checkpoint
from comity.audit.logtree import check_extends, log_tree
from comity.audit.merkle import MerkleTree
from comity.audit.note import Signer
from comity.audit.store import AuditStore, StoredCheckpoint
from comity.errors import VerificationFailed
from comity.events import EventLog
from comity.events.store.records import format_recorded_at

__all__ = [
    "LOGS",
    "LogName",
    "StoredVerdict",
    "check_stored",
    "origin_of",
    "sign_head",
    "tree_of",
]

LogName = Literal["events", "disclosures"]
LOGS: tuple[LogName, ...] = ("events", "disclosures")


def origin_of(key_name: str, which: LogName) -> str:
    return f"{key_name}/{which}"


def which_log(origin: str) -> LogName:
    """Which log an origin names, from its last path segment."""
    tail = origin.rsplit("/", 1)[-1]
    if tail not in LOGS:
        raise VerificationFailed(
            f"checkpoint origin {origin!r} names neither the events nor the disclosures of a "
            "comity store"
        )
    return tail


def tree_of(log: EventLog, audit: AuditStore, which: LogName) -> MerkleTree:
    if which == "events":
        return log_tree(log)
    return MerkleTree(audit.disclosure_hashes())


def sign_head(
    log: EventLog,
    audit: AuditStore,
    signer: Signer,
    *,
    which: LogName = "events",
    now: dt.datetime,
) -> tuple[str, StoredCheckpoint]:
    """Sign the head of one log, store the note, and return it.

    Refuses (VerificationFailed, exit 1) when the log no longer extends the last
    checkpoint stored for this origin.
    """
    origin = origin_of(signer.name, which)
    tree = tree_of(log, audit, which)
    last = audit.latest_checkpoint(origin)
    if last is not None:
        check_extends(tree, parse_checkpoint(last.note))
    checkpoint = Checkpoint(origin, len(tree), tree.root())
    note = sign_checkpoint(checkpoint, signer)
    stored = audit.add_checkpoint(
        origin=origin,
        size=checkpoint.size,
        root=base64.b64encode(checkpoint.root).decode("ascii"),
        note=note,
        recorded_at=format_recorded_at(now),
    )
    return note, stored


@attrs.frozen(kw_only=True)
class StoredVerdict:
    checkpoint: StoredCheckpoint
    problem: str | None  # None: the log still gives the checkpoint's root at its size
    # When the root was not computed again: the record time of the verification that
    # found it held (its records precede the one verification started from).
    since: str | None = None


def check_stored(
    log: EventLog, audit: AuditStore, trees: dict[LogName, MerkleTree] | None = None
) -> Iterator[StoredVerdict]:
    """Every stored checkpoint against the log it names, oldest first.

    Only the roots are compared: the store holds the notes but cannot vouch for the
    key that signed them; `verify --against FILE --public-key PUB` checks a signature
    against a key the auditor trusts. The trees built are left in `trees`, so that a
    caller checking one more checkpoint does not read and hash the log again.
    """
    trees = {} if trees is None else trees
    for stored in audit.checkpoints():
        try:
            which = which_log(stored.origin)
        except VerificationFailed as exc:
            yield StoredVerdict(checkpoint=stored, problem=str(exc))
            continue
        tree = trees.get(which)
        if tree is None:
            tree = trees[which] = tree_of(log, audit, which)
        checkpoint = parse_checkpoint(stored.note)
        if len(tree) < checkpoint.size:
            problem: str | None = (
                f"the {which} log holds {len(tree)} records, fewer than the {checkpoint.size} "
                "this checkpoint signed: records were removed or an older copy restored"
            )
        elif tree.root(checkpoint.size) != checkpoint.root:
            problem = (
                f"the first {checkpoint.size} {which} records no longer give this "
                "checkpoint's root: the log was altered or rewritten"
            )
        else:
            problem = None
        yield StoredVerdict(checkpoint=stored, problem=problem)
