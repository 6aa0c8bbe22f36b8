"""The text of `comity cases`: a header, one line per case, a total.

Columns: case, lead jurisdiction, open findings by severity (critical/warning/info),
next deadline (its last day, how far that is, what it is about), last event (type
and date). Severity counts are marked for colour when `styled`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from comity.audit.basis import Basis
from comity.events import format_time
from comity.i18n import gettext as _
from comity.i18n import ngettext
from comity.report.at import ReplayAt
from comity.report.basis import basis_lines
from comity.report.cases import CaseSummary
from comity.report.tally import open_words, severity_count
from comity.report.text._when import days_until, in_days
from comity.report.text.style import paint
from comity.report.words import event_type
from comity.rules.pack import SEVERITIES

__all__ = ["cases_lines"]

_ORDER = tuple(reversed(SEVERITIES))  # critical, warning, info


def _open_cell(summary: CaseSummary, styled: bool) -> tuple[str, int]:
    """`1 critical, 2 warning, 0 info` (marked), and its width unmarked."""
    parts = [severity_count(s, summary.open[s]) for s in _ORDER]
    width = len(", ".join(parts))
    shown = ", ".join(
        paint(part, s, styled and summary.open[s] > 0)
        for part, s in zip(parts, _ORDER, strict=True)
    )
    return shown, width


def _deadline_cell(summary: CaseSummary, at: ReplayAt) -> str:
    d = summary.next_deadline
    if d is None:
        return "-"
    return f"{format_time(d.due)} ({in_days(days_until(d.due, at.as_of))}) {d.code} {d.ref}"


def _event_cell(summary: CaseSummary) -> str:
    e = summary.last_event
    if e is None:
        return "-"
    return f"{format_time(e.event.occurred_at)} {event_type(e.event.type)}"


def cases_lines(
    summaries: Iterable[CaseSummary],
    at: ReplayAt,
    *,
    source: str,
    styled: bool = False,
    basis: Basis | None = None,
) -> Iterator[str]:
    """The table of cases; `source` says where the findings came from (store or replay),
    and the lines of the `basis` what they stand on."""
    yield f"comity cases {at.words()} ({source})"
    if basis is not None:
        yield from basis_lines(basis, rulepack=True)
    rows = list(summaries)
    if not rows:
        yield _("No cases.")
        return
    header = (_("case"), _("lead"), _("open findings"), _("next deadline"), _("last event"))
    cells = []
    for s in rows:
        if s.error is not None:
            failed = _("not replayed")
            cells.append((s.case_id, s.lead or "-", (failed, len(failed)), s.error, ""))
            continue
        cells.append(
            (s.case_id, s.lead or "-", _open_cell(s, styled), _deadline_cell(s, at), _event_cell(s))
        )
    w_case = max(len(header[0]), *(len(c[0]) for c in cells))
    w_lead = max(len(header[1]), *(len(c[1]) for c in cells))
    w_open = max(len(header[2]), *(c[2][1] for c in cells))
    w_due = max(len(header[3]), *(len(c[3]) for c in cells))
    yield (
        f"{header[0].ljust(w_case)}  {header[1].ljust(w_lead)}  {header[2].ljust(w_open)}  "
        f"{header[3].ljust(w_due)}  {header[4]}"
    )
    for case_id, lead, (shown, width), due, last in cells:
        yield (
            f"{case_id.ljust(w_case)}  {lead.ljust(w_lead)}  {shown}{' ' * (w_open - width)}  "
            f"{due.ljust(w_due)}  {last}".rstrip()
        )
    total = {s: sum(r.open[s] for r in rows) for s in _ORDER}
    yield ""
    yield "{cases}: {opened}.".format(
        cases=ngettext("{n} case", "{n} cases", len(rows)).format(n=len(rows)),
        opened=open_words(total),
    )
