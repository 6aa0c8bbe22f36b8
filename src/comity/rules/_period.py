"""What a legal period is: how it is counted (`Counting`) and when it ends (`Due`).

A parameter states every choice that moves a deadline (docs/parameters.md), so the
classes here default nothing the sources disagree on and refuse what no source states
(a period in hours rolled forward off a weekend). Counting a period is
`calendar.py`'s, which exports these names (`comity.rules.calendar.Counting`, ...).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Final

import attrs

from comity.events.time import end_of

__all__ = [
    "DEFAULT_REST_DAYS",
    "LAST_INSTANT",
    "UNITS",
    "WEEKDAY_KEYS",
    "Counting",
    "Due",
    "PeriodOutOfRange",
    "rest_days_of",
]

UNITS: Final = ("hours", "calendar_days", "working_days", "weeks", "months", "years")
"""The units a legal period can be expressed in."""

WEEKDAY_KEYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""How parameter files name weekdays (`counting.rest_days = ["sun"]`); index + 1 is the
ISO weekday number."""

DEFAULT_REST_DAYS: Final = (6, 7)
"""Saturday and Sunday, as ISO weekday numbers: the weekly rest days unless a parameter
says otherwise."""

LAST_INSTANT: Final = end_of(date.max)
"""The last instant a period can end at: 9999-12-31T23:59:59Z, the end of the last day
Python's dates hold."""


class PeriodOutOfRange(OverflowError):
    """A period would end after `LAST_INSTANT` (or, counted back, before 0001-01-01).

    An event accepted long ago, or a user parameter of many years, can start such a
    period; no date can name its end, so there is nothing to compare a clock with.
    Callers decide what that means: the engine treats it as a period that does not
    lapse within the dates comity can count (docs/time.md).
    """


def _check_unit(_inst: object, _attr: object, value: str) -> None:
    if value not in UNITS:
        raise ValueError(f"unit must be one of {', '.join(UNITS)}; got {value!r}")


def _check_text(_inst: object, attribute: attrs.Attribute[str | None], value: str | None) -> None:
    if value is not None and not value.strip():
        raise ValueError(f"{attribute.name} must be a non-empty sentence or None")


def rest_days_of(value: Iterable[int]) -> tuple[int, ...]:
    return tuple(sorted(set(value)))


def _check_rest_days(_inst: object, _attr: object, value: tuple[int, ...]) -> None:
    if any(isinstance(d, bool) or not isinstance(d, int) or not 1 <= d <= 7 for d in value):
        raise ValueError(f"rest_days must be ISO weekday numbers 1 (Monday) to 7; got {value!r}")
    if len(value) == 7:
        raise ValueError("rest_days cannot be every day of the week")


@attrs.frozen(kw_only=True)
class Counting:
    """How one legal period is counted.

    Every field is stated by the parameter, not defaulted, because each one moves the
    deadline and the sources disagree: Reg. 1182/71 art. 3(1) does not count the
    trigger day, art. 3(4) rolls a weekend or holiday end forward, other laws do
    neither or say nothing. `caveat` carries what the source leaves open, so that the
    finding can show it instead of comity guessing silently.
    """

    unit: str = attrs.field(validator=_check_unit)
    trigger_counts: bool
    """Whether the trigger day (for hours: the trigger hour) is the first counted."""
    roll_forward: bool
    """Whether a last day on a rest day or public holiday moves to the next working day
    (Reg. 1182/71 art. 3(4)). Not defined for hours."""
    rest_days: tuple[int, ...] = attrs.field(
        default=DEFAULT_REST_DAYS, converter=rest_days_of, validator=_check_rest_days
    )
    """The weekly rest days, as ISO weekday numbers (1 Monday ... 7 Sunday): not working
    days, and days a rolled end moves off. Saturday and Sunday unless the law says
    otherwise: (7,) for French *jours ouvrables*, (5, 6) for the UAE before 2022."""
    caveat: str | None = attrs.field(default=None, validator=_check_text)
    """What the source leaves open about counting, in one or two sentences."""
    source: str | None = attrs.field(default=None, validator=_check_text)
    """Where the counting rule comes from, e.g. "Reg. (EEC, Euratom) 1182/71 art. 3"."""

    def __attrs_post_init__(self) -> None:
        # Art. 3(4) applies to "a period expressed otherwise than in hours"; a period in
        # hours that rolled forward would be a rule no source in the notes states.
        if self.unit == "hours" and self.roll_forward:
            raise ValueError(
                "roll_forward applies to periods in days, weeks, months or years, not hours"
            )
        if self.unit == "hours" and self.rest_days != DEFAULT_REST_DAYS:
            raise ValueError("rest_days applies to periods in days and longer, not hours")


def _check_aware(_inst: object, _attr: object, value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() != timedelta(0):
        raise ValueError(f"breach_at must be a UTC datetime, got {value!r}")


@attrs.frozen(kw_only=True)
class Due:
    """When a period ends, and how that was worked out.

    `breach_at` is the first instant at which the act is late in the engine's clock:
    00:00Z of the day after `last_day` for periods in days and longer (a date is 00:00Z
    of that date there), the instant the last hour ends for periods in hours. Findings
    are dated at `breach_at` (docs/engine.md, "The clock"). One exception keeps it after the
    trigger: west of UTC, a period whose only day is a late-evening trigger's local day
    would end at 00:00Z before the trigger; it ends at `local_breach_at` instead.
    """

    last_day: date | None
    """The last day on which the act is in time: a local date in the calendar's time
    zone (a UTC date when it has none); None for periods in hours."""
    breach_at: datetime = attrs.field(validator=_check_aware)
    local_breach_at: datetime | None = attrs.field(
        default=None, validator=attrs.validators.optional(_check_aware)
    )
    """The start of the day after `last_day` in the calendar's time zone, in UTC (e.g.
    2021-04-15T22:00Z for a last day of 15 April in Paris): the exact end for acts
    timed to the minute. None for periods in hours and when days are UTC days (then it
    would equal `breach_at`)."""
    convention: str
    """A plain sentence saying how the period was counted and which calendar was used."""
    rolled_from: date | None = None
    """The last day before it was moved forward off a weekend or public holiday."""
    caveat: str | None = None
    """The parameter's counting caveat, carried so that a finding can show it."""
