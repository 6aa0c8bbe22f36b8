"""How many bytes each side writes to SQLite's WAL for the same events.

    python -m bench.wal [--events N] [--batch B ...]

Part of the evidence for the ingest figure (docs/performance.md): every commit is
fsynced on both sides, so what a commit writes is what it waits for. Both sides get the
same generated events as rows ready to insert (comity's stored rows, read back from a
log that appended them; eventsourcing's stored events, its `JSONTranscoder` over the
same dict), into fresh files with their own schemas (comity's from `open_log`,
eventsourcing's from its recorder's own CREATE statements), WAL with checkpoints off,
inserted in the same batches. The WAL's size at the end, divided by the events, is
what each event cost on disk.
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.generate import generate_log
from comity.events import encode_event, open_log
from comity.events.store.records import RAW_COLUMNS

__all__ = ["main", "wal_bytes"]


def _comity_rows(events: Sequence[Any], workdir: Path) -> tuple[list[tuple[Any, ...]], Path]:
    source = open_log(str(workdir / "source.db"), create=True)
    try:
        for start in range(0, len(events), 1000):
            source.append(events[start : start + 1000])
        rows = [
            (r.position, r.case_id, r.seq, r.event_id, r.recorded_at, r.body, r.hash)
            for r in source.raw_records()
        ]
    finally:
        source.close()
    empty = workdir / "comity-schema.db"
    open_log(str(empty), create=True).close()  # a store with comity's schema, nothing in it
    return rows, empty


def _eventsourcing_rows(events: Sequence[Any]) -> tuple[list[tuple[Any, ...]], list[str]]:
    from eventsourcing.persistence import JSONTranscoder
    from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteDatastore

    transcode = JSONTranscoder().encode
    versions: dict[str, int] = {}
    rows = []
    for event in events:
        version = versions.get(event.case_id, 0) + 1
        versions[event.case_id] = version
        topic = f"comity.events.types:{type(event).__name__}"
        rows.append((event.case_id, version, topic, transcode(encode_event(event))))
    datastore = SQLiteDatastore(":memory:", originator_id_type="text")
    try:
        ddl = SQLiteApplicationRecorder(datastore).construct_create_table_statements()
    finally:
        datastore.close()
    return rows, ddl


def wal_bytes(path: Path, sql: str, rows: Sequence[tuple[Any, ...]], batch: int) -> int:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA wal_autocheckpoint = 0")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        for start in range(0, len(rows), batch):
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(sql, rows[start : start + batch])
            conn.execute("COMMIT")
        return Path(f"{path}-wal").stat().st_size
    finally:
        conn.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.wal")
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--batch", type=int, nargs="+", default=[10, 1000])
    args = parser.parse_args(argv)
    events = list(generate_log(args.events, seed=8))
    with tempfile.TemporaryDirectory(prefix="comity-wal-") as d:
        workdir = Path(d)
        comity_rows, comity_schema = _comity_rows(events, workdir)
        es_rows, es_ddl = _eventsourcing_rows(events)
        comity_sql = f"INSERT INTO events ({RAW_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)"
        es_sql = "INSERT INTO stored_events VALUES (?, ?, ?, ?)"
        print(f"{len(events):,} events; WAL bytes per event (pages of 4 KiB per commit)")
        for batch in args.batch:
            target = workdir / f"comity-{batch}.db"
            target.write_bytes(comity_schema.read_bytes())
            ours = wal_bytes(target, comity_sql, comity_rows, batch)
            theirs_path = workdir / f"eventsourcing-{batch}.db"
            with sqlite3.connect(theirs_path) as conn:
                for statement in es_ddl:
                    conn.execute(statement)
            conn.close()
            theirs = wal_bytes(theirs_path, es_sql, es_rows, batch)
            commits = -(-len(events) // batch)
            print(
                f"batch {batch:>5}: comity {ours / len(events):7.0f} "
                f"({ours / 4096 / commits:5.1f}), eventsourcing {theirs / len(events):7.0f} "
                f"({theirs / 4096 / commits:5.1f}), ratio {ours / theirs:.2f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
