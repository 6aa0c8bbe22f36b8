"""One line per case (`comity cases`): who leads, what is open, what is due, what happened last.

The summary is built from a case's findings and open deadlines (a replay's
`CaseResult`, or the findings store's JSON of them, which is the same) and from the
case's events (for the lead jurisdiction and the last event up to `as_of`), so that
both sources give the same line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from comity.engine import CaseResult, OpenDeadline, as_of_limit
from comity.events import StoredEvent
from comity.events.time import first_instant
from comity.events.types import CaseOpened
from comity.report.deadlines import breach_instant
from comity.rules.pack import SEVERITIES

__all__ = ["CaseSummary", "summarise", "summarise_json"]


def _instant(stored: StoredEvent) -> str:
    return first_instant(stored.event.occurred_at)


@attrs.frozen(kw_only=True)
class CaseSummary:
    """What `comity cases` says of one case."""

    case_id: str
    lead: str | None
    open: Mapping[str, int]  # open findings by severity (every severity present)
    resolved: int
    next_deadline: OpenDeadline | None
    last_event: StoredEvent | None
    error: str | None = None

    @property
    def open_total(self) -> int:
        return sum(self.open.values())


def _events_part(
    events: Iterable[StoredEvent], as_of: dt.date | dt.datetime
) -> tuple[str | None, StoredEvent | None]:
    """The lead jurisdiction (the case_opened event's) and the last event by valid time
    up to `as_of` (ties: the later recorded)."""
    limit = as_of_limit(as_of)
    lead: str | None = None
    last: StoredEvent | None = None
    last_key: tuple[str, int] = ("", -1)
    for stored in events:
        at = _instant(stored)
        if at > limit:
            continue
        if isinstance(stored.event, CaseOpened):
            lead = stored.event.lead_jurisdiction
        key = (at, stored.seq)
        if key > last_key:
            last, last_key = stored, key
    return lead, last


def _soonest(deadlines: Iterable[OpenDeadline]) -> OpenDeadline | None:
    return min(
        deadlines,
        key=lambda d: (breach_instant(d.breach_at), d.rule, d.ref),
        default=None,
    )


def summarise(
    result: CaseResult, events: Iterable[StoredEvent], as_of: dt.date | dt.datetime
) -> CaseSummary:
    """The line of a replayed case."""
    lead, last = _events_part(events, as_of)
    counts = dict.fromkeys(SEVERITIES, 0)
    for finding in result.findings:
        if finding.is_open:
            counts[finding.severity] += 1
    return CaseSummary(
        case_id=result.case_id,
        lead=lead,
        open=counts,
        resolved=sum(not f.is_open for f in result.findings),
        next_deadline=_soonest(result.open_deadlines),
        last_event=last,
        error=result.error,
    )


def summarise_json(
    case_id: str,
    findings: Iterable[Mapping[str, Any]],
    deadlines: Iterable[OpenDeadline],
    events: Iterable[StoredEvent],
    as_of: dt.date | dt.datetime,
) -> CaseSummary:
    """The line of a case as the findings store holds it (findings in their JSON form)."""
    lead, last = _events_part(events, as_of)
    counts = dict.fromkeys(SEVERITIES, 0)
    resolved = 0
    for finding in findings:
        if finding.get("resolved_at") is None:
            counts[str(finding["severity"])] += 1
        else:
            resolved += 1
    return CaseSummary(
        case_id=case_id,
        lead=lead,
        open=counts,
        resolved=resolved,
        next_deadline=_soonest(deadlines),
        last_event=last,
    )
