"""The input policy for an event built in Python rather than decoded: each field's value
held to what the codec would accept, and no event that contradicts itself.

The log calls `check_event` on every event it is about to store; the checks are
built once per event class (`_field_checkers`), since that runs on every append.
"""

from __future__ import annotations

import datetime as dt
import functools
import types
import weakref
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Union, get_args, get_origin, get_type_hints

import attrs

from comity.errors import EventFormatError, Problem
from comity.events import types as t
from comity.events._values import (
    DECIMAL_RE,
    Invalid,
    check_text,
    check_version,
    expected,
    field_kind,
    format_decimal,
    out_of_bounds,
)
from comity.events.limits import MAX_INTEGER, in_range, in_range_words
from comity.events.time import format_time
from comity.events.types import Event, ValidTime
from comity.i18n import N_
from comity.i18n import gettext as _

__all__ = ["check_event", "contradiction", "held_to_policy"]

#: The events the codec decoded under the input policy, by identity (`id` with the
#: event itself as the value, so that a reused id of a dead event never counts): the
#: log need not check them again. Each check is a few microseconds an event, as much as
#: a third of decoding it, and an HTTP append or `comity ingest` decodes every event
#: just before it stores it. Events are frozen, so what was checked stays checked.
_DECODED: weakref.WeakValueDictionary[int, Event] = weakref.WeakValueDictionary()


def held_to_policy(event: Event) -> None:
    """Remember that `event` was decoded under the input policy (by the codec)."""
    _DECODED[id(event)] = event


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
                check_text(value, kind)

        return text
    if tp is dt.date or tp is dt.datetime:
        return _check_time
    if tp is int:
        if field_kind(name) == "schema_version":
            return check_version
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
                except Invalid as exc:
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


def _check_time(value: Any) -> None:
    if value is None:
        return
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        raise Invalid(
            _("expected a datetime with an offset, got {value}").format(value=value.isoformat())
        )
    if not in_range(value):
        raise expected(in_range_words(), format_time(value))


def _check_bounded(value: Any) -> None:
    if isinstance(value, int) and abs(value) > MAX_INTEGER:
        raise out_of_bounds(value)


def _check_amount(value: Any) -> None:
    if isinstance(value, Decimal) and not DECIMAL_RE.fullmatch(format_decimal(value)):
        raise expected(N_("a non-negative finite amount"), str(value))


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
        except Invalid as exc:
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
    if _DECODED.get(id(event)) is event:
        return  # decoded by the codec, which held it to this same policy
    try:
        cls: type = type(event)
        _run(_field_checkers(cls), event)
    except Invalid as exc:
        notes = [n for n in getattr(exc, "__notes__", []) if isinstance(n, str)]
        path = ".".join(reversed(notes)).replace(".[", "[")
        raise EventFormatError([Problem(source, None, path, str(exc))]) from None
    wrong = contradiction(event)
    if wrong is not None:
        raise EventFormatError([Problem(source, None, *wrong)])
