"""A case's findings as rows, and the changes between two versions of a case.

A step of the watcher recomputes a case and compares the result with the rows stored
for it: what is new was raised, what is gone was withdrawn, what changed was resolved
(it gained a `resolved_at`) or updated. Comparing with what is stored, rather than
trusting what an engine session remembers, is what keeps the history exact across a
killed watcher, a cache miss or another watcher that took the case over.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import attrs
import orjson

from comity.engine import CaseResult, Cause

__all__ = [
    "CaseRows",
    "FindingRow",
    "StaleStep",
    "Update",
    "breach_instant",
    "case_rows",
    "diff",
    "dump_update",
    "load_update",
    "replayed",
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
    #: (finding_id, change, body, cause, position, clock): what each change was caused
    #: by, `event` at `position` or `clock` at the instant `clock`.
    changes: tuple[tuple[str, str, str, str, int | None, str], ...]
    rows: CaseRows


#: What caused one change of a finding: (cause, position, clock), given the finding's
#: id and the change; None to take the step's own cause.
Attribute = Callable[[str, str], "tuple[str, int | None, str] | None"]


def _open_body(row: FindingRow) -> str:
    """The finding as it was when raised, before it was resolved: a resolved finding
    differs from its open self only in these fields (`Finding.to_json`)."""
    data = dict(row.data)
    data["resolved_at"] = None
    data["resolved_by"] = None
    data.pop("superseded_by", None)
    return _dump(data)


def _of(cause: Cause, clock: str) -> tuple[str, int | None, str]:
    if cause.position is None:
        return ("clock", None, cause.instant)
    return ("event", cause.position, clock)


def replayed(
    case_id: str,
    new: CaseRows,
    *,
    causes: Callable[[str], tuple[Cause, Cause | None] | None],
    position: int,
    clock: str,
    next_at: str | None,
) -> Update:
    """A case computed whole into an empty store (a build): every finding is new, and
    its history is what the engine saw while applying the case's events: raised by
    the event (or the clock instant) that raised it, then resolved by the one that
    resolved it. One event that did both is one change, `raised`, as in a step."""
    changes: list[tuple[str, str, str, str, int | None, str]] = []
    for fid, row in new.findings.items():
        found = causes(fid)
        if found is None:  # not the engine's (cannot happen): the case's last event
            changes.append((fid, "raised", row.body, "event", position, clock))
            continue
        raised, resolved = found
        if resolved is None or resolved == raised or row.data.get("resolved_at") is None:
            changes.append((fid, "raised", row.body, *_of(raised, clock)))
        else:
            changes.append((fid, "raised", _open_body(row), *_of(raised, clock)))
            changes.append((fid, "resolved", row.body, *_of(resolved, clock)))
    return Update(
        case_id=case_id,
        cause="event",
        expected=None,
        position=position,
        clock=clock,
        next_at=next_at,
        upserts=tuple(new.findings.values()),
        withdrawn=(),
        deadlines=new.deadlines if new.deadlines else None,
        changes=tuple(changes),
        rows=new,
    )


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
    attribute: Attribute | None = None,
) -> Update:
    """The changes from `old` to `new`, each caused by the step's own cause (`cause`,
    at `position` or at `clock`) unless `attribute` names a more exact one."""
    upserts: list[FindingRow] = []
    changes: list[tuple[str, str, str, str, int | None, str]] = []
    step = (cause, position if cause != "clock" else None, clock)

    def add(fid: str, change: str, body: str) -> None:
        why = attribute(fid, change) if attribute is not None else None
        changes.append((fid, change, body, *(why or step)))

    for fid, row in new.findings.items():
        before = old.findings.get(fid)
        if before is None:
            upserts.append(row)
            raised = attribute(fid, "raised") if attribute is not None else None
            resolved = attribute(fid, "resolved") if attribute is not None else None
            if (
                row.data.get("resolved_at") is not None
                and raised is not None
                and resolved is not None
                and raised != resolved
            ):
                # Raised and resolved within the step, by two different events or
                # instants: two changes, as a step per event would have recorded.
                changes.append((fid, "raised", _open_body(row), *raised))
                changes.append((fid, "resolved", row.body, *resolved))
            else:
                add(fid, "raised", row.body)
        elif before.body != row.body:
            upserts.append(row)
            newly = before.data.get("resolved_at") is None and row.data.get("resolved_at")
            add(fid, "resolved" if newly else "updated", row.body)
        elif before.rank != row.rank:
            upserts.append(row)  # its place in the case moved: no change to record
    withdrawn: Sequence[str] = [fid for fid in old.findings if fid not in new.findings]
    for fid in withdrawn:
        add(fid, "withdrawn", old.findings[fid].body)
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


def dump_update(u: Update) -> str:
    """A case's step as JSON, for a part of a step computed by another watcher."""
    return _dump(
        {
            "case_id": u.case_id,
            "cause": u.cause,
            "expected": u.expected,
            "position": u.position,
            "clock": u.clock,
            "next_at": u.next_at,
            "upserts": [[r.finding_id, r.rank, r.body] for r in u.upserts],
            "withdrawn": list(u.withdrawn),
            "deadlines": None if u.deadlines is None else list(u.deadlines),
            "changes": [list(c) for c in u.changes],
        }
    )


def load_update(text: str) -> Update:
    """`dump_update` back (the rows it carries are what it writes, nothing more)."""
    d = orjson.loads(text)
    upserts = tuple(stored_row(fid, int(rank), body) for fid, rank, body in d["upserts"])
    deadlines = None if d["deadlines"] is None else tuple(d["deadlines"])
    return Update(
        case_id=d["case_id"],
        cause=d["cause"],
        expected=d["expected"],
        position=d["position"],
        clock=d["clock"],
        next_at=d["next_at"],
        upserts=upserts,
        withdrawn=tuple(d["withdrawn"]),
        deadlines=deadlines,
        changes=tuple(
            (fid, change, body, cause, position, clock)
            for fid, change, body, cause, position, clock in d["changes"]
        ),
        rows=CaseRows({r.finding_id: r for r in upserts}, deadlines or ()),
    )
