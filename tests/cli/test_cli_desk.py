"""The replay a person reads: --open, --jurisdiction, --category, `comity cases`,
severity colours (terminal only, never with NO_COLOR), the progress bar (a terminal
only), `rules show` by code or any case of the id, `explain` naming its case.

Every check runs the real command line on the example logs through CliRunner.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from comity.cli import _progress, cli
from comity.cli._streams import write_styled_lines
from comity.report.text.style import paint

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PANAMA = "PA-2019-0117"
AS_OF = "2024-06-30"
EARLY = "2019-04-01"  # the Swiss FIU freeze on A3 is still running
KNOWN_AT = "2099-01-01T00:00:00Z"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def invoke(runner: CliRunner, store: Path, *args: str, **kwargs: Any) -> Result:
    return runner.invoke(cli, ["--store", str(store), *args], catch_exceptions=False, **kwargs)


def ok(result: Result) -> Result:
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return result


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def store(runner: CliRunner, tmp_path: Path) -> Path:
    path = tmp_path / "comity.db"
    ok(invoke(runner, path, "init"))
    for example in sorted(EXAMPLES.glob("*.jsonl")):
        ok(invoke(runner, path, "ingest", str(example)))
    return path


def replay_json(runner: CliRunner, store: Path, *args: str) -> dict[str, Any]:
    out = ok(invoke(runner, store, "replay", "--format", "json", "--known-at", KNOWN_AT, *args))
    data: dict[str, Any] = json.loads(out.stdout)
    return data


def findings(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for case in data["cases"] for f in case["findings"]]


def shown_ids(text: str) -> set[str]:
    return set(re.findall(r"  id ([0-9a-f]{20})$", text, flags=re.M))


# --------------------------------------------------------------------------- --open


def test_open_shows_every_open_finding_and_nothing_else(runner: CliRunner, store: Path) -> None:
    everything = findings(replay_json(runner, store, "--as-of", AS_OF))
    wanted = {f["finding_id"] for f in everything if f["resolved_at"] is None}
    assert wanted and len(wanted) < len(everything)
    text = ok(
        invoke(runner, store, "replay", "--as-of", AS_OF, "--known-at", KNOWN_AT, "--open")
    ).stdout
    assert shown_ids(text) == wanted
    assert "not shown (only open findings)" in text
    assert "  Resolved" not in text and "resolved 20" not in text
    selected = findings(replay_json(runner, store, "--as-of", AS_OF, "--open"))
    assert {f["finding_id"] for f in selected} == wanted
    # the whole case is still counted, and what was left out is said
    hidden = sum(f["case_id"] == PANAMA and f["resolved_at"] is not None for f in everything)
    assert f"{hidden} not shown (only open findings)" in text


def test_open_replay_of_the_panama_example_fits_one_screen(runner: CliRunner, store: Path) -> None:
    text = ok(invoke(runner, store, "replay", "--case", PANAMA, "--as-of", AS_OF, "--open")).stdout
    lines = text.splitlines()
    assert len(lines) <= 60  # a terminal window (60 lines); the README shows it
    assert max(len(line) for line in lines) <= 100


def test_jsonl_and_fail_on_follow_the_selection(runner: CliRunner, store: Path) -> None:
    args = ("replay", "--as-of", AS_OF, "--known-at", KNOWN_AT, "--case", PANAMA)
    lines = ok(invoke(runner, store, *args, "--format", "jsonl", "--open")).stdout.splitlines()
    assert lines and all(json.loads(line)["resolved_at"] is None for line in lines)
    # PA-2019-0117's only open critical finding is a missed deadline: --category
    # overlap hides it, and --fail-on judges what is shown
    failing = invoke(runner, store, *args, "--fail-on", "critical")
    assert failing.exit_code == 1
    assert ok(invoke(runner, store, *args, "--fail-on", "critical", "--category", "overlap"))


# --------------------------------------------------------------------------- --jurisdiction


def test_jurisdiction_keeps_findings_and_deadlines_that_involve_it(
    runner: CliRunner, store: Path
) -> None:
    everything = replay_json(runner, store, "--as-of", EARLY, "--case", PANAMA)
    deadlines = everything["cases"][0]["open_deadlines"]
    assert {d["ref"] for d in deadlines} == {"A3", "O1"}  # a Swiss freeze, a Panamanian order
    swiss = replay_json(runner, store, "--as-of", EARLY, "--case", PANAMA, "--jurisdiction", "ch")
    kept = findings(swiss)
    assert kept and all("CH" in f["jurisdictions"] for f in kept)
    assert {f["finding_id"] for f in kept} == {
        f["finding_id"] for f in findings(everything) if "CH" in f["jurisdictions"]
    }
    assert [d["ref"] for d in swiss["cases"][0]["open_deadlines"]] == ["A3"]
    text = ok(
        invoke(runner, store, "replay", "--as-of", EARLY, "--case", PANAMA, "--jurisdiction", "CH")
    ).stdout
    assert "postponement_lapsed A3 (DL-003)" in text
    assert "order_expired O1" not in text


def test_a_jurisdiction_that_is_no_code_is_bad_input(runner: CliRunner, store: Path) -> None:
    result = invoke(runner, store, "replay", "--jurisdiction", "Panama")
    assert result.exit_code == 3
    assert result.stderr.startswith("Error: --jurisdiction: expected an ISO 3166-1 alpha-2 code")
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""


# --------------------------------------------------------------------------- --category


@pytest.mark.parametrize("category", ["overlap", "deadline", "next_step"])
def test_category_keeps_one_category(runner: CliRunner, store: Path, category: str) -> None:
    everything = findings(replay_json(runner, store, "--as-of", AS_OF))
    kept = findings(replay_json(runner, store, "--as-of", AS_OF, "--category", category))
    assert {f["finding_id"] for f in kept} == {
        f["finding_id"] for f in everything if f["category"] == category
    }
    text = ok(invoke(runner, store, "replay", "--as-of", AS_OF, "--category", category)).stdout
    titles = {"overlap": "Overlapping", "deadline": "Missed deadlines", "next_step": "Next steps"}
    for other, title in titles.items():
        assert (title in text) == (other == category)


def test_category_keeps_the_deadlines_of_its_rules(runner: CliRunner, store: Path) -> None:
    args = ("--as-of", EARLY, "--case", PANAMA)
    deadline = replay_json(runner, store, *args, "--category", "deadline")
    assert {d["rule"] for d in deadline["cases"][0]["open_deadlines"]} == {"DL-001", "DL-003"}
    overlap = replay_json(runner, store, *args, "--category", "overlap")
    assert overlap["cases"][0]["open_deadlines"] == []


def test_no_selection_leaves_the_json_as_it_was(runner: CliRunner, store: Path) -> None:
    args = ("replay", "--format", "json", "--as-of", AS_OF, "--known-at", KNOWN_AT)
    plain = ok(invoke(runner, store, *args)).stdout
    data = json.loads(plain)
    assert plain == json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    # the shape of a selected document is the document's
    selected = json.loads(ok(invoke(runner, store, *args, "--open")).stdout)
    assert selected.keys() == data.keys()
    assert [c["case_id"] for c in selected["cases"]] == [c["case_id"] for c in data["cases"]]


# --------------------------------------------------------------------------- cases


def test_cases_one_line_per_case_from_a_replay_and_from_the_store(
    runner: CliRunner, store: Path
) -> None:
    args = ("cases", "--as-of", EARLY, "--known-at", KNOWN_AT)
    replayed = ok(invoke(runner, store, *args)).stdout.splitlines()
    assert replayed[0].endswith("(replayed)")
    data = replay_json(runner, store, "--as-of", EARLY)
    # what the table stands on, under its title
    assert [line.split(":")[0] for line in replayed[1:5]] == [
        "Log",
        "Checkpoint",
        "Rule pack",
        "Versions",
    ]
    assert replayed[3] == f"Rule pack: {data['rulepack']}"
    del replayed[1:5]
    assert replayed[1].split() == [
        "case",
        "lead",
        "open",
        "findings",
        "next",
        "deadline",
        "last",
        "event",
    ]
    assert replayed[-2] == "" and replayed[-1].startswith(f"{len(data['cases'])} cases: ")
    rows = {line.split()[0]: line for line in replayed[2:-2]}
    assert set(rows) == {c["case_id"] for c in data["cases"]}
    for case in data["cases"]:
        row = rows[case["case_id"]]
        opened = [f for f in case["findings"] if f["resolved_at"] is None]
        for severity in ("critical", "warning", "info"):
            count = sum(f["severity"] == severity for f in opened)
            assert f"{count} {severity}" in row
        if case["open_deadlines"]:
            soonest = min(case["open_deadlines"], key=lambda d: d["breach_at"])
            assert f"{soonest['due']} (" in row and f"{soonest['code']} {soonest['ref']}" in row
    assert rows[PANAMA].split()[1] == "PA"  # the lead jurisdiction
    # the last event by valid time up to --as-of (dates only in this example)
    events = [
        json.loads(line)
        for line in (EXAMPLES / "panama-drug-trafficking.jsonl").read_text("utf-8").splitlines()
    ]
    last = max((e for e in events if e["occurred_at"] <= EARLY), key=lambda e: e["occurred_at"])
    assert rows[PANAMA].endswith(f"{last['occurred_at']} {last['type']}")


def test_cases_answers_from_a_current_findings_store(runner: CliRunner, store: Path) -> None:
    ok(invoke(runner, store, "watch", "--once"))
    fresh = ok(invoke(runner, store, "cases")).stdout.splitlines()
    assert fresh[0].endswith("(from the findings store)")
    # the same lines as a replay at the store's cut
    cut = json.loads(ok(invoke(runner, store, "findings", "--format", "json")).stdout)
    again = ok(
        invoke(runner, store, "cases", "--as-of", cut["as_of"], "--known-at", cut["known_at"])
    ).stdout.splitlines()
    assert again[1:] == fresh[1:]


def test_cases_with_an_unknown_case_is_bad_input(runner: CliRunner, store: Path) -> None:
    result = invoke(runner, store, "cases", "--case", "NOPE")
    assert result.exit_code == 3 and result.stderr.startswith("Error: --case NOPE")


# --------------------------------------------------------------------------- colour


def test_colour_on_a_terminal_by_severity(runner: CliRunner, store: Path) -> None:
    args = ("replay", "--case", PANAMA, "--as-of", AS_OF, "--known-at", KNOWN_AT, "--open")
    coloured = ok(invoke(runner, store, *args, color=True)).stdout
    assert "\x1b[31m\x1b[1mCRITICAL" in coloured  # red
    assert "\x1b[33m\x1b[1mWARNING" in coloured  # yellow
    plain = ok(invoke(runner, store, *args, color=False)).stdout
    assert "\x1b" not in plain
    # the colour codes are the only difference
    assert ANSI.sub("", coloured) == plain
    cases = ok(invoke(runner, store, "cases", "--known-at", KNOWN_AT, color=True)).stdout
    assert "\x1b[31m" in cases


@pytest.mark.parametrize("command", [["replay", "--open"], ["cases"]])
def test_no_colour_in_pipes_or_with_no_color(
    runner: CliRunner, store: Path, command: list[str]
) -> None:
    args = (*command, "--as-of", AS_OF, "--known-at", KNOWN_AT)
    piped = ok(invoke(runner, store, *args)).stdout  # CliRunner's stdout is no terminal
    assert "\x1b" not in piped
    no_color = ok(invoke(runner, store, *args, color=True, env={"NO_COLOR": "1"})).stdout
    assert no_color == piped


def test_only_comity_paints(capsys: pytest.CaptureFixture[str]) -> None:
    # a case's own text holding an escape sequence is shown escaped, colour or not
    line = "    " + paint("CRITICAL", "critical", True) + "  Evil \x1b[31mred"
    write_styled_lines([line], styled=True)
    out = capsys.readouterr().out
    assert out == "    \x1b[31m\x1b[1mCRITICAL\x1b[0m  Evil \\x1b[31mred\n"


# --------------------------------------------------------------------------- progress


def test_no_progress_bar_in_pipes(runner: CliRunner, store: Path) -> None:
    result = ok(invoke(runner, store, "replay", "--as-of", AS_OF, "--format", "json"))
    assert re.fullmatch(r"disclosure: [0-9a-f-]{36}\n", result.stderr)  # and nothing else
    watched = ok(invoke(runner, store, "watch", "--once"))
    assert "catching up:" in watched.stderr  # the log lines a pipe has always had
    assert "\r" not in watched.stderr


def test_a_progress_bar_on_a_terminal(
    runner: CliRunner, store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # stderr a terminal, stdout redirected to a file: the bar counts the cases
    monkeypatch.setattr(_progress, "on_terminal", lambda stream: stream is _stderr())
    monkeypatch.setattr("click._termui_impl.isatty", lambda stream: True)
    result = ok(invoke(runner, store, "replay", "--as-of", AS_OF, "--format", "json"))
    assert "replaying cases" in result.stderr
    assert json.loads(result.stdout)["cases"]  # the report itself is untouched
    watched = ok(invoke(runner, store, "watch", "--once"))
    assert "catching up" in watched.stderr and "catching up:" not in watched.stderr


def _stderr() -> object:
    import sys

    return sys.stderr


# --------------------------------------------------------------------------- rules, explain


@pytest.mark.parametrize("name", ["OV-001", "ov-001", "Ov-001", "asset_abroad"])
def test_rules_show_takes_a_code_or_any_case_of_the_id(runner: CliRunner, name: str) -> None:
    result = ok(runner.invoke(cli, ["rules", "show", name], catch_exceptions=False))
    assert result.stdout.startswith("Rule OV-001: asset_abroad\n")


def test_rules_show_of_no_rule_is_bad_input(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["rules", "show", "no_such_rule"], catch_exceptions=False)
    assert result.exit_code == 3
    assert result.stderr.startswith("Error: no rule 'no_such_rule'")


def test_explain_says_which_case_it_found(runner: CliRunner, store: Path) -> None:
    data = replay_json(runner, store, "--as-of", AS_OF, "--case", PANAMA)
    finding = data["cases"][0]["findings"][0]["finding_id"]
    result = ok(invoke(runner, store, "explain", finding, "--as-of", AS_OF))
    assert f"finding {finding} is in case {PANAMA} (by replaying the store)" in result.stderr
    ok(invoke(runner, store, "watch", "--once"))
    stored = ok(invoke(runner, store, "explain", finding))
    assert f"is in case {PANAMA} (from the findings store)" in stored.stderr
