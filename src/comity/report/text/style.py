"""Marks for colour: which stretch of a text line is a severity, for a front end to paint.

The renderers stay free of any terminal library: with `styled`, a severity label is
wrapped in NUL-delimited marks (`\\0critical\\0CRITICAL\\0`). NUL is the one character
no stored text can hold (see :mod:`comity.events.text`), so a mark can never be forged
by a case's data. A front end splits the line with :func:`segments`, escapes each
stretch of text and paints the marked ones (the CLI with click.style); without
`styled` the lines hold no mark at all, byte for byte the plain report.
"""

from __future__ import annotations

__all__ = ["MARK", "has_marks", "paint", "segments"]

MARK = "\x00"


def paint(text: str, severity: str, styled: bool) -> str:
    """`text` marked as being of `severity` when `styled`, else `text` itself."""
    return f"{MARK}{severity}{MARK}{text}{MARK}" if styled else text


def has_marks(line: str) -> bool:
    return MARK in line


def segments(line: str) -> list[tuple[str, str | None]]:
    """The line as (text, severity or None) stretches, in order."""
    parts = line.split(MARK)
    out: list[tuple[str, str | None]] = []
    # parts: plain, severity, marked, plain, severity, marked, plain, ...
    out.append((parts[0], None))
    for n in range(1, len(parts) - 1, 3):
        out.append((parts[n + 1], parts[n]))
        if n + 2 < len(parts):
            out.append((parts[n + 2], None))
    return [(text, sev) for text, sev in out if text]
