"""The findings store's commands: watch, findings, rules export; explain and
deadlines answering from the store.

Each test gets its own SQLite store under `tmp_path`; real time is what the test sets
(`comity.cli.options._now`), so that the watcher's clock is known.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

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
from comity.cli import options as cli_options
from comity.cli import replay as cli_replay
from comity.engine import replay_log

NOW = dt.datetime(2021, 3, 5, 12, 0, tzinfo=dt.UTC)
LATER = "2099-01-01T00:00:00Z"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def store(runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example, a Swiss FIU freeze and a Panamanian freeze; real time is NOW."""
    monkeypatch.setattr(cli_options, "_now", lambda: NOW)
    path = tmp_path / "comity.db"
    ok(invoke(runner, path, "init"))
    ok(invoke(runner, path, "ingest", str(EXAMPLE)))
    ok(invoke(runner, path, "ingest", str(write_jsonl(tmp_path / "fiu.jsonl", FIU_CASE))))
    ok(invoke(runner, path, "ingest", str(write_jsonl(tmp_path / "c2.jsonl", ORDER_CASE))))
    return path


def watched(runner: CliRunner, store: Path, *args: str) -> Result:
    return ok(invoke(runner, store, *args, "watch", "--once"))


def document(runner: CliRunner, store: Path, *args: str) -> tuple[str, dict[str, Any]]:
    text = ok(invoke(runner, store, "findings", "--format", "json", *args)).stdout
    data: dict[str, Any] = json.loads(text)
    return text, data


def test_findings_print_the_replay_document_of_the_store_cut(
    runner: CliRunner, store: Path
) -> None:
    result = watched(runner, store)
    assert "findings store current: log position 23" in result.stderr
    text, data = document(runner, store)
    assert data["as_of"] == "2021-03-05T12:00:00Z"  # the watcher's clock: real time
    replayed = ok(
        invoke(
            runner,
            store,
            "replay",
            "--format",
            "json",
            "--as-of",
            data["as_of"],
            "--known-at",
            data["known_at"],
        )
    ).stdout
    assert text == replayed
    assert [c["case_id"] for c in data["cases"]] == ["C2", "CH-2021-7", "PA-2019-0042"]
    table = ok(invoke(runner, store, "findings")).stdout
    assert table.startswith(
        f"Findings store as of 2021-03-05T12:00:00Z, known at {data['known_at']}"
    )
    assert "frozen_asset_moved" in table


def test_findings_filters(runner: CliRunner, store: Path) -> None:
    watched(runner, store)
    _, everything = document(runner, store)
    every = [f for c in everything["cases"] for f in c["findings"]]

    def ids(*args: str) -> list[str]:
        out = ok(invoke(runner, store, "findings", "--format", "jsonl", *args)).stdout
        return [json.loads(line)["finding_id"] for line in out.splitlines()]

    assert ids() == [f["finding_id"] for f in every]
    assert ids("--open") == [f["finding_id"] for f in every if f["resolved_at"] is None]
    assert ids("--code", "asset_abroad") == [
        f["finding_id"] for f in every if f["code"] == "asset_abroad"
    ]
    assert ids("--severity", "critical") == [
        f["finding_id"] for f in every if f["severity"] == "critical"
    ]
    assert ids("--jurisdiction", "US") == [
        f["finding_id"] for f in every if "US" in f["jurisdictions"]
    ]
    assert ids("--case", "CH-2021-7") == [
        f["finding_id"] for f in every if f["case_id"] == "CH-2021-7"
    ]
    assert ids("--since", LATER) == []
    assert ids("--since", "2000-01-01T00:00:00Z") == ids()
    _, some = document(runner, store, "--open", "--case", "PA-2019-0042")
    assert [c["case_id"] for c in some["cases"]] == ["PA-2019-0042"]
    assert [f["finding_id"] for f in some["cases"][0]["findings"]] == ids(
        "--open", "--case", "PA-2019-0042"
    )
    assert "No findings match." in ok(invoke(runner, store, "findings", "--code", "nothing")).stdout


def test_findings_errors(runner: CliRunner, store: Path) -> None:
    assert "comity watch --once" in one_line_error(invoke(runner, store, "findings"), 4)
    watched(runner, store)
    assert "--case NOPE" in one_line_error(invoke(runner, store, "findings", "--case", "NOPE"), 3)
    assert "--since" in one_line_error(invoke(runner, store, "findings", "--since", "soon"), 3)
    assert invoke(runner, store, "findings", "--severity", "huge").exit_code == 2
    assert invoke(runner, store, "watch", "--interval", "0").exit_code == 2


def test_deadlines_answer_from_a_current_store_without_a_replay(
    runner: CliRunner, store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked = ("deadlines", "--within", "14", "--known-at", LATER)
    replayed = ok(invoke(runner, store, *asked)).stdout
    replayed_json = ok(invoke(runner, store, *asked, "--format", "json")).stdout
    assert "CH-2021-7" in replayed
    watched(runner, store)

    def no_replay(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("replayed although the findings store is current")

    monkeypatch.setattr(cli_replay, "replay_log", no_replay)
    assert ok(invoke(runner, store, *asked)).stdout == replayed
    assert ok(invoke(runner, store, *asked, "--format", "json")).stdout == replayed_json
    # a cut the store does not hold (a deadline breaches before that as-of): a replay
    with pytest.raises(AssertionError, match="replayed although"):
        invoke(runner, store, "deadlines", "--as-of", "2021-03-20", "--known-at", LATER)


def test_explain_replays_only_the_finding_case(
    runner: CliRunner, store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    watched(runner, store)
    _, data = document(runner, store)
    finding = data["cases"][2]["findings"][0]
    asked = ("explain", finding["finding_id"], "--known-at", LATER)
    before = ok(invoke(runner, store, *asked)).stdout
    seen: list[Any] = []
    real = replay_log  # what comity.cli.replay calls, until the spy replaces it

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(kwargs.get("cases"))
        return real(*args, **kwargs)

    monkeypatch.setattr(cli_replay, "replay_log", spy)
    assert ok(invoke(runner, store, *asked)).stdout == before
    assert seen == [[finding["case_id"]]]
    # an id the store does not know: case by case, as without a store
    seen.clear()
    one_line_error(invoke(runner, store, "explain", "0" * 20, "--known-at", LATER), 3)
    assert seen == [None]


def test_rules_export_round_trip(runner: CliRunner, store: Path, tmp_path: Path) -> None:
    mine = user_pack(tmp_path, 7)
    watched(runner, store, "--rules", str(mine))
    _, data = document(runner, store)
    digest = data["rulepack"]
    out = tmp_path / "exported"
    result = ok(invoke(runner, store, "rules", "export", digest[:16], str(out)))
    assert result.stdout.startswith(f"rule pack {digest}: ")
    # loading the directory gives the digest back
    listed = ok(invoke(runner, store, "--rules", str(out), "watch", "--once"))
    assert f"rule pack {digest}" in listed.stderr
    assert "already" not in listed.stderr
    assert one_line_error(
        invoke(runner, store, "rules", "export", "ffff" * 4, str(tmp_path / "x")), 3
    )
    assert "not empty" in one_line_error(
        invoke(runner, store, "rules", "export", digest, str(out)), 3
    )


def test_a_new_rule_pack_switches_the_store(runner: CliRunner, store: Path, tmp_path: Path) -> None:
    watched(runner, store)
    _, first = document(runner, store)
    watched(runner, store, "--rules", str(user_pack(tmp_path, 7)))
    _, second = document(runner, store)
    assert first["rulepack"] != second["rulepack"]
    every = {f["rulepack"] for c in second["cases"] for f in c["findings"]}
    assert every == {second["rulepack"]}


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def test_watch_follows_appends_and_stops_on_sigterm(tmp_path: Path) -> None:
    """A running watcher shows an appended event's findings; SIGTERM ends it with exit 0."""
    path = tmp_path / "comity.db"
    comity = [sys.executable, "-m", "comity.cli", "--store", str(path)]
    subprocess.run([*comity, "init"], check=True, capture_output=True)
    subprocess.run([*comity, "ingest", str(EXAMPLE)], check=True, capture_output=True)
    watcher = subprocess.Popen(
        [*comity, "watch", "--interval", "0.2"],
        stderr=subprocess.PIPE,
        text=True,
        env=_environment(),
    )
    try:
        assert watcher.stderr is not None
        line = watcher.stderr.readline()
        assert "keeping the findings store" in line
        subprocess.run(
            [*comity, "ingest", str(write_jsonl(tmp_path / "fiu.jsonl", FIU_CASE))],
            check=True,
            capture_output=True,
        )
        seen = ""
        for _ in range(200):  # until the watcher has applied it (no timing asserted)
            seen = subprocess.run(
                [*comity, "findings", "--case", "CH-2021-7", "--format", "jsonl"],
                capture_output=True,
                text=True,
            ).stdout
            if seen:
                break
        assert '"case_id": "CH-2021-7"' in seen
        watcher.send_signal(signal.SIGTERM)
        assert watcher.wait(timeout=30) == 0
        assert "findings store stopped" in watcher.stderr.read()
    finally:
        if watcher.poll() is None:
            watcher.kill()
            watcher.wait()
        if watcher.stderr is not None:
            watcher.stderr.close()
