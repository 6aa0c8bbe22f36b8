"""Hypothesis strategies for v1 events, derived from the attrs classes.

Nothing is written per event type: :func:`event_of` walks a class's attrs fields and
type hints, so a new type or field is generated (and so tested) without an edit here.
Composable pieces, from small to large:

- values: ``ids``, ``jurisdictions``, ``currencies``, ``texts``, ``amounts``,
  ``money``, ``dates``, ``utc_datetimes``, ``valid_times``; ``values_for(tp, name)``
  for any field type;
- events: ``event_of(cls, full=False)``; ``EVENTS_BY_TYPE`` and ``FULL_EVENTS_BY_TYPE``
  (every optional field set) keyed by type tag; ``events``, any of them;
- wire documents: ``wire_forms(event)`` (the encoded event, with the spellings the
  codec must also accept: explicit nulls, ``1.0`` for an integer), and
  ``broken(event)``, a mutated document that both the codec and the JSON Schema must
  refuse, with the field path the error has to name;
- case logs: ``case_logs(...)`` (Hypothesis) and ``random_case_log(rng, ...)`` (seeded):
  random but valid histories of whole cases, for the engine's property tests.

Imported by tests as ``import strategies`` (tests/conftest.py puts tests/ on sys.path).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import string
import types
import unicodedata
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

import attrs
from hypothesis import reject
from hypothesis import strategies as st

from comity.events import EVENT_TYPES, Event, encode_event
from comity.events.codec import ID_MAX, TEXT_MAX, contradiction, field_kind
from comity.events.codes import currencies as _currency_codes
from comity.events.codes import jurisdictions as _jurisdiction_codes
from comity.events.limits import (
    FIRST_DATE,
    LAST_DATE,
    MAX_INTEGER,
    MAX_INTEGER_DIGITS,
    SCHEMA_VERSIONS,
)
from comity.events.text import forbidden_class, id_problem, printable
from comity.events.types import ValidTime

# --------------------------------------------------------------------------- values


_short_ids = st.one_of(
    st.text(string.ascii_letters + string.digits + "._:/-", min_size=1, max_size=20),
    # any Unicode an id may hold: printable, in NFC
    st.text(min_size=1, max_size=20)
    .map(lambda t: unicodedata.normalize("NFC", t).strip())
    .filter(lambda t: bool(t) and id_problem(t) is None),
)


def _repeat_to(size: int) -> Callable[[str], str]:
    """Repeat an id to exactly `size` characters, ending (as it starts) on non-space."""
    return lambda text: (text * size)[: size - 1] + text[-1]


ids = st.one_of(
    _short_ids,
    # the longest allowed, cheaply (repeating can join a mark to a letter: not NFC)
    _short_ids.map(_repeat_to(ID_MAX)).filter(lambda t: id_problem(t) is None),
)
jurisdictions = st.one_of(
    st.sampled_from(["PA", "CH", "US", "EU", "GB", "CO"]),
    st.sampled_from(sorted(_jurisdiction_codes())),
)
currencies = st.one_of(
    st.sampled_from(["USD", "EUR", "CHF"]),
    st.sampled_from(sorted(_currency_codes())),
)
#: Free text: any Unicode but NUL (which no store keeps) and lone surrogates.
texts = st.text(
    st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=40
)
#: Non-negative Decimals with exponents from -9 (nanos) to +4 (`1.5E+5`).
amounts = st.builds(
    lambda coefficient, exponent: Decimal(coefficient).scaleb(exponent),
    st.integers(min_value=0, max_value=10**18),
    st.integers(min_value=-9, max_value=4),
)
#: Dates in the supported range, its first and last day drawn often.
dates = st.one_of(st.dates(FIRST_DATE, LAST_DATE), st.sampled_from([FIRST_DATE, LAST_DATE]))
_aware = st.datetimes(
    dt.datetime.combine(FIRST_DATE, dt.time.min),
    dt.datetime.combine(LAST_DATE, dt.time.max),
    timezones=st.just(dt.UTC),
)
#: UTC instants in the supported range, with and without microseconds.
utc_datetimes = st.one_of(_aware.map(lambda d: d.replace(microsecond=0)), _aware)
valid_times = st.one_of(dates, utc_datetimes)

_BY_KIND: dict[str | None, st.SearchStrategy[str]] = {
    "id": ids,
    "jurisdiction": jurisdictions,
    "currency": currencies,
    None: texts,
}


def _is_union(tp: Any) -> bool:
    return get_origin(tp) in (Union, types.UnionType)


def _members(tp: Any) -> tuple[Any, ...]:
    """The non-None members of a union (None is absence, governed by the default)."""
    return tuple(a for a in get_args(tp) if a is not type(None))


def values_for(tp: Any, name: str) -> st.SearchStrategy[Any]:
    """Valid values of type `tp` for the field called `name` (names imply constraints)."""
    if tp is str:
        return _BY_KIND[field_kind(name)]
    if tp is bool:
        return st.booleans()
    if tp is int and field_kind(name) == "schema_version":
        return st.sampled_from(SCHEMA_VERSIONS)
    if tp is int:
        return st.integers(-MAX_INTEGER, MAX_INTEGER)
    if tp is Decimal:
        return amounts
    if tp is dt.datetime:
        return utc_datetimes
    if tp is dt.date:
        return dates
    if get_origin(tp) is Literal:
        return st.sampled_from(get_args(tp))
    if get_origin(tp) is tuple:
        return st.lists(values_for(get_args(tp)[0], name), max_size=4).map(tuple)
    if _is_union(tp):
        members = _members(tp)
        if set(members) == set(get_args(ValidTime)):
            return valid_times
        (member,) = members
        return values_for(member, name)
    if isinstance(tp, type) and attrs.has(tp):
        return object_of(tp)
    raise TypeError(f"no strategy for {tp!r} (field {name})")


def object_of(cls: type, *, full: bool = False) -> st.SearchStrategy[Any]:
    """Instances of an attrs class; fields with a default are sometimes left out,
    always set when `full`."""
    hints = get_type_hints(cls)
    required: dict[str, st.SearchStrategy[Any]] = {}
    optional: dict[str, st.SearchStrategy[Any]] = {}
    for field in attrs.fields(cls):
        target = optional if field.default is not attrs.NOTHING and not full else required
        target[field.name] = values_for(hints[field.name], field.name)
    return st.fixed_dictionaries(required, optional=optional).map(lambda kw: cls(**kw))


money = values_for(get_type_hints(EVENT_TYPES["transfer_detected"])["amount"], "amount")


def event_of(cls: type[Event], *, full: bool = False) -> st.SearchStrategy[Event]:
    """Events of one class that do not contradict themselves (the codec refuses those:
    `comity.events.codec.contradiction`); tests of the refusals build them by hand."""
    return object_of(cls, full=full).filter(lambda e: contradiction(e) is None)


EVENTS_BY_TYPE: dict[str, st.SearchStrategy[Event]] = {
    tag: event_of(cls) for tag, cls in EVENT_TYPES.items()
}
FULL_EVENTS_BY_TYPE: dict[str, st.SearchStrategy[Event]] = {
    tag: event_of(cls, full=True) for tag, cls in EVENT_TYPES.items()
}
events: st.SearchStrategy[Event] = st.one_of(*EVENTS_BY_TYPE.values())


# --------------------------------------------------------------------------- fields


@attrs.frozen
class FieldInfo:
    """One field of an attrs class as the wire format sees it."""

    name: str
    tp: Any  # the type without None
    required: bool
    default: Any  # the encoded default, or attrs.NOTHING

    @property
    def item(self) -> Any:
        """The item type of a list field, else None."""
        return get_args(self.tp)[0] if get_origin(self.tp) is tuple else None


def fields_of(cls: type) -> list[FieldInfo]:
    """The fields of an attrs class, with their types resolved (computed once a class)."""
    # Not decorated itself: functools.cache's wrapper takes Hashable, which mypy does not
    # see in a union of event classes; `type` it does.
    return _fields_of(cls)


@functools.cache
def _fields_of(cls: type) -> list[FieldInfo]:
    hints = get_type_hints(cls)
    out = []
    for field in attrs.fields(cls):
        tp = hints[field.name]
        if _is_union(tp) and set(_members(tp)) != set(get_args(ValidTime)):
            (tp,) = _members(tp)
        default = field.default
        if isinstance(default, tuple):
            default = list(default)
        out.append(FieldInfo(field.name, tp, field.default is attrs.NOTHING, default))
    return out


def json_kind(tp: Any) -> str:
    """The JSON type a value of `tp` is written as."""
    if tp is bool:
        return "boolean"
    if tp is int:
        return "integer"
    if get_origin(tp) is tuple:
        return "array"
    if isinstance(tp, type) and attrs.has(tp):
        return "object"
    return "string"  # str, Literal, Decimal, dates, datetimes


def is_date_like(tp: Any) -> bool:
    return tp is dt.date or tp is dt.datetime or (_is_union(tp) and tp == ValidTime)


# --------------------------------------------------------------------------- wire forms


@st.composite
def wire_forms(draw: st.DrawFn, event: Event) -> dict[str, Any]:
    """`encode_event(event)` as JSON would carry it, plus spellings of the same content
    that the codec must accept: `null` for an optional field that is absent or at its
    default, an integer written as `1.0`, and an instant written with an offset
    (`2019-07-24T09:00:00-05:00` for `2019-07-24T14:00:00Z`)."""
    doc: dict[str, Any] = json.loads(json.dumps(encode_event(event)))
    when = event.occurred_at
    # Away from the ends of the range, where the schema judges the written date and the
    # codec the UTC instant.
    if (
        isinstance(when, dt.datetime)
        and FIRST_DATE < when.date() < LAST_DATE
        and draw(st.booleans())
    ):
        minutes = draw(st.integers(-14 * 60, 14 * 60))
        doc["occurred_at"] = when.astimezone(dt.timezone(dt.timedelta(minutes=minutes))).isoformat()
    for info in fields_of(type(event)):
        if info.required:
            continue
        absent_or_default = info.name not in doc or doc[info.name] == info.default
        if absent_or_default and draw(st.booleans()):
            doc[info.name] = None
        elif (
            info.tp is int
            and info.name in doc
            and abs(doc[info.name]) < 2**53
            and draw(st.booleans())
        ):
            doc[info.name] = float(doc[info.name])
    return doc


# --------------------------------------------------------------------------- broken forms


@attrs.frozen
class Broken:
    """A wire document with one thing wrong, the field path an error must name, and
    what the message must contain (the bad value as shown, or the kind of problem)."""

    doc: dict[str, Any]
    path: str
    says: str
    mutation: str

    def __str__(self) -> str:
        return f"{self.mutation} at {self.path!r}: {self.doc!r}"


def shown(value: Any) -> str:
    """The part of an error message that quotes `value` (see codec._show)."""
    if isinstance(value, str):
        return printable(json.dumps(value, ensure_ascii=False))[:50]
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return f"the number {str(value)[:30]}"
    if isinstance(value, list):
        return "a list"
    return "an object"


_JSON_OF_KIND: dict[str, st.SearchStrategy[Any]] = {
    "string": st.text(max_size=8),
    "boolean": st.booleans(),
    "integer": st.integers(),
    "number": st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: not f.is_integer()),
    "array": st.lists(st.integers(), max_size=2),
    "object": st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
}
json_values = st.one_of(st.none(), *_JSON_OF_KIND.values())

BAD_DATES = [
    "24/07/2019",
    "2019-7-24",
    "20190724",
    "2019-07-24 ",
    " 2019-07-24",
    "2019-07-24\n",
    "2019-13-01",
    "2019-00-10",
    "2019-07-00",
    "2019-07-32",
    "2019-04-31",
    "2019-02-29",
    "1900-02-29",
    "2100-02-29",
    "0000-01-01",
    "0001-01-01",  # outside the supported range, 1900-01-01 to 2200-12-31
    "1899-12-31",
    "2201-01-01",
    "9999-12-31",
    "١٩٩٩-٠١-٠١",  # Arabic-Indic digits
    "+2019-07-24",
    "2019-W30-3",
    "2019-205",
    "",
]
BAD_DATETIMES = [
    "2019-07-24T14:00:00",  # naive
    "2019-07-24T14:00:00.123456",
    "2019-07-24T14:00:00-00:00",  # "unknown offset" in RFC 3339, not UTC
    "2019-07-24T14:00:00+14:01",  # beyond any zone's offset
    "2019-07-24T14:00:00-15:00",
    "1899-12-31T23:59:59Z",  # outside the supported range
    "2201-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "2019-07-24T14:00:00z",
    "2019-07-24t14:00:00Z",
    "2019-07-24 14:00:00Z",
    "2019-07-24T14Z",
    "2019-07-24T24:00:00Z",
    "2019-07-24T14:60:00Z",
    "2019-07-24T14:00:60Z",
    "2019-07-24T14:00:00.1234567Z",
    "2019-07-24T14:00:00.Z",
    "2019-07-24T14:00:00,5Z",
    "2019-02-30T14:00:00Z",
    "2019-07-24T14:00:00Z\n",
    "2019-07-24T14:00:00+0000",
    "2019-07-24T14:00:00UTC",
]
BAD_DECIMALS = [
    "-1",
    "-0.01",
    "1E+2",
    "1e2",
    "1,000.00",
    "01.5",
    ".5",
    "1.",
    " 1",
    "1 ",
    "1\n",
    "+1",
    "NaN",
    "Infinity",
    "",
    "0x10",
    "١٢",
]


#: The kinds of breakage `broken` makes, by name.
MUTATIONS = (
    "drop a required field",
    "drop the type",
    "null for a required field",
    "unknown key",
    "unknown key in an object",
    "wrong JSON type",
    "bad date",
    "naive datetime or bad offset",
    "date outside the supported range",
    "float amount",
    "negative or malformed amount",
    "lowercase or malformed code",
    "code not in ISO 3166-1 or 4217",
    "unknown enum value",
    "unknown type",
    "empty, long or padded id",
    "control or format character in an id",
    "NUL in text",
    "text too long",
    "integer with a fraction",
    "integer out of range or unknown version",
)


def _locations(doc: dict[str, Any], cls: type) -> list[tuple[dict[str, Any], str, FieldInfo]]:
    """Every (object, path prefix, field) in `doc`: the event's own fields and those of
    any nested object (money) that is present."""
    out: list[tuple[dict[str, Any], str, FieldInfo]] = []
    for info in fields_of(cls):
        out.append((doc, "", info))
        if json_kind(info.tp) == "object" and isinstance(doc.get(info.name), dict):
            for sub in fields_of(info.tp):
                out.append((doc[info.name], f"{info.name}.", sub))
    return out


@st.composite
def broken(draw: st.DrawFn, event: Event, only: str | None = None) -> Broken:
    """`event` encoded, then broken in one way that the codec and the schema must both
    refuse; the result says which path the codec's error must name. `only` names one
    of MUTATIONS (every one applies to a fully set `asset_located`)."""
    doc: dict[str, Any] = json.loads(json.dumps(encode_event(event)))
    cls = type(event)
    places = _locations(doc, cls)
    # each mutation: (name, function drawing the change and returning (path, says)),
    # offered only where it applies to this document
    mutations: list[tuple[str, Callable[[], tuple[str, str]]]] = []

    def pick(
        test: Callable[[FieldInfo], bool], *, present: bool = True
    ) -> list[tuple[dict[str, Any], str, FieldInfo]]:
        return [
            (obj, prefix, info)
            for obj, prefix, info in places
            if test(info) and (not present or obj.get(info.name) is not None)
        ]

    def set_value(obj: dict[str, Any], prefix: str, info: FieldInfo, value: Any) -> str:
        """Put `value` in the field, or in one item of a list field; return the path."""
        current = obj.get(info.name)
        if info.item is not None and isinstance(current, list) and current:
            i = draw(st.integers(0, len(current) - 1))
            current[i] = value
            return f"{prefix}{info.name}[{i}]"
        if info.item is not None:
            obj[info.name] = [value]
            return f"{prefix}{info.name}[0]"
        obj[info.name] = value
        return f"{prefix}{info.name}"

    def kind_of(info: FieldInfo) -> str | None:
        tp = info.item if info.item is not None else info.tp
        return field_kind(info.name) if tp is str else None

    # drop a required field, or the tag
    required = pick(lambda i: i.required)
    if required:

        def drop() -> tuple[str, str]:
            obj, prefix, info = draw(st.sampled_from(required))
            del obj[info.name]
            return f"{prefix}{info.name}", "is required"

        mutations.append(("drop a required field", drop))

    def drop_type() -> tuple[str, str]:
        del doc["type"]
        return "type", "is required"

    mutations.append(("drop the type", drop_type))

    # unknown keys, at the top level (the log's own fields among them) or in money
    def unknown_top() -> tuple[str, str]:
        known = {"type", *(i.name for i in fields_of(cls))}
        key = draw(
            st.one_of(
                st.sampled_from(["seq", "recorded_at", "position", "hash", "Type"]),
                st.text(min_size=1, max_size=10),
            ).filter(lambda k: k not in known)
        )
        doc[key] = draw(json_values)
        return key, "unknown field"

    mutations.append(("unknown key", unknown_top))
    objects = [
        info
        for obj, prefix, info in places
        if prefix == "" and json_kind(info.tp) == "object" and isinstance(doc.get(info.name), dict)
    ]
    if objects:

        def unknown_nested() -> tuple[str, str]:
            info = draw(st.sampled_from(objects))
            known = {i.name for i in fields_of(info.tp)}
            key = draw(st.text(min_size=1, max_size=10).filter(lambda k: k not in known))
            doc[info.name][key] = draw(json_values)
            return f"{info.name}.{key}", "unknown field"

        mutations.append(("unknown key in an object", unknown_nested))

    # a value of the wrong JSON type, for a field or for one item of a list
    typed = pick(lambda i: True, present=False)

    def wrong_type() -> tuple[str, str]:
        obj, prefix, info = draw(st.sampled_from(typed))
        in_list = info.item is not None and draw(st.booleans())
        tp = info.item if in_list else info.tp
        kinds = [k for k in _JSON_OF_KIND if k != json_kind(tp)]
        value = draw(st.one_of(*(_JSON_OF_KIND[k] for k in kinds)))
        if in_list:
            return set_value(obj, prefix, info, value), shown(value)
        obj[info.name] = value  # never null here: null is absence (or "is required")
        return f"{prefix}{info.name}", shown(value)

    mutations.append(("wrong JSON type", wrong_type))

    def required_null() -> tuple[str, str]:
        obj, prefix, info = draw(st.sampled_from(required))
        obj[info.name] = None
        return f"{prefix}{info.name}", "is required"

    if required:
        mutations.append(("null for a required field", required_null))

    # bad dates and datetimes
    dated = pick(lambda i: is_date_like(i.tp), present=False)
    if dated:

        def bad_date() -> tuple[str, str]:
            obj, prefix, info = draw(st.sampled_from(dated))
            value = draw(st.one_of(st.sampled_from(BAD_DATES), _impossible_dates))
            if info.tp is dt.date:  # a date-only field refuses a datetime too
                value = draw(st.one_of(st.just(value), st.sampled_from(["2019-07-24T14:00:00Z"])))
            obj[info.name] = value
            return f"{prefix}{info.name}", shown(value)

        def bad_datetime() -> tuple[str, str]:
            obj, prefix, info = draw(st.sampled_from(dated))
            value = draw(st.one_of(st.sampled_from(BAD_DATETIMES), _local_datetimes))
            obj[info.name] = value
            return f"{prefix}{info.name}", shown(value)

        def out_of_range() -> tuple[str, str]:
            obj, prefix, info = draw(st.sampled_from(dated))
            day = draw(
                st.one_of(
                    st.dates(max_value=FIRST_DATE - dt.timedelta(days=1)),
                    st.dates(min_value=LAST_DATE + dt.timedelta(days=1)),
                )
            )
            value = day.isoformat()
            if info.tp is not dt.date and draw(st.booleans()):
                value += draw(st.sampled_from(["T00:00:00Z", "T12:30Z", "T23:59:59.999999Z"]))
            obj[info.name] = value
            return f"{prefix}{info.name}", shown(value)

        mutations.append(("bad date", bad_date))
        mutations.append(("naive datetime or bad offset", bad_datetime))
        mutations.append(("date outside the supported range", out_of_range))

    # money amounts: floats, negatives, other malformed decimals
    amounts_at = pick(lambda i: i.tp is Decimal)
    if amounts_at:

        def float_amount() -> tuple[str, str]:
            obj, prefix, info = draw(st.sampled_from(amounts_at))
            value = draw(
                st.one_of(
                    st.floats(min_value=0, max_value=1e12, allow_nan=False),
                    st.integers(min_value=0, max_value=10**12),
                )
            )
            obj[info.name] = value
            return f"{prefix}{info.name}", shown(value)

        def bad_amount() -> tuple[str, str]:
            obj, prefix, info = draw(st.sampled_from(amounts_at))
            value = draw(
                st.one_of(
                    st.sampled_from(BAD_DECIMALS),
                    amounts.map(lambda d: "-" + format(d, "f")),
                )
            )
            obj[info.name] = value
            return f"{prefix}{info.name}", shown(value)

        mutations.append(("float amount", float_amount))
        mutations.append(("negative or malformed amount", bad_amount))

    # codes: lowercase or otherwise malformed jurisdictions and currencies
    coded = pick(lambda i: kind_of(i) in ("jurisdiction", "currency"), present=False)
    if coded:

        def bad_code() -> tuple[str, str]:
            obj, prefix, info = draw(st.sampled_from(coded))
            size = 3 if kind_of(info) == "currency" else 2
            good = draw(st.text(string.ascii_uppercase, min_size=size, max_size=size))
            value = draw(
                st.sampled_from(
                    [
                        good.lower(),
                        good[0] + good[1:].lower(),
                        good + "\n",
                        good[:-1],
                        good + "A",
                        " " + good,
                    ]
                )
            )
            return set_value(obj, prefix, info, value), shown(value)

        def unknown_code() -> tuple[str, str]:
            obj, prefix, info = draw(st.sampled_from(coded))
            if kind_of(info) == "currency":
                known, size = _currency_codes(), 3
            else:
                known, size = _jurisdiction_codes(), 2
            value = draw(
                st.one_of(
                    st.sampled_from(["UK", "XX", "ZZ", "EL"] if size == 2 else ["ZZZ", "ABC"]),
                    st.text(string.ascii_uppercase, min_size=size, max_size=size),
                ).filter(lambda v: v not in known)
            )
            return set_value(obj, prefix, info, value), shown(value)

        mutations.append(("lowercase or malformed code", bad_code))
        mutations.append(("code not in ISO 3166-1 or 4217", unknown_code))

    # enums
    enums = pick(lambda i: get_origin(i.item or i.tp) is Literal, present=False)
    if enums:

        def unknown_enum() -> tuple[str, str]:
            obj, prefix, info = draw(st.sampled_from(enums))
            allowed = get_args(info.item or info.tp)
            value = draw(
                st.one_of(
                    st.sampled_from([a.upper() for a in allowed] + [a + " " for a in allowed]),
                    st.text(max_size=12),
                ).filter(lambda v: v not in allowed)
            )
            return set_value(obj, prefix, info, value), shown(value)

        mutations.append(("unknown enum value", unknown_enum))

    def unknown_tag() -> tuple[str, str]:
        value = draw(
            st.one_of(
                st.sampled_from(["CaseOpened", "case-opened", "case_opened ", "", "event"]),
                st.text(max_size=12),
                st.integers(),
                st.booleans(),
                st.lists(st.integers(), max_size=1),
            ).filter(lambda v: not (isinstance(v, str) and v in EVENT_TYPES))
        )
        doc["type"] = value
        return "type", shown(value)

    mutations.append(("unknown type", unknown_tag))

    # ids: empty, too long, surrounded by whitespace
    id_fields = pick(lambda i: kind_of(i) == "id", present=False)

    def bad_id() -> tuple[str, str]:
        obj, prefix, info = draw(st.sampled_from(id_fields))
        good = draw(ids)
        value = draw(
            st.one_of(
                st.just(""),
                _short_ids.map(_repeat_to(ID_MAX + 1)),
                st.sampled_from([" ", "\n", "\t", "\u3000", "\xa0", "\x1c"]).flatmap(
                    lambda ws: st.sampled_from([ws + good, good + ws, ws])
                ),
            )
        )
        return set_value(obj, prefix, info, value), shown(value)

    mutations.append(("empty, long or padded id", bad_id))

    def control_in_id() -> tuple[str, str]:
        obj, prefix, info = draw(st.sampled_from(id_fields))
        good = draw(st.text(string.ascii_letters, min_size=1, max_size=8))
        char = draw(
            st.one_of(
                st.sampled_from(
                    [
                        *("\x00", "\n", "\r", "\x1b", "\x07", "\x7f", "\u2028", "\u2029"),
                        *("\u202e", "\u200b", "\ufeff", "\u00ad", "\u2066"),
                    ]
                ),
                st.from_regex(f"[{forbidden_class()}]", fullmatch=True),
            )
        )
        value = draw(st.sampled_from([good[:1] + char + good[1:], char, char * 3]))
        if value.strip() != value:  # a padded id is refused for its padding instead
            value = good + char + good
        return set_value(obj, prefix, info, value), shown(value)

    mutations.append(("control or format character in an id", control_in_id))

    # free text over the limit
    text_fields = pick(lambda i: i.tp is str and kind_of(i) is None, present=False)
    if text_fields:

        def long_text() -> tuple[str, str]:
            obj, prefix, info = draw(st.sampled_from(text_fields))
            obj[info.name] = "x" * (TEXT_MAX + 1)
            return f"{prefix}{info.name}", f"at most {TEXT_MAX} characters"

        mutations.append(("text too long", long_text))

        def nul_in_text() -> tuple[str, str]:
            obj, prefix, info = draw(st.sampled_from(text_fields))
            obj[info.name] = draw(texts) + "\x00" + draw(texts)
            return f"{prefix}{info.name}", "NUL"

        mutations.append(("NUL in text", nul_in_text))

    # the integer field given a number with a fraction
    integers = pick(lambda i: i.tp is int, present=False)
    if integers:

        def fraction() -> tuple[str, str]:
            obj, prefix, info = draw(st.sampled_from(integers))
            value = draw(_JSON_OF_KIND["number"])
            obj[info.name] = value
            return f"{prefix}{info.name}", shown(value)

        mutations.append(("integer with a fraction", fraction))

        def big_integer() -> tuple[str, str]:
            obj, prefix, info = draw(st.sampled_from(integers))
            # at most 16 digits: a longer integer is refused by the JSON reader, for the
            # whole line, before any field is looked at
            widest = 10**MAX_INTEGER_DIGITS - 1
            if info.name == "schema_version":
                value = draw(
                    st.integers(-widest, widest).filter(lambda v: v not in SCHEMA_VERSIONS)
                )
            else:
                value = draw(
                    st.one_of(
                        st.integers(min_value=MAX_INTEGER + 1, max_value=widest),
                        st.integers(min_value=-widest, max_value=-MAX_INTEGER - 1),
                    )
                )
            obj[info.name] = value
            return f"{prefix}{info.name}", shown(value)

        mutations.append(("integer out of range or unknown version", big_integer))

    assert {name for name, _ in mutations} <= set(MUTATIONS)
    if only is not None:
        mutations = [m for m in mutations if m[0] == only]
        if not mutations:
            reject()
    name, mutate = draw(st.sampled_from(mutations))
    path, says = mutate()
    return Broken(doc, path, says, name)


def _calendar_valid(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


_impossible_dates = st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", fullmatch=True).filter(
    lambda s: not _calendar_valid(s)
)
_offsets = st.one_of(
    st.integers(min_value=14 * 60 + 1, max_value=24 * 60 - 1),
    st.integers(min_value=-24 * 60 + 1, max_value=-14 * 60 - 1),
)
_NAIVE_FIRST = dt.datetime.combine(FIRST_DATE + dt.timedelta(days=1), dt.time.min)
_NAIVE_LAST = dt.datetime.combine(LAST_DATE - dt.timedelta(days=1), dt.time.max)
#: Well-formed ISO datetimes that are naive or carry an offset beyond any zone's.
_local_datetimes = st.one_of(
    st.datetimes().map(lambda d: d.isoformat()),
    st.builds(
        lambda d, minutes: d.replace(tzinfo=dt.timezone(dt.timedelta(minutes=minutes))).isoformat(),
        st.datetimes(_NAIVE_FIRST, _NAIVE_LAST),
        _offsets,
    ),
)


# --------------------------------------------------------------------------- case logs
#
# Random but valid case logs for the engine's property tests: a small simulation of a
# case (assets in several jurisdictions, orders with expiries, extensions and lifts,
# transfers, requests with receipts and answers, FIU postponements, confiscations),
# so that the rules have something to match, join and miss. One builder serves two
# sources of choices: Hypothesis draws (`case_logs`, which shrinks) and a seeded
# `random.Random` (`random_case_log`, for many cases at once or outside Hypothesis).

#: Jurisdictions with rules behind them (FIU periods, EU instruments, statutory orders)
#: and some without.
CASE_JURISDICTIONS = ("PA", "CH", "US", "FR", "DE", "CO", "AE", "GB")
#: Order legal bases that the built-in pack gives a statutory period.
STATUTORY_BASES = (
    "18 U.S.C. 981(b)(4)",
    "18 U.S.C. 983(j)",
    "FIAA art. 3",
    "Ley 1708/2014 art. 89",
)
_INSTRUMENTS = ("UNCAC", "UNTOC", "EU-2018/1805", "EU-2018/1805", "EIO", "UN-1988", None)
_CASE_EVENT_KINDS = (
    "asset",
    "asset",
    "proceeding",
    "order",
    "order",
    "extend",
    "lift",
    "confiscation_order",
    "recognize",
    "transfer",
    "transfer",
    "request",
    "request",
    "receive",
    "receive",
    "answer",
    "postpone",
    "confiscate",
    "return",
)
_Money = get_type_hints(EVENT_TYPES["transfer_detected"])["amount"]


class _DrawChoices:
    """Choices drawn from Hypothesis (shrinkable)."""

    def __init__(self, draw: st.DrawFn) -> None:
        self._draw = draw

    def integer(self, lo: int, hi: int) -> int:
        return self._draw(st.integers(lo, hi))

    def pick(self, options: Any) -> Any:
        return self._draw(st.sampled_from(list(options)))

    def flag(self) -> bool:
        return self._draw(st.booleans())


class _RandomChoices:
    """Choices from a seeded `random.Random` (or anything with randint and choice)."""

    def __init__(self, rng: Any) -> None:
        self._rng = rng

    def integer(self, lo: int, hi: int) -> int:
        return int(self._rng.randint(lo, hi))

    def pick(self, options: Any) -> Any:
        return self._rng.choice(list(options))

    def flag(self) -> bool:
        return bool(self._rng.randint(0, 1) == 1)


def _build_case(
    choose: Any, case_id: str, *, size: int, distinct_times: bool, late: int
) -> list[Event]:
    """One case's events in the order a case system would append them.

    Valid times mostly follow the story; with `late` > 0 that many events are appended
    after later ones (reported late). With `distinct_times` no two events share an
    instant, so that their valid-time order does not depend on append order.
    """
    day = dt.date(2019, 1, 1) + dt.timedelta(days=choose.integer(0, 5 * 365))
    used: set[dt.datetime] = set()
    events: list[Event] = []
    counter = 0

    def when(*, timed: bool = False) -> dt.date | dt.datetime:
        nonlocal day
        day += dt.timedelta(days=choose.integer(0, 12))
        value: dt.date | dt.datetime = day
        if timed or choose.integer(0, 5) == 0:
            value = dt.datetime.combine(
                day, dt.time(choose.integer(0, 23), choose.pick((0, 15, 30, 59))), dt.UTC
            )
        if distinct_times:
            while _instant(value) in used:
                value = _instant(value) + dt.timedelta(minutes=1)
        used.add(_instant(value))
        return value

    def emit(tag: str, /, **fields: Any) -> None:
        nonlocal counter
        counter += 1
        if "occurred_at" not in fields:
            fields["occurred_at"] = when()
        events.append(
            EVENT_TYPES[tag](event_id=f"{case_id}-e{counter:03d}", case_id=case_id, **fields)
        )

    lead = choose.pick(CASE_JURISDICTIONS[:6])
    emit("case_opened", lead_jurisdiction=lead, offences=("money_laundering",))
    assets: dict[str, str] = {}  # asset id -> jurisdiction
    orders: dict[str, dict[str, Any]] = {}  # order id -> type, jurisdiction, assets, expiry
    requests: dict[str, str] = {}  # request id -> state: sent, received, answered
    subjects: list[str] = []

    def new_asset(jurisdiction: str | None = None) -> str:
        asset = f"A{len(assets) + 1}"
        assets[asset] = jurisdiction or choose.pick(CASE_JURISDICTIONS)
        emit(
            "asset_located",
            asset_id=asset,
            asset_type=choose.pick(("bank_account", "real_estate", "vessel", "securities")),
            jurisdiction=assets[asset],
            holder=choose.pick((None, "Holder S.A.")),
            value=_Money(amount=Decimal(choose.integer(1, 900) * 1000), currency="USD"),
        )
        return asset

    new_asset()
    for _ in range(size):
        kind = choose.pick(_CASE_EVENT_KINDS)
        live = [o for o, v in orders.items() if not v["lifted"]]
        if kind == "asset" or not assets:
            new_asset()
        elif kind == "proceeding":
            if not subjects or choose.flag():
                subjects.append(f"S{len(subjects) + 1}")
                emit(
                    "subject_identified",
                    subject_id=subjects[-1],
                    name=f"Subject {len(subjects)}",
                    kind=choose.pick(("person", "company")),
                )
            emit(
                "proceeding_opened",
                proceeding_id=f"P{counter}",
                jurisdiction=choose.pick(CASE_JURISDICTIONS),
                kind=choose.pick(("criminal", "ncb_forfeiture")),
                subject_ids=(choose.pick(subjects),),
            )
        elif kind in ("order", "confiscation_order"):
            held = tuple(sorted({choose.pick(sorted(assets)) for _ in range(choose.integer(1, 2))}))
            jurisdiction = choose.pick((lead, assets[held[0]], choose.pick(CASE_JURISDICTIONS)))
            order = f"O{len(orders) + 1}"
            fields: dict[str, Any] = {}
            if kind == "confiscation_order":
                order_type, fields["final"] = "confiscation", choose.flag()
            else:
                order_type = choose.pick(("freeze", "seizure"))
                style = choose.integer(0, 2)
                if style == 0:
                    fields["expires_on"] = day + dt.timedelta(days=choose.integer(5, 120))
                elif style == 1:
                    fields["legal_basis"] = choose.pick(STATUTORY_BASES)
            drawn_on = day
            issued = when()
            expires = fields.get("expires_on")
            if expires is not None and expires < _instant(issued).date():
                # The codec refuses an order that expires before it was issued: count
                # the period from the day of the order instead.
                expires = fields["expires_on"] = _instant(issued).date() + (expires - drawn_on)
            orders[order] = {
                "type": order_type,
                "expires": expires,
                "lifted": False,
            }
            emit(
                "order_issued",
                occurred_at=issued,
                order_id=order,
                order_type=order_type,
                issuing_jurisdiction=jurisdiction,
                asset_ids=held,
                **fields,
            )
        elif kind == "extend" and live:
            order = choose.pick(live)
            base = orders[order]["expires"] or day
            expires = base + dt.timedelta(days=choose.integer(1, 90))
            granted = when()
            if expires < _instant(granted).date():  # an extension runs on from its own day
                expires = _instant(granted).date() + (expires - base)
            orders[order]["expires"] = expires
            emit("order_extended", occurred_at=granted, order_id=order, expires_on=expires)
        elif kind == "lift" and live:
            order = choose.pick(live)
            orders[order]["lifted"] = True
            emit("order_lifted", order_id=order)
        elif kind == "recognize" and orders:
            emit(
                "order_recognized",
                order_id=choose.pick(sorted(orders)),
                executing_jurisdiction=choose.pick(CASE_JURISDICTIONS),
                executed=choose.flag(),
            )
        elif kind == "transfer":
            source = choose.pick(sorted(assets))
            target = choose.pick([*sorted(assets), None, "new"])
            if target == source:  # the codec refuses a transfer into the same asset
                target = None
            to_j = choose.pick(CASE_JURISDICTIONS) if target in (None, "new") else assets[target]
            if target == "new":
                target = f"A{len(assets) + 1}"
                assets[target] = to_j
            emit(
                "transfer_detected",
                occurred_at=when(timed=choose.flag()),
                transfer_id=f"T{counter}",
                from_asset_id=source,
                to_asset_id=target,
                from_jurisdiction=assets[source],
                to_jurisdiction=to_j,
                amount=_Money(amount=Decimal(choose.integer(1, 500) * 100), currency="USD"),
            )
        elif kind == "request":
            asset = choose.pick(sorted(assets))
            request = f"R{len(requests) + 1}"
            requests[request] = "sent"
            instrument = choose.pick(_INSTRUMENTS)
            asked = choose.pick((assets[asset], choose.pick(CASE_JURISDICTIONS)))
            if asked == lead:  # the codec refuses a request to oneself: ask the next one
                asked = next(j for j in CASE_JURISDICTIONS if j != lead)
            emit(
                "mla_request_sent",
                request_id=request,
                requesting_jurisdiction=lead,
                requested_jurisdiction=asked,
                purpose=choose.pick(
                    ("provisional_measures", "execute_order", "evidence", "return_of_assets")
                ),
                asset_ids=(asset,),
                order_id=choose.pick([None, *sorted(orders)]),
                instrument=instrument,
                urgent=choose.flag(),
            )
        elif kind == "receive" and "sent" in requests.values():
            request = choose.pick([r for r, s in requests.items() if s == "sent"])
            requests[request] = "received"
            emit("mla_request_received", occurred_at=when(timed=choose.flag()), request_id=request)
        elif kind == "answer" and requests:
            request = choose.pick(sorted(requests))
            requests[request] = "answered"
            emit(
                "mla_request_answered",
                request_id=request,
                outcome=choose.pick(("granted", "partially_granted", "refused", "postponed")),
            )
        elif kind == "postpone":
            asset = choose.pick(sorted(assets))
            emit(
                "fiu_postponement",
                postponement_id=f"F{counter}",
                jurisdiction=choose.pick((assets[asset], "CH", "FR", "DE", "AE")),
                asset_ids=(asset,),
            )
        elif kind == "confiscate" and orders:
            asset = choose.pick(sorted(assets))
            emit(
                "asset_confiscated",
                asset_id=asset,
                jurisdiction=assets[asset],
                order_id=choose.pick(sorted(orders)),
            )
        elif kind == "return":
            asset = choose.pick(sorted(assets))
            if assets[asset] == lead:  # nothing to return from the lead to itself
                continue
            emit(
                "asset_returned",
                asset_id=asset,
                from_jurisdiction=assets[asset],
                to_jurisdiction=lead,
            )
    for _ in range(late):  # a report that arrives after later events
        if len(events) < 3:
            break
        i = choose.integer(1, len(events) - 2)
        j = choose.integer(i + 1, len(events) - 1)
        events.insert(j, events.pop(i))
    return events


def _instant(value: dt.date | dt.datetime) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime.combine(value, dt.time(0), dt.UTC)


@st.composite
def case_logs(
    draw: st.DrawFn,
    *,
    cases: int = 1,
    max_size: int = 25,
    distinct_times: bool = False,
    max_late: int = 3,
) -> list[Event]:
    """Events of `cases` cases (`K0`, `K1`, ...), interleaved, in append order."""
    choose = _DrawChoices(draw)
    logs = [
        _build_case(
            choose,
            f"K{n}",
            size=choose.integer(0, max_size),
            distinct_times=distinct_times,
            late=choose.integer(0, max_late),
        )
        for n in range(cases)
    ]
    return _interleave(logs, choose)


def random_case_log(
    rng: Any,
    *,
    cases: int = 1,
    max_size: int = 25,
    distinct_times: bool = False,
    max_late: int = 3,
    prefix: str = "K",
) -> list[Event]:
    """Like `case_logs`, from a seeded `random.Random(seed)`: same seed, same log."""
    choose = _RandomChoices(rng)
    logs = [
        _build_case(
            choose,
            f"{prefix}{n}",
            size=choose.integer(0, max_size),
            distinct_times=distinct_times,
            late=choose.integer(0, max_late),
        )
        for n in range(cases)
    ]
    return _interleave(logs, choose)


def _interleave(logs: list[list[Event]], choose: Any) -> list[Event]:
    """Merge per-case logs as concurrent writers would: each case keeps its own order."""
    queues = [list(reversed(log)) for log in logs if log]
    out: list[Event] = []
    while queues:
        queue = queues[choose.integer(0, len(queues) - 1)]
        out.append(queue.pop())
        queues = [q for q in queues if q]
    return out
