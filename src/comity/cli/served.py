"""What a findings-store read answered, derived again from the log, and the service's
answers rendered again: the half of `comity audit reproduce` that re-reads.

The findings store holds, by its contract, what a replay at its cut gives: each case's
findings in the case's own order, its open deadlines, the error of a case whose replay
failed. So a read it answered (`comity findings`, `GET /v1/findings`, ...) is derived
again by a replay at the recorded cut, filtered as the store's query filters. The one
thing a replay does not give is when the store last changed a finding (what `since`
selects by); the history of finding changes is append-only, so the last entry of each
finding up to the entry the read saw (recorded with it) gives it again.

The service's answers are then rendered by :mod:`comity.service.render`, the functions
its routes render with.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from comity.audit.basis import Basis
from comity.engine import CaseResult, OpenDeadline, replay_log
from comity.events import EventLog
from comity.findings import Change, Cut, StoredFinding
from comity.report import ReplayAt
from comity.report.deadlines import breach_instant, horizon
from comity.rules import RulePack

__all__ = [
    "History",
    "Unrendered",
    "as_stored",
    "changed_at",
    "rederive_http",
    "store_deadlines",
]

#: The history of one generation of the findings store (`FindingsStore.history`).
History = Callable[[int], Sequence[Change]]


class Unrendered(Exception):
    """A read that cannot be derived again, and why (not a difference)."""


def changed_at(history: Sequence[Change], seen: int) -> dict[str, dt.datetime]:
    """When the store last changed each finding, as of the history entry `seen`."""
    last: dict[str, dt.datetime] = {}
    for change in history:
        if change.id <= seen:
            last[change.finding_id] = change.recorded_at
    return last


def as_stored(
    results: Iterable[CaseResult],
    *,
    changed: Mapping[str, dt.datetime] | None,
    fallback: dt.datetime,
    open_only: bool = False,
    code: str | None = None,
    severity: str | None = None,
    jurisdiction: str | None = None,
    since: dt.datetime | None = None,
) -> tuple[list[StoredFinding], list[tuple[str, str]]]:
    """The findings the store's query keeps (`FindingsStore.findings`), in its order
    (case, then the case's own), and the failed cases, from replay `results`. Each
    finding changed when `changed` says (`fallback` without a history: a read that did
    not choose by it)."""
    found: list[StoredFinding] = []
    failures: list[tuple[str, str]] = []
    for result in sorted(results, key=lambda r: r.case_id):
        if result.error is not None:
            failures.append((result.case_id, result.error))
            continue
        for f in result.findings:
            if open_only and not f.is_open:
                continue
            if code is not None and f.code != code:
                continue
            if severity is not None and f.severity != severity:
                continue
            if jurisdiction is not None and jurisdiction not in f.jurisdictions:
                continue
            when = fallback
            if changed is not None:
                if f.finding_id not in changed:
                    raise Unrendered(
                        f"finding {f.finding_id} has no entry in the findings store's history "
                        "up to the one the read saw"
                    )
                when = changed[f.finding_id]
            if since is not None and when < since:
                continue
            data = f.to_json()
            found.append(
                StoredFinding(
                    finding_id=f.finding_id,
                    case_id=f.case_id,
                    code=f.code,
                    severity=f.severity,
                    status="open" if f.is_open else "resolved",
                    due=data["due"],
                    raised_at=data["raised_at"],
                    resolved_at=data["resolved_at"],
                    jurisdictions=tuple(f.jurisdictions),
                    changed_at=when,
                    data=data,
                )
            )
    return found, failures


def store_deadlines(
    results: Iterable[CaseResult], breach_until: str | None = None
) -> list[OpenDeadline]:
    """The deadlines `FindingsStore.open_deadlines` gives: soonest breach first (then
    case, rule, reference), those breached by `breach_until` (an instant) if given."""
    running = [d for r in results if r.error is None for d in r.open_deadlines]
    keyed = [(breach_instant(d.to_json()["breach_at"]), d) for d in running]
    if breach_until is not None:
        keyed = [(b, d) for b, d in keyed if b <= breach_until]
    keyed.sort(key=lambda bd: (bd[0], bd[1].case_id, bd[1].rule, bd[1].ref))
    return [d for _, d in keyed]


def _time(text: str) -> dt.date | dt.datetime:
    return dt.datetime.fromisoformat(text) if "T" in text else dt.date.fromisoformat(text)


def _replay(log: EventLog, pack: RulePack, cut: Cut, cases: Sequence[str]) -> list[CaseResult]:
    return list(
        replay_log(log, pack, as_of=cut.as_of, known_at=cut.known_at, cases=list(cases) or None)
    )


def rederive_http(
    log: EventLog,
    pack: RulePack | None,
    basis: Basis,
    read: Mapping[str, Any],
    history: History,
) -> bytes:
    """The bytes the service answered to the read `read` (`inputs.request.read` of its
    record), rendered again at the recorded `basis` with the recorded rule `pack`."""
    from comity.service import render
    from comity.service.routes.events import case_records

    endpoint = read.get("endpoint")
    if endpoint == "case_events":
        known = read.get("known_at")
        events = case_records(
            log,
            read["case"],
            None if known is None else dt.datetime.fromisoformat(known),
            basis.head.position,
        )
        if not events:
            raise Unrendered(f"the log holds no record of case {read['case']!r} up to the head")
        return render.case_events_bytes(read["case"], events)
    if pack is None:
        raise Unrendered("the record names no rule pack")
    if endpoint == "replay":
        at = ReplayAt(_time(read["as_of"]), dt.datetime.fromisoformat(read["known_at"]))
        results = list(
            replay_log(log, pack, as_of=at.as_of, known_at=at.known_at, cases=read["cases"])
        )
        return render.replay_bytes(results, at, pack.digest, basis)
    if "cut" not in read:
        raise Unrendered(f"a read of an unknown kind ({endpoint!r})")
    cut = render.cut_of(read["cut"])
    if endpoint == "case_findings":
        (result,) = _replay(log, pack, cut, [read["case"]])
        found, _ = as_stored([result], changed=None, fallback=cut.known_at, open_only=read["open"])
        return render.case_findings_bytes(cut, read["case"], found, store_deadlines([result]))
    if endpoint == "findings":
        seen = read.get("history")
        since = read.get("since")
        changed = None if seen is None else changed_at(history(cut.generation), int(seen))
        found, failures = as_stored(
            _replay(log, pack, cut, read["cases"]),
            changed=changed,
            fallback=cut.known_at,
            open_only=read["open"],
            code=read["code"],
            severity=read["severity"],
            jurisdiction=read["jurisdiction"],
            since=None if since is None else dt.datetime.fromisoformat(since),
        )
        return render.findings_bytes(cut, found, failures)
    if endpoint == "explain":
        (result,) = _replay(log, pack, cut, [read["case"]])
        finding = next((f for f in result.findings if f.finding_id == read["finding"]), None)
        if finding is None:
            raise Unrendered(f"the replay at the cut no longer gives finding {read['finding']}")
        ids = {*finding.because, *(finding.resolved_by or ())}
        by_id = {
            s.event_id: s
            for s in log.read_case(read["case"], known_at=cut.known_at)
            if s.event_id in ids
        }
        shown_pack = pack if read.get("rule_shown", True) else None
        return render.explain_bytes(cut, finding.to_json(), shown_pack, by_id)
    if endpoint == "deadlines":
        results = _replay(log, pack, cut, read["cases"])
        within = read["within"]
        last = None if within is None else horizon(cut.as_of, within)
        _, failures = as_stored(results, changed=None, fallback=cut.known_at)
        return render.deadlines_bytes(cut, store_deadlines(results, last), within, basis, failures)
    raise Unrendered(f"a read of an unknown kind ({endpoint!r})")
