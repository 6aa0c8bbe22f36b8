"""Replay: a case's events, in valid-time order, through the rules, on an event-time clock.

A replay is a pure function of (the case's events, the rule pack, `as_of`, `known_at`).
The clock is a fact the engine re-asserts; it moves only to the instants of events and
of the agenda (every deadline's breach and warning instants), never with the wall
clock. A breach is therefore dated at the breach, not at the next event.

The same `_CaseRun` serves full replays and incremental sessions, so that applying
events one at a time cannot drift from a full replay: a late event (older than the
clock) simply rebuilds the run from the case's events.

`replay_log` replays many cases; a case that fails there (whatever the error) is
yielded as `CaseResult.failed` and the next case is replayed, so that one case can
never hide the others.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import attrs

from comity.engine._bindings import Bindings, listed, value_of
from comity.engine._compiler import FINDING, Compiled, Part, compiled
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
from comity.engine._standing import Standing
from comity.engine.findings import (
    CaseResult,
    Changes,
    DeadlineDetail,
    Finding,
    OpenDeadline,
    finding_id,
    time_of,
)
from comity.errors import ComityError, InvalidArgument
from comity.events import arguments
from comity.events.codec import format_time
from comity.events.log import EventLog, StoredEvent
from comity.events.time import instant_of
from comity.events.types import EventRetracted
from comity.rules.language import parse_pattern
from comity.rules.pack import Rule, RulePack

__all__ = [
    "CaseSession",
    "Cause",
    "as_of_limit",
    "case_failure",
    "replay_case",
    "replay_case_isolated",
    "replay_log",
]

_log = logging.getLogger(__name__)


def as_of_limit(as_of: dt.date | dt.datetime) -> str:
    """The last instant a replay `as_of` covers: a date means the end of that day."""
    if isinstance(as_of, dt.datetime):
        return instant(as_of)
    return f"{as_of.isoformat()}T23:59:59Z"


@attrs.frozen
class Cause:
    """What made a finding change: applying the event at log `position` (valid time
    `instant`), or, when `position` is None, the clock reaching `instant` (a breach, a
    warning). A store that keeps a history of findings records it beside each change."""

    position: int | None
    instant: str


class _CaseRun:
    """One case's live replay state on one durable session."""

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
        """Assert a fact, then the changes it makes to the standing facts (see
        engine/_standing.py), each after the rules have seen the fact before it: the
        lift of an order resolves the findings on it before the next order stands.

        With `process` False (inside a handler) the firings wait for the loop that
        called the handler, in the order they came, as every handler's own do.
        """
        only = self.compiled.fact_fields.get(fact["t"])
        if only is not None:  # else no rule tests facts of this kind: nothing can fire
            self.session.assert_fact(fact, only=only)
            if process:
                self._process()
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
        deadline = bindings.get("d")
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
        if part.rule.category != "deadline":
            # A next step due when a period passes (a request unanswered past comity's
            # follow-up window): raised at the breach and, unlike a missed deadline,
            # resolved by what meets the period, so the period stays live until then.
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
            return
        self._raise(
            part.rule,
            part.key,
            bindings,
            inst=bindings["d"]["breach_at"],
            display=record.breach_display,
            due=record.due,
            deadline=record.detail,
        )
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


def _checked_pack(pack: Any, call: str) -> RulePack:
    if not isinstance(pack, RulePack):
        raise InvalidArgument(
            f"{call}: pack must be a rule pack (from comity.load_pack()), "
            f"got {arguments.described(pack)}"
        )
    return pack


def _order(events: Iterable[StoredEvent]) -> list[StoredEvent]:
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


def replay_case(
    events: Iterable[StoredEvent],
    pack: RulePack,
    *,
    as_of: dt.date | dt.datetime,
    case_id: str | None = None,
) -> CaseResult:
    """Replay one case's stored events as of `as_of` (valid time).

    The caller chooses which events were known (record time): pass what the log
    returned for `known_at`. Events after `as_of` are not applied.
    """
    _checked_pack(pack, "replay_case")
    limit = as_of_limit(arguments.valid_time(as_of, call="replay_case"))
    if case_id is not None:
        arguments.case_id(case_id, call="replay_case")
    events = arguments.stored_events(events, call="replay_case")
    every = _order(events)
    ordered = [s for s in every if instant(s.event.occurred_at) <= limit]
    cid = case_id or (every[0].case_id if every else "")  # even if all are after as_of
    run = _CaseRun(compiled(pack), cid, ordered, (s.event_id for s in events))
    try:
        for stored in ordered:
            run.apply(stored)
        run.advance(limit)
        return run.result()
    finally:
        run.close()


def replay_case_isolated(
    events: Iterable[StoredEvent],
    pack: RulePack,
    *,
    as_of: dt.date | dt.datetime,
    case_id: str,
) -> CaseResult:
    """`replay_case`, except that a case that fails is a result with `error` set.

    For replays of many cases: no event may stop the replay of the other cases, so any
    exception from the engine (a comity error or a bug) becomes this case's error. The
    store's errors are not the case's and are raised by the reads, before this.
    """
    try:
        return replay_case(events, pack, as_of=as_of, case_id=case_id)
    except Exception as exc:  # one case's failure, whatever it is, is reported for it
        return CaseResult.failed(case_id, case_failure(case_id, exc))


def case_failure(case_id: str, exc: Exception) -> str:
    """Why a case could not be replayed, in one line (`CaseResult.error`): a comity
    error as it reads, anything else named as unexpected. Every replay of many cases
    (`replay_log`, the findings store's watchers) words it the same way."""
    _log.debug("case %s could not be replayed", case_id, exc_info=True)
    what = str(exc).splitlines()[0] if str(exc) else ""
    if not isinstance(exc, ComityError):
        what = f"{type(exc).__name__}: {what} (unexpected: report it with the case's events)"
    return what or type(exc).__name__


def replay_log(
    log: EventLog,
    pack: RulePack,
    *,
    as_of: dt.date | dt.datetime,
    known_at: dt.datetime | None = None,
    cases: Sequence[str] | None = None,
) -> Iterator[CaseResult]:
    """Replay every case (or `cases`), one at a time, in case-id order.

    Only one case is in memory and live in the engine at a time, so memory stays flat
    as the log grows. A case that cannot be replayed is yielded as a result with
    `error` set (`CaseResult.failed`), and the replay goes on with the next case.

    The arguments are checked when it is called (InvalidArgument), not when the first
    result is asked for: a wrong `as_of` would otherwise fail every case one by one.
    """
    _checked_pack(pack, "replay_log")
    arguments.valid_time(as_of, call="replay_log")
    arguments.instant(known_at, call="replay_log")
    chosen = None if cases is None else arguments.case_ids(cases, call="replay_log")
    return _replay_cases(log, pack, as_of=as_of, known_at=known_at, cases=chosen)


def _replay_cases(
    log: EventLog,
    pack: RulePack,
    *,
    as_of: dt.date | dt.datetime,
    known_at: dt.datetime | None,
    cases: Sequence[str] | None,
) -> Iterator[CaseResult]:
    ids = sorted(set(cases)) if cases is not None else log.case_ids(known_at=known_at)
    for case_id in ids:
        events = list(log.read_case(case_id, known_at=known_at))
        if events:
            yield replay_case_isolated(events, pack, as_of=as_of, case_id=case_id)


class CaseSession:
    """Incremental use for embedding: apply one new event, learn what changed.

    The result always equals a full replay of the same events to the same clock; an
    event older than the clock (a late report) replays the case from its events.
    Close the session (or use it as a context manager) to free its engine slot.
    """

    def __init__(self, pack: RulePack, case_id: str, events: Iterable[StoredEvent] = ()) -> None:
        self.pack = _checked_pack(pack, "CaseSession")
        self.case_id = arguments.case_id(case_id, call="CaseSession")
        # every event, retracted ones too
        self._all: list[StoredEvent] = arguments.stored_events(events, call="CaseSession")
        ordered = _order(self._all)
        self._run = _CaseRun(compiled(pack), case_id, ordered, (s.event_id for s in self._all))
        try:
            for stored in ordered:
                self._run.apply(stored)
        except BaseException:
            self._run.close()  # a case that fails to replay must not keep its engine slot
            raise
        # What the starting events raised is the result, not a change: forget it
        # without building the findings that take_changes would build.
        self._run.changed_raised, self._run.changed_resolved = [], []

    @property
    def clock(self) -> str:
        return self._run.horizon

    def apply(self, stored: StoredEvent) -> Changes:
        """Apply one stored event of this case; returns the findings raised or resolved."""
        arguments.stored_event(stored, call="CaseSession.apply")
        if stored.case_id != self.case_id:
            raise InvalidArgument(
                f"CaseSession.apply: event {stored.event_id} belongs to case "
                f"{stored.case_id}, not {self.case_id}; apply it to a session of its own case"
            )
        if instant(stored.event.occurred_at) < self._run.horizon or isinstance(
            stored.event, EventRetracted
        ):
            # A late event, or a retraction (the case without the retracted event).
            return self._rebuild([*self._all, stored], self._run.horizon)
        if self._run.projector.completes(stored.event):
            # It supplies what an applied event referred to and the record lacked: a
            # full replay of the same events never raises that data-quality finding.
            return self._rebuild([*self._all, stored], self._run.horizon)
        self._all.append(stored)
        if any(
            isinstance(s.event, EventRetracted) and s.event.retracted_event_id == stored.event_id
            for s in self._all
        ):
            return Changes(raised=(), resolved=())  # retracted before it arrived
        self._run.apply(stored)
        return self._run.take_changes()

    def advance(self, as_of: dt.date | dt.datetime) -> Changes:
        """Run the clock up to `as_of`: deadlines breached meanwhile are raised."""
        arguments.valid_time(as_of, call="CaseSession.advance")
        self._run.advance(as_of_limit(as_of))
        return self._run.take_changes()

    @property
    def next_instant(self) -> dt.datetime | None:
        """The earliest instant after the clock at which the clock alone can change the
        result (a running deadline's breach or warning), or None if none can.

        A watcher keeping a case current as real time passes needs to move the clock
        only when it reaches this instant; until then the result stands, and a new event
        dated after the last instant reached applies without replaying the case.
        """
        upcoming = self._run.agenda.next_instant()
        if upcoming is None:
            return None
        return instant_of(upcoming)

    def cause(self, finding_id: str) -> tuple[Cause, Cause | None] | None:
        """What raised the finding and (if it is resolved) what resolved it, as this
        session applied the case's events (a late event re-applies them all); None
        for a finding the session does not hold."""
        found = self._run.causes.get(finding_id)
        if found is None or found[0] is None:
            return None
        return found[0], found[1]

    def _rebuild(self, events: list[StoredEvent], limit: str) -> Changes:
        before = {f.finding_id: f for f in self._run.result().findings}
        self._all = events
        self._run.close()
        ordered = _order(events)
        self._run = _CaseRun(
            compiled(self.pack), self.case_id, ordered, (s.event_id for s in events)
        )
        for stored in ordered:
            self._run.apply(stored)
        self._run.advance(limit)
        self._run.take_changes()
        after = self._run.result().findings
        now = {f.finding_id for f in after}
        raised = tuple(f for f in after if f.finding_id not in before)
        resolved = tuple(
            f
            for f in after
            if f.finding_id in before and f.resolved_at and not before[f.finding_id].resolved_at
        )
        withdrawn = tuple(f for fid, f in before.items() if fid not in now)
        reported = {f.finding_id for f in (*raised, *resolved)}
        updated = tuple(
            f
            for f in after
            if f.finding_id in before and f.finding_id not in reported and f != before[f.finding_id]
        )
        return Changes(raised=raised, resolved=resolved, withdrawn=withdrawn, updated=updated)

    def result(self) -> CaseResult:
        return self._run.result()

    def close(self) -> None:
        self._run.close()

    def __enter__(self) -> CaseSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
