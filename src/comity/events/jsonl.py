"""Reading events from JSON Lines, with one problem per bad line.

A file is all or nothing: every line is checked before anything is appended, and every
problem is reported (not just the first), so a user fixes a file in one pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from comity.errors import EventFormatError, Problem
from comity.events.codec import decode_event
from comity.events.json_input import JsonInputError, loads_user_json
from comity.events.log import ENVELOPE_FIELDS
from comity.events.types import Event

__all__ = ["MAX_LINE_BYTES", "parse_jsonl", "parse_one"]

#: Longest accepted line. An event is a few hundred bytes; a megabyte is a broken file.
MAX_LINE_BYTES = 1 << 20
#: Stop collecting after this many problems: the first screenful is what a user reads.
MAX_PROBLEMS = 100


def parse_one(data: Any, *, source: str, line: int | None) -> Event:
    """One decoded JSON value to an event; the log's own fields are refused."""
    if isinstance(data, dict):
        envelope = [k for k in ENVELOPE_FIELDS if k in data]
        if envelope:
            raise EventFormatError(
                [
                    Problem(
                        source,
                        line,
                        name,
                        "is set by the log, not by the writer; remove it "
                        "(to copy a log with its envelope use `comity copy`)",
                    )
                    for name in envelope
                ]
            )
    return decode_event(data, source=source, line=line)


def _lines(chunks: Iterable[bytes]) -> Iterator[tuple[int, bytes]]:
    yield from enumerate(chunks, start=1)


def parse_jsonl(lines: Iterable[bytes], *, source: str) -> list[Event]:
    """Parse a whole JSON Lines input (raw byte lines); raise EventFormatError on any problem."""
    events: list[Event] = []
    problems: list[Problem] = []
    first_line: dict[str, int] = {}
    count = 0
    for number, raw in _lines(lines):
        count = number
        if len(problems) >= MAX_PROBLEMS:
            break
        if len(raw) > MAX_LINE_BYTES:
            problems.append(
                Problem(
                    source,
                    number,
                    "",
                    f"line is {len(raw)} bytes; at most {MAX_LINE_BYTES} allowed",
                )
            )
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            problems.append(
                Problem(
                    source, number, "", f"not UTF-8 (byte {exc.start + 1}); save the file as UTF-8"
                )
            )
            continue
        text = text.rstrip("\r\n")
        if number == 1:
            text = text.removeprefix("\ufeff")
        if not text.strip():
            problems.append(
                Problem(source, number, "", "blank line; JSON Lines has one event on every line")
            )
            continue
        try:
            data = loads_user_json(text)
        except JsonInputError as exc:
            problems.append(Problem(source, number, "", str(exc)))
            continue
        try:
            event = parse_one(data, source=source, line=number)
        except EventFormatError as exc:
            problems.extend(exc.problems)
            continue
        if event.event_id in first_line:
            problems.append(
                Problem(
                    source,
                    number,
                    "event_id",
                    f"{event.event_id!r} already appears on line {first_line[event.event_id]}; "
                    "every event needs its own event_id",
                )
            )
            continue
        first_line[event.event_id] = number
        events.append(event)
    if count == 0:
        problems.append(Problem(source, None, "", "empty input: no events to append"))
    if problems:
        raise EventFormatError(problems)
    return events
