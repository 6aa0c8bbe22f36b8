"""The text explanation of one finding: why it was raised, on what, and under which law.

Meant to be read on its own, e.g. attached to a file note: it repeats the rule's
description, cites the legal basis in full, lists the events the finding rests on
(and those that resolved it) with their record times, and shows how a deadline was
counted.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from comity.audit.basis import Basis
from comity.engine import Finding
from comity.events import StoredEvent
from comity.events.codec import format_time
from comity.i18n import gettext as _
from comity.report.at import ReplayAt
from comity.report.basis import basis_lines
from comity.report.text._legal import deadline_block, legal_block
from comity.report.text._wrap import wrap
from comity.report.text.log import event_rows
from comity.report.words import finding_message, finding_title, rule_title, severity_word
from comity.rules import Rule

__all__ = ["events_block", "explain_lines"]


def _category_word(category: str) -> str:
    words = {
        "deadline": _("missed deadline"),
        "overlap": _("overlap"),
        "next_step": _("next step"),
        "data_quality": _("data quality"),
    }
    return words.get(category, category)


def events_block(
    ids: Sequence[str], events: Mapping[str, StoredEvent], indent: int
) -> Iterator[str]:
    """The events named by `ids`, in seq order, then a line for each id not in `events`."""
    present = [events[i] for i in ids if i in events]
    present.sort(key=lambda s: s.seq)
    if present:
        yield from event_rows(present, indent)
    for missing in (i for i in ids if i not in events):
        yield f"{' ' * indent}" + _("{event_id}: not in the log as known at this replay").format(
            event_id=missing
        )


def explain_lines(
    finding: Finding,
    rule: Rule,
    at: ReplayAt,
    *,
    rulepack: str,
    events: Mapping[str, StoredEvent],
    basis: Basis | None = None,
) -> Iterator[str]:
    """The explanation of `finding`, raised by `rule` in the pack of digest `rulepack`.

    `events` holds the stored events of the finding's case by id, at least those it
    rests on and those that resolved it; an id missing from it is said to be unknown
    at this replay's record time.
    """
    yield _("Finding {finding} in case {case}, {at}").format(
        finding=finding.finding_id, case=finding.case_id, at=at.words()
    )
    if basis is not None:
        yield from basis_lines(basis, indent=2)
    yield "  " + _("{category}, severity {severity}: {title}").format(
        category=_category_word(finding.category),
        severity=severity_word(finding.severity),
        title=finding_title(finding),
    )
    yield from wrap(finding_message(finding), 2)
    names = (_("raised"), _("due"), _("jurisdictions"), _("assets"))
    width = max(len(n) for n in names) + 2
    yield f"  {(names[0] + ':').ljust(width)}{format_time(finding.raised_at)}"
    if finding.due is not None:
        yield f"  {(names[1] + ':').ljust(width)}{format_time(finding.due)}"
    yield f"  {(names[2] + ':').ljust(width)}{', '.join(finding.jurisdictions) or '-'}"
    yield f"  {(names[3] + ':').ljust(width)}{', '.join(finding.assets) or '-'}"
    yield ""
    yield _("Rule {id} ({code}): {title}").format(
        id=rule.id, code=rule.code, title=rule_title(rule)
    )
    yield from wrap(" ".join(rule.description.split()), 2)
    yield "  " + _("rule pack: {digest}").format(digest=rulepack)
    yield "  " + _("defined in: {file}").format(file=rule.source)
    yield ""
    yield _("Legal basis")
    yield from legal_block((b.to_json() for b in finding.legal_basis), 2)
    yield ""
    yield _("Events it rests on")
    yield from events_block(finding.because, events, 2)
    yield ""
    yield _("Resolution")
    superseded = finding.superseded_by
    resolved = "" if finding.resolved_at is None else format_time(finding.resolved_at)
    if finding.is_open:
        if finding.category == "deadline":
            yield "  " + _(
                "Missed on {date}. A missed deadline stays missed, even if the act comes late."
            ).format(date=format_time(finding.raised_at))
        else:
            yield "  " + _("Open: nothing had resolved it {at}.").format(at=at.words())
    elif superseded:
        yield from wrap(
            _(
                "Closed on {date} without the step being taken: the deadline it warned "
                "about was missed (finding {finding})."
            ).format(date=resolved, finding=superseded),
            2,
        )
    elif finding.resolved_by:
        yield "  " + _("Resolved on {date} by:").format(date=resolved)
        yield from events_block(finding.resolved_by, events, 4)
    else:
        yield "  " + _("Resolved on {date}.").format(date=resolved)
    if finding.deadline is not None:
        yield ""
        yield _("Deadline")
        yield from deadline_block(finding.deadline, finding.due, 2)
