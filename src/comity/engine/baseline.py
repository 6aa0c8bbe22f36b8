"""The benchmark's hook into the engine: what its durable-rules baselines are made of.

`python -m bench` compares the engine with durable-rules used by hand on the same
facts (docs/performance.md). A fair baseline needs three things only the engine knows,
and this module is the one place it asks for them (everything else the bench does goes
through the public API: `replay_case`, `CaseSession`, `replay_log`, the command line):

- `durable_rules(pack)`: the ruleset exactly as the engine hands it to durable-rules
  (JSON-ready), so that the baseline matches the same conditions;
- `projected_facts(events)`: the facts the engine makes of a case's events, per event,
  in the order a replay applies them, before durable sees them (no ids, no session);
- `durable_trace(events, pack, as_of=..., sid=...)`: every assert and retract a full
  replay of the case makes of durable, in order, with the ids the engine gave them,
  so that the same durable work can be replayed raw and comity's own Python shows as
  the difference.

It is kept working with the engine: tests/engine/test_baseline.py checks each promise.
Nothing here changes what a replay computes; a trace runs the replay's own code with
its durable session wrapped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from comity.engine import _run
from comity.engine._compiler import compiled
from comity.engine._durable import DurableSession
from comity.engine._facts import FactProjector, instant
from comity.events.store.records import StoredEvent
from comity.rules.language import ALWAYS
from comity.rules.pack import RulePack

__all__ = ["ALWAYS", "Op", "durable_rules", "durable_trace", "projected_facts", "valid_time_order"]

#: A durable operation: ("a", fact) asserts, ("r", fact) retracts.
Op = tuple[str, dict[str, Any]]


def durable_rules(pack: RulePack) -> dict[str, dict[str, Any]]:
    """The durable-rules ruleset the engine registers for `pack` (a fresh copy).

    Rule name -> {"all": [patterns]}, with the engine's own anchor rule; give each a
    `run` action to register it with durable's `Host`.
    """
    definition: dict[str, dict[str, Any]] = compiled(pack).ruleset.definition()
    return definition


def valid_time_order(events: Iterable[StoredEvent]) -> list[StoredEvent]:
    """The order a replay applies a case's events in: valid time, then seq."""
    return _run.applied(events)


def projected_facts(events: Iterable[StoredEvent]) -> list[list[dict[str, Any]]]:
    """For each event in valid-time order, the facts the engine asserts for it (new
    dicts: the caller may add ids and the session)."""
    ordered = valid_time_order(events)
    # the record, as a replay gives it: the same data-quality facts (none when the
    # case's references hold together)
    projector = FactProjector([s.event for s in ordered], {s.event_id for s in ordered})
    return [[dict(f) for f in projector.facts(s.event)] for s in ordered]


class _RecordingSession:
    """The engine's durable session, recording what reaches durable.

    Only the session's own methods are forwarded: a method the engine starts to use
    and this does not know fails loudly (AttributeError) instead of going unrecorded.
    """

    def __init__(self, inner: DurableSession, sid: str) -> None:
        self.inner = inner
        self.sid = sid
        self.ops: list[Op] = []

    def assert_fact(
        self, fact: dict[str, Any], *, only: Collection[str] | None = None
    ) -> dict[str, Any]:
        stored = self.inner.assert_fact(fact, only=only)
        sent = stored if only is None else {k: stored[k] for k in ("t", *only) if k in stored}
        self.ops.append(("a", {**sent, ALWAYS: 1, "id": stored["id"], "sid": self.sid}))
        return stored

    def retract_fact(self, stored: dict[str, Any]) -> None:
        self.inner.retract_fact(stored)
        self.ops.append(("r", {"id": stored["id"], "sid": self.sid, "t": stored.get("t")}))

    def take_fired(self) -> Any:
        return self.inner.take_fired()

    def close(self) -> None:
        self.inner.close()


def durable_trace(
    events: Sequence[StoredEvent], pack: RulePack, *, as_of: dt.date | dt.datetime, sid: str
) -> list[Op]:
    """Every assert and retract a full replay of the case (as `replay_case` runs it)
    makes of durable, in order; each fact carries `sid`, to replay under that session."""
    limit = _run.as_of_limit(as_of)
    ordered = [s for s in valid_time_order(events) if instant(s.event.occurred_at) <= limit]
    # the record and the event ids as replay_case gives them: without them the run's
    # projector takes every reference for unsatisfied and asserts data-quality facts
    # the replay does not
    run = _run.CaseRun(
        compiled(pack),
        ordered[0].case_id if ordered else "",
        ordered,
        (s.event_id for s in events),
    )
    recorder = _RecordingSession(run.session, sid)
    run.session = recorder  # type: ignore[assignment]
    try:
        for stored in ordered:
            run.apply(stored)
        run.advance(limit)
    finally:
        run.close()
    return recorder.ops
