"""The commands that replay or show rules: replay, explain, deadlines, rules; --rules.

Each test gets its own SQLite store under `tmp_path`. Every invocation runs with
`catch_exceptions=False`, so a traceback fails the test.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cli_cases import (
    EXAMPLE,
    FIU_CASE,
    ORDER_CASE,
    invoke,
    ok,
    one_line_error,
    user_pack,
    write_jsonl,
)
from comity.cli import cli
from comity.cli import options as cli_module
from comity.rules import load_pack
from comity.rules.params import builtin_params_dir

CASE = "PA-2019-0042"
AS_OF = "2020-12-31"
KNOWN_AT = "2099-01-01T00:00:00Z"  # after every recorded_at: the whole log is known


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def store(runner: CliRunner, tmp_path: Path) -> Path:
    """A store holding the quick-start example."""
    path = tmp_path / "comity.db"
    ok(invoke(runner, path, "init"))
    ok(invoke(runner, path, "ingest", str(EXAMPLE)))
    return path


@pytest.fixture
def three_cases(runner: CliRunner, store: Path, tmp_path: Path) -> Path:
    """The example, the Swiss FIU case and a case with a stated expiry."""
    ok(invoke(runner, store, "ingest", str(write_jsonl(tmp_path / "fiu.jsonl", FIU_CASE))))
    ok(invoke(runner, store, "ingest", str(write_jsonl(tmp_path / "c2.jsonl", ORDER_CASE))))
    return store


def replay_json(runner: CliRunner, store: Path, *args: str) -> dict[str, Any]:
    result = ok(invoke(runner, store, "replay", "--format", "json", "--known-at", KNOWN_AT, *args))
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def findings_of(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for case in data["cases"] for f in case["findings"]]


# --------------------------------------------------------------------------- replay: table


def test_replay_table_groups_findings_by_category(runner: CliRunner, store: Path) -> None:
    out = ok(invoke(runner, store, "replay", "--as-of", AS_OF, "--known-at", KNOWN_AT)).stdout
    assert out.startswith(f"comity replay as of {AS_OF}, known at {KNOWN_AT}\n")
    assert f"rule pack {load_pack().digest} (built-in)" in out
    assert f"== Case {CASE}" in out
    # missed deadlines first, then overlaps, then next steps, then open deadlines
    order = [
        out.index("Missed deadlines: none"),
        out.index("Overlapping jurisdictions: 1 open, 3 resolved"),
        out.index("Next steps: 2 open, 5 resolved"),
        out.index("Open deadlines: none"),
    ]
    assert order == sorted(order)
    # a finding: severity, code, rule, id, raised_at, status, message, legal basis
    assert "CRITICAL  frozen_asset_moved (OV-005)  id " in out
    # a request to the US does not undo the breach of the freeze: it stays open
    assert "raised 2019-04-01, open" in out
    assert "Transfer T1 moved USD 150,000.00 from A1 (PA, frozen by O1) to A4 (US)." in out
    assert "legal basis: UNCAC art. 54(2); UNTOC art. 12(2)" in out
    assert "legal basis: UNCAC art. 54(2); UNCAC art. 55(2)\n" in out
    assert "FATF Recommendations, R.38 (unverified)" in out
    # what resolved a finding is named by its type and date, not only by its id
    assert (
        "raised 2019-08-24, due 2019-09-06, resolved 2019-09-02 by order_extended of 2019-09-02 "
        "(evt-0017)"
    ) in " ".join(out.split())
    # open before resolved within a category
    overlaps = out[out.index("Overlapping jurisdictions") : out.index("Next steps")]
    assert overlaps.index("  Open\n") < overlaps.index("  Resolved\n")
    assert out.rstrip().endswith(
        "1 case replayed: 3 open findings (1 critical, 1 warning, 1 info), 8 resolved; "
        "0 open deadlines."
    )


def test_replay_table_shows_missed_and_open_deadlines(runner: CliRunner, three_cases: Path) -> None:
    out = ok(
        invoke(runner, three_cases, "replay", "--as-of", "2021-03-05", "--case", "CH-2021-7")
    ).stdout
    assert "Missed deadlines: none" in out
    assert "Open deadlines, soonest first:" in out
    assert (
        "due 2021-03-09 (in 4 days; late from 2021-03-10)  postponement_lapsed B1 (DL-003)" in out
    )
    assert "period: fiu_suspension.CH: 5 working days (unverified)" in out
    later = ok(
        invoke(runner, three_cases, "replay", "--as-of", "2021-03-31", "--case", "CH-2021-7")
    ).stdout
    assert "Missed deadlines: 1\n" in later
    assert "CRITICAL  postponement_lapsed (DL-003)" in later
    assert "raised 2021-03-10, due 2021-03-09, missed" in later
    # the warning that preceded it is closed by the breach, not shown as done
    assert "closed 2021-03-10: the deadline was missed" in later


def test_replay_defaults_to_the_wall_clock_and_says_so(
    runner: CliRunner, store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = dt.datetime(2099, 1, 2, 9, 30, 15, 250000, tzinfo=dt.UTC)
    monkeypatch.setattr(cli_module, "_now", lambda: now)
    out = ok(invoke(runner, store, "replay")).stdout
    assert out.startswith("comity replay as of 2099-01-02, known at 2099-01-02T09:30:15.250000Z\n")
    data = json.loads(ok(invoke(runner, store, "replay", "--format", "json")).stdout)
    assert (data["as_of"], data["known_at"]) == ("2099-01-02", "2099-01-02T09:30:15.250000Z")
    # the defaults give what the same times given explicitly give
    explicit = ("--as-of", "2099-01-02", "--known-at", "2099-01-02T09:30:15.250000Z")
    again = ok(invoke(runner, store, "replay", "--format", "json", *explicit)).stdout
    assert json.loads(again) == data
    # nothing happens in the example after 2020: the findings are those of 2020-12-31
    assert data["cases"][0]["findings"] == findings_of(replay_json(runner, store, "--as-of", AS_OF))


def test_replay_an_empty_store(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    ok(invoke(runner, path, "init"))
    out = ok(invoke(runner, path, "replay", "--as-of", AS_OF)).stdout
    assert "No cases to replay." in out
    result = ok(invoke(runner, path, "replay", "--format", "json", "--as-of", AS_OF))
    assert json.loads(result.stdout)["cases"] == []
    assert result.stdout.endswith('"cases": []\n}\n')
    assert ok(invoke(runner, path, "replay", "--format", "jsonl", "--as-of", AS_OF)).stdout == ""


# --------------------------------------------------------------------------- replay: json, jsonl


FINDING_FIELDS = [
    "finding_id",
    "case_id",
    "category",
    "code",
    "rule",
    "rulepack",
    "severity",
    "title",
    "message",
    "jurisdictions",
    "assets",
    "due",
    "raised_at",
    "resolved_at",
    "resolved_by",
    "because",
    "legal_basis",
]


def test_replay_json_is_one_object_in_contract_order(runner: CliRunner, three_cases: Path) -> None:
    args = ("replay", "--format", "json", "--as-of", "2021-03-31", "--known-at", KNOWN_AT)
    first = ok(invoke(runner, three_cases, *args)).stdout
    data = json.loads(first)
    assert list(data) == ["as_of", "known_at", "rulepack", "basis", "cases"]
    assert (data["as_of"], data["known_at"]) == ("2021-03-31", KNOWN_AT)
    assert data["rulepack"] == load_pack().digest
    # what the output stands on: the whole log at this known_at, no checkpoint yet
    head = json.loads(
        ok(invoke(runner, three_cases, "log", "--format", "jsonl")).stdout.splitlines()[-1]
    )
    assert data["basis"] == {
        "as_of": "2021-03-31",
        "known_at": KNOWN_AT,
        "log": {"size": head["position"], "position": head["position"], "hash": head["hash"]},
        "checkpoint": None,
        "rulepack": data["rulepack"],
        "versions": {name: metadata.version(name) for name in ("comity", "durable-rules")},
    }
    assert [c["case_id"] for c in data["cases"]] == ["C2", "CH-2021-7", CASE]
    for case in data["cases"]:
        assert list(case) == ["case_id", "findings", "open_deadlines"]
        for finding in case["findings"]:
            assert list(finding)[: len(FINDING_FIELDS)] == FINDING_FIELDS
            assert finding["case_id"] == case["case_id"]
            assert finding["rulepack"] == data["rulepack"]
    lapsed = next(f for f in findings_of(data) if f["code"] == "postponement_lapsed")
    assert lapsed["deadline"]["parameter"] == "fiu_suspension.CH"
    # streamed by hand, yet exactly what json.dumps gives for the whole object
    assert first == json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    assert "Rodrigo Almanza Vélez" in first  # ensure_ascii=False
    # byte-identical for identical inputs
    assert ok(invoke(runner, three_cases, *args)).stdout == first


def test_replay_json_with_one_case(runner: CliRunner, three_cases: Path) -> None:
    data = replay_json(runner, three_cases, "--as-of", AS_OF, "--case", CASE, "--case", CASE)
    assert [c["case_id"] for c in data["cases"]] == [CASE]


def test_replay_jsonl_is_one_finding_a_line(runner: CliRunner, three_cases: Path) -> None:
    args = ("--as-of", "2021-03-31", "--known-at", KNOWN_AT)
    result = ok(invoke(runner, three_cases, "replay", "--format", "jsonl", *args))
    lines = result.stdout.splitlines()
    expected = findings_of(replay_json(runner, three_cases, *args))
    assert [json.loads(line) for line in lines] == expected
    assert all(json.loads(line)["case_id"] for line in lines)
    assert {json.loads(line)["case_id"] for line in lines} == {"C2", "CH-2021-7", CASE}
    # the times and the pack go to stderr, so that stdout stays pure JSON Lines
    assert "as of 2021-03-31" in result.stderr
    assert load_pack().digest in result.stderr


def test_replay_known_at_leaves_out_events_recorded_later(
    runner: CliRunner, store: Path, tmp_path: Path
) -> None:
    log = ok(invoke(runner, store, "log", "--format", "jsonl")).stdout.splitlines()
    recorded = json.loads(log[-1])["recorded_at"]
    ok(invoke(runner, store, "ingest", str(write_jsonl(tmp_path / "fiu.jsonl", FIU_CASE))))
    then = json.loads(
        ok(
            invoke(
                runner,
                store,
                "replay",
                "--format",
                "json",
                "--as-of",
                "2021-03-31",
                "--known-at",
                recorded,
            )
        ).stdout
    )
    assert then["known_at"] == recorded
    assert [c["case_id"] for c in then["cases"]] == [CASE]
    now = replay_json(runner, store, "--as-of", "2021-03-31")
    assert [c["case_id"] for c in now["cases"]] == ["CH-2021-7", CASE]


def test_replay_unknown_case_is_bad_input(runner: CliRunner, store: Path) -> None:
    line = one_line_error(invoke(runner, store, "replay", "--case", "PA-2019-0024"), 3)
    assert "--case PA-2019-0024: no events in this case" in line


# --------------------------------------------------------------------------- replay --fail-on


def test_fail_on_exits_1_when_an_open_finding_is_that_severe(
    runner: CliRunner, store: Path
) -> None:
    # open at 2020-12-31: the frozen asset moved (critical) and one warning
    base = ("replay", "--as-of", AS_OF, "--known-at", KNOWN_AT)
    failing = invoke(runner, store, *base, "--fail-on", "warning")
    assert failing.exit_code == 1, failing.output
    assert "Traceback" not in failing.output
    assert f"== Case {CASE}" in failing.stdout  # the report is still printed in full
    assert "2 open findings of severity warning or higher (--fail-on warning)." in failing.stderr
    assert invoke(runner, store, *base, "--fail-on", "info").exit_code == 1
    assert invoke(runner, store, *base, "--fail-on", "critical").exit_code == 1
    # before the transfer nothing critical is open
    early = ("replay", "--as-of", "2019-03-31", "--known-at", KNOWN_AT)
    ok(invoke(runner, store, *early, "--fail-on", "critical"))
    ok(invoke(runner, store, *base))  # no --fail-on: findings never fail the command
    for fmt in ("json", "jsonl"):
        result = invoke(runner, store, *base, "--format", fmt, "--fail-on", "warning")
        assert result.exit_code == 1
        assert result.stdout.strip()


def test_fail_on_critical_with_a_missed_deadline(runner: CliRunner, three_cases: Path) -> None:
    base = ("replay", "--case", "CH-2021-7", "--known-at", KNOWN_AT, "--fail-on", "critical")
    assert invoke(runner, three_cases, *base, "--as-of", "2021-03-31").exit_code == 1
    # While the suspension runs the critical next step obtain_freezing_order is open
    # (raised with the suspension); before it, nothing critical is.
    assert invoke(runner, three_cases, *base, "--as-of", "2021-03-05").exit_code == 1
    ok(invoke(runner, three_cases, *base, "--as-of", "2021-03-01"))


def test_fail_on_refuses_an_unknown_severity(runner: CliRunner, store: Path) -> None:
    result = invoke(runner, store, "replay", "--fail-on", "high")
    assert result.exit_code == 2
    assert "Traceback" not in result.output


# --------------------------------------------------------------------------- bad times


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--as-of", "31/12/2020"], 'got "31/12/2020"'),
        (["--as-of", "2020-02-30"], "no such date"),
        (["--as-of", "2020-12-31T12:00:00"], "ending in Z"),
        (["--as-of", "2020-12-31T12:00:00+01:00"], "ending in Z"),
        (["--known-at", "2020-12-31"], "record time is an instant, not a day"),
        (["--known-at", "yesterday"], 'got "yesterday"'),
    ],
)
@pytest.mark.parametrize("command", ["replay", "deadlines", "explain"])
def test_bad_times_are_one_line_of_bad_input(
    runner: CliRunner, store: Path, command: str, args: list[str], message: str
) -> None:
    extra = ["0123456789abcdef0123"] if command == "explain" else []
    line = one_line_error(invoke(runner, store, command, *extra, *args), 3)
    assert line.startswith(f"Error: {args[0]}: expected ")
    assert message in line


def test_as_of_takes_a_utc_datetime(runner: CliRunner, three_cases: Path) -> None:
    before = replay_json(
        runner, three_cases, "--case", "CH-2021-7", "--as-of", "2021-03-09T23:59:59Z"
    )
    assert before["as_of"] == "2021-03-09T23:59:59Z"
    assert not [f for f in findings_of(before) if f["category"] == "deadline"]
    after = replay_json(
        runner, three_cases, "--case", "CH-2021-7", "--as-of", "2021-03-10T00:00:00Z"
    )
    assert [f["code"] for f in findings_of(after) if f["category"] == "deadline"] == [
        "postponement_lapsed"
    ]


# --------------------------------------------------------------------------- explain


def test_explain_a_finding_shows_rule_law_and_events(runner: CliRunner, store: Path) -> None:
    data = replay_json(runner, store, "--as-of", AS_OF)
    moved = next(f for f in findings_of(data) if f["code"] == "frozen_asset_moved")
    out = ok(
        invoke(
            runner, store, "explain", moved["finding_id"], "--as-of", AS_OF, "--known-at", KNOWN_AT
        )
    ).stdout
    assert out.startswith(f"Finding {moved['finding_id']} in case {CASE}, as of {AS_OF}")
    assert moved["message"] in out
    assert (
        "Rule OV-005 (frozen_asset_moved): A frozen asset was moved to another jurisdiction" in out
    )
    assert f"rule pack: {data['rulepack']}" in out
    assert "UNCAC art. 54(2) (verified)" in out
    assert "UNTOC art. 12(2) (verified)" in out
    for basis in moved["legal_basis"]:
        assert basis["reference"] in out
    # each event it rests on, and the one that resolved it, with seq and recorded_at
    log = ok(invoke(runner, store, "log", "--format", "jsonl")).stdout.splitlines()
    stored = {r["event_id"]: r for r in map(json.loads, log)}
    assert moved["because"] == ["evt-0007", "evt-0009"]
    assert moved["resolved_by"] is None  # a request alone does not re-freeze the money
    for event_id in moved["because"]:
        record = stored[event_id]
        row = next(line for line in out.splitlines() if line.endswith(f"  {event_id}"))
        assert row.split() == [
            str(record["seq"]),
            str(record["position"]),
            record["recorded_at"],
            record["type"],
            record["occurred_at"],
            event_id,
        ]
    rests_on = out[out.index("Events it rests on") :]
    assert "evt-0007" in rests_on and "evt-0009" in rests_on and "evt-0013" not in rests_on


def test_explain_a_missed_deadline_shows_the_parameter(
    runner: CliRunner, three_cases: Path
) -> None:
    data = replay_json(runner, three_cases, "--as-of", "2021-03-31", "--case", "CH-2021-7")
    lapsed = next(f for f in findings_of(data) if f["code"] == "postponement_lapsed")
    out = ok(
        invoke(runner, three_cases, "explain", lapsed["finding_id"], "--as-of", "2021-03-31")
    ).stdout
    assert "Rule DL-003 (postponement_lapsed)" in out
    assert "Missed on 2021-03-10. A missed deadline stays missed" in out
    deadline = out[out.index("\nDeadline\n") :]
    assert "last day:   2021-03-09" in deadline
    assert "parameter:  fiu_suspension.CH" in deadline
    assert "value:      5 working days" in deadline
    assert "Anti-Money Laundering Act (AMLA)" in deadline
    assert lapsed["deadline"]["source"]["reference"] in deadline
    assert "confidence: unverified" in deadline
    assert "counting:   5 working days from" in deadline
    assert "Cantonal public holidays" in deadline  # the caveat
    assert "ch-3" in out[out.index("Events it rests on") :]


def test_explain_a_superseded_warning(runner: CliRunner, three_cases: Path) -> None:
    data = replay_json(runner, three_cases, "--as-of", "2021-03-31", "--case", "CH-2021-7")
    warning = next(f for f in findings_of(data) if f["code"] == "obtain_freezing_order")
    lapsed = next(f for f in findings_of(data) if f["code"] == "postponement_lapsed")
    out = ok(
        invoke(runner, three_cases, "explain", warning["finding_id"], "--as-of", "2021-03-31")
    ).stdout
    assert "without the step being taken" in out
    assert lapsed["finding_id"] in out


def test_explain_an_unknown_finding_is_exit_3(runner: CliRunner, store: Path) -> None:
    line = one_line_error(
        invoke(runner, store, "explain", "0123456789abcdef0123", "--as-of", AS_OF), 3
    )
    assert "no finding '0123456789abcdef0123' in any case as of 2020-12-31" in line


def test_explain_a_finding_not_raised_yet_at_as_of(runner: CliRunner, store: Path) -> None:
    data = replay_json(runner, store, "--as-of", AS_OF)
    late = next(f for f in findings_of(data) if f["code"] == "request_execution")
    one_line_error(invoke(runner, store, "explain", late["finding_id"], "--as-of", "2019-12-31"), 3)


# --------------------------------------------------------------------------- deadlines


def test_deadlines_across_cases_soonest_first(runner: CliRunner, three_cases: Path) -> None:
    out = ok(invoke(runner, three_cases, "deadlines", "--as-of", "2021-03-05")).stdout
    lines = out.splitlines()
    assert lines[0].startswith("Open deadlines as of 2021-03-05, known at ")
    header = next(n for n, line in enumerate(lines) if line.startswith("due "))
    rows = [line.split() for line in lines[header + 1 :]]
    # C2 replays first (case order), but CH-2021-7's deadline comes sooner
    assert [r[:3] for r in rows] == [
        ["2021-03-09", "2021-03-10", "in"],
        ["2021-03-20", "2021-03-21", "in"],
    ]
    assert "CH-2021-7" in rows[0] and "postponement_lapsed" in rows[0]
    assert "C2" in rows[1] and "order_expired" in rows[1] and "O9" in rows[1]
    assert "fiu_suspension.CH: 5 working days (unverified)" in lines[header + 1]


def test_deadlines_within_n_days(runner: CliRunner, three_cases: Path) -> None:
    def codes(*args: str) -> list[str]:
        fixed = ("deadlines", "--as-of", "2021-03-05", "--format", "json")
        data = json.loads(ok(invoke(runner, three_cases, *fixed, *args)).stdout)
        return [d["code"] for d in data["deadlines"]]

    assert codes() == ["postponement_lapsed", "order_expired"]
    # the FIU freeze's last day is 2021-03-09, four days after as_of
    assert codes("--within", "3") == []
    assert codes("--within", "4") == ["postponement_lapsed"]
    assert codes("--within", "14") == ["postponement_lapsed"]
    assert codes("--within", "15") == ["postponement_lapsed", "order_expired"]
    out = ok(
        invoke(runner, three_cases, "deadlines", "--as-of", "2021-03-05", "--within", "3")
    ).stdout
    assert out.startswith("No open deadlines breached within 3 days as of 2021-03-05")


def test_deadlines_json(runner: CliRunner, three_cases: Path) -> None:
    args = ("deadlines", "--format", "json", "--as-of", "2021-03-05", "--known-at", KNOWN_AT)
    first = ok(invoke(runner, three_cases, *args, "--within", "30")).stdout
    data = json.loads(first)
    assert list(data) == ["as_of", "known_at", "rulepack", "basis", "within", "deadlines"]
    assert (data["as_of"], data["within"]) == ("2021-03-05", 30)
    assert list(data["basis"]) == ["as_of", "known_at", "log", "checkpoint", "rulepack", "versions"]
    assert (data["basis"]["as_of"], data["basis"]["rulepack"]) == ("2021-03-05", data["rulepack"])
    fiu = data["deadlines"][0]
    assert fiu["case_id"] == "CH-2021-7"
    assert (fiu["rule"], fiu["ref"], fiu["due"], fiu["breach_at"]) == (
        "DL-003",
        "B1",
        "2021-03-09",
        "2021-03-10",
    )
    assert (fiu["parameter"], fiu["value"], fiu["unit"]) == ("fiu_suspension.CH", 5, "working_days")
    assert first == json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    assert ok(invoke(runner, three_cases, *args, "--within", "30")).stdout == first
    assert json.loads(ok(invoke(runner, three_cases, *args)).stdout)["within"] is None


def test_deadlines_none_running(runner: CliRunner, store: Path) -> None:
    out = ok(invoke(runner, store, "deadlines", "--as-of", AS_OF)).stdout
    assert out.startswith("No open deadlines as of 2020-12-31")
    early = ok(invoke(runner, store, "deadlines", "--as-of", "2019-06-01", "--case", CASE)).stdout
    assert "2019-09-06  2019-09-07  in 97 days  PA-2019-0042  order_expired  O1" in early


def test_deadlines_bad_within_is_a_usage_error(runner: CliRunner, store: Path) -> None:
    assert invoke(runner, store, "deadlines", "--within", "-1").exit_code == 2


# --------------------------------------------------------------------------- rules


def test_rules_list_shows_every_rule(runner: CliRunner, store: Path) -> None:
    out = ok(invoke(runner, store, "rules", "list")).stdout
    pack = load_pack()
    for rule in pack.rules:
        row = next(line for line in out.splitlines() if line.startswith(rule.id + " "))
        assert row.split()[:4] == [rule.id, rule.code, rule.category, rule.severity]
    assert "DL-001  order_expired" in out
    assert "UNCAC art. 54(2) (verified)" in out
    assert "FATF Recommendations, R.38 (unverified)" in out
    assert f"{len(pack.rules)} rules; rule pack {pack.digest} (built-in)" in out


def test_rules_show_a_deadline_rule_with_its_parameters(runner: CliRunner, store: Path) -> None:
    out = ok(invoke(runner, store, "rules", "show", "DL-003")).stdout
    assert out.startswith("Rule DL-003: postponement_lapsed\n")
    assert "A financial intelligence unit suspended a transaction" in out
    assert 'p: postponement where asset_id != ""' in out
    assert "parameter fiu_suspension.{p.jurisdiction}, counted from p.at" in out
    # the placeholder expands to every matching parameter, with each dated value
    pack = load_pack()
    expected = [n for n in pack.parameters.names() if n.startswith("fiu_suspension.")]
    assert len(expected) > 1
    for name in expected:
        assert f"    {name}: {pack.parameters.parameter(name).title}" in out
    assert "from 2000-01-01 until 2023-01-01 (exclusive): 5 working days" in out
    assert "from 2023-01-01 (still in force): 5 working days" in out
    assert "https://www.fedlex.admin.ch/eli/cc/1998/892_892_892/en" in out
    assert "wording read at https://droit-bilingue.ch/de-en/9/95/955.0-10-18.html" in out
    assert "confidence: unverified" in out
    assert "caveat:     Whether the day of the notice or report counts" in out
    assert "from 2017-06-26 (still in force): 1 month\n" in out  # fiu_suspension.DE


def test_rules_show_a_finding_rule_and_a_warning_rule(runner: CliRunner, store: Path) -> None:
    out = ok(invoke(runner, store, "rules", "show", "OV-001")).stdout
    assert "Conditions\n  raised when:\n    c: case\n" in out
    assert "resolved by (any one of):" in out
    warning = ok(invoke(runner, store, "rules", "show", "NS-003")).stdout
    assert "policy.extend_order_warning_days" in warning
    assert "14 calendar days" in warning
    assert "confidence: policy" in warning


def test_rules_show_unknown_is_exit_3(runner: CliRunner, store: Path) -> None:
    line = one_line_error(invoke(runner, store, "rules", "show", "XX-999"), 3)
    assert "no rule 'XX-999'" in line


# --------------------------------------------------------------------------- --rules


def test_user_rules_override_a_parameter(
    runner: CliRunner, three_cases: Path, tmp_path: Path
) -> None:
    ten = user_pack(tmp_path, 10)
    builtin = load_pack().digest
    base = ("--as-of", "2021-03-05", "--known-at", KNOWN_AT, "--format", "json")

    def deadline(*rules: str) -> tuple[str, dict[str, Any]]:
        result = ok(invoke(runner, three_cases, *rules, "deadlines", *base))
        data = json.loads(result.stdout)
        return data["rulepack"], data["deadlines"][0]

    digest, fiu = deadline()
    assert (digest, fiu["due"], fiu["value"]) == (builtin, "2021-03-09", 5)
    digest, fiu = deadline("--rules", str(ten))
    assert digest != builtin
    assert digest == load_pack(ten).digest
    assert (fiu["due"], fiu["value"]) == ("2021-03-16", 10)  # ten working days: moved a week
    # replay carries the new digest on every finding
    data = json.loads(
        ok(
            invoke(
                runner,
                three_cases,
                "--rules",
                str(ten),
                "replay",
                "--as-of",
                "2021-03-31",
                "--format",
                "json",
            )
        ).stdout
    )
    assert {f["rulepack"] for f in findings_of(data)} == {digest}
    lapsed = next(f for f in findings_of(data) if f["code"] == "postponement_lapsed")
    assert (lapsed["due"], lapsed["raised_at"]) == ("2021-03-16", "2021-03-17")
    shown = ok(invoke(runner, three_cases, "--rules", str(ten), "rules", "show", "DL-003")).stdout
    assert "from 2023-01-01 (still in force): 10 working days" in shown
    assert f"(built-in + {ten})" in shown


def test_comity_rules_environment_variable(
    runner: CliRunner, three_cases: Path, tmp_path: Path
) -> None:
    ten, empty = user_pack(tmp_path, 10), tmp_path / "empty"
    empty.mkdir()
    expected = load_pack(ten, empty).digest
    env: dict[str, str | None] = {"COMITY_RULES": os.pathsep.join([str(ten), str(empty)])}
    out = ok(invoke(runner, three_cases, "rules", "list", env=env)).stdout
    assert f"rule pack {expected} (built-in + {ten}, {empty})" in out
    # --rules on the command line wins over the environment
    seven = user_pack(tmp_path, 7)
    out = ok(invoke(runner, three_cases, "--rules", str(seven), "rules", "list", env=env)).stdout
    assert load_pack(seven).digest in out


def test_later_rule_directories_win(runner: CliRunner, three_cases: Path, tmp_path: Path) -> None:
    ten, seven = user_pack(tmp_path, 10), user_pack(tmp_path, 7)
    result = ok(
        invoke(
            runner,
            three_cases,
            "--rules",
            str(ten),
            "--rules",
            str(seven),
            "deadlines",
            "--as-of",
            "2021-03-05",
            "--format",
            "json",
        )
    )
    assert json.loads(result.stdout)["deadlines"][0]["value"] == 7


def test_bad_rule_directories_are_exit_3(runner: CliRunner, store: Path, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-dir"
    line = one_line_error(invoke(runner, store, "--rules", str(missing), "rules", "list"), 3)
    assert str(missing) in line
    broken = tmp_path / "broken"
    (broken / "params").mkdir(parents=True)
    (broken / "params" / "ch.toml").write_text("format = 1\n[fiu_suspension.CH\n", encoding="utf-8")
    line = one_line_error(
        invoke(runner, store, "--rules", str(broken), "replay", "--as-of", AS_OF), 3
    )
    assert "ch.toml" in line
    bad_rule = tmp_path / "bad-rule"
    bad_rule.mkdir()
    shutil.copy(builtin_params_dir() / "ch.toml", bad_rule / "oops.toml")  # params, not rules
    one_line_error(invoke(runner, store, "--rules", str(bad_rule), "deadlines"), 3)
    # commands that need no rules do not load them
    ok(invoke(runner, store, "--rules", str(missing), "verify"))


# --------------------------------------------------------------------------- help


@pytest.mark.parametrize(
    "command",
    [["replay"], ["explain"], ["deadlines"], ["rules"], ["rules", "list"], ["rules", "show"]],
)
def test_every_new_command_has_help(runner: CliRunner, command: list[str]) -> None:
    result = runner.invoke(cli, [*command, "--help"], catch_exceptions=False)
    assert result.exit_code == 0
    assert f"Usage: comity {' '.join(command)}" in result.stdout
    target: Any = cli
    for name in command:
        target = target.commands[name]
    for option in target.params:
        if option.param_type_name == "option":
            assert getattr(option, "help", None), f"{command} {option.name} has no help"
