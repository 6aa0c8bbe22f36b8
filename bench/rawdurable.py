"""The baseline for replay: durable-rules alone, with no comity code around it.

What the engine's replay is measured against is durable-rules asserting the same facts
under the same rule conditions:

- the rules are the JSON definitions the engine registers for the pack
  (`comity.engine.baseline.durable_rules`, so they are exactly what replay runs), each
  with a no-op action;
- the facts are what the engine makes of each case's events in valid-time order
  (`comity.engine.baseline.projected_facts`), with explicit ids whose FNV-1a hashes
  never collide (hazard 3), the session id, and the always-true join field the
  compiled conditions test;
- the host is durable's own `Host` with its timer threads switched off (hazard 1);
- one session per case, deleted when the case is done (hazard 2).

Everything but the `assert_fact` calls and the `delete_state` per case is prepared
before the clock starts.

`trace_case` is every assert and retract the engine itself makes for a case (event
facts, clock ticks, deadline facts; `comity.engine.baseline.durable_trace`), so that
the same durable work can be replayed raw: the gap between that and the engine is
comity's own Python.

`comity.engine.baseline` is the bench's only way into the engine beyond its public API
(docs/performance.md, "Method").
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import time
from collections.abc import Iterable, Sequence
from typing import Any

import durable_rules_engine
from durable import engine as durable_engine

from comity.engine.baseline import (
    ALWAYS,
    Op,
    durable_rules,
    durable_trace,
    projected_facts,
    valid_time_order,
)
from comity.events import StoredEvent
from comity.rules.pack import RulePack

__all__ = [
    "Op",
    "RawCore",
    "RawDurable",
    "case_facts",
    "event_facts",
    "trace_case",
    "valid_time_order",
]


def fnv1a_32(text: str) -> int:
    """The 32-bit FNV-1a hash durable-rules keys facts and sessions by (its state.c)."""
    h = 0x811C9DC5
    for byte in text.encode("utf-8"):
        h ^= byte
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


class _ThreadlessHost(durable_engine.Host):  # type: ignore[misc]
    def _run(self) -> None:
        """No background timer threads: every call is synchronous."""


def engine_definition(pack: RulePack) -> dict[str, dict[str, Any]]:
    """The durable rules the engine registered for `pack`, without their actions."""
    return durable_rules(pack)


def _noop(_c: Any) -> None:
    return None


class RawDurable:
    """A thread-less durable host holding the engine's rules with no-op actions."""

    def __init__(self, pack: RulePack, name: str = "raw_baseline") -> None:
        rules = engine_definition(pack)
        for rule in rules.values():
            rule["run"] = _noop
        self.name = name
        self.host = _ThreadlessHost()
        self.host.register_rulesets({name: rules})
        self.rules = len(rules)

    def run_ops(self, ops: Sequence[Op]) -> None:
        host, name = self.host, self.name
        for kind, fact in ops:
            try:
                if kind == "a":
                    host.assert_fact(name, fact)
                else:
                    host.retract_fact(name, fact)
            except durable_engine.MessageNotHandledException:
                pass  # hazard 7: a fact no rule uses

    def end_case(self, sid: str) -> None:
        with contextlib.suppress(Exception):  # a session that stored nothing has no state
            self.host.delete_state(self.name, sid)

    def run_case(self, sid: str, ops: Sequence[Op]) -> None:
        self.run_ops(ops)
        self.end_case(sid)

    def run(self, cases: Iterable[tuple[str, Sequence[Op]]]) -> float:
        """Assert every case's facts; returns the seconds it took."""
        start = time.perf_counter()
        for sid, ops in cases:
            self.run_case(sid, ops)
        return time.perf_counter() - start


class RawCore:
    """durable-rules' C core alone: the floor under any program that uses durable-rules.

    The engine's rules registered straight with `durable_rules_engine` (the extension
    module durable's own Python layer calls), the facts encoded to JSON text before the
    clock starts, and for each one: the assert, then every firing it caused started and
    completed, its message left unread. No Python runs per fact beyond those calls.
    """

    def __init__(self, pack: RulePack, name: str = "raw_core_baseline") -> None:
        rules = engine_definition(pack)
        self.handle = durable_rules_engine.create_ruleset(
            name, json.dumps(rules, ensure_ascii=False)
        )
        self.rules = len(rules)

    @staticmethod
    def encode(
        cases: Iterable[tuple[str, Sequence[Op]]],
    ) -> list[tuple[str, list[tuple[str, str]]]]:
        return [
            (sid, [(kind, json.dumps(fact, ensure_ascii=False)) for kind, fact in ops])
            for sid, ops in cases
        ]

    def run(self, cases: Iterable[tuple[str, Sequence[tuple[str, str]]]]) -> None:
        core, handle = durable_rules_engine, self.handle
        for sid, ops in cases:
            for kind, text in ops:
                call = core.assert_fact if kind == "a" else core.retract_fact
                code, state = call(handle, text)
                if code == 0 and core.start_action_for_state(handle, state) is not None:
                    while core.complete_and_start_action(handle, state) is not None:
                        pass
            with contextlib.suppress(Exception):
                core.delete_state(handle, sid)


class _Ids:
    """Explicit fact ids, none sharing a 32-bit FNV-1a hash with another (hazard 3)."""

    def __init__(self, sid: str) -> None:
        self.n = 0
        self.taken = {fnv1a_32(f"sid-{sid}")}

    def next(self) -> str:
        while True:
            self.n += 1
            candidate = f"f{self.n}"
            h = fnv1a_32(candidate)
            if h not in self.taken:
                self.taken.add(h)
                return candidate


def event_facts(events: Iterable[StoredEvent], sid: str) -> list[list[Op]]:
    """The facts the engine makes of one case's events, per event in valid-time order,
    each with an explicit collision-free id, the session and the join field."""
    ids = _Ids(sid)
    out: list[list[Op]] = []
    for facts in projected_facts(events):
        ops: list[Op] = []
        for fact in facts:
            fact[ALWAYS] = 1
            fact["id"] = ids.next()
            fact["sid"] = sid
            ops.append(("a", fact))
        out.append(ops)
    return out


def case_facts(events: Iterable[StoredEvent], sid: str) -> list[Op]:
    """The facts the projector makes of one case's events, ready to assert."""
    return [op for ops in event_facts(events, sid) for op in ops]


def trace_case(
    events: Sequence[StoredEvent], pack: RulePack, *, as_of: dt.date, sid: str
) -> list[Op]:
    """Every assert and retract a full replay of the case makes, in order (the ops
    carry `sid` so they replay on a raw host under that session id)."""
    return durable_trace(events, pack, as_of=as_of, sid=sid)
