"""Parallel replay: cases partitioned over worker processes give what one process gives."""

from __future__ import annotations

import datetime as dt
import pickle
from collections.abc import Iterator
from pathlib import Path

import pytest

from comity.engine import replay_log
from comity.engine.parallel import _chunks, replay_log_parallel
from comity.errors import ChainBroken, StoreError, StoreUnavailable
from comity.events import CaseOpened, EventLog, open_log, parse_jsonl
from comity.events._memory import MemoryLog
from comity.rules import RulePack
from many_cases import many_cases_jsonl
from pgtest import PgDatabase, pg_database  # noqa: F401 - the session's PostgreSQL database

AS_OF = dt.date(2021, 6, 30)


def fill(log: EventLog, tmp_path: Path) -> None:
    with many_cases_jsonl(tmp_path / "many.jsonl", copies=4).open("rb") as handle:
        log.append(parse_jsonl(handle, source="many.jsonl"))


def as_json(results: Iterator[object]) -> list[object]:
    return [r.to_json() for r in results]  # type: ignore[attr-defined]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'comity.db'}"
    else:
        database: PgDatabase = request.getfixturevalue("pg_database")
        url = database.new_url()
    log = open_log(url, create=True)
    try:
        fill(log, tmp_path)
    finally:
        log.close()
    return url


def test_three_workers_give_what_one_process_gives(store_url: str, pack: RulePack) -> None:
    log = open_log(store_url, create=False)
    try:
        serial = as_json(replay_log(log, pack, as_of=AS_OF))
        assert len(serial) >= 12
        parallel = as_json(replay_log_parallel(store_url, as_of=AS_OF, workers=3, pack=pack))
        assert parallel == serial
        some = sorted({r["case_id"] for r in serial})[1::3]  # type: ignore[index]
        chosen = as_json(
            replay_log_parallel(store_url, as_of=AS_OF, cases=some, workers=2, log=log)
        )
        assert chosen == [r for r in serial if r["case_id"] in some]  # type: ignore[index]
        in_process = as_json(replay_log_parallel(store_url, as_of=AS_OF, workers=1))
        assert in_process == serial
    finally:
        log.close()


def test_a_parallel_replay_covers_the_log_as_it_started(tmp_path: Path, pack: RulePack) -> None:
    url = str(tmp_path / "comity.db")
    log = open_log(url, create=True)
    try:
        fill(log, tmp_path)
        before = as_json(replay_log(log, pack, as_of=AS_OF))
        running = replay_log_parallel(url, as_of=AS_OF, workers=2, log=log)
        first = next(running)
        cases = sorted(r["case_id"] for r in before)  # type: ignore[index]
        late = [
            CaseOpened(
                event_id=f"late-{i}",
                case_id=case,
                occurred_at=dt.date(2020, 1, 1),
                lead_jurisdiction="PA",
            )
            for i, case in enumerate(["ZZ-late", cases[-1]])
        ]
        log.append(late)  # after the replay started: not part of it
        assert [first.to_json(), *as_json(running)] == before
    finally:
        log.close()


def test_errors_in_workers_are_raised_in_the_parent(tmp_path: Path) -> None:
    log = MemoryLog()
    fill(log, tmp_path)
    missing = str(tmp_path / "missing.db")  # what the workers are told to open
    with pytest.raises(StoreUnavailable, match=r"missing\.db"):
        list(replay_log_parallel(missing, as_of=AS_OF, workers=2, log=log))


def test_a_memory_store_cannot_be_shared_with_workers() -> None:
    with pytest.raises(StoreError, match="one worker"):
        list(replay_log_parallel("memory:", as_of=AS_OF, workers=2, log=MemoryLog()))
    with pytest.raises(ValueError, match="workers"):
        list(replay_log_parallel("memory:", as_of=AS_OF, workers=0))


def test_comity_errors_survive_the_trip_from_a_worker() -> None:
    # What the executor does to an error raised in a worker: pickle it there, unpickle
    # it here (every comity error is checked so in tests/test_errors.py).
    error = pickle.loads(pickle.dumps(ChainBroken(7, "hash mismatch")))
    assert isinstance(error, ChainBroken)
    assert (error.position, error.reason, error.exit_code) == (7, "hash mismatch", 1)
    assert str(error) == "hash chain broken at position 7: hash mismatch"


@pytest.mark.parametrize(("cases", "workers"), [(0, 3), (1, 3), (5, 3), (12, 3), (200, 4)])
def test_cases_are_partitioned_into_contiguous_chunks(cases: int, workers: int) -> None:
    ids = [f"c{i:04d}" for i in range(cases)]
    chunks = list(_chunks(iter(ids), workers))
    assert [c for chunk in chunks for c in chunk] == ids
    assert all(chunks)
    if 0 < cases <= workers * 16:
        assert len(chunks) == min(cases, workers)  # a small log still uses every worker
