"""Days and instants as text: the one place comity writes them and reads back what it wrote.

comity's times travel as text: in events and the log's records (hashed, so that a form
once written can never change), in the facts the rules compare (as strings, which
durable-rules orders correctly only at a fixed width), in findings, in the stores and in
every report. Each form is made here, so that the codec, the log, the engine, the
calendar, the stores and the reports cannot drift apart:

- a day: ``2019-07-24``;
- a valid time (:func:`format_time`, read back by :func:`time_of`): a day, or an instant
  in UTC at the precision it has: ``2019-07-24T14:00:00Z``, or with six digits of
  microseconds when it has any (``2019-07-24T14:00:00.250000Z``);
- an instant at a fixed width (:func:`format_instant`, read back by :func:`instant_of`):
  seconds (``2019-07-24T14:00:00Z``: the engine's clock, facts and findings), microseconds
  (``2019-07-24T14:00:00.000000Z``: record times, so that text order is time order, and
  metadata) or minutes (the calendar's explanation of a period);
- a valid time as an instant (:func:`first_instant`): a day is its first instant, 00:00Z;
  as the end of a cut (:func:`last_instant`): a day is its last instant, 23:59:59Z, so that
  a replay `as_of` a day covers all of it; the same two instants of a day as datetimes
  (:func:`start_of`, :func:`end_of`), for the stores and commands that compare datetimes,
  and an instant as a datetime at the precision of the text (:func:`floor_to_second`);
- a time as a disclosure record keeps what was asked, to ask it again
  (:func:`format_request_time`, read back by :func:`request_time_of` and
  :func:`request_instant_of`): ``datetime.isoformat``, offset ``+00:00``;
- the day of an instant (:func:`utc_day` of its text, :func:`utc_date` of a valid time),
  in UTC as the instant is;
- a shown time (a deadline's breach shows a day when it falls at the start of one):
  :func:`shown_time` writes it, :func:`first_instant_of` reads it back as the instant.

Every instant is written in UTC with ``Z``; a naive datetime is refused, since the instant
it means is unknown and reading it as the host's time would move deadlines with the
machine's time zone. ``isoformat``, never ``strftime``: ``strftime("%Y")`` does not pad
years before 1000 to four digits, and these strings must be fixed-width to compare as text.

The grammars of what users type (an event's ``occurred_at``, ``--as-of``) build on the
patterns here but stay with their readers (the event codec, the command line's option
types), which word their own errors; the readers here are for text comity wrote, and
refuse anything else with a ValueError (worded as ``datetime.fromisoformat`` words it).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

__all__ = [
    "CLOCK_PATTERN",
    "DAY_PATTERN",
    "INSTANT_TEXT",
    "Timespec",
    "day_of",
    "end_of",
    "first_instant",
    "first_instant_of",
    "floor_to_second",
    "format_instant",
    "format_request_time",
    "format_time",
    "instant_of",
    "last_instant",
    "request_instant_of",
    "request_time_of",
    "shown_time",
    "start_of",
    "time_of",
    "utc_date",
    "utc_day",
]

#: A calendar day as ISO 8601 writes it (ASCII digits only).
DAY_PATTERN = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
#: A time of day: minutes, optionally seconds, optionally up to six digits of fraction.
CLOCK_PATTERN = r"[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?"
#: An ISO 8601 instant: `local` is the day and time, `zone` is `Z`, an offset such as
#: `-05:00`, or absent (a naive time). Applied with fullmatch.
INSTANT_TEXT = re.compile(
    rf"(?P<local>{DAY_PATTERN}T{CLOCK_PATTERN})(?P<zone>Z|[+-][0-9]{{2}}:[0-9]{{2}})?"
)

_DAY = re.compile(DAY_PATTERN)
_WRITTEN_INSTANT = re.compile(
    rf"{DAY_PATTERN}T[0-9]{{2}}:[0-9]{{2}}(?::[0-9]{{2}}(?:\.[0-9]{{6}})?)?Z"
)

#: How finely :func:`format_instant` writes an instant.
Timespec = Literal["minutes", "seconds", "microseconds"]


def _invalid(text: str) -> str:
    # The words of datetime's own fromisoformat, which these readers replaced: an
    # engine error that quotes them (a rule reading a field that is not a date) reads
    # as it always has, whichever check refused the text.
    return f"Invalid isoformat string: {text!r}"


def _utc(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{value.isoformat()} has no time zone; give an aware (UTC) datetime")
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def format_instant(value: dt.datetime, *, timespec: Timespec = "seconds") -> str:
    """`value` in UTC at a fixed width, ending in `Z`; finer digits are cut, not rounded."""
    return _utc(value).isoformat(timespec=timespec) + "Z"


def floor_to_second(value: dt.datetime) -> dt.datetime:
    """`value` in UTC, cut to the second: the instant :func:`format_instant` writes, as a
    datetime (the clocks of the findings store and a calendar's stamp are kept so)."""
    return _utc(value).replace(microsecond=0, tzinfo=dt.UTC)


def format_time(value: dt.date | dt.datetime) -> str:
    """The one text form of a valid time: `2019-07-24` or `2019-07-24T14:00:00Z`.

    An instant keeps its microseconds when it has any (an event states what it states),
    so this form is exact: :func:`time_of` gives back the value.
    """
    if isinstance(value, dt.datetime):
        return _utc(value).isoformat() + "Z"
    return value.isoformat()


def first_instant(value: dt.date | dt.datetime) -> str:
    """`YYYY-MM-DDTHH:MM:SSZ`: a day is its first instant (00:00Z); seconds resolution.

    The form the engine's clock and facts compare as text, so that an event dated by a
    day and one dated by an instant fall in one order.
    """
    if isinstance(value, dt.datetime):
        return format_instant(value)
    return f"{value.isoformat()}T00:00:00Z"


def last_instant(value: dt.date | dt.datetime) -> str:
    """`YYYY-MM-DDTHH:MM:SSZ`: a day is its last instant (23:59:59Z); seconds resolution.

    The end of a cut: `as_of` a day means as the case stood at the end of that day, so
    that every event dated that day, by the day or by an instant in it, is in.
    """
    if isinstance(value, dt.datetime):
        return format_instant(value)
    return f"{value.isoformat()}T23:59:59Z"


def start_of(day: dt.date) -> dt.datetime:
    """The first instant of `day` in UTC (00:00:00Z): :func:`first_instant` as a datetime."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC)


def end_of(day: dt.date) -> dt.datetime:
    """The last instant of `day` in UTC (23:59:59Z): :func:`last_instant` as a datetime."""
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=dt.UTC)


def utc_day(instant: str) -> str:
    """The day (`YYYY-MM-DD`, in UTC) of an instant comity wrote: its first ten characters,
    every instant being written in UTC at a fixed width."""
    return instant[:10]


def utc_date(value: dt.date | dt.datetime) -> dt.date:
    """The day of a valid time: a day is itself, an instant falls on its day in UTC."""
    if isinstance(value, dt.datetime):
        return _utc(value).date()
    return value


def shown_time(instant: str) -> str:
    """How a time counted in days shows `instant` (as :func:`first_instant` wrote it): its
    day when it is the first instant of that day, else the instant itself."""
    return utc_day(instant) if instant.endswith("T00:00:00Z") else instant


def first_instant_of(text: str) -> str:
    """The instant a shown time stands for, as :func:`first_instant` writes it: a day
    (`YYYY-MM-DD`) is its first instant; an instant is itself. The inverse of
    :func:`shown_time`, so that shown breaches compare as the instants they are."""
    return f"{text}T00:00:00Z" if len(text) == 10 else text


def format_request_time(value: dt.date | dt.datetime) -> str:
    """A time as a disclosure record's request keeps it: `datetime.isoformat`, exact to
    the microsecond, with its offset written `+00:00` rather than `Z`.

    The cut of a read and a `--since`, kept so that `audit reproduce` can ask again. The
    records are hashed and their text can never change, so this form stays what they
    were written in; it is for requests only, :func:`format_time` for everything else.
    """
    return value.isoformat()


def request_time_of(text: str) -> dt.date | dt.datetime:
    """The day or instant :func:`format_request_time` wrote (an instant has a `T`)."""
    return dt.datetime.fromisoformat(text) if "T" in text else dt.date.fromisoformat(text)


def request_instant_of(text: str) -> dt.datetime:
    """The instant :func:`format_request_time` wrote (a record time, a `--since`)."""
    return dt.datetime.fromisoformat(text)


def day_of(text: str) -> dt.date:
    """The day `YYYY-MM-DD` names; ValueError if `text` is not one."""
    if not _DAY.fullmatch(text):
        raise ValueError(_invalid(text))
    return dt.date.fromisoformat(text)


def instant_of(text: str) -> dt.datetime:
    """The UTC instant that :func:`format_instant` or :func:`format_time` wrote."""
    if not _WRITTEN_INSTANT.fullmatch(text):
        raise ValueError(_invalid(text))
    return dt.datetime.fromisoformat(text[:-1]).replace(tzinfo=dt.UTC)


def time_of(text: str) -> dt.date | dt.datetime:
    """The inverse of :func:`format_time`: a day or a UTC instant, as comity writes them."""
    if _DAY.fullmatch(text):
        return dt.date.fromisoformat(text)
    if not _WRITTEN_INSTANT.fullmatch(text):
        raise ValueError(_invalid(text))
    return instant_of(text)
