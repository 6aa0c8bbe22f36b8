"""comity.engine.baseline: the benchmark's one hook into the engine keeps its promises.

The bench's durable-rules baselines are only fair while the hook hands them what the
engine really does: the ruleset it registers, the facts it asserts per event, and the
operations of a replay. These tests fail when the engine changes and the hook does not.
"""

from __future__ import annotations

import json
from typing import Any

import durable_rules_engine as core

from comity.engine import replay_case
from comity.engine.baseline import (
    ALWAYS,
    durable_rules,
    durable_trace,
    projected_facts,
    valid_time_order,
)
from comity.rules import RulePack
from engine_cases import Case, D, store_events

AS_OF = D(2021, 12, 31)


def _case() -> list[Any]:
    c = Case("B1")
    c.opened(D(2019, 3, 1))
    c.asset(D(2019, 3, 2), "A1", "CH")
    c.asset(D(2019, 3, 3), "A2", "ES")
    c.order(D(2019, 3, 8), "O1", "PA", ["A1"], expires_on=D(2019, 9, 6))
    c.request(D(2019, 4, 10), "R1", "PA", "CH", ["A1"])
    c.received(D(2019, 4, 12), "R1")
    c.asset(D(2019, 3, 5), "A3", "FR")  # reported late: applied in valid-time order
    return store_events(c.events)["B1"]


def _without_engine_fields(fact: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fact.items() if k not in ("id", "sid", ALWAYS)}


def test_durable_rules_is_a_fresh_registrable_copy(pack: RulePack) -> None:
    rules = durable_rules(pack)
    assert rules and all(isinstance(v["all"], list) and v["all"] for v in rules.values())
    # durable's core accepts it as it stands (it is what the engine registered)
    core.create_ruleset("baseline_test", json.dumps(rules))
    rules.clear()
    assert durable_rules(pack)  # the caller's copy was its own


def test_valid_time_order_puts_a_late_event_in_its_place() -> None:
    stored = _case()
    ordered = valid_time_order(stored)
    assert [s.event_id for s in ordered].index("B1-e07") == 3
    assert sorted(s.seq for s in ordered) == [s.seq for s in stored]


def test_projected_facts_are_the_events_facts_in_replay_order() -> None:
    stored = _case()
    facts = projected_facts(stored)
    assert len(facts) == len(stored) and all(facts)
    for event, per_event in zip(valid_time_order(stored), facts, strict=True):
        assert all(f["ev"] == event.event_id and f["t"] for f in per_event)
        assert not any(k in f for f in per_event for k in ("id", "sid", ALWAYS))


def test_trace_is_what_reaches_durable_in_order(pack: RulePack) -> None:
    """The trace's event facts are the projected facts (or the fields of them that
    durable is given), in replay order; besides them the clock and deadlines."""
    stored = _case()
    wanted = [f for per_event in projected_facts(stored) for f in per_event]
    trace = durable_trace(stored, pack, as_of=AS_OF, sid="7")
    asserted = [_without_engine_fields(f) for kind, f in trace if kind == "a"]
    event_kinds = {f["t"] for f in wanted}
    at = 0
    for fact in asserted:
        if fact["t"] not in event_kinds:
            continue
        # the next projected fact this one is (a part of): none skipped backwards
        while at < len(wanted) and not fact.items() <= wanted[at].items():
            at += 1
        assert at < len(wanted), f"an asserted fact no event made, or out of order: {fact}"
        at += 1
    assert any(f["t"] in event_kinds for f in asserted)
    assert any(f["t"] == "clock" for f in asserted)
    assert any(f["t"] == "deadline" for f in asserted)
    ids = set()
    for kind, fact in trace:
        assert fact["sid"] == "7"
        if kind == "a":
            assert fact[ALWAYS] == 1 and fact["id"] not in ids
            ids.add(fact["id"])
        else:
            assert fact["id"] in ids  # a retract names a fact asserted before


def test_trace_replays_on_durable_and_changes_no_finding(pack: RulePack) -> None:
    stored = _case()
    before = replay_case(stored, pack, as_of=AS_OF).to_json()
    trace = durable_trace(stored, pack, as_of=AS_OF, sid="1")
    assert replay_case(stored, pack, as_of=AS_OF).to_json() == before
    handle = core.create_ruleset("baseline_trace", json.dumps(durable_rules(pack)))
    fired = 0
    for kind, fact in trace:
        call = core.assert_fact if kind == "a" else core.retract_fact
        code, state = call(handle, json.dumps(fact))
        if code == 0 and core.start_action_for_state(handle, state) is not None:
            fired += 1
            while core.complete_and_start_action(handle, state) is not None:
                fired += 1
    assert before["findings"] and fired >= len(before["findings"])


def test_trace_has_every_call_the_replay_makes_and_no_other(
    pack: RulePack, monkeypatch: Any
) -> None:
    """As many asserts and retracts as replay_case makes of durable's core, in the same
    order of kinds: the trace's run knows the case's record as the replay's does (a
    reference the record satisfies, order O2's asset A4 located only later, asserts
    no `ref` fact)."""
    c = Case("B2")
    c.opened(D(2019, 3, 1))
    c.asset(D(2019, 3, 2), "A1", "CH")
    c.order(D(2019, 3, 8), "O2", "PA", ["A1", "A4"])
    c.asset(D(2019, 3, 20), "A4", "CH")
    stored = store_events(c.events)["B2"]
    calls: list[str] = []
    for name in ("assert_fact", "retract_fact"):
        real = getattr(core, name)

        def counted(handle: Any, text: str, real: Any = real, name: str = name) -> Any:
            if json.loads(text).get("t") != "comity:session":  # the adapter's own anchor
                calls.append(name[0])
            return real(handle, text)

        monkeypatch.setattr(core, name, counted)
    replay_case(stored, pack, as_of=AS_OF)
    monkeypatch.undo()
    trace = durable_trace(stored, pack, as_of=AS_OF, sid="1")
    assert [kind for kind, _ in trace] == calls
    assert not any(f["t"] == "ref" for _, f in trace)
