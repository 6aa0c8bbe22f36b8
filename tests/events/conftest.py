"""Fixtures for the log's tests: a deterministic clock, event builders, and one factory
per backend so that the contract suite runs unchanged against each of them.

To add a backend (PostgreSQL), add a param to BACKENDS and a branch to `_open` and
`raw_refusal`; no test changes.
"""

from __future__ import annotations

import datetime as dt
import itertools
import sqlite3
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest

from comity.events import AssetLocated, CaseOpened, Event, EventLog, Money, TransferDetected
from comity.events._memory import MemoryLog
from comity.events._postgres import PostgresLog
from comity.events._sqlite import SqliteLog
from pgtest import PgDatabase, pg_database  # noqa: F401 - the session's PostgreSQL database

T0 = dt.datetime(2024, 3, 1, 9, 0, tzinfo=dt.UTC)


class FakeClock:
    """Returns `now`, then moves it on by `step`; `set` moves it anywhere, even back."""

    def __init__(self, start: dt.datetime = T0, step: dt.timedelta = dt.timedelta(seconds=1)):
        self.start = self.now = start
        self.step = step
        self.calls = 0

    def __call__(self) -> dt.datetime:
        value = self.now
        self.now += self.step
        self.calls += 1
        return value

    def set(self, value: dt.datetime) -> None:
        self.now = value


class EventMaker:
    """Valid v1 events with fresh ids: `ev.opened("c1")`, `ev.asset("c1")`, ..."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)

    def _id(self, case_id: str) -> str:
        return f"{case_id}-ev{next(self._ids)}"

    def opened(self, case_id: str, event_id: str | None = None, **kw: Any) -> CaseOpened:
        fields: dict[str, Any] = {
            "occurred_at": dt.date(2019, 7, 24),
            "lead_jurisdiction": "PA",
            "offences": ("money_laundering",),
        }
        fields.update(kw)
        return CaseOpened(event_id=event_id or self._id(case_id), case_id=case_id, **fields)

    def asset(self, case_id: str, event_id: str | None = None, **kw: Any) -> AssetLocated:
        fields: dict[str, Any] = {
            "occurred_at": dt.date(2019, 8, 1),
            "asset_id": "acct-1",
            "asset_type": "bank_account",
            "jurisdiction": "CH",
            "value": Money(amount=Decimal("150000.00"), currency="USD"),
            "description": "Compte courant, Genève",  # non-ASCII survives storage
        }
        fields.update(kw)
        return AssetLocated(event_id=event_id or self._id(case_id), case_id=case_id, **fields)

    def transfer(self, case_id: str, event_id: str | None = None, **kw: Any) -> TransferDetected:
        fields: dict[str, Any] = {
            "occurred_at": dt.datetime(2019, 8, 2, 14, 0, tzinfo=dt.UTC),
            "transfer_id": "tr-1",
            "from_asset_id": "acct-1",
            "from_jurisdiction": "CH",
            "to_jurisdiction": "PA",
            "amount": Money(amount=Decimal("1000.50"), currency="USD"),
        }
        fields.update(kw)
        return TransferDetected(event_id=event_id or self._id(case_id), case_id=case_id, **fields)

    def case(self, case_id: str, n: int) -> list[Event]:
        """A case of `n` events: opened, then alternating assets and transfers."""
        out: list[Event] = [self.opened(case_id)]
        for i in range(1, n):
            out.append(self.asset(case_id) if i % 2 else self.transfer(case_id))
        return out


BACKENDS = [
    "memory",
    "sqlite",
    pytest.param("postgres", marks=pytest.mark.postgres),
]


class LogFactory:
    """Makes fresh, empty logs of one backend, and closes them after the test."""

    def __init__(self, kind: str, tmp_path: Path, pg: PgDatabase | None = None) -> None:
        self.kind = kind
        self._tmp = tmp_path
        self._pg = pg
        self._made: list[EventLog] = []

    def __call__(self, *, clock: Callable[[], dt.datetime] | None = None) -> EventLog:
        log = self._open(clock or FakeClock())
        self._made.append(log)
        return log

    def _open(self, clock: Callable[[], dt.datetime]) -> EventLog:
        if self.kind == "memory":
            return MemoryLog(clock=clock)
        if self.kind == "sqlite":
            return SqliteLog(self._tmp / f"store-{len(self._made)}.db", clock=clock)
        if self.kind == "postgres":
            assert self._pg is not None
            return PostgresLog(self._pg.new_url(), clock=clock)  # a fresh schema each
        raise AssertionError(f"unknown backend {self.kind}")

    def raw_refusal(self, log: EventLog, statement: str) -> str | None:
        """Run raw SQL against the store behind `log`, bypassing comity; return the
        store's refusal message, or None if it accepted the statement."""
        if self.kind == "sqlite":
            assert isinstance(log, SqliteLog)
            conn = sqlite3.connect(log.path, isolation_level=None)
            try:
                conn.execute(statement)
            except sqlite3.Error as exc:
                return str(exc)
            finally:
                conn.close()
            return None
        if self.kind == "postgres":
            assert isinstance(log, PostgresLog)
            with psycopg.connect(log.url, autocommit=True) as pg:
                try:
                    pg.execute(statement)
                except psycopg.Error as exc:
                    return str(exc)
            return None
        pytest.skip(f"the {self.kind} backend has no SQL to bypass the API with")

    def close_all(self) -> None:
        for log in self._made:
            log.close()


@pytest.fixture(params=BACKENDS)
def log_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LogFactory]:
    pg = request.getfixturevalue("pg_database") if request.param == "postgres" else None
    factory = LogFactory(request.param, tmp_path, pg)
    yield factory
    factory.close_all()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def log(log_factory: LogFactory, clock: FakeClock) -> EventLog:
    """A fresh, empty log of the backend under test, on the `clock` fixture."""
    return log_factory(clock=clock)


@pytest.fixture
def ev() -> EventMaker:
    return EventMaker()


@pytest.fixture
def new_clock() -> type[FakeClock]:
    """The FakeClock class, for tests that need more than one clock."""
    return FakeClock


@pytest.fixture
def new_ev() -> type[EventMaker]:
    """The EventMaker class, for tests that need a second, independent id sequence."""
    return EventMaker
