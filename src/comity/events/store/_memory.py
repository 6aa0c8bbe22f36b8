"""The in-memory log: for tests and for embedding a throw-away log in a process."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from typing import Any

from comity.events import arguments
from comity.events.store._recorder import checked_imports, planner
from comity.events.store.records import (
    GENESIS_HASH,
    AppendResult,
    Head,
    RawRecord,
    StoredEvent,
    Tip,
    check_range,
    content_of,
)
from comity.events.store.verify import VerifyReport, verify_from, verify_records
from comity.events.types import Event

__all__ = ["MemoryLog"]

#: Records checked per lookup while importing.
IMPORT_CHUNK = 1000


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class MemoryLog:
    """Holds rows in lists; a lock makes appends atomic across threads.

    `legacy=True` stands for a store written before the input policy was enforced
    (dates outside 1900-2200, codes outside ISO): appends skip `check_event`, so that
    tests can show that such a store still replays.
    """

    def __init__(
        self,
        url: str = "memory:",
        *,
        clock: Callable[[], dt.datetime] = _utcnow,
        legacy: bool = False,
    ) -> None:
        self.url = url
        self._clock = clock
        self._legacy = legacy
        self._rows: list[RawRecord] = []
        self._events: list[StoredEvent] = []
        self._by_id: dict[str, int] = {}
        self._by_case: dict[str, list[int]] = {}
        self._lock = threading.Lock()

    def _tip(self) -> Tip:
        if not self._rows:
            return Tip(position=0, hash=GENESIS_HASH, recorded_at=None)
        last = self._events[-1]
        return Tip(position=last.position, hash=last.hash, recorded_at=last.recorded_at)

    def _existing(self, ids: Sequence[str]) -> Mapping[str, str]:
        return {i: content_of(self._rows[self._by_id[i]].body) for i in ids if i in self._by_id}

    def last_seq(self, case_id: str) -> int:
        arguments.case_id(case_id, call="last_seq")
        return len(self._by_case.get(case_id, ()))

    def _last_seqs(self, cases: Collection[str]) -> dict[str, int]:
        return {case: len(self._by_case.get(case, ())) for case in cases}

    def append(
        self, events: Iterable[Event], *, expected_seq: int | Mapping[str, int] | None = None
    ) -> AppendResult:
        batch = arguments.event_batch(events)
        expected_seq = arguments.expected_seq(expected_seq)
        with self._lock:
            plan = planner(
                batch,
                expected_seq,
                tip=self._tip(),
                now=self._clock(),
                last_seqs=self._last_seqs,
                checked=not self._legacy,
            )
            rows, stored, already = plan(self._existing)
            self._store(rows, stored)
        return AppendResult(stored=tuple(stored), already_stored=tuple(already))

    def _store(self, rows: Sequence[RawRecord], stored: Sequence[StoredEvent]) -> None:
        for row, event in zip(rows, stored, strict=True):
            index = len(self._rows)
            self._rows.append(row)
            self._events.append(event)
            self._by_id[row.event_id] = index
            self._by_case.setdefault(row.case_id, []).append(index)

    def _visible(self, known_at: dt.datetime | None, call: str) -> int:
        """How many rows had been recorded by `known_at` (rows are in record-time order)."""
        if known_at is None:
            return len(self._rows)
        cutoff = arguments.cutoff(known_at, call=call)
        count = 0
        for row in self._rows:
            if row.recorded_at > cutoff:
                break
            count += 1
        return count

    def read_case(
        self, case_id: str, *, known_at: dt.datetime | None = None
    ) -> Iterator[StoredEvent]:
        arguments.case_id(case_id, call="read_case")
        limit = self._visible(known_at, "read_case")
        for index in list(self._by_case.get(case_id, ())):
            if index >= limit:
                return
            yield self._events[index]

    def read(
        self, *, after: int = 0, until: int | None = None, known_at: dt.datetime | None = None
    ) -> Iterator[StoredEvent]:
        check_range(after, until)
        limit = self._visible(known_at, "read")
        if until is not None:
            limit = min(limit, until)
        for index in range(max(after, 0), limit):
            yield self._events[index]

    def case_ids(self, *, known_at: dt.datetime | None = None) -> Iterator[str]:
        limit = self._visible(known_at, "case_ids")
        yield from sorted(c for c, idx in self._by_case.items() if idx and idx[0] < limit)

    def head(self) -> Head:
        tip = self._tip()
        return Head(tip.position, tip.hash)

    def raw_records(self, *, after: int = 0) -> Iterator[RawRecord]:
        yield from self._rows[max(after, 0) :]

    def verify(self, *, after: Head | None = None) -> VerifyReport:
        if after is None:
            return verify_records(self.raw_records())
        rows = self._rows

        def row_at(position: int) -> tuple[Any, ...] | None:
            if not 0 < position <= len(rows):
                return None
            r = rows[position - 1]
            return (r.position, r.case_id, r.seq, r.event_id, r.recorded_at, r.body, r.hash)

        def seq_before(case_id: str, position: int) -> int:
            return max((r.seq for r in rows[:position] if r.case_id == case_id), default=0)

        start = verify_from(after, len(rows), row_at, seq_before)
        return verify_records(self.raw_records(after=after.position), start)

    def import_records(self, records: Iterable[RawRecord]) -> int:
        rows: list[RawRecord] = []
        events: list[StoredEvent] = []
        with self._lock:
            for chunk, decoded in checked_imports(
                records,
                tip=self._tip(),
                last_seqs=self._last_seqs,
                stored_ids=lambda ids: [i for i in ids if i in self._by_id],
                size=IMPORT_CHUNK,
            ):
                rows.extend(chunk)
                events.extend(decoded)
            self._store(rows, events)  # all or nothing, like an append
        return len(rows)

    def close(self) -> None:
        pass
