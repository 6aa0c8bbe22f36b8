"""The example case logs in examples/ ingest with the CLI and replay to the findings
examples/README.md promises. Dates asserted here were worked out by hand (see the
README), not copied from a replay."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from comity.cli import cli
from comity.engine import CaseResult, Finding, replay_log
from comity.events import open_log
from comity.events.codec import format_time
from comity.rules import load_pack

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
AS_OF = dt.date(2021, 12, 31)


def _ingest(tmp_path: Path, name: str) -> str:
    store = str(tmp_path / "comity.db")
    runner = CliRunner()
    result = runner.invoke(cli, ["--store", store, "init"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["--store", store, "ingest", str(EXAMPLES / name)])
    assert result.exit_code == 0, result.output
    return store


def _replay(store: str) -> CaseResult:
    log = open_log(store, create=False)
    try:
        results = list(replay_log(log, load_pack(), as_of=AS_OF))
    finally:
        log.close()
    assert len(results) == 1
    return results[0]


def _find(result: CaseResult, code: str, **fields: object) -> list[Finding]:
    """The findings of `code` whose fields are `fields` (days and instants as text)."""

    def field(f: Finding, key: str) -> object:
        value = getattr(f, key)
        return format_time(value) if isinstance(value, dt.date) else value

    return [
        f
        for f in result.findings
        if f.code == code and all(field(f, k) == v for k, v in fields.items())
    ]


def test_every_example_is_documented() -> None:
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    for path in EXAMPLES.glob("*.jsonl"):
        assert f"`{path.name}`" in readme, f"examples/README.md does not describe {path.name}"


def test_panama_drug_trafficking(tmp_path: Path) -> None:
    result = _replay(_ingest(tmp_path, "panama-drug-trafficking.jsonl"))
    assert result.case_id == "PA-2019-0117"
    codes = {f.code for f in result.findings}
    assert {
        "asset_abroad",
        "send_mla_request",
        "transfer_to_new_jurisdiction",
        "frozen_asset_moved",
        "obtain_freezing_order",
        "extend_order",
        "order_expired",
        "parallel_proceedings",
        "coordinate_jurisdictions",
        "request_execution",
        "request_return",
    } <= codes
    # Money left the frozen Panamanian account for Spain on 1 April 2019; Spain froze
    # the receiving account on 20 May.
    (moved,) = _find(result, "frozen_asset_moved")
    assert (moved.raised_at, moved.resolved_at) == (dt.date(2019, 4, 1), dt.date(2019, 5, 20))
    assert set(moved.jurisdictions) == {"PA", "ES"}
    # The Swiss bank's freeze of Friday 29 March 2019: five working days, Mon 1 to
    # Fri 5 April; a Geneva freezing order on 5 April meets it. The court order is
    # needed from the start of so short a period: the advice comes with the freeze.
    assert not _find(result, "postponement_lapsed")
    (warn,) = _find(result, "obtain_freezing_order")
    assert (warn.raised_at, warn.due, warn.resolved_at) == (
        dt.date(2019, 3, 29),
        dt.date(2019, 4, 5),
        dt.date(2019, 4, 5),
    )
    # O1 was extended once (to 5 March 2020), then not again: it lapsed on 6 March 2020.
    (lapsed,) = _find(result, "order_expired")
    assert (lapsed.raised_at, lapsed.due, lapsed.resolved_at) == (
        dt.date(2020, 3, 6),
        dt.date(2020, 3, 5),
        None,
    )
    # The 983(j) restraint of 16 September 2019 ran 90 days to 15 December 2019 and was
    # extended on 10 December, so it never lapsed.
    assert _find(result, "extend_order", due="2019-12-15", resolved_at="2019-12-10")
    # Still to do at the end of 2021: ask Colombia to execute the confiscation of the
    # farm, ask Spain for the confiscated Madrid funds, agree with the US who leads.
    assert _find(result, "request_execution", assets=("A6",), resolved_at=None)
    assert _find(result, "request_return", assets=("A5",), resolved_at=None)
    assert _find(result, "request_return", assets=("A4",), resolved_at="2021-05-10")
    assert _find(result, "request_return", assets=("A3",), resolved_at="2021-11-30")
    assert _find(result, "parallel_proceedings", jurisdictions=("PA", "US"), resolved_at=None)
    # The request to Colombia was never answered, but no treaty time limit applies.
    assert not _find(result, "response_overdue")


def test_eu_mutual_recognition(tmp_path: Path) -> None:
    result = _replay(_ingest(tmp_path, "eu-mutual-recognition.jsonl"))
    assert result.case_id == "DE-2021-0311"
    codes = {f.code for f in result.findings}
    assert {
        "response_overdue",
        "concurrent_orders",
        "coordinate_jurisdictions",
        "parallel_proceedings",
        "request_return",
        "asset_abroad",
        "send_mla_request",
        "request_execution",
    } <= codes
    # The urgent freezing certificate, received Wednesday 5 May 2021 at 14:40 UTC:
    # 48 hours from 15:00 UTC end at 15:00 UTC on Friday 7 May; France decided on 10 May.
    (late,) = _find(result, "response_overdue")
    assert (late.raised_at, late.due) == (
        dt.datetime(2021, 5, 7, 15, 0, tzinfo=dt.UTC),
        dt.datetime(2021, 5, 7, 15, 0, tzinfo=dt.UTC),
    )
    assert "R1" in late.message
    # The confiscation certificate, received Monday 27 September 2021: day 45 is
    # Thursday 11 November (Armistice, a French public holiday), so France's decision on
    # Friday 12 November is in time. The EIO (received 16 June) was answered on 9 July.
    assert all(
        "R5" not in f.message and "R3" not in f.message for f in _find(result, "response_overdue")
    )
    # Germany's and the Netherlands' orders on the Lyon account overlap.
    assert _find(result, "concurrent_orders", jurisdictions=("DE", "NL"), resolved_at=None)
    # France confiscated the Lyon account for Germany: ask for the proceeds or the share.
    assert _find(result, "request_return", assets=("A1",), resolved_at=None)
    # Tracfin's opposition notified Tuesday 21 December 2021: ten jours ouvrables, the
    # Saturdays 25 December and 1 January being public holidays: Tuesday 4 January 2022.
    (running,) = [d for d in result.open_deadlines if d.code == "postponement_lapsed"]
    assert (running.ref, running.due, running.breach_at) == (
        "A4",
        dt.date(2022, 1, 4),
        dt.date(2022, 1, 5),
    )


@pytest.mark.parametrize("name", ["panama-drug-trafficking.jsonl", "eu-mutual-recognition.jsonl"])
def test_replay_command_prints_the_findings(tmp_path: Path, name: str) -> None:
    store = _ingest(tmp_path, name)
    result = CliRunner().invoke(
        cli, ["--store", store, "replay", "--as-of", AS_OF.isoformat(), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    (case,) = report["cases"]
    assert case["findings"], "the example raises findings"
    assert {f["code"] for f in case["findings"]} >= {"asset_abroad", "parallel_proceedings"}
