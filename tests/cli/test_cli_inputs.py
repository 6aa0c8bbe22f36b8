"""Bad input through the command line: one `Error:` line, exit 3, nothing written.

The reproductions of the reliability review (dates outside 1900-2200, JSON nested or
numbered beyond bounds, keys given twice, ids that forge output, codes outside ISO
3166-1 and ISO 4217, look-aheads past the calendar), on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from comity.cli import cli
from hostile import ACCEPTED, BASE, REFUSED, Hostile
from pgtest import PgDatabase, pg_database  # noqa: F401 - the session's PostgreSQL database


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path, runner: CliRunner) -> str:
    if request.param == "sqlite":
        url = str(tmp_path / "comity.db")
    else:
        database: PgDatabase = request.getfixturevalue("pg_database")
        url = database.new_url()
    assert invoke(runner, url, "init").exit_code == 0
    return url


def invoke(runner: CliRunner, store: str, *args: str, input: str | None = None) -> Result:
    return runner.invoke(cli, ["--store", store, *args], input=input, catch_exceptions=False)


def count(runner: CliRunner, store: str) -> int:
    result = invoke(runner, store, "log", "--format", "jsonl")
    assert result.exit_code == 0, result.output
    return len(result.stdout.splitlines())


def refused(result: Result, *parts: str) -> str:
    """The one Error: line of a refusal (exit 3), holding every one of `parts`."""
    assert result.exit_code == 3, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), lines
    for part in parts:
        assert part in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize("case", REFUSED, ids=lambda c: c.name)
def test_ingest_refuses_each_hostile_line(
    case: Hostile, runner: CliRunner, store: str, tmp_path: Path
) -> None:
    path = tmp_path / "hostile.jsonl"
    path.write_bytes(case.raw)
    result = invoke(runner, store, "ingest", str(path))
    assert result.exit_code == 3, result.output
    assert "Traceback" not in result.output
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"Error: {path}:1: {case.path + ': ' if case.path else ''}"), first
    assert case.says in result.stderr
    assert "\x1b" not in result.stderr and "\u202e" not in result.stderr
    assert count(runner, store) == 0


@pytest.mark.parametrize("case", ACCEPTED, ids=lambda c: c.name)
def test_ingest_stores_each_hostile_looking_line_once(
    case: Hostile, runner: CliRunner, store: str, tmp_path: Path
) -> None:
    path = tmp_path / "ok.jsonl"
    path.write_bytes(case.raw)
    assert invoke(runner, store, "ingest", str(path)).exit_code == 0
    again = invoke(runner, store, "ingest", str(path))  # idempotent: the same content
    assert again.exit_code == 0 and "0 stored, 1 already stored" in again.stdout
    table = invoke(runner, store, "log")
    assert table.exit_code == 0
    assert len(table.stdout.splitlines()) == 2  # the header and one row, nothing forged
    assert "\x1b" not in table.stdout


def test_append_json_refuses_an_expiry_past_2200(runner: CliRunner, store: str) -> None:
    doc = json.dumps({**BASE, "expires_on": "9999-12-31"})
    refused(invoke(runner, store, "append", "--json", doc), "expires_on", "2200-12-31")
    assert count(runner, store) == 0


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("[" * 30_000 + "]" * 30_000, "nested more than 16 deep"),
        ('{"schema_version": ' + "9" * 5000 + "}", "5000 digits"),
        (json.dumps(BASE)[:-1] + ', "type": "case_closed"}', 'the key "type" appears twice'),
        (json.dumps(BASE)[:-1] + ', "expires_on": "2021-01-01"}', '"expires_on" appears twice'),
        (json.dumps({**BASE, "schema_version": 10**29}), "30 digits"),
        (json.dumps({**BASE, "schema_version": 2}), "schema version that exists (1)"),
    ],
    ids=["deep", "digits", "type-twice", "expiry-twice", "version-huge", "version-2"],
)
def test_append_json_beyond_bounds_is_one_error(
    text: str, says: str, runner: CliRunner, store: str
) -> None:
    refused(invoke(runner, store, "append", "--json", text), says)
    assert count(runner, store) == 0


@pytest.mark.parametrize(
    ("field", "says"),
    [
        ("schema_version=" + "9" * 5000, "5000 digits"),
        ("asset_ids=" + "[" * 30_000 + "]" * 30_000, "nested more than 16 deep"),
        ("issuing_jurisdiction=UK", 'did you mean "GB"?'),
        ("issuing_jurisdiction=XX", 'got "XX"'),
        ("expires_on=0001-01-02", "1900-01-01 to 2200-12-31"),
    ],
    ids=["digits", "deep", "UK", "XX", "year-1"],
)
def test_append_field_beyond_bounds_is_one_error(
    field: str, says: str, runner: CliRunner, store: str
) -> None:
    args = ("append", "--type", "order_issued", "--case", "C1", "--id", "e1", "--at", "2019-07-24")
    fields = ["order_id=O1", "order_type=freeze", "issuing_jurisdiction=PA"]
    name = field.partition("=")[0]
    fields = [f for f in fields if not f.startswith(name + "=")] + [field]
    result = invoke(runner, store, *args, *(a for f in fields for a in ("--field", f)))
    refused(result, says)
    assert count(runner, store) == 0


def test_an_id_that_would_forge_output_is_refused_and_escaped(
    runner: CliRunner, store: str
) -> None:
    doc = json.dumps({**BASE, "event_id": "e1\n     2       fake\x1b[2J"})
    line = refused(invoke(runner, store, "append", "--json", doc), "event_id", "U+000A")
    assert "\x1b" not in line
    # an unknown key is quoted in the message as the user wrote it: escaped there too
    doc = json.dumps({**BASE, "colour\u2028Error: forged\x1b[31m": 1})
    line = refused(invoke(runner, store, "append", "--json", doc), "unknown field")
    assert "\x1b" not in line and "\u2028" not in line
    assert count(runner, store) == 0


def test_an_offset_is_stored_as_utc(runner: CliRunner, store: str) -> None:
    doc = json.dumps({**BASE, "occurred_at": "2019-07-24T09:00:00-05:00"})
    assert invoke(runner, store, "append", "--json", doc).exit_code == 0
    stored = json.loads(invoke(runner, store, "log", "--format", "jsonl").stdout)
    assert stored["occurred_at"] == "2019-07-24T14:00:00Z"
    utc = json.dumps({**BASE, "occurred_at": "2019-07-24T14:00:00Z"})
    again = invoke(runner, store, "append", "--json", utc)  # the same instant: the same event
    assert again.exit_code == 0 and "already stored with the same content" in again.stdout


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("deadlines", "--within", "3000000"), "--within: expected at most"),
        (("deadlines", "--as-of", "9999-12-31", "--within", "1"), "--as-of"),
        (("replay", "--as-of", "9999-12-31"), "outside the dates comity supports"),
        (("replay", "--as-of", "1899-12-31T23:00:00Z"), "--as-of"),
        (("replay", "--known-at", "2201-01-01T00:00:00Z"), "--known-at"),
    ],
    ids=["within", "deadlines-as-of", "replay-as-of", "as-of-1899", "known-at"],
)
def test_times_outside_the_range_are_bad_input(
    args: tuple[str, ...], says: str, runner: CliRunner, store: str
) -> None:
    refused(invoke(runner, store, *args), says)


def test_the_largest_within_is_answered(runner: CliRunner, store: str) -> None:
    doc = json.dumps(BASE)
    assert invoke(runner, store, "append", "--json", doc).exit_code == 0
    from comity.events.limits import RANGE_DAYS

    result = invoke(
        runner, store, "deadlines", "--as-of", "2200-12-31", "--within", str(RANGE_DAYS)
    )
    assert result.exit_code == 0, result.output
