"""Replay: a case's events, in valid-time order, through the rules, on an event-time clock.

A replay is a pure function of (the case's events, the rule pack, `as_of`, `known_at`).
The clock is a fact the engine re-asserts; it moves only to the instants of events and
of the agenda (every deadline's breach and warning instants), never with the wall
clock. A breach is therefore dated at the breach, not at the next event.

The same `_CaseRun` serves full replays and incremental sessions, so that applying
events one at a time cannot drift from a full replay: a late event (older than the
clock) simply rebuilds the run from the case's events.
"""

from __future__ import annotations

import datetime as dt
import heapq
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import attrs

from comity.engine._durable import DurableRuleset, DurableSession
from comity.engine._facts import FactProjector, instant
from comity.engine.findings import CaseResult, Changes, Finding, OpenDeadline, finding_id
from comity.errors import EngineError, RulePackError
from comity.events.codec import format_time
from comity.events.log import EventLog, StoredEvent
from comity.rules.language import Pattern, compile_patterns, parse_pattern, rebind
from comity.rules.pack import Rule, RulePack
from comity.rules.params import HOLIDAY_ROLES

__all__ = ["CaseSession", "as_of_limit", "replay_case", "replay_log"]

_CLOCK_KINDS = {"clock"}
#: The parts whose `d` binding is a deadline fact the engine asserted.
_ON_DEADLINE = frozenset({"breach", "met", "warn", "wresolve"})
_FINDING = "_f"  # the binding of a raised finding's fact in resolution rules
_TEMPLATE = re.compile(r"\{([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)\}")


def as_of_limit(as_of: dt.date | dt.datetime) -> str:
    """The last instant a replay `as_of` covers: a date means the end of that day."""
    if isinstance(as_of, dt.datetime):
        return instant(as_of)
    return f"{as_of.isoformat()}T23:59:59Z"


def _display(inst: str, *, day_based: bool) -> str:
    return inst[:10] if day_based and inst.endswith("T00:00:00Z") else inst


_TRIGGER_WORDS = {
    "received": "receipt of request {request_id}",
    "postponement": "FIU suspension {postponement_id}",
    "issued": "order {order_id}",
    "extension": "the extension of order {order_id}",
    "mla": "request {request_id}",
}


def _trigger_label(fact: dict[str, Any], when: str) -> str:
    """Words for what started a period, e.g. `receipt of request R1 (2019-05-28)`."""
    template = _TRIGGER_WORDS.get(str(fact.get("t")), "event {ev}")
    try:
        text = template.format(**fact)
    except KeyError:
        text = f"event {fact.get('ev', '?')}"
    return f"{text} ({when})"


def _warn_field(rule_id: str) -> str:
    return "warn_" + re.sub(r"[^a-z0-9]", "_", rule_id.lower())


@attrs.frozen
class _Part:
    """What one durable rule name means to the engine."""

    rule: Rule
    kind: str  # raise | resolve | start | breach | met | warn | wresolve
    clause: int = -1
    key: tuple[str, ...] = ()
    resolver: tuple[str, ...] = ()


class _Compiled:
    """A rule pack compiled once per process into one durable ruleset."""

    def __init__(self, pack: RulePack) -> None:
        self.pack = pack
        self.parts: dict[str, _Part] = {}
        durable_rules: dict[str, list[dict[str, Any]]] = {}
        # The fields of a rule's finding fact, and of a deadline clause's deadline
        # fact, that the patterns joining them test: all durable is given of those
        # facts. They copy every field of the facts they were made of (600-700 bytes
        # of JSON), which durable parses and hands back with every firing.
        self.finding_fields: dict[str, frozenset[str]] = {}
        self.deadline_fields: dict[tuple[str, int], frozenset[str]] = {}
        self.finding_copy: dict[str, tuple[tuple[str, str, str], ...]] = {}

        def reads(lines: Iterable[str | Pattern], binding: str) -> set[str]:
            out: set[str] = set()
            for line in lines:
                pattern = line if isinstance(line, Pattern) else parse_pattern(line)
                out |= pattern.fields_read(binding)
            return out

        self.warnings_for: dict[str, list[Rule]] = {}
        for rule in pack.rules:
            if rule.warning is not None:
                self.warnings_for.setdefault(rule.warning.deadline, []).append(rule)

        seen: set[str] = set()

        def add(name: str, lines: Sequence[str | Pattern], part: _Part) -> None:
            try:
                _, compiled = compile_patterns(lines)
            except ValueError as exc:
                raise RulePackError(f"{rule.source}: rule {rule.id}: {exc}") from None
            if part.kind == "resolve":
                # The alternatives of a rule's `when` usually bind the resolver's
                # fields alike, so their resolvers compile to the same conditions:
                # registered once, or durable fires each copy for every resolution
                # (OV-005's three were 15 % of all firings in a generated log).
                same = json.dumps([part.rule.id, part.resolver, compiled], sort_keys=True)
                if same in seen:
                    return
                seen.add(same)
            durable_rules[name] = compiled
            self.parts[name] = part

        for rule in pack.rules:
            for a, when in enumerate(rule.when):
                positive = [p for p in map(parse_pattern, when) if not p.negated]
                key = rule.key or tuple(p.name for p in positive if p.kind not in _CLOCK_KINDS)
                add(f"{rule.id}|w{a}", when, _Part(rule, "raise", key=key))
                # A resolution joins the raised finding's fact with the resolver, rather
                # than re-matching the rule: durable-rules 2.0.28 never fires a rule
                # [P1, P2, P3, G] beside [P1, P2, P3, not G] (reproduced in the tests).
                bound = [p.name for p in positive]
                finding = parse_pattern(f'{_FINDING}: finding where rule == "{rule.id}"')
                for r, resolver in enumerate(rule.resolved_by):
                    parsed = [rebind(parse_pattern(x), _FINDING, bound) for x in resolver]
                    add(
                        f"{rule.id}|w{a}|r{r}",
                        [finding, *parsed],
                        _Part(rule, "resolve", key=key, resolver=tuple(p.name for p in parsed)),
                    )
                    fields = frozenset(reads([finding, *parsed], _FINDING) | {"fid"})
                    self.finding_fields[rule.id] = fields | self.finding_fields.get(rule.id, fields)
            # (field, binding, field of the binding) for each copied field, split once here
            self.finding_copy[rule.id] = tuple(
                (f, f.split("__", 1)[0], f.split("__", 1)[1])
                for f in sorted(self.finding_fields.get(rule.id, ()))
                if "__" in f
            )
            for c, clause in enumerate(rule.deadline):
                add(f"{rule.id}|d{c}|start", clause.when, _Part(rule, "start", clause=c))
                head = f'd: deadline where rule == "{rule.id}" and clause == {c}'
                negations = []
                for alt in clause.met_by:
                    if len(alt) != 1:
                        raise RulePackError(
                            f"{rule.source}: rule {rule.id}.deadline[{c}].met_by: "
                            "each alternative is one pattern"
                        )
                    negations.append("not " + alt[0])
                breach = [head, "k: clock where now >= d.breach_at", *negations]
                add(f"{rule.id}|d{c}|breach", breach, _Part(rule, "breach", clause=c, key=("d",)))
                deadline_reads = reads(breach, "d")
                for m, alt in enumerate(clause.met_by):
                    names = (parse_pattern(alt[0]).name,)
                    add(
                        f"{rule.id}|d{c}|met{m}",
                        [head, *alt],
                        _Part(rule, "met", clause=c, resolver=names),
                    )
                    deadline_reads |= reads(alt, "d")
                for warn in self.warnings_for.get(rule.id, []):
                    field = _warn_field(warn.id)
                    window = f"k: clock where now >= d.{field} and now < d.breach_at"
                    add(
                        f"{warn.id}|d{c}|warn",
                        [head, window, *negations],
                        _Part(warn, "warn", clause=c, key=("d",)),
                    )
                    deadline_reads |= reads([window], "d")
                    for m, alt in enumerate(clause.met_by):
                        names = (parse_pattern(alt[0]).name,)
                        add(
                            f"{warn.id}|d{c}|r{m}",
                            [head, *alt],
                            _Part(warn, "wresolve", clause=c, key=("d",), resolver=names),
                        )
                self.deadline_fields[(rule.id, c)] = frozenset(deadline_reads)
        self.ruleset = DurableRuleset(f"comity_{pack.digest[:16]}", durable_rules)


_COMPILED: dict[str, _Compiled] = {}


def _compiled(pack: RulePack) -> _Compiled:
    found = _COMPILED.get(pack.digest)
    if found is None or (found.pack is not pack and found.pack.digest != pack.digest):
        found = _COMPILED[pack.digest] = _Compiled(pack)
    return found


@attrs.define
class _Open:
    """A finding while the run is alive (mutable until the run reports it)."""

    rule: Rule
    fid: str
    raised_inst: str
    raised_at: str
    because: tuple[str, ...]
    bindings: dict[str, dict[str, Any]]
    due: str | None = None
    deadline: dict[str, Any] | None = None
    resolved_at: str | None = None
    resolved_by: tuple[str, ...] | None = None
    superseded_by: str | None = None


@attrs.define
class _Deadline:
    fact: dict[str, Any]
    because: tuple[str, ...]
    detail: dict[str, Any]
    due: str
    breach_display: str
    done: bool = False


class _CaseRun:
    """One case's live replay state on one durable session."""

    def __init__(self, compiled: _Compiled, case_id: str) -> None:
        self.compiled = compiled
        self.pack = compiled.pack
        self.case_id = case_id
        self.session: DurableSession = compiled.ruleset.open()
        self.projector = FactProjector()
        self.clock_fact: dict[str, Any] | None = None
        self.clock = ""  # the clock fact's instant: moves only on agenda instants
        self.horizon = ""  # the latest instant reached, by an event or the clock
        self.applying: StoredEvent | None = None  # the event whose facts are asserted
        # (instant, deadline fact id): the breach and warning instants of deadlines;
        # the clock skips those whose deadline is already met or breached.
        self.agenda: list[tuple[str, str]] = []
        self.findings: dict[str, _Open] = {}
        self.order: list[str] = []
        self.deadlines: dict[str, _Deadline] = {}
        self.finding_facts: dict[str, dict[str, Any]] = {}
        self.events: list[StoredEvent] = []
        self.changed_raised: list[str] = []
        self.changed_resolved: list[str] = []

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
        while self.agenda and self.agenda[0][0] <= limit:
            inst, deadline_id = heapq.heappop(self.agenda)
            if not self.deadlines[deadline_id].done:
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
        try:
            for fact in self.projector.facts(stored.event):
                self.session.assert_fact(fact)
                self._process()
        finally:
            self.applying = None
        self.advance(inst)  # deadlines the event itself started may already be due

    # -- firings -----------------------------------------------------------------------
    def _process(self) -> None:
        """Handle firings until none are left (handlers assert facts that fire more)."""
        while fired := self.session.take_fired():
            for name, bindings in fired:
                part = self.compiled.parts[name]
                if part.kind in _ON_DEADLINE:
                    # durable holds only the fields its rules test: read the whole fact
                    bindings["d"] = self.deadlines[bindings["d"]["id"]].fact
                getattr(self, "_on_" + part.kind)(part, bindings)

    def _events_of(
        self, bindings: dict[str, dict[str, Any]], names: Iterable[str]
    ) -> tuple[str, ...]:
        out: set[str] = set()
        for name in names:
            fact = bindings.get(name)
            if fact is None:
                continue
            if fact.get("t") == "deadline":
                out.update(self.deadlines[fact["id"]].because)
            elif "ev" in fact:
                out.add(fact["ev"])
        return tuple(sorted(out))

    def _value(self, bindings: dict[str, dict[str, Any]], binding: str, field: str) -> Any:
        fact = bindings.get(binding)
        if fact is not None and field in fact:
            return fact[field]
        deadline = bindings.get("d")
        if deadline is not None and f"{binding}__{field}" in deadline:
            return deadline[f"{binding}__{field}"]
        raise EngineError(f"rule refers to {binding}.{field}, which its patterns do not bind")

    def _render(self, rule: Rule, bindings: dict[str, dict[str, Any]]) -> str:
        def sub(m: re.Match[str]) -> str:
            return str(self._value(bindings, m.group(1), m.group(2)))

        return _TEMPLATE.sub(sub, rule.message)

    def _list(self, refs: Sequence[str], bindings: dict[str, dict[str, Any]]) -> tuple[str, ...]:
        values: set[str] = set()
        for ref in refs:
            binding, field = ref.split(".", 1)
            if binding not in bindings and not any(
                k.startswith(binding + "__") for k in bindings.get("d", {})
            ):
                continue  # the binding belongs to another alternative of the rule
            values.update(str(self._value(bindings, binding, field)).split(","))
        values.discard("")
        return tuple(sorted(values))

    def _fid(self, rule: Rule, because: Sequence[str], bindings: dict[str, dict[str, Any]]) -> str:
        subject = list(self._list(rule.assets, bindings))
        deadline = bindings.get("d")
        if deadline is not None:
            subject.append("ref:" + str(deadline["ref"]))
        return finding_id(rule.id, because, subject)

    def _raise(
        self,
        rule: Rule,
        key: Sequence[str],
        bindings: dict[str, dict[str, Any]],
        *,
        inst: str,
        display: str,
        due: str | None = None,
        deadline: dict[str, Any] | None = None,
    ) -> None:
        because = self._events_of(bindings, key)
        fid = self._fid(rule, because, bindings)
        if fid in self.findings:
            return  # hazard 9: the same match fired again (the clock was re-asserted)
        self.findings[fid] = _Open(
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

    def _now(self) -> tuple[str, str]:
        """The instant a firing happens at, and how a finding shows it: the event being
        applied, or (on a tick of the clock, e.g. a breach) the clock itself, never the
        last event before it."""
        if self.applying is not None:
            occurred = self.applying.event.occurred_at
            return instant(occurred), format_time(occurred)
        return self.clock, _display(self.clock, day_based=True)

    def _resolve(self, fid: str, resolved_by: tuple[str, ...]) -> None:
        found = self.findings.get(fid)
        if found is None or found.resolved_at is not None:
            return
        found.resolved_at = self._now()[1]
        found.resolved_by = resolved_by
        self.changed_resolved.append(fid)

    def _on_raise(self, part: _Part, bindings: dict[str, dict[str, Any]]) -> None:
        inst, display = self._now()
        before = len(self.order)
        self._raise(part.rule, part.key, bindings, inst=inst, display=display)
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

    def _on_resolve(self, part: _Part, bindings: dict[str, dict[str, Any]]) -> None:
        fid = str(bindings[_FINDING]["fid"])
        self._resolve(fid, self._events_of(bindings, part.resolver))
        fact = self.finding_facts.pop(fid, None)
        if fact is not None:  # resolved once: nothing more to match against
            self.session.retract_fact(fact)

    def _on_start(self, part: _Part, bindings: dict[str, dict[str, Any]]) -> None:
        rule = part.rule
        clause = rule.deadline[part.clause]
        because = self._events_of(
            bindings, [p.name for p in map(parse_pattern, clause.when) if not p.negated]
        )
        ref = str(self._value(bindings, *clause.ref.split(".", 1)))
        detail: dict[str, Any]
        if clause.last_day is not None:
            last_day = dt.date.fromisoformat(
                str(self._value(bindings, *clause.last_day.split(".", 1)))
            )
            breach_inst = f"{(last_day + dt.timedelta(days=1)).isoformat()}T00:00:00Z"
            due, breach_display = last_day.isoformat(), breach_inst[:10]
            stated_by = bindings[clause.last_day.split(".", 1)[0]]
            detail = {
                "parameter": None,
                "source": f"the expiry date stated in event {stated_by.get('ev', '?')}",
                "convention": (
                    f"in force to the end of {due}; it lapses at the start of {breach_display}"
                ),
                "confidence": None,
            }
            trigger_day = last_day
        else:
            assert clause.parameter is not None and clause.trigger is not None
            name = _TEMPLATE.sub(
                lambda m: str(self._value(bindings, m.group(1), m.group(2))), clause.parameter
            )
            binding, field = clause.trigger.split(".", 1)
            raw = self._value(bindings, binding, "atd" if field == "at" else field)
            trigger: dt.date | dt.datetime = (
                dt.date.fromisoformat(raw)
                if len(raw) == 10
                else dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
            )
            trigger_day = trigger if not isinstance(trigger, dt.datetime) else trigger.date()
            calendar = (
                str(self._value(bindings, *clause.calendar.split(".", 1)))
                if clause.calendar
                else None
            )
            params = self.pack.parameters
            value = params.get(name, trigger_day)
            if value is None and name not in params and clause.fallback_only_for:
                members = params.get(clause.fallback_only_for, trigger_day)
                if members is not None and calendar in (members.items or ()):
                    assert clause.fallback is not None
                    name = clause.fallback
                    value = params.get(name, trigger_day)
            if value is None or value.none_found or value.amount is None or value.counting is None:
                return  # no value in force, or the sources found no duration: no invented deadline
            fixed = self.pack.parameters.parameter(name).holidays_of
            if fixed is not None and fixed not in HOLIDAY_ROLES:
                calendar = fixed
            label = _trigger_label(bindings.get(binding, {}), raw)
            due_obj = value.due(trigger, calendar=calendar, trigger_name=label)
            assert due_obj is not None
            breach_inst = instant(due_obj.breach_at)
            day_based = due_obj.last_day is not None
            due = due_obj.last_day.isoformat() if due_obj.last_day else breach_inst
            breach_display = _display(breach_inst, day_based=day_based)
            detail = {
                "parameter": name,
                "value": value.amount,
                "unit": value.counting.unit,
                "convention": due_obj.convention,
                "source": {
                    # the same shape as a rule's legal basis, so consumers read one form
                    "instrument": value.reference.instrument,
                    "article": value.reference.article,
                    "reference": value.reference.address,
                    "confidence": value.confidence,
                    "note": f"parameter {name}, value in force from {value.valid_from}",
                },
                "confidence": value.confidence,
                "trigger": raw,
            }
            if value.counting.caveat:
                detail["caveat"] = value.counting.caveat
            if value.note:
                detail["note"] = value.note
        fact: dict[str, Any] = {
            "t": "deadline",
            "rule": rule.id,
            "clause": part.clause,
            "ref": ref,
            "breach_at": breach_inst,
            "due": due,
        }
        for name_, bound in bindings.items():
            for k, v in bound.items():
                if k not in ("id", "sid", "t") and isinstance(v, str | int | bool):
                    fact[f"{name_}__{k}"] = v
        warn_instants = []
        for warn in self.compiled.warnings_for.get(rule.id, []):
            assert warn.warning is not None
            window = self.pack.parameters.get(warn.warning.days_before, trigger_day)
            if window is None or window.amount is None:
                continue
            warn_at = breach_inst[:10]
            warn_day = dt.date.fromisoformat(warn_at) - dt.timedelta(days=int(window.amount))
            warn_inst = f"{warn_day.isoformat()}T00:00:00Z"
            # A warning cannot come before the event that started the period.
            warn_inst = max(warn_inst, self._now()[0])
            fact[_warn_field(warn.id)] = warn_inst
            warn_instants.append(warn_inst)
        stored = self.session.assert_fact(
            fact, only=self.compiled.deadline_fields[(rule.id, part.clause)]
        )
        self.deadlines[stored["id"]] = _Deadline(
            fact=stored, because=because, detail=detail, due=due, breach_display=breach_display
        )
        for inst in (*warn_instants, breach_inst):
            heapq.heappush(self.agenda, (inst, stored["id"]))
        self._process()

    def _finish_deadline(self, fact: dict[str, Any]) -> None:
        record = self.deadlines[fact["id"]]
        if not record.done:
            record.done = True
            self.session.retract_fact(record.fact)

    def _on_breach(self, part: _Part, bindings: dict[str, dict[str, Any]]) -> None:
        record = self.deadlines[bindings["d"]["id"]]
        if record.done:
            return
        self._raise(
            part.rule,
            part.key,
            bindings,
            inst=bindings["d"]["breach_at"],
            display=record.breach_display,
            due=record.due,
            deadline=dict(record.detail),
        )
        # Rules may react to a breach (a lapsed order no longer freezes anything).
        self.session.assert_fact(
            {"t": "breached", "rule": part.rule.id, "ref": record.fact["ref"], "at": self._now()[0]}
        )
        breach_fid = self._fid(part.rule, record.because, {"d": record.fact})
        for warn in self.compiled.warnings_for.get(part.rule.id, []):
            open_warning = self.findings.get(self._fid(warn, record.because, {"d": record.fact}))
            if open_warning is not None and open_warning.resolved_at is None:
                open_warning.resolved_at = record.breach_display
                open_warning.resolved_by = ()
                open_warning.superseded_by = breach_fid
                self.changed_resolved.append(open_warning.fid)
        self._finish_deadline(bindings["d"])

    def _on_met(self, part: _Part, bindings: dict[str, dict[str, Any]]) -> None:
        record = self.deadlines[bindings["d"]["id"]]
        if not record.done:
            for warn in self.compiled.warnings_for.get(part.rule.id, []):
                self._resolve(
                    self._fid(warn, record.because, {"d": record.fact}),
                    self._events_of(bindings, part.resolver),
                )
            self._finish_deadline(bindings["d"])

    def _on_warn(self, part: _Part, bindings: dict[str, dict[str, Any]]) -> None:
        record = self.deadlines[bindings["d"]["id"]]
        self._raise(
            part.rule,
            part.key,
            bindings,
            inst=self._now()[0],
            display=self._now()[1],
            due=record.due,
            deadline=dict(record.detail),
        )

    def _on_wresolve(self, part: _Part, bindings: dict[str, dict[str, Any]]) -> None:
        record = self.deadlines[bindings["d"]["id"]]
        self._resolve(
            self._fid(part.rule, record.because, {"d": record.fact}),
            self._events_of(bindings, part.resolver),
        )

    # -- results -----------------------------------------------------------------------
    def _bases(
        self, rule: Rule, jurisdictions: Sequence[str], raised_day: str
    ) -> list[dict[str, Any]]:
        """The rule's legal bases that apply between these jurisdictions on that day."""
        out = []
        for basis in rule.legal_basis:
            allowed = basis.only_for
            if isinstance(allowed, str):
                value = self.pack.parameters.get(allowed, dt.date.fromisoformat(raised_day))
                allowed = value.items if value is not None and value.items is not None else ()
            if allowed is None or (jurisdictions and set(jurisdictions) <= set(allowed)):
                out.append(basis.to_json())
        return out

    def _finding(self, item: _Open) -> Finding:
        rule = item.rule
        jurisdictions = self._list(rule.jurisdictions, item.bindings)
        legal = self._bases(rule, jurisdictions, item.raised_inst[:10])
        if item.deadline and isinstance(item.deadline.get("source"), dict):
            legal.append(item.deadline["source"])
        return Finding(
            finding_id=item.fid,
            case_id=self.case_id,
            category=rule.category,
            code=rule.code,
            rule=rule.id,
            rulepack=self.pack.digest,
            severity=rule.severity,
            title=rule.title,
            message=self._render(rule, item.bindings),
            jurisdictions=jurisdictions,
            assets=self._list(rule.assets, item.bindings),
            due=item.due,
            raised_at=item.raised_at,
            resolved_at=item.resolved_at,
            resolved_by=item.resolved_by,
            because=item.because,
            legal_basis=tuple(legal),
            deadline=item.deadline,
            superseded_by=item.superseded_by,
        )

    def take_changes(self) -> Changes:
        raised = tuple(self._finding(self.findings[f]) for f in self.changed_raised)
        resolved = tuple(
            self._finding(self.findings[f])
            for f in self.changed_resolved
            if f not in self.changed_raised
        )
        self.changed_raised, self.changed_resolved = [], []
        return Changes(raised=raised, resolved=resolved)

    def result(self) -> CaseResult:
        items = sorted(self.findings.values(), key=lambda f: (f.raised_inst, f.rule.id, f.fid))
        running = []
        for record in self.deadlines.values():
            if record.done:
                continue
            rule = self.pack.rule(record.fact["rule"])
            running.append(
                OpenDeadline(
                    case_id=self.case_id,
                    rule=rule.id,
                    code=rule.code,
                    ref=record.fact["ref"],
                    due=record.due,
                    breach_at=record.breach_display,
                    because=record.because,
                    detail=record.detail,
                )
            )
        running.sort(key=lambda d: (d.breach_at, d.rule, d.ref))
        return CaseResult(
            case_id=self.case_id,
            findings=tuple(self._finding(i) for i in items),
            open_deadlines=tuple(running),
        )


def _order(events: Iterable[StoredEvent]) -> list[StoredEvent]:
    return sorted(events, key=lambda s: (instant(s.event.occurred_at), s.seq))


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
    limit = as_of_limit(as_of)
    every = _order(events)
    ordered = [s for s in every if instant(s.event.occurred_at) <= limit]
    cid = case_id or (every[0].case_id if every else "")  # even if all are after as_of
    run = _CaseRun(_compiled(pack), cid)
    try:
        for stored in ordered:
            run.apply(stored)
        run.advance(limit)
        return run.result()
    finally:
        run.close()


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
    as the log grows.
    """
    ids = sorted(set(cases)) if cases is not None else log.case_ids(known_at=known_at)
    for case_id in ids:
        events = list(log.read_case(case_id, known_at=known_at))
        if events:
            yield replay_case(events, pack, as_of=as_of, case_id=case_id)


class CaseSession:
    """Incremental use for embedding: apply one new event, learn what changed.

    The result always equals a full replay of the same events to the same clock; an
    event older than the clock (a late report) replays the case from its events.
    Close the session (or use it as a context manager) to free its engine slot.
    """

    def __init__(self, pack: RulePack, case_id: str, events: Iterable[StoredEvent] = ()) -> None:
        self.pack = pack
        self.case_id = case_id
        self._run = _CaseRun(_compiled(pack), case_id)
        for stored in _order(events):
            self._run.apply(stored)
        self._run.take_changes()

    @property
    def clock(self) -> str:
        return self._run.horizon

    def apply(self, stored: StoredEvent) -> Changes:
        """Apply one stored event of this case; returns the findings raised or resolved."""
        if stored.case_id != self.case_id:
            raise EngineError(
                f"event {stored.event_id} belongs to case {stored.case_id}, not {self.case_id}"
            )
        if instant(stored.event.occurred_at) < self._run.horizon:
            return self._rebuild([*self._run.events, stored], self._run.horizon)
        self._run.apply(stored)
        return self._run.take_changes()

    def advance(self, as_of: dt.date | dt.datetime) -> Changes:
        """Run the clock up to `as_of`: deadlines breached meanwhile are raised."""
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
        run = self._run
        while run.agenda and run.deadlines[run.agenda[0][1]].done:
            heapq.heappop(run.agenda)  # advance skips these anyway
        if not run.agenda:
            return None
        return dt.datetime.strptime(run.agenda[0][0], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)

    def _rebuild(self, events: list[StoredEvent], limit: str) -> Changes:
        before = {f.finding_id: f for f in self._run.result().findings}
        self._run.close()
        self._run = _CaseRun(_compiled(self.pack), self.case_id)
        for stored in _order(events):
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
