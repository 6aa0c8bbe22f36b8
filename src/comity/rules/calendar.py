"""Counting legal periods: from a trigger and a length to the instant a period is over.

Why this module exists: a missed-deadline finding is only as good as its arithmetic,
and the arithmetic is law, not common sense. Regulation (EEC, Euratom) 1182/71 (which
Reg. 2018/1805 applies through its recital 29) says that the day - or, for hours, the
hour - of the triggering event is not counted (art. 3(1)) and that a period in days,
weeks, months or years whose last day is a Saturday, Sunday or public holiday ends on
the next working day (art. 3(4)). National rules differ (German *Werktage*, French
*jours ouvrables*, Colombian *días hábiles*), so every parameter states how it counts
(`Counting`), and every result (`Due`) states in a plain sentence what was done, so a
prosecutor can check it and an auditor can see which calendar was used.

Design choices, each documented in docs/parameters.md:

- Public holidays come from the `holidays` package (maintained national calendars for
  about 200 countries) rather than hand-written tables. Only national holidays are
  used: regional ones (Swiss cantons, German Länder, US states) are not, and the
  convention says so. A jurisdiction the package does not know, or none, means
  Saturdays and Sundays only - again said in the convention.
- Days are UTC days: a datetime trigger counts from its UTC date, and a period in days
  is over at 00:00Z of the day after its last day (DESIGN.md section 4).
- Nothing here reads the clock; results depend only on the arguments and the installed
  holiday data (`HOLIDAYS_SOURCE`, which the rule-pack digest covers).
"""

from __future__ import annotations

import functools
from calendar import monthrange
from datetime import UTC, date, datetime, time, timedelta
from importlib.metadata import version
from typing import Final

import attrs
import holidays

__all__ = [
    "HOLIDAYS_SOURCE",
    "UNITS",
    "Counting",
    "Due",
    "compute_due",
    "due_on",
    "is_working_day",
    "warning_at",
]

UNITS: Final = ("hours", "calendar_days", "working_days", "weeks", "months", "years")
"""The units a legal period can be expressed in."""

HOLIDAYS_SOURCE: Final = f"python-holidays {version('holidays')}"
"""Which holiday data computed working days; a new release can move a deadline."""

_WEEKDAYS: Final = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_ONE_DAY: Final = timedelta(days=1)
_ONE_HOUR: Final = timedelta(hours=1)


def _check_unit(_inst: object, _attr: object, value: str) -> None:
    if value not in UNITS:
        raise ValueError(f"unit must be one of {', '.join(UNITS)}; got {value!r}")


def _check_text(_inst: object, attribute: attrs.Attribute[str | None], value: str | None) -> None:
    if value is not None and not value.strip():
        raise ValueError(f"{attribute.name} must be a non-empty sentence or None")


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
    """Whether a last day on a Saturday, Sunday or public holiday moves to the next
    working day (Reg. 1182/71 art. 3(4)). Not defined for hours."""
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


def _check_aware(_inst: object, _attr: object, value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() != timedelta(0):
        raise ValueError(f"breach_at must be a UTC datetime, got {value!r}")


@attrs.frozen(kw_only=True)
class Due:
    """When a period ends, and how that was worked out.

    `breach_at` is the first instant at which the act is late: 00:00Z of the day after
    `last_day` for periods in days and longer, the instant the last hour ends for
    periods in hours. Findings are dated at `breach_at` (DESIGN.md section 4).
    """

    last_day: date | None
    """The last day on which the act is in time; None for periods in hours."""
    breach_at: datetime = attrs.field(validator=_check_aware)
    convention: str
    """A plain sentence saying how the period was counted and which calendar was used."""
    rolled_from: date | None = None
    """The last day before it was moved forward off a weekend or public holiday."""
    caveat: str | None = None
    """The parameter's counting caveat, carried so that a finding can show it."""


# --- holiday calendars -------------------------------------------------------------


@functools.cache
def _supported() -> frozenset[str]:
    return frozenset(holidays.list_supported_countries())


def _normalise_calendar(code: str | None) -> str | None:
    """The upper-case code if the holidays package knows it, else None (weekends only)."""
    if code is None:
        return None
    upper = code.strip().upper()
    return upper if upper in _supported() else None


@functools.cache
def _holiday_dates(country: str, year: int) -> frozenset[date]:
    # Cached per (country, year): building a holidays object costs far more than a
    # set look-up, and replays ask for the same few countries and years again and
    # again. National holidays only (no subdivision), the package's default category.
    return frozenset(holidays.country_holidays(country, years=year).keys())


def _is_working(day: date, country: str | None) -> bool:
    if day.weekday() >= 5:
        return False
    return country is None or day not in _holiday_dates(country, day.year)


def is_working_day(day: date, *, calendar: str | None) -> bool:
    """Monday to Friday and not a national public holiday of `calendar`.

    `calendar` is an ISO 3166-1 alpha-2 code; None or a code the holidays package does
    not know means that only Saturdays and Sundays are non-working days.
    """
    return _is_working(day, _normalise_calendar(calendar))


def _calendar_phrase(requested: str | None, used: str | None) -> str:
    if used is not None:
        return (
            f"public holidays are the national holidays of {used} "
            f"({HOLIDAYS_SOURCE}; regional holidays are not included)"
        )
    if requested is None:
        return "no jurisdiction was given, so only Saturdays and Sundays count as non-working days"
    return (
        f"{requested.strip().upper()} has no public-holiday calendar in {HOLIDAYS_SOURCE}, "
        "so only Saturdays and Sundays count as non-working days"
    )


# --- triggers ----------------------------------------------------------------------


def _as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        # A naive datetime has no defined instant; guessing a zone would move deadlines.
        raise ValueError(f"trigger datetime {moment.isoformat()} has no time zone; give UTC")
    return moment.astimezone(UTC)


def _trigger_day(trigger: date | datetime) -> date:
    if isinstance(trigger, datetime):
        return _as_utc(trigger).date()
    return trigger


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def _fmt_instant(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%MZ")


def _fmt_day(day: date) -> str:
    return f"{day.isoformat()} ({_WEEKDAYS[day.weekday()]})"


def _quantity(amount: int, unit: str) -> str:
    words = {
        "hours": ("hour", "hours"),
        "calendar_days": ("calendar day", "calendar days"),
        "working_days": ("working day", "working days"),
        "weeks": ("week", "weeks"),
        "months": ("month", "months"),
        "years": ("year", "years"),
    }[unit]
    return f"{amount} {words[0] if amount == 1 else words[1]}"


def _cite(counting: Counting) -> str:
    return f" ({counting.source})" if counting.source else ""


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

    Periods in days and longer use the trigger's UTC date. Working days are Monday to
    Friday except national public holidays of `calendar`.
    """
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 1:
        raise ValueError(f"amount must be a positive whole number, got {amount!r}")
    if counting.unit == "hours":
        return _due_in_hours(trigger, amount, counting, trigger_name)

    country = _normalise_calendar(calendar)
    day = _trigger_day(trigger)
    unit = counting.unit
    counted = "that day counted as the first" if counting.trigger_counts else "that day not counted"
    parts = [f"{_quantity(amount, unit)} from {trigger_name} on {day.isoformat()}, {counted}"]
    if unit == "working_days":
        last = _nth_working_day(day, amount, counting.trigger_counts, country)
        parts[0] += _cite(counting)
        parts.append(f"working days are Monday to Friday; {_calendar_phrase(calendar, country)}")
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
        parts[0] += _cite(counting)
    rolled_from: date | None = None
    if unit != "working_days":
        if counting.roll_forward:
            parts.append(
                "a last day on a Saturday, Sunday or public holiday moves to the next working day; "
                + _calendar_phrase(calendar, country)
            )
            if not _is_working(last, country):
                rolled_from = last
                while not _is_working(last, country):
                    last += _ONE_DAY
        else:
            parts.append(
                "the end does not move when the last day is a Saturday, Sunday or public holiday"
            )
    if rolled_from is not None:
        parts.append(f"the last day {_fmt_day(rolled_from)} moved to {_fmt_day(last)}")
    else:
        parts.append(f"the last day is {_fmt_day(last)}")
    breach = _midnight(last + _ONE_DAY)
    parts.append(f"late from {_fmt_instant(breach)}")
    return Due(
        last_day=last,
        breach_at=breach,
        convention=_sentence(parts, counting.caveat),
        rolled_from=rolled_from,
        caveat=counting.caveat,
    )


def _nth_working_day(day: date, amount: int, trigger_counts: bool, country: str | None) -> date:
    current = day if trigger_counts else day + _ONE_DAY
    seen = 0
    while True:
        if _is_working(current, country):
            seen += 1
            if seen == amount:
                return current
        current += _ONE_DAY


def _due_in_hours(
    trigger: date | datetime, amount: int, counting: Counting, trigger_name: str
) -> Due:
    if isinstance(trigger, datetime):
        moment = _as_utc(trigger)
        hour = moment.replace(minute=0, second=0, microsecond=0)
        start = hour if counting.trigger_counts else hour + _ONE_HOUR
        how = (
            "the hour in which it occurred counted, so the count starts at the beginning "
            "of that hour"
            if counting.trigger_counts
            else "the hour in which it occurred not counted, so the count starts at the next "
            "full hour"
        )
        when = _fmt_instant(moment)
    else:
        start = _midnight(trigger if counting.trigger_counts else trigger + _ONE_DAY)
        how = (
            "only the date is known, so the count starts at 00:00Z that day"
            if counting.trigger_counts
            else "only the date is known, so the count starts at 00:00Z the next day"
        )
        when = trigger.isoformat()
    breach = start + timedelta(hours=amount)
    parts = [
        f"{_quantity(amount, 'hours')} from {trigger_name} at {when}, {how}{_cite(counting)}",
        "hours run continuously, through nights, weekends and public holidays",
        f"counted from {_fmt_instant(start)}, late from {_fmt_instant(breach)}",
    ]
    return Due(
        last_day=None,
        breach_at=breach,
        convention=_sentence(parts, counting.caveat),
        rolled_from=None,
        caveat=counting.caveat,
    )


def _sentence(parts: list[str], caveat: str | None) -> str:
    text = "; ".join(parts) + "."
    text = text[0].upper() + text[1:]
    if caveat:
        text += f" Caveat: {caveat}"
    return text


def due_on(last_day: date, *, convention: str, caveat: str | None = None) -> Due:
    """A `Due` for a period whose last day is given outright (an order's `expires_on`).

    Kept here so that every breach instant is derived in one place: 00:00Z of the day
    after the last day.
    """
    return Due(
        last_day=last_day,
        breach_at=_midnight(last_day + _ONE_DAY),
        convention=convention,
        rolled_from=None,
        caveat=caveat,
    )


def warning_at(due: Due, days_before: int) -> datetime:
    """The instant `days_before` calendar days before `due.breach_at`.

    Warning windows are comity policy, not law, so they count plain calendar days with
    no roll-forward. The result may precede the trigger (a 14-day window on a 48-hour
    period); callers treat that as "warn at once".
    """
    if isinstance(days_before, bool) or not isinstance(days_before, int) or days_before < 0:
        raise ValueError(f"days_before must be a whole number >= 0, got {days_before!r}")
    return due.breach_at - timedelta(days=days_before)
