"""The `comity` command line: every command and every exit code docs/cli.md documents.

Each test gets its own store under `tmp_path`, named by an absolute path.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from comity.cli import cli

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "quickstart.jsonl"
EXAMPLE_COUNT = len(EXAMPLE.read_bytes().splitlines())

CASE_OPENED = {
    "event_id": "e1",
    "case_id": "C1",
    "type": "case_opened",
    "occurred_at": "2019-07-24",
    "lead_jurisdiction": "PA",
    "offences": ["drug_trafficking"],
}


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return tmp_path / "comity.db"


def invoke(
    runner: CliRunner,
    store: Path,
    *args: str,
    input: str | bytes | None = None,
    env: dict[str, str | None] | None = None,
) -> Result:
    # catch_exceptions=False: an unexpected exception (a traceback) fails the test.
    return runner.invoke(
        cli, ["--store", str(store), *args], input=input, env=env, catch_exceptions=False
    )


def ok(result: Result) -> Result:
    assert result.exit_code == 0, result.output
    return result


def assert_user_error(result: Result, code: int) -> None:
    """A user error: the documented exit code, `Error:` on stderr, never a traceback."""
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert result.stderr.strip(), "an error must say what went wrong on stderr"
    assert "Error:" in result.stderr
    assert result.stdout == ""


def write_jsonl(path: Path, *events: dict[str, Any] | str) -> Path:
    lines = [e if isinstance(e, str) else json.dumps(e) for e in events]
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def jsonl_log(runner: CliRunner, store: Path, *args: str) -> list[dict[str, Any]]:
    result = ok(invoke(runner, store, "log", "--format", "jsonl", *args))
    return [json.loads(line) for line in result.stdout.splitlines()]


@pytest.fixture
def loaded(runner: CliRunner, store: Path) -> Path:
    """A store holding the quick-start example."""
    ok(invoke(runner, store, "init"))
    ok(invoke(runner, store, "ingest", str(EXAMPLE)))
    return store


# --------------------------------------------------------------------------- init


def test_init_creates_an_empty_store_and_says_where(runner: CliRunner, store: Path) -> None:
    result = ok(invoke(runner, store, "init"))
    assert store.exists()
    assert str(store) in result.stdout
    assert jsonl_log(runner, store) == []


def test_init_is_idempotent(runner: CliRunner, loaded: Path) -> None:
    result = ok(invoke(runner, loaded, "init"))
    assert f"{EXAMPLE_COUNT} events" in result.stdout
    assert len(jsonl_log(runner, loaded)) == EXAMPLE_COUNT


def test_default_store_is_comity_db_in_the_working_directory(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("COMITY_STORE", raising=False)
    result = runner.invoke(cli, ["init"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "comity.db").exists()
    assert str(tmp_path / "comity.db") in result.stdout


def test_comity_store_environment_variable(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "from-env.db"
    env = {"COMITY_STORE": str(path)}
    assert runner.invoke(cli, ["init"], env=env, catch_exceptions=False).exit_code == 0
    assert path.exists()
    result = runner.invoke(cli, ["ingest", str(EXAMPLE)], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["verify"], env=env, catch_exceptions=False)
    assert result.stdout.startswith(f"{EXAMPLE_COUNT} records, head ")
    # --store wins over the environment.
    other = tmp_path / "other.db"
    result = runner.invoke(cli, ["--store", str(other), "init"], env=env)
    assert result.exit_code == 0
    assert other.exists()


def test_sqlite_url_form(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "url.db"
    url = f"sqlite:///{path}"
    ok(runner.invoke(cli, ["--store", url, "init"], catch_exceptions=False))
    assert path.exists()


# --------------------------------------------------------------------------- ingest


def test_ingest_stores_the_example_then_reingest_is_a_no_op(runner: CliRunner, store: Path) -> None:
    ok(invoke(runner, store, "init"))
    first = ok(invoke(runner, store, "ingest", str(EXAMPLE)))
    assert f"{EXAMPLE_COUNT} stored, 0 already stored" in first.stdout
    again = ok(invoke(runner, store, "ingest", str(EXAMPLE)))
    assert f"0 stored, {EXAMPLE_COUNT} already stored" in again.stdout
    records = jsonl_log(runner, store)
    assert [r["position"] for r in records] == list(range(1, EXAMPLE_COUNT + 1))


def test_ingest_from_stdin(runner: CliRunner, store: Path) -> None:
    ok(invoke(runner, store, "init"))
    result = ok(invoke(runner, store, "ingest", "-", input=EXAMPLE.read_bytes()))
    assert f"{EXAMPLE_COUNT} stored" in result.stdout
    assert "<stdin>" in result.stdout
    assert len(jsonl_log(runner, store)) == EXAMPLE_COUNT


def test_ingest_bad_input_exit_3_names_every_line_and_writes_nothing(
    runner: CliRunner, loaded: Path, tmp_path: Path
) -> None:
    before = jsonl_log(runner, loaded)
    bad = write_jsonl(
        tmp_path / "events.jsonl",
        CASE_OPENED,
        {**CASE_OPENED, "event_id": "e2", "occurred_at": "24/07/2019"},
        '{"event_id": "e3", ',
        {**CASE_OPENED, "event_id": "e4", "offences": ["piracy"], "colour": "red"},
    )
    result = invoke(runner, loaded, "ingest", str(bad))
    assert_user_error(result, 3)
    lines = result.stderr.splitlines()
    assert lines[0] == (
        f"Error: {bad}:2: occurred_at: expected an ISO date (YYYY-MM-DD) or datetime "
        '(YYYY-MM-DDTHH:MM:SSZ), got "24/07/2019"'
    )
    assert lines[1].startswith(f"Error: {bad}:3: malformed JSON: ")
    # Line 4 has two problems, one line each: the bad offence and the unknown field.
    assert len(lines) == 4
    assert all(line.startswith(f"Error: {bad}:4: ") for line in lines[2:])
    assert any("offences" in line and '"piracy"' in line for line in lines[2:])
    assert any("colour" in line and "unknown field" in line for line in lines[2:])
    # The good first line was not stored either: all or nothing.
    assert jsonl_log(runner, loaded) == before


def test_ingest_bad_stdin_names_stdin(runner: CliRunner, store: Path) -> None:
    ok(invoke(runner, store, "init"))
    line = json.dumps({**CASE_OPENED, "lead_jurisdiction": "Panama"})
    result = invoke(runner, store, "ingest", "-", input=line + "\n")
    assert_user_error(result, 3)
    assert result.stderr.startswith("Error: <stdin>:1: lead_jurisdiction: expected an ISO 3166")
    assert jsonl_log(runner, store) == []


def test_ingest_refuses_fields_the_log_sets(runner: CliRunner, store: Path, tmp_path: Path) -> None:
    ok(invoke(runner, store, "init"))
    bad = write_jsonl(tmp_path / "copy.jsonl", {**CASE_OPENED, "seq": 1})
    result = invoke(runner, store, "ingest", str(bad))
    assert_user_error(result, 3)
    assert f"Error: {bad}:1: seq: is set by the log" in result.stderr


def test_ingest_not_utf8_and_empty_file_are_bad_input(
    runner: CliRunner, store: Path, tmp_path: Path
) -> None:
    ok(invoke(runner, store, "init"))
    latin1 = tmp_path / "latin1.jsonl"
    text = json.dumps({**CASE_OPENED, "title": "Operación"}, ensure_ascii=False)
    latin1.write_bytes(text.encode("latin-1"))
    assert_user_error(invoke(runner, store, "ingest", str(latin1)), 3)
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    result = invoke(runner, store, "ingest", str(empty))
    assert_user_error(result, 3)
    assert "empty input" in result.stderr


def test_ingest_same_id_different_content_is_bad_input(
    runner: CliRunner, loaded: Path, tmp_path: Path
) -> None:
    before = jsonl_log(runner, loaded)
    first = json.loads(EXAMPLE.read_text(encoding="utf-8").splitlines()[0])
    changed = write_jsonl(tmp_path / "changed.jsonl", {**first, "title": "Another title"})
    result = invoke(runner, loaded, "ingest", str(changed))
    assert_user_error(result, 3)
    assert "'evt-0001' is already stored with different content" in result.stderr
    assert jsonl_log(runner, loaded) == before


def test_ingest_missing_file_or_directory_is_usage_error(
    runner: CliRunner, store: Path, tmp_path: Path
) -> None:
    ok(invoke(runner, store, "init"))
    for target in (tmp_path / "missing.jsonl", tmp_path):
        result = invoke(runner, store, "ingest", str(target))
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output
        assert "Error: Invalid value for 'FILE|-'" in result.stderr


def test_ingest_unreadable_file_is_bad_input(
    runner: CliRunner, store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok(invoke(runner, store, "init"))
    target = write_jsonl(tmp_path / "events.jsonl", CASE_OPENED)

    def refuse(self: Path, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", refuse)
    result = invoke(runner, store, "ingest", str(target))
    monkeypatch.undo()
    assert_user_error(result, 3)
    assert result.stderr == f"Error: {target}: cannot read it: Permission denied\n"
    assert jsonl_log(runner, store) == []


# --------------------------------------------------------------------------- append


def test_append_from_flags_parses_field_values_as_json(runner: CliRunner, loaded: Path) -> None:
    args = [
        "append",
        "--type",
        "order_issued",
        "--case",
        "PA-2019-0042",
        "--id",
        "evt-0100",
        "--at",
        "2020-03-02",
        "--field",
        "order_id=O9",
        "--field",
        "order_type=seizure",
        "--field",
        "issuing_jurisdiction=PA",
        "--field",
        'asset_ids=["A1", "A2"]',
        "--field",
        "expires_on=2020-09-02",
        "--field",
        "final=false",
        "--expected-seq",
        str(EXAMPLE_COUNT),
    ]
    result = ok(invoke(runner, loaded, *args))
    position = EXAMPLE_COUNT + 1
    assert result.stdout == (
        f"Stored evt-0100 in case PA-2019-0042 at seq {position} (position {position}).\n"
    )
    last = jsonl_log(runner, loaded)[-1]
    assert last["asset_ids"] == ["A1", "A2"]
    assert last["final"] is False
    assert last["issuing_jurisdiction"] == "PA"
    assert last["expires_on"] == "2020-09-02"
    # The same event again is a no-op, even with a now stale --expected-seq.
    again = ok(invoke(runner, loaded, *args))
    assert "already stored" in again.stdout
    assert len(jsonl_log(runner, loaded)) == position


def test_append_from_json(runner: CliRunner, store: Path) -> None:
    ok(invoke(runner, store, "init"))
    ok(invoke(runner, store, "append", "--json", json.dumps(CASE_OPENED), "--expected-seq", "0"))
    (record,) = jsonl_log(runner, store)
    assert {k: record[k] for k in CASE_OPENED} == CASE_OPENED
    assert (record["seq"], record["position"]) == (1, 1)
    assert len(record["hash"]) == 64


def test_append_stale_expected_seq_is_a_conflict_exit_4(runner: CliRunner, store: Path) -> None:
    ok(invoke(runner, store, "init"))
    ok(invoke(runner, store, "append", "--json", json.dumps(CASE_OPENED)))
    closed = {"event_id": "e2", "case_id": "C1", "type": "case_closed", "occurred_at": "2020-01-01"}
    result = invoke(runner, store, "append", "--json", json.dumps(closed), "--expected-seq", "0")
    assert_user_error(result, 4)
    assert result.stderr == (
        "Error: case 'C1': expected last seq 0, but the log is at 1; re-read the case and retry\n"
    )
    assert len(jsonl_log(runner, store)) == 1
    ok(invoke(runner, store, "append", "--json", json.dumps(closed), "--expected-seq", "1"))
    assert len(jsonl_log(runner, store)) == 2


def test_append_bad_values_are_bad_input(runner: CliRunner, store: Path) -> None:
    ok(invoke(runner, store, "init"))
    result = invoke(
        runner,
        store,
        *("append", "--type", "case_closed", "--case", "C1", "--id", "e1"),
        *("--at", "24/07/2019"),
    )
    assert_user_error(result, 3)
    assert result.stderr == (
        "Error: <command line>: occurred_at: expected an ISO date (YYYY-MM-DD) or datetime "
        '(YYYY-MM-DDTHH:MM:SSZ), got "24/07/2019"\n'
    )
    result = invoke(runner, store, "append", "--json", '{"type": "case_closed",')
    assert_user_error(result, 3)
    assert result.stderr.startswith("Error: --json: malformed JSON: ")
    result = invoke(runner, store, "append", "--json", json.dumps({**CASE_OPENED, "x": 1}))
    assert_user_error(result, 3)
    assert result.stderr.startswith("Error: --json: ")
    assert "unknown field" in result.stderr
    assert jsonl_log(runner, store) == []


@pytest.mark.parametrize(
    "args",
    [
        ["append"],
        ["append", "--type", "case_closed", "--case", "C1", "--id", "e1"],
        ["append", "--json", "{}", "--type", "case_closed"],
        ["append", "--json", "{}", "--field", "reason=x"],
        [
            *("append", "--type", "case_closed", "--case", "C1", "--id", "e1"),
            *("--at", "2020-01-01", "--field", "reason"),
        ],
        [
            *("append", "--type", "case_closed", "--case", "C1", "--id", "e1"),
            *("--at", "2020-01-01", "--field", "case_id=C2"),
        ],
        [
            *("append", "--type", "case_closed", "--case", "C1", "--id", "e1"),
            *("--at", "2020-01-01", "--field", "reason=a", "--field", "reason=b"),
        ],
        ["append", "--json", "{}", "--expected-seq", "-1"],
        ["log", "--format", "xml"],
        ["ingest"],
        ["no-such-command"],
        [],
    ],
)
def test_usage_errors_exit_2(runner: CliRunner, store: Path, args: list[str]) -> None:
    ok(invoke(runner, store, "init"))
    result = invoke(runner, store, *args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "Usage: comity" in result.output
    assert jsonl_log(runner, store) == []


# --------------------------------------------------------------------------- log


def test_log_table(runner: CliRunner, loaded: Path) -> None:
    lines = ok(invoke(runner, loaded, "log")).stdout.splitlines()
    assert lines[0].split() == [
        "position",
        "seq",
        "recorded_at",
        "case",
        "type",
        "occurred_at",
        "event_id",
    ]
    assert len(lines) == EXAMPLE_COUNT + 1
    first = lines[1].split()
    assert first[0:2] == ["1", "1"]
    assert first[3:] == ["PA-2019-0042", "case_opened", "2019-02-11", "evt-0001"]
    assert first[2].endswith("Z")


def test_log_filters_by_case(runner: CliRunner, loaded: Path) -> None:
    other = {**CASE_OPENED, "case_id": "CH-2020-7", "event_id": "ch-1"}
    ok(invoke(runner, loaded, "append", "--json", json.dumps(other)))
    records = jsonl_log(runner, loaded, "--case", "CH-2020-7")
    assert [(r["event_id"], r["seq"], r["position"]) for r in records] == [
        ("ch-1", 1, EXAMPLE_COUNT + 1)
    ]
    table = ok(invoke(runner, loaded, "log", "--case", "CH-2020-7")).stdout.splitlines()
    assert len(table) == 2
    assert table[1].split()[3:] == ["CH-2020-7", "case_opened", "2019-07-24", "ch-1"]
    assert len(jsonl_log(runner, loaded, "--case", "PA-2019-0042")) == EXAMPLE_COUNT


def test_log_jsonl_is_each_event_with_its_envelope(runner: CliRunner, loaded: Path) -> None:
    records = jsonl_log(runner, loaded)
    sent = [json.loads(line) for line in EXAMPLE.read_text(encoding="utf-8").splitlines()]
    assert len(records) == len(sent)
    for record, event in zip(records, sent, strict=True):
        for key, value in event.items():
            assert record[key] == value
        assert {"recorded_at", "seq", "position", "hash"} <= record.keys()


def test_log_of_an_empty_store_or_unknown_case(runner: CliRunner, store: Path) -> None:
    ok(invoke(runner, store, "init"))
    result = ok(invoke(runner, store, "log"))
    assert result.stdout == ""
    assert "No events" in result.stderr
    assert ok(invoke(runner, store, "log", "--case", "nope", "--format", "jsonl")).stdout == ""


# --------------------------------------------------------------------------- verify


def test_verify_a_sound_chain(runner: CliRunner, loaded: Path) -> None:
    head = jsonl_log(runner, loaded)[-1]["hash"]
    result = ok(invoke(runner, loaded, "verify"))
    # The `log` export that read the head was recorded: its record is checked too.
    assert result.stdout == (
        f"{EXAMPLE_COUNT} records, head {head}\ndisclosure record: 1 record, chain intact\n"
    )


def test_verify_an_empty_store(runner: CliRunner, store: Path) -> None:
    ok(invoke(runner, store, "init"))
    assert ok(invoke(runner, store, "verify")).stdout == f"0 records, head {'0' * 64}\n"


def _tamper(path: Path, position: int) -> None:
    """What an attacker with file access could do: drop the guards, rewrite a body."""
    db = sqlite3.connect(path)
    try:
        triggers = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='trigger'")]
        for name in triggers:
            db.execute(f'DROP TRIGGER "{name}"')
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        changed = 0
        for table in tables:
            columns = {r[1] for r in db.execute(f'PRAGMA table_info("{table}")')}
            if {"body", "position"} <= columns:
                changed += db.execute(
                    f'UPDATE "{table}" SET body = replace(body, ?, ?) WHERE position = ?',
                    ('"1250000.00"', '"125000.00"', position),
                ).rowcount
        db.commit()
        assert changed == 1, "the test could not find the stored body to alter"
    finally:
        db.close()


def test_verify_a_tampered_store_exits_1_naming_the_position(
    runner: CliRunner, loaded: Path
) -> None:
    # evt-0005 (position 5) records A1's value, USD 1,250,000.00.
    _tamper(loaded, 5)
    result = invoke(runner, loaded, "verify")
    assert_user_error(result, 1)
    assert result.stderr.startswith("Error: hash chain broken at position 5: ")


# --------------------------------------------------------------------------- schema


def test_schema_prints_the_json_schema(runner: CliRunner, store: Path) -> None:
    result = ok(invoke(runner, store, "schema"))
    schema = json.loads(result.stdout)
    assert isinstance(schema, dict)
    assert "case_opened" in result.stdout
    assert not store.exists(), "schema needs no store"


# --------------------------------------------------------------------------- store errors


def test_unknown_store_url_is_a_store_error(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--store", "ftp://example.invalid/x", "log"])
    assert_user_error(result, 4)
    assert "unknown store" in result.stderr


def test_a_file_that_is_not_a_store_is_a_store_error(runner: CliRunner, tmp_path: Path) -> None:
    not_a_store = tmp_path / "notes.txt"
    not_a_store.write_text("these are not the events you are looking for\n" * 100)
    for args in (["init"], ["log"], ["verify"], ["ingest", str(EXAMPLE)]):
        result = invoke(runner, not_a_store, *args)
        assert_user_error(result, 4)


def test_a_store_in_a_missing_directory_is_a_store_error(runner: CliRunner, tmp_path: Path) -> None:
    result = invoke(runner, tmp_path / "no" / "such" / "dir" / "comity.db", "init")
    assert_user_error(result, 4)


# --------------------------------------------------------------------------- help and entry point


@pytest.mark.parametrize("command", ["init", "ingest", "append", "log", "verify", "schema"])
def test_every_command_has_help(runner: CliRunner, command: str) -> None:
    result = runner.invoke(cli, [command, "--help"], catch_exceptions=False)
    assert result.exit_code == 0
    assert f"Usage: comity {command}" in result.stdout
    for option in cli.commands[command].params:
        if option.param_type_name == "option":
            assert getattr(option, "help", None), f"{command} {option.name} has no help"


def test_group_options_have_help() -> None:
    for option in cli.params:
        if option.param_type_name == "option":
            assert getattr(option, "help", None), f"{option.name} has no help"


def test_main_entry_point_exits_with_the_documented_codes(tmp_path: Path) -> None:
    store = str(tmp_path / "comity.db")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "comity.cli", "--store", store, *args],
            capture_output=True,
            text=True,
            check=False,
            stdin=subprocess.DEVNULL,
        )

    assert run("init").returncode == 0
    assert run("ingest", str(EXAMPLE)).returncode == 0
    assert run("verify").returncode == 0
    bad = write_jsonl(tmp_path / "bad.jsonl", {**CASE_OPENED, "occurred_at": "soon"})
    refused = run("ingest", str(bad))
    assert refused.returncode == 3
    assert "Traceback" not in refused.stderr
    assert refused.stderr.startswith(f"Error: {bad}:1: occurred_at: ")
    assert run("frobnicate").returncode == 2
