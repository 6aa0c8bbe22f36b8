"""docs/rules.md stays true to the rule pack: its generated part is what
docs/gen_rules.py produces from the built-in pack today."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from comity.rules import load_pack

ROOT = Path(__file__).resolve().parents[2]


def _gen() -> ModuleType:
    path = ROOT / "docs" / "gen_rules.py"
    spec = importlib.util.spec_from_file_location("gen_rules", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("gen_rules", module)
    spec.loader.exec_module(module)
    return module


def test_rules_md_is_up_to_date() -> None:
    gen = _gen()
    current = gen.DOC.read_text(encoding="utf-8")
    wanted = gen.build(current, load_pack())
    assert current == wanted, "docs/rules.md is out of date: run `python docs/gen_rules.py`"


def test_every_rule_and_code_is_documented() -> None:
    text = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    intro, _, generated = text.partition(_gen().MARKER)
    assert generated, "the generated part is missing"
    for rule in load_pack().rules:
        assert f"### {rule.id} `{rule.code}`" in generated
        for basis in rule.legal_basis:
            assert basis.reference in generated
    for heading in (
        "## The condition language",
        "## The facts the rules see",
        "--rules DIR",
        '## What "verified" and "unverified" mean',
    ):
        assert heading in intro


def test_check_mode_reports_a_stale_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gen = _gen()
    stale = tmp_path / "rules.md"
    stale.write_text(gen.DOC.read_text(encoding="utf-8") + "\nstale line\n", encoding="utf-8")
    monkeypatch.setattr(gen, "DOC", stale)
    assert gen.main(["--check"]) == 1
    assert gen.main([]) == 0  # rewrites it
    assert gen.main(["--check"]) == 0
