"""Checking the hash chain: a whole log (`verify_rows`), the records after a head
verified before (`verify_from`), and a record copied in from another store
(`check_import`), by the same checks, so that an import can never produce a log that
fails verification.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import attrs

from comity.errors import (
    ChainBroken,
    EventFormatError,
    InvalidArgument,
    StoreError,
)
from comity.events.canonical import canonical_json_strict
from comity.events.store.records import (
    GENESIS_HASH,
    Head,
    RawRecord,
    StoredEvent,
    Tip,
    chain,
    format_recorded_at,
)

__all__ = [
    "VerifyFrom",
    "VerifyReport",
    "check_import",
    "verify_from",
    "verify_records",
    "verify_rows",
]


def _columns_agree(raw: RawRecord, data: Any) -> bool:
    """Whether the indexed columns of a row say what its hashed body says."""
    return (
        isinstance(data, dict)
        and data.get("position") == raw.position
        and data.get("seq") == raw.seq
        and data.get("case_id") == raw.case_id
        and data.get("event_id") == raw.event_id
        and data.get("recorded_at") == raw.recorded_at
    )


def _json_text(value: str | int) -> str:
    """`json.dumps(value, ensure_ascii=False)`, without the call for plain values.

    Anything but text or an integer (a column altered to a float or a blob) gives a
    raw NUL, which canonical JSON never holds: such a column never agrees."""
    if type(value) is int:
        return str(value)
    if not isinstance(value, str):
        return "\x00"
    if '"' not in value and "\\" not in value and value.isprintable():
        return f'"{value}"'
    return json.dumps(value, ensure_ascii=False)


def _states(body: str, member: str) -> bool:
    """Whether the canonical JSON `body` has the member `"key":value` (`member`).

    A text search, not a parse: in JSON text a bare `"` occurs only around keys and
    string values (a quote inside a string is escaped `\\"`), so `"key":<value>`
    between `{`/`,` and `,`/`}` can only be a member with that key. Verification reads
    every record of the log; parsing each body would cost more than the rest of the
    work.
    """
    at = body.find(member)
    while at > 0:
        end = at + len(member)
        if body[at - 1] in "{," and body[end : end + 1] in (",", "}"):
            return True
        at = body.find(member, at + 1)
    return False


def _body_agrees(
    body: str, position: int, case_id: str, seq: int, event_id: str, recorded_at: str
) -> bool:
    """`_columns_agree` for verification, on the body's text (see `_states`)."""
    return (
        body.startswith("{")
        and body.endswith("}")
        and _states(body, f'"position":{_json_text(position)}')
        and _states(body, f'"seq":{_json_text(seq)}')
        and _states(body, f'"case_id":{_json_text(case_id)}')
        and _states(body, f'"event_id":{_json_text(event_id)}')
        and _states(body, f'"recorded_at":{_json_text(recorded_at)}')
    )


def check_import(row: RawRecord, *, tip: Tip, last_seq: int) -> StoredEvent:
    """Check that a record copied from another store continues this log exactly.

    `tip` is this log's last record (or the previous record of the same import) and
    `last_seq` the last seq of the row's case. The checks are those of verify_records,
    so that an import can never produce a log that fails verification. Returns the
    record decoded; raises StoreError when the position does not follow the tip and
    ChainBroken when the record does not chain or disagrees with itself.
    """
    pos = row.position
    if pos != tip.position + 1:
        raise StoreError(f"cannot import position {pos}: this log ends at {tip.position}")
    if chain(tip.hash, row.body) != row.hash:
        raise ChainBroken(pos, "the imported hash does not chain from the previous record")
    try:
        data = json.loads(row.body)
    except ValueError:
        raise ChainBroken(pos, "the imported body is not JSON") from None
    if not isinstance(data, dict) or canonical_json_strict(data) != row.body:
        raise ChainBroken(pos, "the imported body is not in canonical form")
    if not _columns_agree(row, data):
        raise ChainBroken(pos, "the imported columns disagree with the hashed record")
    if row.seq != last_seq + 1:
        raise ChainBroken(pos, f"case {row.case_id!r} seq {row.seq} does not follow {last_seq}")
    if tip.recorded_at is not None and row.recorded_at < format_recorded_at(tip.recorded_at):
        raise ChainBroken(pos, "the imported recorded_at is before the previous record's")
    try:
        return row.decode()
    except (EventFormatError, KeyError, TypeError, ValueError) as exc:
        raise ChainBroken(pos, f"the imported record is not a valid v1 record: {exc}") from None


@attrs.frozen(kw_only=True)
class VerifyReport:
    """A sound chain: how many records were checked and the head they lead to."""

    records: int
    head: Head


@attrs.frozen(kw_only=True)
class VerifyFrom:
    """Where an incremental verification starts: a record verified before.

    `head` is the position and the stored hash of that record as a full verification
    found them; `recorded_at` its record time; `seq_before(case_id)` the largest seq a
    case has at or before that position (0 if none), looked up only for the cases
    the newer records name.
    """

    head: Head
    recorded_at: str
    seq_before: Callable[[str], int]


def verify_records(records: Iterable[RawRecord], start: VerifyFrom | None = None) -> VerifyReport:
    """Recompute the chain; raise ChainBroken naming the first bad position.

    The checks are `verify_rows`', on records instead of rows.
    """

    def rows() -> Iterator[tuple[Any, ...]]:
        for number, r in enumerate(records):
            if not isinstance(r, RawRecord):
                raise InvalidArgument(
                    f"verify_records: records[{number}] must be a RawRecord (from a log's "
                    f"raw_records), got {type(r).__name__}"
                )
            yield (r.position, r.case_id, r.seq, r.event_id, r.recorded_at, r.body, r.hash)

    return verify_rows(rows(), start)


def verify_rows(rows: Iterable[Sequence[Any]], start: VerifyFrom | None = None) -> VerifyReport:
    """Recompute the chain over rows in `RAW_COLUMNS` order; raise ChainBroken naming the
    first bad position. The SQL backends verify the rows they fetch, without building
    a RawRecord for each (a fifth of verify's time).

    Checks, per record: positions are gapless from 1; the hash is sha256(prev ||
    body), so any altered byte of any body breaks the chain there; the body's envelope
    agrees with the indexed columns; per-case seq is gapless and record time never
    decreases. Bodies are not parsed: they were canonical JSON when hashed, and an
    unaltered byte string stays so (imports, where bodies come from elsewhere, do
    parse and re-encode them: `check_import`).

    With `start`, `rows` are the records after `start.head`, which chain from its hash
    and continue its record time and each case's seq (see `VerifyFrom`).
    """
    prev, expected_position = GENESIS_HASH, 1
    last_recorded = ""
    seqs: dict[str, int] = {}
    seq_before: Callable[[str], int] = _no_seq
    if start is not None:
        prev, expected_position = start.head.hash, start.head.position + 1
        last_recorded, seq_before = start.recorded_at, start.seq_before
    for pos, case_id, seq, event_id, recorded_at, body, hash_ in rows:
        if pos != expected_position:
            raise ChainBroken(expected_position, f"position {expected_position} is missing")
        if type(body) is not str or type(hash_) is not str:
            # A column altered to a BLOB or a number: a verdict, not a TypeError.
            what, value = ("body", body) if type(body) is not str else ("hash", hash_)
            raise ChainBroken(pos, f"the stored {what} is not text ({type(value).__name__})")
        if chain(prev, body) != hash_:
            raise ChainBroken(pos, "hash mismatch: the record or an earlier one was altered")
        if not _body_agrees(body, pos, case_id, seq, event_id, recorded_at):
            raise ChainBroken(pos, "the indexed columns disagree with the hashed record")
        last_seq = seqs.get(case_id)
        if last_seq is None:
            last_seq = seq_before(case_id)
        if seq != last_seq + 1:
            raise ChainBroken(pos, f"case {case_id!r} seq {seq} breaks the sequence")
        seqs[case_id] = seq
        if recorded_at < last_recorded:
            raise ChainBroken(pos, "recorded_at goes backwards")
        last_recorded, prev, expected_position = recorded_at, hash_, pos + 1
    return VerifyReport(records=expected_position - 1, head=Head(expected_position - 1, prev))


def _no_seq(case_id: str) -> int:
    return 0


def verify_from(
    after: Head,
    bound: int,
    row_at: Callable[[int], Sequence[Any] | None],
    seq_before: Callable[[str, int], int],
) -> VerifyFrom | None:
    """Where a verification that trusts the records up to `after` starts, once the
    store is checked still to hold that record with that hash (ChainBroken if not).

    `row_at(position)` is the stored row there (RAW_COLUMNS order) or None;
    `seq_before(case_id, position)` a case's largest seq at or before a position.
    None when `after` is the empty log's head (a full verification).
    """
    pos = after.position
    if pos == 0:
        return None
    if pos > bound:
        raise ChainBroken(
            bound + 1,
            f"the log ends at position {bound}, before position {pos} that was verified "
            "earlier: records were removed or an older copy restored",
        )
    row = row_at(pos)
    if row is None or row[0] != pos:
        raise ChainBroken(pos, f"position {pos}, verified earlier, is missing")
    if row[6] != after.hash:
        raise ChainBroken(
            pos,
            "hash mismatch: the stored hash is not the one verified earlier (the record or "
            "an earlier one was altered, or the log rewritten)",
        )
    recorded_at = row[4] if type(row[4]) is str else ""
    return VerifyFrom(head=after, recorded_at=recorded_at, seq_before=lambda c: seq_before(c, pos))
