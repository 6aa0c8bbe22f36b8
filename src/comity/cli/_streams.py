"""Writing reports to stdout as they are produced, and stopping streaming reads early.

Reports are iterators of lines or chunks so that a large store prints as it is read;
`click.echo` flushes on every call, which a million-line log would feel, so lines go
to `sys.stdout` directly and are flushed once.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import IO, Any

from comity.events.text import printable

__all__ = ["close", "write", "write_bytes", "write_lines", "write_text_lines"]


def write_lines(lines: Iterable[str]) -> None:
    """Write line by line without a flush per line (click.echo flushes every call)."""
    out: IO[str] = sys.stdout
    for line in lines:
        out.write(line)
        out.write("\n")
    out.flush()


def write_text_lines(lines: Iterable[str]) -> None:
    """Write a text report for people: ids, names and grounds come from users, and
    a control character among them must not forge a row or reach the terminal as a
    command, so every line is shown with such characters escaped."""
    write_lines(printable(line) for line in lines)


def write(chunks: Iterable[str]) -> None:
    """Write text chunks as they come (a JSON document), flushed at the end."""
    out: IO[str] = sys.stdout
    for chunk in chunks:
        out.write(chunk)
    out.flush()


def write_bytes(data: bytes) -> None:
    """Write a document that is bytes (an iCalendar file keeps its CRLF line ends)."""
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def close(iterator: Iterator[Any]) -> None:
    """Stop a streaming read early (a generator, or a backend's cursor) if it can be."""
    stop = getattr(iterator, "close", None)
    if stop is not None:
        stop()
