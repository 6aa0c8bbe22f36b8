"""The recorder seam: what every backend's append and import share, written once.

A backend (in-memory, SQLite, PostgreSQL) keeps rows and takes locks. Inside its write
lock it reads its tip and clock and hands the rest to the functions here: `planner`
for an append (each case's last seq asked once for the batch, then `plan_append`),
`checked_imports` for an import (the records in chunks, each one checked to continue
the log and not to be stored already). The backend supplies its lookups as
functions of a whole batch or chunk, never of one record, and stores what comes
back its own way (one INSERT per row, `executemany`, `unnest`).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from typing import Any

from comity.errors import ChainBroken, StoreError
from comity.events.codec import parse_utc_datetime
from comity.events.store.append import batch_last_seq, plan_append
from comity.events.store.records import (
    GENESIS_HASH,
    RawRecord,
    StoredEvent,
    Tip,
    content_of,
)
from comity.events.store.verify import check_import
from comity.events.types import Event

__all__ = [
    "Existing",
    "LastSeqs",
    "Plan",
    "checked_imports",
    "chunks",
    "planner",
    "stored_contents",
    "tip_of",
]

#: What `plan_append` returns: the rows to store, the records they are, and the ids of
#: the batch that were already stored.
Plan = tuple[list[RawRecord], list[StoredEvent], list[str]]
#: `existing(ids)`: the stored canonical content of those of `ids` already in the log.
Existing = Callable[[Sequence[str]], Mapping[str, str]]
#: `last_seqs(cases)`: each case's last seq, 0 for a new case.
LastSeqs = Callable[[Collection[str]], Mapping[str, int]]


def tip_of(row: Sequence[Any] | None) -> Tip:
    """The tip of a log from its last row `(position, hash, recorded_at)`, None when empty.

    A stored `recorded_at` that is not a UTC datetime was altered outside comity."""
    if row is None:
        return Tip(position=0, hash=GENESIS_HASH, recorded_at=None)
    try:
        recorded_at = parse_utc_datetime(row[2])
    except ValueError:
        raise ChainBroken(row[0], "the stored recorded_at is not a UTC datetime") from None
    return Tip(position=row[0], hash=row[1], recorded_at=recorded_at)


def stored_contents(rows: Iterable[Sequence[str]]) -> dict[str, str]:
    """`Existing`'s answer from stored `(event_id, body)` rows."""
    return {event_id: content_of(body) for event_id, body in rows}


def planner(
    batch: Sequence[Event],
    expected_seq: int | Mapping[str, int] | None,
    *,
    tip: Tip,
    now: dt.datetime,
    last_seqs: LastSeqs,
    checked: bool = True,
) -> Callable[[Existing], Plan]:
    """The plan of an append, made inside the backend's write lock from the `tip` and
    the clock's `now` read there; each case's last seq is asked for once for the
    batch (`batch_last_seq`).

    The plan is a function of how stored ids are looked up, so that a backend that
    inserts optimistically first (SQLite, where the event_id index finds a stored one
    as the rows go in) can plan again, knowing them, after undoing the insert.
    `checked` is `plan_append`'s.
    """
    last_seq = batch_last_seq(batch, expected_seq, last_seqs)

    def plan(existing: Existing) -> Plan:
        return plan_append(
            batch,
            expected_seq=expected_seq,
            tip=tip,
            existing=existing,
            last_seq=last_seq,
            now=now,
            checked=checked,
        )

    return plan


def chunks(items: Iterable[RawRecord], size: int) -> Iterator[list[RawRecord]]:
    """`items` in lists of `size` (the last one shorter)."""
    it = iter(items)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


def checked_imports(
    records: Iterable[RawRecord],
    *,
    tip: Tip,
    last_seqs: LastSeqs,
    stored_ids: Callable[[Sequence[str]], Collection[str]],
    size: int,
) -> Iterator[tuple[list[RawRecord], list[StoredEvent]]]:
    """The records of an import, `size` at a time, each checked before its chunk is
    yielded, with the records decoded, for the backend to store inside the write
    transaction it holds.

    Each record must continue the log exactly (`check_import`, from `tip` on, each
    case's seq from `last_seqs`), and its event id be neither stored already
    (`stored_ids(ids)` gives those of a chunk that are) nor earlier in the import:
    StoreError or ChainBroken otherwise, and the backend's transaction keeps nothing.
    """
    seqs: dict[str, int] = {}
    seen: set[str] = set()
    for chunk in chunks(records, size):
        events: list[StoredEvent] = []
        seqs.update(last_seqs({r.case_id for r in chunk} - seqs.keys()))
        known = stored_ids([r.event_id for r in chunk])
        for row in chunk:
            event = check_import(row, tip=tip, last_seq=seqs[row.case_id])
            if row.event_id in known or row.event_id in seen:
                raise StoreError(f"cannot import {row.event_id!r}: already stored")
            seen.add(row.event_id)
            seqs[row.case_id] = row.seq
            tip = Tip(position=row.position, hash=row.hash, recorded_at=event.recorded_at)
            events.append(event)
        yield chunk, events
