"""Real replay results for the report tests: the three example cases in a memory log.

The report functions are pure, so the tests feed them what the engine produced for
the examples and check the text and JSON they return, with no store on disk and no
command line in between.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import comity
from comity.engine import CaseResult
from comity.events import EventLog, StoredEvent
from comity.report import ReplayAt
from comity.rules import RulePack

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.jsonl"))
AS_OF = dt.date(2021, 12, 22)
KNOWN_AT = dt.datetime(2099, 1, 1, tzinfo=dt.UTC)


@pytest.fixture(scope="session")
def pack() -> RulePack:
    return comity.load_pack()


@pytest.fixture(scope="session")
def log() -> EventLog:
    log = comity.open_log("memory:")
    for path in EXAMPLES:
        with path.open("rb") as handle:
            log.append(comity.parse_jsonl(handle, source=str(path)))
    return log


@pytest.fixture(scope="session")
def at() -> ReplayAt:
    return ReplayAt(AS_OF, KNOWN_AT)


@pytest.fixture(scope="session")
def results(log: EventLog, pack: RulePack, at: ReplayAt) -> list[CaseResult]:
    return list(comity.replay_log(log, pack, as_of=at.as_of, known_at=at.known_at))


@pytest.fixture(scope="session")
def stored(log: EventLog) -> list[StoredEvent]:
    return list(log.read())
