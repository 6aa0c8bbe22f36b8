"""A case's findings as rows, and the changes between two versions of a case.

A step of the watcher recomputes a case and compares the result with the rows stored
for it: what is new was raised, what is gone was withdrawn, what changed was resolved
(it gained a `resolved_at`) or updated. Comparing with what is stored, rather than
trusting what an engine session remembers, is what keeps the history exact across a
killed watcher, a cache miss or another watcher that took the case over.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any

import attrs
import orjson

from comity.engine import CaseResult, Cause
from comity.events.time import first_instant_of

__all__ = [
    "LEGAL_REF",
    "CaseRows",
    "FindingRow",
    "StaleStep",
    "Update",
    "breach_instant",
    "case_rows",
    "diff",
    "dump_update",
    "failed",
    "legal_sha",
    "load_update",
    "pack_legal_basis",
    "replayed",
    "stored_row",
]


class StaleStep(Exception):
    """Another watcher moved a row this step was computed from; nothing was written."""


def _dump(value: Any) -> str:
    return orjson.dumps(value).decode("utf-8")


#: How a row names a finding's legal basis: by the sha256 of its JSON, whose text is
#: kept once in `findings_blobs` (content-addressed, as the rule pack archive is).
#: A legal basis is the rule's citations and its parameters' sources: the same few
#: kilobytes for every finding of a rule, most of each finding's JSON. Written in
#: every row and history entry, it made the findings store four times the size of the
#: log and its writes most of what a catch-up costs over a replay.
LEGAL_REF = "sha256:"

#: The reference of each legal basis text seen lately (texts repeat: a few per rule).
_refs: dict[str, str] = {}


def _legal_ref(text: str) -> str:
    ref = _refs.get(text)
    if ref is None:
        if len(_refs) >= 4096:
            _refs.clear()
        ref = _refs[text] = LEGAL_REF + hashlib.sha256(text.encode("utf-8")).hexdigest()
    return ref


def pack_legal_basis(data: dict[str, Any], texts: dict[str, str]) -> bool:
    """Put a reference in place of the finding's legal basis (in `data`, in place,
    keeping the key's place), adding its text to `texts` (sha256 -> text); False if
    it already is one (a row written in this form)."""
    basis = data.get("legal_basis")
    if not isinstance(basis, list):
        return False
    text = _dump(basis)
    ref = _legal_ref(text)
    texts[ref[len(LEGAL_REF) :]] = text
    data["legal_basis"] = ref
    return True


def legal_sha(data: dict[str, Any]) -> str | None:
    """The sha256 a packed finding's legal basis refers to (None if it holds the list)."""
    basis = data.get("legal_basis")
    if isinstance(basis, str) and basis.startswith(LEGAL_REF):
        return basis[len(LEGAL_REF) :]
    return None


def breach_instant(breach_at: str) -> str:
    """An open deadline's breach as an instant (a day-based one shows only its date)."""
    return first_instant_of(breach_at)


@attrs.frozen
class FindingRow:
    """What a row of `findings_current` holds of a finding, and its place in its case.

    `body` is the finding's JSON (`Finding.to_json()`, compact, in field order) with
    its legal basis packed (`pack_legal_basis`); `data` is that JSON parsed. The store
    puts the legal basis back when it hands a finding out.
    """

    finding_id: str
    rank: int
    body: str
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
            d["legal_basis"] if isinstance(d["legal_basis"], str) else _dump(d["legal_basis"]),
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
    #: The legal basis texts the findings' bodies refer to (sha256 -> text), where
    #: they may not be stored yet: those of a computed case, or of rows written before
    #: legal bases were kept apart (read back in the packed form, to compare).
    texts: dict[str, str] = attrs.field(factory=dict)


def case_rows(result: CaseResult) -> CaseRows:
    findings = {}
    texts: dict[str, str] = {}
    for rank, finding in enumerate(result.findings):
        data = finding.to_json()
        pack_legal_basis(data, texts)
        findings[finding.finding_id] = FindingRow(finding.finding_id, rank, _dump(data), data)
    return CaseRows(findings, tuple(_dump(d.to_json()) for d in result.open_deadlines), texts)


def stored_row(
    finding_id: str, rank: int, body: str, texts: dict[str, str] | None = None
) -> FindingRow:
    """A row read back; one written with its legal basis inline is packed (its text
    added to `texts`), so that it compares equal to the same finding computed now."""
    data = orjson.loads(body)
    if texts is not None and pack_legal_basis(data, texts):
        body = _dump(data)
    return FindingRow(finding_id, rank, body, data)


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
    #: (sha256, text) of the legal bases its rows and changes refer to.
    texts: tuple[tuple[str, str], ...] = ()
    #: Why the case could not be computed (`CaseResult.error`); it then has no rows.
    error: str | None = None


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
        texts=tuple(new.texts.items()),
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
        texts=tuple({**old.texts, **new.texts}.items()),
    )


def failed(
    case_id: str,
    old: CaseRows,
    error: str,
    *,
    cause: str,
    expected: int | None,
    position: int,
    clock: str,
) -> Update:
    """A case whose replay failed, as a replay of many cases reports it: no findings and
    no deadlines, and why (`CaseResult.failed`). What it held before is withdrawn, as
    nothing comity can compute now stands for it; the case is computed again, from its
    events, when the next event of it comes."""
    empty = CaseRows({}, ())
    update = diff(
        case_id,
        old,
        empty,
        cause=cause,
        expected=expected,
        position=position,
        clock=clock,
        next_at=None,
    )
    return attrs.evolve(update, error=error, texts=tuple(old.texts.items()))


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
            "texts": [list(t) for t in u.texts],
            "error": u.error,
        }
    )


def load_update(text: str) -> Update:
    """`dump_update` back (the rows it carries are what it writes, nothing more)."""
    d = orjson.loads(text)
    upserts = tuple(stored_row(fid, int(rank), body) for fid, rank, body in d["upserts"])
    deadlines = None if d["deadlines"] is None else tuple(d["deadlines"])
    texts: dict[str, str] = dict(d["texts"])
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
        rows=CaseRows({r.finding_id: r for r in upserts}, deadlines or (), texts),
        texts=tuple(texts.items()),
        error=d["error"],
    )
