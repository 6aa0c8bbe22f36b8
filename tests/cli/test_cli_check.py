"""`comity check`: each case's data-quality findings, with the exit codes docs/cli.md
documents (0 none, 1 some, 3 a --case with no events).

The rules themselves are tested by scenario files (tests/scenarios/quality-*.toml);
here, the command: what it prints, in both formats and both languages, that it
follows --case, --as-of and --known-at, and that every example of the repository
holds together.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from comity.cli import cli
from comity.events import open_log

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.jsonl"))
AS_OF = "2021-12-31"
KNOWN_AT = "2030-01-01T00:00:00Z"
DISCLOSURE = re.compile(r"disclosure: [0-9a-f-]{36}\n")


def _event(event_id: str, case_id: str, kind: str, day: str, **fields: Any) -> dict[str, Any]:
    return {"event_id": event_id, "case_id": case_id, "type": kind, "occurred_at": day, **fields}


#: A Panamanian case whose records do not hold together: a confiscation under an order
#: no event issues, an answer to a request never sent. And a case that holds together.
DANGLING = [
    _event("x1", "PA-7", "case_opened", "2020-02-03", lead_jurisdiction="PA"),
    _event(
        "x2",
        "PA-7",
        "asset_located",
        "2020-03-02",
        asset_id="A1",
        asset_type="bank_account",
        jurisdiction="CH",
    ),
    _event(
        "x3",
        "PA-7",
        "asset_confiscated",
        "2021-05-03",
        asset_id="A1",
        jurisdiction="CH",
        order_id="O6",
    ),
    _event("x4", "PA-7", "mla_request_answered", "2021-06-05", request_id="R9", outcome="granted"),
    _event("y1", "PA-8", "case_opened", "2020-02-03", lead_jurisdiction="PA"),
    _event(
        "y2",
        "PA-8",
        "asset_located",
        "2020-03-02",
        asset_id="A1",
        asset_type="bank_account",
        jurisdiction="PA",
    ),
]
#: What was missing: the Swiss order and the Panamanian request.
MISSING = [
    _event(
        "x5",
        "PA-7",
        "order_issued",
        "2021-04-20",
        order_id="O6",
        order_type="confiscation",
        issuing_jurisdiction="CH",
        asset_ids=["A1"],
        final=True,
    ),
    _event(
        "x6",
        "PA-7",
        "mla_request_sent",
        "2021-03-01",
        request_id="R9",
        requesting_jurisdiction="PA",
        requested_jurisdiction="CH",
        purpose="return_of_assets",
        asset_ids=["A1"],
    ),
]


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def run(runner: CliRunner, store: Path, *args: str) -> Result:
    return runner.invoke(cli, ["--store", str(store), *args], catch_exceptions=False)


def loaded(runner: CliRunner, tmp_path: Path, events: list[dict[str, Any]]) -> Path:
    store = tmp_path / "comity.db"
    assert run(runner, store, "init").exit_code == 0
    path = tmp_path / "events.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    ingested = run(runner, store, "ingest", str(path))
    assert ingested.exit_code == 0, ingested.output
    return store


def check(runner: CliRunner, store: Path, *args: str) -> Result:
    return run(runner, store, "check", "--as-of", AS_OF, "--known-at", KNOWN_AT, *args)


def test_a_case_whose_records_hold_together_exits_0(runner: CliRunner, tmp_path: Path) -> None:
    store = loaded(runner, tmp_path, DANGLING[4:])
    result = check(runner, store)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "No data-quality finding in 1 case checked."
    assert "Case PA-8" not in result.stdout
    assert DISCLOSURE.fullmatch(result.stderr), result.stderr  # nothing but the record's id


def test_dangling_references_are_listed_and_exit_1(runner: CliRunner, tmp_path: Path) -> None:
    store = loaded(runner, tmp_path, DANGLING)
    result = check(runner, store)
    assert result.exit_code == 1, result.output
    out = result.stdout
    assert out.splitlines()[0].startswith(
        f"comity check as of {AS_OF}, known at {KNOWN_AT}; rule pack "
    )
    assert "Case PA-7" in out and "Case PA-8" not in out
    assert "unknown_order (DQ-002)" in out and "unknown_request (DQ-003)" in out
    assert "asset_confiscated (event x3, 2021-05-03) names order O6 in order_id" in " ".join(
        out.split()
    )
    assert "legal basis: none: a check of the case's own records, not a rule of law" in out
    assert out.splitlines()[-1] == "2 data-quality findings in 1 of 2 cases checked."
    (recorded, counted) = result.stderr.splitlines()
    assert DISCLOSURE.fullmatch(recorded + "\n")
    assert counted == "2 data-quality findings (exit 1)."


def test_json_lists_every_finding_with_its_case_and_no_legal_basis(
    runner: CliRunner, tmp_path: Path
) -> None:
    store = loaded(runner, tmp_path, DANGLING)
    result = check(runner, store, "--format", "json")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert (doc["as_of"], doc["known_at"]) == (AS_OF, KNOWN_AT)
    assert [(f["case_id"], f["rule"], f["because"]) for f in doc["findings"]] == [
        ("PA-7", "DQ-002", ["x3"]),
        ("PA-7", "DQ-003", ["x4"]),
    ]
    assert all(f["category"] == "data_quality" and f["legal_basis"] == [] for f in doc["findings"])
    assert {f["rulepack"] for f in doc["findings"]} == {doc["rulepack"]}
    # the same findings, byte for byte, as the replay's
    replayed = run(
        runner,
        store,
        "replay",
        "--as-of",
        AS_OF,
        "--known-at",
        KNOWN_AT,
        "--category",
        "data_quality",
        "--format",
        "json",
    )
    cases = json.loads(replayed.stdout)["cases"]
    assert [f for c in cases for f in c["findings"]] == doc["findings"]
    assert check(runner, store, "--format", "json").stdout == result.stdout


def test_check_names_its_basis_is_recorded_and_reproduced(
    runner: CliRunner, tmp_path: Path
) -> None:
    """Issue 11 items 2 to 4 for `check`: it shows case data (findings of a case's
    records), so it says what it stands on, is recorded before it is shown, and
    `audit reproduce` derives it again; a finding still exits 1."""
    store = loaded(runner, tmp_path, DANGLING)
    table = check(runner, store)
    assert table.exit_code == 1
    assert table.stdout.splitlines()[1] == (
        f"Log: {len(DANGLING)} records, head {_head_hash(store)}"
    )
    assert table.stdout.splitlines()[2].startswith("Checkpoint: none signed yet; Versions: ")
    result = check(runner, store, "--format", "json", "--case", "PA-7", "--actor", "registrar")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert list(doc)[:5] == ["as_of", "known_at", "rulepack", "basis", "findings"]
    assert doc["basis"]["log"]["size"] == len(DANGLING) and doc["basis"]["checkpoint"] is None
    listed = run(runner, store, "audit", "log", "--format", "jsonl")
    first, second = (json.loads(line) for line in listed.stdout.splitlines())
    assert (first["kind"], second["kind"]) == ("check", "check")
    assert second["actor"] == "registrar" and second["cases"] == ["PA-7"]
    assert second["finding_ids"] == [f["finding_id"] for f in doc["findings"]]
    assert second["inputs"]["request"] == {
        "command": "check",
        "cases": ["PA-7"],
        "format": "json",
        "lang": "en",
        "styled": False,
    }
    reproduced = run(runner, store, "audit", "reproduce", "--all")
    assert reproduced.exit_code == 0, reproduced.output
    verdicts = [line.split(": ")[1] for line in reproduced.stdout.splitlines()]
    assert verdicts == ["reproduced", "reproduced"]
    # nothing is shown unrecorded
    refused = check(runner, store, "--no-record")
    assert refused.exit_code == 5 and refused.stdout == ""


def _head_hash(store: Path) -> str:
    log = open_log(str(store))
    try:
        return log.head().hash
    finally:
        log.close()


def test_case_selects_and_an_unknown_case_is_bad_input(runner: CliRunner, tmp_path: Path) -> None:
    store = loaded(runner, tmp_path, DANGLING)
    only = check(runner, store, "--case", "PA-8")
    assert only.exit_code == 0
    assert only.stdout.splitlines()[-1] == "No data-quality finding in 1 case checked."
    missing = check(runner, store, "--case", "PA-9")
    assert missing.exit_code == 3
    assert missing.stdout == ""
    assert missing.stderr.startswith("Error: --case PA-9: no events in this case recorded by ")
    assert len(missing.stderr.splitlines()) == 1


def test_a_finding_goes_when_the_missing_events_are_recorded(
    runner: CliRunner, tmp_path: Path
) -> None:
    """The case kept its events; once the order and the request are recorded, nothing
    is left, and --known-at before they were recorded still shows what was missing."""
    store = loaded(runner, tmp_path, DANGLING)
    first = json.loads(run(runner, store, "log", "--format", "jsonl").stdout.splitlines()[-1])
    more = tmp_path / "late.jsonl"
    more.write_text("".join(json.dumps(e) + "\n" for e in MISSING), encoding="utf-8")
    assert run(runner, store, "ingest", str(more)).exit_code == 0
    now = run(runner, store, "check", "--as-of", AS_OF)
    assert now.exit_code == 0, now.output
    then = run(runner, store, "check", "--as-of", AS_OF, "--known-at", first["recorded_at"])
    assert then.exit_code == 1
    assert "unknown_order (DQ-002)" in then.stdout


def test_as_of_before_the_confiscation_sees_no_finding_yet(
    runner: CliRunner, tmp_path: Path
) -> None:
    store = loaded(runner, tmp_path, DANGLING)
    result = run(runner, store, "check", "--as-of", "2021-01-01", "--known-at", KNOWN_AT)
    assert result.exit_code == 0, result.output


def test_in_spanish(runner: CliRunner, tmp_path: Path) -> None:
    store = loaded(runner, tmp_path, DANGLING)
    result = run(runner, store, "--lang", "es", "check", "--as-of", AS_OF, "--known-at", KNOWN_AT)
    assert result.exit_code == 1
    words = " ".join(result.stdout.split())
    assert "Caso PA-7" in words
    assert "menciona la orden O6 en order_id, pero ningún evento del caso la dicta" in words
    assert "ninguna: una comprobación de los registros del propio caso, no una norma jurídica" in (
        words
    )
    assert words.endswith("2 hallazgos de calidad de los datos en 1 de 2 casos comprobados.")


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_every_example_holds_together(runner: CliRunner, tmp_path: Path, example: Path) -> None:
    store = tmp_path / "comity.db"
    assert run(runner, store, "init").exit_code == 0
    assert run(runner, store, "ingest", str(example)).exit_code == 0
    result = run(runner, store, "check", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["findings"] == []
