"""What an append stores: the idempotency check, the optimistic-concurrency check, seq
and position numbering, a `recorded_at` that never decreases, and each record's hash.

A backend calls `plan_append` inside its write lock (through the recorder,
`comity.events.store._recorder`) and stores the rows it returns.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence

from comity.errors import (
    ConcurrencyConflict,
    DuplicateEventError,
    InvalidArgument,
)
from comity.events.canonical import canonical_json
from comity.events.codec import check_event, encode_event
from comity.events.store.records import (
    RawRecord,
    StoredEvent,
    Tip,
    chain,
    format_recorded_at,
)
from comity.events.types import Event

__all__ = ["batch_last_seq", "plan_append"]


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
        prev = chain(prev, body)
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
