"""Stored events as text tables: the whole log, and the events a finding rests on.

The log table has fixed column widths (the longest event type, a full timestamp) so
that it can stream: the first row is printed before the last event is read.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from comity.events import EVENT_TYPES, StoredEvent, format_time
from comity.events.store.records import format_recorded_at
from comity.i18n import pgettext

__all__ = ["event_rows", "log_lines"]

_TYPE_WIDTH = max(len(t) for t in EVENT_TYPES)
_TIME_WIDTH = len("2019-07-24T14:00:00Z")
_RECORDED_WIDTH = len("2019-07-24T14:00:00.000000Z")


def _column_names() -> dict[str, str]:
    """The columns' names in the language being rendered (English: the JSON's fields)."""
    return {
        "position": pgettext("column", "position"),
        "seq": pgettext("column", "seq"),
        "recorded_at": pgettext("column", "recorded_at"),
        "case": pgettext("column", "case"),
        "type": pgettext("column", "type"),
        "occurred_at": pgettext("column", "occurred_at"),
        "event_id": pgettext("column", "event_id"),
    }


def log_lines(
    events: Iterable[StoredEvent], *, last_position: int, case_ids: Iterable[str]
) -> Iterator[str]:
    """A header, then one row per event, in the order given.

    `last_position` (the log's head) and `case_ids` (every case that may appear) fix
    the column widths before the first event is read.
    """
    names = _column_names()
    position_width = max(len(names["position"]), len(str(last_position)))
    case_width = max([len(names["case"]), *(len(c) for c in case_ids)])
    seq_width = max(6, len(names["seq"]))
    type_width = max(_TYPE_WIDTH, len(names["type"]))
    recorded_width = max(_RECORDED_WIDTH, len(names["recorded_at"]))
    time_width = max(_TIME_WIDTH, len(names["occurred_at"]))
    columns = (
        (names["position"], position_width),
        (names["seq"], seq_width),
        (names["recorded_at"], recorded_width),
        (names["case"], case_width),
        (names["type"], type_width),
        (names["occurred_at"], time_width),
    )
    header = [
        name.rjust(width) if index < 2 else name.ljust(width)
        for index, (name, width) in enumerate(columns)
    ]
    yield "  ".join(header) + "  " + names["event_id"]
    for stored in events:
        yield "  ".join(
            (
                str(stored.position).rjust(position_width),
                str(stored.seq).rjust(seq_width),
                format_recorded_at(stored.recorded_at).ljust(recorded_width),
                stored.case_id.ljust(case_width),
                stored.event.type.ljust(type_width),
                format_time(stored.event.occurred_at).ljust(time_width),
                stored.event_id,
            )
        )


def event_rows(events: Sequence[StoredEvent], indent: int) -> Iterator[str]:
    """A few events of one case (at least one), columns as wide as their content."""
    pad = " " * indent
    names = _column_names()
    seq_width = max(len(names["seq"]), *(len(str(s.seq)) for s in events))
    pos_width = max(len(names["position"]), *(len(str(s.position)) for s in events))
    type_width = max(len(names["type"]), *(len(s.event.type) for s in events))
    time_width = max(
        len(names["occurred_at"]), *(len(format_time(s.event.occurred_at)) for s in events)
    )
    recorded_width = max(_RECORDED_WIDTH, len(names["recorded_at"]))
    yield (
        f"{pad}{names['seq'].rjust(seq_width)}  {names['position'].rjust(pos_width)}  "
        f"{names['recorded_at'].ljust(recorded_width)}  {names['type'].ljust(type_width)}  "
        f"{names['occurred_at'].ljust(time_width)}  {names['event_id']}"
    )
    for s in events:
        yield (
            f"{pad}{str(s.seq).rjust(seq_width)}  {str(s.position).rjust(pos_width)}  "
            f"{format_recorded_at(s.recorded_at).ljust(recorded_width)}  "
            f"{s.event.type.ljust(type_width)}  "
            f"{format_time(s.event.occurred_at).ljust(time_width)}  {s.event_id}"
        )
