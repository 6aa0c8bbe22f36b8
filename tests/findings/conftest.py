"""Fixtures for the findings store's tests: one store factory per backend (SQLite
file, PostgreSQL schema), a clock the tests move by hand, and the comparison with a
full replay at the store's cut that every test ends with."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from comity.engine import replay_log
from comity.events import EventLog, open_log
from comity.findings import FindingsStore
from comity.rules import RulePack, load_pack
from pgtest import PgDatabase, pg_database  # noqa: F401 - the session's PostgreSQL database

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


class Clock:
    """Real time as the tests decide it."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture(scope="session")
def pack() -> RulePack:
    return load_pack()


_dirs = itertools.count(1)


@pytest.fixture
def new_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], str]]:
    """`new_store()` gives the URL of a fresh, initialised log in this test's backend."""
    backend = request.param if hasattr(request, "param") else "sqlite"
    made: list[EventLog] = []
    database: PgDatabase | None = (
        request.getfixturevalue("pg_database") if backend == "postgres" else None
    )

    def make() -> str:
        if database is not None:
            url = database.new_url()
        else:
            url = f"sqlite:///{tempfile.mkdtemp(dir=tmp_path)}/comity.db"
        made.append(open_log(url))
        return url

    yield make
    for log in made:
        log.close()


def replay_document(log: EventLog, pack: RulePack, store: FindingsStore) -> tuple[Any, Any]:
    """(the store's cases, a full replay's cases) at the store's cut."""
    cut, cases = store.case_results()
    mine = list(cases)
    theirs = [r.to_json() for r in replay_log(log, pack, as_of=cut.as_of, known_at=cut.known_at)]
    return mine, theirs


def folded_history(store: FindingsStore, generation: int) -> dict[str, str]:
    """What the history says each finding is now: its last change, minus withdrawn."""
    held: dict[str, str] = {}
    for change in store.history(generation=generation):
        if change.change == "withdrawn":
            held.pop(change.finding_id, None)
        else:
            held[change.finding_id] = json.dumps(change.data, sort_keys=True)
    return held


def current_rows(store: FindingsStore) -> dict[str, str]:
    _, found = store.findings()
    return {f.finding_id: json.dumps(f.to_json(), sort_keys=True) for f in found}


def lapse_case(case_id: str = "L-1") -> list[Any]:
    """A freeze on A1 (PA) ordered on 8 March 2019, expiring on 6 September 2019."""
    from comity.events import EVENT_TYPES

    def make(n: int, tag: str, when: dt.date, **fields: Any) -> Any:
        return EVENT_TYPES[tag](
            event_id=f"{case_id}-e{n:02d}", case_id=case_id, occurred_at=when, **fields
        )

    return [
        make(
            1,
            "case_opened",
            dt.date(2019, 2, 11),
            lead_jurisdiction="PA",
            offences=("money_laundering",),
        ),
        make(
            2,
            "asset_located",
            dt.date(2019, 3, 1),
            asset_id="A1",
            jurisdiction="PA",
            asset_type="bank_account",
        ),
        make(
            3,
            "order_issued",
            dt.date(2019, 3, 8),
            order_id="O1",
            order_type="freeze",
            issuing_jurisdiction="PA",
            asset_ids=("A1",),
            expires_on=dt.date(2019, 9, 6),
        ),
    ]
