"""The basis of an output: the head of the records known at the cut, found by search."""

from __future__ import annotations

import datetime as dt
import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from comity.audit.basis import Basis, LogHead, covered_head, versions
from comity.events import CaseOpened
from comity.events._memory import MemoryLog
from comity.events.log import GENESIS_HASH

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _log(gaps: list[int]) -> MemoryLog:
    """A log whose record i is recorded `sum(gaps[:i+1])` seconds after T0 (gaps >= 0)."""
    times = iter(T0 + dt.timedelta(seconds=s) for s in itertools.accumulate(gaps))
    log = MemoryLog(clock=lambda: next(times))
    for i in range(len(gaps)):
        log.append(
            [
                CaseOpened(
                    event_id=f"e{i}",
                    case_id=f"c{i % 3}-{i}",
                    occurred_at=dt.date(2020, 1, 1),
                    lead_jurisdiction="PA",
                    offences=("fraud",),
                )
            ]
        )
    return log


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 3), max_size=40), st.integers(-2, 130))
def test_covered_head_is_the_last_record_known(gaps: list[int], at: int) -> None:
    log = _log(gaps)
    known_at = T0 + dt.timedelta(seconds=at)
    expected = [
        r for r in log.raw_records() if r.recorded_at <= known_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    ]
    head = covered_head(log, known_at)
    if expected:
        assert head == LogHead(position=expected[-1].position, hash=expected[-1].hash)
    else:
        assert head == LogHead(position=0, hash=GENESIS_HASH)
    assert covered_head(log).position == len(gaps)


def test_header_names_everything() -> None:
    basis = Basis(
        head=LogHead(position=49, hash="ab" * 32),
        checkpoint={"origin": "o/events", "size": 40, "root": "cm9vdA=="},
        rulepack="d" * 64,
        versions=versions(),
        as_of="2021-12-31",
        known_at="2026-12-02T00:00:00Z",
    )
    text = "\n".join(basis.header_lines())
    assert "as of 2021-12-31, known at 2026-12-02T00:00:00Z" in text
    assert "49 records, head " + "ab" * 32 in text
    assert "o/events at size 40" in text and "covers this head" in text
    assert "durable-rules 2.0.28" in text and "comity " in text
    assert basis.to_json()["log"] == {"size": 49, "position": 49, "hash": "ab" * 32}
