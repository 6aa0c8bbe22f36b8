"""The rule pack as text: one row a rule, and one rule with the parameters it reads."""

from __future__ import annotations

from comity.report import rule_lines, rules_list_lines
from comity.report.text.rules import parameter_names
from comity.rules import RulePack


def test_the_list_has_a_row_per_rule_and_a_count(pack: RulePack) -> None:
    lines = list(rules_list_lines(pack, origin="built-in"))
    assert lines[0].split() == ["id", "code", "category", "severity", "title"]
    rows = [line for line in lines[1:] if line and not line.startswith(" ")]
    assert [row.split()[0] for row in rows[:-1]] == [rule.id for rule in pack.rules]
    assert lines[-2] == ""
    assert lines[-1] == (
        f"{len(pack.rules)} rules; rule pack {pack.digest} (built-in). "
        "`comity rules show ID` for one rule."
    )
    for rule in pack.rules:
        n = lines.index(next(line for line in lines if line.startswith(f"{rule.id} ")))
        assert lines[n + 1].lstrip().startswith("legal basis: ")


def test_a_deadline_rule_shows_each_clause_and_its_parameters(pack: RulePack) -> None:
    rule = next(r for r in pack.rules if r.deadline and r.deadline[0].parameter)
    lines = list(rule_lines(rule, pack, origin="built-in + /somewhere"))
    assert lines[0] == f"Rule {rule.id}: {rule.code}"
    assert f"  rule pack  {pack.digest} (built-in + /somewhere)" in lines
    assert "Deadline clause 1" in lines
    clause = rule.deadline[0]
    assert clause.parameter is not None
    assert "  parameters:" in lines
    for name in parameter_names(pack, clause.parameter):
        title = pack.parameters.parameter(name).title
        assert f"    {name}: {title}" in lines
    assert any("confidence: " in line for line in lines)
    assert any(line.strip().startswith("reference:  ") for line in lines)


def test_placeholders_match_every_parameter_they_can_name(pack: RulePack) -> None:
    names = parameter_names(pack, "fiu_suspension.{p.jurisdiction}")
    assert names
    assert all(n.startswith("fiu_suspension.") for n in names)
    assert names == [n for n in pack.parameters.names() if n.startswith("fiu_suspension.")]
    assert parameter_names(pack, "no.such.parameter") == ["no.such.parameter"]


def test_a_finding_rule_shows_its_conditions(pack: RulePack) -> None:
    rule = next(r for r in pack.rules if r.when and r.resolved_by)
    lines = list(rule_lines(rule, pack, origin="built-in"))
    assert "Conditions" in lines
    assert any(line.startswith("  raised when") for line in lines)
    assert any(line.startswith("  resolved by") for line in lines)
    for pattern in rule.when[0]:
        assert any(line.strip() == pattern.strip() for line in lines), pattern
