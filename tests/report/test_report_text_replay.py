"""The replay text report: what comes first, what is counted, what each finding shows."""

from __future__ import annotations

import re

from comity.engine import CaseResult
from comity.events.codec import format_time
from comity.report import ReplayAt, Tally, case_lines, replay_lines


def _text(value: object) -> str:
    """A day or instant as the text reports write it."""
    assert value is not None
    return format_time(value)  # type: ignore[arg-type]


def by_id(results: list[CaseResult], case_id: str) -> CaseResult:
    return next(r for r in results if r.case_id == case_id)


def test_header_names_both_times_and_the_pack(results: list[CaseResult], at: ReplayAt) -> None:
    lines = list(replay_lines(iter(results), at, rulepack="abc123", origin="built-in"))
    assert lines[:3] == [
        "comity replay as of 2021-12-22, known at 2099-01-01T00:00:00Z",
        "rule pack abc123 (built-in)",
        "",
    ]


def test_summary_agrees_with_a_tally(results: list[CaseResult], at: ReplayAt) -> None:
    tally = Tally()
    list(tally.watch(results))
    last = list(replay_lines(iter(results), at, rulepack="d", origin="built-in"))[-1]
    assert last == (
        f"3 cases replayed: {tally.open_words()}, {tally.resolved} resolved; "
        f"{tally.deadlines} open deadline{'s' if tally.deadlines != 1 else ''}."
    )
    findings = [f for r in results for f in r.findings]
    assert tally.resolved == sum(not f.is_open for f in findings)
    assert sum(tally.open.values()) == sum(f.is_open for f in findings)
    assert tally.deadlines == sum(len(r.open_deadlines) for r in results)


def test_no_cases(at: ReplayAt) -> None:
    lines = list(replay_lines(iter([]), at, rulepack="d", origin="built-in"))
    assert lines[-1] == "No cases to replay."


def test_tally_fail_on_counts_open_findings_that_severe_or_more(
    results: list[CaseResult],
) -> None:
    findings = [f for r in results for f in r.findings if f.is_open]
    for severity, wanted in (
        ("info", {"info", "warning", "critical"}),
        ("warning", {"warning", "critical"}),
        ("critical", {"critical"}),
    ):
        tally = Tally(severity)
        assert list(tally.watch(results)) == results  # passes everything through
        assert tally.failing == sum(f.severity in wanted for f in findings)
    assert Tally().failing == 0


def test_case_sections_in_order_with_every_finding_once(
    results: list[CaseResult], at: ReplayAt
) -> None:
    result = by_id(results, "DE-2021-0311")
    lines = list(case_lines(result, at))
    text = "\n".join(lines)
    assert lines[0] == "== Case DE-2021-0311"
    opened = sum(f.is_open for f in result.findings)
    assert lines[1] == (
        f"{len(result.findings)} findings: {opened} open, "
        f"{len(result.findings) - opened} resolved; 1 open deadline"
    )
    titles = [
        n
        for n, line in enumerate(lines)
        if re.match(r"(Missed deadlines|Overlapping jurisdictions|Next steps|Open deadlines)", line)
    ]
    assert [lines[n].split(":")[0].split(",")[0] for n in titles] == [
        "Missed deadlines",
        "Overlapping jurisdictions",
        "Next steps",
        "Open deadlines",
    ]
    for finding in result.findings:
        assert text.count(f"id {finding.finding_id}") == 1
    assert lines[-1] == ""


def test_open_findings_come_before_resolved_most_severe_first(
    results: list[CaseResult], at: ReplayAt
) -> None:
    result = by_id(results, "PA-2019-0117")
    lines = list(case_lines(result, at))
    start = lines.index(next(line for line in lines if line.startswith("Next steps")))
    section = lines[start : lines.index("", start + 1)]
    assert section[1] == "  Open"
    resolved_at = section.index("  Resolved")
    severities = [
        line.split()[0] for line in section[1:resolved_at] if re.match(r"    [A-Z]+ ", line)
    ]
    rank = {"CRITICAL": 0, "WARNING": 1, "INFO": 2}
    assert severities == sorted(severities, key=rank.__getitem__)
    statuses = [line for line in section[resolved_at:] if line.strip().startswith("raised ")]
    assert statuses
    assert all("resolved " in line or "closed " in line for line in statuses)


def test_a_finding_shows_dates_status_message_and_basis(
    results: list[CaseResult], at: ReplayAt
) -> None:
    result = by_id(results, "PA-2019-0042")
    finding = next(f for f in result.findings if f.resolved_by and f.due)
    lines = list(case_lines(result, at))
    n = next(i for i, line in enumerate(lines) if line.endswith(f"id {finding.finding_id}"))
    assert lines[n].startswith(
        f"    {finding.severity.upper():<8}  {finding.code} ({finding.rule})"
    )
    block = " ".join(line.strip() for line in lines[n + 1 : n + 8])
    assert (
        f"raised {_text(finding.raised_at)}, due {_text(finding.due)}, "
        f"resolved {_text(finding.resolved_at)} by "
        f"{', '.join(finding.resolved_by or ())}"
    ) in block
    assert " ".join(finding.message.split()) in block
    assert "legal basis: " in block


def test_open_deadlines_say_how_far_away_they_are(results: list[CaseResult], at: ReplayAt) -> None:
    result = by_id(results, "DE-2021-0311")
    (deadline,) = result.open_deadlines
    lines = list(case_lines(result, at))
    n = lines.index("Open deadlines, soonest first:")
    assert lines[n + 1] == (
        f"  due {_text(deadline.due)} (in 13 days; late from {_text(deadline.breach_at)})  "
        f"{deadline.code} {deadline.ref} ({deadline.rule})"
    )
    assert lines[n + 2].startswith("      period: ")
