"""A case whose replay fails is isolated by the watcher as `replay_log` isolates it.

With a rule pack under which every case holding a freeze fails to replay (its rule
reads an order's jurisdiction as a date, which the loader cannot see), the watcher
stores that case as failed, with the error a replay reports for it, and keeps every
other case current: the store's document is a full replay's, the failed case's entry
included. A later event that makes the case fail withdraws what it held; one that
mends it (the freeze retracted) computes it again. Through the command line, `watch
--once` and `findings` name the case and exit 4, as `replay` does.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from comity.cli import cli
from comity.cli import options as cli_options
from comity.engine import replay_log
from comity.events import EVENT_TYPES, Event, open_log
from comity.findings import FindingsStore, Watcher
from comity.rules import RulePack, load_pack
from engine_cases import FAILING_RULE
from findings_cases import Clock, current_rows, folded_history, replay_document

NOW = dt.datetime(2021, 12, 31, 12, tzinfo=dt.UTC)


@pytest.fixture
def bad_dir(tmp_path: Path) -> str:
    directory = tmp_path / "bad-pack"
    (directory / "rules").mkdir(parents=True)
    (directory / "rules" / "bad.toml").write_text(FAILING_RULE, encoding="utf-8")
    return str(directory)


def _event(case: str, n: int, tag: str, when: dt.date, **fields: Any) -> Event:
    event: Event = EVENT_TYPES[tag](
        event_id=f"{case}-{n}", case_id=case, occurred_at=when, **fields
    )
    return event


def _order(case: str, n: int, order_type: str, when: dt.date) -> Event:
    return _event(
        case,
        n,
        "order_issued",
        when,
        order_id=f"O{n}",
        order_type=order_type,
        issuing_jurisdiction="CH",
        asset_ids=("A1",),
        expires_on=dt.date(2021, 6, 30),
    )


def _case(case: str, order_type: str) -> list[Event]:
    return [
        _event(
            case,
            1,
            "case_opened",
            dt.date(2021, 3, 1),
            lead_jurisdiction="PA",
            offences=("fraud",),
        ),
        _event(
            case,
            2,
            "asset_located",
            dt.date(2021, 3, 1),
            asset_id="A1",
            asset_type="bank_account",
            jurisdiction="CH",
        ),
        _order(case, 3, order_type, dt.date(2021, 3, 2)),
    ]


def _replay_error(log: Any, pack: RulePack, case: str, cut: Any) -> str | None:
    [result] = replay_log(log, pack, as_of=cut.as_of, known_at=cut.known_at, cases=[case])
    return result.error


def test_a_failing_case_is_stored_as_failed_and_the_rest_stay_current(
    new_store: Any, bad_dir: str
) -> None:
    pack = load_pack(bad_dir)
    url = new_store()
    log = open_log(url)
    log.append(_case("A", "seizure") + _case("B", "freeze") + _case("C", "seizure"))
    told: list[tuple[str, str]] = []
    clock = Clock(NOW)
    store = FindingsStore.of(log)
    watcher = Watcher(log, pack, store=store, clock=clock, failure=lambda c, e: told.append((c, e)))
    try:
        cut = watcher.catch_up()
        error = _replay_error(log, pack, "B", cut)
        assert error is not None and "Invalid isoformat string: 'CH'" in error
        assert store.failures() == [("B", error)] and told == [("B", error)]
        assert store.failures(cases=["A", "C"]) == []
        mine, theirs = replay_document(log, pack, store)
        assert mine == theirs
        assert [d["case_id"] for d in mine] == ["A", "B", "C"]
        assert mine[1] == {"case_id": "B", "error": error}
        held_a = {f.finding_id for f in store.findings(cases=["A"])[1]}
        assert held_a and not store.findings(cases=["B"])[1]

        # A freeze ordered later in case A: A fails from now on, what it held is
        # withdrawn; C is untouched and the store is still a full replay.
        c_before = store.findings(cases=["C"])[1]
        log.append([_order("A", 4, "freeze", dt.date(2021, 4, 1))])
        cut = watcher.catch_up(cut)
        error_a = _replay_error(log, pack, "A", cut)
        assert error_a is not None
        assert store.failures() == [("A", error_a), ("B", error)]
        assert told[-1] == ("A", error_a)
        assert not store.findings(cases=["A"])[1]
        withdrawn = {
            c.finding_id
            for c in store.history(case_id="A", generation=cut.generation)
            if c.change == "withdrawn"
        }
        assert withdrawn == held_a
        assert store.findings(cases=["C"])[1] == c_before
        mine, theirs = replay_document(log, pack, store)
        assert mine == theirs
        assert folded_history(store, cut.generation) == current_rows(store)

        # The freeze of B retracted: B is computed again from its events.
        log.append(
            [
                _event(
                    "B",
                    4,
                    "event_retracted",
                    dt.date(2021, 4, 2),
                    retracted_event_id="B-3",
                    reason="entered in error",
                )
            ]
        )
        cut = watcher.catch_up(cut)
        assert _replay_error(log, pack, "B", cut) is None
        assert store.failures() == [("A", error_a)]
        mine, theirs = replay_document(log, pack, store)
        assert mine == theirs and mine[1]["case_id"] == "B" and "findings" in mine[1]
        assert folded_history(store, cut.generation) == current_rows(store)
    finally:
        watcher.close()
        store.close()
        log.close()


def test_watch_and_findings_name_the_failing_case_and_exit_4(
    tmp_path: Path, bad_dir: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli_options, "_now", lambda: NOW)
    url = f"sqlite:///{tmp_path / 'comity.db'}"
    log = open_log(url, create=True)
    log.append(_case("A", "seizure") + _case("B", "freeze") + _case("C", "seizure"))
    log.close()
    runner = CliRunner()

    def run(*args: str) -> Any:
        return runner.invoke(
            cli,
            ["--store", url, "--rules", bad_dir, *args],
            catch_exceptions=False,
        )

    watched = run("watch", "--once")
    assert watched.exit_code == 4, watched.output
    assert "Traceback" not in watched.output
    errors = [line for line in watched.stderr.splitlines() if line.startswith("Error:")]
    assert errors == [
        "Error: case B could not be replayed: ValueError: Invalid isoformat string: 'CH' "
        "(unexpected: report it with the case's events)"
    ]
    assert "findings store current" in watched.stderr

    found = run("findings", "--format", "json")
    assert found.exit_code == 4
    assert found.stderr.splitlines()[-1] == errors[0]
    header = json.loads(found.stdout)
    replayed = run(
        "replay", "--format", "json", "--as-of", header["as_of"], "--known-at", header["known_at"]
    )
    assert replayed.exit_code == 4
    assert found.stdout == replayed.stdout  # byte for byte, B's error included

    healthy = run("findings", "--case", "A", "--case", "C")
    assert healthy.exit_code == 0, healthy.output
    # Readers that answer from the store when it is current replay instead while a
    # case has failed, and report it as a replay does.
    deadlines = run("deadlines", "--as-of", header["as_of"], "--known-at", header["known_at"])
    assert deadlines.exit_code == 4 and errors[0] in deadlines.stderr
    # Running it again reports the case again (from the store): it still fails.
    again = run("watch", "--once")
    assert again.exit_code == 4 and errors[0] in again.stderr.splitlines()
