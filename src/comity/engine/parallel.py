"""Replaying many cases across worker processes, with output identical to one process.

Cases are independent (no rule joins facts of two cases), so a log's cases are partitioned over N
worker processes: the parent lists the case ids in order and hands them out in
contiguous chunks; each worker (started with `spawn`, so no state, lock or connection
is inherited) opens its own connection to the store and loads the rule pack once, and
replays the chunks it is given. The parent yields the results in case-id order, chunk
by chunk, as `replay_log` does, so what a caller prints is the same byte for byte
whatever the number of workers.

The replay covers the log as it was when it started: the parent notes the head position
first, and workers ignore any record appended after it, so a log that grows during the
replay gives the same results as a single process that read it at that moment.

At most `2 * workers` chunks are in flight, so memory stays flat however many cases
the log holds.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import multiprocessing
import signal
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import attrs

from comity.engine.findings import CaseResult
from comity.engine.replay import replay_case_isolated
from comity.errors import ComityError, EngineError, InvalidArgument, StoreError
from comity.events import arguments
from comity.events.store import open_log
from comity.events.store.log import EventLog
from comity.events.store.url import parse_store_url
from comity.rules.pack import RulePack, load_pack

__all__ = ["replay_log_parallel"]

#: Cases per task once the log is big enough to keep every worker busy.
CHUNK_CASES = 16


@attrs.frozen(kw_only=True)
class _Job:
    as_of: dt.date | dt.datetime
    known_at: dt.datetime | None
    bound: int


# -- the worker side -----------------------------------------------------------------

_WORKER: dict[str, Any] = {}


def _worker_start(store_url: str, pack_dirs: tuple[str, ...], digest: str) -> None:
    """Each worker's initializer: its own store connection and its own rule pack.

    Workers ignore SIGINT: Ctrl-C reaches the whole process group, and the parent,
    which alone reports it, shuts the workers down (otherwise each would print a
    KeyboardInterrupt traceback of its own)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        pack = load_pack(*pack_dirs)
        if pack.digest != digest:
            raise EngineError(
                f"the rule pack changed while the replay started (digest {pack.digest} in a "
                f"worker, {digest} in the parent); run the replay again"
            )
        _WORKER["pack"] = pack
        _WORKER["log"] = open_log(store_url, create=False)
    except ComityError as exc:
        _WORKER["failure"] = exc  # raised for every chunk: the parent raises the first


def _replay_cases(
    log: EventLog, pack: RulePack, case_ids: Sequence[str], job: _Job
) -> list[CaseResult]:
    results = []
    for case_id in case_ids:
        events = [
            s for s in log.read_case(case_id, known_at=job.known_at) if s.position <= job.bound
        ]
        if events:
            results.append(replay_case_isolated(events, pack, as_of=job.as_of, case_id=case_id))
    return results


def _worker_chunk(case_ids: list[str], job: _Job) -> list[CaseResult]:
    """A chunk's results. A comity error (the store's, or the worker's start-up failure)
    is raised: the executor pickles it back, and every comity error unpickles equal,
    fields and message, so the parent raises what a single process would have."""
    failure: ComityError | None = _WORKER.get("failure")
    if failure is not None:
        raise failure
    return _replay_cases(_WORKER["log"], _WORKER["pack"], case_ids, job)


# -- the parent side -----------------------------------------------------------------


def _chunks(ids: Iterator[str], workers: int) -> Iterator[list[str]]:
    """Contiguous chunks of case ids: small enough that a small log still uses every
    worker, CHUNK_CASES once there are plenty."""
    first = list(itertools.islice(ids, workers * CHUNK_CASES))
    size = min(CHUNK_CASES, max(1, math.ceil(len(first) / workers)))
    rest = itertools.chain(first, ids)
    while chunk := list(itertools.islice(rest, size)):
        yield chunk


def replay_log_parallel(
    store_url: str,
    pack_dirs: Sequence[str] = (),
    *,
    as_of: dt.date | dt.datetime,
    known_at: dt.datetime | None = None,
    cases: Sequence[str] | None = None,
    workers: int = 1,
    log: EventLog | None = None,
    pack: RulePack | None = None,
) -> Iterator[CaseResult]:
    """Replay every case (or `cases`) of the store at `store_url` in `workers` processes.

    Yields what `replay_log(open_log(store_url), load_pack(*pack_dirs), ...)` yields, in
    the same (case-id) order. `log`, if given, is an already open log of the same store,
    used by the parent to list the cases; `pack`, if given, the pack already loaded from
    `pack_dirs` (each worker loads its own and checks that the digests agree).
    `workers=1` replays in this process.
    """
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise InvalidArgument(f"replay_log_parallel: workers must be 1 or more, got {workers!r}")
    arguments.valid_time(as_of, call="replay_log_parallel")
    arguments.instant(known_at, call="replay_log_parallel")
    if cases is not None:
        cases = arguments.case_ids(cases, call="replay_log_parallel")
    dirs = tuple(str(d) for d in pack_dirs)
    if pack is None:
        pack = load_pack(*dirs)
    own = log is None
    parent = open_log(store_url, create=False) if log is None else log
    try:
        job = _Job(as_of=as_of, known_at=known_at, bound=parent.head().position)
        ids: Iterator[str] = (
            iter(sorted(set(cases))) if cases is not None else parent.case_ids(known_at=known_at)
        )
        if workers == 1:
            for case_id in ids:
                yield from _replay_cases(parent, pack, [case_id], job)
            return
        if parse_store_url(store_url).kind == "memory":
            raise StoreError("a memory: store lives in one process; replay it with one worker")
        yield from _fan_out(store_url, dirs, pack.digest, ids, job, workers)
    finally:
        if own:
            parent.close()


def _fan_out(
    store_url: str,
    dirs: tuple[str, ...],
    digest: str,
    ids: Iterator[str],
    job: _Job,
    workers: int,
) -> Iterator[CaseResult]:
    executor = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_worker_start,
        initargs=(store_url, dirs, digest),
    )
    in_flight: deque[Future[list[CaseResult]]] = deque()
    try:
        chunks = _chunks(ids, workers)
        for chunk in chunks:
            in_flight.append(executor.submit(_worker_chunk, chunk, job))
            if len(in_flight) >= 2 * workers:
                yield from _collect(in_flight.popleft())
        while in_flight:
            yield from _collect(in_flight.popleft())
    finally:
        for future in in_flight:
            future.cancel()
        executor.shutdown(wait=True, cancel_futures=True)


def _collect(future: Future[list[CaseResult]]) -> list[CaseResult]:
    try:
        return future.result()
    except BrokenProcessPool as exc:
        raise EngineError(
            f"a replay worker process died ({exc}); run the replay again, with --workers 1 "
            "to see the error in this process"
        ) from exc
