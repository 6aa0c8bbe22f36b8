"""The log's contract: what every backend offers (`EventLog`).

Backends (in-memory, SQLite, PostgreSQL) differ only in how they keep rows and take
locks. Everything that decides *what* is stored lives beside this module, once: the
records and the hash chain (`records`), the idempotency and optimistic-concurrency
checks, seq and position numbering and record time (`append`), and the checks of a
chain and of an import (`verify`); `_recorder` is where a backend hands its append or
import to them. So the same batch gives the same bytes and the same head hash in
every backend.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from typing import Protocol, runtime_checkable

from comity.events.store.records import AppendResult, Head, RawRecord, StoredEvent
from comity.events.store.verify import VerifyReport
from comity.events.types import Event

__all__ = ["EventLog"]


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
