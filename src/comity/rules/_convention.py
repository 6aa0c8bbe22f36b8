"""The words of a period's convention: one plain sentence saying how it was counted.

Every `Due` says what was done (the trigger day counted or not, the working week, the
holiday calendar and the time zone used, a last day moved off a weekend) so that a
prosecutor can check the arithmetic and an auditor can see which calendar was used.
Instants are written by `comity.events.time`, at the minute.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import date, datetime
from typing import Final
from zoneinfo import ZoneInfo

from comity.events.time import format_instant
from comity.rules._period import Counting
from comity.rules._working_days import HOLIDAYS_SOURCE
from comity.rules._zones import SEVERAL_ZONES, TIME_ZONES

__all__ = [
    "WEEKDAYS",
    "calendar_phrase",
    "cite",
    "fmt_day",
    "fmt_instant",
    "join",
    "late_from",
    "quantity",
    "sentence",
    "working_week",
    "zone_phrase",
]

WEEKDAYS: Final = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _plural(days: Iterable[int]) -> list[str]:
    return [f"{WEEKDAYS[d - 1]}s" for d in days]


def join(words: list[str], last: str = "and") -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} {last} {words[-1]}"


def working_week(rest_days: tuple[int, ...]) -> str:
    """ "Monday to Friday", "Monday to Saturday", "Sunday to Thursday", ..."""
    working = [d for d in range(1, 8) if d not in rest_days]
    if not rest_days:
        return "every day of the week"
    # Start the week on the day after a rest day, so that a run wrapping past Sunday
    # (Sunday to Thursday) reads as one range.
    start = next(d for d in working if (d - 2) % 7 + 1 in rest_days)
    ordered = sorted(working, key=lambda d: (d - start) % 7)
    contiguous = all((b - a) % 7 == 1 for a, b in itertools.pairwise(ordered))
    if len(ordered) == 1:
        return f"{WEEKDAYS[ordered[0] - 1]} only"
    if contiguous:
        return f"{WEEKDAYS[ordered[0] - 1]} to {WEEKDAYS[ordered[-1] - 1]}"
    return join([WEEKDAYS[d - 1] for d in ordered])


def _rest_phrase(rest_days: tuple[int, ...]) -> str:
    """ "Saturdays and Sundays", "Sundays", "Fridays and Saturdays" (not empty)."""
    return join(_plural(rest_days))


def calendar_phrase(requested: str | None, used: str | None, rest_days: tuple[int, ...]) -> str:
    if used is not None:
        return (
            f"public holidays are the national holidays of {used} "
            f"({HOLIDAYS_SOURCE}; regional holidays are not included)"
        )
    only = (
        f"only {_rest_phrase(rest_days)} count as non-working days"
        if rest_days
        else "every day counts as a working day"
    )
    if requested is None:
        return f"no jurisdiction was given, so {only}"
    code = requested.strip().upper()
    return f"{code} has no public-holiday calendar in {HOLIDAYS_SOURCE}, so {only}"


def zone_phrase(calendar: str | None) -> str:
    if calendar is None:
        return "no jurisdiction was given, so days are UTC dates"
    code = calendar.strip().upper()
    if code in TIME_ZONES:
        name, remark = TIME_ZONES[code]
        return f"days are dates in {name}" + (f" ({remark})" if remark else "")
    if code in SEVERAL_ZONES:
        return f"{code} spans several time zones, so days are UTC dates"
    return f"comity has no time zone for {code}, so days are UTC dates"


def fmt_instant(moment: datetime) -> str:
    return format_instant(moment, timespec="minutes")


def fmt_day(day: date) -> str:
    return f"{day.isoformat()} ({WEEKDAYS[day.weekday()]})"


def quantity(amount: int, unit: str) -> str:
    words = {
        "hours": ("hour", "hours"),
        "calendar_days": ("calendar day", "calendar days"),
        "working_days": ("working day", "working days"),
        "weeks": ("week", "weeks"),
        "months": ("month", "months"),
        "years": ("year", "years"),
    }[unit]
    return f"{amount} {words[0] if amount == 1 else words[1]}"


def cite(counting: Counting) -> str:
    return f" ({counting.source})" if counting.source else ""


def late_from(breach: datetime, day: date, zone: ZoneInfo | None, local: datetime | None) -> str:
    if zone is None or local is None:
        return f"late from {fmt_instant(breach)}"
    if breach == local:
        return f"late from {fmt_instant(breach)}, the start of {day.isoformat()} in {zone.key}"
    return (
        f"late from {fmt_instant(breach)} (comity's clock starts each day at 00:00Z; "
        f"in {zone.key} {day.isoformat()} begins at {fmt_instant(local)})"
    )


def sentence(parts: list[str], caveat: str | None) -> str:
    text = "; ".join(parts) + "."
    text = text[0].upper() + text[1:]
    if caveat:
        text += f" Caveat: {caveat}"
    return text
