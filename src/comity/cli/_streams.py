"""Writing reports to stdout as they are produced, and stopping streaming reads early.

Reports are iterators of lines or chunks so that a large store prints as it is read;
`click.echo` flushes on every call, which a million-line log would feel, so lines go
to `sys.stdout` directly and are flushed once.

While a command's output is being recorded (:mod:`comity.cli._disclose`), the same
functions write into a :class:`Capture` instead: a spooled temporary file (memory
first, disk past a few megabytes, so a large replay never sits whole in memory) that
is hashed, recorded, and only then copied to stdout. Captured text is UTF-8.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import IO, Any

import click

from comity.events.text import printable
from comity.report.text.style import has_marks, segments

__all__ = [
    "SEVERITY_COLOURS",
    "Capture",
    "capturing",
    "close",
    "terminal_width",
    "wants_colour",
    "write",
    "write_bytes",
    "write_lines",
    "write_styled_lines",
    "write_text_lines",
]


class Capture:
    """The bytes a command would have written to stdout, held until recorded."""

    #: Past this many bytes the capture moves from memory to a temporary file.
    SPOOL_BYTES = 8 << 20

    def __init__(self) -> None:
        self.binary: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=self.SPOOL_BYTES)  # noqa: SIM115
        self.text = io.TextIOWrapper(
            self.binary,
            encoding="utf-8",
            newline="\n",
            write_through=True,
        )

    def chunks(self, size: int = 1 << 16) -> Iterator[bytes]:
        """The captured bytes, from the start, a block at a time."""
        self.text.flush()
        self.binary.seek(0)
        while block := self.binary.read(size):
            yield block

    def digest(self) -> tuple[str, int]:
        """SHA-256 (hex) and length of the captured bytes."""
        h, n = hashlib.sha256(), 0
        for block in self.chunks():
            h.update(block)
            n += len(block)
        return h.hexdigest(), n

    def getvalue(self) -> bytes:
        return b"".join(self.chunks())

    def close(self) -> None:
        self.text.detach()
        self.binary.close()


_CAPTURES: list[Capture] = []


@contextmanager
def capturing(capture: Capture) -> Iterator[Capture]:
    """Send what the write functions below write to `capture` instead of stdout."""
    _CAPTURES.append(capture)
    try:
        yield capture
    finally:
        _CAPTURES.remove(capture)


def _text_out() -> IO[str]:
    return _CAPTURES[-1].text if _CAPTURES else sys.stdout


def write_lines(lines: Iterable[str]) -> None:
    """Write line by line without a flush per line (click.echo flushes every call)."""
    out: IO[str] = _text_out()
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
    out: IO[str] = _text_out()
    for chunk in chunks:
        out.write(chunk)
    out.flush()


def write_bytes(data: bytes) -> None:
    """Write a document that is bytes (an iCalendar file keeps its CRLF line ends)."""
    if _CAPTURES:
        capture = _CAPTURES[-1]
        capture.text.flush()
        capture.binary.write(data)
        return
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


#: The width of a report laid out for a terminal when stdout is none (a pipe, a file):
#: the width every other text report keeps to.
DEFAULT_WIDTH = 100


def terminal_width() -> int:
    """The columns a report laid out for the screen may use: `COLUMNS` when it is set
    (the shell's own override, also for a pipe), else the terminal's width when stdout
    is one, else :data:`DEFAULT_WIDTH`. Asked once per command and recorded with its
    request, so that a reproduced report is laid out the same."""
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    isatty = getattr(sys.stdout, "isatty", None)
    try:
        on_terminal = bool(isatty and isatty())
    except ValueError:  # a closed stream
        on_terminal = False
    if on_terminal:
        return shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns
    return DEFAULT_WIDTH


#: Severity colours: what cannot wait in red, what should be done soon in yellow.
SEVERITY_COLOURS = {"critical": "red", "warning": "yellow", "info": "cyan"}


def write_styled_lines(lines: Iterable[str], *, styled: bool) -> None:
    """Write a text report rendered with `styled` marks, painting each severity.

    Every stretch of text is escaped as :func:`write_text_lines` does, so that only
    comity's own colour codes reach the terminal."""
    if not styled:
        write_text_lines(lines)
        return
    out: IO[str] = _text_out()
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
