"""Replay through the public API: findings' contract, dates, resolution, bitemporality.

Everything here goes through `comity.engine` (replay_case, replay_log, CaseSession) and
`comity.rules.load_pack`, as an embedding case system would.
"""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from comity.engine import (
    CaseResult,
    CaseSession,
    Citation,
    CountedPeriod,
    Finding,
    OpenDeadline,
    StatedLastDay,
    replay_case,
    replay_log,
)
from comity.events import Event
from comity.events._memory import MemoryLog
from comity.rules import RulePack, load_pack
from engine_cases import Case, D, T, store_events

#: The finding's fields, in their order (docs/cli.md, "A finding").
CONTRACT_FIELDS = [
    "finding_id",
    "case_id",
    "category",
    "code",
    "rule",
    "rulepack",
    "severity",
    "title",
    "message",
    "jurisdictions",
    "assets",
    "due",
    "raised_at",
    "resolved_at",
    "resolved_by",
    "because",
    "legal_basis",
]
#: Added fields (section 6: "fields may be added, not renamed"), present only where
#: they apply: a deadline's counting, and the breach that superseded a warning.
OPTIONAL_FIELDS = {"deadline", "superseded_by"}


def _one(result: CaseResult, rule: str) -> Finding:
    found = [f for f in result.findings if f.rule == rule]
    assert len(found) == 1, [(f.rule, f.raised_at) for f in result.findings]
    return found[0]


def _rules(result: CaseResult) -> list[str]:
    return sorted(f.rule for f in result.findings)


# --------------------------------------------------------------------- a worked case


def _panama() -> Case:
    """A freeze in Panama, value moved out of it to the US, an account in Switzerland,
    a request to Switzerland, an extension, and a confiscation."""
    c = Case("PA-1")
    c.opened(D(2019, 2, 11), lead="PA")  # e01
    c.asset(D(2019, 3, 1), "A1", "PA")  # e02
    c.order(D(2019, 3, 8), "O1", "PA", ["A1"], expires_on=D(2019, 9, 6))  # e03
    c.asset(D(2019, 3, 12), "A3", "CH")  # e04
    c.transfer(D(2019, 4, 1), "T1", "A1", "PA", "US", to_asset="A4")  # e05
    c.request(D(2019, 4, 10), "R1", "PA", "CH", ["A3"])  # e06
    c.extended(D(2019, 9, 2), "O1", D(2020, 3, 6))  # e07
    return c


@pytest.fixture
def panama(pack: RulePack) -> CaseResult:
    return replay_case(store_events(_panama().events)["PA-1"], pack, as_of=D(2019, 12, 31))


def test_findings_have_exactly_the_contract_fields(panama: CaseResult, pack: RulePack) -> None:
    assert panama.findings
    for finding in panama.findings:
        doc = finding.to_json()
        assert list(doc)[: len(CONTRACT_FIELDS)] == CONTRACT_FIELDS
        assert set(doc) - set(CONTRACT_FIELDS) <= OPTIONAL_FIELDS
        assert doc["case_id"] == "PA-1"
        assert doc["category"] in ("overlap", "deadline", "next_step", "data_quality")
        assert doc["severity"] in ("info", "warning", "critical")
        assert doc["rulepack"] == pack.digest
        if doc["category"] == "data_quality":  # a check of the records cites no law
            assert doc["legal_basis"] == []
        else:
            assert doc["legal_basis"] and all(
                {"instrument", "article", "reference"} <= set(b) for b in doc["legal_basis"]
            )
        assert isinstance(doc["jurisdictions"], list) and isinstance(doc["assets"], list)
        if doc["category"] == "deadline":
            assert doc["due"] is not None and "deadline" in doc
        json.dumps(doc)  # plain JSON all the way down


def test_because_and_resolution_name_event_ids(panama: CaseResult) -> None:
    """`because` lists the events a finding rests on; a later event that answers an
    overlap or a next step resolves it, and the finding says when and by what."""
    moved = _one(panama, "OV-005")
    assert moved.code == "frozen_asset_moved"
    assert moved.because == ("PA-1-e03", "PA-1-e05")  # the freeze and the transfer
    assert moved.raised_at == D(2019, 4, 1)
    assert moved.jurisdictions == ("PA", "US") and "A1" in moved.assets

    abroad = [f for f in panama.findings if f.rule in ("OV-001", "NS-001")]
    assert sorted(f.code for f in abroad) == ["asset_abroad", "send_mla_request"]
    for finding in abroad:
        assert finding.because == ("PA-1-e04",)
        assert finding.raised_at == D(2019, 3, 12)
        assert finding.resolved_at == D(2019, 4, 10)
        assert finding.resolved_by == ("PA-1-e06",)

    warning = _one(panama, "NS-003")  # extend_order, 14 days before the lapse
    assert (warning.raised_at, warning.due) == (D(2019, 8, 24), D(2019, 9, 6))
    assert (warning.resolved_at, warning.resolved_by) == (D(2019, 9, 2), ("PA-1-e07",))
    assert "DL-001" not in _rules(panama)  # the extension came in time


def test_finding_ids_are_stable(panama: CaseResult, pack: RulePack) -> None:
    """A finding's id is its rule and the events it matched: the same in another
    replay, and unchanged when later events are added to the case."""
    again = replay_case(store_events(_panama().events)["PA-1"], pack, as_of=D(2019, 12, 31))
    assert [f.finding_id for f in again.findings] == [f.finding_id for f in panama.findings]
    assert len({f.finding_id for f in panama.findings}) == len(panama.findings)

    longer = _panama()
    longer.asset(D(2019, 10, 1), "A9", "PA")
    later = replay_case(store_events(longer.events)["PA-1"], pack, as_of=D(2019, 12, 31))
    assert {f.finding_id: f.rule for f in panama.findings}.items() <= {
        f.finding_id: f.rule for f in later.findings
    }.items()


def test_findings_are_typed_values_and_hashable(panama: CaseResult, pack: RulePack) -> None:
    """Days and instants are values, the legal bases and a deadline's detail classes:
    a finding hashes, equal findings hash alike, and its JSON is their text."""
    assert len(set(panama.findings)) == len(panama.findings)
    again = replay_case(store_events(_panama().events)["PA-1"], pack, as_of=D(2019, 12, 31))
    assert {hash(f) for f in again.findings} == {hash(f) for f in panama.findings}
    warning = _one(panama, "NS-003")
    assert isinstance(warning.deadline, StatedLastDay)
    assert warning.to_json()["deadline"] == warning.deadline.to_json()
    assert warning.to_json()["due"] == "2019-09-06" and warning.due == D(2019, 9, 6)
    assert all(isinstance(b, Citation) for b in panama.findings[0].legal_basis)

    stored = store_events(_urgent_freezing(T(2021, 3, 1, 10, 30)).events)["EU-1"]
    (running,) = replay_case(stored, pack, as_of=T(2021, 3, 2)).open_deadlines
    assert isinstance(running.detail, CountedPeriod)
    assert running.detail.trigger == T(2021, 3, 1, 10, 30)
    assert running.breach_at == T(2021, 3, 3, 11)
    assert running.to_json()["breach_at"] == "2021-03-03T11:00:00Z"
    # The findings store keeps the JSON; reading it back gives the same value.
    assert OpenDeadline.from_json(json.loads(json.dumps(running.to_json()))) == running
    overdue = _one(replay_case(stored, pack, as_of=D(2021, 4, 1)), "DL-002")
    assert overdue.legal_basis[-1] == running.detail.source


def test_rulepack_is_the_pack_digest(tmp_path: Path, pack: RulePack) -> None:
    """Every finding carries the digest of the pack that produced it; one changed
    parameter (a user's warning window) gives another digest."""
    params = tmp_path / "params"
    params.mkdir()
    (params / "policy.toml").write_text(
        textwrap.dedent(
            """
            format = 1
            [policy.extend_order_warning_days]
            title = "Raise extend_order this many calendar days before a lapse"
            unit = "calendar_days"
            counting.trigger_counts = false
            counting.roll_forward = false
            reference.instrument = "comity policy"
            reference.article = "next_step extend_order"
            reference.address = "docs/parameters.md#policy-settings"
            [[policy.extend_order_warning_days.values]]
            from = 1900-01-01
            amount = 30
            confidence = "policy"
            """
        ),
        encoding="utf-8",
    )
    user = load_pack(tmp_path)
    assert user.digest != pack.digest
    stored = store_events(_panama().events)["PA-1"]
    result = replay_case(stored, user, as_of=D(2019, 12, 31))
    assert {f.rulepack for f in result.findings} == {user.digest}
    assert _one(result, "NS-003").raised_at == D(2019, 8, 8)  # 30 days before the lapse


# --------------------------------------------------------------------- time


def _lapse() -> Case:
    c = Case("L-1")
    c.opened(D(2019, 2, 11), lead="PA")
    c.asset(D(2019, 3, 1), "A1", "PA")
    c.order(D(2019, 3, 8), "O1", "PA", ["A1"], expires_on=D(2019, 9, 6))
    c.asset(D(2019, 12, 1), "A2", "PA")  # the next event comes long after the lapse
    return c


def test_a_breach_is_dated_at_the_breach(pack: RulePack) -> None:
    """A period in days lapses at the start of the day after its last day, whatever
    the date of the next event; before that it is an open deadline."""
    stored = store_events(_lapse().events)["L-1"]
    lapsed = _one(replay_case(stored, pack, as_of=D(2020, 1, 31)), "DL-001")
    assert (lapsed.code, lapsed.due, lapsed.raised_at) == (
        "order_expired",
        D(2019, 9, 6),
        D(2019, 9, 7),
    )
    assert lapsed.because == ("L-1-e03",)
    assert lapsed.resolved_at is None

    on_last_day = replay_case(stored, pack, as_of=D(2019, 9, 6))
    assert "DL-001" not in _rules(on_last_day)
    (running,) = on_last_day.open_deadlines
    assert (running.rule, running.ref, running.due, running.breach_at) == (
        "DL-001",
        "O1",
        D(2019, 9, 6),
        D(2019, 9, 7),
    )
    assert running.because == ("L-1-e03",)

    day_after = replay_case(stored, pack, as_of=D(2019, 9, 7))
    assert _one(day_after, "DL-001").raised_at == D(2019, 9, 7)
    assert day_after.open_deadlines == ()


def _urgent_freezing(receipt: dt.datetime, answer: dt.datetime | None = None) -> Case:
    """An urgent EU freezing certificate (Reg. 2018/1805 art. 9(3): decide within 48 h)."""
    c = Case("EU-1")
    c.opened(D(2021, 2, 1), lead="FR")
    c.asset(D(2021, 2, 2), "A1", "DE")
    c.request(D(2021, 2, 26), "R1", "FR", "DE", ["A1"], instrument="EU-2018/1805", urgent=True)
    c.received(receipt, "R1")
    if answer is not None:
        c.answered(answer, "R1")
    return c


def test_a_period_in_hours_breaches_at_the_instant(pack: RulePack) -> None:
    """48 hours from a receipt at 10:30 count from the next full hour, 11:00: the
    request is late from 11:00:00 two days later, to the second."""
    stored = store_events(_urgent_freezing(T(2021, 3, 1, 10, 30)).events)["EU-1"]
    before = replay_case(stored, pack, as_of=T(2021, 3, 3, 10, 59, 59))
    assert "DL-002" not in _rules(before)
    (running,) = before.open_deadlines
    assert (running.rule, running.ref, running.breach_at) == (
        "DL-002",
        "R1",
        T(2021, 3, 3, 11, 0),
    )

    at = replay_case(stored, pack, as_of=T(2021, 3, 3, 11, 0, 0))
    overdue = _one(at, "DL-002")
    assert overdue.code == "response_overdue"
    assert overdue.raised_at == T(2021, 3, 3, 11, 0)
    assert overdue.because == ("EU-1-e03", "EU-1-e04")
    assert isinstance(overdue.deadline, CountedPeriod)
    assert overdue.deadline.unit == "hours" and overdue.deadline.value == 48
    assert at.open_deadlines == ()


def test_an_answer_in_time_meets_the_deadline(pack: RulePack) -> None:
    case = _urgent_freezing(T(2021, 3, 1, 10, 30), answer=T(2021, 3, 3, 10, 59))
    result = replay_case(store_events(case.events)["EU-1"], pack, as_of=D(2021, 4, 1))
    assert "DL-002" not in _rules(result)
    assert result.open_deadlines == ()


def test_a_missed_deadline_stays_missed(pack: RulePack) -> None:
    """The act that comes late (an answer after 48 hours, an extension after the
    lapse) does not resolve the breach."""
    late_answer = _urgent_freezing(T(2021, 3, 1, 10, 30), answer=T(2021, 3, 4, 9, 0))
    result = replay_case(store_events(late_answer.events)["EU-1"], pack, as_of=D(2021, 4, 1))
    overdue = _one(result, "DL-002")
    assert (overdue.resolved_at, overdue.resolved_by) == (None, None)

    late_extension = _lapse()
    late_extension.extended(D(2019, 9, 20), "O1", D(2020, 3, 6))
    stored = store_events(late_extension.events)["L-1"]
    result = replay_case(stored, pack, as_of=D(2020, 6, 1))
    (lapsed,) = [f for f in result.findings if f.rule == "DL-001" and f.due == D(2019, 9, 6)]
    assert (lapsed.raised_at, lapsed.resolved_at, lapsed.resolved_by) == (D(2019, 9, 7), None, None)


def test_events_after_as_of_are_ignored(pack: RulePack) -> None:
    """A replay as of a day sees only what had happened by the end of that day."""
    full = store_events(_panama().events)["PA-1"]
    as_of = D(2019, 4, 5)
    early = replay_case(full, pack, as_of=as_of)
    known = [s for s in full if s.event.occurred_at <= as_of]
    assert early == replay_case(known, pack, as_of=as_of)
    abroad = _one(early, "OV-001")
    assert (abroad.resolved_at, abroad.resolved_by) == (None, None)  # R1 is on 10 April
    assert all(f.to_json()["raised_at"] <= "2019-04-05" for f in early.findings)


def test_case_id_is_kept_when_every_event_is_after_as_of(pack: RulePack) -> None:
    """Found by the incremental-replay property: with no event on or before `as_of`
    the result used to carry an empty case id."""
    result = replay_case(store_events(_panama().events)["PA-1"], pack, as_of=D(2018, 1, 1))
    assert (result.case_id, result.findings, result.open_deadlines) == ("PA-1", (), ())


def test_open_deadlines_follow_extensions_and_lifts(pack: RulePack) -> None:
    c = Case("O-1")
    c.opened(D(2019, 1, 2), lead="CH")
    c.asset(D(2019, 1, 3), "A1", "CH")
    c.order(D(2019, 1, 10), "O1", "CH", ["A1"], expires_on=D(2019, 6, 30))
    c.order(D(2019, 1, 11), "O2", "CH", ["A1"], order_type="seizure", expires_on=D(2019, 5, 31))
    stored = store_events(c.events)["O-1"]
    first = replay_case(stored, pack, as_of=D(2019, 2, 1))
    assert [(d.ref, d.due, d.breach_at) for d in first.open_deadlines] == [
        ("O2", D(2019, 5, 31), D(2019, 6, 1)),
        ("O1", D(2019, 6, 30), D(2019, 7, 1)),
    ]
    assert all(d.code == "order_expired" for d in first.open_deadlines)
    assert first.open_deadlines[0].to_json()["ref"] == "O2"

    c.extended(D(2019, 3, 1), "O1", D(2019, 12, 31))
    c.lifted(D(2019, 3, 2), "O2")
    later = replay_case(store_events(c.events)["O-1"], pack, as_of=D(2019, 4, 1))
    assert [(d.ref, d.due) for d in later.open_deadlines] == [("O1", D(2019, 12, 31))]
    assert "DL-001" not in _rules(later)


# --------------------------------------------------------------------- record time


class _Clock:
    """Record time for a MemoryLog: whatever `now` is set to."""

    def __init__(self) -> None:
        self.now = T(2019, 1, 1)

    def __call__(self) -> dt.datetime:
        return self.now


def _reported_late() -> MemoryLog:
    clock = _Clock()
    log = MemoryLog(clock=clock)
    c = Case("B-1")
    steps: list[tuple[dt.datetime, Callable[[], Event]]] = [
        (T(2019, 3, 1, 9), lambda: c.opened(D(2019, 3, 1), lead="PA")),
        (T(2019, 3, 2, 9), lambda: c.asset(D(2019, 3, 2), "A1", "PA")),
        (T(2019, 3, 8, 9), lambda: c.order(D(2019, 3, 8), "O1", "PA", ["A1"])),
        # executed on 1 April, reported on 15 May
        (T(2019, 5, 15, 9), lambda: c.transfer(D(2019, 4, 1), "T1", "A1", "PA", "US")),
    ]
    for recorded, make in steps:
        clock.now = recorded
        log.append([make()])
    return log


def test_known_at_and_as_of_are_two_questions(pack: RulePack) -> None:
    """'What did we know on 30 April' and 'what do we know now about 30 April' are
    different replays, each reproducible."""
    log = _reported_late()
    as_of = D(2019, 4, 30)

    def answer(known_at: dt.datetime) -> str:
        results = replay_log(log, pack, as_of=as_of, known_at=known_at)
        return json.dumps([r.to_json() for r in results], sort_keys=True)

    then = answer(T(2019, 4, 30, 23, 59, 59))
    now = answer(T(2019, 6, 1))
    assert then != now
    assert then == answer(T(2019, 4, 30, 23, 59, 59))
    assert now == answer(T(2019, 6, 1))

    (then_result,) = replay_log(log, pack, as_of=as_of, known_at=T(2019, 4, 30, 23, 59, 59))
    (now_result,) = replay_log(log, pack, as_of=as_of, known_at=T(2019, 6, 1))
    assert "OV-005" not in _rules(then_result)
    moved = _one(now_result, "OV-005")
    assert moved.raised_at == D(2019, 4, 1)  # dated in valid time, not when reported
    assert moved.because == ("B-1-e03", "B-1-e04")


def test_known_at_before_the_case_existed(pack: RulePack) -> None:
    log = _reported_late()
    assert list(replay_log(log, pack, as_of=D(2019, 4, 30), known_at=T(2019, 2, 1))) == []


# --------------------------------------------------------------------- sessions


def test_case_session_reports_what_changed(pack: RulePack) -> None:
    """Incremental use: each event returns what it raised or resolved; a late event
    (before the clock) rebuilds the case and its findings keep their valid time."""
    c = _panama()
    stored = store_events(c.events)["PA-1"]
    by_id = {s.event_id: s for s in stored}
    with CaseSession(pack, "PA-1") as session:
        for event_id in ["PA-1-e01", "PA-1-e02", "PA-1-e03", "PA-1-e04"]:
            changes = session.apply(by_id[event_id])
        assert sorted(f.rule for f in changes.raised) == ["NS-001", "OV-001"]
        changes = session.apply(by_id["PA-1-e06"])  # the request to CH
        assert sorted(f.rule for f in changes.resolved) == ["NS-001", "OV-001"]
        assert changes.raised == ()
        changes = session.apply(by_id["PA-1-e05"])  # the transfer, reported late
        assert session.clock == "2019-04-10T00:00:00Z"
        raised = {f.rule: f for f in changes.raised}
        assert "OV-005" in raised and raised["OV-005"].raised_at == D(2019, 4, 1)
        session.apply(by_id["PA-1-e07"])
        session.advance(D(2019, 12, 31))
        assert session.result() == replay_case(stored, pack, as_of=D(2019, 12, 31))


def test_changes_add_up_to_the_result(pack: RulePack) -> None:
    """An embedder that keeps the findings a CaseSession reports (raised, resolved,
    and withdrawn if Changes ever says so) holds what the session's result holds.

    Found by the property tests' generator; minimal case: a freeze, value moved out
    of the asset (frozen_asset_moved raised), then, reported late, the lift of the
    freeze dated before the transfer. The final result has no finding, and the late
    lift's Changes must say the finding was withdrawn.
    """
    c = Case("W-1")
    c.opened(D(2022, 1, 24), lead="PA")
    c.asset(D(2022, 1, 31), "A1", "PA")
    c.order(D(2022, 2, 7), "O1", "PA", ["A1"])
    c.transfer(D(2022, 2, 27), "T1", "A1", "PA", "PA")
    c.lifted(D(2022, 2, 19), "O1")  # appended last: a late report
    held: dict[str, Finding] = {}
    with CaseSession(pack, "W-1") as session:
        for record in store_events(c.events)["W-1"]:
            changes = session.apply(record)
            for finding in (*changes.raised, *changes.resolved):
                held[finding.finding_id] = finding
            for finding in changes.withdrawn:
                held.pop(finding.finding_id, None)
        result = session.result()
    assert "OV-005" not in _rules(result)
    assert sorted(held) == sorted(f.finding_id for f in result.findings)


def test_a_resolution_by_a_lapse_is_dated_at_the_lapse(pack: RulePack) -> None:
    """Concurrent orders stop being concurrent when one of them lapses: the overlap is
    resolved at the lapse (1 April), not at the last event before it (10 March), which
    is what a resolution on a tick of the clock used to be dated."""
    c = Case("R-1")
    c.opened(D(2022, 1, 3), lead="FR")
    c.asset(D(2022, 1, 4), "A1", "FR")
    c.order(D(2022, 1, 10), "O1", "FR", ["A1"], order_type="seizure")
    c.order(D(2022, 2, 1), "O2", "CH", ["A1"], expires_on=D(2022, 3, 31))
    c.asset(D(2022, 3, 10), "A2", "FR")  # the last event before the lapse
    c.asset(D(2022, 6, 1), "A3", "FR")
    result = replay_case(store_events(c.events)["R-1"], pack, as_of=D(2022, 7, 1))
    assert _one(result, "DL-001").raised_at == D(2022, 4, 1)
    for rule in ("OV-002", "NS-005"):
        overlap = _one(result, rule)
        assert (overlap.raised_at, overlap.resolved_at) == (D(2022, 2, 1), D(2022, 4, 1))


def test_changes_report_a_resolution_a_late_event_moves(pack: RulePack) -> None:
    """Found by folding Changes over the property tests' generator (4 logs in 600):
    an overlap resolved by a request on 10 March; a request dated 5 March, reported
    late, resolves it earlier. The result says 5 March; the session never said so."""
    c = Case("V-1")
    c.opened(D(2022, 1, 3), lead="FR")
    c.asset(D(2022, 1, 4), "A1", "CH")
    c.request(D(2022, 3, 10), "R1", "FR", "CH", ["A1"])
    c.request(D(2022, 3, 5), "R0", "FR", "CH", ["A1"])  # reported late
    held: dict[str, Finding] = {}
    with CaseSession(pack, "V-1") as session:
        for record in store_events(c.events)["V-1"]:
            changes = session.apply(record)
            for finding in (*changes.raised, *changes.resolved, *changes.updated):
                held[finding.finding_id] = finding
            for finding in changes.withdrawn:
                held.pop(finding.finding_id, None)
        result = session.result()
    assert _one(result, "OV-001").resolved_at == D(2022, 3, 5)
    assert held == {f.finding_id: f for f in result.findings}


def test_next_instant_is_when_the_clock_alone_changes_the_result(pack: RulePack) -> None:
    """A watcher moves a session's clock only at `next_instant`: before it nothing
    changes, at it the breach is raised, and a later event still applies in order."""
    c = _lapse()
    stored = store_events(c.events)["L-1"]
    with CaseSession(pack, "L-1") as session:
        for record in stored[:3]:  # opened, asset, the order expiring on 6 September
            session.apply(record)
        # first the warning window before the lapse opens (extend the order) ...
        assert session.next_instant == T(2019, 8, 24)
        assert not session.advance(T(2019, 8, 23, 23, 59, 59))
        warned = session.advance(T(2019, 8, 24))
        assert [f.code for f in warned.raised] == ["extend_order"]
        # ... then the lapse itself
        assert session.next_instant == T(2019, 9, 7)
        assert not session.advance(T(2019, 9, 6, 23, 59, 59))
        changes = session.advance(T(2019, 9, 7))
        assert [f.rule for f in changes.raised] == ["DL-001"]
        assert session.next_instant is None
        session.apply(stored[3])
        assert session.result() == replay_case(stored, pack, as_of=D(2019, 12, 1))


def test_a_retraction_withdraws_what_the_retracted_event_raised(pack: RulePack) -> None:
    """`event_retracted`: the log keeps both events; a session that receives the
    retraction replays the case without the retracted event, equal to a full replay."""
    c = _panama()
    c._make("event_retracted", D(2019, 5, 1), retracted_event_id="PA-1-e04")  # e08
    stored = store_events(c.events)["PA-1"]
    assert len(stored) == 8  # both are kept
    full = replay_case(stored, pack, as_of=D(2019, 12, 31))
    assert "PA-1-e04" not in {e for f in full.findings for e in f.because}
    assert not any(f.rule == "OV-001" and "A3" in f.assets for f in full.findings)
    with CaseSession(pack, "PA-1") as session:
        for s in stored[:-1]:
            session.apply(s)
        before = {f.finding_id for f in session.result().findings}
        changes = session.apply(stored[-1])
        assert {f.finding_id for f in changes.withdrawn} <= before
        assert any("A3" in f.assets for f in changes.withdrawn)
        session.advance(D(2019, 12, 31))
        assert session.result() == full


def test_an_event_arriving_after_its_retraction_is_ignored(pack: RulePack) -> None:
    c = Case("PA-2")
    c.opened(D(2019, 2, 11), lead="PA")  # e01
    c._make("event_retracted", D(2019, 3, 1), retracted_event_id="PA-2-e03")  # e02
    c.asset(D(2019, 3, 12), "A3", "CH")  # e03, retracted before it was stored
    stored = store_events(c.events)["PA-2"]
    with CaseSession(pack, "PA-2") as session:
        for s in stored:
            changes = session.apply(s)
        assert changes.raised == ()
        assert session.result() == replay_case(stored, pack, as_of=D(2019, 3, 12))
        assert session.result().findings == ()
