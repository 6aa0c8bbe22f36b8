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
its routes render with. A batch of the stream is the log's records and the history's
changes between the cursors it recorded; the auditor's reads are of the audit tables,
append-only too: the stored checkpoint it showed (by id), the disclosure records its
filters chose up to the head it recorded (whose hash says whether the record still
holds them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol

from comity.audit.basis import Basis
from comity.audit.store import StoredCheckpoint, StoredDisclosure
from comity.engine import CaseResult, OpenDeadline, replay_log
from comity.events import EventLog
from comity.events.time import request_instant_of, request_time_of
from comity.findings import Change, Cut, StoredFinding
from comity.report import ReplayAt
from comity.report.deadlines import breach_instant, horizon
from comity.rules import RulePack

__all__ = [
    "AUDIT_READS",
    "History",
    "Sources",
    "Unrendered",
    "as_stored",
    "changed_at",
    "rederive_http",
    "store_deadlines",
]

#: The history of one generation of the findings store (`FindingsStore.history`).
History = Callable[[int], Sequence[Change]]


#: The service's reads of the audit tables: they stand on those, not on the log.
AUDIT_READS = ("checkpoint", "disclosures")


class Unrendered(Exception):
    """A read that cannot be derived again, and why (not a difference)."""


class Sources(Protocol):
    """What the service's reads are derived again from besides the log and the pack."""

    def history(self, generation: int) -> Sequence[Change]:
        """The findings store's history of one generation."""
        ...

    def changes(self, after: int, through: int) -> Sequence[Change]:
        """The history's changes of ids in (after, through], of every generation."""
        ...

    def checkpoints(self) -> Sequence[StoredCheckpoint]:
        """Every stored checkpoint, oldest first."""
        ...

    def disclosures(
        self, *, case_id: str | None, actor: str | None, since: str | None
    ) -> Sequence[StoredDisclosure]:
        """The disclosure records these filters choose, oldest first."""
        ...

    def chained_hash(self, position: int) -> str:
        """The hash of disclosure record `position` if every record up to it chains
        (64 zeros for 0); else :class:`Unrendered`, saying which does not."""
        ...


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


def _replay(log: EventLog, pack: RulePack, cut: Cut, cases: Sequence[str]) -> list[CaseResult]:
    return list(
        replay_log(log, pack, as_of=cut.as_of, known_at=cut.known_at, cases=list(cases) or None)
    )


def _stream(log: EventLog, read: Mapping[str, Any], sources: Sources) -> bytes:
    """A batch of the stream: the records and changes between its two cursors."""
    from comity.service import render

    after, through = read["after"], read["through"]
    start = (int(after["position"]), int(after["change"]))
    end = (int(through["position"]), int(through["change"]))
    events = []
    if end[0] > start[0]:
        records = log.read(after=start[0], until=end[0])
        try:
            events = list(records)
        finally:
            close = getattr(records, "close", None)
            if close is not None:
                close()
        if not events or events[-1].position != end[0]:
            raise Unrendered(f"the log no longer holds the records up to position {end[0]}")
    changes: Sequence[Change] = []
    if read["findings"] and end[1] > start[1]:
        changes = sources.changes(start[1], end[1])
        if not changes or changes[-1].id != end[1]:
            raise Unrendered(
                f"the findings store's history no longer holds the changes up to {end[1]}"
            )
    batch = render.stream_batch(
        start,
        events,
        changes,
        cases=frozenset(read["cases"]),
        with_findings=bool(read["findings"]),
    )
    return batch.output


def _audit_read(read: Mapping[str, Any], sources: Sources) -> bytes:
    """`GET /v1/checkpoints/latest` or `GET /v1/disclosures`, from the audit tables."""
    from comity.service import render
    from comity.service.routes.audit import latest_of, shown_disclosures

    if read["endpoint"] == "checkpoint":
        found = latest_of(sources.checkpoints(), read["log"], through=int(read["id"]))
        if found is None or found.id != read["id"]:
            raise Unrendered(
                f"the checkpoint it showed ({read['origin']}, stored as number {read['id']}) "
                "is no longer stored"
            )
        return render.checkpoint_bytes(read["log"], found)
    through = read["through"]
    position = int(through["position"])
    now = sources.chained_hash(position)
    if now != through["hash"]:
        raise Unrendered(
            "the disclosure record no longer holds the records it showed: record "
            f"{position} has hash {now} now, the read saw {through['hash']} (a chain "
            "rewritten since: `comity verify --against` a checkpoint of the disclosures "
            "log names it)"
        )
    found_all = sources.disclosures(case_id=read["case"], actor=read["actor"], since=read["since"])
    shown = shown_disclosures(found_all, through=position, limit=int(read["limit"]))
    return render.disclosures_bytes(shown)


def _shown(read: Mapping[str, Any], basis: Basis) -> Basis | None:
    """The basis a findings-store read showed: none for one recorded before its answers
    carried it (`inputs.request.read.basis_shown`)."""
    return basis if read.get("basis_shown") else None


def rederive_http(
    log: EventLog,
    pack: RulePack | None,
    basis: Basis,
    read: Mapping[str, Any],
    sources: Sources,
) -> bytes:
    """The bytes the service answered to the read `read` (`inputs.request.read` of its
    record), rendered again at the recorded `basis` with the recorded rule `pack`."""
    from comity.service import render
    from comity.service.routes.events import case_records

    endpoint = read.get("endpoint")
    if endpoint in AUDIT_READS:
        return _audit_read(read, sources)
    if endpoint == "stream":
        return _stream(log, read, sources)
    if endpoint == "case_events":
        known = read.get("known_at")
        events = case_records(
            log,
            read["case"],
            None if known is None else request_instant_of(known),
            basis.head.position,
        )
        if not events:
            raise Unrendered(f"the log holds no record of case {read['case']!r} up to the head")
        return render.case_events_bytes(read["case"], events)
    if pack is None:
        raise Unrendered("the record names no rule pack")
    if endpoint == "replay":
        at = ReplayAt(request_time_of(read["as_of"]), request_instant_of(read["known_at"]))
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
        running = store_deadlines([result])
        return render.case_findings_bytes(cut, read["case"], found, running, _shown(read, basis))
    if endpoint == "findings":
        seen = read.get("history")
        since = read.get("since")
        changed = None if seen is None else changed_at(sources.history(cut.generation), int(seen))
        found, failures = as_stored(
            _replay(log, pack, cut, read["cases"]),
            changed=changed,
            fallback=cut.known_at,
            open_only=read["open"],
            code=read["code"],
            severity=read["severity"],
            jurisdiction=read["jurisdiction"],
            since=None if since is None else request_instant_of(since),
        )
        return render.findings_bytes(cut, found, failures, _shown(read, basis))
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
        return render.explain_bytes(cut, finding.to_json(), shown_pack, by_id, _shown(read, basis))
    if endpoint == "deadlines":
        results = _replay(log, pack, cut, read["cases"])
        within = read["within"]
        last = None if within is None else horizon(cut.as_of, within)
        _, failures = as_stored(results, changed=None, fallback=cut.known_at)
        return render.deadlines_bytes(cut, store_deadlines(results, last), within, basis, failures)
    raise Unrendered(f"a read of an unknown kind ({endpoint!r})")
