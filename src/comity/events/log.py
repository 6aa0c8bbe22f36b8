"""The log's contract: stored records, the backend protocol, the hash chain.

Backends (in-memory, SQLite, PostgreSQL) differ only in how they keep rows and take
locks. Everything that decides *what* is stored, the idempotency check, the
optimistic-concurrency check, seq and position numbering, `recorded_at` that never
decreases, and the hash of each record, lives here, so that the same batch gives the
same bytes and the same head hash in every backend.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

import attrs
import orjson

from comity.errors import (
    ChainBroken,
    ConcurrencyConflict,
    DuplicateEventError,
    EventFormatError,
    InvalidArgument,
    StoreDamaged,
    StoreError,
    StoreUnavailable,
)
from comity.events.codec import (
    canonical_json,
    canonical_json_strict,
    check_event,
    decode_event,
    encode_event,
    parse_utc_datetime,
)
from comity.events.time import format_instant
from comity.events.types import Event

__all__ = [
    "GENESIS_HASH",
    "RAW_COLUMNS",
    "AppendResult",
    "EventLog",
    "Head",
    "RawRecord",
    "RowReads",
    "StoredEvent",
    "Tip",
    "VerifyFrom",
    "VerifyReport",
    "batch_last_seq",
    "check_import",
    "check_range",
    "content_of",
    "decode_stored",
    "format_recorded_at",
    "plan_append",
    "record_of_row",
    "verify_from",
    "verify_records",
    "verify_rows",
]

#: The `prev_hash` of the record at position 1.
GENESIS_HASH = "0" * 64

#: Fields the log sets; a writer may not send them in an event.
ENVELOPE_FIELDS = ("recorded_at", "seq", "position")


def format_recorded_at(value: dt.datetime) -> str:
    """Fixed width, microseconds always shown, so that text order is time order.

    A naive datetime is refused rather than read as the host's local time, which would
    shift record times (and `known_at` cut-offs) by the machine's time zone.
    """
    if not isinstance(value, dt.datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise InvalidArgument(f"{value!r} is not a datetime with a time zone; record times are UTC")
    return format_instant(value, timespec="microseconds")


def check_range(after: Any, until: Any, *, call: str = "read") -> None:
    """A read's positions: `after` a whole number, `until` one or None (InvalidArgument)."""
    for name, value in (("after", after), ("until", until)):
        if value is None and name == "until":
            continue
        if not isinstance(value, int) or isinstance(value, bool):
            raise InvalidArgument(
                f"{call}: {name} must be a log position (int), got {type(value).__name__}"
            )


def _chain(prev_hash: str, body: str) -> str:
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


@attrs.frozen(kw_only=True)
class StoredEvent:
    """An event as the log holds it: the writer's event plus the log's envelope."""

    event: Event
    recorded_at: dt.datetime
    seq: int
    position: int
    hash: str

    @property
    def event_id(self) -> str:
        return self.event.event_id

    @property
    def case_id(self) -> str:
        return self.event.case_id

    def to_record(self) -> dict[str, Any]:
        """The JSON object that is hashed (and printed by `comity log --format jsonl`)."""
        record = encode_event(self.event)
        record["recorded_at"] = format_recorded_at(self.recorded_at)
        record["seq"] = self.seq
        record["position"] = self.position
        return record

    def to_json(self, *, with_hash: bool = True) -> dict[str, Any]:
        record = self.to_record()
        if with_hash:
            record["hash"] = self.hash
        return record


@attrs.frozen(kw_only=True)
class RawRecord:
    """A row exactly as stored: what `verify` checks, before any decoding."""

    position: int
    case_id: str
    seq: int
    event_id: str
    recorded_at: str
    body: str
    hash: str

    def decode(self) -> StoredEvent:
        data = orjson.loads(self.body)  # our own canonical JSON: orjson reads it faster
        recorded_at = parse_utc_datetime(data.pop("recorded_at"))
        seq = data.pop("seq")
        position = data.pop("position")
        return StoredEvent(
            event=decode_event(data, source="<store>", line=position, stored=True),
            recorded_at=recorded_at,
            seq=seq,
            position=position,
            hash=self.hash,
        )


def record_of_row(row: Sequence[Any]) -> RawRecord:
    """A SQL row in the column order every backend stores (`RAW_COLUMNS`)."""
    position, case_id, seq, event_id, recorded_at, body, hash_ = row
    return RawRecord(
        position=position,
        case_id=case_id,
        seq=seq,
        event_id=event_id,
        recorded_at=recorded_at,
        body=body,
        hash=hash_,
    )


def decode_stored(raw: RawRecord) -> StoredEvent:
    """A stored row as an event; a row that does not decode was altered outside comity."""
    try:
        return raw.decode()
    except (EventFormatError, KeyError, TypeError, ValueError) as exc:
        raise ChainBroken(
            raw.position, f"the stored record does not decode ({exc}); run `comity verify`"
        ) from None


#: The column order of `record_of_row`.
RAW_COLUMNS = "position, case_id, seq, event_id, recorded_at, body, hash"


@attrs.frozen
class Head:
    """The last stored position and its hash (GENESIS_HASH and 0 for an empty log)."""

    position: int
    hash: str


@attrs.frozen(kw_only=True)
class Tip:
    """What a backend must tell `plan_append` about the log, read inside its lock."""

    position: int
    hash: str
    recorded_at: dt.datetime | None


@attrs.frozen(kw_only=True)
class AppendResult:
    """What an append did: the records it stored and the event ids it found already stored."""

    stored: tuple[StoredEvent, ...]
    already_stored: tuple[str, ...]


def _content(event: Event) -> str:
    return canonical_json(encode_event(event))


def batch_last_seq(
    events: Iterable[Event],
    expected_seq: int | Mapping[str, int] | None,
    fetch: Callable[[Collection[str]], Mapping[str, int]],
) -> Callable[[str], int]:
    """`last_seq` for `plan_append` that asks the store once for every case of the batch
    (`fetch(cases)` gives each case's last seq, 0 for a new case) instead of once per
    case; a case asked for later is fetched on its own."""
    cases = {e.case_id for e in events}
    if isinstance(expected_seq, Mapping):
        cases.update(expected_seq)
    seqs = dict(fetch(cases)) if cases else {}

    def last_seq(case: str) -> int:
        if case not in seqs:
            seqs.update(fetch([case]))
        return seqs[case]

    return last_seq


def plan_append(
    events: Sequence[Event],
    *,
    expected_seq: int | Mapping[str, int] | None,
    tip: Tip,
    existing: Callable[[Sequence[str]], Mapping[str, str]],
    last_seq: Callable[[str], int],
    now: dt.datetime,
    checked: bool = True,
) -> tuple[list[RawRecord], list[StoredEvent], list[str]]:
    """Decide what an append stores; the backend calls this inside its write lock.

    With `checked` (always, but in a test's stand-in for a store written by an earlier
    release) every new event is held to the input policy first (`check_event`).

    `existing(ids)` returns the stored canonical content (without envelope) of the ids
    already in the log; `last_seq(case)` the case's last seq. Raises before anything is
    written: DuplicateEventError, ConcurrencyConflict, InvalidArgument for a bad call.
    """
    fresh: dict[str, Event] = {}
    for event in events:
        seen = fresh.get(event.event_id)
        if seen is not None and _content(seen) != _content(event):
            raise DuplicateEventError(event.event_id, "it occurs twice in this batch")
        fresh.setdefault(event.event_id, event)
    stored_content = existing(list(fresh))
    already: list[str] = []
    for event_id, content in stored_content.items():
        if content != _content(fresh[event_id]):
            raise DuplicateEventError(event_id)
        already.append(event_id)
    todo = [e for e in fresh.values() if e.event_id not in stored_content]
    if not todo:
        return [], [], sorted(already)

    cases = sorted({e.case_id for e in todo})
    if isinstance(expected_seq, int):
        if len(cases) != 1:
            raise InvalidArgument(
                "append: an int expected_seq needs a batch of one case; this batch has "
                f"{len(cases)}: pass a mapping of case id to last seq"
            )
        expected: Mapping[str, int] = {cases[0]: expected_seq}
    else:
        expected = expected_seq or {}
    seqs = {case: last_seq(case) for case in cases}
    for case, want in sorted(expected.items()):
        have = seqs[case] if case in seqs else last_seq(case)
        if have != want:
            raise ConcurrencyConflict(case, want, have)

    format_recorded_at(now)  # refuses a naive clock
    recorded_at = now.astimezone(dt.UTC)
    if tip.recorded_at is not None and recorded_at < tip.recorded_at:
        recorded_at = tip.recorded_at  # record time never goes backwards
    recorded_text = format_recorded_at(recorded_at)  # one instant for the whole batch
    rows: list[RawRecord] = []
    stored: list[StoredEvent] = []
    prev, position = tip.hash, tip.position
    for event in todo if checked else ():
        check_event(event)  # an event built in Python meets the same policy as a decoded one
    for event in todo:
        position += 1
        seqs[event.case_id] += 1
        record = encode_event(event)
        record["recorded_at"] = recorded_text
        record["seq"] = seqs[event.case_id]
        record["position"] = position
        body = canonical_json(record)
        prev = _chain(prev, body)
        rows.append(
            RawRecord(
                position=position,
                case_id=event.case_id,
                seq=seqs[event.case_id],
                event_id=event.event_id,
                recorded_at=record["recorded_at"],
                body=body,
                hash=prev,
            )
        )
        stored.append(
            StoredEvent(
                event=event,
                recorded_at=recorded_at,
                seq=seqs[event.case_id],
                position=position,
                hash=prev,
            )
        )
    return rows, stored, sorted(already)


def content_of(body: str) -> str:
    """The canonical content of a stored body without the log's envelope."""
    data = orjson.loads(body)
    for name in ENVELOPE_FIELDS:
        data.pop(name, None)
    return canonical_json(data)


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
    if _chain(tip.hash, row.body) != row.hash:
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
        if _chain(prev, body) != hash_:
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


class RowReads:
    """`read`, `raw_records` and `verify` for a backend that fetches rows in
    `RAW_COLUMNS` order (the SQL backends); each supplies `_raw_rows` (its SQL),
    `_head_position`, and the cross-checks `_counts` and `_integrity`.

    A damaged file can end a table scan early without an error (SQLite, with a page
    of the table overwritten): every read of the whole log therefore checks that it
    read each position from the first it asked for to the head it saw at the start,
    and `verify` also counts the records the backend's other structures (its indexes)
    hold, and runs the database's own integrity check where it is cheap.
    """

    def _raw_rows(
        self, after: int, until: int | None, known_at: dt.datetime | None
    ) -> Iterator[Sequence[Any]]:
        raise NotImplementedError

    def _head_position(self) -> int:
        """The highest stored position (0 for an empty log)."""
        raise NotImplementedError

    def _counts(self, bound: int) -> Mapping[str, int]:
        """How many records at or below `bound` each structure but the table scan holds,
        by name (e.g. "index events_event_id"), for `verify` to compare."""
        return {}

    def _integrity(self) -> list[str]:
        """What the database's own integrity check reports; empty when it is sound."""
        return []

    def _gapless(
        self, rows: Iterator[Sequence[Any]], after: int, end: int | None, *, gaps: bool = True
    ) -> Iterator[Sequence[Any]]:
        """`rows` (in position order from `after` + 1), checked to skip no position
        (unless `gaps` is off: the caller checks them itself, as verification does) and,
        with `end`, to reach `end`; a read that does not is a damaged store."""
        expected, last = after + 1, after
        for row in rows:
            if gaps and row[0] != expected:
                raise StoreError(
                    f"position {expected} is missing from a read of the log: the store is "
                    "damaged; run `comity verify`"
                )
            yield row
            expected += 1
            last = row[0] if type(row[0]) is int else last
        if end is not None and max(expected - 1, last) < end:
            raise StoreError(
                f"a read of the log ended at position {expected - 1}, but the log holds "
                f"positions up to {end}: the store is damaged; run `comity verify`"
            )

    def read(
        self,
        *,
        after: int = 0,
        until: int | None = None,
        known_at: dt.datetime | None = None,
    ) -> Iterator[StoredEvent]:
        check_range(after, until)
        # With known_at the read is a prefix (record time never decreases with
        # position), whose end is unknown here; without, it reaches the head.
        end = None if known_at is not None else self._head_position()
        if end is not None and until is not None:
            end = min(end, until)
        for row in self._gapless(self._raw_rows(after, until, known_at), after, end):
            yield decode_stored(record_of_row(row))

    def raw_records(self, *, after: int = 0) -> Iterator[RawRecord]:
        end = self._head_position()
        rows = self._gapless(self._raw_rows(after, None, None), after, end, gaps=False)
        yield from map(record_of_row, rows)

    def _seq_before(self, case_id: str, position: int) -> int:
        """The case's largest seq at or before `position` (0 if none)."""
        raise NotImplementedError

    def _row_at(self, position: int) -> Sequence[Any] | None:
        rows = list(self._raw_rows(position - 1, position, None))
        return rows[0] if rows else None

    def verify(self, *, after: Head | None = None) -> VerifyReport:
        """`verify_rows` over every record up to the head seen at the start, then the
        checks a hash chain cannot make: that the scan reached that head, that every
        other count of the records agrees, and the database's own integrity check.
        Anything the scan cannot read is damage (StoreDamaged), not a store error.

        With `after` (a head a full verification found), only the records after it
        are read: the store must still hold that record with that hash, and the newer
        records must chain from it. The records up to it, the counts and the
        database's integrity check are not read again (docs/store.md says what that
        still guarantees)."""
        first = 0 if after is None else after.position
        read = first

        def counted() -> Iterator[Sequence[Any]]:
            nonlocal read
            for row in self._raw_rows(first, bound, None):
                yield row
                read = row[0] if type(row[0]) is int else read

        try:
            bound = self._head_position()
            start = None
            if after is not None:
                start = verify_from(after, bound, self._row_at, self._seq_before)
            report = verify_rows(counted(), start)
            if report.records != bound:
                raise StoreDamaged(
                    report.records + 1,
                    f"verify read {report.records} records, but the highest stored position "
                    f"is {bound}: records from position {report.records + 1} are missing "
                    "or unreadable",
                )
            counts = self._counts(bound) if start is None else {}
            for what, count in counts.items():
                if count != bound:
                    raise StoreDamaged(
                        0,
                        f"{what} holds {count} records up to position {bound}, where the "
                        f"table holds {report.records}",
                    )
            problems = self._integrity() if start is None else []
        except (ChainBroken, StoreUnavailable):
            raise
        except StoreError as exc:
            # The database's own words (e.g. "database disk image is malformed").
            cause = str(exc.__cause__ or exc)
            raise StoreDamaged(
                read + 1, f"the records after position {read} cannot be read ({cause})"
            ) from exc
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise StoreDamaged(0, f"the database's own integrity check says: {problems[0]}{more}")
        return report


@runtime_checkable
class EventLog(Protocol):
    """What every backend offers. Reads are iterators: nothing loads the whole log.

    `known_at` limits a read to what had been recorded by that instant (record time),
    for bitemporal replays.
    """

    url: str

    def append(
        self, events: Iterable[Event], *, expected_seq: int | Mapping[str, int] | None = None
    ) -> AppendResult:
        """Store all of `events` or none of them: a batch is atomic (docs/store.md)."""
        ...

    def read_case(
        self, case_id: str, *, known_at: dt.datetime | None = None
    ) -> Iterator[StoredEvent]:
        """One case in seq order."""
        ...

    def read(
        self,
        *,
        after: int = 0,
        until: int | None = None,
        known_at: dt.datetime | None = None,
    ) -> Iterator[StoredEvent]:
        """The whole log in position order, positions in (after, until]."""
        ...

    def case_ids(self, *, known_at: dt.datetime | None = None) -> Iterator[str]:
        """Every case with at least one event, in sorted order."""
        ...

    def last_seq(self, case_id: str) -> int:
        """The case's last seq; 0 for an unknown case."""
        ...

    def head(self) -> Head:
        """The last position and its hash."""
        ...

    def verify(self, *, after: Head | None = None) -> VerifyReport:
        """`verify_records` over the whole log, by the backend's fastest read; with
        `after`, over the records after that head only (see `RowReads.verify`)."""
        ...

    def raw_records(self, *, after: int = 0) -> Iterator[RawRecord]:
        """Rows exactly as stored, in position order, for verification and copying."""
        ...

    def import_records(self, records: Iterable[RawRecord]) -> int:
        """Append records copied from another store, envelope and hash kept.

        The copy must continue this log's chain exactly (positions and hashes), so that
        a copied log verifies with the same head hash. Returns how many were stored.
        """
        ...

    def close(self) -> None:
        """Release connections; the log object is unusable afterwards."""
        ...
