"""`follow`: every stored event in position order, then each new one, on every backend.

The appends happen inside the `stop` callback, which `follow` calls after each round of
reading: a deterministic way to interleave writes with a follower on one thread (an
SQLite log object belongs to its thread). A second test appends from another thread
through a log object of its own, as a separate writer would.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from comity.errors import ChainBroken
from comity.events import Event, EventLog, StoredEvent
from comity.events._sqlite import SqliteLog
from comity.events.follow import follow

if TYPE_CHECKING:  # the fixtures' classes (tests/events/conftest.py)
    from events.conftest import EventMaker


def test_follow_yields_what_is_stored_then_what_arrives(log: EventLog, ev: EventMaker) -> None:
    log.append(ev.case("c1", 3))
    script: list[list[Event]] = [ev.case("c2", 2), [], [ev.asset("c1")], ev.case("c3", 4)]

    def stop() -> bool:
        if script:
            log.append(script.pop(0))
            return False
        return True

    seen = list(follow(log, poll_interval=0, stop=stop))
    assert [s.position for s in seen] == list(range(1, 11))
    assert seen == list(log.read())


def test_follow_after_a_position_and_for_one_case(log: EventLog, ev: EventMaker) -> None:
    log.append([*ev.case("c1", 3), *ev.case("c2", 3), ev.asset("c1")])
    assert [s.position for s in follow(log, after=4, stop=lambda: True)] == [5, 6, 7]
    mine = list(follow(log, case_id="c1", stop=lambda: True))
    assert [(s.case_id, s.seq) for s in mine] == [("c1", 1), ("c1", 2), ("c1", 3), ("c1", 4)]
    assert list(follow(log, after=99, stop=lambda: True)) == []


def test_follow_waits_between_rounds(log: EventLog, ev: EventMaker) -> None:
    log.append([ev.opened("c1")])
    rounds: list[float] = []

    def stop() -> bool:
        rounds.append(time.monotonic())
        return len(rounds) == 3

    assert len(list(follow(log, poll_interval=0.05, stop=stop))) == 1
    assert rounds[-1] - rounds[0] >= 0.04  # (PostgreSQL skips the first wait: see follow)


def test_follow_refuses_a_negative_interval(log: EventLog) -> None:
    with pytest.raises(ValueError, match="poll_interval"):
        next(follow(log, poll_interval=-1))


class _Gappy:
    """A log that skips a position: what no backend may ever show a follower."""

    url = "gappy:"

    def __init__(self, events: list[StoredEvent]) -> None:
        self._events = events

    def read(self, *, after: int = 0, **_: object) -> Iterator[StoredEvent]:
        yield from (s for s in self._events if s.position > after and s.position != 2)


def test_follow_refuses_a_gap(log: EventLog, ev: EventMaker) -> None:
    stored = list(log.append(ev.case("c1", 3)).stored)
    gappy = _Gappy(stored)
    following = follow(gappy, stop=lambda: True)  # type: ignore[arg-type]
    assert next(following).position == 1
    with pytest.raises(ChainBroken) as info:
        next(following)
    assert info.value.position == 2


def test_follow_an_sqlite_file_another_writer_appends_to(tmp_path: Path, ev: EventMaker) -> None:
    path = tmp_path / "comity.db"
    SqliteLog(path).close()
    total = 40

    def writer() -> None:
        log = SqliteLog(path)
        try:
            for i in range(total):
                log.append([ev.opened(f"c{i}")])
                time.sleep(0.002)
        finally:
            log.close()

    follower = SqliteLog(path)
    thread = threading.Thread(target=writer)
    thread.start()
    deadline = time.monotonic() + 60
    seen = []

    def late() -> bool:
        return time.monotonic() > deadline

    try:
        for stored in follow(follower, poll_interval=0.01, stop=late):
            seen.append(stored.position)
            if len(seen) == total:
                break
    finally:
        thread.join()
        follower.close()
    assert seen == list(range(1, total + 1))
    assert time.monotonic() < deadline  # it ended on the last event, not on the deadline
