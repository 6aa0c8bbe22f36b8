"""The JSON Schema (draft 2020-12) of the v1 wire format, derived from the event classes.

Nothing here is written per event type. :func:`event_schema` walks the attrs fields and
type hints of every class in :data:`~comity.events.types.EVENT_TYPES` and takes each
constraint from the codec (:func:`~comity.events.codec.field_kind`, its patterns and
limits), so that a new event type or field appears in the schema without an edit here.
``tests/events/test_codec.py`` holds the schema and the codec to the same verdict on
generated good and broken events.

How the codec's rules are spelt:

- one object per event type, chosen by ``type`` (a ``const``) under ``oneOf``;
  ``additionalProperties: false`` on every object, money included;
- ``required`` lists the fields without a default; a field with a default also takes
  ``null``, which the codec reads as absent;
- ids are 1-128 characters with no leading or trailing whitespace and no control or
  format character; jurisdictions and currencies are an ``enum`` of the ISO 3166-1
  (plus ``EU``) and ISO 4217 codes the codec knows; amounts the codec's decimal
  pattern; other text at most ``TEXT_MAX`` characters, without NUL;
- integers lie within +-(2**53 - 1); ``schema_version`` is an ``enum`` of the
  versions that exist;
- dates carry ``"format": "date"`` *and* a pattern that is exact for the Gregorian
  calendar within the supported range (1900-01-01 to 2200-12-31, leap years
  included): ``format`` only annotates unless a validator is told to assert it, and a
  datetime has no JSON Schema format that matches the codec (RFC 3339 ``date-time``
  needs seconds), so its pattern must carry the calendar itself;
- datetimes end in ``Z`` or an offset from ``-14:00`` to ``+14:00``, never ``-00:00``
  ("offset unknown" in RFC 3339).

Patterns are written to mean the same in ECMA-262 (the dialect JSON Schema names) and
in Python's :mod:`re` (what the ``jsonschema`` package runs, with ``re.search``): they
use ``[0-9]`` rather than ``\\d`` and list whitespace explicitly rather than ``\\s``
(the two dialects disagree on both), and they end in ``(?!\\n)$`` because Python's
``$`` also matches before a final newline.

What the schema cannot say, and only the codec refuses: a string holding a lone
surrogate (``"\\ud800"``, which cannot be stored as UTF-8); an id that is not in Unicode
NFC or holds a format character beyond U+FFFF; and, within 14 hours of either end of
the supported range, a datetime whose written date is inside the range but whose UTC
instant is not (``1900-01-01T05:00+06:00``).
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import sys
import types
from decimal import Decimal
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

import attrs

from comity.events.codec import (
    DECIMAL_PATTERN,
    ID_MAX,
    TEXT_MAX,
    field_kind,
)
from comity.events.codes import currencies, jurisdictions
from comity.events.limits import MAX_INTEGER, SCHEMA_VERSIONS
from comity.events.text import forbidden_class
from comity.events.types import EVENT_TYPES, ValidTime

__all__ = ["SCHEMA_ID", "event_schema"]

SCHEMA_ID = "urn:comity:schema:event:v1"

_MONTH_DAY = (
    r"(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    r"|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    r"|02-(?:0[1-9]|1[0-9]|2[0-8]))"
)
#: The years of the supported range, 1900 to 2200.
_YEAR = r"(?:(?:19|20|21)[0-9]{2}|2200)"
# The leap years among them: divisible by 4 but not by 100, or divisible by 400 (2000).
_LEAP_YEAR = r"(?:(?:19|20|21)(?:0[48]|[2468][048]|[13579][26])|2000)"
#: A calendar date in the supported range, 1900-01-01 to 2200-12-31.
DATE_BODY = rf"(?:{_YEAR}-{_MONTH_DAY}|{_LEAP_YEAR}-02-29)"
#: An offset from UTC: Z, +00:00, or -14:00 to +14:00 but never -00:00.
_OFFSET = r"(?:Z|\+00:00|[+-]14:00|[+-](?:0[1-9]|1[0-3]):[0-5][0-9]|[+-]00:(?:0[1-9]|[1-5][0-9]))"
#: A time of day with optional seconds and up to six fractional digits, and its offset.
TIME_BODY = rf"T(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{{1,6}})?)?{_OFFSET}"


def exact(pattern: str) -> str:
    """An anchored ``^...$`` pattern, made exact under Python's ``re.search`` as well."""
    if not (pattern.startswith("^") and pattern.endswith("$")):
        raise ValueError(f"pattern must be anchored with ^ and $: {pattern!r}")
    return pattern[:-1] + r"(?!\n)$"


@functools.cache
def _whitespace_class() -> str:
    """Every character `str.strip()` removes, as a class both dialects read alike."""
    points = [c for c in range(sys.maxunicode + 1) if chr(c).isspace()]
    runs: list[list[int]] = []
    for c in points:
        if runs and runs[-1][1] == c - 1:
            runs[-1][1] = c
        else:
            runs.append([c, c])
    return "".join(f"\\u{lo:04x}" if lo == hi else f"\\u{lo:04x}-\\u{hi:04x}" for lo, hi in runs)


def _defs() -> dict[str, Any]:
    ws = _whitespace_class()
    bad = forbidden_class()
    return {
        "id": {
            "description": (
                f"1 to {ID_MAX} characters, no leading or trailing whitespace, no control "
                "or format character, in Unicode NFC"
            ),
            "type": "string",
            "minLength": 1,
            "maxLength": ID_MAX,
            "pattern": exact(rf"^[^{ws}{bad}](?:[^{bad}]*[^{ws}{bad}])?$"),
        },
        "jurisdiction": {
            "description": 'ISO 3166-1 alpha-2 code such as "PA", or "EU" for an EU body',
            "type": "string",
            "enum": sorted(jurisdictions()),
        },
        "currency": {
            "description": 'ISO 4217 currency code such as "USD"',
            "type": "string",
            "enum": sorted(currencies()),
        },
        "decimal": {
            "description": 'non-negative decimal string such as "150000.00", never a number',
            "type": "string",
            "pattern": exact(DECIMAL_PATTERN),
        },
        "text": {"type": "string", "maxLength": TEXT_MAX, "pattern": "^[^\\u0000]*$"},
        "date": {
            "description": "ISO 8601 calendar date, YYYY-MM-DD, from 1900-01-01 to 2200-12-31",
            "type": "string",
            "format": "date",
            "pattern": exact(f"^{DATE_BODY}$"),
        },
        "utc_datetime": {
            "description": (
                "ISO 8601 instant with its offset, such as 2019-07-24T14:00:00Z or "
                "2019-07-24T09:00:00-05:00; stored in UTC"
            ),
            "type": "string",
            "pattern": exact(f"^{DATE_BODY}{TIME_BODY}$"),
        },
        "valid_time": {
            "description": "when it happened: a date or a datetime with its offset",
            "anyOf": [{"$ref": "#/$defs/date"}, {"$ref": "#/$defs/utc_datetime"}],
        },
    }


def _def_name(cls: type) -> str:
    tag: str | None = getattr(cls, "TYPE", None)
    return tag or cls.__name__.lower()


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/$defs/{name}"}


def _schema_of(tp: Any, name: str, defs: dict[str, Any]) -> dict[str, Any]:
    """The schema of one value of type `tp` held by the field called `name`."""
    origin = get_origin(tp)
    if tp is str:
        return _ref(field_kind(name) or "text")
    if tp is bool:
        return {"type": "boolean"}
    if tp is int and field_kind(name) == "schema_version":
        return {"type": "integer", "enum": list(SCHEMA_VERSIONS)}
    if tp is int:
        return {"type": "integer", "minimum": -MAX_INTEGER, "maximum": MAX_INTEGER}
    if tp is Decimal:
        return _ref("decimal")
    if tp is dt.datetime:
        return _ref("utc_datetime")
    if tp is dt.date:
        return _ref("date")
    if origin is Literal:
        values = list(get_args(tp))
        if not all(isinstance(v, str) for v in values):
            raise TypeError(f"field {name}: only string literals are supported, got {tp!r}")
        return {"type": "string", "enum": values}
    if origin is tuple:
        args = get_args(tp)
        if len(args) != 2 or args[1] is not Ellipsis:
            raise TypeError(f"field {name}: only tuple[X, ...] is supported, got {tp!r}")
        return {"type": "array", "items": _schema_of(args[0], name, defs)}
    if origin in (Union, types.UnionType):
        # None is absence, which the field's default governs (see _object_schema).
        members = tuple(a for a in get_args(tp) if a is not type(None))
        if set(members) == set(get_args(ValidTime)):
            return _ref("valid_time")
        if len(members) == 1:
            return _schema_of(members[0], name, defs)
        raise TypeError(f"field {name}: the codec has no rule for the union {tp!r}")
    if isinstance(tp, type) and attrs.has(tp):
        def_name = _def_name(tp)
        if def_name not in defs:
            defs[def_name] = {}  # reserve the name first: a class may refer to itself
            defs[def_name] = _object_schema(tp, defs)
        return _ref(def_name)
    raise TypeError(f"field {name}: no JSON Schema for {tp!r}")


def _default_of(field: attrs.Attribute[Any]) -> Any:
    default = field.default
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        return None
    if isinstance(default, tuple):
        return list(default)
    return default


def _object_schema(cls: type, defs: dict[str, Any], tag: str | None = None) -> dict[str, Any]:
    hints = get_type_hints(cls)
    schema: dict[str, Any] = {"title": tag or cls.__name__}
    if cls.__doc__:
        schema["description"] = inspect.cleandoc(cls.__doc__)
    properties: dict[str, Any] = {}
    required: list[str] = []
    if tag is not None:
        properties["type"] = {"const": tag}
        required.append("type")
    for field in attrs.fields(cls):
        value = _schema_of(hints[field.name], field.name, defs)
        if field.default is attrs.NOTHING:
            required.append(field.name)
        else:
            value = {"anyOf": [value, {"type": "null"}]}
            default = _default_of(field)
            if default is not None:
                value["default"] = default
        properties[field.name] = value
    schema.update(
        type="object",
        properties=properties,
        required=required,
        additionalProperties=False,
    )
    return schema


def event_schema() -> dict[str, Any]:
    """The JSON Schema of one v1 event (one line of a JSON Lines file); a fresh dict."""
    defs = _defs()
    for tag, cls in EVENT_TYPES.items():
        defs[tag] = _object_schema(cls, defs, tag)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "comity event, wire format v1",
        "description": (
            "One case event as one flat JSON object; a file of events is JSON Lines. "
            "Unknown fields are refused; null for an optional field means absent. "
            "recorded_at, seq and position are set by the log and are refused on input. "
            "Money amounts are decimal strings, never JSON numbers."
        ),
        "type": "object",
        "oneOf": [_ref(tag) for tag in EVENT_TYPES],
        "$defs": defs,
    }
