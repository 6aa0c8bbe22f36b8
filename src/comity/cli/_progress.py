"""A progress bar on stderr for long replays and catch-ups, on a terminal only.

click.progressbar draws and throttles the bar; this module only decides whether
there is one. Never in a pipe or a log file (stderr not a terminal): scripts and CI
logs read the same lines as before. Not while the report itself goes to the same
terminal either: its lines would be written through the bar, and a report that
streams case by case shows its own progress. So the bar is there when stderr is a
terminal and stdout is redirected (`comity replay > report.txt`), and for
`comity watch --once`, which writes nothing to stdout.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import IO, Any, TypeVar

import click

__all__ = ["EventsBar", "counted", "on_terminal", "wants_bar"]

_T = TypeVar("_T")


def on_terminal(stream: IO[str]) -> bool:
    """Whether `stream` is an interactive terminal."""
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


def wants_bar(*, writes_stdout: bool = True) -> bool:
    """Whether a bar would help and stay out of the way (see the module's docstring)."""
    if not on_terminal(sys.stderr):
        return False
    return not (writes_stdout and on_terminal(sys.stdout))


def counted(items: Iterable[_T], total: int, label: str) -> Iterator[_T]:
    """The same items, with a bar on stderr that counts them (when :func:`wants_bar`)."""
    if total < 2 or not wants_bar():
        yield from items
        return
    with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
        for item in items:
            yield item
            bar.update(1)


class EventsBar:
    """A bar of events caught up with (`comity watch`), made at the first report, when
    the total is known; :meth:`close` ends its line."""

    def __init__(self, label: str) -> None:
        self.label = label
        self._bar: Any = None
        self._pos = 0

    def show(self, done: int, total: int) -> None:
        if self._bar is None:
            self._bar = click.progressbar(length=max(total, 1), label=self.label, file=sys.stderr)
            self._bar.__enter__()
        self._bar.update(max(0, done - self._pos))
        self._pos = max(self._pos, done)

    def close(self) -> None:
        if self._bar is not None:
            bar, self._bar = self._bar, None
            bar.__exit__(None, None, None)
