"""Figures of the HTTP service (issue 12): `comity serve` as a case system calls it.

- appends per second over HTTP (`POST /v1/events`, batches of 1 and of 100, one
  client on a kept-alive connection, each request answered before the next is sent)
  against the same batches appended through the library in this process
  (`open_log(path).append(batch)`); both into SQLite files of their own, fsynced;
- p50 and p99 latency of `GET /v1/cases/{id}/findings` (each read recorded in the
  disclosure record, as every read is) on a store whose findings store is built, on
  SQLite and on PostgreSQL.

The server is the real command (`python -m comity.cli --store URL serve`) in a
subprocess on 127.0.0.1, with two worker threads (the client sends one request at a
time; each thread holds up to five PostgreSQL connections of a shared server) and its
watcher off (`--no-watch`): the append figure
compares storing with storing, and the read figure reads a findings store built
before the server starts, so that no catch-up runs beside the timed requests. Request
bodies are encoded before the clock starts, as the library's events are built before
its clock starts: a client in another language has its JSON already.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import orjson

from bench.generate import generate_log
from bench.stats import Clock, Series, percentile
from comity.events import Event, EventLog, encode_event, open_log
from comity.findings import Watcher
from comity.rules.pack import RulePack

__all__ = ["http_figures"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class _Server:
    """`comity --store URL serve --no-watch` on a free port of 127.0.0.1."""

    def __init__(self, url: str, root: Path, log_path: Path) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), *sys.path])}
        with log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "comity.cli",
                    "--store",
                    url,
                    "serve",
                    "--port",
                    str(self.port),
                    "--no-watch",
                    "--threads",
                    "2",  # one client, one request at a time; and few PostgreSQL connections
                    "--log-level",
                    "warning",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=root,
            )

    def wait_ready(self, client: Any, timeout: float = 60.0) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"comity serve exited: {self.log_path.read_text()[-2000:]}")
            try:
                if client.get(self.base + "/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"comity serve did not answer: {self.log_path.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _token(url: str, name: str, roles: Sequence[str]) -> str:
    """A bearer token for the bench, made as `comity token add` makes one."""
    from comity.service.tokens import open_tokens

    tokens = open_tokens(url)
    try:
        return tokens.add(name, roles)
    finally:
        tokens.close()


def _body(batch: Sequence[Event]) -> bytes:
    return orjson.dumps([encode_event(e) for e in batch])


def _appends(cfg: Any, work: Path, root: Path) -> dict[str, Any]:
    import httpx

    http_db = work / "http-appends.db"
    lib_db = work / "http-library.db"
    open_log(str(http_db), create=True).close()
    url = f"sqlite:///{http_db}"
    token = _token(url, "bench-writer", ("writer",))
    server = _Server(url, root, work / "http-appends-serve.log")
    library = open_log(str(lib_db), create=True)
    out: dict[str, Any] = {}
    try:
        with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
            server.wait_ready(client)
            headers = {"Content-Type": "application/json"}
            for size, n in zip(cfg.http_batch_sizes, cfg.http_batch_events, strict=True):
                http_w, lib_w, ratio = Series(), Series(), Series()
                http_c = Series()
                for run in range(cfg.runs):
                    # fresh cases each run (the case ids carry the seed): nothing is a no-op
                    seed = cfg.seed + 20 + run * 7 + size
                    events = list(generate_log(n, seed=seed))
                    batches = [events[i : i + size] for i in range(0, len(events), size)]
                    bodies = [_body(b) for b in batches]

                    def over_http(bodies: list[bytes] = bodies) -> Clock:
                        with Clock() as c:
                            for body in bodies:
                                r = client.post(
                                    server.base + "/v1/events", content=body, headers=headers
                                )
                                if r.status_code != 201:
                                    raise RuntimeError(f"POST /v1/events: {r.status_code} {r.text}")
                        return c

                    def in_process(batches: list[list[Event]] = batches) -> Clock:
                        with Clock() as c:
                            for batch in batches:
                                library.append(batch)
                        return c

                    if run % 2 == 0:
                        c_http, c_lib = over_http(), in_process()
                    else:
                        c_lib, c_http = in_process(), over_http()
                    http_w.add(len(events) / c_http.wall)
                    http_c.add(len(events) / c_http.cpu if c_http.cpu else float("nan"))
                    lib_w.add(len(events) / c_lib.wall)
                    ratio.add(c_lib.wall / c_http.wall)
                out[str(size)] = {
                    "events": n,
                    "requests": -(-n // size),
                    "http_events_per_s": http_w,
                    "http_client_cpu_events_per_s": http_c,
                    "library_events_per_s": lib_w,
                    "http_vs_library": ratio,
                }
    finally:
        server.stop()
        library.close()
    return out


def _read_latency(
    url: str, log: EventLog, samples: int, work: Path, root: Path, label: str
) -> dict[str, Any]:
    """`samples` GETs of one case's findings each, cases drawn at random (seeded)."""
    import httpx

    cases = list(log.case_ids())
    events = log.head().position
    token = _token(url, f"bench-reader-{secrets.token_hex(3)}", ("reader",))
    server = _Server(url, root, work / f"http-read-{label}-serve.log")
    rng = random.Random(f"http-read:{len(cases)}")
    chosen = [rng.choice(cases) for _ in range(samples)]
    waits: list[float] = []
    try:
        with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
            server.wait_ready(client)
            for case in [*chosen[:5], *chosen]:  # five untimed first: connections, caches
                start = time.perf_counter()
                r = client.get(f"{server.base}/v1/cases/{case}/findings")
                took = (time.perf_counter() - start) * 1000
                if r.status_code != 200:
                    raise RuntimeError(f"GET findings of {case}: {r.status_code} {r.text[:300]}")
                waits.append(took)
    finally:
        server.stop()
    waits = waits[5:]
    return {
        "events": events,
        "cases": len(cases),
        "samples": len(waits),
        "p50_ms": round(percentile(waits, 50), 2),
        "p99_ms": round(percentile(waits, 99), 2),
        "max_ms": round(max(waits), 2),
    }


def _fill(log: EventLog, n: int, seed: int) -> None:
    batch: list[Event] = []
    for event in generate_log(n, seed=seed):
        batch.append(event)
        if len(batch) == 1000:
            log.append(batch)
            batch = []
    if batch:
        log.append(batch)


def _built_store(url: str, cfg: Any, pack: RulePack) -> EventLog:
    """The findings figure's log (same size and seed), its findings store built with the
    clock in the middle of its valid times."""
    from bench.findings import _middle_instant

    log = open_log(url, create=True)
    _fill(log, cfg.findings_events, cfg.seed + 5)
    as_of: dt.datetime = _middle_instant(log)
    Watcher(log, pack, clock=lambda: as_of).run(once=True)
    return log


def _pg_database() -> tuple[str, str] | str:
    try:
        import psycopg
    except ImportError as exc:
        return f"no PostgreSQL driver here ({exc})"
    admin = os.environ.get("COMITY_BENCH_PG") or "postgresql://postgres@127.0.0.1:5432/postgres"
    name = f"comity_bench_h{secrets.token_hex(4)}"
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        return f"PostgreSQL server unreachable at {admin} ({exc})".strip()
    return admin, urlunsplit(urlsplit(admin)._replace(path=f"/{name}"))


def _drop_pg(admin: str, url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def http_figures(
    cfg: Any, pack: RulePack, work: Path, root: Path, findings_db: Path | None
) -> dict[str, Any]:
    """Every HTTP figure; `findings_db` is the findings figure's store when it ran (its
    findings store built), else one is built here the same way."""
    try:
        import httpx  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        return {"skipped": f"the serve extra is not installed ({exc})"}
    out: dict[str, Any] = {"appends": _appends(cfg, work, root)}

    if findings_db is not None and findings_db.exists():
        url = f"sqlite:///{findings_db}"
        log = open_log(url, create=False)
    else:
        url = f"sqlite:///{work / 'http-findings.db'}"
        log = _built_store(url, cfg, pack)
    try:
        out["findings_sqlite"] = _read_latency(url, log, cfg.http_samples, work, root, "sqlite")
    finally:
        log.close()

    if not cfg.postgres:
        out["findings_postgres"] = {"skipped": "not run at this size"}
        return out
    pg = _pg_database()
    if isinstance(pg, str):
        out["findings_postgres"] = {"skipped": pg}
        return out
    admin, pg_url = pg
    try:
        log = _built_store(pg_url, cfg, pack)
        try:
            out["findings_postgres"] = _read_latency(
                pg_url, log, cfg.http_samples, work, root, "postgres"
            )
        finally:
            log.close()
    finally:
        _drop_pg(admin, pg_url)
    return out
