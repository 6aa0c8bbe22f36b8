"""Reading events from JSON Lines, with one problem per bad line.

A file is all or nothing: every line is checked before anything is appended, and every
problem is reported (not just the first), so a user fixes a file in one pass.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from typing import Any

from comity.errors import EventFormatError, InvalidArgument, Problem
from comity.events.codec import decode_event
from comity.events.json_input import JsonInputError, loads_user_json
from comity.events.store.records import ENVELOPE_FIELDS
from comity.events.types import Event
from comity.i18n import gettext as _

__all__ = ["MAX_LINE_BYTES", "parse_jsonl", "parse_one", "parse_values"]

#: Longest accepted line. An event is a few hundred bytes; a megabyte is a broken file.
MAX_LINE_BYTES = 1 << 20
#: Stop collecting after this many problems: the first screenful is what a user reads.
MAX_PROBLEMS = 100


_ENVELOPE = frozenset(ENVELOPE_FIELDS)


def parse_one(data: Any, *, source: str, line: int | None) -> Event:
    """One decoded JSON value to an event; the log's own fields are refused."""
    if isinstance(data, dict) and not _ENVELOPE.isdisjoint(data):
        envelope = [k for k in ENVELOPE_FIELDS if k in data]
        if envelope:
            raise EventFormatError(
                [
                    Problem(
                        source,
                        line,
                        name,
                        _(
                            "is set by the log, not by the writer; remove it "
                            "(to copy a log with its envelope use `comity copy`)"
                        ),
                    )
                    for name in envelope
                ]
            )
    return decode_event(data, source=source, line=line)


#: What parse_jsonl reads, for the messages that refuse something else.
_READS = "byte lines: a file opened with open(path, 'rb'), or io.BytesIO(data)"


def _lines(chunks: Iterable[bytes]) -> Iterator[tuple[int, bytes]]:
    """The numbered lines of `chunks`, each checked to be bytes: text would be decoded
    twice over (and its UTF-8 check skipped), so it is refused, not guessed at."""
    if isinstance(chunks, io.TextIOBase):
        raise InvalidArgument(f"parse_jsonl: lines is a text stream; it reads {_READS}")
    if isinstance(chunks, str | bytes | bytearray) or not isinstance(chunks, Iterable):
        raise InvalidArgument(
            f"parse_jsonl: lines must be an iterable of {_READS}; got {type(chunks).__name__}"
        )
    for number, raw in enumerate(chunks, start=1):
        if not isinstance(raw, bytes | bytearray):
            raise InvalidArgument(
                f"parse_jsonl: line {number} is {type(raw).__name__}, not bytes; it reads {_READS}"
            )
        yield number, bytes(raw)


def parse_jsonl(lines: Iterable[bytes], *, source: str) -> list[Event]:
    """Parse a whole JSON Lines input (raw byte lines); raise EventFormatError on any problem."""
    problems: list[Problem] = []
    batch = _Batch(source, problems)
    events = batch.events
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
                    _("line is {size} bytes; at most {max} allowed").format(
                        size=len(raw), max=MAX_LINE_BYTES
                    ),
                )
            )
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            problems.append(
                Problem(
                    source,
                    number,
                    "",
                    _("not UTF-8 (byte {n}); save the file as UTF-8").format(n=exc.start + 1),
                )
            )
            continue
        text = text.rstrip("\r\n")
        if number == 1:
            text = text.removeprefix("\ufeff")
        if not text.strip():
            problems.append(
                Problem(source, number, "", _("blank line; JSON Lines has one event on every line"))
            )
            continue
        try:
            data = loads_user_json(text)
        except JsonInputError as exc:
            problems.append(Problem(source, number, "", str(exc)))
            continue
        batch.add(number, data)
    if count == 0:
        problems.append(Problem(source, None, "", _("empty input: no events to append")))
    if problems:
        raise EventFormatError(problems)
    return events


class _Batch:
    """Events decoded one value at a time, with every problem kept (each event_id once)."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        self.events: list[Event] = []
        self._first: dict[str, int] = {}

    def add(self, number: int, data: Any) -> None:
        try:
            event = parse_one(data, source=self.source, line=number)
        except EventFormatError as exc:
            self.problems.extend(exc.problems)
            return
        if event.event_id in self._first:
            self.problems.append(
                Problem(
                    self.source,
                    number,
                    "event_id",
                    _(
                        "{event} already appears on line {line}; every event needs its own event_id"
                    ).format(event=repr(event.event_id), line=self._first[event.event_id]),
                )
            )
            return
        self._first[event.event_id] = number
        self.events.append(event)


def parse_values(values: Iterable[Any], *, source: str) -> list[Event]:
    """Decoded JSON values (the items of a JSON array) to events, numbered from 1 as
    lines are, with the checks and messages of `parse_jsonl`."""
    problems: list[Problem] = []
    batch = _Batch(source, problems)
    count = 0
    for number, data in enumerate(values, start=1):
        count = number
        if len(problems) >= MAX_PROBLEMS:
            break
        batch.add(number, data)
    if count == 0:
        problems.append(Problem(source, None, "", _("empty input: no events to append")))
    if problems:
        raise EventFormatError(problems)
    return batch.events
