"""The benchmark's own smoke test: its data is valid and `python -m bench` runs.

No timing is asserted here (timings belong in docs/performance.md); this only keeps
bench/ working as the code under it changes. `--tiny` is a hidden size that runs in
seconds.
"""

from __future__ import annotations

import collections
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import comity.engine
from comity.events import Event, decode_event, encode_event
from pgtest import server_url

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def bench_generate(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(ROOT))
    from bench import generate

    return generate


def test_generator_makes_valid_v1_events(bench_generate: ModuleType) -> None:
    events = list(bench_generate.generate_log(600, seed=3))
    assert len(events) == 600
    assert len({e.event_id for e in events}) == 600
    for event in events:
        data = json.loads(json.dumps(encode_event(event)))
        assert decode_event(data) == event
    first: dict[str, Event] = {}
    for event in events:
        first.setdefault(event.case_id, event)
    assert all(e.type == "case_opened" for e in first.values())
    # the same seed gives the same log
    again = list(bench_generate.generate_log(600, seed=3))
    assert [encode_event(e) for e in again] == [encode_event(e) for e in events]


def test_generator_case_shape(bench_generate: ModuleType) -> None:
    case = bench_generate.generate_case(5, "BIG", 3000)
    assert 2900 <= len(case) <= 3000
    kinds = collections.Counter(e.type for e in case)
    for kind in ("asset_located", "order_issued", "order_extended", "transfer_detected"):
        assert kinds[kind] > 0
    assets = {e.asset_id for e in case if e.type == "asset_located"}
    assert 5 <= len(assets) <= 50


#: The headline keys of issue 17 (item 5) and the figures of issues 10, 11 and 12:
#: each must be a number in every run that ran its figure.
HEADLINE = (
    "replay_vs_raw_durable",
    "replay_vs_raw_durable_core_cpu",
    "ingest_vs_eventsourcing_batch10",
    "ingest_vs_eventsourcing_batch1000",
    "verify_vs_sqlite_read",
    "incremental_p99_large_vs_small",
    "read_vs_eventsourcing",
    "peak_rss_largest_vs_previous",
    "explain_vs_replay_case",
    "deadlines_vs_replay_100_event_case",
    "catch_up_vs_full_replay",
    "latency_sqlite_p99_ms",
    "checkpoint_vs_sha256",
    "explain_recorded_vs_not",
    "http_appends_vs_library_batch1",
    "http_appends_vs_library_batch100",
    "http_findings_sqlite_p50_ms",
    "http_findings_sqlite_p99_ms",
)
#: Measured on the PostgreSQL server COMITY_TEST_PG names: numbers there, and under CI
#: (which has one) never skipped.
ON_POSTGRES = (
    "latency_postgres_p99_ms",
    "http_findings_postgres_p50_ms",
    "http_findings_postgres_p99_ms",
)


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value


def test_bench_tiny_runs_and_writes_json(tmp_path: Path) -> None:
    """Every figure runs (tiny sizes, one run each) and the JSON has every headline key
    with a number, the mode, the machine and every figure's target; no timing is read."""
    out = tmp_path / "bench.json"
    command = [sys.executable, "-m", "bench", "--tiny", "--runs", "1", "--json", str(out)]
    env = {**os.environ, "COMITY_BENCH_PG": server_url()}
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False, env=env
    )
    assert done.returncode == 0, done.stderr
    assert "tiny mode: every headline ratio" in done.stdout
    doc = json.loads(out.read_text())
    assert doc["mode"] == "tiny" and "smaller sizes" in doc["mode_note"]
    for key in HEADLINE:
        assert _number(doc[key]), (key, doc[key])
    for key in ON_POSTGRES:
        if os.environ.get("CI"):
            assert _number(doc[key]), (key, doc[key])
        else:
            assert _number(doc[key]) or doc[key].startswith("skipped: "), (key, doc[key])
    for key in ("replay_vs_raw_durable", "verify_vs_sqlite_read", "http_findings_sqlite_p99_ms"):
        target = doc["targets"][key]
        assert target["value"] == doc[key] and isinstance(target["met"], bool)
        assert target["target"].startswith((">= ", "<= "))
    # the incremental figure: the same appends, timed the same way, on both cases
    inc = doc["figures"]["incremental"]
    small, large = (str(s) for s in inc["sizes"])
    assert inc[small]["appends"] == inc[large]["appends"] == inc["appends"]
    assert inc[small]["samples"] == inc[large]["samples"]
    assert inc[small]["events"] < inc[large]["events"]
    assert doc["machine"]["nproc"] >= 1 and doc["machine"]["load_before"]


def test_bench_quick_mode_is_a_smaller_full_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """--quick runs every figure the full run does, at sizes no larger."""
    monkeypatch.syspath_prepend(str(ROOT))
    from bench.figures import FULL, QUICK

    assert QUICK.name == "quick" and FULL.name == "full"
    assert QUICK.runs >= 5  # the medians of at least five
    assert QUICK.incremental_sizes == FULL.incremental_sizes == (100, 10_000)
    assert QUICK.batch_sizes == FULL.batch_sizes
    assert QUICK.http_batch_sizes == FULL.http_batch_sizes == (1, 100)
    assert QUICK.postgres and FULL.postgres
    for field in ("replay_events", "ingest_events", "findings_events", "audit_records"):
        assert getattr(QUICK, field) <= getattr(FULL, field), field


def test_bench_reaches_the_engine_only_through_its_api_and_hook() -> None:
    """bench/ imports nothing of comity.engine but its public names and the one hook,
    comity.engine.baseline (a private module of the engine there would break unseen)."""
    import ast

    for path in (ROOT / "bench").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                if name.startswith("comity.engine."):
                    tail = name.removeprefix("comity.engine.")
                    assert tail.split(".")[0] in ENGINE_PUBLIC, (path.name, name)


#: What bench/ may import from comity.engine: its package's names and the hook.
ENGINE_PUBLIC = {"baseline", *comity.engine.__all__}


def _module(module: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m module args` from the repository's root, which must succeed."""
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done


def test_bench_wal_compares_both_stores() -> None:
    done = _module("bench.wal", "--events", "300", "--batch", "10", "100")
    lines = [line for line in done.stdout.splitlines() if line.startswith("batch")]
    assert len(lines) == 2
    for line in lines:
        ratio = float(line.rsplit("ratio", 1)[1])
        assert ratio > 0  # both stores wrote something; the size itself is not asserted


def test_bench_ingest_formats_measures_every_variant(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(ROOT))
    out = tmp_path / "formats.json"
    _module(
        *("bench.ingest_formats", "--events", "300", "--small-events", "60"),
        *("--batch", "10", "100", "--runs", "1", "--json", str(out)),
    )
    from bench.ingest_formats import VARIANTS

    results = json.loads(out.read_text(encoding="utf-8"))
    assert set(results["by_batch"]) == {"10", "100"}
    for size in ("10", "100"):
        by = results["by_batch"][size]["variants"]
        for key in [v.key for v in VARIANTS] + ["es", "es-sql"]:
            row = by[key]
            for name in ("events_per_s", "vs_eventsourcing", "wal_bytes_per_event"):
                assert isinstance(row[name], float) and row[name] > 0, (size, key, name)
        assert by["figure-comity"]["vs_eventsourcing"] > 0


def test_bench_ingest_formats_variants_are_real_stores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every variant measured keeps comity's guarantees in SQL: duplicates of an
    event_id, a (case, seq) or a position are refused by a UNIQUE constraint, UPDATE,
    DELETE and INSERT OR REPLACE by the append-only triggers, and its rows give back
    each record's exact body, so the hash chain verifies. The references that
    drop a guarantee (x1 and x2, without the event_id index) are caught dropping it."""
    monkeypatch.syspath_prepend(str(ROOT))
    from bench import ingest_formats as formats
    from bench.generate import generate_log

    records = formats._comity_records(list(generate_log(200, seed=8)), tmp_path)
    assert len(records) == 200
    duplicates = ("duplicate event_id", "duplicate (case_id, seq)", "duplicate position")
    guarded = ("INSERT OR REPLACE of a stored event_id", "UPDATE", "DELETE")
    for variant in formats.VARIANTS:
        fmt = formats.Format(variant)
        conn = fmt.create(tmp_path / f"{variant.key}.db")
        try:
            for batch in fmt.batches(records, 10):
                fmt.append(conn, batch)
            assert formats.verify_chain(fmt, conn) == 200, variant.key
            assert fmt.read_records(conn) == records, variant.key
            refused = formats.probe(fmt, conn, records)
            if variant.layout == "idhash":
                # what g gives up: SQL that does not compute id_key stores a duplicate
                row = list(fmt.row(records[-1]))
                row[0], row[2], row[-1] = 201, 10_000, 1
                conn.execute(fmt.insert_sql, row)
        finally:
            conn.close()
        assert refused["control"] == "", (variant.key, refused["control"])
        if not variant.event_id_index:
            assert refused["duplicate event_id"] == ""  # the guarantee it gives up
            continue
        assert variant.candidate == (variant.key != "g"), variant.key
        for name in duplicates:
            assert "UNIQUE constraint failed" in refused[name], (variant.key, name)
        for name in guarded + (
            ("UPDATE cases", "DELETE cases") if variant.layout == "caseno" else ()
        ):
            assert "append-only" in refused[name], (variant.key, name)


def test_bench_replay_ceiling_gives_every_experiment_a_number(tmp_path: Path) -> None:
    """bench.replay_ceiling (docs/performance.md, "Replay: what keeping deadlines out
    of durable could give at most") at a tiny size: a figure for every experiment."""
    out = tmp_path / "ceiling.json"
    done = _module("bench.replay_ceiling", "--events", "300", "--runs", "1", "--json", str(out))
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert figures["host_cpu_s"] > 0 and figures["core_cpu_s"] > 0
    experiments = figures["experiments"]
    assert sorted(experiments) == ["a", "b", "c"]
    for e in experiments.values():
        for key in (
            "replay_cpu_s",
            "python_cpu_s",
            "trace_core_cpu_s",
            "vs_host",
            "vs_core",
            "python_share",
            "durable_calls_per_event",
            "firings_per_event",
        ):
            assert e[key] > 0, key
        assert e["trace_ops"] == e["durable_calls"]  # the hook's trace is the replay's calls
    # fewer rules, fewer calls: what the experiments remove is gone
    assert experiments["a"]["durable_calls"] > experiments["b"]["durable_calls"]
    assert experiments["b"]["durable_calls"] > experiments["c"]["durable_calls"]
    assert "| (c)" in done.stdout
