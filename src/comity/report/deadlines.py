"""Which open deadlines a deadline report lists, and in which order.

Kept apart from the text and JSON renderings so that both (and any later one) list
the same deadlines: those breached within `within` days after `as_of`, soonest
breach first, then by case, rule and reference so that ties never depend on the
order the cases were replayed in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from comity.engine import CaseResult, OpenDeadline
from comity.events.time import first_instant_of, format_instant, format_time, start_of
from comity.events.types import ValidTime

__all__ = ["breach_instant", "horizon", "running_deadlines"]


def breach_instant(breach_at: str | ValidTime) -> str:
    """A breach as an instant: a bare day is read as its start, 00:00Z."""
    if not isinstance(breach_at, str):
        breach_at = format_time(breach_at)
    return first_instant_of(breach_at)


def horizon(as_of: dt.date | dt.datetime, days: int) -> str:
    """The last breach instant `within=days` keeps: `days` days after the end of as_of."""
    if isinstance(as_of, dt.datetime):
        end = as_of.astimezone(dt.UTC)
    else:
        end = start_of(as_of + dt.timedelta(days=1))
    return format_instant(end + dt.timedelta(days=days))


def running_deadlines(
    results: Iterable[CaseResult], as_of: dt.date | dt.datetime, within: int | None = None
) -> list[OpenDeadline]:
    """Every open deadline of `results` (only those breached within `within` days)."""
    last = None if within is None else horizon(as_of, within)
    running = [
        deadline
        for result in results
        for deadline in result.open_deadlines
        if last is None or breach_instant(deadline.breach_at) <= last
    ]
    running.sort(key=lambda d: (breach_instant(d.breach_at), d.case_id, d.rule, d.ref))
    return running
