"""The figures: each one measured beside its baseline in the same run, several times.

Every figure repeats `cfg.runs` times; within a repetition the subject and its
baseline run one after the other, so a ratio compares two measurements taken under the
same machine load. Rates are events per second over wall time (what a user waits for)
and over this process's CPU time (steadier on a shared machine); both are reported.
"""

from __future__ import annotations

import datetime as dt
import gc
import importlib.util
import json
import os
import secrets
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bench.generate import MAX_CASE_EVENTS, generate_case, generate_log
from bench.rawdurable import (
    RawCore,
    RawDurable,
    case_facts,
    event_facts,
    trace_case,
    valid_time_order,
)
from bench.stats import Clock, Series, percentile
from comity.engine import CaseSession, replay_case
from comity.events import (
    Event,
    EventLog,
    StoredEvent,
    canonical_json,
    decode_event,
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
    incremental_sizes: tuple[int, int]  # events in the small and the large case
    incremental_appends: int  # events applied (and timed) after each build, either size
    incremental_builds: int  # session builds per size (the same for both)
    scale_sizes: tuple[int, ...]
    scale_runs: dict[int, int] = field(default_factory=dict)
    postgres: bool = True
    findings_events: int = 600  # the store the findings-store figures run on
    findings_runs: int = 1
    findings_samples: int = 10  # appends timed with a watcher running
    findings_memory_sizes: tuple[int, ...] = ()  # catch-up peak memory, fresh processes
    audit_records: int = 500  # the log checkpointed and verified against a checkpoint
    http_batch_sizes: tuple[int, ...] = (1, 100)  # appends over HTTP against the library
    http_batch_events: tuple[int, ...] = (50, 1_000)  # events appended per batch size
    http_samples: int = 50  # GETs of one case's findings timed per backend

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
    incremental_appends=50,
    incremental_builds=10,
    scale_sizes=(10_000, 100_000, 1_000_000),
    scale_runs={10_000: 3, 100_000: 2, 1_000_000: 1},
    findings_events=1_000_000,
    findings_runs=1,
    findings_samples=200,
    findings_memory_sizes=(100_000, 1_000_000),
    audit_records=1_000_000,
    http_batch_events=(2_000, 50_000),
    http_samples=1_000,
)
QUICK = Config(
    name="quick",
    runs=5,
    seed=7,
    replay_events=3_000,
    ingest_events=10_000,
    batch_sizes=(1000, 10),
    small_batch_events=1_000,
    incremental_sizes=(100, 10_000),
    incremental_appends=50,
    incremental_builds=4,
    scale_sizes=(2_000, 10_000),
    scale_runs={2_000: 1, 10_000: 1},
    findings_events=20_000,
    findings_runs=3,
    findings_samples=50,
    audit_records=50_000,
    http_batch_events=(200, 5_000),
    http_samples=200,
)
TINY = Config(
    name="tiny",
    runs=2,
    seed=7,
    replay_events=300,
    ingest_events=1_200,
    batch_sizes=(1000, 10),
    small_batch_events=100,
    incremental_sizes=(40, 120),
    incremental_appends=10,
    incremental_builds=1,
    scale_sizes=(300, 600),
    findings_events=1_000,
    audit_records=1_000,
    http_batch_events=(20, 400),
    http_samples=20,
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
    log = open_log(str(path), create=True)
    try:
        _quiet()
        with Clock() as clock:
            for batch in batches:
                log.append(batch)
    finally:
        log.close()
    return clock


def es_stored_events(
    batch: Sequence[Event], versions: dict[str, int], transcode: Callable[[Any], bytes]
) -> list[Any]:
    """eventsourcing's StoredEvents of `batch`, a case's events numbered on from
    `versions` (updated): the state as eventsourcing itself serialises it, its
    JSONTranscoder (`transcode`: the json module, compact, UTF-8) over the same dict
    comity's codec makes."""
    from eventsourcing.persistence import StoredEvent as EsStoredEvent

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
    return stored


def _eventsourcing_ingest(path: Path, batches: Sequence[Sequence[Event]]) -> Clock:
    from eventsourcing.persistence import JSONTranscoder
    from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteDatastore

    transcode = JSONTranscoder().encode
    datastore = SQLiteDatastore(str(path), originator_id_type="text")
    recorder = SQLiteApplicationRecorder(datastore)
    recorder.create_table()
    versions: dict[str, int] = {}
    try:
        _quiet()
        with Clock() as clock:
            for batch in batches:
                recorder.insert_events(es_stored_events(batch, versions, transcode))
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


def _eventsourcing_read(path: Path, page: int = 1000) -> int:
    """eventsourcing's own read of everything its application recorder holds: its
    notifications (the one total order), page by page as its notification log and
    its processing read them, each state decoded by its JSONTranscoder and turned into
    the same `Event` by comity's codec (both sides pay the codec, as in ingest)."""
    from eventsourcing.persistence import JSONTranscoder
    from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteDatastore

    decode = JSONTranscoder().decode
    datastore = SQLiteDatastore(str(path), originator_id_type="text")
    recorder = SQLiteApplicationRecorder(datastore)
    count = 0
    try:
        start: int | None = None
        while True:
            notes = recorder.select_notifications(start, page, inclusive_of_start=False)
            for note in notes:
                if decode_event(decode(note.state)) is not None:
                    count += 1
            if len(notes) < page:
                break
            start = notes[-1].id
    finally:
        datastore.close()
    return count


def _sqlite_rows(path: Path) -> int:
    """SQLite returning the rows `verify` checks, and nothing done with them: every
    column of the log's `events` table in position order, from a plain connection."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return sum(1 for _ in conn.execute("SELECT * FROM events ORDER BY position"))
    finally:
        conn.close()


def read_and_verify(cfg: Config, workdir: Path) -> Results:
    """Read back against json.loads and against eventsourcing's own read; verify
    against SQLite returning the same rows. All in the same repetitions."""
    events = list(generate_log(cfg.ingest_events, seed=cfg.seed + 2))
    path = workdir / "read.db"
    log = open_log(str(path), create=True)
    es_path = workdir / "read-es.db"
    has_es = importlib.util.find_spec("eventsourcing") is not None
    if has_es:
        _eventsourcing_ingest(es_path, _batches(events, 1000))
    try:
        _fill(log, events)
        jsonl = workdir / "read.jsonl"
        with jsonl.open("w", encoding="utf-8") as fh:
            for stored in log.read():
                fh.write(canonical_json(stored.to_json()) + "\n")
        n = len(events)
        read_w, read_c, loads_w, loads_c = Series(), Series(), Series(), Series()
        ratio, ratio_c = Series(), Series()
        es_w, es_c, es_ratio, es_ratio_c = Series(), Series(), Series(), Series()
        rows_w, verify_w, verify_c = Series(), Series(), Series()
        sql_w, sql_c, verify_vs_sql, verify_vs_sql_c = Series(), Series(), Series(), Series()
        verify_vs_loads = Series()  # the machine's speed cancels out of this one
        for run in range(cfg.runs):
            _quiet()
            with Clock() as c_read:
                count = sum(1 for _ in log.read())
            assert count == n
            _quiet()
            with Clock() as c_loads, jsonl.open("rb") as fh:
                count = sum(1 for line in fh if json.loads(line))
            assert count == n
            if has_es:
                _quiet()
                with Clock() as c_es:
                    count = _eventsourcing_read(es_path)
                assert count == n, count
                es_w.add(_rate(n, c_es.wall))
                es_c.add(_rate(n, c_es.cpu))
                es_ratio.add(c_es.wall / c_read.wall)
                es_ratio_c.add(c_es.cpu / c_read.cpu)
            _quiet()
            with Clock() as c_rows:
                count = sum(1 for _ in log.raw_records())
            # verify and SQLite's own read of the same rows, back to back, alternating
            # who goes first (the second finds the pages the first brought in)
            pair: list[tuple[str, Clock]] = []
            for which in ("verify", "sqlite") if run % 2 == 0 else ("sqlite", "verify"):
                _quiet()
                with Clock() as clock:
                    if which == "verify":
                        report = log.verify()  # what `comity verify` runs
                        assert report.records == n
                    else:
                        assert _sqlite_rows(path) == n
                pair.append((which, clock))
            c_verify = next(c for w, c in pair if w == "verify")
            c_sql = next(c for w, c in pair if w == "sqlite")
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
            sql_w.add(_rate(n, c_sql.wall))
            sql_c.add(_rate(n, c_sql.cpu))
            verify_vs_sql.add(c_sql.wall / c_verify.wall)
            verify_vs_sql_c.add(c_sql.cpu / c_verify.cpu)
    finally:
        log.close()
    out: Results = {
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
        "sqlite_read_events_per_s": sql_w,
        "sqlite_read_events_per_s_cpu": sql_c,
        "verify_vs_sqlite_read": verify_vs_sql,
        "verify_vs_sqlite_read_cpu": verify_vs_sql_c,
    }
    if has_es:
        out.update(
            {
                "eventsourcing_read_events_per_s": es_w,
                "eventsourcing_read_events_per_s_cpu": es_c,
                "read_vs_eventsourcing": es_ratio,
                "read_vs_eventsourcing_cpu": es_ratio_c,
            }
        )
    else:
        out["eventsourcing_read"] = "skipped: eventsourcing is not installed (the bench extra)"
    return out


# -- 5. incremental apply latency --------------------------------------------------------


def _split(cfg: Config, size: int) -> tuple[list[StoredEvent], list[StoredEvent]]:
    """A generated case in valid-time order, cut in two: about `size` events to build a
    session on, then the `cfg.incremental_appends` events to apply. The case is made
    with the appends on top of `size`, up to the generator's largest case
    (MAX_CASE_EVENTS: the 10,000-event case builds on 10,000 less the appends)."""
    case_id = f"INC-{size}"
    k = cfg.incremental_appends
    log = open_log("memory:")
    log.append(generate_case(cfg.seed, case_id, min(size + k, MAX_CASE_EVENTS)))
    ordered = valid_time_order(log.read_case(case_id))
    if len(ordered) < 2 * k:
        raise ValueError(f"a case of {len(ordered)} events cannot take {k} appends")
    return ordered[:-k], ordered[-k:]


def _latencies(
    pack: RulePack, base: Sequence[StoredEvent], appends: Sequence[StoredEvent], builds: int
) -> tuple[list[float], list[float], float]:
    """`builds` times: a session built on `base`, then each append applied and timed."""
    wall: list[float] = []
    cpu: list[float] = []
    build_s = 0.0
    case_id = base[0].case_id
    for _ in range(builds):
        _quiet()
        with Clock() as c_build:
            session = CaseSession(pack, case_id, base)
        build_s = c_build.wall
        try:
            for stored in appends:
                with Clock() as c:
                    session.apply(stored)
                wall.append(c.wall * 1000)
                cpu.append(c.cpu * 1000)
        finally:
            session.close()
    return wall, cpu, build_s


def _raw_latencies(
    pack: RulePack, base: Sequence[StoredEvent], appends: Sequence[StoredEvent]
) -> list[float]:
    """The baseline: raw durable-rules asserting the same appends' facts one event at a
    time, after the facts of the base events (CPU ms per event)."""
    raw = RawDurable(pack, name="raw_incremental")
    per_event = event_facts([*base, *appends], "1")
    early = [op for ops in per_event[: len(base)] for op in ops]
    raw.run_ops(early)
    cpu: list[float] = []
    for ops in per_event[len(base) :]:
        with Clock() as c:
            raw.run_ops(ops)
        cpu.append(c.cpu * 1000)
    raw.end_case("1")
    return cpu


def incremental(cfg: Config, pack: RulePack) -> Results:
    """The same number of appends, each timed the same way, on a small and a large case.

    Each case is generated with `incremental_appends` events more than its size; a
    `CaseSession` is built on its first `size` events in valid-time order (none of the
    appends is late, so none rebuilds), then each append is applied and timed; that
    `incremental_builds` times, the same for both sizes.
    """
    out: Results = {
        "sizes": list(cfg.incremental_sizes),
        "appends": cfg.incremental_appends,
        "builds": cfg.incremental_builds,
    }
    for size in cfg.incremental_sizes:
        base, appends = _split(cfg, size)
        wall, cpu, build_s = _latencies(pack, base, appends, cfg.incremental_builds)
        raw_cpu = _raw_latencies(pack, base, appends)
        out[str(size)] = {
            "events": len(base),
            "appends": len(appends),
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
    out["p99_large_vs_small"] = round(out[large]["p99_ms"] / out[small]["p99_ms"], 3)
    out["p99_large_vs_small_cpu"] = round(out[large]["p99_ms_cpu"] / out[small]["p99_ms_cpu"], 3)
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

        from comity.events.store._postgres import PostgresLog  # noqa: F401
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
            pg = open_log(store, create=True)
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
    """Every figure (or those in `only`); `figures["seconds"]` is what each one took."""
    pack = load_pack()
    figures: Results = {}
    seconds: dict[str, float] = {}
    wanted = set(only)

    def want(name: str) -> bool:
        return not wanted or name in wanted

    def run(name: str, make: Any) -> None:
        if want(name):
            started = time.perf_counter()
            figures[name] = make()
            seconds[name] = round(time.perf_counter() - started, 1)

    with tempfile.TemporaryDirectory(prefix="comity-bench-", dir=base) as d:
        work = Path(d)
        run("replay", lambda: replay_vs_durable(cfg, pack))
        run("ingest", lambda: ingest_vs_eventsourcing(cfg, work))
        run("read", lambda: read_and_verify(cfg, work))
        run("incremental", lambda: incremental(cfg, pack))
        run("scale", lambda: scale(cfg, work))
        run("postgres", lambda: postgres_vs_sqlite(cfg, work))
        if want("findings"):
            from bench.findings import findings_figures

            run("findings", lambda: findings_figures(cfg, pack, work, _root(), _child))
        if want("audit"):
            from bench.audit import audit_figures

            run("audit", lambda: audit_figures(cfg, work))
        if want("http"):
            from bench.service import http_figures

            built = work / "findings.db" if "findings" in figures else None
            run("http", lambda: http_figures(cfg, pack, work, _root(), built))
    figures["seconds"] = seconds
    return figures


def sqlite_version() -> str:
    return sqlite3.sqlite_version
