"""Child processes for the scale figure: each run starts fresh, so its peak RSS is its own.

    python -m bench.scale generate N DB SEED   # N generated events into the SQLite log DB
    python -m bench.scale replay DB AS_OF      # replay every case of DB, one at a time
    python -m bench.scale catchup DB           # build DB's findings store (comity watch --once)

Each prints one JSON line: wall and CPU seconds, peak RSS (VmHWM), counts.
"""

from __future__ import annotations

import datetime as dt
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["main"]


def _rss_mb() -> float:
    """This process's peak resident set size, in MB.

    VmHWM (/proc/self/status) where there is one: Linux carries `ru_maxrss` over
    fork and exec, so a child started by a large parent reports the parent's size.
    resource.getrusage elsewhere (kilobytes on Linux, bytes on macOS).
    """
    try:
        with Path("/proc/self/status").open(encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def generate(n: int, path: str, seed: int) -> dict[str, Any]:
    from bench.generate import generate_log
    from comity.events import open_log

    start = time.perf_counter()
    log = open_log(path, create=True)
    batch: list[Any] = []
    count = 0
    for event in generate_log(n, seed=seed):
        batch.append(event)
        if len(batch) == 1000:
            log.append(batch)
            count += len(batch)
            batch = []
    if batch:
        log.append(batch)
        count += len(batch)
    log.close()
    return {"events": count, "wall_s": round(time.perf_counter() - start, 2)}


def replay(path: str, as_of: str) -> dict[str, Any]:
    from comity.engine import replay_log
    from comity.events import open_log
    from comity.rules.pack import load_pack

    pack = load_pack()
    log = open_log(path, create=False)
    rss_before = _rss_mb()
    start_w, start_c = time.perf_counter(), time.process_time()
    cases = findings = 0
    for result in replay_log(log, pack, as_of=dt.date.fromisoformat(as_of)):
        cases += 1
        findings += len(result.findings)
    wall, cpu = time.perf_counter() - start_w, time.process_time() - start_c
    peak = _rss_mb()
    # counted after the clock stops: the replay itself never holds the whole log
    sizes: dict[str, int] = {}
    for raw in log.raw_records():
        sizes[raw.case_id] = max(sizes.get(raw.case_id, 0), raw.seq)
    events = sum(sizes.values())
    largest = max(sizes.values(), default=0)
    log.close()
    return {
        "events": events,
        "cases": cases,
        "largest_case": largest,
        "findings": findings,
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu, 3),
        "rss_before_mb": round(rss_before, 1),
        "peak_rss_mb": round(peak, 1),
    }


def catchup(path: str) -> dict[str, Any]:
    from comity.events import open_log
    from comity.findings import Watcher
    from comity.rules.pack import load_pack

    pack = load_pack()
    log = open_log(path, create=False)
    rss_before = _rss_mb()
    start_w, start_c = time.perf_counter(), time.process_time()
    cut = Watcher(log, pack).run(once=True)
    wall, cpu = time.perf_counter() - start_w, time.process_time() - start_c
    peak = _rss_mb()
    log.close()
    return {
        "events": cut.position,
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu, 3),
        "rss_before_mb": round(rss_before, 1),
        "peak_rss_mb": round(peak, 1),
    }


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["generate"] and len(args) == 4:
        out = generate(int(args[1]), args[2], int(args[3]))
    elif args[:1] == ["replay"] and len(args) == 3:
        out = replay(args[1], args[2])
    elif args[:1] == ["catchup"] and len(args) == 2:
        out = catchup(args[1])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
