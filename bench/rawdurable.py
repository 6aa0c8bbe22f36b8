"""The baseline for replay: durable-rules alone, with no comity code around it.

What the engine's replay is measured against is durable-rules asserting the same facts
under the same rule conditions:

- the rules are the JSON definitions the engine registered for the pack (read back
  from its own durable host, so they are exactly what replay runs), each with a no-op
  action;
- the facts are what `comity.engine._facts.FactProjector` makes of each case's events
  in valid-time order, with explicit ids whose FNV-1a hashes never collide (hazard 3),
  the session id, and the always-true join field the compiled conditions test;
- the host is durable's own `Host` with its timer threads switched off (hazard 1);
- one session per case, deleted when the case is done (hazard 2).

Everything but the `assert_fact` calls and the `delete_state` per case is prepared
before the clock starts.

`trace_case` records every assert and retract the engine itself makes for a case
(event facts, clock ticks, deadline facts), so that the same durable work can be
replayed raw: the gap between that and the engine is comity's own Python.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import time
from collections.abc import Collection, Iterable, Sequence
from typing import Any

import durable_rules_engine
from durable import engine as durable_engine

from comity.engine import replay as _replay
from comity.engine._compiler import compiled
from comity.engine._durable import fnv1a_32
from comity.engine._facts import FactProjector, instant
from comity.events import StoredEvent
from comity.rules.language import ALWAYS
from comity.rules.pack import RulePack

__all__ = ["RawCore", "RawDurable", "case_facts", "trace_case"]

#: A durable operation: ("a", fact) asserts, ("r", fact) retracts.
Op = tuple[str, dict[str, Any]]


class _ThreadlessHost(durable_engine.Host):  # type: ignore[misc]
    def _run(self) -> None:
        """No background timer threads: every call is synchronous."""


def engine_definition(pack: RulePack) -> dict[str, dict[str, Any]]:
    """The durable rules the engine registered for `pack`, without their actions."""
    definition: dict[str, dict[str, Any]] = compiled(pack).ruleset.definition()
    return definition


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


def _valid_time_order(events: Iterable[StoredEvent]) -> list[StoredEvent]:
    return sorted(events, key=lambda s: (instant(s.event.occurred_at), s.seq))


def case_facts(events: Iterable[StoredEvent], sid: str) -> list[Op]:
    """The facts the projector makes of one case's events, ready to assert."""
    projector = FactProjector()
    ids = _Ids(sid)
    ops: list[Op] = []
    for stored in _valid_time_order(events):
        for fact in projector.facts(stored.event):
            fact[ALWAYS] = 1
            fact["id"] = ids.next()
            fact["sid"] = sid
            ops.append(("a", fact))
    return ops


class _RecordingSession:
    """Wraps the engine's durable session and records what it asserts and retracts."""

    def __init__(self, inner: Any, sid: str) -> None:
        self.inner = inner
        self.sid = sid
        self.ops: list[Op] = []

    def assert_fact(
        self, fact: dict[str, Any], *, only: Collection[str] | None = None
    ) -> dict[str, Any]:
        stored: dict[str, Any] = self.inner.assert_fact(fact, only=only)
        sent = stored if only is None else {k: stored[k] for k in (*only, "t") if k in stored}
        self.ops.append(("a", {**sent, ALWAYS: 1, "id": stored["id"], "sid": self.sid}))
        return stored

    def retract_fact(self, stored: dict[str, Any]) -> None:
        self.inner.retract_fact(stored)
        self.ops.append(("r", {"id": stored["id"], "sid": self.sid}))

    def take_fired(self) -> Any:
        return self.inner.take_fired()

    def close(self) -> None:
        self.inner.close()


def trace_case(
    events: Sequence[StoredEvent], pack: RulePack, *, as_of: dt.date, sid: str
) -> list[Op]:
    """Every assert and retract a full replay of the case makes, in order.

    Runs the engine's own case run (as `replay_case` does) with its durable session
    wrapped; the ops carry `sid` so they replay on a raw host under that session id.
    """
    limit = _replay.as_of_limit(as_of)
    ordered = [s for s in _valid_time_order(events) if instant(s.event.occurred_at) <= limit]
    run = _replay._CaseRun(compiled(pack), ordered[0].case_id if ordered else "")
    recorder = _RecordingSession(run.session, sid)
    run.session = recorder  # type: ignore[assignment]
    try:
        for stored in ordered:
            run.apply(stored)
        run.advance(limit)
    finally:
        run.close()
    return recorder.ops
