"""`python -m bench [--quick] [--json FILE] [--only FIGURE ...] [--runs N]`.

Runs every figure beside its baseline, prints a table of medians (with the spread of
the runs) and, with --json, writes every run's values, the headline keys, and what the
machine was doing (CPU, Python, library versions, load average before and after).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import platform
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.figures import CONFIGS, Config, run_all, sqlite_version
from bench.stats import Series

__all__ = ["headline", "machine", "main"]

FIGURES = (
    "replay",
    "ingest",
    "read",
    "incremental",
    "scale",
    "postgres",
    "findings",
    "audit",
    "http",
)

#: The keys every run's JSON carries at its top level, whatever the mode (issue 17,
#: item 5, and the other issues' figures): other tools check them. A figure not run
#: (--only), or one that could not run here (no PostgreSQL server), gives a string
#: saying why instead of a number.
HEADLINE_KEYS = (
    "replay_vs_raw_durable",
    "replay_vs_raw_durable_core_cpu",
    "ingest_vs_eventsourcing_batch10",
    "ingest_vs_eventsourcing_batch1000",
    "verify_vs_sqlite_read",
    "incremental_p99_large_vs_small",
    "read_vs_eventsourcing",
    "peak_rss_largest_vs_previous",
    # issue 10: the findings store
    "explain_vs_replay_case",
    "deadlines_vs_replay_100_event_case",
    "catch_up_vs_full_replay",
    "latency_sqlite_p99_ms",
    "latency_postgres_p99_ms",
    # issue 11: the auditor's trail
    "checkpoint_vs_sha256",
    "explain_recorded_vs_not",
    # issue 12: the HTTP service
    "http_appends_vs_library_batch1",
    "http_appends_vs_library_batch100",
    "http_findings_sqlite_p50_ms",
    "http_findings_sqlite_p99_ms",
    "http_findings_postgres_p50_ms",
    "http_findings_postgres_p99_ms",
)

#: The figure each headline key comes from (to say why one is missing).
_KEY_FIGURE = {
    "replay_vs_raw_durable": "replay",
    "replay_vs_raw_durable_core_cpu": "replay",
    "ingest_vs_eventsourcing_batch10": "ingest",
    "ingest_vs_eventsourcing_batch1000": "ingest",
    "verify_vs_sqlite_read": "read",
    "read_vs_eventsourcing": "read",
    "incremental_p99_large_vs_small": "incremental",
    "peak_rss_largest_vs_previous": "scale",
    "explain_vs_replay_case": "findings",
    "deadlines_vs_replay_100_event_case": "findings",
    "catch_up_vs_full_replay": "findings",
    "latency_sqlite_p99_ms": "findings",
    "latency_postgres_p99_ms": "findings",
    "checkpoint_vs_sha256": "audit",
    "explain_recorded_vs_not": "audit",
}

#: Targets (issue 17; issues 10, 11 and 12 for their figures): (key, comparison, bound).
TARGETS = (
    ("replay_vs_raw_durable", ">=", 1.0),
    ("replay_vs_raw_durable_core_cpu", ">=", 0.35),
    ("ingest_vs_eventsourcing_batch10", ">=", 1.0),
    ("ingest_vs_eventsourcing_batch1000", ">=", 1.0),
    ("verify_vs_sqlite_read", ">=", 0.8),
    ("incremental_p99_large_vs_small", "<=", 2.0),
    ("peak_rss_largest_vs_previous", "<=", 2.0),
    # issue 10: the findings store
    ("explain_vs_replay_case", "<=", 2.0),
    ("deadlines_vs_replay_100_event_case", "<=", 5.0),
    ("catch_up_vs_full_replay", ">=", 0.9),
    ("latency_sqlite_p99_ms", "<=", 100.0),
    ("catch_up_peak_rss_large_vs_small", "<=", 1.5),
    # issue 11: the auditor's trail
    ("checkpoint_vs_sha256", ">=", 0.5),
    ("explain_recorded_vs_not", "<=", 1.1),
    # issue 12: the HTTP service
    ("http_appends_vs_library_batch100", ">=", 0.5),
    ("http_findings_sqlite_p99_ms", "<=", 50.0),
)


#: What a quick (or tiny) run is, in its output and its JSON.
MODE_NOTE = (
    "every headline ratio of the full run, measured the same way at smaller sizes and "
    "fewer samples (see `config` in the JSON); the full run (no --quick) is the one the "
    "targets are set for"
)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def _load() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def machine() -> dict[str, Any]:
    mem_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "memory_gb": mem_gb,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "durable_rules": _version("durable_rules"),
        "eventsourcing": _version("eventsourcing"),
        "comity": _version("comity"),
        "sqlite": sqlite_version(),
        "psycopg": _version("psycopg"),
    }


def _median(value: Any) -> Any:
    return value.median if isinstance(value, Series) else value


def headline(figures: dict[str, Any], cfg: Config) -> dict[str, Any]:
    """The flat keys promised in issue 6 (medians), from the detailed figures."""
    out: dict[str, Any] = {}
    replay = figures.get("replay")
    if replay:
        for key in (
            "replay_events_per_s",
            "replay_events_per_s_cpu",
            "raw_durable_events_per_s",
            "raw_durable_events_per_s_cpu",
            "replay_vs_raw_durable",
            "replay_vs_raw_durable_cpu",
            "raw_durable_trace_events_per_s_cpu",
            "replay_vs_raw_durable_trace_cpu",
            "raw_durable_core_events_per_s_cpu",
            "replay_vs_raw_durable_core_cpu",
        ):
            out[key] = _median(replay[key])
    ingest = figures.get("ingest")
    if ingest:
        for key in ("ingest_events_per_s", "eventsourcing_events_per_s", "ingest_vs_eventsourcing"):
            out[key] = _median(ingest[key])
        out["ingest_batch"] = ingest["headline_batch"]
        for size, by in ingest["by_batch"].items():
            out[f"ingest_vs_eventsourcing_batch{size}"] = _median(by["ingest_vs_eventsourcing"])
    read = figures.get("read")
    if read:
        for key in (
            "read_events_per_s",
            "json_loads_events_per_s",
            "read_vs_json_loads",
            "verify_events_per_s",
            "verify_events_per_s_cpu",
            "verify_vs_json_loads_cpu",
            "sqlite_read_events_per_s",
            "verify_vs_sqlite_read",
            "verify_vs_sqlite_read_cpu",
        ):
            out[key] = _median(read[key])
        if "read_vs_eventsourcing" in read:
            es = read["eventsourcing_read_events_per_s"]
            out["eventsourcing_read_events_per_s"] = _median(es)
            out["read_vs_eventsourcing"] = _median(read["read_vs_eventsourcing"])
            out["read_vs_eventsourcing_cpu"] = _median(read["read_vs_eventsourcing_cpu"])
        else:
            out["read_vs_eventsourcing"] = read["eventsourcing_read"]
    inc = figures.get("incremental")
    if inc:
        for size in inc["sizes"]:
            out[f"incremental_p50_ms_{size}"] = inc[str(size)]["p50_ms"]
            out[f"incremental_p99_ms_{size}"] = inc[str(size)]["p99_ms"]
        out["incremental_p99_large_vs_small"] = inc["p99_large_vs_small"]
        out["incremental_p99_large_vs_small_cpu"] = inc["p99_large_vs_small_cpu"]
    sc = figures.get("scale")
    if sc:
        out["wall_s"] = {k: _median(v["wall_s"]) for k, v in sc["by_size"].items()}
        out["peak_rss_mb"] = {k: _median(v["peak_rss_mb"]) for k, v in sc["by_size"].items()}
        if "peak_rss_largest_vs_previous" in sc:
            out["peak_rss_largest_vs_previous"] = sc["peak_rss_largest_vs_previous"]
            out["time_per_event_largest_vs_smallest"] = sc["time_per_event_largest_vs_smallest"]
    pg = figures.get("postgres")
    if pg:
        if "skipped" in pg:
            out["postgres"] = "skipped: " + pg["skipped"]
        else:
            out["postgres_events_per_s"] = _median(pg["postgres_events_per_s"])
            out["postgres_vs_sqlite"] = _median(pg["postgres_vs_sqlite"])
    fs = figures.get("findings")
    if fs:
        for key in (
            "explain_vs_replay_case",
            "deadlines_vs_replay_100_event_case",
            "catch_up_vs_full_replay",
            "catch_up_vs_full_replay_cpu",
            "catch_up_events_per_s",
            "full_replay_events_per_s",
        ):
            out[key] = _median(fs[key])
        for backend in ("sqlite", "postgres"):
            lat = fs[f"latency_{backend}"]
            if "skipped" in lat:
                out[f"latency_{backend}"] = "skipped: " + lat["skipped"]
                out[f"latency_{backend}_p99_ms"] = "skipped: " + lat["skipped"]
            else:
                out[f"latency_{backend}_p50_ms"] = lat["p50_ms"]
                out[f"latency_{backend}_p99_ms"] = lat["p99_ms"]
        if "catch_up_peak_rss_large_vs_small" in fs:
            out["catch_up_peak_rss_mb"] = fs["catch_up_peak_rss_mb"]
            out["catch_up_peak_rss_large_vs_small"] = fs["catch_up_peak_rss_large_vs_small"]
    au = figures.get("audit")
    if au:
        out["audit_records"] = au["records"]
        for key in (
            "checkpoint_vs_sha256",
            "checkpoint_vs_sha256_cpu",
            "checkpoint_records_per_s",
            "merkle_root_vs_sha256_in_memory_cpu",
            "verify_chain_us_per_record",
            "verify_us_per_record",
            "verify_against_us_per_record",
            "verify_against_us_per_record_cpu",
        ):
            out[key] = _median(au[key])
        ex = au["explain"]
        if "skipped" in ex:
            out["explain_recorded"] = "skipped: " + ex["skipped"]
        else:
            for key in (
                "explain_ms",
                "explain_recorded_ms",
                "explain_recorded_vs_not",
                "disclosure_record_ms",
                "explain_plus_record_vs_explain",
            ):
                out[key] = _median(ex[key])
    hp = figures.get("http")
    if hp:
        out.update(_http_headline(hp))
    for key in HEADLINE_KEYS:
        if key not in out:
            figure = _KEY_FIGURE.get(key, "http")
            why = "did not give it" if figure in figures else "was not run"
            out[key] = f"skipped: the {figure} figure {why}"
    out["targets"] = {
        key: {
            "target": f"{op} {bound:g}",
            "value": out[key],
            "met": bool(out[key] >= bound if op == ">=" else out[key] <= bound),
        }
        for key, op, bound in TARGETS
        if key in out and isinstance(out[key], int | float) and not math.isnan(out[key])
    }
    out["mode"] = cfg.name
    if cfg.name != "full":
        out["mode_note"] = MODE_NOTE
    return out


def _http_headline(hp: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "skipped" in hp:
        why = "skipped: " + hp["skipped"]
        return {key: why for key in HEADLINE_KEYS if key.startswith("http_")}
    for size, by in hp["appends"].items():
        out[f"http_appends_per_s_batch{size}"] = _median(by["http_events_per_s"])
        out[f"library_appends_per_s_batch{size}"] = _median(by["library_events_per_s"])
        out[f"http_appends_vs_library_batch{size}"] = _median(by["http_vs_library"])
    for backend in ("sqlite", "postgres"):
        lat = hp[f"findings_{backend}"]
        if "skipped" in lat:
            for q in ("p50", "p99"):
                out[f"http_findings_{backend}_{q}_ms"] = "skipped: " + lat["skipped"]
        else:
            out[f"http_findings_{backend}_events"] = lat["events"]
            for q in ("p50", "p99"):
                out[f"http_findings_{backend}_{q}_ms"] = lat[f"{q}_ms"]
    return out


def _fmt(value: float) -> str:
    if isinstance(value, str):
        return value
    if value != value:  # nan
        return "-"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def _row(name: str, value: Any, baseline: str = "", base_value: Any = None, ratio: Any = None):  # type: ignore[no-untyped-def]
    def cell(v: Any) -> str:
        if v is None:
            return ""
        if isinstance(v, Series):
            return f"{_fmt(v.median)} ±{v.spread * 50:.0f}%"
        return _fmt(v)

    return (name, cell(value), baseline, cell(base_value), cell(ratio))


def table(figures: dict[str, Any]) -> str:
    """The figures as an aligned text table: median ±half the run-to-run range."""
    rows: list[tuple[str, str, str, str, str]] = [
        ("figure", "comity", "baseline", "baseline value", "ratio")
    ]
    r = figures.get("replay")
    if r:
        rows.append(
            _row(
                f"replay ev/s ({r['events']:,} ev, {r['cases']} cases)",
                r["replay_events_per_s"],
                "raw durable, same facts",
                r["raw_durable_events_per_s"],
                r["replay_vs_raw_durable"],
            )
        )
        rows.append(
            _row(
                "  same, CPU time",
                r["replay_events_per_s_cpu"],
                "raw durable, same facts",
                r["raw_durable_events_per_s_cpu"],
                r["replay_vs_raw_durable_cpu"],
            )
        )
        rows.append(
            _row(
                "  same, CPU time",
                r["replay_events_per_s_cpu"],
                "raw durable, engine's ops",
                r["raw_durable_trace_events_per_s_cpu"],
                r["replay_vs_raw_durable_trace_cpu"],
            )
        )
        if "raw_durable_core_events_per_s_cpu" in r:
            rows.append(
                _row(
                    "  same, CPU time",
                    r["replay_events_per_s_cpu"],
                    "durable C core, same facts",
                    r["raw_durable_core_events_per_s_cpu"],
                    r["replay_vs_raw_durable_core_cpu"],
                )
            )
    g = figures.get("ingest")
    if g:
        for size, b in g["by_batch"].items():
            rows.append(
                _row(
                    f"ingest ev/s, batch {size} ({b['events']:,} ev)",
                    b["ingest_events_per_s"],
                    "eventsourcing SQLite",
                    b["eventsourcing_events_per_s"],
                    b["ingest_vs_eventsourcing"],
                )
            )
    d = figures.get("read")
    if d:
        rows.append(
            _row(
                f"read ev/s ({d['events']:,} ev)",
                d["read_events_per_s"],
                "json.loads of JSONL",
                d["json_loads_events_per_s"],
                d["read_vs_json_loads"],
            )
        )
        if "read_vs_eventsourcing" in d:
            rows.append(
                _row(
                    "  same",
                    d["read_events_per_s"],
                    "eventsourcing's read, same Events",
                    d["eventsourcing_read_events_per_s"],
                    d["read_vs_eventsourcing"],
                )
            )
        else:
            rows.append(("  vs eventsourcing", "skipped", d["eventsourcing_read"][:60], "", ""))
        rows.append(_row("  raw rows ev/s", d["raw_rows_events_per_s"]))
        rows.append(
            _row(
                "verify ev/s",
                d["verify_events_per_s"],
                "SQLite returning the same rows",
                d["sqlite_read_events_per_s"],
                d["verify_vs_sqlite_read"],
            )
        )
        rows.append(
            _row(
                "  same, CPU time",
                d["verify_events_per_s_cpu"],
                "SQLite returning the same rows",
                d["sqlite_read_events_per_s_cpu"],
                d["verify_vs_sqlite_read_cpu"],
            )
        )
        if "verify_vs_json_loads_cpu" in d:
            rows.append(
                _row(
                    "  verify vs json.loads, CPU",
                    d["verify_events_per_s_cpu"],
                    "json.loads of JSONL",
                    d["json_loads_events_per_s_cpu"],
                    d["verify_vs_json_loads_cpu"],
                )
            )
    i = figures.get("incremental")
    if i:
        small, large = (str(s) for s in i["sizes"])
        rows.append(
            (
                f"incremental: {i['appends']} appends x {i['builds']} builds per case",
                "",
                "",
                "",
                "",
            )
        )
        for q in ("p50", "p99"):
            rows.append(
                _row(
                    f"apply {q} ms, case of {large}",
                    i[large][f"{q}_ms"],
                    f"case of {small}",
                    i[small][f"{q}_ms"],
                    i[large][f"{q}_ms"] / i[small][f"{q}_ms"],
                )
            )
        rows.append(
            _row(
                f"  p99 CPU ms, case of {large}",
                i[large]["p99_ms_cpu"],
                f"case of {small}",
                i[small]["p99_ms_cpu"],
                i["p99_large_vs_small_cpu"],
            )
        )
        if "raw_durable_p99_ms_cpu" in i[large]:
            rows.append(
                _row(
                    f"  raw durable p99 CPU ms, {large}",
                    i[large]["raw_durable_p99_ms_cpu"],
                    f"case of {small}",
                    i[small]["raw_durable_p99_ms_cpu"],
                    i[large]["raw_durable_p99_ms_cpu"] / i[small]["raw_durable_p99_ms_cpu"],
                )
            )
    s = figures.get("scale")
    if s:
        sizes = list(s["by_size"])
        for n, (size, v) in enumerate(s["by_size"].items()):
            prev = s["by_size"][sizes[n - 1]] if n else None
            rows.append(
                _row(
                    f"replay_log {int(size):,} ev: wall s",
                    v["wall_s"],
                    "µs/event",
                    v["us_per_event"],
                )
            )
            rows.append(
                _row(
                    "  peak RSS MB",
                    v["peak_rss_mb"],
                    f"vs {int(sizes[n - 1]):,}" if prev else "before replay",
                    prev["peak_rss_mb"] if prev else v["rss_before_replay_mb"],
                    v["peak_rss_mb"].median / prev["peak_rss_mb"].median if prev else None,
                )
            )
    p = figures.get("postgres")
    if p:
        if "skipped" in p:
            rows.append(("postgres ingest", "skipped", p["skipped"][:60], "", ""))
        else:
            rows.append(
                _row(
                    f"postgres ingest ev/s, batch {p['batch']}",
                    p["postgres_events_per_s"],
                    "SQLite",
                    p["sqlite_events_per_s"],
                    p["postgres_vs_sqlite"],
                )
            )
    f = figures.get("findings")
    if f:
        count = f"{f['events']:,} ev"
        rows.append(
            _row(
                f"explain, findings store ({count}), s",
                f["explain_s"],
                f"replay --case ({f['last_case_events']} ev)",
                f["replay_case_s"],
                f["explain_vs_replay_case"],
            )
        )
        rows.append(
            _row(
                "deadlines --within 14, store, s",
                f["deadlines_within_14_s"],
                f"replay --case ({f['hundred_case_events']} ev)",
                f["replay_100_event_case_s"],
                f["deadlines_vs_replay_100_event_case"],
            )
        )
        rows.append(
            _row(
                "catch-up ev/s",
                f["catch_up_events_per_s"],
                "full replay",
                f["full_replay_events_per_s"],
                f["catch_up_vs_full_replay"],
            )
        )
        for backend in ("sqlite", "postgres"):
            lat = f[f"latency_{backend}"]
            if "skipped" in lat:
                rows.append((f"append->visible, {backend}", "skipped", lat["skipped"][:60], "", ""))
            else:
                rows.append(
                    _row(f"append->visible p50 ms, {backend}", lat["p50_ms"], "p99", lat["p99_ms"])
                )
        if "catch_up_peak_rss_mb" in f:
            small, large = list(f["catch_up_peak_rss_mb"])
            rows.append(
                _row(
                    f"catch-up peak RSS MB, {int(large):,}",
                    f["catch_up_peak_rss_mb"][large],
                    f"{int(small):,}",
                    f["catch_up_peak_rss_mb"][small],
                    f["catch_up_peak_rss_large_vs_small"],
                )
            )
    a = figures.get("audit")
    if a:
        count = f"{a['records']:,} records"
        rows.append(
            _row(
                f"checkpoint rec/s ({count})",
                a["checkpoint_records_per_s"],
                "sha256 over the same hashes",
                a["sha256_records_per_s"],
                a["checkpoint_vs_sha256"],
            )
        )
        rows.append(
            _row(
                "  same, CPU time",
                a["checkpoint_records_per_s_cpu"],
                "sha256 over the same hashes",
                a["sha256_records_per_s_cpu"],
                a["checkpoint_vs_sha256_cpu"],
            )
        )
        rows.append(
            _row(
                "  Merkle root in memory, CPU",
                a["merkle_root_records_per_s_cpu"],
                "sha256 of each hash",
                a["sha256_in_memory_records_per_s_cpu"],
                a["merkle_root_vs_sha256_in_memory_cpu"],
            )
        )
        rows.append(
            _row(
                "verify --against, µs/record",
                a["verify_against_us_per_record"],
                "plain verify",
                a["verify_us_per_record"],
                a["verify_against_us_per_record"].median / a["verify_us_per_record"].median,
            )
        )
        rows.append(
            _row(
                "  same, CPU µs/record",
                a["verify_against_us_per_record_cpu"],
                "plain verify",
                a["verify_us_per_record_cpu"],
                a["verify_against_us_per_record_cpu"].median / a["verify_us_per_record_cpu"].median,
            )
        )
        rows.append(
            _row(
                "  chain only (log.verify), µs/rec",
                a["verify_chain_us_per_record"],
                "CPU",
                a["verify_chain_us_per_record_cpu"],
            )
        )
        ex = a["explain"]
        if "skipped" in ex:
            rows.append(("explain, recorded", "skipped", ex["skipped"][:60], "", ""))
        else:
            rows.append(
                _row(
                    f"explain + disclosure record, ms ({ex['case_events']} ev case)",
                    ex["explain_recorded_ms"],
                    "explain alone",
                    ex["explain_ms"],
                    ex["explain_recorded_vs_not"],
                )
            )
            rows.append(
                _row(
                    "  the record alone, ms (basis + write)",
                    ex["disclosure_record_ms"],
                    "explain + record, each alone",
                    None,
                    ex["explain_plus_record_vs_explain"],
                )
            )
    h = figures.get("http")
    if h:
        if "skipped" in h:
            rows.append(("HTTP service", "skipped", h["skipped"][:60], "", ""))
        else:
            for size, b in h["appends"].items():
                rows.append(
                    _row(
                        f"HTTP appends ev/s, batch {size} ({b['events']:,} ev)",
                        b["http_events_per_s"],
                        "library, in process",
                        b["library_events_per_s"],
                        b["http_vs_library"],
                    )
                )
            for backend in ("sqlite", "postgres"):
                lat = h[f"findings_{backend}"]
                if "skipped" in lat:
                    why = lat["skipped"][:60]
                    rows.append((f"GET case findings, {backend}", "skipped", why, "", ""))
                else:
                    rows.append(
                        _row(
                            f"GET case findings p50 ms, {backend} ({lat['events']:,} ev)",
                            lat["p50_ms"],
                            "p99",
                            lat["p99_ms"],
                        )
                    )
    widths = [max(len(row[k]) for row in rows) for k in range(5)]
    lines = []
    for n, row in enumerate(rows):
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Series):
        return value.to_json()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes; under a minute")
    parser.add_argument("--tiny", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--json", metavar="FILE", help="write every figure as JSON here")
    parser.add_argument("--only", nargs="+", choices=FIGURES, default=(), help="these figures")
    parser.add_argument("--runs", type=int, help="repetitions per figure (default by mode)")
    parser.add_argument("--workdir", help="where temporary databases go (default: $TMPDIR)")
    args = parser.parse_args(argv)
    cfg = CONFIGS["tiny" if args.tiny else "quick" if args.quick else "full"]
    if args.runs:
        cfg = dataclasses.replace(cfg, runs=args.runs)
    info = machine()
    info["load_before"] = _load()
    started = time.perf_counter()
    print(
        f"comity bench ({cfg.name}): {info['nproc']} x {info['cpu_model']}, "
        f"Python {info['python']}, durable-rules {info['durable_rules']}, "
        f"load {info['load_before']}",
        file=sys.stderr,
    )
    figures = run_all(cfg, args.only, args.workdir)
    info["load_after"] = _load()
    info["bench_seconds"] = round(time.perf_counter() - started, 1)
    heads = headline(figures, cfg)
    print(table(figures))
    if cfg.name != "full":
        # The targets are defined at the full sizes (e.g. memory at 1M vs 100k events).
        print(f"{cfg.name} mode: {MODE_NOTE}")
        print(f"targets at {cfg.name} sizes (indicative only; they are set for the full run):")
    for key, target in heads["targets"].items():
        verdict = "met" if target["met"] else "NOT met"
        print(f"target {key} {target['target']}: {_fmt(target['value'])} ({verdict})")
    load = f"load average {info['load_before']} -> {info['load_after']}"
    each = ", ".join(f"{k} {v:g}" for k, v in figures.get("seconds", {}).items())
    print(f"({info['bench_seconds']} s: {each}; {load})")
    if args.json:
        doc = {
            **_jsonable(heads),
            "figure_seconds": figures.get("seconds", {}),
            "machine": info,
            "config": _jsonable(dataclasses.asdict(cfg)),
            "figures": _jsonable(figures),
        }
        Path(args.json).write_text(json.dumps(doc, indent=2, sort_keys=False) + "\n")
    return 0
