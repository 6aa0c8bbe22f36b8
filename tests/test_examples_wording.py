"""Every case in examples/ replays, and every finding explains itself, without a remark
about how the rule pack was researched: what a prosecutor reads is law and legal
caveats only. The remarks looked for are those of tests/legal_wording.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from comity.cli import cli
from comity.rules import load_pack
from legal_wording import research_remarks

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
AS_OF = "2021-12-31"
KNOWN_AT = "2099-01-01T00:00:00Z"


def _run(runner: CliRunner, store: Path, *args: str) -> str:
    result = runner.invoke(cli, ["--store", str(store), *args])
    assert result.exit_code in (0, 1), result.output  # 1: open findings, by design
    return result.stdout


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.jsonl")))
def test_an_example_replays_and_explains_without_research_remarks(
    tmp_path: Path, example: str
) -> None:
    runner = CliRunner()
    store = tmp_path / "comity.db"
    _run(runner, store, "init")
    _run(runner, store, "ingest", str(EXAMPLES / example))
    at = ("--as-of", AS_OF, "--known-at", KNOWN_AT)
    outputs = {
        "replay": _run(runner, store, "replay", *at),
        "replay --format json": _run(runner, store, "replay", *at, "--format", "json"),
        "deadlines": _run(runner, store, "deadlines", *at),
    }
    data = json.loads(outputs["replay --format json"])
    findings = [f for case in data["cases"] for f in case["findings"]]
    assert findings, f"{example} raises no finding"
    for finding in findings:
        fid = finding["finding_id"]
        outputs[f"explain {fid}"] = _run(runner, store, "explain", fid, *at)
    found = {name: remarks for name, out in outputs.items() if (remarks := research_remarks(out))}
    assert not found, f"{example}: research remarks in the output: {found}"


def test_rules_list_and_show_carry_no_research_remarks(tmp_path: Path) -> None:
    runner = CliRunner()
    store = tmp_path / "comity.db"
    _run(runner, store, "init")
    listing = _run(runner, store, "rules", "list")
    ids = [rule.id for rule in load_pack().rules]
    outputs = {"rules list": listing}
    for rule_id in ids:
        outputs[f"rules show {rule_id}"] = _run(runner, store, "rules", "show", rule_id)
    found = {name: remarks for name, out in outputs.items() if (remarks := research_remarks(out))}
    assert not found, f"research remarks in the output: {found}"
