"""Counting legal periods: from a trigger and a length to the instant a period is over.

Why this module exists: a missed-deadline finding is only as good as its arithmetic,
and the arithmetic is law, not common sense. Regulation (EEC, Euratom) 1182/71 (which
Reg. 2018/1805 applies through its recital 29) says that the day - or, for hours, the
hour - of the triggering event is not counted (art. 3(1)) and that a period in days,
weeks, months or years whose last day is a Saturday, Sunday or public holiday ends on
the next working day (art. 3(4)). National rules differ (German *Werktage*, French
*jours ouvrables* that include Saturdays, Colombian *días hábiles*, a Friday-Saturday
weekend in the UAE until 2021), so every parameter states how it counts (`Counting`,
including its weekly rest days), and every result (`Due`) states in a plain sentence
what was done, so a prosecutor can check it and an auditor can see which calendar was
used.

Design choices, each documented in docs/parameters.md:

- Public holidays come from the `holidays` package (maintained national calendars for
  about 200 countries) rather than hand-written tables. Only national holidays are
  used: regional ones (Swiss cantons, German Länder, US states) are not, and the
  convention says so. A jurisdiction the package does not know, or none, means
  Saturdays and Sundays only - again said in the convention.
- Days are the days where the act is done (Reg. 1182/71 art. 3(1): "the day during
  which an event occurs"): when the calendar's jurisdiction has one time zone
  (`TIME_ZONES`), a datetime trigger counts from its local date there, so `last_day`
  is a local date. A jurisdiction with several zones (US, MX), an unknown one, or none,
  counts UTC dates; the convention says which. Periods in hours are instants and do
  not depend on the zone.
- The breach instant of a period in days is 00:00Z of the day after `last_day`
  (`breach_at`; docs/engine.md, "The clock"): the engine's clock treats a date as 00:00Z of
  that date (a decision dated 16 April is at 2021-04-16T00:00Z, `as_of` 15 April ends
  at 23:59:59Z), so only this instant puts every date-only act on the right side of
  the breach in every zone. The start of the local day after `last_day`, in UTC, is
  computed too (`local_breach_at`: 22:00Z the evening before in Paris in summer, 05:00Z
  the morning after in Panama) and stated in the convention; it is the exact instant
  for acts recorded to the minute, and what the engine would use if its clock read
  dates as local dates.
- Nothing here reads the clock; results depend only on the arguments, the installed
  holiday data (`HOLIDAYS_SOURCE`, which the rule-pack digest covers) and the IANA
  time-zone data (`zoneinfo`: the system's, else the `tzdata` package).

This module counts; the parts it counts with are private modules beside it, and their
public names are exported here: what a period is (`Counting`, `Due`: `_period.py`),
working days and holidays (`_working_days.py`), time zones and local days
(`_zones.py`), and the words of the convention (`_convention.py`).
"""

from __future__ import annotations

from calendar import monthrange
from datetime import MAXYEAR, UTC, date, datetime, timedelta
from typing import Final

from comity.events.time import utc_date
from comity.rules._convention import (
    WEEKDAYS,
    calendar_phrase,
    cite,
    fmt_day,
    fmt_instant,
    join,
    late_from,
    quantity,
    sentence,
    working_week,
    zone_phrase,
)
from comity.rules._period import (
    DEFAULT_REST_DAYS,
    LAST_INSTANT,
    UNITS,
    WEEKDAY_KEYS,
    Counting,
    Due,
    PeriodOutOfRange,
)
from comity.rules._working_days import (
    HOLIDAYS_SOURCE,
    is_working,
    is_working_day,
    normalise_calendar,
)
from comity.rules._zones import TIME_ZONES, as_utc, local_date, midnight, time_zone

__all__ = [
    "DEFAULT_REST_DAYS",
    "HOLIDAYS_SOURCE",
    "LAST_INSTANT",
    "TIME_ZONES",
    "UNITS",
    "WEEKDAY_KEYS",
    "Counting",
    "Due",
    "PeriodOutOfRange",
    "compute_due",
    "due_on",
    "is_working_day",
    "local_date",
    "time_zone",
    "warning_at",
    "warning_at_in",
]

_ONE_DAY: Final = timedelta(days=1)
_ONE_HOUR: Final = timedelta(hours=1)


# --- month arithmetic --------------------------------------------------------------


def _add_months(day: date, months: int, trigger_counts: bool) -> date:
    """The last day of a period of `months` months from `day`.

    Reg. 1182/71 art. 3(2)(c): the period ends on the day of the last month with the
    same number as the trigger day, or on that month's last day if it has none. When
    the trigger day itself counts (e.g. BGB §188(2) second case), the period ends the
    day before that day, and again on the month's last day if the month has no such day.
    """
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    if year > MAXYEAR:
        raise OverflowError("date value out of range")
    length = monthrange(year, month)[1]
    if day.day > length:
        return date(year, month, length)
    same = date(year, month, day.day)
    return same - _ONE_DAY if trigger_counts else same


# --- the computation ---------------------------------------------------------------


def compute_due(
    trigger: date | datetime,
    amount: int,
    counting: Counting,
    *,
    calendar: str | None,
    trigger_name: str = "the trigger",
) -> Due:
    """The end of a period of `amount` `counting.unit` from `trigger`.

    `calendar` is the ISO 3166-1 alpha-2 code of the jurisdiction whose public holidays
    apply (Reg. 1182/71 art. 2(1): those of the State where the act is to be done).
    `trigger_name` only words the convention ("receipt of the certificate").

    Periods in hours run continuously (nights, weekends, holidays). A datetime trigger
    starts them at the next full hour when the trigger hour does not count, at the start
    of the trigger hour when it does. A date trigger has no known hour, so the period
    starts at 00:00Z of the next day (or of the day itself when the trigger counts).

    Periods in days and longer count from the trigger's local date in `calendar`'s time
    zone (`TIME_ZONES`; the UTC date when the jurisdiction has no single zone; a date
    trigger is taken as that local date). `breach_at` is 00:00Z of the day after the
    last day, `local_breach_at` the start of that day in the zone. Working days are the
    days that are neither `counting.rest_days` (Saturday and Sunday by default) nor
    national public holidays of `calendar`.
    """
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 1:
        raise ValueError(f"amount must be a positive whole number, got {amount!r}")
    try:
        if counting.unit == "hours":
            return _due_in_hours(trigger, amount, counting, trigger_name)
        return _due_in_days(trigger, amount, counting, calendar, trigger_name)
    except OverflowError:
        # Every step (adding days, months, hours; the day after the last; a local
        # midnight in UTC) overflows the same way at the end of the calendar.
        raise PeriodOutOfRange(
            f"a period of {quantity(amount, counting.unit)} from {trigger_name} ends after "
            f"{LAST_INSTANT.date().isoformat()}, the last day comity can count"
        ) from None


def _due_in_days(
    trigger: date | datetime,
    amount: int,
    counting: Counting,
    calendar: str | None,
    trigger_name: str,
) -> Due:

    country = normalise_calendar(calendar)
    zone = time_zone(calendar)
    rest = counting.rest_days
    day = local_date(trigger, calendar=calendar)
    unit = counting.unit
    counted = "that day counted as the first" if counting.trigger_counts else "that day not counted"
    when = day.isoformat()
    if isinstance(trigger, datetime):
        where = f"in {zone.key}" if zone is not None else "in UTC"
        when += f" (the date {where} of {fmt_instant(as_utc(trigger))})"
    parts = [f"{quantity(amount, unit)} from {trigger_name} on {when}, {counted}"]
    if unit == "working_days":
        last = _nth_working_day(day, amount, counting.trigger_counts, country, rest)
        parts[0] += cite(counting)
        parts.append(
            f"working days are {working_week(rest)}; {calendar_phrase(calendar, country, rest)}"
        )
    else:
        if unit == "calendar_days":
            last = day + timedelta(days=amount - int(counting.trigger_counts))
        elif unit == "weeks":
            last = day + timedelta(days=7 * amount - int(counting.trigger_counts))
        else:
            months = amount * 12 if unit == "years" else amount
            last = _add_months(day, months, counting.trigger_counts)
            same = (
                "the day before the same day number"
                if counting.trigger_counts
                else "the same day number"
            )
            parts[0] += (
                f"; the period ends on {same} in the last month, or on that month's last day "
                "if it has no such day"
            )
        parts[0] += cite(counting)
    rolled_from: date | None = None
    if unit != "working_days":
        off = join([WEEKDAYS[d - 1] for d in rest] + ["public holiday"], "or")
        if counting.roll_forward:
            week = "" if rest == DEFAULT_REST_DAYS else f" (working days are {working_week(rest)})"
            parts.append(
                f"a last day on a {off} moves to the next working day{week}; "
                + calendar_phrase(calendar, country, rest)
            )
            if not is_working(last, country, rest):
                rolled_from = last
                while not is_working(last, country, rest):
                    last += _ONE_DAY
        else:
            parts.append(f"the end does not move when the last day is a {off}")
    if rolled_from is not None:
        parts.append(f"the last day {fmt_day(rolled_from)} moved to {fmt_day(last)}")
    else:
        parts.append(f"the last day is {fmt_day(last)}")
    parts.append(zone_phrase(calendar))
    after = last + _ONE_DAY
    breach = midnight(after)
    local = midnight(after, zone) if zone is not None else None
    if local is not None and isinstance(trigger, datetime) and breach <= as_utc(trigger):
        # West of UTC, a period that counts a late-evening trigger day as its only day
        # would be over at 00:00Z before it began; it ends when that local day does.
        breach = local
    parts.append(late_from(breach, after, zone, local))
    return Due(
        last_day=last,
        breach_at=breach,
        local_breach_at=local,
        convention=sentence(parts, counting.caveat),
        rolled_from=rolled_from,
        caveat=counting.caveat,
    )


def _nth_working_day(
    day: date, amount: int, trigger_counts: bool, country: str | None, rest: tuple[int, ...]
) -> date:
    current = day if trigger_counts else day + _ONE_DAY
    seen = 0
    while True:
        if is_working(current, country, rest):
            seen += 1
            if seen == amount:
                return current
        current += _ONE_DAY


def _due_in_hours(
    trigger: date | datetime, amount: int, counting: Counting, trigger_name: str
) -> Due:
    if isinstance(trigger, datetime):
        moment = as_utc(trigger)
        hour = moment.replace(minute=0, second=0, microsecond=0)
        start = hour if counting.trigger_counts else hour + _ONE_HOUR
        how = (
            "the hour in which it occurred counted, so the count starts at the beginning "
            "of that hour"
            if counting.trigger_counts
            else "the hour in which it occurred not counted, so the count starts at the next "
            "full hour"
        )
        when = fmt_instant(moment)
    else:
        start = midnight(trigger if counting.trigger_counts else trigger + _ONE_DAY)
        how = (
            "only the date is known, so the count starts at 00:00Z that day"
            if counting.trigger_counts
            else "only the date is known, so the count starts at 00:00Z the next day"
        )
        when = trigger.isoformat()
    breach = start + timedelta(hours=amount)
    parts = [
        f"{quantity(amount, 'hours')} from {trigger_name} at {when}, {how}{cite(counting)}",
        "hours run continuously, through nights, weekends and public holidays",
        f"counted from {fmt_instant(start)}, late from {fmt_instant(breach)}",
    ]
    return Due(
        last_day=None,
        breach_at=breach,
        convention=sentence(parts, counting.caveat),
        rolled_from=None,
        caveat=counting.caveat,
    )


def due_on(
    last_day: date, *, convention: str, caveat: str | None = None, calendar: str | None = None
) -> Due:
    """A `Due` for a period whose last day is given outright (an order's `expires_on`).

    Kept here so that every breach instant is derived in one place: 00:00Z of the day
    after the last day, and with a `calendar` that has one time zone the start of that
    day there (`local_breach_at`). Raises PeriodOutOfRange for a last day of 9999-12-31,
    whose next day no date can name.
    """
    zone = time_zone(calendar)
    try:
        after = last_day + _ONE_DAY
        local = midnight(after, zone) if zone is not None else None
    except OverflowError:
        raise PeriodOutOfRange(
            f"a period whose last day is {last_day.isoformat()} ends after "
            f"{LAST_INSTANT.date().isoformat()}, the last day comity can count"
        ) from None
    return Due(
        last_day=last_day,
        breach_at=midnight(after),
        local_breach_at=local,
        convention=convention,
        rolled_from=None,
        caveat=caveat,
    )


def warning_at(due: Due, days_before: int) -> datetime:
    """00:00Z of the day `days_before` calendar days before the (UTC) day of the breach.

    Warning windows are comity policy, not law, so they count plain calendar days with
    no roll-forward, and open at the start of a day (a warning is dated as a day, even
    before a period in hours). The result may precede the trigger (a 14-day window on
    a 48-hour period); callers treat that as "warn at once". So does a window reaching
    back before 0001-01-01: the first instant a datetime holds is returned.
    """
    if isinstance(days_before, bool) or not isinstance(days_before, int) or days_before < 0:
        raise ValueError(f"days_before must be a whole number >= 0, got {days_before!r}")
    try:
        return midnight(utc_date(due.breach_at) - timedelta(days=days_before))
    except OverflowError:
        return datetime.min.replace(tzinfo=UTC)


def warning_at_in(
    due: Due, days_before: int, *, counting: Counting | None, calendar: str | None
) -> datetime:
    """When a window of `days_before` days before the breach opens, counted in the
    period's own unit.

    A period in working days gets a window in working days of the same calendar and
    rest days (two working days before a suspension ends is not two calendar days when
    a weekend falls between); a period in hours gets a window of `days_before` times 24
    hours before the instant it ends; any other period, calendar days (`warning_at`).
    The window opens at the start of its first day, 00:00Z, like `warning_at`.
    """
    if counting is None or counting.unit not in ("working_days", "hours"):
        return warning_at(due, days_before)
    if isinstance(days_before, bool) or not isinstance(days_before, int) or days_before < 0:
        raise ValueError(f"days_before must be a whole number >= 0, got {days_before!r}")
    try:
        if counting.unit == "hours":
            return as_utc(due.breach_at) - timedelta(hours=24 * days_before)
        assert due.last_day is not None
        country = normalise_calendar(calendar)
        day = due.last_day + _ONE_DAY  # the breach day; the window ends the day before
        seen = 0
        while seen < days_before:
            day -= _ONE_DAY
            if is_working(day, country, counting.rest_days):
                seen += 1
        return midnight(day)
    except OverflowError:
        return datetime.min.replace(tzinfo=UTC)
