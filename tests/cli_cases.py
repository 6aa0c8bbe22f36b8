"""The command line's tests' shared builders: the example stores' events, a user rule
pack, and invoking the CLI with the checks every test makes (no traceback, one `Error:`
line for a user's mistake). Imported by name (`import cli_cases`), as pytest's rootdir
puts tests/ on sys.path."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from comity.cli import cli
from comity.rules.params import builtin_params_dir

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "quickstart.jsonl"


# A Swiss FIU freeze on 2021-03-02: 5 working days (fiu_suspension.CH), last day
# 2021-03-09; no freezing order follows, so the deadline is missed from 2021-03-10.
FIU_CASE: list[dict[str, Any]] = [
    {
        "event_id": "ch-1",
        "case_id": "CH-2021-7",
        "type": "case_opened",
        "occurred_at": "2021-03-01",
        "lead_jurisdiction": "CH",
        "offences": ["money_laundering"],
    },
    {
        "event_id": "ch-2",
        "case_id": "CH-2021-7",
        "type": "asset_located",
        "occurred_at": "2021-03-01",
        "asset_id": "B1",
        "asset_type": "bank_account",
        "jurisdiction": "CH",
    },
    {
        "event_id": "ch-3",
        "case_id": "CH-2021-7",
        "type": "fiu_postponement",
        "occurred_at": "2021-03-02",
        "postponement_id": "P1",
        "jurisdiction": "CH",
        "asset_ids": ["B1"],
    },
]


# A Panamanian freeze stated to last to 2021-03-20: a second running deadline.
ORDER_CASE: list[dict[str, Any]] = [
    {
        "event_id": "c2-1",
        "case_id": "C2",
        "type": "case_opened",
        "occurred_at": "2021-03-01",
        "lead_jurisdiction": "PA",
        "offences": ["fraud"],
    },
    {
        "event_id": "c2-2",
        "case_id": "C2",
        "type": "order_issued",
        "occurred_at": "2021-03-01",
        "order_id": "O9",
        "order_type": "freeze",
        "issuing_jurisdiction": "PA",
        "asset_ids": ["A9"],
        "expires_on": "2021-03-20",
    },
]


def invoke(
    runner: CliRunner, store: Path, *args: str, env: dict[str, str | None] | None = None
) -> Result:
    return runner.invoke(cli, ["--store", str(store), *args], env=env, catch_exceptions=False)


def ok(result: Result) -> Result:
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return result


def one_line_error(result: Result, code: int) -> str:
    """A user error: the exit code, exactly one `Error:` line on stderr, no traceback."""
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    assert result.stdout == ""
    return lines[0]


def write_jsonl(path: Path, events: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    return path


def user_pack(tmp_path: Path, amount: int) -> Path:
    """A user rule directory whose params/ch.toml sets fiu_suspension.CH to `amount`."""
    directory = tmp_path / f"rules-{amount}"
    (directory / "params").mkdir(parents=True)
    text = (builtin_params_dir() / "ch.toml").read_text(encoding="utf-8")
    # two dated values: before and since the 2023 amendment of AMLA art. 10
    assert text.count("\namount = 5\n") == 2
    changed = text.replace("\namount = 5\n", f"\namount = {amount}\n")
    (directory / "params" / "ch.toml").write_text(changed, encoding="utf-8")
    return directory
