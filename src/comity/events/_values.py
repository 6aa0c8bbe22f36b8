"""The values of the v1 wire format, one parser or check each: dates, instants, money
amounts, text (ids, codes, free text), schema versions; and the refusal they raise.

What each accepts is decided here once (the decisions are listed in
:mod:`comity.events.codec`), for the converter that decodes input, the input policy
that checks events built in Python, and the JSON Schema, which reads the patterns and
bounds from here.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from typing import Any

from comity.events.codes import currencies, jurisdictions, meant_jurisdiction
from comity.events.limits import MAX_INTEGER, SCHEMA_VERSIONS, in_range, in_range_words
from comity.events.text import id_problem, printable
from comity.events.time import DAY_PATTERN, INSTANT_TEXT, day_of
from comity.events.types import ValidTime
from comity.i18n import N_
from comity.i18n import gettext as _

__all__ = [
    "CURRENCY_PATTERN",
    "DECIMAL_PATTERN",
    "DECIMAL_RE",
    "ID_MAX",
    "JURISDICTION_PATTERN",
    "MAX_OFFSET",
    "TEXT_MAX",
    "Invalid",
    "check_text",
    "check_version",
    "expect_str",
    "expected",
    "field_kind",
    "format_decimal",
    "out_of_bounds",
    "parse_date",
    "parse_datetime",
    "parse_decimal",
    "parse_utc_datetime",
    "parse_valid_time",
    "show",
]

ID_MAX = 128
TEXT_MAX = 10_000
JURISDICTION_PATTERN = r"^[A-Z]{2}$"
CURRENCY_PATTERN = r"^[A-Z]{3}$"
DECIMAL_PATTERN = r"^(0|[1-9][0-9]*)(\.[0-9]+)?$"
# Patterns are applied with fullmatch: Python's `$` also matches before a final newline.
_DATE_RE = re.compile(DAY_PATTERN)
#: The widest offset any zone has used: UTC-12:00 to UTC+14:00, so +-14:00 at most.
MAX_OFFSET = dt.timedelta(hours=14)
_YEARS_NEAR_RANGE = (1899, 2201)
_SURROGATE_RE = re.compile(r"[\ud800-\udfff]")
_JURISDICTION_RE = re.compile(JURISDICTION_PATTERN)
_CURRENCY_RE = re.compile(CURRENCY_PATTERN)
DECIMAL_RE = re.compile(DECIMAL_PATTERN)


def field_kind(name: str) -> str | None:
    """The constraint a field's name implies: "id", "jurisdiction", "currency",
    "schema_version" or None.

    Naming carries the constraint so that the codec and the JSON Schema derive it from
    the same place; a new event type inherits the checks by using the same names.
    """
    if name == "currency":
        return "currency"
    if name == "schema_version":
        return "schema_version"
    if "jurisdiction" in name:
        return "jurisdiction"
    if name.endswith("_id") or name.endswith("_ids"):
        return "id"
    return None


def show(value: Any) -> str:
    if isinstance(value, str):
        shown = printable(json.dumps(value, ensure_ascii=False))
        return shown if len(shown) <= 60 else shown[:57] + '..."'
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        shown = str(value)
        return _("the number {number}").format(
            number=shown if len(shown) <= 40 else shown[:37] + "..."
        )
    if isinstance(value, list):
        return _("a list")
    if isinstance(value, dict):
        return _("an object")
    return repr(value)


class Invalid(ValueError):
    """A value was refused; the message is the user-facing explanation."""


def expected(what: str, value: Any) -> Invalid:
    """`expected WHAT, got VALUE`, in the language of the command line; `what` is a
    message id (marked `N_` where it is written)."""
    return Invalid(_("expected {what}, got {value}").format(what=_(what), value=show(value)))


def expect_str(value: Any, what: str = N_("a string")) -> str:
    if not isinstance(value, str):
        raise expected(what, value)
    return value


def parse_date(value: Any, *, bounded: bool = True) -> dt.date:
    """An ISO calendar date, inside the supported range when `bounded`."""
    what = N_("an ISO date (YYYY-MM-DD)")
    text = expect_str(value, what)
    try:
        parsed = day_of(text)
    except ValueError:
        raise expected(what, value) from None
    if bounded and not in_range(parsed):
        raise expected(in_range_words(), value)
    return parsed


def parse_datetime(value: Any, *, bounded: bool = True) -> dt.datetime:
    """An ISO 8601 instant with its offset from UTC (`Z`, `+00:00`, `-05:00`), in UTC.

    A naive time is refused (its instant is unknown), and so is `-00:00`, which RFC
    3339 reserves for "offset unknown". The result is in UTC: the form that is stored,
    hashed and compared, whatever offset the writer used.
    """
    what = N_("an ISO datetime with an offset (YYYY-MM-DDTHH:MM:SSZ or ...-05:00)")
    text = expect_str(value, what)
    match = INSTANT_TEXT.fullmatch(text)
    if match is None:
        raise expected(what, value)
    zone = match.group("zone")
    if zone is None:
        raise expected(N_("a datetime ending in Z or an offset such as -05:00"), value)
    if zone == "-00:00":
        raise Invalid(
            _(
                "expected a known offset, got {value}: -00:00 means the offset is "
                "unknown; write Z for UTC"
            ).format(value=show(value))
        )
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise expected(what, value) from None
    offset = parsed.utcoffset()
    if int(zone[-2:] if zone != "Z" else 0) >= 60 or (
        offset is not None and abs(offset) > MAX_OFFSET
    ):
        raise expected(N_("an offset from -14:00 to +14:00"), value)
    # Far from the range, refuse before converting: at the edge of what datetime holds
    # (0001-01-01T00:00+01:00) the conversion to UTC would overflow.
    far = not _YEARS_NEAR_RANGE[0] <= parsed.year <= _YEARS_NEAR_RANGE[1]
    if bounded and (far or not in_range(parsed.astimezone(dt.UTC))):
        raise expected(in_range_words(), value)
    return parsed.astimezone(dt.UTC)


def parse_utc_datetime(value: Any) -> dt.datetime:
    """Parse an ISO 8601 instant that states UTC; naive or other offsets are refused."""
    what = N_("a UTC datetime (YYYY-MM-DDTHH:MM:SSZ)")
    text = expect_str(value, what)
    match = INSTANT_TEXT.fullmatch(text)
    if match is None:
        raise expected(what, value)
    if match.group("zone") not in ("Z", "+00:00"):
        raise expected(N_("a UTC datetime ending in Z or +00:00"), value)
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise expected(what, value) from None
    return parsed.replace(tzinfo=dt.UTC)


def parse_valid_time(value: Any, *, bounded: bool) -> ValidTime:
    what = N_("an ISO date (YYYY-MM-DD) or datetime (YYYY-MM-DDTHH:MM:SSZ)")
    text = expect_str(value, what)
    if _DATE_RE.fullmatch(text):
        return parse_date(text, bounded=bounded)
    if "T" in text:
        return parse_datetime(text, bounded=bounded)
    raise expected(what, value)


def parse_decimal(value: Any) -> Decimal:
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise Invalid(
            _(
                'expected a decimal string such as "150000.00", got {value}; '
                "quote the amount so that no precision is lost"
            ).format(value=show(value))
        )
    text = expect_str(value, N_('a decimal string such as "150000.00"'))
    if not DECIMAL_RE.fullmatch(text):
        raise expected(N_('a non-negative decimal string such as "150000.00"'), value)
    return Decimal(text)


def format_decimal(value: Decimal) -> str:
    """Positional notation, never an exponent: `Decimal("1E+2")` is written `"100"`."""
    return format(value, "f")


def check_text(value: Any, kind: str | None, *, policy: bool = True) -> str:
    """A string field's value, checked by the kind its name implies. `policy` adds the
    input-only checks: an id's characters, the code lists, NUL in free text."""
    text = expect_str(value)
    if not text.isascii() and (found := _SURROGATE_RE.search(text)):
        code = f"U+{ord(found.group()):04X}"
        raise Invalid(
            _("expected valid Unicode text, got a lone surrogate ({code})").format(code=code)
        )
    if kind == "id":
        if not 1 <= len(text) <= ID_MAX or text.strip() != text:
            raise Invalid(
                _(
                    "expected an id of 1 to {max} characters without surrounding spaces, "
                    "got {value}"
                ).format(max=ID_MAX, value=show(value))
            )
        if policy and (why := id_problem(text)):
            raise Invalid(
                _("expected an id that is {why}, got {value}").format(why=why, value=show(value))
            )
    elif kind == "jurisdiction":
        code = N_('an ISO 3166-1 alpha-2 code such as "PA" (or "EU")')
        if not _JURISDICTION_RE.fullmatch(text):
            raise expected(code, value)
        if policy and text not in jurisdictions():
            meant = meant_jurisdiction(text)
            if meant:
                raise Invalid(
                    _('expected {what}, got {value}; did you mean "{meant}"?').format(
                        what=_(code), value=show(value), meant=meant
                    )
                )
            raise expected(code, value)
    elif kind == "currency":
        if not _CURRENCY_RE.fullmatch(text) or (policy and text not in currencies()):
            raise expected(N_('an ISO 4217 currency code such as "USD"'), value)
    elif len(text) > TEXT_MAX:
        raise Invalid(
            _("expected at most {max} characters, got {n}").format(max=TEXT_MAX, n=len(text))
        )
    elif policy and "\x00" in text:
        raise Invalid(_("expected text without NUL (U+0000), which no store can keep"))
    return text


def check_version(value: Any) -> None:
    """`schema_version` names a version that exists (a wrong type is left to the int hook)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return
    if value in SCHEMA_VERSIONS:
        return
    known = ", ".join(str(v) for v in SCHEMA_VERSIONS)
    raise Invalid(
        _("expected a schema version that exists ({known}), got {value}").format(
            known=known, value=show(value)
        )
    )


def out_of_bounds(value: Any) -> Invalid:
    return Invalid(
        _("expected an integer from -{max} to {max}, got {value}").format(
            max=MAX_INTEGER, value=show(value)
        )
    )
