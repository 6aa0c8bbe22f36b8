"""The explanation of one finding: its rule, law, events, resolution and deadline."""

from __future__ import annotations

from comity.engine import CaseResult, Finding
from comity.events import StoredEvent
from comity.events.codec import format_time
from comity.report import ReplayAt, explain_lines
from comity.rules import RulePack


def _text(value: object) -> str:
    """A day or instant as the text reports write it."""
    assert value is not None
    return format_time(value)  # type: ignore[arg-type]


def events_of(stored: list[StoredEvent], case_id: str) -> dict[str, StoredEvent]:
    return {s.event_id: s for s in stored if s.case_id == case_id}


def explain(
    finding: Finding, pack: RulePack, at: ReplayAt, events: dict[str, StoredEvent]
) -> list[str]:
    return list(
        explain_lines(finding, pack.rule(finding.rule), at, rulepack=pack.digest, events=events)
    )


def all_findings(results: list[CaseResult]) -> list[Finding]:
    return [f for r in results for f in r.findings]


def test_a_resolved_finding(
    results: list[CaseResult], stored: list[StoredEvent], pack: RulePack, at: ReplayAt
) -> None:
    finding = next(f for f in all_findings(results) if f.resolved_by and not f.superseded_by)
    lines = explain(finding, pack, at, events_of(stored, finding.case_id))
    rule = pack.rule(finding.rule)
    assert lines[0] == (
        f"Finding {finding.finding_id} in case {finding.case_id}, "
        "as of 2021-12-22, known at 2099-01-01T00:00:00Z"
    )
    assert f"Rule {rule.id} ({rule.code}): {rule.title}" in lines
    assert f"  rule pack: {pack.digest}" in lines
    assert f"  defined in: {rule.source}" in lines
    sections = [line for line in lines if line and not line.startswith(" ")]
    assert sections[2:][:3] == ["Legal basis", "Events it rests on", "Resolution"]
    n = lines.index(f"  Resolved on {_text(finding.resolved_at)} by:")
    assert lines[n + 1].split() == [
        "seq",
        "position",
        "recorded_at",
        "type",
        "occurred_at",
        "event_id",
    ]
    for event_id in finding.resolved_by or ():
        assert any(line.endswith(f"  {event_id}") for line in lines[n + 2 :])


def test_events_missing_from_the_given_ones_are_said_to_be_unknown(
    results: list[CaseResult], pack: RulePack, at: ReplayAt
) -> None:
    finding = all_findings(results)[0]
    lines = explain(finding, pack, at, {})
    start = lines.index("Events it rests on")
    assert lines[start + 1 : start + 1 + len(finding.because)] == [
        f"  {event_id}: not in the log as known at this replay" for event_id in finding.because
    ]


def test_an_open_overlap_and_a_missed_deadline(
    results: list[CaseResult], stored: list[StoredEvent], pack: RulePack, at: ReplayAt
) -> None:
    findings = all_findings(results)
    overlap = next(f for f in findings if f.is_open and f.category == "overlap")
    lines = explain(overlap, pack, at, events_of(stored, overlap.case_id))
    assert "  Open: nothing had resolved it as of 2021-12-22, known at 2099-01-01T00:00:00Z." in (
        lines
    )
    assert "Deadline" not in lines

    missed = next(f for f in findings if f.category == "deadline")
    lines = explain(missed, pack, at, events_of(stored, missed.case_id))
    assert (
        f"  Missed on {_text(missed.raised_at)}. A missed deadline stays missed, "
        "even if the act comes late."
    ) in lines
    n = lines.index("Deadline")
    assert lines[n + 1] == f"  last day:   {_text(missed.due)}"
    assert any(line.startswith("  counting:   ") for line in lines[n:])


def test_a_superseded_warning_names_the_missed_deadline(
    results: list[CaseResult], stored: list[StoredEvent], pack: RulePack, at: ReplayAt
) -> None:
    warning = next(f for f in all_findings(results) if f.superseded_by)
    lines = explain(warning, pack, at, events_of(stored, warning.case_id))
    text = " ".join(line.strip() for line in lines)
    assert (
        f"Closed on {_text(warning.resolved_at)} without the step being taken: the deadline it "
        f"warned about was missed (finding {warning.superseded_by})."
    ) in text
