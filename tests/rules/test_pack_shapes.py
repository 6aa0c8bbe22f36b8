"""The rule-file keys that choose the law by the facts: `only_for` on a deadline
clause, `[[rule.maximum]]`, a warning `at_start`, and deadline clauses in a next step.
Malformed uses are refused naming the file and the key; the built-in pack uses each."""

from __future__ import annotations

from pathlib import Path

import pytest

from comity.errors import RulePackError
from comity.rules import load_pack

BASIS = """
[[rule.legal_basis]]
instrument = "UNCAC"
article = "46(24)"
reference = "https://www.unodc.org/unodc/en/treaties/CAC/"
confidence = "unverified"
"""

HEAD = """
[[rule]]
id = "USR-1"
code = "user_rule"
category = "{category}"
severity = "info"
title = "t"
description = "d"
message = "m"
"""

CLAUSE = """
[[rule.deadline]]
when = ['r: mla']
parameter = "policy.request_follow_up_days"
trigger = "r.at"
ref = "r.request_id"
met_by = [['a: answer where request_id == d.ref']]
"""


def _pack(tmp_path: Path, text: str) -> None:
    (tmp_path / "rules").mkdir(exist_ok=True)
    (tmp_path / "rules" / "user.toml").write_text(text, encoding="utf-8")
    load_pack(tmp_path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            HEAD.format(category="deadline")
            + CLAUSE.replace("met_by", 'only_for = "eu_2018_1805.bound_states"\nmet_by')
            + BASIS,
            "give only_for and only_for_jurisdictions together",
        ),
        (
            HEAD.format(category="deadline")
            + CLAUSE.replace(
                "met_by",
                'only_for = "eu_2018_1805.bound_states"\nonly_for_jurisdictions = ["x.to"]\nmet_by',
            )
            + BASIS,
            "names a binding the clause does not make",
        ),
        (
            HEAD.format(category="overlap") + CLAUSE + BASIS,
            "in category deadline or next_step",
        ),
        (
            HEAD.format(category="next_step")
            + "when = ['c: case']\n"
            + '[[rule.maximum]]\nfield = "c.lead"\nvalues = ["CH"]\n'
            + 'parameter = "ch.fiaa_art3_maximum"\ntrigger = "c.at"\n'
            + BASIS,
            "only a rule with deadline clauses has a maximum",
        ),
        (
            HEAD.format(category="deadline")
            + CLAUSE
            + '[[rule.maximum]]\nfield = "r.to"\nvalues = []\n'
            + 'parameter = "ch.fiaa_art3_maximum"\ntrigger = "r.at"\n'
            + BASIS,
            "list the values the maximum applies to",
        ),
        (
            HEAD.format(category="next_step")
            + '[rule.warning]\ndeadline = "DL-003"\nat_start = true\n'
            + 'days_before = "policy.extend_order_warning_days"\n'
            + BASIS,
            "give days_before or at_start = true, not both",
        ),
        (
            HEAD.format(category="next_step") + '[rule.warning]\ndeadline = "DL-003"\n' + BASIS,
            "days_before: is required",
        ),
    ],
)
def test_malformed_keys_name_the_file_and_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(RulePackError, match=r"user\.toml") as caught:
        _pack(tmp_path, text)
    assert message in str(caught.value)


def test_a_next_step_may_count_a_period(tmp_path: Path) -> None:
    _pack(tmp_path, HEAD.format(category="next_step") + CLAUSE + BASIS)


def test_the_builtin_pack_uses_each_key() -> None:
    pack = load_pack()
    dl2 = pack.rule("DL-002")
    assert {c.only_for for c in dl2.deadline} == {"eu_2018_1805.bound_states"}
    assert all(c.only_for_jurisdictions == ("r.requesting", "r.to") for c in dl2.deadline)
    assert {m.parameter for m in pack.rule("DL-001").maximum} == {
        "ch.fiaa_art3_maximum",
        "gb.account_freezing_order_maximum",
    }
    ns4 = pack.rule("NS-004").warning
    assert ns4 is not None
    assert ns4.at_start
    assert ns4.days_before is None
    assert pack.rule("NS-009").category == "next_step"
    assert pack.rule("NS-009").deadline
