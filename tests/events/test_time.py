"""The text of days and instants (comity.events.time): round trips, fixed width, and the
forms the codec, the log and the engine wrote before they shared this module."""

from __future__ import annotations

import datetime as dt
from typing import get_args

import pytest
from hypothesis import given
from hypothesis import strategies as st

from comity.events.time import (
    Timespec,
    day_of,
    end_of,
    first_instant,
    first_instant_of,
    floor_to_second,
    format_instant,
    format_request_time,
    format_time,
    instant_of,
    last_instant,
    request_instant_of,
    request_time_of,
    shown_time,
    start_of,
    time_of,
    utc_date,
    utc_day,
)

#: Offsets any zone could state (UTC-14:00 to +14:00, to the minute).
offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: dt.timezone(dt.timedelta(minutes=minutes))
)
#: Far enough from datetime's edges that a conversion to UTC never overflows, and from
#: year 1000 on, where strftime and isoformat agree on the width of a year.
aware = st.datetimes(
    min_value=dt.datetime(1000, 1, 2),  # noqa: DTZ001 (hypothesis bounds are naive)
    max_value=dt.datetime(9999, 12, 30),  # noqa: DTZ001
    timezones=offsets,
)
days = st.dates(min_value=dt.date(1000, 1, 1), max_value=dt.date(9999, 12, 31))
valid_times = st.one_of(days, aware)


def _key(value: dt.date | dt.datetime) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).replace(microsecond=0)
    return dt.datetime.combine(value, dt.time(0), dt.UTC)


@given(valid_times)
def test_format_time_round_trips(value: dt.date | dt.datetime) -> None:
    text = format_time(value)
    back = time_of(text)
    assert back == value
    assert type(back) is type(value)
    assert format_time(back) == text
    if isinstance(back, dt.datetime):
        assert back.tzinfo is dt.UTC
        assert text.endswith("Z")


@given(aware, st.sampled_from(get_args(Timespec)))
def test_format_instant_is_fixed_width_and_cut(value: dt.datetime, timespec: Timespec) -> None:
    text = format_instant(value, timespec=timespec)
    assert len(text) == {"minutes": 17, "seconds": 20, "microseconds": 27}[timespec]
    utc = value.astimezone(dt.UTC)
    cut = {
        "minutes": utc.replace(second=0, microsecond=0),
        "seconds": utc.replace(microsecond=0),
        "microseconds": utc,
    }[timespec]
    assert instant_of(text) == cut
    assert format_instant(instant_of(text), timespec=timespec) == text


@given(aware)
def test_format_instant_writes_what_strftime_wrote(value: dt.datetime) -> None:
    # The stores and record times were written with strftime before this module; a
    # record's text is hashed, so the forms must be the very same bytes.
    utc = value.astimezone(dt.UTC)
    assert format_instant(value) == utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert format_instant(value, timespec="microseconds") == utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@given(valid_times, valid_times)
def test_first_instant_orders_as_text_as_in_time(
    a: dt.date | dt.datetime, b: dt.date | dt.datetime
) -> None:
    assert (first_instant(a) < first_instant(b)) == (_key(a) < _key(b))
    assert instant_of(first_instant(a)) == _key(a)


def test_a_day_is_its_first_instant() -> None:
    assert first_instant(dt.date(2019, 7, 24)) == "2019-07-24T00:00:00Z"
    moment = dt.datetime(2019, 7, 24, 9, 30, 15, 250000, tzinfo=dt.timezone(-dt.timedelta(hours=5)))
    assert first_instant(moment) == "2019-07-24T14:30:15Z"
    assert format_time(moment) == "2019-07-24T14:30:15.250000Z"
    assert format_instant(moment, timespec="minutes") == "2019-07-24T14:30Z"


@given(days)
def test_a_day_runs_from_its_first_to_its_last_instant(day: dt.date) -> None:
    assert start_of(day) == instant_of(first_instant(day))
    assert end_of(day) == instant_of(last_instant(day))
    assert format_instant(start_of(day)) == first_instant(day)
    assert format_instant(end_of(day)) == last_instant(day)
    assert end_of(day) - start_of(day) == dt.timedelta(hours=23, minutes=59, seconds=59)
    assert start_of(day).tzinfo is dt.UTC and end_of(day).tzinfo is dt.UTC
    # Every instant of the day, and only those, falls between them as text.
    assert first_instant(day) <= last_instant(day)
    if day < dt.date(9999, 12, 31):
        assert last_instant(day) < first_instant(day + dt.timedelta(days=1))


@given(aware)
def test_an_instant_is_its_own_last_instant(value: dt.datetime) -> None:
    assert last_instant(value) == first_instant(value) == format_instant(value)


@given(valid_times)
def test_a_shown_time_reads_back_as_its_instant(value: dt.date | dt.datetime) -> None:
    inst = first_instant(value)
    shown = shown_time(inst)
    assert first_instant_of(shown) == inst
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        assert shown == value.isoformat()
    elif inst.endswith("T00:00:00Z"):
        assert shown == inst[:10]
    else:
        assert shown == inst


@given(aware)
def test_floor_to_second_is_the_instant_format_instant_writes(value: dt.datetime) -> None:
    floored = floor_to_second(value)
    assert floored == _key(value)
    assert floored.tzinfo is dt.UTC
    assert instant_of(format_instant(value)) == floored
    assert floor_to_second(floored) == floored


@given(valid_times)
def test_the_day_of_an_instant_is_its_utc_day(value: dt.date | dt.datetime) -> None:
    day = _key(value).date()
    assert utc_day(first_instant(value)) == day.isoformat()
    assert day_of(utc_day(last_instant(value))) == day
    assert utc_date(value) == day
    if isinstance(value, dt.datetime):
        assert utc_day(format_time(value)) == day.isoformat()


def test_the_day_and_its_edges() -> None:
    day = dt.date(2019, 7, 24)
    assert last_instant(day) == "2019-07-24T23:59:59Z"
    assert end_of(day) == dt.datetime(2019, 7, 24, 23, 59, 59, tzinfo=dt.UTC)
    assert start_of(day) == dt.datetime(2019, 7, 24, tzinfo=dt.UTC)
    assert shown_time("2019-07-24T00:00:00Z") == "2019-07-24"
    assert shown_time("2019-07-24T14:00:00Z") == "2019-07-24T14:00:00Z"
    assert first_instant_of("2019-07-24") == "2019-07-24T00:00:00Z"
    assert first_instant_of("2019-07-24T14:00:00Z") == "2019-07-24T14:00:00Z"
    moment = dt.datetime(2019, 7, 24, 22, 30, tzinfo=dt.timezone(-dt.timedelta(hours=5)))
    assert utc_day(first_instant(moment)) == "2019-07-25"
    assert utc_date(moment) == dt.date(2019, 7, 25)


@given(valid_times)
def test_a_request_time_round_trips(value: dt.date | dt.datetime) -> None:
    text = format_request_time(value)
    back = request_time_of(text)
    assert back == value
    assert type(back) is type(value)
    assert format_request_time(back) == text
    if isinstance(value, dt.datetime):
        instant = request_instant_of(text)
        assert instant == value
        assert instant.utcoffset() == value.utcoffset()


def test_a_request_keeps_the_form_records_were_written_in() -> None:
    # Disclosure records are hashed: their requests keep datetime.isoformat's text.
    moment = dt.datetime(2019, 7, 24, 14, 0, 0, 250000, tzinfo=dt.UTC)
    assert format_request_time(moment) == "2019-07-24T14:00:00.250000+00:00"
    assert format_request_time(moment.replace(microsecond=0)) == "2019-07-24T14:00:00+00:00"
    assert format_request_time(dt.date(2019, 7, 24)) == "2019-07-24"
    assert request_time_of("2019-07-24") == dt.date(2019, 7, 24)
    assert request_instant_of("2019-07-24T14:00:00.250000+00:00") == moment


def test_years_before_1000_keep_four_digits() -> None:
    # strftime("%Y") writes "999" on glibc: text that no longer sorts as time.
    assert format_instant(dt.datetime(999, 1, 1, tzinfo=dt.UTC)) == "0999-01-01T00:00:00Z"


def test_a_naive_datetime_is_refused() -> None:
    naive = dt.datetime(2019, 7, 24, 14, 0)  # noqa: DTZ001 (the point of the test)
    for write in (
        format_time,
        format_instant,
        first_instant,
        last_instant,
        floor_to_second,
        utc_date,
    ):
        with pytest.raises(ValueError, match="has no time zone"):
            write(naive)


@pytest.mark.parametrize(
    "text",
    [
        "2019-07-24T14:00:00+00:00",  # comity writes Z
        "2019-07-24T14:00:00",  # naive
        "2019-07-24T14:00:00.25Z",  # comity writes six digits of fraction
        "2019-7-24",
        "20190724",
        "2019-07-24\n",
        "２０１９-07-24",  # digits, but not ASCII ones
        "",
    ],
)
def test_only_text_comity_writes_is_read_back(text: str) -> None:
    with pytest.raises(ValueError, match=r"^Invalid isoformat string: "):
        time_of(text)
    with pytest.raises(ValueError, match=r"^Invalid isoformat string: "):
        instant_of(text)


def test_day_of_reads_only_a_day() -> None:
    assert day_of("2019-07-24") == dt.date(2019, 7, 24)
    for text in ("2019-07-24T00:00:00Z", "2019-02-30", "24/07/2019"):
        with pytest.raises(ValueError):
            day_of(text)
