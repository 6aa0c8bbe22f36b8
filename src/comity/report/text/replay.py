"""The text report of a replay: per case, its findings by category, then its deadlines.

Missed deadlines come first (they cannot be undone), then overlaps, then next steps;
within a category open findings come before resolved ones, most severe first, so a
reader who stops early has read what matters most.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping

from comity.audit.basis import Basis
from comity.engine import CaseResult, Finding, OpenDeadline
from comity.events import StoredEvent, format_time
from comity.i18n import gettext as _
from comity.i18n import ngettext
from comity.report.at import ReplayAt
from comity.report.basis import basis_lines
from comity.report.select import EVERYTHING, Selection
from comity.report.tally import SEVERITY_RANK, Tally
from comity.report.text._legal import cite, no_law, period
from comity.report.text._when import days_until, in_days
from comity.report.text._wrap import wrap, wrap_items
from comity.report.text.style import paint
from comity.report.words import event_type, finding_message, severity_word
from comity.rules.pack import DATA_QUALITY

__all__ = [
    "EventsOf",
    "case_lines",
    "count_words",
    "deadline_lines",
    "event_words",
    "finding_lines",
    "replay_lines",
    "selection_words",
    "status",
    "summary_words",
]

#: The stored events of a case by id (at least those that resolved its findings and,
#: for `--jurisdiction`, those that started its deadlines), looked up when needed.
EventsOf = Callable[[CaseResult], Mapping[str, StoredEvent]]


def _category_titles() -> tuple[tuple[str, str], ...]:
    return (
        ("deadline", _("Missed deadlines")),
        ("overlap", _("Overlapping jurisdictions")),
        ("next_step", _("Next steps")),
        ("data_quality", _("Data quality")),
    )


def _shown(value: dt.date | dt.datetime | None) -> str:
    return "" if value is None else format_time(value)


def event_words(event_id: str, events: Mapping[str, StoredEvent] | None) -> str:
    """`mla_request_sent of 2019-03-20 (pa117-012)`: what the event was, and when;
    the bare id when the event is not at hand."""
    stored = (events or {}).get(event_id)
    if stored is None:
        return event_id
    return _("{type} of {date} ({event_id})").format(
        type=event_type(stored.event.type),
        date=format_time(stored.event.occurred_at),
        event_id=event_id,
    )


def status(finding: Finding, events: Mapping[str, StoredEvent] | None = None) -> str:
    """`open`, `missed`, or when and by what the finding was resolved (each resolving
    event named by its type and date when `events` holds it)."""
    if finding.is_open:
        return _("missed") if finding.category == "deadline" else _("open")
    superseded = finding.superseded_by
    if superseded:
        return _("closed {date}: the deadline was missed (see {finding})").format(
            date=_shown(finding.resolved_at), finding=superseded
        )
    if finding.resolved_by:
        by = ", ".join(event_words(e, events) for e in finding.resolved_by)
        return _("resolved {date} by {events}").format(date=_shown(finding.resolved_at), events=by)
    return _("resolved {date}").format(date=_shown(finding.resolved_at))


def finding_lines(
    finding: Finding,
    indent: int,
    events: Mapping[str, StoredEvent] | None = None,
    *,
    styled: bool = False,
) -> Iterator[str]:
    """One finding: severity, code, rule and id; its dates and status; message; basis."""
    pad = " " * indent
    label = paint(f"{severity_word(finding.severity).upper():<8}", finding.severity, styled)
    yield f"{pad}{label}  {finding.code} ({finding.rule})  id {finding.finding_id}"
    when = [_("raised {date}").format(date=format_time(finding.raised_at))]
    if finding.due is not None:
        when.append(_("due {date}").format(date=format_time(finding.due)))
    when.append(status(finding, events))
    yield from wrap(", ".join(when), indent + 10)
    yield from wrap(finding_message(finding), indent + 10)
    yield from wrap_items(
        [cite(b.to_json()) for b in finding.legal_basis] or [no_law()],
        indent + 10,
        _("legal basis: "),
    )


def deadline_lines(deadline: OpenDeadline, at: ReplayAt, indent: int) -> Iterator[str]:
    """One open deadline: its last day, how far that is from as_of, and its period."""
    pad = " " * indent
    yield pad + _("due {date} ({when}; late from {late})  {code} {ref} ({rule})").format(
        date=format_time(deadline.due),
        when=in_days(days_until(deadline.due, at.as_of)),
        late=format_time(deadline.breach_at),
        code=deadline.code,
        ref=deadline.ref,
        rule=deadline.rule,
    )
    yield from wrap(period(deadline.detail), indent + 4, _("period: "))


def _open(n: int) -> str:
    return ngettext("{n} open", "{n} open", n).format(n=n)


def _resolved(n: int) -> str:
    return ngettext("{n} resolved", "{n} resolved", n).format(n=n)


def selection_words(selection: Selection) -> str:
    """`only open findings, involving PA, of category overlap`."""
    parts = []
    if selection.open_only:
        parts.append(_("only open findings"))
    if selection.jurisdiction is not None:
        parts.append(_("involving {jurisdiction}").format(jurisdiction=selection.jurisdiction))
    if selection.category is not None:
        parts.append(_("of category {category}").format(category=selection.category))
    return ", ".join(parts)


def case_lines(
    result: CaseResult,
    at: ReplayAt,
    *,
    events: Mapping[str, StoredEvent] | None = None,
    selection: Selection = EVERYTHING,
    category_of: Callable[[str], str | None] = lambda _rule: None,
    styled: bool = False,
) -> Iterator[str]:
    """One case's section of the replay report, ending with a blank line.

    The count line counts the whole case; with a `selection` only what it keeps is
    listed, and a category it leaves empty is left out (with `--category`) or said to
    have nothing to show.
    """
    findings = result.findings
    yield _("== Case {case}").format(case=result.case_id)
    if result.error is not None:
        yield _("not replayed: {error}").format(error=result.error)
        yield ""
        return
    shown = selection.apply(result, category_of, events)
    yield from wrap(count_words(result, shown, selection), 0)
    for category, title in _category_titles():
        if selection.category is not None and category != selection.category:
            continue
        group = [f for f in shown.findings if f.category == category]
        if (
            category == DATA_QUALITY
            and selection.category != category
            and not any(f.category == category for f in findings)
        ):
            # A case whose records hold together says nothing about them: no new
            # line in every replay (`comity check` says "none").
            continue
        yield ""
        if not group:
            hides = any(f.category == category for f in findings)
            yield title + ": " + (_("none to show") if hides else _("none"))
            continue
        opened = sorted((f for f in group if f.is_open), key=lambda f: -SEVERITY_RANK[f.severity])
        resolved = [f for f in group if not f.is_open]
        if (category == "deadline" or selection.open_only) and not resolved:
            # A missed deadline stays missed: there is no "resolved" to tell apart.
            yield (
                f"{title}: {len(opened)}"
                if category == "deadline"
                else f"{title}: {_open(len(opened))}"
            )
            for finding in opened:
                yield from finding_lines(finding, 4, events, styled=styled)
            continue
        yield f"{title}: {_open(len(opened))}, {_resolved(len(resolved))}"
        for label, items in ((_("Open"), opened), (_("Resolved"), resolved)):
            if items:
                yield f"  {label}"
                for finding in items:
                    yield from finding_lines(finding, 4, events, styled=styled)
    yield ""
    if not shown.open_deadlines:
        yield (
            _("Open deadlines: none to show")
            if result.open_deadlines
            else _("Open deadlines: none")
        )
    else:
        yield _("Open deadlines, soonest first:")
        for deadline in shown.open_deadlines:
            yield from deadline_lines(deadline, at, 2)
    yield ""


def replay_lines(
    results: Iterable[CaseResult],
    at: ReplayAt,
    *,
    rulepack: str,
    origin: str,
    events_of: EventsOf | None = None,
    selection: Selection = EVERYTHING,
    category_of: Callable[[str], str | None] = lambda _rule: None,
    styled: bool = False,
    basis: Basis | None = None,
) -> Iterator[str]:
    """The whole report: a header, each case as it arrives, then a summary line.

    The header names the `basis` (the log head covered, the latest checkpoint, the
    versions) under the rule pack line.

    `rulepack` is the pack's digest and `origin` where it came from (`built-in`, or
    the user directories too), both printed so that the report can be repeated.
    `events_of` gives a case's events, so that "resolved by" names what each event
    was; `selection` hides what the reader did not ask for (the summary line still
    counts every finding); `styled` marks severities for colour (see `style`).
    """
    tally = Tally()
    yield f"comity replay {at.words()}"
    yield _("rule pack {digest} ({origin})").format(digest=rulepack, origin=origin)
    if basis is not None:
        yield from basis_lines(basis)
    yield ""
    for result in tally.watch(results):
        events = events_of(result) if events_of is not None else None
        yield from case_lines(
            result,
            at,
            events=events,
            selection=selection,
            category_of=category_of,
            styled=styled,
        )
    yield from wrap(summary_words(tally), 0)


def count_words(result: CaseResult, shown: CaseResult, selection: Selection) -> str:
    """`28 findings: 8 open, 20 resolved; 0 open deadlines; 20 not shown (only open
    findings)`: the whole case counted, and what `shown` (its selection) left out."""
    findings = result.findings
    open_count = sum(f.is_open for f in findings)
    counts = "{findings}: {opened}, {resolved}; {deadlines}".format(
        findings=ngettext("{n} finding", "{n} findings", len(findings)).format(n=len(findings)),
        opened=_open(open_count),
        resolved=_resolved(len(findings) - open_count),
        deadlines=ngettext(
            "{n} open deadline", "{n} open deadlines", len(result.open_deadlines)
        ).format(n=len(result.open_deadlines)),
    )
    if selection:
        hidden = len(findings) - len(shown.findings)
        counts += "; " + ngettext(
            "{n} not shown ({selection})", "{n} not shown ({selection})", hidden
        ).format(n=hidden, selection=selection_words(selection))
    return counts


def summary_words(tally: Tally) -> str:
    """The report's last line: the cases replayed (and those that could not be), the
    open findings by severity, the resolved ones and the open deadlines."""
    if tally.cases == 0:
        return _("No cases to replay.")
    replayed = ngettext("{n} case replayed", "{n} cases replayed", tally.cases).format(
        n=tally.cases
    )
    if tally.failed:
        replayed += " " + _("({n} could not be)").format(n=len(tally.failed))
    return "{replayed}: {opened}, {resolved}; {deadlines}.".format(
        replayed=replayed,
        opened=tally.open_words(),
        resolved=_resolved(tally.resolved),
        deadlines=ngettext("{n} open deadline", "{n} open deadlines", tally.deadlines).format(
            n=tally.deadlines
        ),
    )
