"""comity's benchmarks (issue 6): `python -m bench` (full) or `python -m bench --quick`.

Each figure is measured beside its baseline in the same run and reported as a ratio:
replay against raw durable-rules on the same facts and rules, ingest against the
eventsourcing library's SQLite recorder, reading back against json.loads, verify,
incremental apply latency, and wall time and peak memory at scale in fresh processes.
Data comes from bench/generate.py (seeded). docs/performance.md has the figures.
"""
