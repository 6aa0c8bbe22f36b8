"""One cattrs converter for the v1 wire format, and the error messages users read.

Decisions, made once here so that every reader and writer agrees:

- the tag is `type` (a tagged union over every event class);
- unknown keys are refused, never dropped;
- dates are `YYYY-MM-DD`; datetimes are ISO 8601 with an offset (`Z`, `+00:00` or one
  such as `-05:00`), never naive, and are stored in UTC (`Z`), so that two spellings of
  one instant are the same content;
- dates and instants lie in the supported range, 1900-01-01 to 2200-12-31 (UTC), and
  integers within +-(2**53 - 1); `schema_version` is a version that exists (see
  :mod:`comity.events.limits`);
- money amounts are decimal strings (`"150000.00"`), never JSON numbers, and are written
  back in plain positional notation (never `1E+2`), so that what the codec writes it reads;
- strings must be JSON strings (cattrs would otherwise turn `5` into `"5"`) of valid
  Unicode (a lone surrogate such as `"\\ud800"` cannot be stored as UTF-8);
- integers are JSON numbers without a fraction (`1` or `1.0`, as JSON Schema counts them);
- every pattern must match the whole value (a trailing newline is not allowed);
- ids are 1-128 printable characters in Unicode NFC (see :mod:`comity.events.text`);
  free text holds no NUL; jurisdictions are ISO 3166-1 alpha-2 (or `EU`) and currencies
  ISO 4217, from the lists in :mod:`comity.events.codes`;
- `null` for an optional field means absent, and the canonical form omits it, so that
  `{"source": null}` and no `source` are the same content for idempotency;
- an event that contradicts itself is refused, naming the field (see
  :func:`contradiction`): an order that expires before it was issued, a transfer from
  an asset into itself. Contradictions *between* events are not refused (the missing
  or correcting event may still come): the data-quality rules report them.

A refused event becomes a list of :class:`comity.errors.Problem`, each naming a field
path and what was expected, e.g. ``occurred_at: expected an ISO date, got "24/07/2019"``.

Events read back from a store are decoded with the same converter less the input
policy (the supported range, the code lists, the characters of ids): what a store
accepted under an earlier release stays readable, and the policy applies where a
user can still correct the input.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import types
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

import attrs
import cattrs
import orjson
from cattrs.errors import ClassValidationError, ForbiddenExtraKeysError, IterableValidationError
from cattrs.strategies import configure_tagged_union

from comity.errors import EventFormatError, InvalidArgument, Problem
from comity.events import types as t
from comity.events.codes import currencies, jurisdictions, meant_jurisdiction
from comity.events.limits import MAX_INTEGER, SCHEMA_VERSIONS, in_range, in_range_words
from comity.events.text import id_problem, printable
from comity.events.time import DAY_PATTERN, INSTANT_TEXT, day_of, format_time
from comity.events.types import EVENT_TYPES, Event, ValidTime
from comity.i18n import N_
from comity.i18n import gettext as _

__all__ = [
    "CURRENCY_PATTERN",
    "DECIMAL_PATTERN",
    "ID_MAX",
    "JURISDICTION_PATTERN",
    "TEXT_MAX",
    "canonical_json",
    "canonical_json_strict",
    "check_event",
    "contradiction",
    "decode_event",
    "encode_event",
    "field_kind",
    "format_time",
    "parse_datetime",
    "parse_utc_datetime",
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
_DECIMAL_RE = re.compile(DECIMAL_PATTERN)


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


def _show(value: Any) -> str:
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


class _Invalid(ValueError):
    """A value was refused; the message is the user-facing explanation."""


def _expected(what: str, value: Any) -> _Invalid:
    """`expected WHAT, got VALUE`, in the language of the command line; `what` is a
    message id (marked `N_` where it is written)."""
    return _Invalid(_("expected {what}, got {value}").format(what=_(what), value=_show(value)))


def _expect_str(value: Any, what: str = N_("a string")) -> str:
    if not isinstance(value, str):
        raise _expected(what, value)
    return value


def parse_date(value: Any, *, bounded: bool = True) -> dt.date:
    """An ISO calendar date, inside the supported range when `bounded`."""
    what = N_("an ISO date (YYYY-MM-DD)")
    text = _expect_str(value, what)
    try:
        parsed = day_of(text)
    except ValueError:
        raise _expected(what, value) from None
    if bounded and not in_range(parsed):
        raise _expected(in_range_words(), value)
    return parsed


def parse_datetime(value: Any, *, bounded: bool = True) -> dt.datetime:
    """An ISO 8601 instant with its offset from UTC (`Z`, `+00:00`, `-05:00`), in UTC.

    A naive time is refused (its instant is unknown), and so is `-00:00`, which RFC
    3339 reserves for "offset unknown". The result is in UTC: the form that is stored,
    hashed and compared, whatever offset the writer used.
    """
    what = N_("an ISO datetime with an offset (YYYY-MM-DDTHH:MM:SSZ or ...-05:00)")
    text = _expect_str(value, what)
    match = INSTANT_TEXT.fullmatch(text)
    if match is None:
        raise _expected(what, value)
    zone = match.group("zone")
    if zone is None:
        raise _expected(N_("a datetime ending in Z or an offset such as -05:00"), value)
    if zone == "-00:00":
        raise _Invalid(
            _(
                "expected a known offset, got {value}: -00:00 means the offset is "
                "unknown; write Z for UTC"
            ).format(value=_show(value))
        )
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise _expected(what, value) from None
    offset = parsed.utcoffset()
    if int(zone[-2:] if zone != "Z" else 0) >= 60 or (
        offset is not None and abs(offset) > MAX_OFFSET
    ):
        raise _expected(N_("an offset from -14:00 to +14:00"), value)
    # Far from the range, refuse before converting: at the edge of what datetime holds
    # (0001-01-01T00:00+01:00) the conversion to UTC would overflow.
    far = not _YEARS_NEAR_RANGE[0] <= parsed.year <= _YEARS_NEAR_RANGE[1]
    if bounded and (far or not in_range(parsed.astimezone(dt.UTC))):
        raise _expected(in_range_words(), value)
    return parsed.astimezone(dt.UTC)


def parse_utc_datetime(value: Any) -> dt.datetime:
    """Parse an ISO 8601 instant that states UTC; naive or other offsets are refused."""
    what = N_("a UTC datetime (YYYY-MM-DDTHH:MM:SSZ)")
    text = _expect_str(value, what)
    match = INSTANT_TEXT.fullmatch(text)
    if match is None:
        raise _expected(what, value)
    if match.group("zone") not in ("Z", "+00:00"):
        raise _expected(N_("a UTC datetime ending in Z or +00:00"), value)
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise _expected(what, value) from None
    return parsed.replace(tzinfo=dt.UTC)


def _parse_valid_time(value: Any, *, bounded: bool) -> ValidTime:
    what = N_("an ISO date (YYYY-MM-DD) or datetime (YYYY-MM-DDTHH:MM:SSZ)")
    text = _expect_str(value, what)
    if _DATE_RE.fullmatch(text):
        return parse_date(text, bounded=bounded)
    if "T" in text:
        return parse_datetime(text, bounded=bounded)
    raise _expected(what, value)


def _parse_decimal(value: Any) -> Decimal:
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise _Invalid(
            _(
                'expected a decimal string such as "150000.00", got {value}; '
                "quote the amount so that no precision is lost"
            ).format(value=_show(value))
        )
    text = _expect_str(value, N_('a decimal string such as "150000.00"'))
    if not _DECIMAL_RE.fullmatch(text):
        raise _expected(N_('a non-negative decimal string such as "150000.00"'), value)
    return Decimal(text)


def _format_decimal(value: Decimal) -> str:
    """Positional notation, never an exponent: `Decimal("1E+2")` is written `"100"`."""
    return format(value, "f")


def _check_text(value: Any, kind: str | None, *, policy: bool = True) -> str:
    """A string field's value, checked by the kind its name implies. `policy` adds the
    input-only checks: an id's characters, the code lists, NUL in free text."""
    text = _expect_str(value)
    if not text.isascii() and (found := _SURROGATE_RE.search(text)):
        code = f"U+{ord(found.group()):04X}"
        raise _Invalid(
            _("expected valid Unicode text, got a lone surrogate ({code})").format(code=code)
        )
    if kind == "id":
        if not 1 <= len(text) <= ID_MAX or text.strip() != text:
            raise _Invalid(
                _(
                    "expected an id of 1 to {max} characters without surrounding spaces, "
                    "got {value}"
                ).format(max=ID_MAX, value=_show(value))
            )
        if policy and (why := id_problem(text)):
            raise _Invalid(
                _("expected an id that is {why}, got {value}").format(why=why, value=_show(value))
            )
    elif kind == "jurisdiction":
        code = N_('an ISO 3166-1 alpha-2 code such as "PA" (or "EU")')
        if not _JURISDICTION_RE.fullmatch(text):
            raise _expected(code, value)
        if policy and text not in jurisdictions():
            meant = meant_jurisdiction(text)
            if meant:
                raise _Invalid(
                    _('expected {what}, got {value}; did you mean "{meant}"?').format(
                        what=_(code), value=_show(value), meant=meant
                    )
                )
            raise _expected(code, value)
    elif kind == "currency":
        if not _CURRENCY_RE.fullmatch(text) or (policy and text not in currencies()):
            raise _expected(N_('an ISO 4217 currency code such as "USD"'), value)
    elif len(text) > TEXT_MAX:
        raise _Invalid(
            _("expected at most {max} characters, got {n}").format(max=TEXT_MAX, n=len(text))
        )
    elif policy and "\x00" in text:
        raise _Invalid(_("expected text without NUL (U+0000), which no store can keep"))
    return text


def _check_version(value: Any) -> None:
    """`schema_version` names a version that exists (a wrong type is left to the int hook)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return
    if value in SCHEMA_VERSIONS:
        return
    known = ", ".join(str(v) for v in SCHEMA_VERSIONS)
    raise _Invalid(
        _("expected a schema version that exists ({known}), got {value}").format(
            known=known, value=_show(value)
        )
    )


def _literal_hook(tp: Any) -> Callable[[Any, Any], Any]:
    allowed = get_args(tp)

    def structure(value: Any, _type: Any) -> Any:
        if value not in allowed or not isinstance(value, str):
            raise _Invalid(
                _("expected one of {allowed}; got {value}").format(
                    allowed=", ".join(allowed), value=_show(value)
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
    conv.register_structure_hook(Decimal, lambda v, _: _parse_decimal(v))
    conv.register_unstructure_hook(dt.date, format_time)
    conv.register_unstructure_hook(dt.datetime, format_time)
    conv.register_unstructure_hook(Decimal, _format_decimal)
    conv.register_structure_hook_func(
        lambda t: t == ValidTime, lambda v, _: _parse_valid_time(v, bounded=policy)
    )

    def structure_bool(value: Any, _type: Any) -> bool:
        if not isinstance(value, bool):
            raise _expected(N_("true or false"), value)
        return value

    def structure_int(value: Any, _type: Any) -> int:
        # JSON has one number type: `1.0` is the integer 1 (as JSON Schema counts it).
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise _expected(N_("an integer"), value)
        if policy and abs(value) > MAX_INTEGER:
            raise _out_of_bounds(value)
        return value

    conv.register_structure_hook(bool, structure_bool)
    conv.register_structure_hook(int, structure_int)
    conv.register_structure_hook(str, lambda v, _: _check_text(v, None, policy=policy))
    conv.register_structure_hook_factory(_is_literal, _literal_hook)

    def structure_list(value: Any, tp: Any) -> tuple[Any, ...]:
        if not isinstance(value, list):
            raise _expected(N_("a list"), value)
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
                raise _expected(N_("an object"), value)
            # null means absent for a known field; an unknown key is refused even if null
            value = {k: v for k, v in value.items() if v is not None or k not in names}
            errors: list[Exception] = []
            bad: set[str] = set()
            for name, kind, is_list in checked:
                raw = value.get(name)
                if kind == "schema_version":
                    try:
                        if policy:
                            _check_version(raw)
                    except _Invalid as exc:
                        exc.add_note(name)
                        errors.append(exc)
                        bad.add(name)
                elif is_list and isinstance(raw, list):
                    for i, item in enumerate(raw):
                        try:
                            _check_text(item, kind, policy=policy)
                        except _Invalid as exc:
                            exc.add_note(f"{name}[{i}]")
                            errors.append(exc)
                            bad.add(name)
                elif not is_list and isinstance(raw, str):
                    try:
                        _check_text(raw, kind, policy=policy)
                    except _Invalid as exc:
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


_Check = Callable[[Any], None]


def _checker(tp: Any, name: str) -> _Check | None:
    """The input policy for values of type `tp` held by the field `name`, as one
    function built once per field (check_event runs on every append)."""
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        members = [a for a in get_args(tp) if a is not type(None)]
        if set(members) == {dt.date, dt.datetime}:
            return _check_time
        (member,) = members
        return _checker(member, name)
    if tp is str:
        kind = field_kind(name)

        def text(value: Any) -> None:
            if value is not None:
                _check_text(value, kind)

        return text
    if tp is dt.date or tp is dt.datetime:
        return _check_time
    if tp is int:
        if field_kind(name) == "schema_version":
            return _check_version
        return _check_bounded
    if tp is Decimal:
        return _check_amount
    if origin is tuple:
        item = _checker(get_args(tp)[0], name)
        if item is None:
            return None

        def each(values: Any) -> None:
            for i, v in enumerate(values or ()):
                try:
                    item(v)
                except _Invalid as exc:
                    exc.add_note(f"[{i}]")
                    raise

        return each
    if isinstance(tp, type) and attrs.has(tp):
        fields = _field_checkers(tp)

        def nested(value: Any) -> None:
            if value is not None:
                _run(fields, value)

        return nested
    return None  # bool, Literal: their type is the whole rule, and mypy checks it


def _out_of_bounds(value: Any) -> _Invalid:
    return _Invalid(
        _("expected an integer from -{max} to {max}, got {value}").format(
            max=MAX_INTEGER, value=_show(value)
        )
    )


def _check_time(value: Any) -> None:
    if value is None:
        return
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        raise _Invalid(
            _("expected a datetime with an offset, got {value}").format(value=value.isoformat())
        )
    if not in_range(value):
        raise _expected(in_range_words(), format_time(value))


def _check_bounded(value: Any) -> None:
    if isinstance(value, int) and abs(value) > MAX_INTEGER:
        raise _out_of_bounds(value)


def _check_amount(value: Any) -> None:
    if isinstance(value, Decimal) and not _DECIMAL_RE.fullmatch(_format_decimal(value)):
        raise _expected(N_("a non-negative finite amount"), str(value))


@functools.cache
def _field_checkers(cls: type) -> tuple[tuple[str, _Check], ...]:
    hints = get_type_hints(cls)
    out = []
    for field in attrs.fields(cls):
        check = _checker(hints[field.name], field.name)
        if check is not None:
            out.append((field.name, check))
    return tuple(out)


def _run(fields: tuple[tuple[str, _Check], ...], obj: Any) -> None:
    for name, check in fields:
        try:
            check(getattr(obj, name))
        except _Invalid as exc:
            exc.add_note(name)
            raise


def _day(value: ValidTime) -> dt.date:
    """The UTC calendar day of a valid time (a date is its own day)."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).date()
    return value


def contradiction(event: Event) -> tuple[str, str] | None:
    """(field, what is wrong) when the event contradicts itself, else None.

    Only what one event says about itself: an expiry before the event's own date (an
    order expiring before it was issued, an extension or a suspension extended to a
    day already past when it was made), a transfer from an asset into the same asset,
    a request for assistance or a return between a jurisdiction and itself, an
    ownership link to nothing or of a party by itself, a proceeding closed by transfer
    with no jurisdiction to which it went (or a jurisdiction with another outcome). A
    reference to another event that is missing or dated later is not a contradiction
    of the event: the data-quality rules (DQ-*) report those, because the other event
    may still be recorded.
    """
    day = _day(event.occurred_at)
    match event:
        case t.OrderIssued(expires_on=expires) if expires is not None and expires < day:
            return "expires_on", _(
                "the order expires on {expires}, before it was issued "
                "(occurred_at {occurred}); check both dates"
            ).format(expires=expires.isoformat(), occurred=format_time(event.occurred_at))
        case t.OrderExtended(expires_on=expires) if expires < day:
            return "expires_on", _(
                "the extension runs to {expires}, before it was granted "
                "(occurred_at {occurred}); check both dates"
            ).format(expires=expires.isoformat(), occurred=format_time(event.occurred_at))
        case t.FiuPostponementExtended(expires_on=expires) if expires < day:
            return "expires_on", _(
                "the suspension is extended to {expires}, before the extension "
                "was made (occurred_at {occurred}); check both dates"
            ).format(expires=expires.isoformat(), occurred=format_time(event.occurred_at))
        case t.TransferDetected() if event.to_asset_id == event.from_asset_id:
            return "to_asset_id", _(
                "the transfer moves value from asset {asset} into the same asset; give the "
                "receiving asset, or leave to_asset_id out if it is not known"
            ).format(asset=event.from_asset_id)
        case t.MlaRequestSent() if event.requested_jurisdiction == event.requesting_jurisdiction:
            return "requested_jurisdiction", _(
                "a request for assistance from {jurisdiction} to itself; "
                "name the jurisdiction asked"
            ).format(jurisdiction=event.requesting_jurisdiction)
        case t.AssetReturned() if event.to_jurisdiction == event.from_jurisdiction:
            return "to_jurisdiction", _(
                "a return from {jurisdiction} to itself; name the jurisdiction the asset went to"
            ).format(jurisdiction=event.from_jurisdiction)
        case t.OwnershipLinked() if event.owned_id is None and event.asset_id is None:
            return "owned_id", _(
                "the link names neither owned_id (an entity) nor asset_id; give one"
            )
        case t.OwnershipLinked() if event.owned_id == event.owner_id:
            return "owned_id", _("{owner} is linked to itself; check owner_id and owned_id").format(
                owner=event.owner_id
            )
        case t.ProceedingClosed(outcome="transferred") if event.transferred_to_jurisdiction is None:
            return "transferred_to_jurisdiction", _(
                "is required when the outcome is transferred: the jurisdiction that took "
                "the proceeding over"
            )
        case t.ProceedingClosed() if (
            event.outcome != "transferred" and event.transferred_to_jurisdiction is not None
        ):
            return "transferred_to_jurisdiction", _(
                "is given, but the outcome is {outcome}, not transferred; "
                "leave it out or correct the outcome"
            ).format(outcome=event.outcome)
    return None


def check_event(event: Event, *, source: str = "<event>") -> None:
    """Hold an event built in Python (not decoded) to the input policy: the supported
    range, the code lists, the characters of ids and text, bounded integers, and no
    contradiction of the event with itself (:func:`contradiction`).

    The log calls this on every event it is about to store, so that an application
    that builds events itself cannot store one that the codec would refuse, that one
    backend keeps and another refuses (NUL), or that would break a replay later.
    Types are the caller's (mypy's) business; this checks values only, field by field,
    and raises EventFormatError naming the first bad field.
    """
    try:
        cls: type = type(event)
        _run(_field_checkers(cls), event)
    except _Invalid as exc:
        notes = [n for n in getattr(exc, "__notes__", []) if isinstance(n, str)]
        path = ".".join(reversed(notes)).replace(".[", "[")
        raise EventFormatError([Problem(source, None, path, str(exc))]) from None
    wrong = contradiction(event)
    if wrong is not None:
        raise EventFormatError([Problem(source, None, *wrong)])


def encode_event(event: Event) -> dict[str, Any]:
    """The event as a JSON-ready dict, `type` included, absent optionals omitted."""
    if type(event) not in _EVENT_CLASSES:
        raise InvalidArgument(
            f"encode_event: event must be one of comity's events, got {type(event).__name__}"
            "; make one from a dict with comity.decode_event"
        )
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
    if isinstance(exc, _Invalid):
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
            _("expected a JSON object (one event per line), got {value}").format(value=_show(obj)),
        )
    tag = obj.get("type")
    if tag is None:
        raise fail("type", _("is required; one of {types}").format(types=", ".join(EVENT_TYPES)))
    if not isinstance(tag, str) or tag not in EVENT_TYPES:
        raise fail(
            "type",
            _("unknown event type {value}; expected one of {types}").format(
                value=_show(tag), types=", ".join(EVENT_TYPES)
            ),
        )
    try:
        conv = _stored_converter if stored else _converter
        event: Event = conv.structure(obj, Event)  # type: ignore[arg-type]
    except (ClassValidationError, ForbiddenExtraKeysError, _Invalid) as exc:
        pairs = _flatten(exc, "")
        raise EventFormatError([Problem(source, line, p, m) for p, m in pairs]) from None
    if not stored:
        # What a store accepted stays readable (as for the rest of the input policy).
        wrong = contradiction(event)
        if wrong is not None:
            raise fail(*wrong)
    return event


_ORJSON_CANONICAL = (
    orjson.OPT_SORT_KEYS
    | orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_SUBCLASS
)


def canonical_json(data: Mapping[str, Any]) -> str:
    """Sorted keys, no whitespace, UTF-8 text: the form that is hashed and stored.

    The json module's `dumps(sort_keys=True, separators=(",", ":"),
    ensure_ascii=False)`, which the log has always stored, written by orjson (the
    json module was a fifth of ingest time). The two agree byte for byte on what
    events are made of: text (every code point, escapes included), integers, booleans,
    null, lists and objects (tested over all of Unicode and by property); what orjson
    will not write (an integer beyond 64 bits, a date object) goes to the json module.
    Floats, which no event holds, could differ: `canonical_json_strict` checks bodies
    that come from elsewhere.
    """
    try:
        return orjson.dumps(data, option=_ORJSON_CANONICAL).decode()
    except TypeError:
        return canonical_json_strict(data)


def canonical_json_strict(data: Mapping[str, Any]) -> str:
    """The canonical form exactly as the json module writes it, floats included."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
