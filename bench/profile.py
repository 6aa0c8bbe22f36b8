"""Profile the replay, the ingest or verify with pyinstrument.

    python -m bench.profile replay [--events N] [--out DIR]
    python -m bench.profile ingest [--events N] [--out DIR]
    python -m bench.profile verify [--events N] [--out DIR]

Writes DIR/<what>.txt (the call tree) and DIR/<what>.html, and prints where the time
went by owner: comity's own code, durable-rules' Python layer, its C core, the json
module, sqlite3, and the rest.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import pstats
import tempfile
from collections.abc import Callable
from pathlib import Path

from bench.figures import AS_OF, _fill
from bench.generate import generate_log
from comity.engine import replay_case
from comity.events import open_log
from comity.rules.pack import load_pack

__all__ = ["main"]


def _owner(filename: str, name: str) -> str:
    if "durable_rules_engine" in name:
        return "durable-rules C core"
    if "/comity/" in filename:
        return "comity"
    if "/durable/" in filename:
        return "durable-rules Python layer"
    if "/json/" in filename or "_json" in name:
        return "json"
    if "sqlite3" in name or "sqlite3" in filename:
        return "sqlite3"
    if "/cattrs/" in filename or "<attrs generated" in filename or "cattrs" in name:
        return "attrs/cattrs"
    if "hashlib" in name or "sha256" in name or "hexdigest" in name:
        return "hashlib"
    return "other"


def _owners(work: Callable[[], None]) -> list[tuple[str, float]]:
    prof = cProfile.Profile()
    prof.enable()
    work()
    prof.disable()
    by: collections.Counter[str] = collections.Counter()
    stats = pstats.Stats(prof).stats  # type: ignore[attr-defined]
    for (filename, _line, name), (_cc, _nc, self_time, _ct, _callers) in stats.items():
        by[_owner(filename, name)] += self_time
    total = sum(by.values()) or 1.0
    return [(k, v / total) for k, v in by.most_common()]


def _setup(what: str, n: int, work_dir: Path) -> Callable[[], None]:
    pack = load_pack()
    events = list(generate_log(n, seed=7))
    if what == "replay":
        log = open_log("memory:")
        _fill(log, events)
        cases = {c: list(log.read_case(c)) for c in log.case_ids()}
        # Once before profiling: the first replay loads the holiday calendars and
        # fills the pattern caches, a cost paid once per process.
        for case_id, evs in cases.items():
            replay_case(evs, pack, as_of=AS_OF, case_id=case_id)

        def work() -> None:
            for case_id, evs in cases.items():
                replay_case(evs, pack, as_of=AS_OF, case_id=case_id)

        return work
    if what == "ingest":
        counter = iter(range(1_000_000))

        def work() -> None:
            log = open_log(str(work_dir / f"ingest-{next(counter)}.db"), create=True)
            _fill(log, events)
            log.close()

        return work
    if what == "verify":
        log = open_log(str(work_dir / "verify.db"), create=True)
        _fill(log, events)

        def work() -> None:
            log.verify()

        return work
    raise SystemExit(f"unknown: {what}")


def main(argv: list[str] | None = None) -> int:
    from pyinstrument import Profiler

    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("what", choices=("replay", "ingest", "verify"))
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--out", default="bench-profiles")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="comity-profile-") as d:
        work = _setup(args.what, args.events, Path(d))
        profiler = Profiler(interval=0.0005)
        profiler.start()
        work()
        profiler.stop()
        text = profiler.output_text(unicode=False, color=False)
        (out / f"{args.what}.txt").write_text(text)
        (out / f"{args.what}.html").write_text(profiler.output_html())
        owners = _owners(work)
    print(text)
    print(f"self time by owner ({args.what}, {args.events:,} events, cProfile):")
    for owner, share in owners:
        print(f"  {share * 100:5.1f}%  {owner}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
