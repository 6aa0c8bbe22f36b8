"""What the engine says: findings and open deadlines, typed, with their contract JSON.

Inside, a finding holds values (days and instants as `date` and `datetime`, its legal
bases and deadline detail as classes), so that code reading one never parses text and
a finding is hashable; `to_json` is the one place they become the contract's text.
Field names are that contract (docs/cli.md): fields may be added, never renamed.
`to_json` returns fields in the documented order so that output reads the same
everywhere; serialisation itself (sorted or not) is the caller's choice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any, TypeAlias

import attrs

from comity.events.time import format_time, time_of
from comity.events.types import ValidTime
from comity.rules._rule import citation_json

__all__ = [
    "CaseResult",
    "Changes",
    "Citation",
    "CountedPeriod",
    "DeadlineDetail",
    "Finding",
    "OpenDeadline",
    "ParameterSource",
    "StatedLastDay",
    "finding_id",
    "time_of",
]


def finding_id(rule_id: str, event_ids: Iterable[str], subject: Iterable[str] = ()) -> str:
    """Stable across processes, stores and replays: the rule id and the matched events.

    `subject` (the assets, or a deadline's reference) separates two findings that one
    event supports, e.g. an FIU suspension of two accounts lapsing for both.
    """
    material = "\n".join([rule_id, *sorted(set(event_ids)), "", *sorted(set(subject))])
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:20]


def _text(value: ValidTime | None) -> str | None:
    return None if value is None else format_time(value)


@attrs.frozen(kw_only=True)
class Citation:
    """A legal basis of a rule, as a finding cites it (`LegalBasis` less its scope)."""

    instrument: str
    article: str
    reference: str
    confidence: str
    note: str | None = None
    read_at: str | None = None

    def to_json(self) -> dict[str, Any]:
        return citation_json(self)


@attrs.frozen(kw_only=True)
class ParameterSource:
    """Where a counted period's length comes from: the parameter's reference.

    It reads like a `Citation` (consumers read one form) and a deadline finding cites
    it among its legal bases; `note` names the parameter and the day its value is in
    force from.
    """

    instrument: str
    article: str
    reference: str
    confidence: str
    note: str
    read_at: str | None = None

    def to_json(self) -> dict[str, Any]:
        out = {
            "instrument": self.instrument,
            "article": self.article,
            "reference": self.reference,
            "confidence": self.confidence,
            "note": self.note,
        }
        if self.read_at is not None:
            out["read_at"] = self.read_at
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ParameterSource:
        return cls(**data)


@attrs.frozen(kw_only=True)
class StatedLastDay:
    """A period whose last day an event states (an order's `expires_on`)."""

    source: str  # in words: which event states the date
    convention: str
    # Always None here; kept so that every detail answers the same questions.
    parameter: None = None
    confidence: None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "parameter": None,
            "source": self.source,
            "convention": self.convention,
            "confidence": None,
        }


@attrs.frozen(kw_only=True)
class CountedPeriod:
    """A period counted from a trigger: the parameter, its value, source and counting."""

    parameter: str
    value: int
    unit: str
    convention: str
    source: ParameterSource
    confidence: str
    trigger: ValidTime  # when the period started
    caveat: str | None = None
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "parameter": self.parameter,
            "value": self.value,
            "unit": self.unit,
            "convention": self.convention,
            "source": self.source.to_json(),
            "confidence": self.confidence,
            "trigger": format_time(self.trigger),
        }
        if self.caveat:
            out["caveat"] = self.caveat
        if self.note:
            out["note"] = self.note
        return out


#: How a deadline (and a finding about one) says what its period rests on.
DeadlineDetail: TypeAlias = StatedLastDay | CountedPeriod


def _detail_of(data: Mapping[str, Any]) -> DeadlineDetail:
    """A detail back from its JSON form (`to_json`), e.g. as a findings store holds it."""
    if data["parameter"] is None:
        return StatedLastDay(source=data["source"], convention=data["convention"])
    return CountedPeriod(
        parameter=data["parameter"],
        value=data["value"],
        unit=data["unit"],
        convention=data["convention"],
        source=ParameterSource.from_json(data["source"]),
        confidence=data["confidence"],
        trigger=time_of(data["trigger"]),
        caveat=data.get("caveat"),
        note=data.get("note"),
    )


@attrs.frozen(kw_only=True)
class Finding:
    """One conclusion of a replay: an overlap, a deadline missed or a next step, with
    the legal basis it rests on and the events that raised and resolved it.

    A frozen, hashable value; `finding_id` is stable across replays of the same facts
    (docs/engine.md). `to_json()` gives the documented JSON (docs/cli.md, "A finding").
    """

    finding_id: str
    case_id: str
    category: str
    code: str
    rule: str
    rulepack: str
    severity: str
    title: str
    message: str
    jurisdictions: tuple[str, ...]
    assets: tuple[str, ...]
    # A day, or an instant for periods counted in hours (as the period counts).
    due: ValidTime | None
    raised_at: ValidTime
    resolved_at: ValidTime | None
    resolved_by: tuple[str, ...] | None
    because: tuple[str, ...]
    legal_basis: tuple[Citation | ParameterSource, ...]
    # For deadlines and warnings: the parameter, its source and the counting used.
    deadline: DeadlineDetail | None = None
    # A warning closed because the deadline it warned about was missed: the breach finding.
    superseded_by: str | None = None

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "finding_id": self.finding_id,
            "case_id": self.case_id,
            "category": self.category,
            "code": self.code,
            "rule": self.rule,
            "rulepack": self.rulepack,
            "severity": self.severity,
            "title": self.title,
            "message": self.message,
            "jurisdictions": list(self.jurisdictions),
            "assets": list(self.assets),
            "due": _text(self.due),
            "raised_at": format_time(self.raised_at),
            "resolved_at": _text(self.resolved_at),
            "resolved_by": None if self.resolved_by is None else list(self.resolved_by),
            "because": list(self.because),
            "legal_basis": [b.to_json() for b in self.legal_basis],
        }
        if self.deadline is not None:
            out["deadline"] = self.deadline.to_json()
        if self.superseded_by is not None:
            out["superseded_by"] = self.superseded_by
        return out


@attrs.frozen(kw_only=True)
class OpenDeadline:
    """A period running at `as_of`: neither met nor breached yet."""

    case_id: str
    rule: str
    code: str
    ref: str
    due: ValidTime  # the last day, or (for periods in hours) the breach instant
    breach_at: ValidTime  # the first day (or instant) it is late
    because: tuple[str, ...]
    detail: DeadlineDetail

    def to_json(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "rule": self.rule,
            "code": self.code,
            "ref": self.ref,
            "due": format_time(self.due),
            "breach_at": format_time(self.breach_at),
            "because": list(self.because),
            **self.detail.to_json(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> OpenDeadline:
        """An open deadline back from `to_json()`'s form (a findings store keeps that)."""
        fixed = ("case_id", "rule", "code", "ref", "due", "breach_at", "because")
        return cls(
            case_id=data["case_id"],
            rule=data["rule"],
            code=data["code"],
            ref=data["ref"],
            due=time_of(data["due"]),
            breach_at=time_of(data["breach_at"]),
            because=tuple(data["because"]),
            detail=_detail_of({k: v for k, v in data.items() if k not in fixed}),
        )


@attrs.frozen(kw_only=True)
class CaseResult:
    """One case's replay, or (with `error`) why it could not be replayed.

    A replay of many cases reports a case that fails as a result with `error` set and
    no findings, and goes on with the next, so that one case can never hide the others.
    Its findings are unknown, not absent: check `error` before trusting them.
    """

    case_id: str
    findings: tuple[Finding, ...]
    open_deadlines: tuple[OpenDeadline, ...]
    error: str | None = None
    """Why the case could not be replayed: one line."""

    @classmethod
    def failed(cls, case_id: str, error: str) -> CaseResult:
        return cls(case_id=case_id, findings=(), open_deadlines=(), error=error)

    def to_json(self) -> dict[str, Any]:
        if self.error is not None:
            # No "findings" key at all: a reader that skips `error` fails loudly rather
            # than reading "no findings" into a case nobody replayed.
            return {"case_id": self.case_id, "error": self.error}
        return {
            "case_id": self.case_id,
            "findings": [f.to_json() for f in self.findings],
            "open_deadlines": [d.to_json() for d in self.open_deadlines],
        }


@attrs.frozen(kw_only=True)
class Changes:
    """What one incremental step changed.

    `raised` and `resolved` are findings new or newly resolved; `updated` findings
    already reported whose content changed; `withdrawn` are
    findings an earlier step reported that no longer stand, because a late event
    (valid time before the clock) changed the case's history, e.g. the lift of a
    freeze dated before the transfer it had been blamed for.
    """

    raised: tuple[Finding, ...] = ()
    resolved: tuple[Finding, ...] = ()
    withdrawn: tuple[Finding, ...] = ()
    # Findings reported before whose content a late event changed (e.g. resolved
    # earlier, or a resolution taken back): the new version replaces the old.
    updated: tuple[Finding, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.raised or self.resolved or self.withdrawn or self.updated)
