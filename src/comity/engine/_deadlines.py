"""Deadlines: when a started period is over, when to warn, and which are still running.

A period starts when a deadline clause's patterns match. Its breach instant is either
the day after a last day an event states (an order's `expires_on`) or the end of a
dated legal parameter counted from a trigger; warnings open a parameter's number of
days before it. The agenda holds those instants, which are all the clock moves to
besides events; a deadline met or breached leaves it.

A period that would end after 9999-12-31, the last day a date can hold (an order
stored with `expires_on` 9999-12-31, a long period from a late trigger), does not lapse
within the dates comity can count: no deadline is started for it, so it is neither
breached, warned about nor listed as open, and the order stays in force however far
the clock runs. Nothing here raises on such a date.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Iterator
from typing import Any

import attrs

from comity.engine._bindings import Bindings, substitute, value_of
from comity.engine._compiler import warn_field
from comity.engine._facts import instant
from comity.engine.findings import CountedPeriod, DeadlineDetail, ParameterSource, StatedLastDay
from comity.events.time import day_of, shown_time, time_of, utc_day
from comity.rules.calendar import Counting, Due, PeriodOutOfRange, due_on, warning_at_in
from comity.rules.pack import DeadlineClause, Maximum, Rule
from comity.rules.params import HOLIDAY_ROLES, ParameterSet

__all__ = ["Agenda", "Deadline", "Period", "deadline_fact", "display", "start_period"]


def display(inst: str, *, day_based: bool) -> str:
    """How a finding shows an instant: a date when the period counts days and the
    instant is the start of that day."""
    return shown_time(inst) if day_based else inst


_TRIGGER_WORDS = {
    "received": "receipt of request {request_id}",
    "postponement": "FIU suspension {postponement_id}",
    "issued": "order {order_id}",
    "extension": "the extension of order {order_id}",
    "mla": "request {request_id}",
    "reported": "report {report_id}",
    "fiu_decision": "the decision on report {report_id}",
    "claim": "claim {claim_id}",
    "status": "the status report on request {request_id}",
}


def _trigger_label(fact: dict[str, Any], when: str) -> str:
    """Words for what started a period, e.g. `receipt of request R1 (2019-05-28)`."""
    template = _TRIGGER_WORDS.get(str(fact.get("t")), "event {ev}")
    try:
        text = template.format(**fact)
    except KeyError:
        text = f"event {fact.get('ev', '?')}"
    return f"{text} ({when})"


@attrs.frozen
class Period:
    """A period that has started: when it is over, and what that rests on."""

    counted: Due  # the calendar's answer, which the instants below are the text of
    due: str  # the last day in time, or (for periods in hours) the breach instant
    breach_at: str
    breach_display: str
    detail: DeadlineDetail  # the parameter, its source and the counting used
    trigger_day: dt.date
    counting: Counting | None = None  # how the parameter counts (None: a stated date)
    calendar: str | None = None  # whose holidays it counted


def _in_list(params: ParameterSet, name: str, on: dt.date, codes: list[str]) -> bool:
    members = params.get(name, on)
    return members is not None and all(c in (members.items or ()) for c in codes)


def start_period(
    clause: DeadlineClause,
    bindings: Bindings,
    params: ParameterSet,
    maxima: tuple[Maximum, ...] = (),
) -> Period | None:
    """The period `clause` starts on these bindings; None when no value is in force, the
    sources found no duration (comity invents no deadline), or the clause's instrument
    does not bind the jurisdictions concerned on the trigger day (`only_for`).

    A statutory maximum that applies (`maxima`) ends the period earlier when it ends
    first: an order stated, or extended, beyond the law's outer limit lapses at it.
    """
    period = _own_period(clause.last_day, clause, bindings, params)
    if period is None:
        return None
    if clause.only_for is not None:
        codes = [str(value_of(bindings, *r.split(".", 1))) for r in clause.only_for_jurisdictions]
        if not _in_list(params, clause.only_for, period.trigger_day, codes):
            return None
    for maximum in maxima:
        binding, field = maximum.field.split(".", 1)
        if binding not in bindings or str(value_of(bindings, binding, field)) not in maximum.values:
            continue
        capped = _own_period(
            None,
            attrs.evolve(
                clause,
                parameter=maximum.parameter,
                trigger=maximum.trigger,
                calendar=maximum.calendar,
                last_day=None,
                fallback=None,
                fallback_only_for=None,
            ),
            bindings,
            params,
        )
        if capped is not None and capped.breach_at < period.breach_at:
            detail = attrs.evolve(
                capped.detail,
                convention=(
                    f"the statutory maximum ends the period before {period.due}, the end the "
                    f"events state; {capped.detail.convention}"
                ),
            )
            period = attrs.evolve(capped, detail=detail)
    return period


def _own_period(
    last_day_ref: str | None, clause: DeadlineClause, bindings: Bindings, params: ParameterSet
) -> Period | None:
    """The period of the clause itself, before `only_for` and any maximum."""
    if last_day_ref is not None:
        last_day = day_of(str(value_of(bindings, *last_day_ref.split(".", 1))))
        due = last_day.isoformat()
        try:
            lapse = due_on(last_day, convention=f"in force to the end of {due}")
        except PeriodOutOfRange:
            return None  # beyond the calendar: see the module docstring
        breach_inst = instant(lapse.breach_at)
        breach_display = utc_day(breach_inst)
        stated_by = bindings[last_day_ref.split(".", 1)[0]]
        stated = StatedLastDay(
            source=f"the expiry date stated in event {stated_by.get('ev', '?')}",
            convention=f"{lapse.convention}; it lapses at the start of {breach_display}",
        )
        return Period(lapse, due, breach_inst, breach_display, stated, last_day)
    assert clause.parameter is not None and clause.trigger is not None
    name = substitute(clause.parameter, bindings)
    binding, field = clause.trigger.split(".", 1)
    raw = value_of(bindings, binding, "atd" if field == "at" else field)
    trigger = time_of(raw)
    trigger_day = trigger if not isinstance(trigger, dt.datetime) else trigger.date()
    calendar = str(value_of(bindings, *clause.calendar.split(".", 1))) if clause.calendar else None
    value = params.get(name, trigger_day)
    if value is None and name not in params and clause.fallback_only_for:
        members = params.get(clause.fallback_only_for, trigger_day)
        if members is not None and calendar in (members.items or ()):
            assert clause.fallback is not None
            name = clause.fallback
            value = params.get(name, trigger_day)
    if value is None or value.none_found or value.amount is None or value.counting is None:
        return None
    fixed = params.parameter(name).holidays_of
    if fixed is not None and fixed not in HOLIDAY_ROLES:
        calendar = fixed
    label = _trigger_label(bindings.get(binding, {}), raw)
    try:
        due_obj = value.due(trigger, calendar=calendar, trigger_name=label)
    except PeriodOutOfRange:
        return None  # beyond the calendar: see the module docstring
    assert due_obj is not None
    breach_inst = instant(due_obj.breach_at)
    day_based = due_obj.last_day is not None
    due = due_obj.last_day.isoformat() if due_obj.last_day else breach_inst
    reference = value.reference
    detail = CountedPeriod(
        parameter=name,
        value=value.amount,
        unit=value.counting.unit,
        convention=due_obj.convention,
        # the same shape as a rule's legal basis, so consumers read one form
        source=ParameterSource(
            instrument=reference.instrument,
            article=reference.article,
            reference=reference.address,
            confidence=value.confidence,
            note=f"parameter {name}, value in force from {value.valid_from}",
            read_at=reference.read_at,
        ),
        confidence=value.confidence,
        trigger=trigger,
        caveat=value.counting.caveat or None,
        note=value.note or None,
    )
    return Period(
        due_obj,
        due,
        breach_inst,
        display(breach_inst, day_based=day_based),
        detail,
        trigger_day,
        counting=value.counting,
        calendar=calendar,
    )


def deadline_fact(
    rule_id: str, clause: int, ref: str, period: Period, bindings: Bindings
) -> dict[str, Any]:
    """The fact the breach and met rules join on, with copies of the bound facts'
    fields (for the finding's message once those facts are gone)."""
    fact: dict[str, Any] = {
        "t": "deadline",
        "rule": rule_id,
        "clause": clause,
        "ref": ref,
        "breach_at": period.breach_at,
        "due": period.due,
    }
    for name, bound in bindings.items():
        for k, v in bound.items():
            if k not in ("id", "sid", "t") and isinstance(v, str | int | bool):
                fact[f"{name}__{k}"] = v
    return fact


def warning_instants(
    warnings: list[Rule], params: ParameterSet, period: Period, not_before: str
) -> list[tuple[str, str]]:
    """(deadline fact field, instant) of each warning: when its window opens.

    Every warning gets its field, because the warning rule compares the clock with it
    and durable fails on a fact that lacks it (error 311, for an order dated before the
    window's first value). A window not in force on the trigger day opens at the breach,
    so it is empty: no warning.
    """
    out = []
    for warn in warnings:
        assert warn.warning is not None
        if warn.warning.at_start or warn.warning.days_before is None:
            # Needed from the moment the period starts (a court order during an FIU
            # suspension of a few working days): raised with the event that starts it.
            out.append((warn_field(warn.id), not_before))
            continue
        window = params.get(warn.warning.days_before, period.trigger_day)
        if window is None or window.amount is None:
            out.append((warn_field(warn.id), period.breach_at))
            continue
        opens = instant(
            warning_at_in(
                period.counted,
                int(window.amount),
                counting=period.counting,
                calendar=period.calendar,
            )
        )
        # A warning cannot come before the event that started the period.
        out.append((warn_field(warn.id), max(opens, not_before)))
    return out


@attrs.define
class Deadline:
    """A started period, as the run keeps it until it is met or breached."""

    fact: dict[str, Any]  # as durable stored it (with its id)
    because: tuple[str, ...]
    detail: DeadlineDetail
    due: str
    breach_display: str
    done: bool = False
    breached: bool = False  # a next step's period passed; live until met


class Agenda:
    """The case's deadlines, and their breach and warning instants in time order."""

    def __init__(self) -> None:
        self.records: dict[str, Deadline] = {}
        # (instant, deadline fact id); instants of finished deadlines are skipped.
        self._heap: list[tuple[str, str]] = []

    def __getitem__(self, deadline_id: str) -> Deadline:
        return self.records[deadline_id]

    def add(self, record: Deadline, instants: Iterator[str] | list[str]) -> None:
        deadline_id = record.fact["id"]
        self.records[deadline_id] = record
        for inst in instants:
            heapq.heappush(self._heap, (inst, deadline_id))

    def due_through(self, limit: str) -> Iterator[str]:
        """The instants up to `limit` of deadlines still running, each when it comes:
        what the caller does at one may finish (or start) others."""
        while self._heap and self._heap[0][0] <= limit:
            inst, deadline_id = heapq.heappop(self._heap)
            if not self.records[deadline_id].done:
                yield inst

    def next_instant(self) -> str | None:
        """The earliest instant of a deadline still running, if any."""
        while self._heap and self.records[self._heap[0][1]].done:
            heapq.heappop(self._heap)  # due_through skips these anyway
        return self._heap[0][0] if self._heap else None

    def finish(self, deadline_id: str) -> Deadline | None:
        """Mark a deadline met or breached; its record if it was still running."""
        record = self.records[deadline_id]
        if record.done:
            return None
        record.done = True
        return record

    def running(self) -> list[Deadline]:
        return [r for r in self.records.values() if not r.done]
