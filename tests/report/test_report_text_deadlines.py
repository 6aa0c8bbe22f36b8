"""The open deadlines across cases: which are listed, in which order, and the table."""

from __future__ import annotations

import datetime as dt

from comity.engine import CaseResult, replay_log
from comity.events import EventLog
from comity.events.codec import format_time
from comity.report import ReplayAt, deadlines_lines, running_deadlines
from comity.report.deadlines import breach_instant, horizon
from comity.rules import RulePack


def test_horizon_is_counted_from_the_end_of_as_of() -> None:
    assert horizon(dt.date(2021, 12, 22), 0) == "2021-12-23T00:00:00Z"
    assert horizon(dt.date(2021, 12, 22), 13) == "2022-01-05T00:00:00Z"
    instant = dt.datetime(2021, 12, 22, 15, 30, tzinfo=dt.UTC)
    assert horizon(instant, 1) == "2021-12-23T15:30:00Z"
    assert breach_instant("2022-01-05") == "2022-01-05T00:00:00Z"
    assert breach_instant("2022-01-05T10:00:00Z") == "2022-01-05T10:00:00Z"


def test_running_deadlines_within(results: list[CaseResult]) -> None:
    as_of = dt.date(2021, 12, 22)
    (deadline,) = running_deadlines(results, as_of)
    assert deadline.breach_at == dt.date(2022, 1, 5)
    # Breached at 2022-01-05T00:00Z: kept within 13 days of the end of as_of, not 12.
    assert running_deadlines(results, as_of, 13) == [deadline]
    assert running_deadlines(results, as_of, 12) == []
    assert running_deadlines([], as_of) == []


def test_running_deadlines_soonest_first_across_cases(log: EventLog, pack: RulePack) -> None:
    as_of = dt.date(2019, 8, 1)
    earlier = list(replay_log(log, pack, as_of=as_of))
    expected = [("PA-2019-0117", dt.date(2019, 9, 6)), ("PA-2019-0042", dt.date(2019, 9, 7))]
    for order in (earlier, earlier[::-1]):
        running = running_deadlines(order, as_of)
        assert [(d.case_id, d.breach_at) for d in running] == expected


def test_the_table(results: list[CaseResult], at: ReplayAt) -> None:
    running = running_deadlines(results, at.as_of)
    lines = list(deadlines_lines(running, at, rulepack="d", origin="built-in", within=30))
    assert lines[:3] == [
        "Open deadlines breached within 30 days as of 2021-12-22, "
        "known at 2099-01-01T00:00:00Z, soonest first",
        "rule pack d (built-in)",
        "",
    ]
    header, row = lines[3:]
    assert header.split() == [
        "due",
        "late",
        "from",
        "when",
        "case",
        "code",
        "ref",
        "rule",
        "period",
    ]
    (d,) = running
    cells = [
        format_time(d.due),
        format_time(d.breach_at),
        "in 13 days",
        d.case_id,
        d.code,
        d.ref,
        d.rule,
    ]
    starts = [header.index(name) for name in ("due", "late from", "when", "case", "code")]
    assert [row.index(c) for c in cells[:5]] == starts
    assert row.split("  ")[0] == format_time(d.due)


def test_no_deadlines_is_one_line(at: ReplayAt) -> None:
    assert list(deadlines_lines([], at, rulepack="d", origin="built-in")) == [
        "No open deadlines as of 2021-12-22, known at 2099-01-01T00:00:00Z."
    ]
    assert list(deadlines_lines([], at, rulepack="d", origin="built-in", within=3)) == [
        "No open deadlines breached within 3 days as of 2021-12-22, known at 2099-01-01T00:00:00Z."
    ]
