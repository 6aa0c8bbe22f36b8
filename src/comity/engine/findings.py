"""What the engine says: findings and open deadlines, in their contract JSON form.

Field names are the contract of DESIGN.md section 6: fields may be added, never
renamed. `to_json` returns fields in the documented order so that output reads the
same everywhere; serialisation itself (sorted or not) is the caller's choice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

import attrs

__all__ = ["CaseResult", "Changes", "Finding", "OpenDeadline", "finding_id"]


def finding_id(rule_id: str, event_ids: Iterable[str], subject: Iterable[str] = ()) -> str:
    """Stable across processes, stores and replays: the rule id and the matched events.

    `subject` (the assets, or a deadline's reference) separates two findings that one
    event supports, e.g. an FIU suspension of two accounts lapsing for both.
    """
    material = "\n".join([rule_id, *sorted(set(event_ids)), "", *sorted(set(subject))])
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:20]


@attrs.frozen(kw_only=True)
class Finding:
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
    due: str | None
    raised_at: str
    resolved_at: str | None
    resolved_by: tuple[str, ...] | None
    because: tuple[str, ...]
    legal_basis: tuple[dict[str, Any], ...]
    # For deadlines and warnings: the parameter, its source and the counting used.
    deadline: dict[str, Any] | None = None
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
            "due": self.due,
            "raised_at": self.raised_at,
            "resolved_at": self.resolved_at,
            "resolved_by": None if self.resolved_by is None else list(self.resolved_by),
            "because": list(self.because),
            "legal_basis": [dict(b) for b in self.legal_basis],
        }
        if self.deadline is not None:
            out["deadline"] = self.deadline
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
    due: str
    breach_at: str
    because: tuple[str, ...]
    detail: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "rule": self.rule,
            "code": self.code,
            "ref": self.ref,
            "due": self.due,
            "breach_at": self.breach_at,
            "because": list(self.because),
            **self.detail,
        }


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
