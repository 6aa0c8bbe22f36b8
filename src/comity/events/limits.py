"""The bounds of what comity accepts, decided once so that every reader agrees.

Everything a user gives comity (an event, a command-line time, a rule file) is held to
these bounds at input, with a clear error, so that nothing accepted can break a replay
later: the log is append-only, and an event once stored can never be taken back.

- Dates and instants lie between :data:`FIRST_DATE` and :data:`LAST_DATE` (1900-01-01
  to 2200-12-31, both included, instants in UTC). Asset-recovery cases deal in orders,
  requests and transfers of living memory; a period running from the last supported
  day still ends well inside what every calendar, holiday table and date library can
  count, so the engine's date arithmetic never reaches the edge of ``datetime``.
- Integers are bounded by :data:`MAX_INTEGER` (2**53 - 1), the largest integer every
  JSON reader holds exactly: a number outside it would not read back as written, and
  an identical file re-ingested would look like different content.
- ``schema_version`` is one of :data:`SCHEMA_VERSIONS`, the versions that exist.
- JSON from users nests at most :data:`MAX_JSON_DEPTH` deep and writes an integer with
  at most :data:`MAX_INTEGER_DIGITS` digits; an event nests three deep at most.
"""

from __future__ import annotations

import datetime as dt

from comity.i18n import N_
from comity.i18n import gettext as _

__all__ = [
    "FIRST_DATE",
    "FIRST_INSTANT",
    "IN_RANGE",
    "IN_RANGE_WORDS",
    "LAST_DATE",
    "LAST_INSTANT",
    "MAX_INTEGER",
    "MAX_INTEGER_DIGITS",
    "MAX_JSON_DEPTH",
    "RANGE_DAYS",
    "SCHEMA_VERSIONS",
    "in_range",
    "in_range_words",
]

FIRST_DATE = dt.date(1900, 1, 1)
LAST_DATE = dt.date(2200, 12, 31)
FIRST_INSTANT = dt.datetime.combine(FIRST_DATE, dt.time.min, dt.UTC)
LAST_INSTANT = dt.datetime.combine(LAST_DATE, dt.time.max, dt.UTC)

#: The span of the range in days: the longest look-ahead (`deadlines --within`) that
#: means anything, and one that keeps every horizon a date can hold.
RANGE_DAYS = (LAST_DATE - FIRST_DATE).days

MAX_INTEGER = 2**53 - 1
MAX_INTEGER_DIGITS = 16  # len(str(MAX_INTEGER)): a longer integer is out of range anyway
SCHEMA_VERSIONS = (1,)
MAX_JSON_DEPTH = 16


#: What an error says is expected of a date or instant outside the range (a message id
#: of the catalogs; :func:`in_range_words` puts the dates in).
IN_RANGE_WORDS = N_("a date from {first} to {last} (UTC), the dates comity supports")
#: The same, in English.
IN_RANGE = IN_RANGE_WORDS.format(first=FIRST_DATE.isoformat(), last=LAST_DATE.isoformat())


def in_range_words() -> str:
    """:data:`IN_RANGE` in the language of the command line."""
    return _(IN_RANGE_WORDS).format(first=FIRST_DATE.isoformat(), last=LAST_DATE.isoformat())


def in_range(value: dt.date | dt.datetime) -> bool:
    """Whether `value` lies in the supported range; an aware instant is compared in
    UTC, the form in which it is stored (a naive one is never in range)."""
    if isinstance(value, dt.datetime):
        return value.tzinfo is not None and FIRST_INSTANT <= value <= LAST_INSTANT
    return FIRST_DATE <= value <= LAST_DATE
