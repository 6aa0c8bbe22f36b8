"""The run: one case's events applied to one durable session, on an event-time clock.

The clock is a fact the engine re-asserts; it moves only to the instants of events and
of the agenda (every deadline's breach and warning instants), never with the wall
clock. A breach is therefore dated at the breach, not at the next event.

The same `CaseRun` serves full replays (engine/replay.py) and incremental sessions
(engine/session.py), so that applying events one at a time cannot drift from a full
replay: a late event (older than the clock) simply rebuilds the run from the case's
events.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import attrs

from comity.engine._bindings import Bindings, deadline_of, listed, value_of
from comity.engine._compiler import FINDING, Compiled, Part
from comity.engine._deadlines import (
    Agenda,
    Deadline,
    deadline_fact,
    display,
    start_period,
    warning_instants,
)
from comity.engine._durable import DurableSession
from comity.engine._facts import FactProjector, instant
from comity.engine._render import Open, render
from comity.engine._standing import Freezes, Standing
from comity.engine.findings import (
    CaseResult,
    Changes,
    DeadlineDetail,
    Finding,
    OpenDeadline,
    finding_id,
    time_of,
)
from comity.errors import InvalidArgument
from comity.events import arguments
from comity.events.codec import format_time
from comity.events.store.records import StoredEvent
from comity.events.time import last_instant
from comity.events.types import EventRetracted
from comity.rules.language import parse_pattern
from comity.rules.pack import Rule, RulePack

__all__ = ["CaseRun", "Cause", "applied", "as_of_limit", "checked_pack"]


def as_of_limit(as_of: dt.date | dt.datetime) -> str:
    """The last instant a replay `as_of` covers: a date means the end of that day."""
    return last_instant(as_of)


@attrs.frozen
class Cause:
    """What made a finding change: applying the event at log `position` (valid time
    `instant`), or, when `position` is None, the clock reaching `instant` (a breach, a
    warning). A store that keeps a history of findings records it beside each change."""

    position: int | None
    instant: str


class CaseRun:
    """One case's live replay state on one durable session: the events applied, the
    clock, the agenda of deadlines, and the findings with what raised and resolved them."""

    def __init__(
        self,
        compiled: Compiled,
        case_id: str,
        record: Sequence[StoredEvent] = (),
        present: Iterable[str] = (),
    ) -> None:
        self.compiled = compiled
        self.pack = compiled.pack
        self.case_id = case_id
        self.session: DurableSession = compiled.ruleset.open()
        # `record`: the events this run will apply; `present`: every event id of the
        # case, retracted ones too (see FactProjector: data-quality references).
        self.projector = FactProjector([s.event for s in record], set(present))
        self.standing = Standing()
        self.freezes = Freezes()
        self.standing_facts: dict[tuple[str, tuple[str, ...]], dict[str, Any]] = {}
        self.clock_fact: dict[str, Any] | None = None
        self.clock = ""  # the clock fact's instant: moves only on agenda instants
        self.horizon = ""  # the latest instant reached, by an event or the clock
        self.applying: StoredEvent | None = None  # the event whose facts are asserted
        self._applying_now: tuple[str, str] | None = None  # its instant and display
        self.agenda = Agenda()
        self.findings: dict[str, Open] = {}
        self.order: list[str] = []
        self.finding_facts: dict[str, dict[str, Any]] = {}
        self.events: list[StoredEvent] = []
        self.changed_raised: list[str] = []
        self.changed_resolved: list[str] = []
        # fid -> [what raised it, what resolved it]
        self.causes: dict[str, list[Cause | None]] = {}
        self._handlers = {
            kind: getattr(self, "_on_" + kind)
            for kind in ("raise", "resolve", "start", "breach", "met", "warn", "wresolve")
        }

    def close(self) -> None:
        self.session.close()

    # -- the clock ---------------------------------------------------------------------
    def _set_clock(self, inst: str) -> None:
        if inst <= self.clock:
            return
        if self.clock_fact is not None:
            self.session.retract_fact(self.clock_fact)
        self.clock = inst
        self.clock_fact = self.session.assert_fact({"t": "clock", "now": inst})
        self._process()

    def advance(self, limit: str) -> None:
        """Tick the clock through every agenda instant up to `limit` (inclusive)."""
        for inst in self.agenda.due_through(limit):
            self._set_clock(inst)
        self.horizon = max(self.horizon, limit)

    def apply(self, stored: StoredEvent) -> None:
        """Apply one event; the clock does not move to it (see the module docstring).

        Only rules that compare the clock with an agenda instant read it, so ticking
        at every event would only re-fire them (hazard 9) at twice the engine calls.
        """
        inst = instant(stored.event.occurred_at)
        self.advance(inst)
        self.events.append(stored)
        self.applying = stored
        self._applying_now = None
        try:
            for fact in self.projector.facts(stored.event):
                self._assert(fact)
        finally:
            self.applying = None
        self.advance(inst)  # deadlines the event itself started may already be due

    def _assert(self, fact: dict[str, Any], *, process: bool = True) -> None:
        """Assert a fact, then the `frozen` facts and the changes to the standing facts
        it makes (see engine/_standing.py), each after the rules have seen the fact
        before it: the lift of an order resolves the findings on it before the next
        order stands.

        With `process` False (inside a handler) the firings wait for the loop that
        called the handler, in the order they came, as every handler's own do.
        """
        only = self.compiled.fact_fields.get(fact["t"])
        if only is not None:  # else no rule tests facts of this kind: nothing can fire
            self.session.assert_fact(fact, only=only)
            if process:
                self._process()
        for frozen in self.freezes.facts(fact):
            self._assert(frozen, process=process)
        for change in self.standing.changes(fact):
            old = self.standing_facts.pop((change.kind, change.group), None)
            if old is not None:
                self.session.retract_fact(old)
            if change.new is not None:
                self.standing_facts[(change.kind, change.group)] = self.session.assert_fact(
                    change.new
                )
            if process:
                self._process()

    def _cause(self) -> Cause:
        if self.applying is not None:
            return Cause(self.applying.position, self._now()[0])
        return Cause(None, self.clock)

    def _now(self) -> tuple[str, str]:
        """The instant a firing happens at, and how a finding shows it: the event being
        applied, or (on a tick of the clock, e.g. a breach) the clock itself, never the
        last event before it."""
        if self.applying is not None:
            now = self._applying_now
            if now is None:
                occurred = self.applying.event.occurred_at
                now = self._applying_now = (instant(occurred), format_time(occurred))
            return now
        return self.clock, display(self.clock, day_based=True)

    # -- firings -----------------------------------------------------------------------
    def _process(self) -> None:
        """Handle firings until none are left (handlers assert facts that fire more)."""
        parts, handlers = self.compiled.parts, self._handlers
        while fired := self.session.take_fired():
            for name, bindings in fired:
                part = parts[name]
                handlers[part.kind](part, bindings)

    def _events_of(self, bindings: Bindings, names: Iterable[str]) -> tuple[str, ...]:
        out: set[str] = set()
        for name in names:
            fact = bindings.get(name)
            if fact is None:
                continue
            if fact.get("t") == "deadline":
                out.update(self.agenda[fact["id"]].because)
            elif "ev" in fact:
                out.add(fact["ev"])
        return tuple(sorted(out))

    def _fid(self, rule: Rule, because: Sequence[str], bindings: Bindings) -> str:
        subject = list(listed(rule.assets, bindings))
        # A reference fact names what it refers to: one event's two dangling references
        # (a proceeding against two subjects never identified) are two findings.
        subject.extend(
            f"ref:{fact['ref_kind']}:{fact['ref_id']}"
            for name in sorted(bindings)
            if (fact := bindings[name]).get("t") == "ref"
        )
        deadline = deadline_of(bindings)
        if deadline is not None:
            subject.append("ref:" + str(deadline["ref"]))
        return finding_id(rule.id, because, subject)

    def _raise(
        self,
        rule: Rule,
        key: Sequence[str],
        bindings: Bindings,
        *,
        inst: str,
        display: str,
        due: str | None = None,
        deadline: DeadlineDetail | None = None,
    ) -> None:
        because = self._events_of(bindings, key)
        fid = self._fid(rule, because, bindings)
        if fid in self.findings:
            return  # hazard 9: the same match fired again (the clock was re-asserted)
        self.findings[fid] = Open(
            rule=rule,
            fid=fid,
            raised_inst=inst,
            raised_at=display,
            because=because,
            bindings={k: dict(v) for k, v in bindings.items()},
            due=due,
            deadline=deadline,
        )
        self.order.append(fid)
        self.changed_raised.append(fid)
        self.causes[fid] = [self._cause(), None]

    def _resolve(self, fid: str, resolved_by: tuple[str, ...]) -> None:
        found = self.findings.get(fid)
        if found is None or found.resolved_at is not None:
            return
        found.resolved_at = self._now()[1]
        found.resolved_by = resolved_by
        self.changed_resolved.append(fid)
        self.causes[fid][1] = self._cause()

    def _on_raise(self, part: Part, bindings: Bindings) -> None:
        inst, shown = self._now()
        before = len(self.order)
        self._raise(part.rule, part.key, bindings, inst=inst, display=shown)
        if part.rule.resolved_by and len(self.order) > before:
            # Only the fields the rule's resolvers test (durable gets no more; see
            # finding_fields); the engine needs nothing else of this fact but its id.
            fact: dict[str, Any] = {"t": "finding", "rule": part.rule.id, "fid": self.order[-1]}
            for field, name, key in self.compiled.finding_copy[part.rule.id]:
                v = bindings.get(name, {}).get(key)
                if isinstance(v, str | int | bool):
                    fact[field] = v
            self.finding_facts[self.order[-1]] = self.session.assert_fact(
                fact, only=self.compiled.finding_fields[part.rule.id]
            )
            self._process()

    def _on_resolve(self, part: Part, bindings: Bindings) -> None:
        fid = str(bindings[FINDING]["fid"])
        self._resolve(fid, self._events_of(bindings, part.resolver))
        fact = self.finding_facts.pop(fid, None)
        if fact is not None:  # resolved once: nothing more to match against
            self.session.retract_fact(fact)

    # -- deadlines ---------------------------------------------------------------------
    def _on_start(self, part: Part, bindings: Bindings) -> None:
        rule = part.rule
        clause = rule.deadline[part.clause]
        because = self._events_of(
            bindings, [p.name for p in map(parse_pattern, clause.when) if not p.negated]
        )
        ref = str(value_of(bindings, *clause.ref.split(".", 1)))
        period = start_period(clause, bindings, self.pack.parameters, rule.maximum)
        if period is None:
            return
        fact = deadline_fact(rule.id, part.clause, ref, period, bindings)
        warnings = warning_instants(
            self.compiled.warnings_for.get(rule.id, []),
            self.pack.parameters,
            period,
            not_before=self._now()[0],
        )
        fact.update(warnings)
        stored = self.session.assert_fact(
            fact, only=self.compiled.deadline_fields[(rule.id, part.clause)]
        )
        record = Deadline(
            fact=stored,
            because=because,
            detail=period.detail,
            due=period.due,
            breach_display=period.breach_display,
        )
        self.agenda.add(record, [*(inst for _, inst in warnings), period.breach_at])
        self._process()

    def _finish_deadline(self, fact: dict[str, Any]) -> None:
        record = self.agenda.finish(fact["id"])
        if record is not None:
            self.session.retract_fact(record.fact)

    def _on_breach(self, part: Part, bindings: Bindings) -> None:
        record = self.agenda[bindings["d"]["id"]]
        if record.done or record.breached:
            return
        # A next step due when a period passes (a request unanswered past comity's
        # follow-up window) is raised at the breach like a missed deadline but, unlike
        # one, resolved by what meets the period, so the period stays live until then.
        next_step = part.rule.category != "deadline"
        if next_step:
            record.breached = True
        self._raise(
            part.rule,
            part.key,
            bindings,
            inst=bindings["d"]["breach_at"],
            display=record.breach_display,
            due=record.due,
            deadline=record.detail,
        )
        if next_step:
            return
        # Rules may react to a breach (a lapsed order no longer freezes anything).
        breached = {"t": "breached", "rule": part.rule.id, "ref": record.fact["ref"]}
        self._assert({**breached, "at": self._now()[0]}, process=False)
        breach_fid = self._fid(part.rule, record.because, {"d": record.fact})
        for warn in self.compiled.warnings_for.get(part.rule.id, []):
            open_warning = self.findings.get(self._fid(warn, record.because, {"d": record.fact}))
            if open_warning is not None and open_warning.resolved_at is None:
                open_warning.resolved_at = record.breach_display
                open_warning.resolved_by = ()
                open_warning.superseded_by = breach_fid
                self.changed_resolved.append(open_warning.fid)
                self.causes[open_warning.fid][1] = self._cause()
        self._finish_deadline(bindings["d"])

    def _on_met(self, part: Part, bindings: Bindings) -> None:
        record = self.agenda[bindings["d"]["id"]]
        if record.breached and not record.done:
            self._resolve(
                self._fid(part.rule, record.because, {"d": record.fact}),
                self._events_of(bindings, part.resolver),
            )
            self._finish_deadline(bindings["d"])
            return
        if not record.done:
            for warn in self.compiled.warnings_for.get(part.rule.id, []):
                self._resolve(
                    self._fid(warn, record.because, {"d": record.fact}),
                    self._events_of(bindings, part.resolver),
                )
            self._finish_deadline(bindings["d"])

    def _on_warn(self, part: Part, bindings: Bindings) -> None:
        record = self.agenda[bindings["d"]["id"]]
        inst, shown = self._now()
        self._raise(
            part.rule,
            part.key,
            bindings,
            inst=inst,
            display=shown,
            due=record.due,
            deadline=record.detail,
        )

    def _on_wresolve(self, part: Part, bindings: Bindings) -> None:
        record = self.agenda[bindings["d"]["id"]]
        self._resolve(
            self._fid(part.rule, record.because, {"d": record.fact}),
            self._events_of(bindings, part.resolver),
        )

    # -- results -----------------------------------------------------------------------
    def _finding(self, fid: str) -> Finding:
        return render(self.findings[fid], case_id=self.case_id, pack=self.pack)

    def take_changes(self) -> Changes:
        raised = tuple(self._finding(f) for f in self.changed_raised)
        resolved = tuple(
            self._finding(f) for f in self.changed_resolved if f not in self.changed_raised
        )
        self.changed_raised, self.changed_resolved = [], []
        return Changes(raised=raised, resolved=resolved)

    def result(self) -> CaseResult:
        items = sorted(self.findings.values(), key=lambda f: (f.raised_inst, f.rule.id, f.fid))
        running = []
        # By the text of the breach as shown (as before the values were typed: a day
        # and an instant of that day's start differ there), then rule and reference.
        records = sorted(
            self.agenda.running(),
            key=lambda r: (r.breach_display, r.fact["rule"], r.fact["ref"]),
        )
        for record in records:
            rule = self.pack.rule(record.fact["rule"])
            if rule.category != "deadline":
                continue  # a policy window for a next step is not a legal deadline
            running.append(
                OpenDeadline(
                    case_id=self.case_id,
                    rule=rule.id,
                    code=rule.code,
                    ref=record.fact["ref"],
                    due=time_of(record.due),
                    breach_at=time_of(record.breach_display),
                    because=record.because,
                    detail=record.detail,
                )
            )
        return CaseResult(
            case_id=self.case_id,
            findings=tuple(self._finding(i.fid) for i in items),
            open_deadlines=tuple(running),
        )


def checked_pack(pack: Any, call: str) -> RulePack:
    """The pack, if it is one: a caller's mistake is an InvalidArgument naming the call,
    not an AttributeError from deep in the compiler."""
    if not isinstance(pack, RulePack):
        raise InvalidArgument(
            f"{call}: pack must be a rule pack (from comity.load_pack()), "
            f"got {arguments.described(pack)}"
        )
    return pack


def applied(events: Iterable[StoredEvent]) -> list[StoredEvent]:
    """The events a replay applies, in valid-time order, without retracted ones.

    An `event_retracted` says an event was entered in error: the log keeps both, and
    the replay ignores the retracted event, whatever the times (an error was never a
    fact). A retraction of a retraction is itself ignored: the event it named stays
    retracted, and a second correction is a new event, not a chain of undoing.
    """
    every = list(events)
    retracted = {s.event.retracted_event_id for s in every if isinstance(s.event, EventRetracted)}
    kept = [s for s in every if s.event_id not in retracted or isinstance(s.event, EventRetracted)]
    return sorted(kept, key=lambda s: (instant(s.event.occurred_at), s.seq))
