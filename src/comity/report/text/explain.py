"""The text explanation of one finding: why it was raised, on what, and under which law.

Meant to be read on its own, e.g. attached to a file note: it repeats the rule's
description, cites the legal basis in full, lists the events the finding rests on
(and those that resolved it) with their record times, and shows how a deadline was
counted.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from comity.engine import Finding
from comity.events import StoredEvent
from comity.events.codec import format_time
from comity.report.at import ReplayAt
from comity.report.text._legal import deadline_block, legal_block
from comity.report.text._wrap import wrap
from comity.report.text.log import event_rows
from comity.rules import Rule

__all__ = ["events_block", "explain_lines"]

_CATEGORY_WORDS = {"deadline": "missed deadline", "overlap": "overlap", "next_step": "next step"}


def events_block(
    ids: Sequence[str], events: Mapping[str, StoredEvent], indent: int
) -> Iterator[str]:
    """The events named by `ids`, in seq order, then a line for each id not in `events`."""
    present = [events[i] for i in ids if i in events]
    present.sort(key=lambda s: s.seq)
    if present:
        yield from event_rows(present, indent)
    for missing in (i for i in ids if i not in events):
        yield f"{' ' * indent}{missing}: not in the log as known at this replay"


def explain_lines(
    finding: Finding,
    rule: Rule,
    at: ReplayAt,
    *,
    rulepack: str,
    events: Mapping[str, StoredEvent],
) -> Iterator[str]:
    """The explanation of `finding`, raised by `rule` in the pack of digest `rulepack`.

    `events` holds the stored events of the finding's case by id, at least those it
    rests on and those that resolved it; an id missing from it is said to be unknown
    at this replay's record time.
    """
    yield f"Finding {finding.finding_id} in case {finding.case_id}, {at.words()}"
    yield f"  {_CATEGORY_WORDS[finding.category]}, severity {finding.severity}: {finding.title}"
    yield from wrap(finding.message, 2)
    yield f"  raised:        {format_time(finding.raised_at)}"
    if finding.due is not None:
        yield f"  due:           {format_time(finding.due)}"
    yield f"  jurisdictions: {', '.join(finding.jurisdictions) or '-'}"
    yield f"  assets:        {', '.join(finding.assets) or '-'}"
    yield ""
    yield f"Rule {rule.id} ({rule.code}): {rule.title}"
    yield from wrap(" ".join(rule.description.split()), 2)
    yield f"  rule pack: {rulepack}"
    yield f"  defined in: {rule.source}"
    yield ""
    yield "Legal basis"
    yield from legal_block((b.to_json() for b in finding.legal_basis), 2)
    yield ""
    yield "Events it rests on"
    yield from events_block(finding.because, events, 2)
    yield ""
    yield "Resolution"
    superseded = finding.superseded_by
    resolved = "" if finding.resolved_at is None else format_time(finding.resolved_at)
    if finding.is_open:
        if finding.category == "deadline":
            yield (
                f"  Missed on {format_time(finding.raised_at)}. A missed deadline stays missed, "
                "even if the act comes late."
            )
        else:
            yield f"  Open: nothing had resolved it {at.words()}."
    elif superseded:
        yield from wrap(
            f"Closed on {resolved} without the step being taken: the deadline "
            f"it warned about was missed (finding {superseded}).",
            2,
        )
    elif finding.resolved_by:
        yield f"  Resolved on {resolved} by:"
        yield from events_block(finding.resolved_by, events, 4)
    else:
        yield f"  Resolved on {resolved}."
    if finding.deadline is not None:
        yield ""
        yield "Deadline"
        yield from deadline_block(finding.deadline, finding.due, 2)
