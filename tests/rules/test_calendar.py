"""Counting of legal periods: calendar days, working days, hours, weeks, months, years."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from comity.rules.calendar import (
    DEFAULT_REST_DAYS,
    HOLIDAYS_SOURCE,
    LAST_INSTANT,
    TIME_ZONES,
    UNITS,
    Counting,
    PeriodOutOfRange,
    compute_due,
    due_on,
    is_working_day,
    local_date,
    time_zone,
    warning_at,
    warning_at_in,
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


def test_datetime_trigger_without_a_jurisdiction_uses_its_utc_date() -> None:
    # 23:30 on 4 March in UTC-5 is 04:30 on 5 March in UTC.
    late_evening = datetime(2024, 3, 4, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    due = compute_due(late_evening, 1, PLAIN_DAYS, calendar=None)
    assert due.last_day == date(2024, 3, 6)
    assert due.local_breach_at is None
    assert "the date in UTC of 2024-03-05T04:30Z" in due.convention
    assert "no jurisdiction was given, so days are UTC dates" in due.convention


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


def test_a_warning_window_is_counted_in_the_periods_own_unit() -> None:
    # Five working days from Wednesday 23 December 2020 in Switzerland: 24, 28, 29, 30,
    # 31 December (Christmas Day and the weekend are not working days). Two working
    # days before the breach are 31 and 30 December: the window opens on 30 December,
    # where two calendar days would open it on 31 December.
    due = compute_due(date(2020, 12, 23), 5, WORKING, calendar="CH")
    assert due.last_day == date(2020, 12, 31)
    assert warning_at_in(due, 2, counting=WORKING, calendar="CH") == z(2020, 12, 30)
    assert warning_at(due, 2) == z(2020, 12, 30)  # the same here: no rest day between
    # Three working days back crosses the weekend and Christmas: 31, 30, 29 December,
    # then 28; four back reaches Thursday 24 December.
    assert warning_at_in(due, 4, counting=WORKING, calendar="CH") == z(2020, 12, 28)
    assert warning_at_in(due, 5, counting=WORKING, calendar="CH") == z(2020, 12, 24)
    assert warning_at(due, 5) == z(2020, 12, 27)
    assert warning_at_in(due, 0, counting=WORKING, calendar="CH") == due.breach_at
    # A period in hours: whole days of 24 hours before the instant it ends.
    hours = compute_due(z(2024, 3, 4, 9, 30), 48, HOURS, calendar=None)
    assert warning_at_in(hours, 1, counting=HOURS, calendar=None) == hours.breach_at - timedelta(
        hours=24
    )
    # Any other unit: calendar days, as warning_at.
    days = compute_due(date(2024, 3, 4), 45, EU_DAYS, calendar="BE")
    assert warning_at_in(days, 14, counting=EU_DAYS, calendar="BE") == warning_at(days, 14)
    with pytest.raises(ValueError):
        warning_at_in(due, -1, counting=WORKING, calendar="CH")


def test_due_on_a_given_last_day() -> None:
    due = due_on(date(2024, 6, 30), convention="The order expires on 2024-06-30.")
    assert due.breach_at == z(2024, 7, 1)
    assert due.last_day == date(2024, 6, 30)


def test_warning_at_opens_at_the_start_of_a_day_before_a_period_in_hours() -> None:
    due = compute_due(z(2024, 3, 4, 9, 30), 48, HOURS, calendar=None)
    assert due.breach_at == z(2024, 3, 6, 10)
    assert warning_at(due, 0) == z(2024, 3, 6)
    assert warning_at(due, 1) == z(2024, 3, 5)


def test_results_are_deterministic() -> None:
    first = compute_due(date(2024, 11, 10), 45, EU_DAYS, calendar="CH")
    assert all(
        compute_due(date(2024, 11, 10), 45, EU_DAYS, calendar="CH") == first for _ in range(3)
    )


# --- weekly rest days --------------------------------------------------------------

SUNDAYS_ONLY = Counting(
    unit="working_days", trigger_counts=False, roll_forward=False, rest_days=[7]
)


def test_jours_ouvrables_count_saturdays() -> None:
    # Tracfin opposition on Tuesday 25 April 2023, 10 jours ouvrables: Wed 26 (1) to
    # Sat 29 (4); Sun 30 April and Mon 1 May (holiday) off; Tue 2 (5) to Sat 6 (9);
    # Sun 7 and Mon 8 May (holiday) off; Tue 9 May (10).
    due = compute_due(date(2023, 4, 25), 10, SUNDAYS_ONLY, calendar="FR")
    assert due.last_day == date(2023, 5, 9)
    assert "working days are Monday to Saturday" in due.convention
    weekdays_only = compute_due(date(2023, 4, 25), 10, WORKING, calendar="FR")
    assert weekdays_only.last_day == date(2023, 5, 11)
    assert "working days are Monday to Friday" in weekdays_only.convention


def test_a_friday_saturday_weekend_counts_sunday_to_thursday() -> None:
    fri_sat = Counting(
        unit="working_days", trigger_counts=False, roll_forward=False, rest_days=(5, 6)
    )
    # Friday 5 March 2021 in the UAE: Sun 7 (1) to Thu 11 (5), Sun 14 (6), Mon 15 (7).
    due = compute_due(date(2021, 3, 5), 7, fri_sat, calendar="AE")
    assert due.last_day == date(2021, 3, 15)
    assert "working days are Sunday to Thursday" in due.convention


def test_roll_forward_moves_off_the_rest_days_of_the_counting() -> None:
    fri_sat = Counting(
        unit="calendar_days", trigger_counts=False, roll_forward=True, rest_days=(5, 6)
    )
    # 4 days from Monday 1 March 2021 end on Friday 5 March, a rest day: Sunday 7 March.
    due = compute_due(date(2021, 3, 1), 4, fri_sat, calendar=None)
    assert due.rolled_from == date(2021, 3, 5)
    assert due.last_day == date(2021, 3, 7)
    assert "a last day on a Friday, Saturday or public holiday moves" in due.convention
    assert "(working days are Sunday to Thursday)" in due.convention
    assert "only Fridays and Saturdays count as non-working days" in due.convention
    # With Sunday as the only rest day, a Saturday end stays; a Sunday end moves.
    sundays = Counting(unit="calendar_days", trigger_counts=False, roll_forward=True, rest_days=[7])
    assert compute_due(date(2021, 3, 1), 5, sundays, calendar=None).rolled_from is None
    moved = compute_due(date(2021, 3, 1), 6, sundays, calendar=None)
    assert (moved.rolled_from, moved.last_day) == (date(2021, 3, 7), date(2021, 3, 8))
    assert "a last day on a Sunday or public holiday moves" in moved.convention
    plain = attrs.evolve(sundays, roll_forward=False)
    assert "the end does not move when the last day is a Sunday or public holiday" in (
        compute_due(date(2021, 3, 1), 6, plain, calendar=None).convention
    )


@pytest.mark.parametrize(
    ("rest_days", "week"),
    [
        ((6, 7), "Monday to Friday"),
        ((7,), "Monday to Saturday"),
        ((5, 6), "Sunday to Thursday"),
        ((4, 5), "Saturday to Wednesday"),
        ((5, 6, 7), "Monday to Thursday"),
        ((1, 3), "Tuesday, Thursday, Friday, Saturday and Sunday"),
        ((1, 2, 3, 4, 5, 6), "Sunday only"),
        ((), "every day of the week"),
    ],
)
def test_the_convention_names_the_working_week(rest_days: tuple[int, ...], week: str) -> None:
    counting = Counting(
        unit="working_days", trigger_counts=False, roll_forward=False, rest_days=rest_days
    )
    assert (
        f"working days are {week};"
        in compute_due(date(2024, 1, 1), 3, counting, calendar=None).convention
    )


def test_is_working_day_with_rest_days() -> None:
    saturday = date(2024, 6, 8)
    assert not is_working_day(saturday, calendar="FR")
    assert is_working_day(saturday, calendar="FR", rest_days=[7])
    assert not is_working_day(date(2024, 6, 9), calendar="FR", rest_days=[7])  # Sunday
    assert not is_working_day(date(2024, 5, 1), calendar="FR", rest_days=[7])  # 1 May
    assert not is_working_day(date(2021, 3, 5), calendar="AE", rest_days=(5, 6))  # Friday


def test_rest_days_are_normalised_and_checked() -> None:
    counting = Counting(
        unit="working_days", trigger_counts=False, roll_forward=False, rest_days=[7, 6, 7]
    )
    assert counting.rest_days == (6, 7) == DEFAULT_REST_DAYS
    for bad in ([0], [8], [True], list(range(1, 8))):
        with pytest.raises(ValueError, match="rest_days"):
            Counting(unit="working_days", trigger_counts=False, roll_forward=False, rest_days=bad)
    with pytest.raises(ValueError, match="not hours"):
        Counting(unit="hours", trigger_counts=False, roll_forward=False, rest_days=[7])


# --- local days --------------------------------------------------------------------


def test_a_receipt_just_after_midnight_in_paris_counts_from_the_paris_date() -> None:
    # 00:30 in Paris on Monday 1 March 2021 is 23:30Z on Sunday 28 February. Day 45 from
    # 1 March is Thursday 15 April (a working day in France).
    receipt = z(2021, 2, 28, 23, 30)
    due = compute_due(receipt, 45, EU_DAYS, calendar="FR")
    assert due.last_day == date(2021, 4, 15)
    assert due.breach_at == z(2021, 4, 16)
    assert due.local_breach_at == z(2021, 4, 15, 22)  # 00:00 in Paris, summer time
    assert "on 2021-03-01 (the date in Europe/Paris of 2021-02-28T23:30Z)" in due.convention
    assert "days are dates in Europe/Paris (metropolitan France" in due.convention
    assert "in Europe/Paris 2021-04-16 begins at 2021-04-15T22:00Z" in due.convention
    # In UTC dates the same receipt would end a day earlier.
    assert compute_due(receipt, 45, EU_DAYS, calendar=None).last_day == date(2021, 4, 14)


def test_local_breach_follows_summer_and_winter_time() -> None:
    winter = compute_due(date(2024, 1, 8), 3, PLAIN_DAYS, calendar="DE")
    assert winter.local_breach_at == z(2024, 1, 11, 23)
    summer = compute_due(date(2024, 7, 8), 3, PLAIN_DAYS, calendar="DE")
    assert summer.local_breach_at == z(2024, 7, 11, 22)
    assert summer.breach_at == z(2024, 7, 12)


def test_an_evening_in_panama_is_still_the_panama_day() -> None:
    # 22:00 on Monday 4 March 2024 in Panama (UTC-5) is 03:00Z on 5 March.
    evening = z(2024, 3, 5, 3)
    assert local_date(evening, calendar="PA") == date(2024, 3, 4)
    due = compute_due(evening, 5, PLAIN_DAYS, calendar="PA")
    assert due.last_day == date(2024, 3, 9)
    assert due.breach_at == z(2024, 3, 10)
    assert due.local_breach_at == z(2024, 3, 10, 5)


def test_a_period_never_ends_before_its_trigger() -> None:
    # The same evening in Panama, counting that day as the only one: 00:00Z on 5 March
    # precedes the trigger, so the period ends when the Panama day does, 05:00Z.
    counted = Counting(unit="calendar_days", trigger_counts=True, roll_forward=False)
    due = compute_due(z(2024, 3, 5, 3), 1, counted, calendar="PA")
    assert due.last_day == date(2024, 3, 4)
    assert due.breach_at == due.local_breach_at == z(2024, 3, 5, 5)
    assert (
        "late from 2024-03-05T05:00Z, the start of 2024-03-05 in America/Panama" in due.convention
    )


@pytest.mark.parametrize(
    ("calendar", "phrase"),
    [
        ("US", "US spans several time zones, so days are UTC dates"),
        ("MX", "MX spans several time zones, so days are UTC dates"),
        ("EU", "EU spans several time zones, so days are UTC dates"),
        ("XX", "comity has no time zone for XX, so days are UTC dates"),
        (None, "no jurisdiction was given, so days are UTC dates"),
    ],
)
def test_jurisdictions_without_one_zone_count_utc_dates(calendar: str | None, phrase: str) -> None:
    late = z(2021, 2, 28, 23, 30)
    due = compute_due(late, 10, PLAIN_DAYS, calendar=calendar)
    assert due.last_day == date(2021, 3, 10)
    assert due.local_breach_at is None
    assert due.breach_at == z(2021, 3, 11)
    assert phrase in due.convention
    assert time_zone(calendar) is None


def test_periods_in_hours_do_not_depend_on_the_zone() -> None:
    moment = z(2021, 2, 28, 23, 30)
    in_paris = compute_due(moment, 48, HOURS, calendar="FR")
    assert in_paris == compute_due(moment, 48, HOURS, calendar=None)
    assert in_paris.local_breach_at is None


def test_every_zone_in_the_table_is_known_to_zoneinfo() -> None:
    for code, (name, _remark) in TIME_ZONES.items():
        assert code.isupper() and len(code) == 2
        assert time_zone(code) == ZoneInfo(name)
        assert time_zone(code.lower()) == ZoneInfo(name)


def test_local_date_of_a_date_is_that_date() -> None:
    assert local_date(date(2024, 3, 4), calendar="AE") == date(2024, 3, 4)
    assert local_date(z(2024, 3, 4, 20, 30), calendar="AE") == date(2024, 3, 5)
    with pytest.raises(ValueError, match="no time zone"):
        local_date(datetime(2024, 3, 4, 20, 30), calendar="AE")  # noqa: DTZ001


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
        after = due.last_day + timedelta(days=1)
        zone = time_zone(calendar)
        if zone is None:
            assert due.local_breach_at is None
        else:
            assert due.local_breach_at == datetime.combine(after, time(0), zone).astimezone(UTC)
            assert due.local_breach_at > _instant(trigger)
        midnight = datetime.combine(after, time(0), UTC)
        # 00:00Z of the day after, except west of UTC when that precedes the trigger.
        assert due.breach_at == midnight or (
            due.breach_at == due.local_breach_at and midnight <= _instant(trigger)
        )
        assert due.last_day >= local_date(trigger, calendar=calendar) - timedelta(days=1)
        if due.rolled_from is not None:
            assert due.rolled_from < due.last_day


REST_DAYS = st.sets(st.integers(1, 7), max_size=6).map(tuple)


@settings(max_examples=300, deadline=None)
@given(
    trigger=st.dates(min_value=date(1995, 1, 1), max_value=date(2040, 12, 31)),
    amount=st.integers(1, 60),
    trigger_counts=st.booleans(),
    calendar=CALENDARS,
    rest_days=st.one_of(st.just(DEFAULT_REST_DAYS), REST_DAYS),
)
def test_working_day_results_never_land_on_a_rest_day_or_holiday(
    trigger: date,
    amount: int,
    trigger_counts: bool,
    calendar: str | None,
    rest_days: tuple[int, ...],
) -> None:
    counting = Counting(
        unit="working_days", trigger_counts=trigger_counts, roll_forward=False, rest_days=rest_days
    )
    due = compute_due(trigger, amount, counting, calendar=calendar)
    assert due.last_day is not None
    assert due.last_day.isoweekday() not in counting.rest_days
    assert is_working_day(due.last_day, calendar=calendar, rest_days=rest_days)


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


# --- the ends of the calendar --------------------------------------------------------

MONTHS = Counting(unit="months", trigger_counts=False, roll_forward=True)
YEARS = Counting(unit="years", trigger_counts=False, roll_forward=False)


@pytest.mark.parametrize(
    ("counting", "amount", "trigger"),
    [
        (PLAIN_DAYS, 1, date(9999, 12, 31)),
        (EU_DAYS, 30, date(9999, 12, 20)),  # also rolls forward off a weekend
        (WORKING, 5, date(9999, 12, 28)),
        (MONTHS, 1, date(9999, 12, 15)),
        (YEARS, 1, date(9999, 1, 1)),
        (HOURS, 48, z(9999, 12, 30, 12)),
        (HOURS, 1, date(9999, 12, 31)),
        (Counting(unit="calendar_days", trigger_counts=True, roll_forward=False), 1, date.max),
    ],
)
def test_a_period_past_the_last_day_is_out_of_range_not_an_overflow(
    counting: Counting, amount: int, trigger: date
) -> None:
    with pytest.raises(PeriodOutOfRange, match="9999-12-31, the last day comity can count"):
        compute_due(trigger, amount, counting, calendar="CH")
    assert issubclass(PeriodOutOfRange, OverflowError)  # callers catching OverflowError still do


def test_a_period_is_counted_while_its_breach_has_a_date() -> None:
    due = compute_due(date(9999, 12, 29), 1, PLAIN_DAYS, calendar=None)
    assert due.last_day == date(9999, 12, 30)
    assert due.breach_at == z(9999, 12, 31) < LAST_INSTANT
    # Ending on the last day itself, it would be breached on a day no date names.
    with pytest.raises(PeriodOutOfRange):
        compute_due(date(9999, 12, 30), 1, PLAIN_DAYS, calendar=None)


def test_due_on_the_last_day_has_no_breach_instant() -> None:
    with pytest.raises(PeriodOutOfRange):
        due_on(date.max, convention="in force to the end of 9999-12-31")
    assert due_on(date(2200, 12, 31), convention="c").breach_at == z(2201, 1, 1)


def test_a_warning_window_reaching_past_year_one_warns_at_once() -> None:
    due = compute_due(date(1, 1, 1), 2, PLAIN_DAYS, calendar=None)
    assert warning_at(due, 14) == datetime.min.replace(tzinfo=UTC)


def test_periods_from_the_first_supported_day_and_up_to_the_last() -> None:
    # The supported range (1900-01-01 to 2200-12-31) is far from the calendar's ends.
    start = compute_due(date(1900, 1, 1), 5, WORKING, calendar="CH")
    assert start.last_day == date(1900, 1, 8)  # Tuesday 2 to Friday 5, Monday 8 January
    end = compute_due(z(2200, 12, 31, 23, 59), 10, EU_DAYS, calendar="FR")
    assert end.last_day is not None and end.last_day.year == 2201
    assert "2201-01-" in end.convention


def test_conventions_write_years_before_1000_with_four_digits() -> None:
    due = compute_due(z(999, 3, 1, 10), 2, HOURS, calendar=None)
    assert "0999-03-01T10:00Z" in due.convention
