"""Reliability through the command line: the edges of the date range, a case that
cannot be replayed, a damaged store, and interruption.

Every invocation runs with `catch_exceptions=False`, so a traceback fails the test.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from comity.cli import cli
from engine_cases import FAILING_RULE
from pgtest import PgDatabase, pg_database  # noqa: F401 - the session's PostgreSQL database

AS_OF = ["--as-of", "2021-12-31", "--known-at", "2099-01-01T00:00:00Z"]


def event(case: str, n: int, type_: str, when: str, **fields: Any) -> dict[str, Any]:
    return {
        "event_id": f"{case}-{n}",
        "case_id": case,
        "type": type_,
        "occurred_at": when,
        **fields,
    }


def case_events(case: str, order_type: str) -> list[dict[str, Any]]:
    return [
        event(case, 1, "case_opened", "2021-03-01", lead_jurisdiction="PA", offences=["fraud"]),
        event(
            case,
            2,
            "asset_located",
            "2021-03-01",
            asset_id="A1",
            asset_type="bank_account",
            jurisdiction="CH",
        ),
        event(
            case,
            3,
            "order_issued",
            "2021-03-02",
            order_id="O1",
            order_type=order_type,
            issuing_jurisdiction="CH",
            asset_ids=["A1"],
            expires_on="2021-06-30",
        ),
    ]


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "comity.db")
    database: PgDatabase = request.getfixturevalue("pg_database")
    return database.new_url()


@pytest.fixture
def bad_rules(tmp_path: Path) -> str:
    directory = tmp_path / "bad-pack"
    (directory / "rules").mkdir(parents=True)
    (directory / "rules" / "bad.toml").write_text(FAILING_RULE, encoding="utf-8")
    return str(directory)


def invoke(runner: CliRunner, store: str, *args: str, input: str | None = None) -> Result:
    return runner.invoke(cli, ["--store", store, *args], input=input, catch_exceptions=False)


def ingest(runner: CliRunner, store: str, events: list[dict[str, Any]], tmp_path: Path) -> None:
    path = tmp_path / f"events-{len(events)}.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    assert invoke(runner, store, "init").exit_code == 0
    result = invoke(runner, store, "ingest", str(path))
    assert result.exit_code == 0, result.output


# --------------------------------------------------------------------------- dates


def test_orders_at_the_ends_of_the_range_replay(
    runner: CliRunner, store: str, tmp_path: Path
) -> None:
    first = [
        event("F", 1, "case_opened", "1900-01-01", lead_jurisdiction="PA", offences=["fraud"]),
        event(
            "F",
            2,
            "order_issued",
            "1900-01-01",
            order_id="O1",
            order_type="freeze",
            issuing_jurisdiction="PA",
            asset_ids=["A1"],
            expires_on="1900-01-02",
        ),
    ]
    last = [
        event("L", 1, "case_opened", "2200-12-31", lead_jurisdiction="PA", offences=["fraud"]),
        event(
            "L",
            2,
            "order_issued",
            "2200-12-31T23:59:59Z",
            order_id="O1",
            order_type="freeze",
            issuing_jurisdiction="CH",
            asset_ids=["A1"],
            expires_on="2200-12-31",
        ),
        event(
            "L", 3, "order_extended", "2200-12-31T23:59:59Z", order_id="O1", expires_on="2200-12-31"
        ),
    ]
    ingest(runner, store, first + last, tmp_path)
    for as_of in ("1900-01-01", "2200-12-31"):
        result = invoke(runner, store, "replay", "--as-of", as_of, "--format", "json")
        assert result.exit_code == 0, result.output
    replayed = json.loads(
        invoke(runner, store, "replay", "--as-of", "2200-12-31", "--format", "json").stdout
    )
    lapsed = {
        (f["case_id"], f["due"], f["raised_at"])
        for case in replayed["cases"]
        for f in case["findings"]
        if f["code"] == "order_expired"
    }
    assert lapsed == {("F", "1900-01-02", "1900-01-03")}
    result = invoke(runner, store, "deadlines", "--as-of", "2200-12-31", "--format", "json")
    assert result.exit_code == 0, result.output
    assert [
        (d["case_id"], d["due"], d["breach_at"]) for d in json.loads(result.stdout)["deadlines"]
    ] == [("L", "2200-12-31", "2201-01-01")]


# --------------------------------------------------------------------------- one case fails


def test_a_case_that_cannot_be_replayed_is_named_and_the_rest_are_printed(
    runner: CliRunner, store: str, tmp_path: Path, bad_rules: str
) -> None:
    ingest(
        runner,
        store,
        case_events("A", "seizure") + case_events("B", "freeze") + case_events("C", "seizure"),
        tmp_path,
    )
    table = invoke(runner, store, "--rules", bad_rules, "replay", *AS_OF)
    assert table.exit_code == 4
    assert "Traceback" not in table.output
    disclosure, *errors = table.stderr.splitlines()
    assert re.fullmatch(r"disclosure: [0-9a-f-]{36}", disclosure)  # what was shown is recorded
    assert errors == [
        "Error: case B could not be replayed: ValueError: Invalid isoformat string: 'CH' "
        "(unexpected: report it with the case's events)"
    ]
    assert "== Case A" in table.stdout and "== Case C" in table.stdout
    assert "== Case B\nnot replayed: ValueError" in table.stdout
    assert "3 cases replayed (1 could not be):" in table.stdout

    for fmt in ("json", "jsonl"):
        result = invoke(runner, store, "--rules", bad_rules, "replay", *AS_OF, "--format", fmt)
        assert result.exit_code == 4, result.output
        assert "Error: case B could not be replayed" in result.stderr

    parallel = invoke(
        runner, store, "--rules", bad_rules, "replay", *AS_OF, "--workers", "2", "--format", "json"
    )
    serial = invoke(runner, store, "--rules", bad_rules, "replay", *AS_OF, "--format", "json")
    assert (parallel.exit_code, parallel.stdout) == (4, serial.stdout)

    deadlines = invoke(runner, store, "--rules", bad_rules, "deadlines", *AS_OF, "--format", "json")
    assert deadlines.exit_code == 4
    assert "Error: case B could not be replayed" in deadlines.stderr
    # A and C are seizures expiring 2021-06-30, missed by 2021-12-31: none running; at
    # an earlier as_of both are listed, B (which failed) is not.
    early = invoke(
        runner,
        store,
        "--rules",
        bad_rules,
        "deadlines",
        "--as-of",
        "2021-04-01",
        "--format",
        "json",
    )
    assert early.exit_code == 4
    assert sorted(d["case_id"] for d in json.loads(early.stdout)["deadlines"]) == ["A", "C"]

    unknown = invoke(runner, store, "--rules", bad_rules, "explain", "0123456789abcdef0123", *AS_OF)
    assert unknown.exit_code == 4  # the finding may be in case B: not "no such finding" (3)
    assert "Error: case B could not be replayed" in unknown.stderr


def test_the_json_of_healthy_cases_is_byte_identical(
    runner: CliRunner, tmp_path: Path, bad_rules: str
) -> None:
    with_bad, without = str(tmp_path / "with.db"), str(tmp_path / "without.db")
    ingest(runner, with_bad, case_events("A", "seizure") + case_events("B", "freeze"), tmp_path)
    ingest(runner, without, case_events("A", "seizure"), tmp_path)
    both = invoke(runner, with_bad, "--rules", bad_rules, "replay", *AS_OF, "--format", "json")
    alone = invoke(runner, without, "--rules", bad_rules, "replay", *AS_OF, "--format", "json")
    assert (both.exit_code, alone.exit_code) == (4, 0)
    document = json.loads(both.stdout)
    failed = document["cases"].pop()
    assert failed == {"case_id": "B", "error": failed["error"]}  # no findings key at all
    # Each names its own log (6 records and 3); all else is the same, byte for byte.
    theirs = json.loads(alone.stdout)
    assert (document["basis"]["log"]["size"], theirs["basis"]["log"]["size"]) == (6, 3)
    document["basis"] = theirs["basis"]
    assert json.dumps(document, indent=2, ensure_ascii=False) + "\n" == alone.stdout


# --------------------------------------------------------------------------- work per case


def test_five_hundred_proceedings_against_one_subject(
    runner: CliRunner, store: str, tmp_path: Path
) -> None:
    """The 90 KB case that used to run past 20 s and 600 MB: one finding per rule and
    pair of jurisdictions, not per pair of proceedings."""
    jurisdictions = ["PA", "CH", "US", "FR", "DE", "CO", "AE", "GB", "ES", "IT"]
    events = [
        event("P", 0, "case_opened", "2020-01-01", lead_jurisdiction="PA", offences=["fraud"]),
        *(
            event(
                "P",
                n + 1,
                "proceeding_opened",
                "2020-01-02",
                proceeding_id=f"PR{n}",
                jurisdiction=jurisdictions[n % 10],
                kind="criminal",
                subject_ids=["S1"],
            )
            for n in range(500)
        ),
    ]
    ingest(runner, store, events, tmp_path)
    result = invoke(runner, store, "replay", *AS_OF, "--format", "json")
    assert result.exit_code == 0, result.output
    (case,) = json.loads(result.stdout)["cases"]
    codes = [f["code"] for f in case["findings"]]
    assert codes.count("parallel_proceedings") == codes.count("coordinate_jurisdictions") == 45


# --------------------------------------------------------------------------- Ctrl-C


@pytest.mark.parametrize("written", [1, 3000])
def test_ctrl_c_during_an_ingest_exits_130_and_stores_nothing(
    runner: CliRunner, store: str, tmp_path: Path, written: int
) -> None:
    """`written` events of one batch are read (a big file, part of it), then Ctrl-C:
    none of them is stored, and the store still verifies."""
    assert invoke(runner, store, "init").exit_code == 0
    fifo = tmp_path / "events.fifo"
    os.mkfifo(fifo)
    child = subprocess.Popen(
        [sys.executable, "-m", "comity.cli", "--store", store, "ingest", str(fifo)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        # Opening the FIFO for writing returns once the child has opened it to read:
        # the child is inside `ingest`, reading its events.
        with fifo.open("w", encoding="utf-8") as events:
            events.write(json.dumps(case_events("A", "freeze")[0]) + "\n")
            for n in range(1, written):
                located = event("A", n + 10, "asset_located", "2021-03-02", asset_id=f"A{n}")
                located.update(asset_type="real_estate", jurisdiction="PA")
                events.write(json.dumps(located) + "\n")
            events.flush()
            child.send_signal(signal.SIGINT)
            out, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 130
    assert err.decode().splitlines() == [
        "Error: interrupted (Ctrl-C); an append cut short stored nothing, "
        "so the command can be run again"
    ]
    assert out == b""
    log = invoke(runner, store, "log", "--format", "jsonl")
    assert (log.exit_code, log.stdout) == (0, "")
    assert invoke(runner, store, "verify").exit_code == 0


# The child of the next test: Ctrl-C lands while the command line is being imported
# (the first import of the store's package), as a Ctrl-C in the second that the
# import takes does; then it runs what the console script `comity` runs.
_INTERRUPTED_IMPORT = """
import importlib.abc, os, signal, sys

class Interrupt(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name == "comity.events":
            os.kill(os.getpid(), signal.SIGINT)
        return None

sys.meta_path.insert(0, Interrupt())
sys.argv = ["comity", *sys.argv[1:]]
from comity._console import main
main()
"""


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        (
            [],
            "Error: interrupted (Ctrl-C); an append cut short stored nothing, "
            "so the command can be run again",
        ),
        (["--lang", "es"], "Error: interrumpido (Ctrl-C)"),
    ],
)
def test_ctrl_c_while_the_command_line_is_imported_exits_130(
    runner: CliRunner, store: str, tmp_path: Path, lang: list[str], line: str
) -> None:
    """A Ctrl-C in the first second of `comity ingest` (importing click, the engine
    and the drivers) printed a KeyboardInterrupt traceback and died by the signal."""
    ingest(runner, store, case_events("A", "freeze"), tmp_path)
    path = tmp_path / "more.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in case_events("B", "freeze")))
    env = {k: v for k, v in os.environ.items() if k not in ("COMITY_LANG", "LANGUAGE")}
    command = [*lang, "--store", store, "ingest", str(path)]
    child = subprocess.run(
        [sys.executable, "-c", _INTERRUPTED_IMPORT, *command],
        capture_output=True,
        timeout=120,
        env={**env, "LC_ALL": "C"},
    )
    assert child.returncode == 130, child.stderr.decode()
    (printed,) = child.stderr.decode().splitlines()
    assert printed.startswith(line)
    assert child.stdout == b""
    listed = invoke(runner, store, "log", "--format", "jsonl")
    assert [json.loads(row)["case_id"] for row in listed.stdout.splitlines()] == ["A"] * 3
    assert invoke(runner, store, "verify").exit_code == 0


def test_ctrl_c_inside_a_command_is_exit_130_not_click_abort(
    runner: CliRunner, store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Inside the append's write transaction, the batch planned: nothing of it stays."""
    ingest(runner, store, case_events("A", "seizure"), tmp_path)
    from comity.events import log as log_module

    real = log_module.plan_append

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        real(*args, **kwargs)
        raise KeyboardInterrupt

    # Every backend module that plans its appends with it (wherever the backends live).
    for name, module in list(sys.modules.items()):
        if name.startswith("comity.events") and getattr(module, "plan_append", None) is real:
            monkeypatch.setattr(module, "plan_append", interrupted)
    path = tmp_path / "more.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in case_events("B", "freeze")))
    result = invoke(runner, store, "ingest", str(path))
    assert result.exit_code == 130
    assert "Aborted" not in result.output and "Traceback" not in result.output
    assert result.stderr.startswith("Error: interrupted (Ctrl-C)")
    monkeypatch.undo()
    listed = invoke(runner, store, "log", "--format", "jsonl")
    assert [json.loads(line)["case_id"] for line in listed.stdout.splitlines()] == ["A"] * 3


def test_two_hundred_freezes_on_one_asset(runner: CliRunner, store: str, tmp_path: Path) -> None:
    """Issue 16 item 7: 200 freezes of one asset in ten jurisdictions gave 36,022
    findings; one per rule and pair of jurisdictions now, naming the first order of
    each."""
    jurisdictions = ["PA", "CH", "US", "FR", "DE", "CO", "AE", "GB", "ES", "IT"]
    events = [
        event("F", 0, "case_opened", "2020-01-01", lead_jurisdiction="PA", offences=["fraud"]),
        event(
            "F",
            1,
            "asset_located",
            "2020-01-01",
            asset_id="A1",
            asset_type="bank_account",
            jurisdiction="CH",
        ),
        *(
            event(
                "F",
                n + 2,
                "order_issued",
                "2020-01-02",
                order_id=f"O{n}",
                order_type="freeze",
                issuing_jurisdiction=jurisdictions[n % 10],
                asset_ids=["A1"],
            )
            for n in range(200)
        ),
    ]
    ingest(runner, store, events, tmp_path)
    result = invoke(runner, store, "replay", *AS_OF, "--format", "json")
    assert result.exit_code == 0, result.output
    (case,) = json.loads(result.stdout)["cases"]
    codes = [f["code"] for f in case["findings"]]
    assert codes.count("concurrent_orders") == codes.count("coordinate_jurisdictions") == 45
    (pa_ch,) = [
        f
        for f in case["findings"]
        if f["code"] == "concurrent_orders" and sorted(f["jurisdictions"]) == ["CH", "PA"]
    ]
    assert pa_ch["message"] == "Asset A1 is under order O1 (freeze, CH) and order O0 (freeze, PA)."


def _hostile(kind: str, n: int) -> list[dict[str, Any]]:
    """One case with `n` events of each of two kinds that rules join on one asset (or
    on the case): the products that grew with n * n findings."""
    events = [
        event("H", 0, "case_opened", "2020-01-01", lead_jurisdiction="PA", offences=["fraud"])
    ]

    def add(type_: str, when: str, **fields: Any) -> None:
        events.append(event("H", len(events), type_, when, **fields))

    def located(asset: str, jurisdiction: str) -> None:
        add(
            "asset_located",
            "2020-01-02",
            asset_id=asset,
            asset_type="bank_account",
            jurisdiction=jurisdiction,
        )

    def order(n: int, order_type: str, jurisdiction: str, **fields: Any) -> None:
        add(
            "order_issued",
            "2020-01-03",
            order_id=f"O{n}",
            order_type=order_type,
            issuing_jurisdiction=jurisdiction,
            asset_ids=["A1"],
            **fields,
        )

    if kind == "frozen_asset_moved":  # n freezes of A1, n transfers out of it
        located("A1", "PA")
        located("A2", "ES")
        for k in range(n):
            order(k, "freeze", "PA")
        for k in range(n):
            add(
                "transfer_detected",
                "2020-02-01",
                transfer_id=f"T{k}",
                from_asset_id="A1",
                to_asset_id="A2",
                from_jurisdiction="PA",
                to_jurisdiction="ES",
                amount={"amount": "10.00", "currency": "USD"},
            )
    elif kind == "request_recognition":  # A1 located n times where it lies, n freezes
        for _ in range(n):
            located("A1", "CH")
        for k in range(n):
            order(k, "freeze", "PA")
    elif kind == "request_execution":  # A1 located n times, n final confiscations abroad
        for _ in range(n):
            located("A1", "PA")
        for k in range(n):
            order(k, "confiscation", "CH", final=True)
    elif kind == "seek_restraint":  # n assets in the US, n charges in 9 jurisdictions
        for k in range(n):
            located(f"A{k}", "US")
        for k in range(n):
            abroad = ["PA", "CH", "FR", "DE", "CO", "AE", "GB", "ES", "IT"][k % 9]
            add(
                "charge_filed",
                "2020-01-03",
                charge_id=f"G{k}",
                jurisdiction=abroad,
                kind="charge",
                subject_ids=["S1"],
            )
        add("subject_identified", "2020-01-02", subject_id="S1", name="X", kind="person")
    return events


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        # one finding per transfer (naming the first order in force), not per order too
        ("frozen_asset_moved", {"frozen_asset_moved": 150}),
        # one per order: the asset located again where it lies adds nothing
        ("request_recognition", {"request_recognition": 150, "asset_abroad": 1}),
        ("request_execution", {"request_execution": 150}),
        # one per asset and charging jurisdiction, not per charge
        ("seek_restraint", {"seek_restraint": 150 * 9}),
    ],
)
def test_two_kinds_of_event_on_one_asset_grow_findings_linearly(
    runner: CliRunner, store: str, tmp_path: Path, kind: str, expected: dict[str, int]
) -> None:
    """Issue 16 item 7, the other joins: 150 of each kind were 22,500 findings of one
    rule (300 of each: 90,000, 29 s of CPU and 1.2 GB); now a number that grows with
    one of the two counts."""
    ingest(runner, store, _hostile(kind, 150), tmp_path)
    result = invoke(runner, store, "replay", *AS_OF, "--format", "json")
    assert result.exit_code == 0, result.output
    (case,) = json.loads(result.stdout)["cases"]
    codes = [f["code"] for f in case["findings"]]
    assert {code: codes.count(code) for code in expected} == expected
    if kind == "frozen_asset_moved":
        moved = [f for f in case["findings"] if f["code"] == "frozen_asset_moved"]
        assert {f["message"].split(", frozen by ")[1].split(")")[0] for f in moved} == {"O0"}
