"""The figures: each one measured beside its baseline in the same run, several times.

Every figure repeats `cfg.runs` times; within a repetition the subject and its
baseline run one after the other, so a ratio compares two measurements taken under the
same machine load. Rates are events per second over wall time (what a user waits for)
and over this process's CPU time (steadier on a shared machine); both are reported.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import os
import secrets
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bench.generate import generate_case, generate_log
from bench.rawdurable import RawCore, RawDurable, case_facts, trace_case
from bench.stats import Clock, Series, percentile
from comity.engine import CaseSession, replay_case
from comity.engine._facts import instant
from comity.events import (
    Event,
    EventLog,
    StoredEvent,
    canonical_json,
    encode_event,
    open_log,
)
from comity.rules.pack import RulePack, load_pack

__all__ = ["AS_OF", "Config", "Results", "run_all"]

#: Every replay runs its clock to here: after the last generated event, so that every
#: deadline still open at the end of a case is breached and reported.
AS_OF = dt.date(2035, 12, 31)


@dataclass(frozen=True)
class Config:
    name: str
    runs: int
    seed: int
    replay_events: int
    ingest_events: int
    batch_sizes: tuple[int, ...]
    small_batch_events: int  # events appended when the batch is small (fsync-bound)
    incremental_sizes: tuple[int, int]
    incremental_last: int  # events applied (and timed) after the session is built
    incremental_builds: tuple[int, int]  # session builds per size
    scale_sizes: tuple[int, ...]
    scale_runs: dict[int, int] = field(default_factory=dict)
    postgres: bool = True
    findings_events: int = 600  # the store the findings-store figures run on
    findings_runs: int = 1
    findings_samples: int = 10  # appends timed with a watcher running
    findings_memory_sizes: tuple[int, ...] = ()  # catch-up peak memory, fresh processes
    audit_records: int = 500  # the log checkpointed and verified against a checkpoint

    def runs_at(self, size: int) -> int:
        return self.scale_runs.get(size, 1)


FULL = Config(
    name="full",
    runs=5,
    seed=7,
    replay_events=20_000,
    ingest_events=50_000,
    batch_sizes=(1000, 10),
    small_batch_events=5_000,
    incremental_sizes=(100, 10_000),
    incremental_last=300,
    incremental_builds=(15, 1),
    scale_sizes=(10_000, 100_000, 1_000_000),
    scale_runs={10_000: 3, 100_000: 2, 1_000_000: 1},
    findings_events=1_000_000,
    findings_runs=1,
    findings_samples=200,
    findings_memory_sizes=(100_000, 1_000_000),
    audit_records=1_000_000,
)
QUICK = Config(
    name="quick",
    runs=3,
    seed=7,
    replay_events=3_000,
    ingest_events=10_000,
    batch_sizes=(1000, 10),
    small_batch_events=1_000,
    incremental_sizes=(100, 1_000),
    incremental_last=100,
    incremental_builds=(5, 1),
    scale_sizes=(2_000, 10_000),
    scale_runs={2_000: 1, 10_000: 1},
    findings_events=20_000,
    findings_runs=3,
    findings_samples=50,
    audit_records=50_000,
)
TINY = Config(
    name="tiny",
    runs=2,
    seed=7,
    replay_events=300,
    ingest_events=400,
    batch_sizes=(100,),
    small_batch_events=100,
    incremental_sizes=(40, 120),
    incremental_last=10,
    incremental_builds=(1, 1),
    scale_sizes=(300, 600),
    postgres=False,
)
CONFIGS = {c.name: c for c in (FULL, QUICK, TINY)}

Results = dict[str, Any]


def _rate(n: int, seconds: float) -> float:
    return n / seconds if seconds > 0 else float("inf")


def _cases(log: EventLog) -> dict[str, list[StoredEvent]]:
    return {case: list(log.read_case(case)) for case in log.case_ids()}


def _fill(log: EventLog, events: Sequence[Event], batch: int = 1000) -> None:
    for start in range(0, len(events), batch):
        log.append(events[start : start + batch])


def _quiet() -> None:
    """Start every timed section from the same state: no garbage left to collect."""
    gc.collect()


# -- 1. replay vs raw durable-rules ----------------------------------------------------


def replay_vs_durable(cfg: Config, pack: RulePack) -> Results:
    events = list(generate_log(cfg.replay_events, seed=cfg.seed))
    log = open_log("memory:")
    _fill(log, events)
    cases = _cases(log)
    n = sum(len(v) for v in cases.values())
    replay_case(next(iter(cases.values())), pack, as_of=AS_OF)  # compile, load calendars

    raw = RawDurable(pack)
    raw_core = RawCore(pack)
    # one durable session per case, as the engine has; the sid is reused once deleted
    facts = [("1", case_facts(evs, "1")) for evs in cases.values()]
    traces = [("1", trace_case(evs, pack, as_of=AS_OF, sid="1")) for evs in cases.values()]
    n_facts = sum(len(ops) for _, ops in facts)
    encoded = RawCore.encode(facts)
    n_ops = sum(len(ops) for _, ops in traces)

    engine_w, engine_c = Series(), Series()
    raw_w, raw_c = Series(), Series()
    trace_w, trace_c = Series(), Series()
    core_w, core_c = Series(), Series()
    ratio_w, ratio_c, trace_ratio_c, core_ratio_c = Series(), Series(), Series(), Series()
    findings = 0
    for _ in range(cfg.runs):
        _quiet()
        with Clock() as c_engine:
            findings = 0
            for case_id, evs in cases.items():
                findings += len(replay_case(evs, pack, as_of=AS_OF, case_id=case_id).findings)
        _quiet()
        with Clock() as c_raw:
            raw.run(facts)
        _quiet()
        with Clock() as c_trace:
            raw.run(traces)
        _quiet()
        with Clock() as c_core:
            raw_core.run(encoded)
        engine_w.add(_rate(n, c_engine.wall))
        engine_c.add(_rate(n, c_engine.cpu))
        raw_w.add(_rate(n, c_raw.wall))
        raw_c.add(_rate(n, c_raw.cpu))
        trace_w.add(_rate(n, c_trace.wall))
        trace_c.add(_rate(n, c_trace.cpu))
        ratio_w.add(c_raw.wall / c_engine.wall)
        ratio_c.add(c_raw.cpu / c_engine.cpu)
        trace_ratio_c.add(c_trace.cpu / c_engine.cpu)
        core_w.add(_rate(n, c_core.wall))
        core_c.add(_rate(n, c_core.cpu))
        core_ratio_c.add(c_core.cpu / c_engine.cpu)
    largest = max(len(v) for v in cases.values())
    return {
        "events": n,
        "cases": len(cases),
        "largest_case": largest,
        "findings": findings,
        "facts": n_facts,
        "engine_durable_ops": n_ops,
        "durable_rules": raw.rules,
        "replay_events_per_s": engine_w,
        "replay_events_per_s_cpu": engine_c,
        "raw_durable_events_per_s": raw_w,
        "raw_durable_events_per_s_cpu": raw_c,
        "raw_durable_trace_events_per_s": trace_w,
        "raw_durable_trace_events_per_s_cpu": trace_c,
        "replay_vs_raw_durable": ratio_w,
        "replay_vs_raw_durable_cpu": ratio_c,
        "replay_vs_raw_durable_trace_cpu": trace_ratio_c,
        "raw_durable_core_events_per_s": core_w,
        "raw_durable_core_events_per_s_cpu": core_c,
        "replay_vs_raw_durable_core_cpu": core_ratio_c,
    }


# -- 2. ingest vs eventsourcing --------------------------------------------------------


def _comity_ingest(path: Path, batches: Sequence[Sequence[Event]]) -> Clock:
    log = open_log(str(path))
    try:
        _quiet()
        with Clock() as clock:
            for batch in batches:
                log.append(batch)
    finally:
        log.close()
    return clock


def _eventsourcing_ingest(path: Path, batches: Sequence[Sequence[Event]]) -> Clock:
    from eventsourcing.persistence import JSONTranscoder
    from eventsourcing.persistence import StoredEvent as EsStoredEvent
    from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteDatastore

    # The event's state as eventsourcing itself serialises it: its JSONTranscoder
    # (the json module, compact, UTF-8) over the same dict comity's codec makes.
    transcode = JSONTranscoder().encode
    datastore = SQLiteDatastore(str(path), originator_id_type="text")
    recorder = SQLiteApplicationRecorder(datastore)
    recorder.create_table()
    versions: dict[str, int] = {}
    try:
        _quiet()
        with Clock() as clock:
            for batch in batches:
                stored = []
                for event in batch:
                    version = versions.get(event.case_id, 0) + 1
                    versions[event.case_id] = version
                    stored.append(
                        EsStoredEvent(
                            originator_id=event.case_id,
                            originator_version=version,
                            topic=f"comity.events.types:{type(event).__name__}",
                            state=transcode(encode_event(event)),
                        )
                    )
                recorder.insert_events(stored)
    finally:
        datastore.close()
    return clock


def _batches(events: Sequence[Event], size: int) -> list[Sequence[Event]]:
    return [events[i : i + size] for i in range(0, len(events), size)]


def ingest_vs_eventsourcing(cfg: Config, workdir: Path) -> Results:
    events = list(generate_log(cfg.ingest_events, seed=cfg.seed + 1))
    out: Results = {"events": len(events), "batch_sizes": list(cfg.batch_sizes), "by_batch": {}}
    for size in cfg.batch_sizes:
        chosen = events if size >= 100 else events[: cfg.small_batch_events]
        batches = _batches(chosen, size)
        comity_w, comity_c, es_w, es_c, ratio = Series(), Series(), Series(), Series(), Series()
        for run in range(cfg.runs):
            a = workdir / f"ingest-comity-{size}-{run}.db"
            b = workdir / f"ingest-es-{size}-{run}.db"
            # alternate who goes first, so that neither always gets the warmer disk cache
            if run % 2 == 0:
                c_comity = _comity_ingest(a, batches)
                c_es = _eventsourcing_ingest(b, batches)
            else:
                c_es = _eventsourcing_ingest(b, batches)
                c_comity = _comity_ingest(a, batches)
            comity_w.add(_rate(len(chosen), c_comity.wall))
            comity_c.add(_rate(len(chosen), c_comity.cpu))
            es_w.add(_rate(len(chosen), c_es.wall))
            es_c.add(_rate(len(chosen), c_es.cpu))
            ratio.add(c_es.wall / c_comity.wall)
            for p in (a, b):
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{p}{suffix}").unlink(missing_ok=True)
        out["by_batch"][str(size)] = {
            "events": len(chosen),
            "ingest_events_per_s": comity_w,
            "ingest_events_per_s_cpu": comity_c,
            "eventsourcing_events_per_s": es_w,
            "eventsourcing_events_per_s_cpu": es_c,
            "ingest_vs_eventsourcing": ratio,
        }
    head = out["by_batch"][str(cfg.batch_sizes[0])]
    out.update(
        {
            "headline_batch": cfg.batch_sizes[0],
            "ingest_events_per_s": head["ingest_events_per_s"],
            "eventsourcing_events_per_s": head["eventsourcing_events_per_s"],
            "ingest_vs_eventsourcing": head["ingest_vs_eventsourcing"],
        }
    )
    return out


# -- 3 and 4. read back, verify ------------------------------------------------------------


def read_and_verify(cfg: Config, workdir: Path) -> Results:
    events = list(generate_log(cfg.ingest_events, seed=cfg.seed + 2))
    path = workdir / "read.db"
    log = open_log(str(path))
    try:
        _fill(log, events)
        jsonl = workdir / "read.jsonl"
        with jsonl.open("w", encoding="utf-8") as fh:
            for stored in log.read():
                fh.write(canonical_json(stored.to_json()) + "\n")
        n = len(events)
        read_w, read_c, loads_w, loads_c = Series(), Series(), Series(), Series()
        ratio, ratio_c = Series(), Series()
        rows_w, verify_w, verify_c = Series(), Series(), Series()
        verify_vs_loads = Series()  # the machine's speed cancels out of this one
        for _ in range(cfg.runs):
            _quiet()
            with Clock() as c_read:
                count = sum(1 for _ in log.read())
            assert count == n
            _quiet()
            with Clock() as c_loads, jsonl.open("rb") as fh:
                count = sum(1 for line in fh if json.loads(line))
            assert count == n
            _quiet()
            with Clock() as c_rows:
                count = sum(1 for _ in log.raw_records())
            _quiet()
            with Clock() as c_verify:
                report = log.verify()  # what `comity verify` runs
            assert report.records == n
            read_w.add(_rate(n, c_read.wall))
            read_c.add(_rate(n, c_read.cpu))
            loads_w.add(_rate(n, c_loads.wall))
            loads_c.add(_rate(n, c_loads.cpu))
            ratio.add(c_loads.wall / c_read.wall)
            ratio_c.add(c_loads.cpu / c_read.cpu)
            rows_w.add(_rate(n, c_rows.wall))
            verify_w.add(_rate(n, c_verify.wall))
            verify_c.add(_rate(n, c_verify.cpu))
            verify_vs_loads.add(c_loads.cpu / c_verify.cpu)
    finally:
        log.close()
    return {
        "events": n,
        "read_events_per_s": read_w,
        "read_events_per_s_cpu": read_c,
        "json_loads_events_per_s": loads_w,
        "json_loads_events_per_s_cpu": loads_c,
        "read_vs_json_loads": ratio,
        "read_vs_json_loads_cpu": ratio_c,
        "raw_rows_events_per_s": rows_w,
        "verify_events_per_s": verify_w,
        "verify_events_per_s_cpu": verify_c,
        "verify_vs_json_loads_cpu": verify_vs_loads,
    }


# -- 5. incremental apply latency --------------------------------------------------------


def _latencies(
    pack: RulePack, ordered: Sequence[StoredEvent], last: int, builds: int
) -> tuple[list[float], list[float], float]:
    """Build a session on all but the last `last` events, then time each apply."""
    wall: list[float] = []
    cpu: list[float] = []
    build_s = 0.0
    case_id = ordered[0].case_id
    for _ in range(builds):
        _quiet()
        with Clock() as c_build:
            session = CaseSession(pack, case_id, ordered[:-last])
        build_s = c_build.wall
        try:
            for stored in ordered[-last:]:
                with Clock() as c:
                    session.apply(stored)
                wall.append(c.wall * 1000)
                cpu.append(c.cpu * 1000)
        finally:
            session.close()
    return wall, cpu, build_s


def _raw_latencies(pack: RulePack, ordered: Sequence[StoredEvent], last: int) -> list[float]:
    """The baseline: raw durable-rules asserting the same events' facts one event at a
    time, after the facts of all the earlier events (CPU ms per event)."""
    raw = RawDurable(pack, name="raw_incremental")
    split = len(ordered) - last
    early = case_facts(ordered[:split], "1")
    # the late events' facts, grouped per event, with ids that follow the early ones
    projected = case_facts(ordered, "1")[len(early) :]
    per_event = [
        [op for op in projected if op[1]["ev"] == stored.event_id] for stored in ordered[split:]
    ]
    raw.run_ops(early)
    cpu: list[float] = []
    for ops in per_event:
        with Clock() as c:
            raw.run_ops(ops)
        cpu.append(c.cpu * 1000)
    raw.end_case("1")
    return cpu


def incremental(cfg: Config, pack: RulePack) -> Results:
    out: Results = {"sizes": list(cfg.incremental_sizes), "last_events": cfg.incremental_last}
    for size, builds in zip(cfg.incremental_sizes, cfg.incremental_builds, strict=True):
        case_id = f"INC-{size}"
        log = open_log("memory:")
        log.append(generate_case(cfg.seed, case_id, size))
        stored = list(log.read_case(case_id))
        ordered = sorted(stored, key=lambda s: (instant(s.event.occurred_at), s.seq))
        last = min(cfg.incremental_last, len(ordered) // 2)
        wall, cpu, build_s = _latencies(pack, ordered, last, builds)
        raw_cpu = _raw_latencies(pack, ordered, last)
        out[str(size)] = {
            "events": len(ordered),
            "samples": len(wall),
            "build_s": round(build_s, 3),
            "p50_ms": round(percentile(wall, 50), 3),
            "p99_ms": round(percentile(wall, 99), 3),
            "max_ms": round(max(wall), 3),
            "p50_ms_cpu": round(percentile(cpu, 50), 3),
            "p99_ms_cpu": round(percentile(cpu, 99), 3),
            "raw_durable_p50_ms_cpu": round(percentile(raw_cpu, 50), 3),
            "raw_durable_p99_ms_cpu": round(percentile(raw_cpu, 99), 3),
        }
    small, large = (str(s) for s in cfg.incremental_sizes)
    out["p99_large_vs_small"] = round(out[large]["p99_ms"] / out[small]["p99_ms"], 2)
    out["p99_large_vs_small_cpu"] = round(out[large]["p99_ms_cpu"] / out[small]["p99_ms_cpu"], 2)
    return out


# -- 6. wall time and peak memory at scale (fresh processes) ------------------------------


def _child(*args: str) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(_root()), *sys.path])}
    done = subprocess.run(
        [sys.executable, "-m", "bench.scale", *args],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=_root(),
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _root() -> Path:
    return Path(__file__).resolve().parent.parent


def scale(cfg: Config, workdir: Path) -> Results:
    out: Results = {"sizes": list(cfg.scale_sizes), "by_size": {}}
    for size in cfg.scale_sizes:
        db = workdir / f"scale-{size}.db"
        made = _child("generate", str(size), str(db), str(cfg.seed + 3))
        wall, cpu, rss = Series(), Series(), Series()
        info: dict[str, Any] = {}
        for _ in range(cfg.runs_at(size)):
            info = _child("replay", str(db), AS_OF.isoformat())
            wall.add(info["wall_s"])
            cpu.add(info["cpu_s"])
            rss.add(info["peak_rss_mb"])
        out["by_size"][str(size)] = {
            "events": info["events"],
            "cases": info["cases"],
            "largest_case": info["largest_case"],
            "findings": info["findings"],
            "generate_and_ingest_s": made["wall_s"],
            "wall_s": wall,
            "cpu_s": cpu,
            "peak_rss_mb": rss,
            "rss_before_replay_mb": info["rss_before_mb"],
            "us_per_event": round(wall.median / info["events"] * 1e6, 1),
        }
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    sizes = [str(s) for s in cfg.scale_sizes]
    first, last = out["by_size"][sizes[0]], out["by_size"][sizes[-1]]
    if len(sizes) >= 2:
        prev = out["by_size"][sizes[-2]]
        out["peak_rss_largest_vs_previous"] = round(
            last["peak_rss_mb"].median / prev["peak_rss_mb"].median, 3
        )
        out["time_per_event_largest_vs_smallest"] = round(
            last["us_per_event"] / first["us_per_event"], 3
        )
    return out


# -- 7. PostgreSQL ingest vs SQLite ------------------------------------------------------

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/postgres"


def _with_db(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def postgres_vs_sqlite(cfg: Config, workdir: Path) -> Results:
    """Append the same batches to PostgresLog and to SQLite; skipped with a reason when
    the backend or the server is not there (COMITY_BENCH_PG names the server)."""
    if not cfg.postgres:
        return {"skipped": "not run at this size"}
    try:
        import psycopg

        from comity.events._postgres import PostgresLog  # noqa: F401
    except ImportError as exc:
        return {"skipped": f"no PostgreSQL backend here ({exc})"}
    admin = os.environ.get("COMITY_BENCH_PG") or DEFAULT_PG
    name = f"comity_bench_{secrets.token_hex(4)}"
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        return {"skipped": f"PostgreSQL server unreachable at {admin} ({exc})".strip()}
    events = list(generate_log(cfg.ingest_events, seed=cfg.seed + 4))
    batches = _batches(events, cfg.batch_sizes[0])
    pg_w, pg_c, lite_w, ratio = Series(), Series(), Series(), Series()
    server = ""
    try:
        for run in range(cfg.runs):
            url = _with_db(admin, name)
            with psycopg.connect(url, autocommit=True) as conn:
                schema = f"run{run}"
                conn.execute(f"CREATE SCHEMA {schema}")
                server = str(conn.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
            store = f"{url}?options=-csearch_path%3D{schema}"
            pg = open_log(store)
            try:
                _quiet()
                with Clock() as c_pg:
                    for batch in batches:
                        pg.append(batch)
            finally:
                pg.close()
            c_lite = _comity_ingest(workdir / f"pg-vs-sqlite-{run}.db", batches)
            pg_w.add(_rate(len(events), c_pg.wall))
            pg_c.add(_rate(len(events), c_pg.cpu))
            lite_w.add(_rate(len(events), c_lite.wall))
            ratio.add(c_lite.wall / c_pg.wall)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return {
        "events": len(events),
        "batch": cfg.batch_sizes[0],
        "server_version": server,
        "postgres_events_per_s": pg_w,
        "postgres_events_per_s_cpu": pg_c,
        "sqlite_events_per_s": lite_w,
        "postgres_vs_sqlite": ratio,
    }


# -- all of them ----------------------------------------------------------------------------


def run_all(cfg: Config, only: Sequence[str] = (), base: str | None = None) -> Results:
    pack = load_pack()
    figures: Results = {}
    wanted = set(only)

    def want(name: str) -> bool:
        return not wanted or name in wanted

    with tempfile.TemporaryDirectory(prefix="comity-bench-", dir=base) as d:
        work = Path(d)
        if want("replay"):
            figures["replay"] = replay_vs_durable(cfg, pack)
        if want("ingest"):
            figures["ingest"] = ingest_vs_eventsourcing(cfg, work)
        if want("read"):
            figures["read"] = read_and_verify(cfg, work)
        if want("incremental"):
            figures["incremental"] = incremental(cfg, pack)
        if want("scale"):
            figures["scale"] = scale(cfg, work)
        if want("postgres"):
            figures["postgres"] = postgres_vs_sqlite(cfg, work)
        if want("findings"):
            from bench.findings import findings_figures

            figures["findings"] = findings_figures(cfg, pack, work, _root(), _child)
        if want("audit"):
            from bench.audit import audit_figures

            figures["audit"] = audit_figures(cfg, work)
    return figures


def sqlite_version() -> str:
    return sqlite3.sqlite_version
