"""Reads and verification for the SQL backends, which fetch rows in `RAW_COLUMNS` order."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from comity.errors import (
    ChainBroken,
    StoreDamaged,
    StoreError,
    StoreUnavailable,
)
from comity.events.store.records import (
    Head,
    RawRecord,
    StoredEvent,
    check_range,
    decode_stored,
    record_of_row,
)
from comity.events.store.verify import VerifyReport, verify_from, verify_rows

__all__ = ["RowReads"]


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
