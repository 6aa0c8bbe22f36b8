"""Writing reports to stdout as they are produced, and stopping streaming reads early.

Reports are iterators of lines or chunks so that a large store prints as it is read;
`click.echo` flushes on every call, which a million-line log would feel, so lines go
to `sys.stdout` directly and are flushed once.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from typing import IO, Any

import click

from comity.events.text import printable
from comity.report.text.style import has_marks, segments

__all__ = [
    "SEVERITY_COLOURS",
    "close",
    "wants_colour",
    "write",
    "write_bytes",
    "write_lines",
    "write_styled_lines",
    "write_text_lines",
]


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


def wants_colour() -> bool:
    """Colour on stdout: on a terminal (click's own detection, which `--color` of a
    CliRunner also drives), never in a pipe, never with NO_COLOR set (no-color.org:
    any non-empty value)."""
    if os.environ.get("NO_COLOR"):
        return False
    ctx = click.get_current_context(silent=True)
    colour = ctx.color if ctx is not None else None
    # Looked up at each call: click.testing.CliRunner(color=...) replaces it.
    strip = click.utils.should_strip_ansi  # type: ignore[attr-defined]
    return not strip(sys.stdout, colour)


#: Severity colours: what cannot wait in red, what should be done soon in yellow.
SEVERITY_COLOURS = {"critical": "red", "warning": "yellow", "info": "cyan"}


def write_styled_lines(lines: Iterable[str], *, styled: bool) -> None:
    """Write a text report rendered with `styled` marks, painting each severity.

    Every stretch of text is escaped as :func:`write_text_lines` does, so that only
    comity's own colour codes reach the terminal."""
    if not styled:
        write_text_lines(lines)
        return
    out: IO[str] = sys.stdout
    for line in lines:
        if not has_marks(line):
            out.write(printable(line))
        else:
            for text, severity in segments(line):
                shown = printable(text)
                if severity is not None:
                    shown = click.style(shown, fg=SEVERITY_COLOURS.get(severity), bold=True)
                out.write(shown)
        out.write("\n")
    out.flush()
