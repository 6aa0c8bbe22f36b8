"""A case's findings as rows, and the changes between two versions of a case.

A step of the watcher recomputes a case and compares the result with the rows stored
for it: what is new was raised, what is gone was withdrawn, what changed was resolved
(it gained a `resolved_at`) or updated. Comparing with what is stored, rather than
trusting what an engine session remembers, is what keeps the history exact across a
killed watcher, a cache miss or another watcher that took the case over.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
import orjson

from comity.engine import CaseResult

__all__ = [
    "CaseRows",
    "FindingRow",
    "StaleStep",
    "Update",
    "breach_instant",
    "case_rows",
    "diff",
    "stored_row",
]


class StaleStep(Exception):
    """Another watcher moved a row this step was computed from; nothing was written."""


def _dump(value: Any) -> str:
    return orjson.dumps(value).decode("utf-8")


def breach_instant(breach_at: str) -> str:
    """An open deadline's breach as an instant (a day-based one shows only its date)."""
    return f"{breach_at}T00:00:00Z" if len(breach_at) == 10 else breach_at


@attrs.frozen
class FindingRow:
    """What a row of `findings_current` holds of a finding, and its place in its case."""

    finding_id: str
    rank: int
    body: str  # the finding's JSON (`Finding.to_json()`), compact, in field order
    data: dict[str, Any]

    def columns(self, generation: int, changed_at: str) -> tuple[Any, ...]:
        d = self.data
        resolved_by = d.get("resolved_by")
        deadline = d.get("deadline")
        return (
            generation,
            self.finding_id,
            d["case_id"],
            self.rank,
            d["category"],
            d["code"],
            d["rule"],
            d["rulepack"],
            d["severity"],
            "open" if d.get("resolved_at") is None else "resolved",
            d["title"],
            d["message"],
            _dump(d["jurisdictions"]),
            _dump(d["assets"]),
            d.get("due"),
            d["raised_at"],
            d.get("resolved_at"),
            None if resolved_by is None else _dump(resolved_by),
            _dump(d["because"]),
            _dump(d["legal_basis"]),
            None if deadline is None else _dump(deadline),
            d.get("superseded_by"),
            changed_at,
            self.body,
        )


@attrs.frozen
class CaseRows:
    """A case as the store holds it: its findings by id and its open deadlines."""

    findings: dict[str, FindingRow]
    deadlines: tuple[str, ...]  # each open deadline's JSON, in the result's order


def case_rows(result: CaseResult) -> CaseRows:
    findings = {}
    for rank, finding in enumerate(result.findings):
        data = finding.to_json()
        findings[finding.finding_id] = FindingRow(finding.finding_id, rank, _dump(data), data)
    return CaseRows(findings, tuple(_dump(d.to_json()) for d in result.open_deadlines))


def stored_row(finding_id: str, rank: int, body: str) -> FindingRow:
    return FindingRow(finding_id, rank, body, orjson.loads(body))


@attrs.frozen
class Update:
    """One case's step: the rows to write and the changes to record."""

    case_id: str
    cause: str  # event | clock | replay
    expected: int | None  # the case row's position this step was computed from
    position: int
    clock: str
    next_at: str | None
    upserts: tuple[FindingRow, ...]
    withdrawn: tuple[str, ...]
    deadlines: tuple[str, ...] | None  # None: unchanged
    changes: tuple[tuple[str, str, str], ...]  # (finding_id, change, body)
    rows: CaseRows


def diff(
    case_id: str,
    old: CaseRows,
    new: CaseRows,
    *,
    cause: str,
    expected: int | None,
    position: int,
    clock: str,
    next_at: str | None,
) -> Update:
    upserts: list[FindingRow] = []
    changes: list[tuple[str, str, str]] = []
    for fid, row in new.findings.items():
        before = old.findings.get(fid)
        if before is None:
            upserts.append(row)
            changes.append((fid, "raised", row.body))
        elif before.body != row.body:
            upserts.append(row)
            newly = before.data.get("resolved_at") is None and row.data.get("resolved_at")
            changes.append((fid, "resolved" if newly else "updated", row.body))
        elif before.rank != row.rank:
            upserts.append(row)  # its place in the case moved: no change to record
    withdrawn: Sequence[str] = [fid for fid in old.findings if fid not in new.findings]
    for fid in withdrawn:
        changes.append((fid, "withdrawn", old.findings[fid].body))
    return Update(
        case_id=case_id,
        cause=cause,
        expected=expected,
        position=position,
        clock=clock,
        next_at=next_at,
        upserts=tuple(upserts),
        withdrawn=tuple(withdrawn),
        deadlines=None if old.deadlines == new.deadlines else new.deadlines,
        changes=tuple(changes),
        rows=new,
    )
