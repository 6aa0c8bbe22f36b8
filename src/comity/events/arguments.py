"""Checks of what a caller of the library passes, each refusing with one clear error.

A case system that embeds comity passes Python values, not text: a mistake there (a
dict where an event belongs, the text "2024-12-31" where a date does, a naive
datetime where an instant does) would otherwise surface deep inside as an
AttributeError or, worse, as a silent wrong answer: a naive datetime read in the
host's time zone moves a `known_at` cut-off by hours, and a case id passed as a
string where a list of ids belongs is taken letter by letter. Every public entry point
checks its arguments here first and raises :class:`comity.errors.InvalidArgument`
(exit 3 from the CLI; a ValueError and a TypeError), naming the call, the argument,
what it was given and what to pass instead.

The checks look only at types and time zones; what a value means (a date in the
supported range, a known case) is the codec's and the engine's to say.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from comity.errors import InvalidArgument
from comity.events.store.records import StoredEvent, format_recorded_at
from comity.events.types import EVENT_TYPES, Event, ValidTime

__all__ = [
    "case_id",
    "case_ids",
    "cutoff",
    "described",
    "event_batch",
    "expected_seq",
    "instant",
    "stored_event",
    "stored_events",
    "valid_time",
]

_EVENT_CLASSES = tuple(EVENT_TYPES.values())

#: How an event is made from data, for the messages that refuse something else.
_HOW_EVENTS = "comity.decode_event(dict) or comity.parse_jsonl(file opened 'rb')"


def described(value: Any) -> str:
    """A short description of a wrong value for a message: its type, and for plain
    values the value itself (shortened), e.g. `the str '2024-12-31'`, `a dict`."""
    if value is None:
        return "None"
    kind = type(value).__name__
    if isinstance(value, dt.datetime) and value.utcoffset() is None:
        return f"the naive datetime {value.isoformat()}"
    if isinstance(value, dt.date):
        return f"the {kind} {value.isoformat()}"
    if isinstance(value, str | bytes | int | float):
        shown = repr(value)
        if len(shown) > 40:
            shown = shown[:36] + " ..."
        return f"the {kind} {shown}"
    article = "an" if kind[:1].lower() in "aeiou" else "a"
    return f"{article} {kind}"


def _refuse(call: str, name: str, wanted: str, value: Any, hint: str = "") -> InvalidArgument:
    text = f"{call}: {name} must be {wanted}, got {described(value)}"
    return InvalidArgument(f"{text}; {hint}" if hint else text)


def _items(call: str, name: str, values: Any, wanted: str) -> list[Any]:
    """`values` as a list, refusing what is not a collection of items: a single item,
    text or bytes (which iterate as characters), a mapping (which iterates as keys)."""
    if isinstance(values, str | bytes | bytearray | Mapping) or not isinstance(values, Iterable):
        raise _refuse(call, name, f"an iterable of {wanted}", values)
    return list(values)


def event_batch(events: Any, *, call: str = "append") -> list[Event]:
    """The events of an append, each one of comity's event classes."""
    if isinstance(events, _EVENT_CLASSES):
        raise _refuse(call, "events", "an iterable of events", events, "pass [event]")
    batch = _items(call, "events", events, "events")
    for number, event in enumerate(batch, start=1):
        if not isinstance(event, _EVENT_CLASSES):
            hint = "make events with " + _HOW_EVENTS
            if isinstance(event, StoredEvent):
                hint = "a stored event is already in a log; append its .event to copy it"
            raise _refuse(call, f"events[{number - 1}]", "an event", event, hint)
    return batch


def expected_seq(value: Any, *, call: str = "append") -> int | Mapping[str, int] | None:
    """An append's `expected_seq`: None, a whole number, or a mapping of case id to one."""
    if value is None or _whole(value):
        return value  # type: ignore[no-any-return]
    if isinstance(value, Mapping):
        for case, seq in value.items():
            if not isinstance(case, str) or not _whole(seq):
                raise _refuse(
                    call,
                    "expected_seq",
                    "a mapping of case id (str) to last seq (int)",
                    value,
                    f"the entry for {case!r} is {described(seq)}",
                )
        return value
    raise _refuse(call, "expected_seq", "None, an int, or a mapping of case id to int", value)


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def instant(value: Any, *, call: str, name: str = "known_at") -> dt.datetime | None:
    """An instant in record time (`known_at`): None, or a datetime with a time zone."""
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        hint = "parse text with datetime.fromisoformat" if isinstance(value, str) else ""
        if isinstance(value, dt.date):
            hint = "an instant is a datetime; for the end of a day give 23:59:59 UTC"
        raise _refuse(call, name, "a datetime with a time zone (UTC)", value, hint)
    if value.tzinfo is None or value.utcoffset() is None:
        raise _refuse(
            call,
            name,
            "a datetime with a time zone (UTC)",
            value,
            "a naive datetime would be read in this machine's time zone; pass tzinfo=datetime.UTC",
        )
    return value


def cutoff(known_at: Any, *, call: str) -> str:
    """`known_at` (checked by `instant`) as the record-time text the stores compare."""
    checked = instant(known_at, call=call)
    assert checked is not None, "a read without known_at has no cut-off"
    return format_recorded_at(checked)


def valid_time(value: Any, *, call: str, name: str = "as_of") -> ValidTime:
    """A point in valid time (`as_of`): a date (its end), or a datetime with a time zone."""
    if isinstance(value, dt.datetime):
        checked = instant(value, call=call, name=name)
        assert checked is not None
        return checked
    if isinstance(value, dt.date):
        return value
    hint = "parse text with datetime.date.fromisoformat" if isinstance(value, str) else ""
    raise _refuse(call, name, "a date or a datetime with a time zone (UTC)", value, hint)


def stored_event(value: Any, *, call: str, name: str = "stored") -> StoredEvent:
    """An event as a log returned it (with its seq and position), not a bare event."""
    if isinstance(value, StoredEvent):
        return value
    hint = ""
    if isinstance(value, _EVENT_CLASSES):
        hint = "append it to the log first and pass what append returned (its .stored)"
    raise _refuse(call, name, "a stored event (from a log's append or read)", value, hint)


def stored_events(values: Any, *, call: str, name: str = "events") -> list[StoredEvent]:
    """Stored events (a case as `read_case` returns it), each checked by `stored_event`."""
    items = _items(call, name, values, "stored events")
    for number, item in enumerate(items):
        stored_event(item, call=call, name=f"{name}[{number}]")
    return items


def case_id(value: Any, *, call: str, name: str = "case_id") -> str:
    """A case id: text (what `read_case` and every event's `case_id` hold)."""
    if not isinstance(value, str):
        raise _refuse(call, name, "a case id (str)", value)
    return value


def case_ids(values: Any, *, call: str, name: str = "cases") -> list[str]:
    """Several case ids; one id passed alone (a str) is refused, not read letter by letter."""
    if isinstance(values, str):
        raise _refuse(call, name, "a list of case ids", values, f"pass [{values!r}]")
    items = _items(call, name, values, "case ids")
    for number, item in enumerate(items):
        case_id(item, call=call, name=f"{name}[{number}]")
    return items
