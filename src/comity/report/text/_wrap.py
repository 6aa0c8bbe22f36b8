"""Line breaking for the text reports: 100 columns, never inside a word or a citation.

Legal citations (`Reg. (EU) 2018/1805 art. 9(1)`) and identifiers are useless broken
in two, so words are never split and a list of citations breaks between items only.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

__all__ = ["WIDTH", "wrap", "wrap_items"]

WIDTH = 100


def wrap(text: str, indent: int, first: str = "", *, width: int = WIDTH) -> list[str]:
    """`text` in lines of at most `width`, indented, `first` before the first line only."""
    pad = " " * indent
    return textwrap.wrap(
        text,
        width=width,
        initial_indent=pad + first,
        subsequent_indent=pad + " " * len(first),
        break_long_words=False,
        break_on_hyphens=False,
    ) or [pad + first.rstrip()]


def wrap_items(
    items: Sequence[str], indent: int, first: str = "", *, width: int = WIDTH
) -> list[str]:
    """Items joined by `; `, broken between items only (a citation stays on one line)."""
    lines: list[str] = []
    current = " " * indent + first
    start = len(current)
    for n, item in enumerate(items):
        text = item + (";" if n < len(items) - 1 else "")
        if len(current) > start and len(current) + 1 + len(text) > width:
            lines.append(current)
            current = " " * start + text
        else:
            current += (" " if len(current) > start else "") + text
        if len(current) > width:
            # One item longer than a line (a policy's description, not a citation):
            # broken between words, its continuation indented like the items.
            broken = textwrap.wrap(
                current[start:],
                width=width - start,
                break_long_words=False,
                break_on_hyphens=False,
            )
            lines.append(current[:start] + broken[0])
            lines.extend(" " * start + part for part in broken[1:-1])
            current = " " * start + broken[-1]
    lines.append(current)
    return lines
