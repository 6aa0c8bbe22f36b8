"""Counting of legal periods: calendar days, working days, hours, weeks, months, years."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from comity.rules.calendar import (
    HOLIDAYS_SOURCE,
    UNITS,
    Counting,
    compute_due,
    due_on,
    is_working_day,
    warning_at,
)

REG_1182 = "Reg. (EEC, Euratom) 1182/71 art. 3"
EU_DAYS = Counting(unit="calendar_days", trigger_counts=False, roll_forward=True, source=REG_1182)
PLAIN_DAYS = Counting(unit="calendar_days", trigger_counts=False, roll_forward=False)
WORKING = Counting(unit="working_days", trigger_counts=False, roll_forward=False)
HOURS = Counting(unit="hours", trigger_counts=False, roll_forward=False)


def z(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# --- calendar days -----------------------------------------------------------------


def test_calendar_days_do_not_count_the_trigger_day() -> None:
    # Receipt on Monday 4 March 2024: day 1 is Tuesday, day 45 is Thursday 18 April.
    due = compute_due(date(2024, 3, 4), 45, EU_DAYS, calendar="BE")
    assert due.last_day == date(2024, 4, 18)
    assert due.breach_at == z(2024, 4, 19)
    assert due.rolled_from is None
    assert "that day not counted" in due.convention
    assert REG_1182 in due.convention


def test_trigger_day_counting_ends_one_day_earlier() -> None:
    counted = Counting(unit="calendar_days", trigger_counts=True, roll_forward=False)
    assert compute_due(date(2024, 3, 4), 10, PLAIN_DAYS, calendar=None).last_day == date(
        2024, 3, 14
    )
    due = compute_due(date(2024, 3, 4), 10, counted, calendar=None)
    assert due.last_day == date(2024, 3, 13)
    assert "that day counted as the first" in due.convention


def test_datetime_trigger_uses_its_utc_date() -> None:
    # 23:30 on 4 March in UTC-5 is 04:30 on 5 March in UTC.
    late_evening = datetime(2024, 3, 4, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert compute_due(late_evening, 1, PLAIN_DAYS, calendar=None).last_day == date(2024, 3, 6)


def test_end_on_christmas_in_switzerland_rolls_to_the_next_working_day() -> None:
    # 45 days from Sunday 10 Nov 2024 end on Wednesday 25 December, a national holiday.
    # 26 December is a cantonal holiday only, so the national calendar keeps it.
    due = compute_due(date(2024, 11, 10), 45, EU_DAYS, calendar="CH", trigger_name="receipt")
    assert due.rolled_from == date(2024, 12, 25)
    assert due.last_day == date(2024, 12, 26)
    assert due.breach_at == z(2024, 12, 27)
    assert "national holidays of CH" in due.convention
    assert "regional holidays are not included" in due.convention
    assert HOLIDAYS_SOURCE in due.convention
    assert "2024-12-25 (Wednesday) moved to 2024-12-26 (Thursday)" in due.convention
    assert due.convention.startswith("45 calendar days from receipt on 2024-11-10")


def test_end_on_first_of_may_in_france_rolls_forward_but_not_without_a_calendar() -> None:
    rolled = compute_due(date(2025, 4, 1), 30, EU_DAYS, calendar="FR")
    assert rolled.rolled_from == date(2025, 5, 1)
    assert rolled.last_day == date(2025, 5, 2)
    weekends_only = compute_due(date(2025, 4, 1), 30, EU_DAYS, calendar=None)
    assert weekends_only.rolled_from is None
    assert weekends_only.last_day == date(2025, 5, 1)
    assert "no jurisdiction was given" in weekends_only.convention
    assert "only Saturdays and Sundays" in weekends_only.convention


def test_unsupported_calendar_means_weekends_only_and_says_so() -> None:
    due = compute_due(date(2025, 4, 1), 30, EU_DAYS, calendar="xx")
    assert due.last_day == date(2025, 5, 1)
    assert "XX has no public-holiday calendar" in due.convention


def test_weekend_end_rolls_to_monday() -> None:
    # 5 days from Monday 2 Sep 2024 end on Saturday 7 September.
    due = compute_due(date(2024, 9, 2), 5, EU_DAYS, calendar="DE")
    assert due.rolled_from == date(2024, 9, 7)
    assert due.last_day == date(2024, 9, 9)


def test_no_roll_forward_keeps_a_weekend_end_and_says_so() -> None:
    due = compute_due(date(2024, 9, 2), 5, PLAIN_DAYS, calendar="DE")
    assert due.last_day == date(2024, 9, 7)
    assert due.rolled_from is None
    assert "does not move" in due.convention


# --- working days ------------------------------------------------------------------


def test_working_days_skip_weekends_and_public_holidays() -> None:
    # Friday 26 April 2024 in France: Mon 29, Tue 30, (Wed 1 May), Thu 2, Fri 3, Mon 6.
    due = compute_due(date(2024, 4, 26), 5, WORKING, calendar="FR")
    assert due.last_day == date(2024, 5, 6)
    assert due.breach_at == z(2024, 5, 7)
    assert "Monday to Friday" in due.convention
    assert "national holidays of FR" in due.convention


def test_working_days_across_the_year_end() -> None:
    # Friday 20 Dec 2024 in Germany: 23, 24, (25, 26), 27, 30, 31, (1 Jan), 2, 3.
    due = compute_due(date(2024, 12, 20), 7, WORKING, calendar="DE")
    assert due.last_day == date(2025, 1, 3)


def test_working_days_with_the_trigger_day_counted() -> None:
    counted = Counting(unit="working_days", trigger_counts=True, roll_forward=False)
    assert compute_due(date(2024, 9, 2), 1, counted, calendar=None).last_day == date(2024, 9, 2)
    # A Saturday trigger is not a working day, so counting it changes nothing.
    assert compute_due(date(2024, 9, 7), 1, counted, calendar=None).last_day == date(2024, 9, 9)
    assert compute_due(date(2024, 9, 7), 1, WORKING, calendar=None).last_day == date(2024, 9, 9)


def test_is_working_day() -> None:
    assert is_working_day(date(2024, 12, 25), calendar="CH") is False
    assert is_working_day(date(2024, 12, 26), calendar="CH") is True
    assert is_working_day(date(2024, 12, 25), calendar=None) is True
    assert is_working_day(date(2024, 12, 28), calendar=None) is False
    assert is_working_day(date(2024, 5, 1), calendar="fr") is False


# --- hours -------------------------------------------------------------------------


def test_hours_start_at_the_next_full_hour() -> None:
    due = compute_due(z(2024, 3, 4, 14, 25), 48, HOURS, calendar="BE")
    assert due.last_day is None
    assert due.breach_at == z(2024, 3, 6, 15)
    assert "next full hour" in due.convention
    assert "2024-03-04T15:00Z" in due.convention


def test_an_event_exactly_on_the_hour_still_does_not_count_that_hour() -> None:
    assert compute_due(z(2024, 3, 4, 14), 48, HOURS, calendar=None).breach_at == z(2024, 3, 6, 15)


def test_hours_with_the_trigger_hour_counted() -> None:
    counted = Counting(unit="hours", trigger_counts=True, roll_forward=False)
    assert compute_due(z(2024, 3, 4, 14, 25), 48, counted, calendar=None).breach_at == z(
        2024, 3, 6, 14
    )


def test_hours_from_a_date_start_at_midnight_utc_the_next_day() -> None:
    due = compute_due(date(2024, 3, 4), 48, HOURS, calendar=None)
    assert due.breach_at == z(2024, 3, 7)
    assert "only the date is known" in due.convention


def test_hours_run_through_weekends_and_carry_the_caveat() -> None:
    caveat = "Not checked whether 48 hours run across weekends."
    counting = Counting(unit="hours", trigger_counts=False, roll_forward=False, caveat=caveat)
    due = compute_due(z(2024, 3, 8, 16, 5), 48, counting, calendar="BE")  # a Friday
    assert due.breach_at == z(2024, 3, 10, 17)  # Sunday
    assert due.caveat == caveat
    assert due.convention.endswith("Caveat: " + caveat)
    assert "weekends" in due.convention


def test_offset_datetimes_are_converted_to_utc() -> None:
    cet = datetime(2024, 3, 4, 15, 25, tzinfo=timezone(timedelta(hours=1)))
    assert compute_due(cet, 48, HOURS, calendar=None).breach_at == z(2024, 3, 6, 15)


# --- weeks, months, years ----------------------------------------------------------


def test_weeks_end_on_the_same_weekday_and_roll_off_easter_monday() -> None:
    weeks = Counting(unit="weeks", trigger_counts=False, roll_forward=True, source=REG_1182)
    assert compute_due(date(2024, 3, 4), 6, weeks, calendar="BE").last_day == date(2024, 4, 15)
    due = compute_due(date(2024, 2, 19), 6, weeks, calendar="BE")
    assert due.rolled_from == date(2024, 4, 1)  # Easter Monday
    assert due.last_day == date(2024, 4, 2)


@pytest.mark.parametrize(
    ("trigger", "months", "last_day"),
    [
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year: clamped to 29 Feb
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2024, 3, 31), 1, date(2024, 4, 30)),
        (date(2024, 1, 15), 1, date(2024, 2, 15)),
        (date(2024, 11, 30), 3, date(2025, 2, 28)),  # across the year end
        (date(2024, 8, 31), 6, date(2025, 2, 28)),
    ],
)
def test_months_end_on_the_same_day_number_clamped_to_the_month_end(
    trigger: date, months: int, last_day: date
) -> None:
    counting = Counting(unit="months", trigger_counts=False, roll_forward=False)
    due = compute_due(trigger, months, counting, calendar=None)
    assert due.last_day == last_day
    assert "that month's last day" in due.convention


def test_months_with_the_trigger_day_counted_end_the_day_before() -> None:
    counting = Counting(unit="months", trigger_counts=True, roll_forward=False)
    assert compute_due(date(2024, 1, 15), 1, counting, calendar=None).last_day == date(2024, 2, 14)
    assert compute_due(date(2024, 1, 31), 1, counting, calendar=None).last_day == date(2024, 2, 29)


def test_years_from_29_february_end_on_28_february() -> None:
    counting = Counting(unit="years", trigger_counts=False, roll_forward=False)
    assert compute_due(date(2024, 2, 29), 1, counting, calendar=None).last_day == date(2025, 2, 28)
    assert compute_due(date(2016, 7, 1), 4, counting, calendar="CH").last_day == date(2020, 7, 1)


# --- validation, warnings ----------------------------------------------------------


def test_invalid_countings_and_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="unit must be one of"):
        Counting(unit="fortnights", trigger_counts=False, roll_forward=False)
    with pytest.raises(ValueError, match="not hours"):
        Counting(unit="hours", trigger_counts=False, roll_forward=True)
    with pytest.raises(ValueError, match="positive whole number"):
        compute_due(date(2024, 1, 1), 0, PLAIN_DAYS, calendar=None)
    with pytest.raises(ValueError, match="no time zone"):
        compute_due(datetime(2024, 1, 1, 12), 1, HOURS, calendar=None)  # noqa: DTZ001


def test_warning_at_counts_calendar_days_back_from_the_breach() -> None:
    due = compute_due(date(2024, 3, 4), 45, EU_DAYS, calendar="BE")
    assert warning_at(due, 14) == z(2024, 4, 5)
    assert warning_at(due, 0) == due.breach_at
    with pytest.raises(ValueError):
        warning_at(due, -1)


def test_due_on_a_given_last_day() -> None:
    due = due_on(date(2024, 6, 30), convention="The order expires on 2024-06-30.")
    assert due.breach_at == z(2024, 7, 1)
    assert due.last_day == date(2024, 6, 30)


def test_results_are_deterministic() -> None:
    first = compute_due(date(2024, 11, 10), 45, EU_DAYS, calendar="CH")
    assert all(
        compute_due(date(2024, 11, 10), 45, EU_DAYS, calendar="CH") == first for _ in range(3)
    )


# --- properties --------------------------------------------------------------------

CALENDARS = st.sampled_from([None, "CH", "FR", "DE", "BE", "US", "AE", "CO", "PA", "XX"])
DAY_UNITS = [u for u in UNITS if u != "hours"]


@st.composite
def countings(draw: st.DrawFn) -> Counting:
    unit = draw(st.sampled_from(UNITS))
    roll = False if unit == "hours" else draw(st.booleans())
    return Counting(unit=unit, trigger_counts=draw(st.booleans()), roll_forward=roll)


TRIGGERS = st.one_of(
    st.dates(min_value=date(1995, 1, 1), max_value=date(2040, 12, 31)),
    st.datetimes(
        min_value=datetime(1995, 1, 1),  # noqa: DTZ001 - hypothesis bounds are naive by design
        max_value=datetime(2040, 12, 31),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
)


def _instant(trigger: date | datetime) -> datetime:
    if isinstance(trigger, datetime):
        return trigger
    return datetime(trigger.year, trigger.month, trigger.day, tzinfo=UTC)


@settings(max_examples=300, deadline=None)
@given(trigger=TRIGGERS, amount=st.integers(1, 120), counting=countings(), calendar=CALENDARS)
def test_breach_is_after_the_trigger(
    trigger: date | datetime, amount: int, counting: Counting, calendar: str | None
) -> None:
    due = compute_due(trigger, amount, counting, calendar=calendar)
    assert due.breach_at > _instant(trigger)
    if due.last_day is not None:
        assert due.breach_at == datetime.combine(
            due.last_day + timedelta(days=1), datetime.min.time(), UTC
        )
        if due.rolled_from is not None:
            assert due.rolled_from < due.last_day


@settings(max_examples=300, deadline=None)
@given(
    trigger=st.dates(min_value=date(1995, 1, 1), max_value=date(2040, 12, 31)),
    amount=st.integers(1, 60),
    trigger_counts=st.booleans(),
    calendar=CALENDARS,
)
def test_working_day_results_never_land_on_a_weekend_or_holiday(
    trigger: date, amount: int, trigger_counts: bool, calendar: str | None
) -> None:
    counting = Counting(unit="working_days", trigger_counts=trigger_counts, roll_forward=False)
    due = compute_due(trigger, amount, counting, calendar=calendar)
    assert due.last_day is not None
    assert due.last_day.weekday() < 5
    assert is_working_day(due.last_day, calendar=calendar)


@settings(max_examples=300, deadline=None)
@given(
    trigger=st.dates(min_value=date(1995, 1, 1), max_value=date(2040, 12, 31)),
    amount=st.integers(1, 60),
    unit=st.sampled_from(DAY_UNITS),
    calendar=CALENDARS,
)
def test_rolled_ends_are_working_days(
    trigger: date, amount: int, unit: str, calendar: str | None
) -> None:
    counting = Counting(unit=unit, trigger_counts=False, roll_forward=True)
    due = compute_due(trigger, amount, counting, calendar=calendar)
    assert due.last_day is not None
    assert is_working_day(due.last_day, calendar=calendar)


@settings(max_examples=300, deadline=None)
@given(
    trigger=TRIGGERS,
    amount=st.integers(1, 100),
    more=st.integers(0, 100),
    counting=countings(),
    calendar=CALENDARS,
)
def test_more_time_never_gives_an_earlier_breach(
    trigger: date | datetime, amount: int, more: int, counting: Counting, calendar: str | None
) -> None:
    shorter = compute_due(trigger, amount, counting, calendar=calendar)
    longer = compute_due(trigger, amount + more, counting, calendar=calendar)
    assert longer.breach_at >= shorter.breach_at
