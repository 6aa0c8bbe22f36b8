"""The options several commands share, so that they read and behave the same everywhere.

- `--as-of` and `--known-at` are :class:`click.ParamType` values: a value that does
  not parse is bad input (exit 3, one `Error:` line), not a usage error, because the
  option was used correctly with a wrong value.
- :func:`replay_at` fills in their defaults from the wall clock; :func:`_now` is the
  only place comity reads it (the engine never does), and every report prints both
  times so that a replay can be repeated exactly.
- `--case` and `--format` are decorators taking the help text and the choices that
  differ from command to command.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import click

from comity.errors import InvalidInput
from comity.events.limits import FIRST_DATE, LAST_DATE, in_range
from comity.events.time import DAY_PATTERN, INSTANT_TEXT, day_of
from comity.i18n import gettext as _
from comity.report import ReplayAt

__all__ = [
    "AS_OF",
    "KNOWN_AT",
    "TimeType",
    "case_option",
    "format_option",
    "parse_time",
    "replay_at",
    "time_options",
]

_F = TypeVar("_F", bound=Callable[..., Any])

_DATE_TEXT = re.compile(DAY_PATTERN)


def parse_time(text: str, *, dates: bool) -> dt.date | dt.datetime:
    """An ISO date (if `dates`) or a UTC datetime; ValueError says what was expected."""
    example = "2020-12-31T18:00:00Z"
    if dates:
        expected = _("an ISO date (2020-12-31) or a UTC datetime ({example})")
    else:
        expected = _("a UTC datetime ({example})")
    expected = expected.format(example=example)

    def refuse(why: str = "") -> ValueError:
        shown = json.dumps(text, ensure_ascii=False)
        said = _("expected {expected}, got {value}").format(expected=expected, value=shown)
        return ValueError(said + (f": {why}" if why else ""))

    parsed: dt.date | dt.datetime
    if _DATE_TEXT.fullmatch(text):
        if not dates:
            raise refuse(_("record time is an instant, not a day"))
        try:
            parsed = day_of(text)
        except ValueError:
            raise refuse(_("no such date")) from None
        return _in_range(parsed, refuse)
    match = INSTANT_TEXT.fullmatch(text)
    if match is None:
        raise refuse()
    if match.group("zone") not in ("Z", "+00:00"):
        raise refuse(_("give the time in UTC, ending in Z"))
    try:
        parsed = dt.datetime.fromisoformat(match.group("local"))
    except ValueError:
        raise refuse(_("no such date or time")) from None
    return _in_range(parsed.replace(tzinfo=dt.UTC), refuse)


_T = TypeVar("_T", dt.date, dt.datetime)


def _in_range(value: _T, refuse: Callable[[str], ValueError]) -> _T:
    """A time outside the supported range is refused here, as an event's would be."""
    if not in_range(value):
        raise refuse(
            _("outside the dates comity supports, {first} to {last}").format(
                first=FIRST_DATE, last=LAST_DATE
            )
        )
    return value


if TYPE_CHECKING:
    _TimeParam = click.ParamType[dt.date]
else:  # older click releases (the floor is 8.1) have no generic ParamType
    _TimeParam = click.ParamType


class TimeType(_TimeParam):
    """A valid time (a date or a UTC instant) or, without `dates`, a record time (an instant)."""

    def __init__(self, *, dates: bool) -> None:
        self.dates = dates
        self.name = "date_or_datetime" if dates else "datetime"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> dt.date:
        if isinstance(value, dt.date):
            return value
        flag = param.opts[0] if param is not None and param.opts else "value"
        try:
            return parse_time(str(value), dates=self.dates)
        except ValueError as exc:
            raise InvalidInput(f"{flag}: {exc}") from None


AS_OF = TimeType(dates=True)
KNOWN_AT = TimeType(dates=False)

AS_OF_HELP = (
    "Valid time: replay the case as it stood at the end of this day (2020-12-31) or at "
    "this UTC instant (2020-12-31T18:00:00Z). Default: today (UTC)."
)
KNOWN_AT_HELP = (
    "Record time: use only events the log had recorded by this UTC instant "
    "(2020-12-31T18:00:00Z). Default: now."
)


def time_options(f: _F) -> _F:
    """--as-of and --known-at, the same on every command that replays."""
    f = click.option("--known-at", type=KNOWN_AT, metavar="DATETIME", help=KNOWN_AT_HELP)(f)
    return click.option("--as-of", type=AS_OF, metavar="DATE", help=AS_OF_HELP)(f)


def _now() -> dt.datetime:
    """The wall clock. Only the CLI reads it: for the defaults of --as-of and
    --known-at, and for the real time `comity watch` hands to the engine."""
    return dt.datetime.now(dt.UTC)


def now() -> dt.datetime:
    """Real time, as the command line reads it (one place, so that tests can set it)."""
    return _now()


def replay_at(as_of: dt.date | dt.datetime | None, known_at: dt.datetime | None) -> ReplayAt:
    """The two times of a replay, today and now where the command line gave none."""
    now = _now()
    return ReplayAt(as_of if as_of is not None else now.date(), known_at or now)


def case_option(help: str, *, multiple: bool = False) -> Callable[[_F], _F]:
    """`--case CASE_ID`, passed as `case_id` (one) or `cases` (a tuple, with `multiple`)."""
    return click.option(
        "--case",
        "cases" if multiple else "case_id",
        metavar="CASE_ID",
        multiple=multiple,
        help=help,
    )


def format_option(choices: Sequence[str], help: str) -> Callable[[_F], _F]:
    """`--format`, passed as `fmt`; the first choice is the default."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(list(choices)),
        default=choices[0],
        show_default=True,
        help=help,
    )
