"""The replay on one screen: each finding one line, what matters first (`replay --open`).

A prosecutor who asks what is open wants to see all of it at once, then ask about
one finding: so each finding is one line (severity, rule, jurisdictions, its due
date and how far it is from as_of, the message cut to the terminal's width, its id),
in the order of the full report (missed deadlines, then overlaps, then next steps;
open before resolved, most severe first), under a short header, and the last line
says how to read one finding whole (`comity explain ID`). The full report
(:mod:`comity.report.text.replay`) keeps the legal basis and the status in words;
this one cuts nothing but the message, and says where it did (`…`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

from comity.audit.basis import Basis
from comity.engine import CaseResult, Finding
from comity.events import StoredEvent, format_time
from comity.i18n import gettext as _
from comity.report.at import ReplayAt
from comity.report.select import EVERYTHING, Selection
from comity.report.tally import SEVERITY_RANK, Tally
from comity.report.text._when import days_until, in_days
from comity.report.text._wrap import WIDTH, wrap, wrap_items
from comity.report.text.replay import EventsOf, count_words, deadline_lines, summary_words
from comity.report.text.style import paint
from comity.report.words import finding_message, severity_word

__all__ = ["MIN_WIDTH", "brief_case_lines", "brief_finding_line", "brief_replay_lines"]

#: The narrowest a brief report is laid out for; a narrower terminal wraps its lines.
MIN_WIDTH = 40

#: How many characters of a digest the header shows (the full report, the JSON and the
#: disclosure record keep it whole).
DIGEST_SHOWN = 12

_ORDER = ("deadline", "overlap", "next_step", "data_quality")
_ELLIPSIS = "…"


def _cut(line: str, width: int) -> str:
    """`line` if it has at most `width` characters, else cut to them with `…`."""
    if len(line) <= width:
        return line
    return line[: max(width - 1, 0)].rstrip() + _ELLIPSIS


def _rank(finding: Finding) -> tuple[int, int, int]:
    """Open first, then by category (missed deadlines first), then most severe first."""
    category = _ORDER.index(finding.category) if finding.category in _ORDER else len(_ORDER)
    return (0 if finding.is_open else 1, category, -SEVERITY_RANK[finding.severity])


def _when(finding: Finding, at: ReplayAt) -> str:
    """`due 2020-03-05 (666 days ago)`, `resolved 2019-05-20`, or nothing."""
    if not finding.is_open:
        return _("resolved {date}").format(
            date="" if finding.resolved_at is None else format_time(finding.resolved_at)
        )
    if finding.due is None:
        return ""
    return "{due} ({when})".format(
        due=_("due {date}").format(date=format_time(finding.due)),
        when=in_days(days_until(finding.due, at.as_of)),
    )


def brief_finding_line(
    finding: Finding,
    at: ReplayAt,
    *,
    width: int = WIDTH,
    rule_width: int = 0,
    where_width: int = 0,
    styled: bool = False,
) -> str:
    """One finding in one line of at most `width` characters (the message is cut to
    fit; nothing else is): severity, rule, jurisdictions, due, message, `id ...`.
    `rule_width` and `where_width` align the columns of a case's findings."""
    label = f"{severity_word(finding.severity).upper():<8}"
    where = ",".join(finding.jurisdictions) or "-"
    head = f"{label}  {finding.rule:<{rule_width}}  {where:<{where_width}}  "
    tail = f"  id {finding.finding_id}"
    when = _when(finding, at)
    message = " ".join(finding_message(finding).split())
    text = f"{when}  {message}" if when else message
    room = max(width, MIN_WIDTH) - len(head) - len(tail)
    body = _cut(text, room).ljust(room)
    line = f"{head}{body}{tail}"
    return paint(label, finding.severity, styled) + line[len(label) :]


def brief_case_lines(
    result: CaseResult,
    at: ReplayAt,
    *,
    events: Mapping[str, StoredEvent] | None = None,
    selection: Selection = EVERYTHING,
    category_of: Callable[[str], str | None] = lambda _rule: None,
    width: int = WIDTH,
    styled: bool = False,
) -> Iterator[str]:
    """One case: its counts in the title line, then each finding the selection keeps
    in one line, then the open deadlines it keeps (one line each, soonest first)."""
    title = _("== Case {case}").format(case=result.case_id)
    if result.error is not None:
        yield from wrap(
            title + ": " + _("not replayed: {error}").format(error=result.error), 0, width=width
        )
        return
    shown = selection.apply(result, category_of, events)
    # broken between its parts only, so that none ("20 not shown (only open
    # findings)") is split
    parts = count_words(result, shown, selection).split("; ")
    yield from wrap_items(parts, 0, f"{title}: ", width=width)
    findings: Sequence[Finding] = sorted(shown.findings, key=_rank)
    rule_width = max((len(f.rule) for f in findings), default=0)
    where_width = max((len(",".join(f.jurisdictions) or "-") for f in findings), default=0)
    for finding in findings:
        yield brief_finding_line(
            finding,
            at,
            width=width,
            rule_width=rule_width,
            where_width=where_width,
            styled=styled,
        )
    if shown.open_deadlines:
        yield _("Open deadlines, soonest first:")
        for deadline in shown.open_deadlines:
            yield _cut(next(iter(deadline_lines(deadline, at, 2))), max(width, MIN_WIDTH))


def brief_replay_lines(
    results: Iterable[CaseResult],
    at: ReplayAt,
    *,
    rulepack: str,
    origin: str,
    events_of: EventsOf | None = None,
    selection: Selection = EVERYTHING,
    category_of: Callable[[str], str | None] = lambda _rule: None,
    width: int = WIDTH,
    styled: bool = False,
    basis: Basis | None = None,
) -> Iterator[str]:
    """The brief report: a header line (the cut, the rule pack and the log head, their
    digests shortened), each case as it arrives, the summary line, and a hint line
    that names the command showing one finding whole.

    Every line is at most `width` characters (at least :data:`MIN_WIDTH`): finding
    lines are cut in their message, the others wrapped between words.
    """
    width = max(width, MIN_WIDTH)
    tally = Tally()
    header = "comity replay {at}; {pack}".format(
        at=at.words(),
        pack=_("rule pack {digest} ({origin})").format(
            digest=rulepack[:DIGEST_SHOWN], origin=origin
        ),
    )
    if basis is not None:
        header += "; {label}: {value}".format(
            label=_("Log"),
            value=_("{size} records, head {hash}").format(
                size=basis.head.size, hash=basis.head.hash[:DIGEST_SHOWN]
            ),
        )
    yield from wrap(header, 0, width=width)
    yield ""
    for result in tally.watch(results):
        events = events_of(result) if events_of is not None else None
        yield from brief_case_lines(
            result,
            at,
            events=events,
            selection=selection,
            category_of=category_of,
            width=width,
            styled=styled,
        )
    yield ""
    yield from wrap(summary_words(tally), 0, width=width)
    if tally.cases:
        yield from wrap(
            _("One finding in full: comity explain ID --as-of {as_of}; all in full: --full").format(
                as_of=format_time(at.as_of)
            ),
            0,
            width=width,
        )
