"""A quick first try at structuring an event, for the input that is valid.

Decoding cost more than storing an HTTP append of 100 events (docs/performance.md,
"HTTP appends"): cattrs' structuring with detailed validation goes through a tagged
union, a hook per field and a try block per field, so that a refused event names every
bad field. Almost every event a case system sends is valid, and for those the tree of
errors is never built. This module builds, once per event class, one plain function
that runs the same checks, field by field, with the same leaf functions of
:mod:`comity.events._values` (the same range, code lists, characters of ids, the same
number and date rules), and the same composition the converter has: the checks a
field's name implies first, then its type's own, `null` for a known field meaning
absent, an unknown key refused.

It never explains anything: on the first problem it gives up (:data:`MISSED`), and the
converter decodes the event again, to find and word every problem. So it only has to
agree with the converter on what it accepts, and on the value it builds; a property
test (tests/events/test_fast.py) holds the two together on valid and on damaged events.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from decimal import Decimal
from types import NoneType, UnionType
from typing import Any, Final, Literal, Union, get_args, get_origin, get_type_hints

import attrs

from comity.events._values import (
    CURRENCY_PATTERN,
    ID_MAX,
    JURISDICTION_PATTERN,
    TEXT_MAX,
    check_text,
    check_version,
    field_kind,
    parse_date,
    parse_datetime,
    parse_decimal,
    parse_valid_time,
)
from comity.events.codes import currencies, jurisdictions
from comity.events.limits import FIRST_DATE, LAST_DATE, MAX_INTEGER
from comity.events.time import DAY_PATTERN
from comity.events.types import EVENT_TYPES, Event, ValidTime

__all__ = ["MISSED", "fast_structure"]

#: What a quick try returns when the event needs the converter's full decoding.
MISSED: Final = None

_Parse = Callable[[Any], Any]
_DAY = re.compile(DAY_PATTERN)


class _Unsupported(TypeError):
    """A field type this module has no quick parser for: the class is always decoded by
    the converter (a new type added to the events without one here stays correct)."""


def _literal(allowed: tuple[Any, ...]) -> _Parse:
    def parse(value: Any) -> Any:
        if value not in allowed or not isinstance(value, str):
            raise ValueError
        return value

    return parse


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError
    return value


def _int(policy: bool) -> _Parse:
    def parse(value: Any) -> int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError
        if policy and abs(value) > MAX_INTEGER:
            raise ValueError
        return value

    return parse


def _tuple(item: _Parse) -> _Parse:
    def parse(value: Any) -> tuple[Any, ...]:
        if not isinstance(value, list):
            raise ValueError
        return tuple([item(v) for v in value])

    return parse


def _optional(inner: _Parse) -> _Parse:
    def parse(value: Any) -> Any:
        return None if value is None else inner(value)

    return parse


def _day(then: _Parse, policy: bool) -> _Parse:
    """A `YYYY-MM-DD` day in range in one test (two regular expressions and four calls
    in the converter's way); anything else (an instant, a refusal) goes on to `then`."""

    def parse(value: Any) -> Any:
        if type(value) is str and len(value) == 10 and _DAY.fullmatch(value):
            day = dt.date.fromisoformat(value)
            if not policy or FIRST_DATE <= day <= LAST_DATE:
                return day
        return then(value)

    return parse


def _parser(tp: Any, policy: bool) -> _Parse:
    """The quick parser of one type, as the converter's hooks for it behave."""
    if tp == ValidTime:
        return _day(lambda v: parse_valid_time(v, bounded=policy), policy)
    origin = get_origin(tp)
    if origin is Literal:
        return _literal(get_args(tp))
    if origin is tuple:
        (item,) = (a for a in get_args(tp) if a is not Ellipsis)
        return _tuple(_parser(item, policy))
    if origin is Union or origin is UnionType:
        members = [a for a in get_args(tp) if a is not NoneType]
        if len(members) == 1 and len(get_args(tp)) == 2:
            return _optional(_parser(members[0], policy))
        raise _Unsupported(tp)
    if tp is str:
        return _text(None, policy)
    if tp is bool:
        return _bool
    if tp is int:
        return _int(policy)
    if tp is dt.datetime:
        return lambda v: parse_datetime(v, bounded=policy)
    if tp is dt.date:
        return _day(lambda v: parse_date(v, bounded=policy), policy)
    if tp is Decimal:
        return parse_decimal
    if isinstance(tp, type) and attrs.has(tp):
        return _class(tp, policy, top=False)
    raise _Unsupported(tp)


def _text(kind: str | None, policy: bool) -> _Parse:
    """A string field's parser, its name's check and its type's together.

    The converter checks a string twice, by the kind its name implies, then as text
    (length, NUL). What almost every value is (ASCII, printable, short, or a code of the
    list) passes both, so it is recognised in one test; anything else goes through both
    of the converter's checks, in its order, to be accepted or refused as it would be."""

    def both(value: Any) -> str:
        if kind is not None:
            check_text(value, kind, policy=policy)
        return check_text(value, None, policy=policy)

    if kind == "id":

        def ident(value: Any) -> str:
            if (
                type(value) is str
                and value.isascii()
                and value.isprintable()  # no NUL, no control character
                and 0 < len(value) <= ID_MAX
                and value.strip() == value
            ):
                return value
            return both(value)

        return ident
    if kind in ("jurisdiction", "currency"):
        listed, pattern = (
            (jurisdictions(), JURISDICTION_PATTERN)
            if kind == "jurisdiction"
            else (currencies(), CURRENCY_PATTERN)
        )
        codes = frozenset(c for c in listed if re.fullmatch(pattern, c))

        def code(value: Any) -> str:
            if type(value) is str and value in codes:
                return value
            return both(value)

        return code
    if kind is None:

        def text(value: Any) -> str:
            if (
                type(value) is str
                and value.isascii()
                and len(value) <= TEXT_MAX
                and "\x00" not in value
            ):
                return value
            return both(value)

        return text
    raise _Unsupported(kind)


def _name_check(kind: str, policy: bool) -> Callable[[Any], None]:
    """The check a field's name implies on a field that is not text: only
    `schema_version` is one (text fields check their names in `_text`). Any other
    would be a new kind of field: its class is left to the converter."""
    if kind != "schema_version":
        raise _Unsupported(kind)
    return (lambda v: check_version(v)) if policy else (lambda v: None)


def _class(cls: type, policy: bool, *, top: bool) -> _Parse:
    hints = get_type_hints(cls)
    # (name, its name's check or None, its type's parser, whether it must be given)
    fields: list[tuple[str, Callable[[Any], None] | None, _Parse, bool]] = []
    for f in attrs.fields(cls):
        if f.alias != f.name:
            raise _Unsupported(cls)
        tp = hints[f.name]
        kind = field_kind(f.name)
        required = f.default is attrs.NOTHING
        optional = get_origin(tp) in (Union, UnionType) and NoneType in get_args(tp)
        bare = next(a for a in get_args(tp) if a is not NoneType) if optional else tp
        if kind != "schema_version" and (bare is str or bare == tuple[str, ...]):
            # the name's check and the type's in one parser (of each item, for a list)
            parse = _text(kind, policy)
            if bare is not str:
                parse = _tuple(parse)
            fields.append((f.name, None, _optional(parse) if optional else parse, required))
            continue
        check = None if kind is None else _name_check(kind, policy)
        fields.append((f.name, check, _parser(tp, policy), required))
    allowed = frozenset(f[0] for f in fields) | ({"type"} if top else set())

    def structure(value: Any) -> Any:
        if type(value) is not dict or not allowed.issuperset(value):
            raise ValueError
        kwargs: dict[str, Any] = {}
        for name, check, parse, required in fields:
            raw = value.get(name)
            if raw is None:  # absent, or null: both mean the field is not given
                if required:
                    raise ValueError
                continue
            if check is not None:
                check(raw)
            kwargs[name] = parse(raw)
        return cls(**kwargs)

    return structure


def _build(policy: bool) -> dict[str, _Parse]:
    out: dict[str, _Parse] = {}
    for tag, cls in EVENT_TYPES.items():
        try:
            out[tag] = _class(cls, policy, top=True)
        except _Unsupported:
            continue
    return out


@functools.cache
def _structures(policy: bool) -> dict[str, _Parse]:
    """Built at the first event (the code lists load then), once per policy."""
    return _build(policy)


def fast_structure(obj: dict[str, Any], tag: str, *, policy: bool) -> Event | None:
    """The event `obj` (whose `type` is `tag`, a known one) holds, or MISSED when it
    is not plainly valid (the converter then decodes it and says why)."""
    structure = _structures(policy).get(tag)
    if structure is None:
        return MISSED
    try:
        event: Event = structure(obj)
    except Exception:  # any refusal: the converter finds it again, and words it
        return MISSED
    return event
