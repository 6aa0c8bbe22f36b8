"""`comity verify`: the event log's chain and the stored checkpoints, from the last
checkpoint a full verification found sound when there is one.

A full verification (plain `comity verify`) reads every record: it recomputes the hash
chain and builds the Merkle tree of every stored hash to check each stored checkpoint's
root. When it ends sound and a stored checkpoint of the event log holds, it records
that (the table `audit_verified`): the checkpoint, its size N, the stored hash of
record N and the compact range of the first N - 1 leaves, which with that hash gives
the checkpoint's root. An incremental one (`comity verify --from-checkpoint`) starts
there: it checks that this record of the audit
tables still gives the checkpoint's root (so that it cannot have been made up for a
rewritten log without a SHA-256 second preimage), that record N still has that hash,
and then reads only the records after N: their chain from that hash, their seqs and
record times, and the roots of the checkpoints signed since, from the compact range.

What that still guarantees, and what it does not (docs/audit.md, docs/store.md): the
records after N are checked as fully as before; the log up to N is the log whose
chain a full verification checked, since record N's hash commits to every record
before it. What is not read again is the stored bytes of records 1 to N - 1: a body
or hash among them edited in the file since (bypassing the append-only triggers) is
found by the next full verification, not by an incremental one. That is why plain
`comity verify` stays full, and the incremental one is asked for.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Callable

import attrs

from comity.audit.checkpoint import Checkpoint, parse_checkpoint
from comity.audit.merkle import CompactRange, MerkleTree
from comity.audit.signing import LogName, StoredVerdict, tree_of, which_log
from comity.audit.store import AuditStore, StoredCheckpoint, StoredVerification
from comity.errors import ComityError, StoreError, VerificationFailed
from comity.events import EventLog
from comity.events.store.records import Head, format_recorded_at
from comity.events.store.verify import VerifyReport

__all__ = ["Verification", "verify_store"]


@attrs.frozen(kw_only=True)
class Verification:
    """What `verify_store` found: the chain's report (`records` is the log's size),
    each stored checkpoint's verdict, and the verification it started from (`since`:
    records up to `since.size` were not read again) and the one it recorded."""

    report: VerifyReport
    verdicts: tuple[StoredVerdict, ...]
    since: StoredVerification | None
    recorded: StoredVerification | None
    trees: dict[LogName, MerkleTree]


def _nodes(text: str) -> list[bytes]:
    return [bytes.fromhex(h) for h in text.split(",")] if text else []


def _start(mark: StoredVerification, stored: StoredCheckpoint | None) -> CompactRange:
    """The compact range of the first `mark.size` leaves, once the mark is checked to
    give its checkpoint's root; VerificationFailed if it does not."""
    problem = None
    rng = None
    if stored is None:
        problem = f"names checkpoint {mark.checkpoint_id}, which is not stored"
    else:
        try:
            checkpoint = parse_checkpoint(stored.note)
            rng = CompactRange(mark.size - 1, _nodes(mark.frontier))
            rng.append(bytes.fromhex(mark.hash))
        except (ComityError, ValueError, binascii.Error):
            problem = "cannot be read"
        else:
            if which_log(checkpoint.origin) != "events" or checkpoint.size != mark.size:
                problem = f"does not match checkpoint {stored.id}'s log or size"
            elif rng.root() != checkpoint.root or mark.root != stored.root:
                problem = f"does not give checkpoint {stored.id}'s root"
    if problem is not None or rng is None:
        raise VerificationFailed(
            f"the record of the verification at size {mark.size} {problem}: the audit tables "
            "were altered; run a full `comity verify`"
        )
    return rng


def _verdict(
    stored: StoredCheckpoint,
    checkpoint: Checkpoint,
    size_now: int,
    root_at: Callable[[int], bytes],
    which: str,
    since: str | None = None,
) -> StoredVerdict:
    if checkpoint.size > size_now:
        problem: str | None = (
            f"the {which} log holds {size_now} records, fewer than the {checkpoint.size} "
            "this checkpoint signed: records were removed or an older copy restored"
        )
    elif since is None and root_at(checkpoint.size) != checkpoint.root:
        problem = (
            f"the first {checkpoint.size} {which} records no longer give this "
            "checkpoint's root: the log was altered or rewritten"
        )
    else:
        problem = None
    return StoredVerdict(checkpoint=stored, problem=problem, since=since)


def verify_store(
    log: EventLog, audit: AuditStore, *, now: dt.datetime, incremental: bool = False
) -> Verification:
    """Verify the event log's chain and check every stored checkpoint against its log.

    Reads every record, unless `incremental`: then it starts from the last recorded
    verification when there is one (module docstring). Either way it records a new
    one when a stored event-log checkpoint beyond it holds. Raises what
    `EventLog.verify` raises for the chain, and VerificationFailed for a record of a
    verification that does not agree with its checkpoint; a checkpoint that does not
    hold is a verdict with a problem, not an exception.
    """
    stored_all = audit.checkpoints()
    by_id = {c.id: c for c in stored_all}
    mark = audit.latest_verification() if incremental else None
    trees: dict[LogName, MerkleTree] = {}
    parsed: list[tuple[StoredCheckpoint, Checkpoint | None, LogName | None, str | None]] = []
    for stored in stored_all:
        try:
            which: LogName | None = which_log(stored.origin)
            checkpoint: Checkpoint | None = parse_checkpoint(stored.note)
            error = None
        except ComityError as exc:
            which, checkpoint, error = None, None, str(exc)
        parsed.append((stored, checkpoint, which, error))
    wanted = sorted(
        {
            cp.size
            for _, cp, w, _ in parsed
            if cp is not None and w == "events" and (mark is None or cp.size > mark.size)
        }
    )

    roots: dict[int, bytes] = {}
    ranges: dict[int, CompactRange] = {}  # the compact range before each wanted size
    hashes: dict[int, str] = {}  # the stored hash at each wanted size
    if mark is not None:
        rng = _start(mark, by_id.get(mark.checkpoint_id))
        roots[mark.size] = rng.root()
        report = log.verify(after=Head(mark.size, mark.hash))
        if wanted:
            for record in log.raw_records(after=mark.size):
                if record.position > report.records or rng.size >= wanted[-1]:
                    break
                if rng.size + 1 in wanted:
                    ranges[rng.size + 1] = rng.copy()
                    hashes[rng.size + 1] = record.hash
                rng.append(bytes.fromhex(record.hash))
                if rng.size in wanted:
                    roots[rng.size] = rng.root()
    else:
        report = log.verify()
        if wanted:
            trees["events"] = tree_of(log, audit, "events")

    def events_root(size: int) -> bytes:
        if "events" in trees:
            return trees["events"].root(size)
        return roots[size]

    verdicts: list[StoredVerdict] = []
    for stored, checkpoint, which, error in parsed:
        if checkpoint is None or which is None:
            verdicts.append(StoredVerdict(checkpoint=stored, problem=error))
        elif which == "events":
            since = None
            if mark is not None and checkpoint.size < mark.size:
                since = mark.recorded_at  # held then; records up to the mark not re-read
            verdicts.append(_verdict(stored, checkpoint, report.records, events_root, which, since))
        else:
            tree = trees.get(which)
            if tree is None:
                tree = trees[which] = tree_of(log, audit, which)
            verdicts.append(_verdict(stored, checkpoint, len(tree), tree.root, which))

    recorded = None
    sound = all(v.problem is None for v in verdicts)
    holding = [
        (cp.size, -stored.id, stored)
        for stored, cp, w, _ in parsed
        if cp is not None and w == "events" and 0 < cp.size <= report.records and cp.size in wanted
    ]
    if sound and holding:
        size, _, stored = max(holding)
        if "events" in trees:
            tree = trees["events"]
            before = CompactRange()
            for i in range(size - 1):
                before.append_hash(tree.leaf_hash(i))
            at = next(iter(log.raw_records(after=size - 1))).hash
        else:
            before, at = ranges[size], hashes[size]
        try:
            recorded = audit.add_verification(
                checkpoint_id=stored.id,
                size=size,
                hash=at,
                frontier=",".join(n.hex() for n in before.nodes),
                root=base64.b64encode(events_root(size)).decode("ascii"),
                recorded_at=format_recorded_at(now),
            )
        except StoreError:
            recorded = None  # a read-only store: the next verification reads it all again
    return Verification(
        report=report, verdicts=tuple(verdicts), since=mark, recorded=recorded, trees=trees
    )
