"""The text report of a replay: per case, its findings by category, then its deadlines.

Missed deadlines come first (they cannot be undone), then overlaps, then next steps;
within a category open findings come before resolved ones, most severe first, so a
reader who stops early has read what matters most.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from comity.engine import CaseResult, Finding, OpenDeadline
from comity.events.codec import format_time
from comity.report.at import ReplayAt
from comity.report.tally import SEVERITY_RANK, Tally
from comity.report.text._legal import cite, period
from comity.report.text._when import days_until, in_days
from comity.report.text._wrap import wrap, wrap_items

__all__ = ["case_lines", "deadline_lines", "finding_lines", "replay_lines", "status"]

_CATEGORY_TITLES = (
    ("deadline", "Missed deadlines"),
    ("overlap", "Overlapping jurisdictions"),
    ("next_step", "Next steps"),
)


def _shown(value: dt.date | dt.datetime | None) -> str:
    return "" if value is None else format_time(value)


def status(finding: Finding) -> str:
    """`open`, `missed`, or when and by what the finding was resolved."""
    if finding.is_open:
        return "missed" if finding.category == "deadline" else "open"
    superseded = finding.superseded_by
    if superseded:
        return f"closed {_shown(finding.resolved_at)}: the deadline was missed (see {superseded})"
    if finding.resolved_by:
        return f"resolved {_shown(finding.resolved_at)} by {', '.join(finding.resolved_by)}"
    return f"resolved {_shown(finding.resolved_at)}"


def finding_lines(finding: Finding, indent: int) -> Iterator[str]:
    """One finding: severity, code, rule and id; its dates and status; message; basis."""
    pad = " " * indent
    head = f"{finding.severity.upper():<8}  {finding.code} ({finding.rule})"
    yield f"{pad}{head}  id {finding.finding_id}"
    when = [f"raised {format_time(finding.raised_at)}"]
    if finding.due is not None:
        when.append(f"due {format_time(finding.due)}")
    when.append(status(finding))
    yield from wrap(", ".join(when), indent + 10)
    yield from wrap(finding.message, indent + 10)
    cited = [cite(b.to_json()) for b in finding.legal_basis]
    yield from wrap_items(cited, indent + 10, "legal basis: ")


def deadline_lines(deadline: OpenDeadline, at: ReplayAt, indent: int) -> Iterator[str]:
    """One open deadline: its last day, how far that is from as_of, and its period."""
    pad = " " * indent
    yield (
        f"{pad}due {format_time(deadline.due)} ({in_days(days_until(deadline.due, at.as_of))}; "
        f"late from {format_time(deadline.breach_at)})  "
        f"{deadline.code} {deadline.ref} ({deadline.rule})"
    )
    yield from wrap(period(deadline.detail), indent + 4, "period: ")


def case_lines(result: CaseResult, at: ReplayAt) -> Iterator[str]:
    """One case's section of the replay report, ending with a blank line."""
    findings = result.findings
    open_count = sum(f.is_open for f in findings)
    yield f"== Case {result.case_id}"
    if result.error is not None:
        yield f"not replayed: {result.error}"
        yield ""
        return
    yield (
        f"{len(findings)} finding{'s' if len(findings) != 1 else ''}: {open_count} open, "
        f"{len(findings) - open_count} resolved; {len(result.open_deadlines)} open deadline"
        f"{'s' if len(result.open_deadlines) != 1 else ''}"
    )
    for category, title in _CATEGORY_TITLES:
        group = [f for f in findings if f.category == category]
        yield ""
        if not group:
            yield f"{title}: none"
            continue
        opened = sorted((f for f in group if f.is_open), key=lambda f: -SEVERITY_RANK[f.severity])
        resolved = [f for f in group if not f.is_open]
        if category == "deadline" and not resolved:
            # A missed deadline stays missed: there is no "resolved" to tell apart.
            yield f"{title}: {len(opened)}"
            for finding in opened:
                yield from finding_lines(finding, 4)
            continue
        yield f"{title}: {len(opened)} open, {len(resolved)} resolved"
        for label, items in (("Open", opened), ("Resolved", resolved)):
            if items:
                yield f"  {label}"
                for finding in items:
                    yield from finding_lines(finding, 4)
    yield ""
    if not result.open_deadlines:
        yield "Open deadlines: none"
    else:
        yield "Open deadlines, soonest first:"
        for deadline in result.open_deadlines:
            yield from deadline_lines(deadline, at, 2)
    yield ""


def replay_lines(
    results: Iterable[CaseResult], at: ReplayAt, *, rulepack: str, origin: str
) -> Iterator[str]:
    """The whole report: a header, each case as it arrives, then a summary line.

    `rulepack` is the pack's digest and `origin` where it came from (`built-in`, or
    the user directories too), both printed so that the report can be repeated.
    """
    tally = Tally()
    yield f"comity replay {at.words()}"
    yield f"rule pack {rulepack} ({origin})"
    yield ""
    for result in tally.watch(results):
        yield from case_lines(result, at)
    if tally.cases == 0:
        yield "No cases to replay."
    else:
        not_replayed = f" ({len(tally.failed)} could not be)" if tally.failed else ""
        yield (
            f"{tally.cases} case{'s' if tally.cases != 1 else ''} replayed{not_replayed}: "
            f"{tally.open_words()}, {tally.resolved} resolved; "
            f"{tally.deadlines} open deadline{'s' if tally.deadlines != 1 else ''}."
        )
