"""The cattrs converter for the v1 wire format: events to JSON-ready dicts and back, and
cattrs' tree of errors turned into the field paths and messages users read.

Two converters: one for input, which holds values to the input policy, and one for
records read back from a store, without it (see :mod:`comity.events.codec`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Literal, get_args, get_origin, get_type_hints

import attrs
import cattrs
from cattrs.errors import ClassValidationError, ForbiddenExtraKeysError, IterableValidationError
from cattrs.strategies import configure_tagged_union

from comity.errors import EventFormatError, InvalidArgument, Problem
from comity.events._fast import fast_structure
from comity.events._fast_encode import fast_encode
from comity.events._policy import contradiction, held_to_policy
from comity.events._values import (
    Invalid,
    check_text,
    check_version,
    expected,
    field_kind,
    format_decimal,
    out_of_bounds,
    parse_date,
    parse_datetime,
    parse_decimal,
    parse_valid_time,
    show,
)
from comity.events.limits import MAX_INTEGER
from comity.events.time import format_time
from comity.events.types import EVENT_TYPES, Event, ValidTime
from comity.i18n import N_
from comity.i18n import gettext as _

__all__ = ["decode_event", "encode_event"]


def _literal_hook(tp: Any) -> Callable[[Any, Any], Any]:
    allowed = get_args(tp)

    def structure(value: Any, _type: Any) -> Any:
        if value not in allowed or not isinstance(value, str):
            raise Invalid(
                _("expected one of {allowed}; got {value}").format(
                    allowed=", ".join(allowed), value=show(value)
                )
            )
        return value

    return structure


def _field_of(exc: BaseException) -> str | None:
    """The attribute an error is about: from the note cattrs attached, or from the
    plain note (`name` or `name[i]`) that the name-implied checks attach."""
    for note in getattr(exc, "__notes__", None) or []:
        name = getattr(note, "name", None)
        if isinstance(name, str):
            return name
        if isinstance(note, str) and not note.startswith("Structuring"):
            return note.split("[", 1)[0]
    return None


def _is_literal(tp: Any) -> bool:
    return get_origin(tp) is Literal


def _is_tuple(tp: Any) -> bool:
    return get_origin(tp) is tuple


def _make_converter(*, policy: bool) -> cattrs.Converter:
    """The converter; `policy` holds input to the supported range, the code lists and
    the characters of ids (off for records read back from a store)."""
    conv = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)

    conv.register_structure_hook(dt.date, lambda v, _: parse_date(v, bounded=policy))
    conv.register_structure_hook(dt.datetime, lambda v, _: parse_datetime(v, bounded=policy))
    conv.register_structure_hook(Decimal, lambda v, _: parse_decimal(v))
    conv.register_unstructure_hook(dt.date, format_time)
    conv.register_unstructure_hook(dt.datetime, format_time)
    conv.register_unstructure_hook(Decimal, format_decimal)
    conv.register_structure_hook_func(
        lambda t: t == ValidTime, lambda v, _: parse_valid_time(v, bounded=policy)
    )

    def structure_bool(value: Any, _type: Any) -> bool:
        if not isinstance(value, bool):
            raise expected(N_("true or false"), value)
        return value

    def structure_int(value: Any, _type: Any) -> int:
        # JSON has one number type: `1.0` is the integer 1 (as JSON Schema counts it).
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise expected(N_("an integer"), value)
        if policy and abs(value) > MAX_INTEGER:
            raise out_of_bounds(value)
        return value

    conv.register_structure_hook(bool, structure_bool)
    conv.register_structure_hook(int, structure_int)
    conv.register_structure_hook(str, lambda v, _: check_text(v, None, policy=policy))
    conv.register_structure_hook_factory(_is_literal, _literal_hook)

    def structure_list(value: Any, tp: Any) -> tuple[Any, ...]:
        if not isinstance(value, list):
            raise expected(N_("a list"), value)
        (item,) = (a for a in get_args(tp) if a is not Ellipsis)
        out: list[Any] = []
        errors: list[Exception] = []
        for i, v in enumerate(value):  # every bad item, each named by its index
            try:
                out.append(conv.structure(v, item))
            except Exception as exc:
                exc.add_note(f"[{i}]")
                errors.append(exc)
        if errors:
            raise IterableValidationError("invalid items", errors, tp)
        return tuple(out)

    conv.register_structure_hook_func(_is_tuple, structure_list)

    # Name-implied constraints (ids, jurisdictions, currencies) on every attrs class.
    def class_hook(cls: type) -> Callable[[Any, Any], Any]:
        base: Callable[[Any, Any], Any] = cattrs.gen.make_dict_structure_fn(
            cls, conv, _cattrs_forbid_extra_keys=True
        )
        hints = get_type_hints(cls)
        names = frozenset(f.name for f in attrs.fields(cls))
        order = {f.name: i for i, f in enumerate(attrs.fields(cls))}  # to report in field order
        # (name, kind, is a list field) for the fields whose name implies a constraint
        checked = [
            (f.name, kind, get_origin(hints[f.name]) is tuple)
            for f in attrs.fields(cls)
            if (kind := field_kind(f.name)) is not None
        ]

        def structure(value: Any, _type: Any) -> Any:
            if not isinstance(value, dict):
                raise expected(N_("an object"), value)
            # null means absent for a known field; an unknown key is refused even if null
            value = {k: v for k, v in value.items() if v is not None or k not in names}
            errors: list[Exception] = []
            bad: set[str] = set()
            for name, kind, is_list in checked:
                raw = value.get(name)
                if kind == "schema_version":
                    try:
                        if policy:
                            check_version(raw)
                    except Invalid as exc:
                        exc.add_note(name)
                        errors.append(exc)
                        bad.add(name)
                elif is_list and isinstance(raw, list):
                    for i, item in enumerate(raw):
                        try:
                            check_text(item, kind, policy=policy)
                        except Invalid as exc:
                            exc.add_note(f"{name}[{i}]")
                            errors.append(exc)
                            bad.add(name)
                elif not is_list and isinstance(raw, str):
                    try:
                        check_text(raw, kind, policy=policy)
                    except Invalid as exc:
                        exc.add_note(name)
                        errors.append(exc)
                        bad.add(name)
            if not errors:
                return base(value, cls)
            # Report the other fields' problems too, once each: structure the rest.
            try:
                base({k: v for k, v in value.items() if k not in bad}, cls)
            except ClassValidationError as exc:
                errors.extend(e for e in exc.exceptions if _field_of(e) not in bad)
            except ForbiddenExtraKeysError as exc:
                errors.append(exc)
            errors.sort(key=lambda e: order.get(_field_of(e) or "", len(order)))
            raise ClassValidationError("invalid fields", errors, cls)

        return structure

    conv.register_structure_hook_factory(attrs.has, class_hook)

    def unstructure_class(cls: type) -> Callable[[Any], dict[str, Any]]:
        names = [f.name for f in attrs.fields(cls)]

        def unstructure(obj: Any) -> dict[str, Any]:
            out: dict[str, Any] = {}
            for name in names:
                val = getattr(obj, name)
                if val is None:
                    continue
                out[name] = conv.unstructure(val)
            return out

        return unstructure

    conv.register_unstructure_hook_factory(attrs.has, unstructure_class)
    conv.register_unstructure_hook_func(
        lambda t: _is_tuple(t) or t is tuple, lambda v: [conv.unstructure(i) for i in v]
    )
    configure_tagged_union(
        Event,
        conv,
        tag_name="type",
        tag_generator=lambda cl: cl.TYPE,  # type: ignore[attr-defined]
    )
    return conv


_converter = _make_converter(policy=True)
_stored_converter = _make_converter(policy=False)


def encode_event(event: Event) -> dict[str, Any]:
    """The event as a JSON-ready dict, `type` included, absent optionals omitted."""
    if type(event) not in _EVENT_CLASSES:
        raise InvalidArgument(
            f"encode_event: event must be one of comity's events, got {type(event).__name__}"
            "; make one from a dict with comity.decode_event"
        )
    quick = fast_encode(event)
    if quick is not None:
        return quick
    data: dict[str, Any] = _converter.unstructure(event, Event)
    return data


#: Every event class, for the check of what encode_event is given (a set: it runs on
#: every append).
_EVENT_CLASSES = frozenset(EVENT_TYPES.values())


def _path_of(exc: BaseException) -> str:
    notes = getattr(exc, "__notes__", None) or []
    parts: list[str] = []
    for note in notes:
        if isinstance(note, str) and not hasattr(note, "name"):
            if not note.startswith("Structuring"):
                parts.append(note)
            continue
        name = getattr(note, "name", None)
        index = getattr(note, "index", None)
        if name is not None:
            parts.append(str(name))
        elif index is not None:
            parts.append(f"[{index}]")
    return ".".join(parts).replace(".[", "[")


def _flatten(exc: BaseException, prefix: str) -> list[tuple[str, str]]:
    """Turn cattrs' exception tree into (field path, message) pairs, in field order."""
    here = _path_of(exc)
    path = ".".join(p for p in (prefix, here) if p).replace(".[", "[")
    if isinstance(exc, ForbiddenExtraKeysError):
        known = ", ".join(
            ["type"] * (exc.cl in EVENT_TYPES.values()) + [f.name for f in attrs.fields(exc.cl)]
        )
        return [
            (
                ".".join(p for p in (path, key) if p),
                _("unknown field; the v1 format allows no other fields (allowed: {known})").format(
                    known=known
                ),
            )
            for key in sorted(exc.extra_fields)
        ]
    if isinstance(exc, ClassValidationError | IterableValidationError):
        out: list[tuple[str, str]] = []
        for sub in exc.exceptions:
            out.extend(_flatten(sub, path))
        return out
    if isinstance(exc, KeyError):
        return [(path, _("is required"))]
    if isinstance(exc, Invalid):
        return [(path, str(exc))]
    return [(path, _("invalid value ({why})").format(why=exc))]


def decode_event(
    obj: Any, *, source: str = "<event>", line: int | None = None, stored: bool = False
) -> Event:
    """Structure one decoded JSON value into an event, or raise EventFormatError.

    `stored` is for records read back from a store: the input policy (supported
    range, code lists, characters of ids) is not applied again to what was accepted.
    """

    def fail(path: str, message: str) -> EventFormatError:
        return EventFormatError([Problem(source, line, path, message)])

    if not isinstance(obj, dict):
        raise fail(
            "",
            _("expected a JSON object (one event per line), got {value}").format(value=show(obj)),
        )
    tag = obj.get("type")
    if tag is None:
        raise fail("type", _("is required; one of {types}").format(types=", ".join(EVENT_TYPES)))
    if not isinstance(tag, str) or tag not in EVENT_TYPES:
        raise fail(
            "type",
            _("unknown event type {value}; expected one of {types}").format(
                value=show(tag), types=", ".join(EVENT_TYPES)
            ),
        )
    quick = fast_structure(obj, tag, policy=not stored)
    if quick is not None:
        event: Event = quick
    else:
        event = _structure(obj, source=source, line=line, stored=stored)
    if not stored:
        # What a store accepted stays readable (as for the rest of the input policy).
        wrong = contradiction(event)
        if wrong is not None:
            raise fail(*wrong)
        held_to_policy(event)
    return event


def _structure(obj: dict[str, Any], *, source: str, line: int | None, stored: bool) -> Event:
    """The converter's decoding: slower than the quick try, and the one that explains."""
    try:
        conv = _stored_converter if stored else _converter
        event: Event = conv.structure(obj, Event)  # type: ignore[arg-type]
    except (ClassValidationError, ForbiddenExtraKeysError, Invalid) as exc:
        pairs = _flatten(exc, "")
        raise EventFormatError([Problem(source, line, p, m) for p, m in pairs]) from None
    return event
