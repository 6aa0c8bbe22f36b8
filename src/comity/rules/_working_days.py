"""Working days: a jurisdiction's national public holidays and the weekly rest days.

Public holidays come from the `holidays` package (maintained national calendars for
about 200 countries) rather than hand-written tables; only national holidays are used
(docs/parameters.md). Which release computed them is `HOLIDAYS_SOURCE`, which every
convention names and the rule-pack digest covers: a new release can move a deadline.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import date
from importlib.metadata import version
from typing import Final

import holidays

from comity.rules._period import DEFAULT_REST_DAYS, rest_days_of

__all__ = ["HOLIDAYS_SOURCE", "is_working", "is_working_day", "normalise_calendar"]

HOLIDAYS_SOURCE: Final = f"python-holidays {version('holidays')}"
"""Which holiday data computed working days; a new release can move a deadline."""


@functools.cache
def _supported() -> frozenset[str]:
    return frozenset(holidays.list_supported_countries())


def normalise_calendar(code: str | None) -> str | None:
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


def is_working(day: date, country: str | None, rest_days: tuple[int, ...]) -> bool:
    if day.isoweekday() in rest_days:
        return False
    return country is None or day not in _holiday_dates(country, day.year)


def is_working_day(
    day: date, *, calendar: str | None, rest_days: Iterable[int] = DEFAULT_REST_DAYS
) -> bool:
    """Not a weekly rest day and not a national public holiday of `calendar`.

    `calendar` is an ISO 3166-1 alpha-2 code; None or a code the holidays package does
    not know means that only the rest days are non-working days. `rest_days` are ISO
    weekday numbers, Saturday and Sunday by default.
    """
    return is_working(day, normalise_calendar(calendar), rest_days_of(rest_days))
