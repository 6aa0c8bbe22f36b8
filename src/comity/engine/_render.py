"""Rendering: a finding the run raised, with its bindings, becomes a `Finding`.

The run keeps what a rule matched; the words (the message, the jurisdictions and
assets it names, the legal bases that apply) are worked out when a finding is
reported, so a finding resolved later is rendered once, whole.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from comity.engine._bindings import Bindings, listed, substitute
from comity.engine.findings import (
    Citation,
    CountedPeriod,
    DeadlineDetail,
    Finding,
    ParameterSource,
    time_of,
)
from comity.events.time import day_of, utc_day
from comity.rules.pack import Rule, RulePack

__all__ = ["Open", "render"]


@attrs.define
class Open:
    """A finding while the run is alive (mutable until the run reports it)."""

    rule: Rule
    fid: str
    raised_inst: str
    raised_at: str
    because: tuple[str, ...]
    bindings: Bindings
    due: str | None = None
    deadline: DeadlineDetail | None = None
    resolved_at: str | None = None
    resolved_by: tuple[str, ...] | None = None
    superseded_by: str | None = None


def _bases(
    pack: RulePack, rule: Rule, jurisdictions: Sequence[str], raised_day: str
) -> list[Citation]:
    """The rule's legal bases that apply between these jurisdictions on that day."""
    out = []
    for basis in rule.legal_basis:
        allowed = basis.only_for
        if isinstance(allowed, str):
            value = pack.parameters.get(allowed, day_of(raised_day))
            allowed = value.items if value is not None and value.items is not None else ()
        if allowed is None or (jurisdictions and set(jurisdictions) <= set(allowed)):
            out.append(
                Citation(
                    instrument=basis.instrument,
                    article=basis.article,
                    reference=basis.reference,
                    confidence=basis.confidence,
                    note=basis.note,
                    read_at=basis.read_at,
                )
            )
    return out


def render(item: Open, *, case_id: str, pack: RulePack) -> Finding:
    rule = item.rule
    jurisdictions = listed(rule.jurisdictions, item.bindings)
    legal: list[Citation | ParameterSource] = []
    legal.extend(_bases(pack, rule, jurisdictions, utc_day(item.raised_inst)))
    if isinstance(item.deadline, CountedPeriod):
        legal.append(item.deadline.source)
    return Finding(
        finding_id=item.fid,
        case_id=case_id,
        category=rule.category,
        code=rule.code,
        rule=rule.id,
        rulepack=pack.digest,
        severity=rule.severity,
        title=rule.title,
        message=substitute(rule.message, item.bindings),
        jurisdictions=jurisdictions,
        assets=listed(rule.assets, item.bindings),
        due=None if item.due is None else time_of(item.due),
        raised_at=time_of(item.raised_at),
        resolved_at=None if item.resolved_at is None else time_of(item.resolved_at),
        resolved_by=item.resolved_by,
        because=item.because,
        legal_basis=tuple(legal),
        deadline=item.deadline,
        superseded_by=item.superseded_by,
    )
