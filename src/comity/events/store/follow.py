"""Following a log: every stored event, in position order, as it is appended.

`follow(log)` first yields what is already stored (after `after`), then waits for more,
like `tail -f`. It reads by position, `read(after=last)`, so it relies on what every
backend promises: positions are gapless and become visible in position order (SQLite
and the in-memory log append under one lock; PostgreSQL assigns positions under a
transaction-scoped lock that is released only after COMMIT, see
`comity.events.store._postgres`). A follower therefore never skips an event that commits
later with a smaller position, and it checks that promise as it goes.

Between reads it waits `poll_interval` seconds, or less when the backend can say that
something was appended (PostgreSQL's LISTEN/NOTIFY through `wait_for_append`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Protocol, runtime_checkable

from comity.errors import ChainBroken, InvalidArgument
from comity.events.store.log import EventLog
from comity.events.store.records import StoredEvent, check_range

__all__ = ["follow"]


@runtime_checkable
class _Waker(Protocol):
    def wait_for_append(self, timeout: float) -> bool: ...


def follow(
    log: EventLog,
    *,
    after: int = 0,
    poll_interval: float = 0.5,
    stop: Callable[[], bool] | None = None,
    case_id: str | None = None,
) -> Iterator[StoredEvent]:
    """Yield every event after position `after`, then each new one as it is stored.

    `stop` is called after each round of reading (once everything visible has been
    yielded); when it returns true, the iterator ends. Without `stop` it runs until the
    caller stops iterating (or the process is interrupted). `case_id` yields only that
    case's events (positions of other cases are read, and skipped).

    Raises ChainBroken if a position is missing, which no sound log allows.
    """
    check_range(after, None, call="follow")
    if not isinstance(poll_interval, int | float) or poll_interval < 0:
        raise InvalidArgument(
            f"follow: poll_interval must be a number of seconds, 0 or more, got {poll_interval!r}"
        )
    last = max(after, 0)
    waker = log if isinstance(log, _Waker) else None
    while True:
        for stored in log.read(after=last):
            if stored.position != last + 1:
                raise ChainBroken(last + 1, f"position {last + 1} is missing from the log")
            last = stored.position
            if case_id is None or stored.case_id == case_id:
                yield stored
        if stop is not None and stop():
            return
        if waker is not None:
            waker.wait_for_append(poll_interval)
        else:
            time.sleep(poll_interval)
