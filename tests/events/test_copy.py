"""`copy_log`: a log copied record for record verifies to the same head, in any backend."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from comity.errors import ChainBroken, StoreError, StoreUnavailable
from comity.events import EventLog, copy_log, open_log, verify_records
from comity.events._memory import MemoryLog
from comity.events._sqlite import SqliteLog
from pgtest import PgDatabase

if TYPE_CHECKING:  # the fixtures' classes (tests/events/conftest.py)
    from events.conftest import EventMaker, LogFactory


def fill(log: EventLog, ev: EventMaker, n: int = 3) -> None:
    for i in range(n):
        log.append([*ev.case(f"c{i}", 3), ev.asset("c0")])


def test_copy_into_and_out_of_every_backend(
    log_factory: LogFactory, ev: EventMaker, tmp_path: Path
) -> None:
    source = SqliteLog(tmp_path / "source.db")
    fill(source, ev)
    middle = log_factory()
    back = MemoryLog()
    try:
        assert copy_log(source, middle).copied == 12
        assert copy_log(middle, back).copied == 12
        assert source.head() == middle.head() == back.head()
        assert list(back.raw_records()) == list(source.raw_records())
        assert verify_records(middle.raw_records()).head == source.head()
    finally:
        source.close()


@pytest.mark.postgres
def test_sqlite_to_postgres_to_sqlite_by_url(
    tmp_path: Path, pg_database: PgDatabase, ev: EventMaker
) -> None:
    pg_url = pg_database.new_url()
    first, last = tmp_path / "first.db", tmp_path / "last.db"
    with_log = SqliteLog(first)
    fill(with_log, ev, 5)
    head = with_log.head()
    with_log.close()
    assert copy_log(str(first), pg_url).head == head
    report = copy_log(pg_url, f"sqlite:///{last}")
    assert (report.copied, report.start, report.head) == (20, 0, head)
    for url in (str(first), pg_url, str(last)):
        log = open_log(url, create=False)
        try:
            assert verify_records(log.raw_records()).head == head
        finally:
            log.close()


def test_copy_again_copies_only_what_is_new(tmp_path: Path, ev: EventMaker) -> None:
    source, target = MemoryLog(), SqliteLog(tmp_path / "copy.db")
    try:
        fill(source, ev, 2)
        assert copy_log(source, target).copied == 8
        assert copy_log(source, target).copied == 0
        source.append([ev.asset("c1"), ev.opened("c9")])
        seen: list[int] = []
        report = copy_log(source, target, chunk=1, progress=seen.append)
        assert (report.copied, report.start) == (2, 8)
        assert seen == [1, 2]
        assert target.head() == source.head()
    finally:
        target.close()


def test_copy_into_a_store_holding_another_log_is_refused(
    ev: EventMaker, new_ev: type[EventMaker]
) -> None:
    source, target = MemoryLog(), MemoryLog()
    fill(source, ev)
    target.append(new_ev().case("own", 2))
    head = target.head()
    with pytest.raises(StoreError, match="not the start of"):
        copy_log(source, target)
    target.append(new_ev().case("more", 20))
    with pytest.raises(StoreError, match="not the start of"):  # longer than the source
        copy_log(source, target)
    assert verify_records(target.raw_records()).records == head.position + 20


def test_a_broken_source_stops_the_copy_keeping_whole_chunks(
    tmp_path: Path, ev: EventMaker
) -> None:
    path = tmp_path / "source.db"
    source = SqliteLog(path)
    fill(source, ev)
    source.close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("DROP TRIGGER events_no_update")
    conn.execute("UPDATE events SET body = replace(body, '2019', '2018') WHERE position = 6")
    conn.close()
    target = MemoryLog()
    with pytest.raises(ChainBroken) as info:
        copy_log(str(path), target, chunk=2)
    assert info.value.position == 6
    assert target.head().position == 4  # the chunks before the bad one


def test_a_missing_source_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailable):
        copy_log(str(tmp_path / "missing.db"), str(tmp_path / "target.db"))
    assert not (tmp_path / "target.db").exists()


def test_chunk_must_be_positive() -> None:
    with pytest.raises(ValueError, match="chunk"):
        copy_log(MemoryLog(), MemoryLog(), chunk=0)


@pytest.mark.postgres
def test_copy_between_two_postgres_schemas(pg_database: PgDatabase, ev: EventMaker) -> None:
    a, b = pg_database.new_url(), pg_database.new_url()
    log = open_log(a, create=True)
    try:
        fill(log, ev, 4)
        assert copy_log(a, b).head == log.head()
    finally:
        log.close()
