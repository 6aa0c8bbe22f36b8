"""Findings worded in Spanish from the English finding alone (what the store keeps)."""

from __future__ import annotations

import re

from comity import i18n
from comity.engine import CaseResult
from comity.report.words import (
    finding_message,
    finding_title,
    knowing,
    template_values,
)
from comity.rules import RulePack

PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)\}")


def test_every_example_finding_reads_back_into_its_template(
    results: list[CaseResult], pack: RulePack
) -> None:
    findings = [f for r in results for f in r.findings]
    assert findings
    for finding in findings:
        rule = pack.rule(finding.rule)
        values = template_values(rule.message, finding.message)
        assert values is not None, finding.message

        def put_back(m: re.Match[str], got: dict[str, str] = values) -> str:
            return got[f"{m.group(1)}.{m.group(2)}"]

        again = PLACEHOLDER.sub(put_back, rule.message)
        assert again == finding.message


def test_every_example_finding_in_spanish(results: list[CaseResult], pack: RulePack) -> None:
    with i18n.use("es"), knowing(pack.rules):
        for finding in (f for r in results for f in r.findings):
            spanish = finding_message(finding)
            text = pack.rule(finding.rule).text("es")
            assert text is not None
            assert spanish != finding.message
            assert "{" not in spanish
            assert finding_title(finding) == text.title
            # the JSON form (as the findings store returns it) words the same
            assert finding_message(finding.to_json()) == spanish


def test_english_is_the_finding_untouched(results: list[CaseResult], pack: RulePack) -> None:
    with knowing(pack.rules):
        for finding in (f for r in results for f in r.findings):
            assert finding_message(finding) is finding.message or (
                finding_message(finding) == finding.message
            )


def test_a_finding_of_another_pack_stays_in_english(
    results: list[CaseResult], pack: RulePack
) -> None:
    finding = next(f for r in results for f in r.findings)
    with i18n.use("es"), knowing(()):
        assert finding_message(finding) == finding.message
    changed = finding.to_json() | {"message": "worded by another pack"}
    with i18n.use("es"), knowing(pack.rules):
        assert finding_message(changed) == "worded by another pack"
