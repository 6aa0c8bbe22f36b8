"""Figures of the findings store (the read model) and its watchers.

- `explain` of a finding in the last case, against `replay --case` of that case alone
  (both through the command line, in this process);
- `deadlines --within 14` across the store (answered from the store), against a
  replay of one case of about 100 events;
- catch-up rate (a fresh findings store built from the log) against a full replay's
  rate (`replay --format json`'s work: replay every case and write its JSON);
- append-to-finding-visible latency with a watcher running in another process, p50
  and p99, on SQLite and PostgreSQL;
- peak memory of a catch-up (fresh processes) at the two largest sizes, full mode only.

The watcher's clock is fixed at an instant in the middle of the generated log's valid
times, so that deadlines are running there and `deadlines --within 14` lists some.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from bench.generate import generate_log
from bench.stats import Clock, Series, percentile
from comity.cli import cli
from comity.engine import replay_log
from comity.events import AssetLocated, CaseOpened, Event, EventLog, open_log
from comity.findings import FindingsStore, Watcher, archive_pack
from comity.rules.pack import RulePack

__all__ = ["findings_figures"]

#: The read model's tables: dropped between catch-ups. The rule pack archive
#: (findings_packs, findings_blobs) is kept, as it is in use: a pack is archived once.
_TABLES = (
    "findings_meta",
    "findings_generations",
    "findings_cases",
    "findings_current",
    "findings_jurisdictions",
    "findings_deadlines",
    "findings_history",
    "findings_claims",
    "findings_live",
    "findings_watchers",
    "findings_steps",
    "findings_parts",
)


def _drop(path: Path) -> None:
    conn = sqlite3.connect(path)
    try:
        for table in _TABLES:
            conn.execute(f"DROP TABLE IF EXISTS {table}")
        conn.commit()
    finally:
        conn.close()


def _middle_instant(log: EventLog) -> dt.datetime:
    """The median valid time of the log, as an instant to the second."""
    days = sorted(s.event.occurred_at.isoformat()[:10] for s in log.read())
    day = dt.date.fromisoformat(days[len(days) // 2])
    return dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)


def _cli(path: Path, *args: str) -> float:
    runner = CliRunner()
    with Clock() as c:
        result = runner.invoke(cli, ["--store", str(path), *args], catch_exceptions=False)
    if result.exit_code != 0:
        raise RuntimeError(f"comity {' '.join(args)}: exit {result.exit_code}: {result.output}")
    return c.wall


def _fill(log: EventLog, n: int, seed: int) -> None:
    batch: list[Any] = []
    for event in generate_log(n, seed=seed):
        batch.append(event)
        if len(batch) == 1000:
            log.append(batch)
            batch = []
    if batch:
        log.append(batch)


def _replay_all(log: EventLog, pack: RulePack, as_of: dt.datetime) -> int:
    n = 0
    for result in replay_log(log, pack, as_of=as_of):
        n += len(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
    return n


def _latency(url: str, samples: int, root: Path) -> dict[str, Any]:
    """Start `comity watch` on `url`, append small cases, time until each one's findings
    are visible through `FindingsStore`."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), *sys.path])}
    log = open_log(url, create=True)
    log.append(
        [
            CaseOpened(
                event_id="lat-0-e1",
                case_id="LAT-0",
                occurred_at=dt.date(2026, 1, 5),
                lead_jurisdiction="PA",
                offences=("money_laundering",),
            )
        ]
    )
    watcher = subprocess.Popen(
        [sys.executable, "-m", "comity.cli", "--store", url, "watch", "--interval", "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd=root,
    )
    waits: list[float] = []
    try:
        store: FindingsStore | None = None
        deadline = time.monotonic() + 120
        while store is None or store.cut() is None:
            if time.monotonic() > deadline:
                raise RuntimeError("the watcher did not catch up within 120 s")
            time.sleep(0.05)
            if store is None:
                try:
                    store = FindingsStore.of(log, create=False)
                except Exception:
                    store = None
        for n in range(1, samples + 1):
            case = f"LAT-{n}"
            events: list[Event] = [
                CaseOpened(
                    event_id=f"lat-{n}-e1",
                    case_id=case,
                    occurred_at=dt.date(2026, 1, 5),
                    lead_jurisdiction="PA",
                    offences=("money_laundering",),
                ),
                AssetLocated(
                    event_id=f"lat-{n}-e2",
                    case_id=case,
                    occurred_at=dt.date(2026, 1, 6),
                    asset_id="A1",
                    asset_type="bank_account",
                    jurisdiction="CH",
                ),
            ]
            log.append(events)
            start = time.perf_counter()
            while True:
                _, found = store.findings(cases=[case])
                if found:
                    break
                time.sleep(0.001)
            waits.append((time.perf_counter() - start) * 1000)
        store.close()
    finally:
        watcher.send_signal(signal.SIGTERM)
        try:
            watcher.wait(timeout=30)
        except subprocess.TimeoutExpired:
            watcher.kill()
            watcher.wait()
        log.close()
    return {
        "samples": len(waits),
        "p50_ms": round(percentile(waits, 50), 2),
        "p99_ms": round(percentile(waits, 99), 2),
        "max_ms": round(max(waits), 2),
    }


def _pg_url() -> tuple[str, str] | str:
    """(admin URL, a fresh database's URL), or why PostgreSQL is skipped."""
    try:
        import psycopg
    except ImportError as exc:
        return f"no PostgreSQL driver here ({exc})"
    admin = os.environ.get("COMITY_BENCH_PG") or "postgresql://postgres@127.0.0.1:5432/postgres"
    name = f"comity_bench_f{secrets.token_hex(4)}"
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        return f"PostgreSQL server unreachable at {admin} ({exc})".strip()
    from urllib.parse import urlsplit, urlunsplit

    return admin, urlunsplit(urlsplit(admin)._replace(path=f"/{name}"))


def _drop_pg(admin: str, url: str) -> None:
    from urllib.parse import urlsplit

    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def findings_figures(
    cfg: Any, pack: RulePack, work: Path, root: Path, child: Any
) -> dict[str, Any]:
    n = cfg.findings_events
    runs = cfg.findings_runs
    path = work / "findings.db"
    log = open_log(str(path), create=True)
    _fill(log, n, cfg.seed + 5)
    as_of = _middle_instant(log)
    cases = list(log.case_ids())
    sizes = {c: log.last_seq(c) for c in cases}
    last_case = cases[-1]
    hundred = min(cases, key=lambda c: (abs(sizes[c] - 100), c))
    known_at = "2200-12-31T23:59:59Z"  # every event: the last instant comity supports
    as_of_text = as_of.strftime("%Y-%m-%dT%H:%M:%SZ")

    replay_w, replay_c, catch_w, catch_c, ratio_w, ratio_c = (Series() for _ in range(6))
    with FindingsStore.of(log) as store:
        archive_pack(store, pack, ())  # once per pack and store, not per catch-up
    for _ in range(runs):
        with Clock() as c_replay:
            _replay_all(log, pack, as_of)
        _drop(path)
        with Clock() as c_catch:
            Watcher(log, pack, clock=lambda: as_of).run(once=True)
        replay_w.add(n / c_replay.wall)
        replay_c.add(n / c_replay.cpu)
        catch_w.add(n / c_catch.wall)
        catch_c.add(n / c_catch.cpu)
        ratio_w.add(c_replay.wall / c_catch.wall)
        ratio_c.add(c_replay.cpu / c_catch.cpu)

    with FindingsStore.of(log) as store:
        _, found = store.findings(cases=[last_case])
        _, running = store.open_deadlines()
    finding = found[-1].finding_id if found else None
    times = ("--as-of", as_of_text, "--known-at", known_at)
    explain_s, case_s, explain_ratio = Series(), Series(), Series()
    deadlines_s, hundred_s, deadlines_ratio = Series(), Series(), Series()
    # One untimed call of each command first: the first `explain` in a process pays
    # for importing and opening the findings store (seconds under load), which a full
    # run (one timed run) would otherwise charge to the ratio.
    if finding is not None:
        _cli(path, "explain", finding, *times)
        _cli(path, "replay", "--case", last_case, *times)
    _cli(path, "deadlines", "--within", "14", *times)
    _cli(path, "replay", "--case", hundred, *times)
    for _ in range(runs):
        if finding is not None:
            e = _cli(path, "explain", finding, *times)
            r = _cli(path, "replay", "--case", last_case, *times)
            explain_s.add(e)
            case_s.add(r)
            explain_ratio.add(e / r)
        d = _cli(path, "deadlines", "--within", "14", *times)
        h = _cli(path, "replay", "--case", hundred, *times)
        deadlines_s.add(d)
        hundred_s.add(h)
        deadlines_ratio.add(d / h)
    log.close()

    out: dict[str, Any] = {
        "events": n,
        "cases": len(cases),
        "as_of": as_of_text,
        "open_deadlines": len(running),
        "last_case": last_case,
        "last_case_events": sizes[last_case],
        "hundred_case": hundred,
        "hundred_case_events": sizes[hundred],
        "full_replay_events_per_s": replay_w,
        "full_replay_events_per_s_cpu": replay_c,
        "catch_up_events_per_s": catch_w,
        "catch_up_events_per_s_cpu": catch_c,
        "catch_up_vs_full_replay": ratio_w,
        "catch_up_vs_full_replay_cpu": ratio_c,
        "explain_s": explain_s,
        "replay_case_s": case_s,
        "explain_vs_replay_case": explain_ratio,
        "deadlines_within_14_s": deadlines_s,
        "replay_100_event_case_s": hundred_s,
        "deadlines_vs_replay_100_event_case": deadlines_ratio,
    }
    out["latency_sqlite"] = _latency(f"sqlite:///{work / 'latency.db'}", cfg.findings_samples, root)
    if not cfg.postgres:
        out["latency_postgres"] = {"skipped": "not run at this size"}
    else:
        pg = _pg_url()
        if isinstance(pg, str):
            out["latency_postgres"] = {"skipped": pg}
        else:
            admin, url = pg
            try:
                out["latency_postgres"] = _latency(url, cfg.findings_samples, root)
            finally:
                _drop_pg(admin, url)
    if cfg.findings_memory_sizes:
        rss: dict[str, float] = {}
        for size in cfg.findings_memory_sizes:
            db = work / f"catchup-{size}.db"
            child("generate", str(size), str(db), str(cfg.seed + 3))
            rss[str(size)] = child("catchup", str(db))["peak_rss_mb"]
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
        small, large = (str(s) for s in cfg.findings_memory_sizes)
        out["catch_up_peak_rss_mb"] = rss
        out["catch_up_peak_rss_large_vs_small"] = round(rss[large] / rss[small], 3)
    return out
