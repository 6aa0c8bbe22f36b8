"""The command line against every store it can name: SQLite files and PostgreSQL URLs.

The store-agnostic commands run once per backend through the `store` fixture (a path, or
a PostgreSQL URL naming a fresh schema); then `comity copy` between backends, and
`comity follow` while another process appends.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner, Result

from comity.cli import cli
from many_cases import many_cases_jsonl
from pgtest import PgDatabase, pg_database  # noqa: F401 - the session's PostgreSQL database

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "quickstart.jsonl"
EXAMPLE_LINES = EXAMPLE.read_text(encoding="utf-8").splitlines()
EXAMPLE_COUNT = len(EXAMPLE_LINES)

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


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A store that does not exist yet: an SQLite path, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        return str(tmp_path / "comity.db")
    database: PgDatabase = request.getfixturevalue("pg_database")
    return database.new_url()


@pytest.fixture
def pg(request: pytest.FixtureRequest) -> PgDatabase:
    database: PgDatabase = request.getfixturevalue("pg_database")
    return database


def invoke(runner: CliRunner, store: str, *args: str, input: str | None = None) -> Result:
    return runner.invoke(cli, ["--store", store, *args], input=input, catch_exceptions=False)


def ok(result: Result) -> Result:
    assert result.exit_code == 0, result.output
    return result


def assert_user_error(result: Result, code: int) -> None:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert result.stderr.startswith("Error: ")
    assert result.stdout == ""


def jsonl_log(runner: CliRunner, store: str, *args: str) -> list[dict[str, Any]]:
    result = ok(invoke(runner, store, "log", "--format", "jsonl", *args))
    return [json.loads(line) for line in result.stdout.splitlines()]


def head_line(runner: CliRunner, store: str) -> str:
    """The event log's line of `verify` (its next line is the store's own disclosure
    record, which differs between copies of a log)."""
    return ok(invoke(runner, store, "verify")).stdout.splitlines(keepends=True)[0]


@pytest.fixture
def loaded(runner: CliRunner, store: str) -> str:
    ok(invoke(runner, store, "init"))
    ok(invoke(runner, store, "ingest", str(EXAMPLE)))
    return store


def tamper(store: str, position: int) -> None:
    """What someone with the owner's rights could do: switch the guards off, alter a row."""
    if "://" not in store:
        db = sqlite3.connect(store, isolation_level=None)
        db.execute("DROP TRIGGER events_no_update")
        db.execute(
            "UPDATE events SET body = replace(body, '\"1250000.00\"', '\"125000.00\"') "
            "WHERE position = ?",
            (position,),
        )
        db.close()
        return
    with psycopg.connect(store, autocommit=True) as conn:
        conn.execute("ALTER TABLE events DISABLE TRIGGER events_no_update")
        cur = conn.execute(
            "UPDATE events SET body = replace(body, '\"1250000.00\"', '\"125000.00\"') "
            "WHERE position = %s",
            (position,),
        )
        assert cur.rowcount == 1


# --------------------------------------------------------------------------- every store


def test_init_ingest_log_verify(runner: CliRunner, store: str) -> None:
    assert "Initialised an empty store" in ok(invoke(runner, store, "init")).stdout
    assert "already exists" not in ok(invoke(runner, store, "init")).stdout
    first = ok(invoke(runner, store, "ingest", str(EXAMPLE)))
    assert f"{EXAMPLE_COUNT} stored, 0 already stored" in first.stdout
    again = ok(invoke(runner, store, "ingest", "-", input=EXAMPLE.read_text(encoding="utf-8")))
    assert f"0 stored, {EXAMPLE_COUNT} already stored" in again.stdout
    assert f"{EXAMPLE_COUNT} events" in ok(invoke(runner, store, "init")).stdout
    records = jsonl_log(runner, store)
    assert [r["position"] for r in records] == list(range(1, EXAMPLE_COUNT + 1))
    sent = [json.loads(line) for line in EXAMPLE_LINES]
    for record, event in zip(records, sent, strict=True):
        assert {k: record[k] for k in event} == event
    assert head_line(runner, store) == f"{EXAMPLE_COUNT} records, head {records[-1]['hash']}\n"
    # the `log` export was recorded, and verify checks that record's chain too
    assert ok(invoke(runner, store, "verify")).stdout.splitlines()[1:] == [
        "disclosure record: 1 record, chain intact"
    ]
    table = ok(invoke(runner, store, "log", "--case", "PA-2019-0042")).stdout.splitlines()
    assert len(table) == EXAMPLE_COUNT + 1


def test_a_store_that_does_not_exist_is_refused(runner: CliRunner, store: str) -> None:
    for args in (["log"], ["verify"], ["ingest", str(EXAMPLE)], ["follow", "--timeout", "0"]):
        result = invoke(runner, store, *args)
        assert_user_error(result, 4)
        assert "comity init" in result.stderr


def test_bad_input_writes_nothing(runner: CliRunner, loaded: str, tmp_path: Path) -> None:
    before = jsonl_log(runner, loaded)
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        json.dumps({**CASE_OPENED, "event_id": "new"})
        + "\n"
        + json.dumps({**CASE_OPENED, "occurred_at": "24/07/2019"})
        + "\n",
        encoding="utf-8",
    )
    assert_user_error(invoke(runner, loaded, "ingest", str(bad)), 3)
    changed = json.loads(EXAMPLE_LINES[0]) | {"title": "Another title"}
    result = invoke(runner, loaded, "append", "--json", json.dumps(changed))
    assert_user_error(result, 3)
    assert "'evt-0001' is already stored with different content" in result.stderr
    assert jsonl_log(runner, loaded) == before


def test_append_with_a_stale_expected_seq_is_a_conflict(runner: CliRunner, store: str) -> None:
    ok(invoke(runner, store, "init"))
    ok(invoke(runner, store, "append", "--json", json.dumps(CASE_OPENED), "--expected-seq", "0"))
    closed = {"event_id": "e2", "case_id": "C1", "type": "case_closed", "occurred_at": "2020-01-01"}
    result = invoke(runner, store, "append", "--json", json.dumps(closed), "--expected-seq", "0")
    assert_user_error(result, 4)
    assert result.stderr == (
        "Error: case 'C1': expected last seq 0, but the log is at 1; re-read the case and retry\n"
    )
    ok(invoke(runner, store, "append", "--json", json.dumps(closed), "--expected-seq", "1"))
    assert [r["seq"] for r in jsonl_log(runner, store)] == [1, 2]


def test_verify_names_the_altered_position(runner: CliRunner, loaded: str) -> None:
    tamper(loaded, 5)
    result = invoke(runner, loaded, "verify")
    assert_user_error(result, 1)
    assert result.stderr.startswith("Error: hash chain broken at position 5: ")


def test_the_raw_store_refuses_changes(runner: CliRunner, loaded: str) -> None:
    head = head_line(runner, loaded)
    if "://" not in loaded:
        db = sqlite3.connect(loaded, isolation_level=None)
        with pytest.raises(sqlite3.Error, match="append-only"):
            db.execute("DELETE FROM events")
        db.close()
    else:
        with psycopg.connect(loaded, autocommit=True) as conn:
            for statement in ("DELETE FROM events", "TRUNCATE events", "UPDATE events SET seq=1"):
                with pytest.raises(psycopg.Error, match="append-only"):
                    conn.execute(statement)
    assert head_line(runner, loaded) == head


# --------------------------------------------------------------------------- PostgreSQL


@pytest.mark.postgres
def test_postgres_url_is_shown_without_its_password(runner: CliRunner, pg: PgDatabase) -> None:
    url = pg.new_url().replace("postgresql://postgres@", "postgresql://postgres:hunter2@", 1)
    result = ok(invoke(runner, url, "init"))  # the test server trusts local connections
    assert "hunter2" not in result.stdout
    assert "postgres:***@" in result.stdout


PASSWORD_FORMS = ["user", "password", "sslpassword"]


def with_password(url: str, form: str, password: str) -> str:
    """`url` carrying `password` in its user part or as a query parameter."""
    if form == "user":
        return url.replace("postgresql://postgres@", f"postgresql://postgres:{password}@", 1)
    return f"{url}{'&' if '?' in url else '?'}{form}={password}"


def assert_no_password(result: Result, password: str = "hunter2") -> None:
    assert password not in result.stdout
    assert password not in result.stderr
    assert "***" in result.output


@pytest.mark.postgres
@pytest.mark.parametrize("form", PASSWORD_FORMS)
def test_no_command_prints_the_password(
    runner: CliRunner, pg: PgDatabase, tmp_path: Path, form: str
) -> None:
    url = with_password(pg.new_url(), form, "hunter2")  # the server trusts local users
    missing = runner.invoke(cli, ["--store", url, "log"])
    assert_user_error(missing, 4)
    assert_no_password(missing)
    assert_no_password(ok(invoke(runner, url, "init")))
    assert_no_password(ok(invoke(runner, url, "init")))
    assert_no_password(ok(invoke(runner, url, "ingest", str(EXAMPLE))))
    verified = ok(invoke(runner, url, "verify"))
    assert "hunter2" not in verified.output
    for args in (["log"], ["log", "--format", "jsonl"], ["replay", "--as-of", "2020-12-31"]):
        assert "hunter2" not in ok(invoke(runner, url, *args)).output
    copy = str(tmp_path / "copy.db")
    assert_no_password(ok(runner.invoke(cli, ["copy", url, copy], catch_exceptions=False)))
    other = with_password(pg.new_url(), form, "hunter2")
    assert_no_password(ok(runner.invoke(cli, ["copy", copy, other], catch_exceptions=False)))
    tamper(url, 5)
    broken = invoke(runner, url, "verify")
    assert broken.exit_code == 1
    assert "hunter2" not in broken.output


@pytest.mark.parametrize("form", PASSWORD_FORMS)
def test_an_unreachable_server_never_shows_the_password(runner: CliRunner, form: str) -> None:
    url = with_password("postgresql://postgres@127.0.0.1:1/cases?connect_timeout=2", form, "pw1")
    for args in (["init"], ["log"], ["verify"], ["ingest", str(EXAMPLE)], ["copy", url, "x.db"]):
        result = runner.invoke(cli, ["--store", url, *args])
        assert_user_error(result, 4)
        assert len(result.stderr.splitlines()) == 1
        assert_no_password(result, "pw1")
        assert "cannot connect to the PostgreSQL server" in result.stderr


def test_an_unknown_store_scheme_never_shows_the_password(runner: CliRunner) -> None:
    for url in ("mysql://root:pw1@db/cases", "mysql://root@db/cases?password=pw1"):
        for args in (["init"], ["log"], ["copy", url, "x.db"], ["copy", "memory:", url]):
            result = runner.invoke(cli, ["--store", url, *args])
            assert_user_error(result, 4)
            assert_no_password(result, "pw1")
            assert "unknown store" in result.stderr


def test_an_unreachable_postgres_server_is_a_store_error(runner: CliRunner) -> None:
    url = "postgresql://comity:hunter2@127.0.0.1:1/cases?connect_timeout=2"
    for args in (["init"], ["log"], ["verify"]):
        result = runner.invoke(cli, ["--store", url, *args])
        assert_user_error(result, 4)
        assert len(result.stderr.splitlines()) == 1
        assert "hunter2" not in result.stderr
        assert "postgresql://comity:***@127.0.0.1:1/cases" in result.stderr
        assert "cannot connect to the PostgreSQL server" in result.stderr


# --------------------------------------------------------------------------- copy


@pytest.mark.postgres
def test_copy_sqlite_to_postgres_to_sqlite(
    runner: CliRunner, tmp_path: Path, pg: PgDatabase
) -> None:
    first, last, url = str(tmp_path / "first.db"), str(tmp_path / "last.db"), pg.new_url()
    ok(invoke(runner, first, "init"))
    ok(invoke(runner, first, "ingest", str(EXAMPLE)))
    head = head_line(runner, first)
    out = ok(runner.invoke(cli, ["copy", first, url], catch_exceptions=False)).stdout
    assert out.startswith(f"Copied {EXAMPLE_COUNT} records from {first} to postgresql://")
    ok(runner.invoke(cli, ["copy", url, f"sqlite:///{last}"], catch_exceptions=False))
    assert head_line(runner, url) == head_line(runner, last) == head
    assert jsonl_log(runner, last) == jsonl_log(runner, url) == jsonl_log(runner, first)
    # Again: nothing new to copy.
    again = ok(runner.invoke(cli, ["copy", first, url], catch_exceptions=False)).stdout
    assert again.startswith(f"Copied 0 records ({EXAMPLE_COUNT} were already there)")
    # New events in the source: only they are copied.
    ok(invoke(runner, first, "append", "--json", json.dumps(CASE_OPENED)))
    more = ok(runner.invoke(cli, ["copy", first, url], catch_exceptions=False)).stdout
    assert more.startswith(f"Copied 1 record ({EXAMPLE_COUNT} were already there)")
    assert head_line(runner, url) == head_line(runner, first)


def test_copy_refuses_a_target_with_another_log(runner: CliRunner, tmp_path: Path) -> None:
    source, target = str(tmp_path / "a.db"), str(tmp_path / "b.db")
    ok(invoke(runner, source, "init"))
    ok(invoke(runner, source, "ingest", str(EXAMPLE)))
    ok(invoke(runner, target, "init"))
    ok(invoke(runner, target, "append", "--json", json.dumps(CASE_OPENED)))
    result = runner.invoke(cli, ["copy", source, target])
    assert_user_error(result, 4)
    assert "not the start of" in result.stderr
    assert len(jsonl_log(runner, target)) == 1


def test_copy_from_a_missing_store_is_a_store_error(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["copy", str(tmp_path / "none.db"), str(tmp_path / "b.db")])
    assert_user_error(result, 4)
    assert not (tmp_path / "b.db").exists()


# --------------------------------------------------------------------------- follow


def test_follow_prints_what_is_stored_as_jsonl(runner: CliRunner, loaded: str) -> None:
    logged = ok(invoke(runner, loaded, "log", "--format", "jsonl")).stdout.splitlines()
    result = ok(invoke(runner, loaded, "follow", "--timeout", "0"))
    assert result.stdout.splitlines() == logged
    limited = ok(invoke(runner, loaded, "follow", "--limit", "3")).stdout.splitlines()
    assert limited == logged[:3]
    after = ok(invoke(runner, loaded, "follow", "--after", "15", "--timeout", "0"))
    assert after.stdout.splitlines() == logged[15:]
    ok(invoke(runner, loaded, "append", "--json", json.dumps(CASE_OPENED)))
    mine = ok(invoke(runner, loaded, "follow", "--case", "C1", "--timeout", "0"))
    assert [json.loads(line)["event_id"] for line in mine.stdout.splitlines()] == ["e1"]


def test_follow_records_each_batch_before_it_prints_it(runner: CliRunner, loaded: str) -> None:
    """`follow` shows case data, so each batch it prints is recorded first (one record
    per look at the log, at most 500 events) and `audit reproduce` derives it again."""
    whole = ok(invoke(runner, loaded, "follow", "--timeout", "0", "--actor", "desk"))
    (first,) = re.findall(r"^disclosure: ([0-9a-f-]{36})$", whole.stderr, re.M)
    ok(invoke(runner, loaded, "append", "--json", json.dumps(CASE_OPENED)))
    mine = ok(invoke(runner, loaded, "follow", "--case", "C1", "--after", "3", "--timeout", "0"))
    assert len(mine.stdout.splitlines()) == 1
    listed = ok(invoke(runner, loaded, "audit", "log", "--format", "jsonl")).stdout
    records = {r["record_id"]: r for r in map(json.loads, listed.splitlines())}
    assert records[first]["actor"] == "desk" and records[first]["kind"] == "export"
    assert records[first]["inputs"]["request"] == {
        "command": "follow",
        "case": None,
        "after": 0,
        "through": EXAMPLE_COUNT,
    }
    assert records[first]["output"]["sha256"] == hashlib.sha256(whole.stdout_bytes).hexdigest()
    (second,) = [r for r in records.values() if r["inputs"]["request"].get("case") == "C1"]
    assert second["inputs"]["request"]["after"] == 3 and second["cases"] == ["C1"]
    reproduced = ok(invoke(runner, loaded, "audit", "reproduce", "--all"))
    assert [line.split(": ")[1] for line in reproduced.stdout.splitlines()] == ["reproduced"] * 2
    refused = invoke(runner, loaded, "follow", "--timeout", "0", "--no-record")
    assert refused.exit_code == 5 and refused.stdout == ""


def test_follow_prints_events_as_another_process_appends(
    runner: CliRunner, store: str, tmp_path: Path
) -> None:
    ok(invoke(runner, store, "init"))
    want = 12
    follower = subprocess.Popen(
        [
            *(sys.executable, "-m", "comity.cli", "--store", store, "follow"),
            *("--poll-interval", "0.05", "--limit", str(want), "--timeout", "120"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(follower.stdout or ()))
    reader.start()
    try:
        for i in range(want):
            event = {**CASE_OPENED, "event_id": f"e{i}", "case_id": f"C{i % 3}"}
            ok(invoke(runner, store, "append", "--json", json.dumps(event)))
        assert follower.wait(timeout=120) == 0, follower.stderr.read() if follower.stderr else ""
    finally:
        if follower.poll() is None:
            follower.kill()
            follower.wait()
        reader.join()
        for stream in (follower.stdout, follower.stderr):
            if stream is not None:
                stream.close()
    records = [json.loads(line) for line in lines]
    assert [r["position"] for r in records] == list(range(1, want + 1))
    assert [r["event_id"] for r in records] == [f"e{i}" for i in range(want)]
    assert records == jsonl_log(runner, store)


# --------------------------------------------------------------------------- replay --workers


@pytest.mark.parametrize("fmt", ["table", "json", "jsonl"])
def test_replay_with_workers_prints_what_one_process_prints(
    runner: CliRunner, store: str, tmp_path: Path, fmt: str
) -> None:
    ok(invoke(runner, store, "init"))
    ok(invoke(runner, store, "ingest", str(many_cases_jsonl(tmp_path / "many.jsonl", 4))))
    at = ("--as-of", "2021-06-30", "--known-at", "2030-01-01T00:00:00Z", "--format", fmt)
    one = ok(invoke(runner, store, "replay", *at, "--workers", "1"))
    three = ok(invoke(runner, store, "replay", *at, "--workers", "3"))
    assert three.stdout_bytes == one.stdout_bytes
    # Each run is its own disclosure (a new record id); the rest of stderr is the same.
    ids = [r.stderr.splitlines()[-1] for r in (one, three)]
    assert all(re.fullmatch(r"disclosure: [0-9a-f-]{36}", i) for i in ids) and ids[0] != ids[1]
    assert three.stderr.splitlines()[:-1] == one.stderr.splitlines()[:-1]
    assert len(one.stdout_bytes) > 1000
    if fmt != "table":
        return
    some = ("--case", "PA-2019-0042-k1", "--case", "PA-2019-0042-k3")
    assert (
        ok(invoke(runner, store, "replay", *at, *some, "--workers", "2")).stdout_bytes
        == ok(invoke(runner, store, "replay", *at, *some)).stdout_bytes
    )


@pytest.mark.parametrize("command", ["copy", "follow"])
def test_the_store_commands_have_help(runner: CliRunner, command: str) -> None:
    result = runner.invoke(cli, [command, "--help"], catch_exceptions=False)
    assert result.exit_code == 0
    assert f"Usage: comity {command}" in result.stdout
    for option in cli.commands[command].params:
        if option.param_type_name == "option":
            assert getattr(option, "help", None), f"{command} {option.name} has no help"
