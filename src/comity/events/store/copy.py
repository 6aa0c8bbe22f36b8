"""Copying a log into another store, record for record, envelope and hash kept.

The copy is not a re-append: every record keeps its `position`, `seq`, `recorded_at`,
body and hash, so the copy verifies with the same head hash as the source, in any pair
of backends (SQLite to PostgreSQL and back). The target checks each record as it
imports it (`check_import`: it must continue the target's chain exactly), so a copy can
only ever produce a log that verifies.

A copy into a target that already holds the start of the same log continues from the
target's head: running the same copy again later copies only what is new, and a copy
that was interrupted picks up where it stopped. A target holding another log is refused.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

from comity.errors import StoreError
from comity.events.store._recorder import chunks
from comity.events.store.log import EventLog
from comity.events.store.records import Head
from comity.events.store.url import describe_store

__all__ = ["CopyReport", "copy_log"]

#: Records per import transaction: an interrupted copy keeps every whole chunk.
COPY_CHUNK = 10_000


@attrs.frozen(kw_only=True)
class CopyReport:
    """What a copy did: the records it copied, where it started, the head it reached."""

    copied: int
    start: int
    head: Head


def _open(store: EventLog | str, *, create: bool) -> tuple[EventLog, bool]:
    if isinstance(store, str):
        from comity.events.store import open_log

        return open_log(store, create=create), True
    return store, False


def copy_log(
    src: EventLog | str,
    dst: EventLog | str,
    *,
    chunk: int = COPY_CHUNK,
    progress: Callable[[int], None] | None = None,
) -> CopyReport:
    """Copy every record of `src` that `dst` does not hold yet; return what was done.

    `src` and `dst` are open logs or store URLs (a URL target is created if it does not
    exist; a URL source must exist). Each chunk of records is imported in one
    transaction. `progress(n)` is called with the running count after each chunk.
    Raises StoreError if `dst` holds records that are not the start of `src`'s log, and
    ChainBroken if a source record does not chain (nothing of that chunk is stored).
    """
    if chunk < 1:
        raise ValueError("chunk must be at least 1")
    source, close_source = _open(src, create=False)
    try:
        target, close_target = _open(dst, create=True)
        try:
            return _copy(source, target, chunk, progress)
        finally:
            if close_target:
                target.close()
    finally:
        if close_source:
            source.close()


def _copy(
    source: EventLog, target: EventLog, chunk: int, progress: Callable[[int], None] | None
) -> CopyReport:
    start = target.head()
    if start.position:
        shared = next(source.raw_records(after=start.position - 1), None)
        if shared is None or shared.position != start.position or shared.hash != start.hash:
            raise StoreError(
                f"cannot copy into {_name(target)}: it holds {start.position} records that "
                f"are not the start of {_name(source)}'s log; copy into an empty store"
            )
    copied = 0
    records = source.raw_records(after=start.position)
    for part in chunks(records, chunk):
        copied += target.import_records(part)
        if progress is not None:
            progress(copied)
    return CopyReport(copied=copied, start=start.position, head=target.head())


def _name(log: EventLog) -> str:
    return str(getattr(log, "where", None) or describe_store(log.url))
