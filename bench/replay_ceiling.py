"""The ceiling of keeping deadlines (and finding facts) out of durable-rules.

    python -m bench.replay_ceiling [--events N] [--runs 5] [--json FILE]

An experiment, not an engine: it measures what replay would cost if deadlines, and
then finding facts too, cost nothing at all, beside the replay figure's two baselines
(durable's `Host` and durable's C core alone on the projected facts of the same
generated log: `bench.figures.replay_vs_durable`). The packs it runs give other
findings than the real one; nothing in src/ changes.

- (a) the pack as it is: replay as `python -m bench` measures it;
- (b) the pack without any rule that has a deadline clause or is a warning (no
  start, breach, met, warn or warning-resolution rule, no deadline fact, no clock
  tick, no `breached` fact): a lower bound on any implementation of "deadlines out of
  durable", which would still need its start rules and some Python per breach;
- (c) (b) with no rule resolvable (`resolved_by` emptied): no finding fact and no
  resolution rule reaches durable, a lower bound on "findings recorded in Python
  only", which would still check resolvers in Python;
- (d) the engine's Python alone on each of (a)-(c): the same replay with every call
  into durable's C core (`durable_rules_engine`) answered from a tape of its own
  results recorded in an earlier run of the same replay, so that only comity's code
  (and the tape's Python, measured and reported apart) runs.

Besides, the projection of the events into facts alone (`projected_facts`, what the
baselines are given ready-made) is timed beside them, and the C core replaying exactly
the engine's own calls (`trace_case`: each assert or retract, then its firings started
and completed) shows durable's share a second way. Each repetition runs every
measurement once, one after the other (CPU time of this process, `gc.collect()` before
each); ratios are taken within a repetition, and the medians reported. The reduced
packs are `RulePack`s made with `attrs.evolve` of `load_pack()`'s, under a digest of
their own; the engine is reached through `replay_case` and the hook
`comity.engine.baseline` only.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs
import durable_rules_engine

from bench.figures import AS_OF, _cases, _fill
from bench.generate import generate_log
from bench.rawdurable import RawCore, RawDurable, case_facts, trace_case, valid_time_order
from bench.stats import Clock, Series
from comity.engine import CaseResult, replay_case
from comity.engine.baseline import projected_facts
from comity.events import StoredEvent, open_log
from comity.rules.pack import RulePack, load_pack

__all__ = ["EXPERIMENTS", "main", "measure", "reduced"]

#: The calls comity's adapter makes of durable's C core while replaying (the ruleset
#: is created before, at compile time).
_CORE_CALLS = (
    "assert_fact",
    "retract_fact",
    "start_action_for_state",
    "complete_and_start_action",
    "abandon_action",
    "delete_state",
)

#: The kind of the adapter's anchor fact, which a session that fired nothing asserts
#: before its state is deleted (engine/_durable.py, hazard 2): no replay work.
_ANCHOR = '"comity:session"'

EXPERIMENTS = {
    "a": "replay as today",
    "b": "no deadline rules (no deadline, clock or breached facts)",
    "c": "(b) and no finding facts (no rule resolvable)",
}


def reduced(pack: RulePack, *, deadlines: bool, resolutions: bool) -> RulePack:
    """`pack` without its deadline and warning rules (`deadlines` False) and/or with
    no rule resolvable (`resolutions` False), under a digest of its own (the engine
    compiles one ruleset per digest)."""
    rules = tuple(
        r if resolutions else attrs.evolve(r, resolved_by=())
        for r in pack.rules
        if deadlines or (not r.deadline and r.warning is None)
    )
    tag = f"{pack.digest}:deadlines={deadlines}:resolutions={resolutions}"
    digest = hashlib.sha256(tag.encode()).hexdigest()
    return attrs.evolve(pack, rules=rules, digest=digest)


class _Tape:
    """The results of every call into durable's C core, recorded in one run and
    played back in the next run of the same work."""

    def __init__(self) -> None:
        self.results: list[Any] = []
        self.calls: dict[str, int] = dict.fromkeys(_CORE_CALLS, 0)
        self.firings = 0

    @contextmanager
    def recording(self) -> Iterator[None]:
        saved = {name: getattr(durable_rules_engine, name) for name in _CORE_CALLS}
        results, calls = self.results, self.calls

        def wrap(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
            def call(*args: Any) -> Any:
                if not (name == "assert_fact" and _ANCHOR in args[1]):
                    calls[name] += 1  # not the adapter's own anchor fact (hazard 2)
                try:
                    out = real(*args)
                except BaseException as exc:  # played back only where none was raised
                    raise RuntimeError(f"durable raised in {name}: {exc}") from exc
                if name in ("start_action_for_state", "complete_and_start_action"):
                    self.firings += out is not None
                results.append(out)
                return out

            return call

        try:
            for name, real in saved.items():
                setattr(durable_rules_engine, name, wrap(name, real))
            yield
        finally:
            for name, real in saved.items():
                setattr(durable_rules_engine, name, real)

    @contextmanager
    def playing(self) -> Iterator[Callable[..., Any]]:
        saved = {name: getattr(durable_rules_engine, name) for name in _CORE_CALLS}
        it = iter(self.results)

        def player(*_args: Any) -> Any:
            return next(it)

        try:
            for name in _CORE_CALLS:
                setattr(durable_rules_engine, name, player)
            yield player
        finally:
            for name, real in saved.items():
                setattr(durable_rules_engine, name, real)
        left = sum(1 for _ in it)
        if left:
            raise RuntimeError(f"the replay made {left} fewer durable calls than recorded")

    def cost(self) -> float:
        """CPU seconds of the tape's own Python: every result played back, no engine."""
        with self.playing() as player:
            start = time.process_time()
            for _ in range(len(self.results)):
                player(0, "")
            return time.process_time() - start

    @property
    def durable_calls(self) -> int:
        """Asserts and retracts (what `trace_case` counts)."""
        return self.calls["assert_fact"] + self.calls["retract_fact"]


def _replay(cases: dict[str, list[StoredEvent]], pack: RulePack) -> list[CaseResult]:
    return [replay_case(evs, pack, as_of=AS_OF, case_id=cid) for cid, evs in cases.items()]


def _timed(work: Callable[[], Any]) -> float:
    gc.collect()
    with Clock() as c:
        work()
    return c.cpu


def measure(events: int, runs: int, *, seed: int = 7) -> dict[str, Any]:
    """Every experiment beside the Host and core baselines, `runs` times alternated."""
    log = open_log("memory:")
    _fill(log, list(generate_log(events, seed=seed)))
    cases = _cases(log)
    n = sum(len(v) for v in cases.values())
    full = load_pack()
    packs = {
        "a": full,
        "b": reduced(full, deadlines=False, resolutions=True),
        "c": reduced(full, deadlines=False, resolutions=False),
    }
    # the baselines exactly as the replay figure builds them
    raw = RawDurable(full)
    core = RawCore(full)
    facts = [("1", case_facts(evs, "1")) for evs in cases.values()]
    encoded = RawCore.encode(facts)
    n_facts = sum(len(ops) for _, ops in facts)

    setup: dict[str, dict[str, Any]] = {}
    tapes: dict[str, _Tape] = {}
    trace_cores: dict[str, tuple[RawCore, Any]] = {}
    for key, pack in packs.items():
        results = _replay(cases, pack)  # compile, load calendars
        tape = _Tape()
        with tape.recording():
            recorded = _replay(cases, pack)
        with tape.playing():
            played = _replay(cases, pack)
        if recorded != results or played != results:
            raise RuntimeError(f"experiment {key}: a taped replay gave other findings")
        traces = [("1", trace_case(evs, pack, as_of=AS_OF, sid="1")) for evs in cases.values()]
        n_ops = sum(len(ops) for _, ops in traces)
        trace_cores[key] = (RawCore(pack, name=f"ceiling_trace_{key}"), RawCore.encode(traces))
        tapes[key] = tape
        setup[key] = {
            "what": EXPERIMENTS[key],
            "rules": len(pack.rules),
            "findings": sum(len(r.findings) for r in results),
            "durable_calls": tape.durable_calls,
            "trace_ops": n_ops,
            "firings": tape.firings,
            "core_calls": sum(tape.calls.values()),
            "durable_calls_per_event": tape.durable_calls / n,
            "firings_per_event": tape.firings / n,
        }

    def project() -> None:
        for evs in cases.values():
            projected_facts(evs)

    def order() -> None:
        for evs in cases.values():
            valid_time_order(evs)

    host_s, core_s, project_s, order_s = Series(), Series(), Series(), Series()
    s: dict[str, dict[str, Series]] = {
        k: {
            name: Series()
            for name in (
                "replay_cpu_s",
                "python_cpu_s",
                "tape_cpu_s",
                "trace_core_cpu_s",
                "vs_host",
                "vs_core",
                "python_vs_host",
                "python_vs_core",
                "python_share",
                "trace_core_share",
            )
        }
        for k in packs
    }
    for _ in range(runs):
        t_host = _timed(lambda: raw.run(facts))
        t_core = _timed(lambda: core.run(encoded))
        host_s.add(t_host)
        core_s.add(t_core)
        project_s.add(_timed(project))
        order_s.add(_timed(order))
        for key, pack in packs.items():
            tape = tapes[key]
            t_replay = _timed(lambda pack=pack: _replay(cases, pack))  # type: ignore[misc]

            def taped(pack: RulePack = pack, tape: _Tape = tape) -> None:
                with tape.playing():
                    _replay(cases, pack)

            t_taped = _timed(taped)
            t_tape = tape.cost()
            trace_core, trace_encoded = trace_cores[key]
            t_trace = _timed(lambda tc=trace_core, te=trace_encoded: tc.run(te))  # type: ignore[misc]
            python = max(t_taped - t_tape, 1e-9)
            row = s[key]
            row["replay_cpu_s"].add(t_replay)
            row["python_cpu_s"].add(python)
            row["tape_cpu_s"].add(t_tape)
            row["trace_core_cpu_s"].add(t_trace)
            row["vs_host"].add(t_host / t_replay)
            row["vs_core"].add(t_core / t_replay)
            row["python_vs_host"].add(t_host / python)
            row["python_vs_core"].add(t_core / python)
            row["python_share"].add(python / t_replay)
            row["trace_core_share"].add(t_trace / t_replay)
    return {
        "events": n,
        "cases": len(cases),
        "facts": n_facts,
        "runs": runs,
        "host_cpu_s": host_s.median,
        "core_cpu_s": core_s.median,
        "projection_cpu_s": project_s.median,
        "valid_time_order_cpu_s": order_s.median,
        "experiments": {
            k: {**setup[k], **{name: v.median for name, v in s[k].items()}} for k in packs
        },
        "spread": {
            "host_cpu_s": host_s.spread,
            "core_cpu_s": core_s.spread,
            **{f"{k}.replay_cpu_s": s[k]["replay_cpu_s"].spread for k in packs},
        },
    }


def table(out: dict[str, Any]) -> str:
    head = (
        "| experiment | rules | replay CPU s | Host CPU s | core CPU s | / Host | / core "
        "| durable calls / event | firings / event | comity Python CPU s (share) "
        "| core on the engine's calls CPU s (share) | Python alone / Host | Python alone / core |"
    )
    lines = [head, "|" + "---|" * 13]
    for key, e in out["experiments"].items():
        lines.append(
            f"| ({key}) {e['what']} | {e['rules']} | {e['replay_cpu_s']:.3f} "
            f"| {out['host_cpu_s']:.3f} | {out['core_cpu_s']:.3f} "
            f"| {e['vs_host']:.3f} | {e['vs_core']:.3f} "
            f"| {e['durable_calls_per_event']:.2f} | {e['firings_per_event']:.2f} "
            f"| {e['python_cpu_s']:.3f} ({e['python_share']:.0%}) "
            f"| {e['trace_core_cpu_s']:.3f} ({e['trace_core_share']:.0%}) "
            f"| {e['python_vs_host']:.3f} | {e['python_vs_core']:.3f} |"
        )
    return "\n".join(lines)


def _load() -> list[str]:
    """The load averages over 1, 5 and 15 minutes, as /proc/loadavg gives them."""
    return Path("/proc/loadavg").read_text(encoding="ascii").split()[:3]


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.replay_ceiling", description=__doc__)
    ap.add_argument("--events", type=int, default=3_000, help="generated events (quick: 3000)")
    ap.add_argument("--runs", type=int, default=5, help="repetitions (medians reported)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--json", help="write the figures to this file")
    args = ap.parse_args(argv)
    load_before = _load()
    out = measure(args.events, args.runs, seed=args.seed)
    load_after = _load()
    out["load_before"], out["load_after"] = load_before, load_after
    print(
        f"{out['events']} events, {out['cases']} cases, {out['facts']} event facts; "
        f"medians of {out['runs']} (CPU); load {' '.join(load_before)} -> {' '.join(load_after)}"
    )
    print(
        f"the events' facts alone (projected_facts, as replay projects them): "
        f"{out['projection_cpu_s']:.3f} s, of which their valid-time order "
        f"{out['valid_time_order_cpu_s']:.3f} s"
    )
    for key, e in out["experiments"].items():
        print(
            f"({key}) {e['findings']} findings, {e['durable_calls']} durable calls "
            f"(trace_case: {e['trace_ops']}), {e['firings']} firings, "
            f"tape {e['tape_cpu_s']:.3f} s"
        )
    print(table(out))
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
