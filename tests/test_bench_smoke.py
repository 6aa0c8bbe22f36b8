"""The benchmark's own smoke test: its data is valid and `python -m bench` runs.

No timing is asserted here (timings belong in docs/performance.md); this only keeps
bench/ working as the code under it changes. `--tiny` is a hidden size that runs in
seconds.
"""

from __future__ import annotations

import collections
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from comity.events import decode_event, encode_event

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def bench_generate(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.syspath_prepend(str(ROOT))
    from bench import generate

    return generate


def test_generator_makes_valid_v1_events(bench_generate) -> None:  # type: ignore[no-untyped-def]
    events = list(bench_generate.generate_log(600, seed=3))
    assert len(events) == 600
    assert len({e.event_id for e in events}) == 600
    for event in events:
        data = json.loads(json.dumps(encode_event(event)))
        assert decode_event(data) == event
    first = {}
    for event in events:
        first.setdefault(event.case_id, event)
    assert all(e.type == "case_opened" for e in first.values())
    # the same seed gives the same log
    again = list(bench_generate.generate_log(600, seed=3))
    assert [encode_event(e) for e in again] == [encode_event(e) for e in events]


def test_generator_case_shape(bench_generate) -> None:  # type: ignore[no-untyped-def]
    case = bench_generate.generate_case(5, "BIG", 3000)
    assert 2900 <= len(case) <= 3000
    kinds = collections.Counter(e.type for e in case)
    for kind in ("asset_located", "order_issued", "order_extended", "transfer_detected"):
        assert kinds[kind] > 0
    assets = {e.asset_id for e in case if e.type == "asset_located"}
    assert 5 <= len(assets) <= 50


def test_bench_tiny_runs_and_writes_json(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    command = [sys.executable, "-m", "bench", "--tiny", "--runs", "1", "--json", str(out)]
    if importlib.util.find_spec("eventsourcing") is None:  # the `bench` extra is optional
        command += ["--only", "replay", "read", "incremental", "scale", "audit"]
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    doc = json.loads(out.read_text())
    for key in (
        "replay_events_per_s",
        "raw_durable_events_per_s",
        "replay_vs_raw_durable",
        "read_vs_json_loads",
        "verify_events_per_s",
        "checkpoint_vs_sha256",
        "verify_against_us_per_record",
        "wall_s",
        "peak_rss_mb",
        "machine",
    ):
        assert key in doc, key
    assert any(k.startswith("incremental_p99_ms_") for k in doc)
    assert doc["machine"]["nproc"] >= 1
    if "--only" not in command:
        assert "ingest_vs_eventsourcing" in doc
        for key in (
            "explain_vs_replay_case",
            "deadlines_vs_replay_100_event_case",
            "catch_up_vs_full_replay",
            "latency_sqlite_p99_ms",
        ):
            assert key in doc, key


def test_bench_wal_compares_both_stores() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.wal", "--events", "300", "--batch", "10", "100"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith("batch")]
    assert len(lines) == 2
    for line in lines:
        ratio = float(line.rsplit("ratio", 1)[1])
        assert ratio > 0  # both stores wrote something; the size itself is not asserted
