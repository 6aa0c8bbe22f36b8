"""Stored events as text tables: the whole log, and the events a finding rests on.

The log table has fixed column widths (the longest event type, a full timestamp) so
that it can stream: the first row is printed before the last event is read.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from comity.events import EVENT_TYPES, StoredEvent, format_time
from comity.events.log import format_recorded_at

__all__ = ["event_rows", "log_lines"]

_TYPE_WIDTH = max(len(t) for t in EVENT_TYPES)
_TIME_WIDTH = len("2019-07-24T14:00:00Z")
_RECORDED_WIDTH = len("2019-07-24T14:00:00.000000Z")


def log_lines(
    events: Iterable[StoredEvent], *, last_position: int, case_ids: Iterable[str]
) -> Iterator[str]:
    """A header, then one row per event, in the order given.

    `last_position` (the log's head) and `case_ids` (every case that may appear) fix
    the column widths before the first event is read.
    """
    position_width = max(len("position"), len(str(last_position)))
    case_width = max([len("case"), *(len(c) for c in case_ids)])
    seq_width = 6
    columns = (
        ("position", position_width),
        ("seq", seq_width),
        ("recorded_at", _RECORDED_WIDTH),
        ("case", case_width),
        ("type", _TYPE_WIDTH),
        ("occurred_at", _TIME_WIDTH),
    )
    header = [
        name.rjust(width) if index < 2 else name.ljust(width)
        for index, (name, width) in enumerate(columns)
    ]
    yield "  ".join(header) + "  event_id"
    for stored in events:
        yield "  ".join(
            (
                str(stored.position).rjust(position_width),
                str(stored.seq).rjust(seq_width),
                format_recorded_at(stored.recorded_at),
                stored.case_id.ljust(case_width),
                stored.event.type.ljust(_TYPE_WIDTH),
                format_time(stored.event.occurred_at).ljust(_TIME_WIDTH),
                stored.event_id,
            )
        )


def event_rows(events: Sequence[StoredEvent], indent: int) -> Iterator[str]:
    """A few events of one case (at least one), columns as wide as their content."""
    pad = " " * indent
    seq_width = max(len("seq"), *(len(str(s.seq)) for s in events))
    pos_width = max(len("position"), *(len(str(s.position)) for s in events))
    type_width = max(len("type"), *(len(s.event.type) for s in events))
    time_width = max(len("occurred_at"), *(len(format_time(s.event.occurred_at)) for s in events))
    yield (
        f"{pad}{'seq'.rjust(seq_width)}  {'position'.rjust(pos_width)}  "
        f"{'recorded_at'.ljust(_RECORDED_WIDTH)}  {'type'.ljust(type_width)}  "
        f"{'occurred_at'.ljust(time_width)}  event_id"
    )
    for s in events:
        yield (
            f"{pad}{str(s.seq).rjust(seq_width)}  {str(s.position).rjust(pos_width)}  "
            f"{format_recorded_at(s.recorded_at)}  {s.event.type.ljust(type_width)}  "
            f"{format_time(s.event.occurred_at).ljust(time_width)}  {s.event_id}"
        )
