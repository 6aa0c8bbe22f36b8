"""Fixtures for the findings store's tests: the rule pack, and one store factory per
backend (an SQLite file, a PostgreSQL schema); helpers live in tests/findings_cases.py."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from comity.events import EventLog, open_log
from comity.rules import RulePack, load_pack
from pgtest import PgDatabase, pg_database  # noqa: F401 - the session's PostgreSQL database

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def pack() -> RulePack:
    return load_pack()


@pytest.fixture(params=BACKENDS)
def new_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], str]]:
    """`new_store()` gives the URL of a fresh, initialised log in this test's backend."""
    backend = request.param
    made: list[EventLog] = []
    database: PgDatabase | None = (
        request.getfixturevalue("pg_database") if backend == "postgres" else None
    )

    def make() -> str:
        if database is not None:
            url = database.new_url()
        else:
            url = f"sqlite:///{tempfile.mkdtemp(dir=tmp_path)}/comity.db"
        made.append(open_log(url, create=True))
        return url

    yield make
    for log in made:
        log.close()
