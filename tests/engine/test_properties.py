"""Properties of replay over random but valid case logs (tests/strategies.py).

- the same log replayed in two processes with different hash seeds prints the same
  bytes;
- a CaseSession fed the events one at a time, in append order (late events included),
  ends where a full replay of the same events ends, and agrees with it at every step;
- when valid times differ, the order events were appended in does not matter;
- a replay from the SQLite store equals one from the in-memory store.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import strategies
from comity.engine import CaseResult, CaseSession, replay_case, replay_log
from comity.events import Event, encode_event, open_log
from comity.events.log import EventLog, StoredEvent
from comity.rules import RulePack

PROPERTY = settings(max_examples=30, deadline=None)


def _valid_day(event: Event) -> dt.date:
    when = event.occurred_at
    return when.date() if isinstance(when, dt.datetime) else when


@st.composite
def as_of_for(draw: st.DrawFn, events: list[Event]) -> dt.date | dt.datetime:
    """A date or an instant from the first event to two months after the last."""
    days = sorted(_valid_day(e) for e in events)
    day = days[0] + dt.timedelta(days=draw(st.integers(0, (days[-1] - days[0]).days + 60)))
    if draw(st.booleans()):
        return day
    return dt.datetime.combine(day, dt.time(draw(st.integers(0, 23))), dt.UTC)


def _instant(when: dt.date | dt.datetime) -> dt.datetime:
    if isinstance(when, dt.datetime):
        return when
    return dt.datetime.combine(when, dt.time(0), dt.UTC)


def _limit(as_of: dt.date | dt.datetime) -> dt.datetime:
    if isinstance(as_of, dt.datetime):
        return as_of
    return dt.datetime.combine(as_of, dt.time(23, 59, 59), dt.UTC)


def _fill(log: EventLog, events: Iterable[Event]) -> EventLog:
    for event in events:  # one append each: seq follows the order given
        log.append([event])
    return log


def _dump(results: Iterable[CaseResult]) -> str:
    return json.dumps([r.to_json() for r in results], sort_keys=True)


def _by_case(log: EventLog) -> dict[str, list[StoredEvent]]:
    return {case_id: list(log.read_case(case_id)) for case_id in log.case_ids()}


# --------------------------------------------------------------------- processes

_REPLAY_FILE = textwrap.dedent(
    """
    import datetime as dt, json, sys
    from comity.engine import replay_log
    from comity.events import open_log, parse_jsonl
    from comity.rules import load_pack
    log = open_log("memory:")
    with open(sys.argv[1], "rb") as lines:
        for event in parse_jsonl(lines, source=sys.argv[1]):
            log.append([event])
    as_of = dt.date.fromisoformat(sys.argv[2])
    results = replay_log(log, load_pack(), as_of=as_of)
    sys.stdout.write(json.dumps([r.to_json() for r in results], sort_keys=True))
    """
)


@pytest.mark.parametrize("seed", [1, 2])
def test_byte_identical_across_processes_and_hash_seeds(
    seed: int, tmp_path: Path, pack: RulePack
) -> None:
    """Thirty random cases, replayed in two interpreters with different
    PYTHONHASHSEED, print the same bytes, and the same as this process."""
    events = strategies.random_case_log(random.Random(seed), cases=30, prefix=f"S{seed}-")
    path = tmp_path / "log.jsonl"
    path.write_text(
        "".join(json.dumps(encode_event(e), ensure_ascii=False) + "\n" for e in events),
        encoding="utf-8",
    )
    as_of = "2022-06-30"
    outputs = []
    for hash_seed in ("0", "4242"):
        run = subprocess.run(
            [sys.executable, "-c", _REPLAY_FILE, str(path), as_of],
            capture_output=True,
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
            timeout=300,
            check=False,
        )
        assert run.returncode == 0, run.stderr.decode()[-3000:]
        outputs.append(run.stdout)
    assert outputs[0] == outputs[1]
    here = _dump(replay_log(_fill(open_log("memory:"), events), pack, as_of=dt.date(2022, 6, 30)))
    assert outputs[0].decode("utf-8") == here
    assert json.loads(here)  # not vacuous: the cases have findings
    assert any(r["findings"] for r in json.loads(here))


# --------------------------------------------------------------------- incremental


@PROPERTY
@given(data=st.data(), events=strategies.case_logs(cases=1, max_late=4))
def test_incremental_equals_full_replay(pack: RulePack, data: Any, events: list[Event]) -> None:
    """Apply the events of one case one at a time, in the order they were appended
    (late ones rebuild the run), then advance to `as_of`: the result is the full
    replay of the same events. After every step, the session agrees with a full
    replay as of its clock."""
    as_of = data.draw(as_of_for(events), label="as_of")
    (stored,) = _by_case(_fill(open_log("memory:"), events)).values()
    full = replay_case(stored, pack, as_of=as_of)
    with CaseSession(pack, "K0") as session:
        applied: list[StoredEvent] = []
        for record in stored:
            if _instant(record.event.occurred_at) > _limit(as_of):
                continue  # a replay as of `as_of` does not see it either
            session.apply(record)
            applied.append(record)
            clock = dt.datetime.fromisoformat(session.clock.replace("Z", "+00:00"))
            assert session.result() == replay_case(applied, pack, as_of=clock, case_id="K0")
        session.advance(as_of)
        assert session.result().to_json() == full.to_json()


# --------------------------------------------------------------------- append order


@PROPERTY
@given(data=st.data(), events=strategies.case_logs(cases=2, distinct_times=True, max_late=0))
def test_append_order_does_not_matter(pack: RulePack, data: Any, events: list[Event]) -> None:
    """With distinct valid times, any append order (so any seq) gives the same answer."""
    shuffled = data.draw(st.permutations(events), label="append order")
    as_of = data.draw(as_of_for(events), label="as_of")
    first = _dump(replay_log(_fill(open_log("memory:"), events), pack, as_of=as_of))
    second = _dump(replay_log(_fill(open_log("memory:"), shuffled), pack, as_of=as_of))
    assert first == second


# --------------------------------------------------------------------- stores


@PROPERTY
@given(data=st.data(), events=strategies.case_logs(cases=2))
def test_sqlite_store_equals_memory_store(pack: RulePack, data: Any, events: list[Event]) -> None:
    as_of = data.draw(as_of_for(events), label="as_of")
    memory = _dump(replay_log(_fill(open_log("memory:"), events), pack, as_of=as_of))
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = open_log(str(Path(tmp) / "x.db"), create=True)
        try:
            stored = _dump(replay_log(_fill(sqlite, events), pack, as_of=as_of))
        finally:
            sqlite.close()
    assert stored == memory
