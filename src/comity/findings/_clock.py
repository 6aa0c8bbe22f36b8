"""Real time for the watcher, and how a case's clock moves with it.

The watcher is the only place the findings store reads the wall clock (the engine
never does): it hands the instant to the engine, so that a deadline breaches at its
instant even when no event comes. A case's clock moves only to the instants where
something can happen (`CaseSession.next_instant`), so that until then the case's
result stands, and a new event dated after the last instant reached applies to a
live session without replaying the case.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from comity.engine import CaseSession
from comity.events import StoredEvent
from comity.events.time import floor_to_second, format_instant, start_of

__all__ = ["event_instant", "floor", "next_at", "quiet_advance", "wall_clock"]


def wall_clock() -> dt.datetime:
    """Real time: the only place the findings store reads the clock."""
    return dt.datetime.now(dt.UTC)


def floor(value: dt.datetime) -> dt.datetime:
    """An instant to the second, in UTC: the store's clocks are kept to the second."""
    return floor_to_second(value)


def event_instant(stored: StoredEvent) -> dt.datetime:
    """When an event happened, as the instant the engine's clock must reach to apply it
    (a date is its first instant): an event dated later is held back until then."""
    when = stored.event.occurred_at
    if isinstance(when, dt.datetime):
        return floor(when)
    return start_of(when)


def quiet_advance(session: CaseSession, clock: dt.datetime) -> None:
    """Tick only the instants where something can happen, up to `clock`, so that the
    session's own clock stays at the last of them and later events need no replay."""
    while (soonest := session.next_instant) is not None and soonest <= clock:
        session.advance(soonest)


def next_at(session: CaseSession, deferred: Sequence[StoredEvent]) -> str | None:
    """The next instant the clock alone changes the case: its next deadline instant, or
    the instant of an event held back, whichever comes first."""
    candidates = [event_instant(d) for d in deferred]
    soonest = session.next_instant
    if soonest is not None:
        candidates.append(soonest)
    return format_instant(min(candidates)) if candidates else None
