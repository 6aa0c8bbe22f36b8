"""Store formats for comity's SQLite ingest, measured beside eventsourcing's recorder.

    python -m bench.ingest_formats [--events N] [--small-events M] [--batch 10 1000]
                                   [--runs 5] [--only KEY ...] [--json FILE]

Issue 17 item 2 asks for ingest at 1.0 of eventsourcing's SQLite recorder, keeping
every guarantee. docs/performance.md names the gap (comity writes 1.56-1.65 times the
WAL bytes per event, `python -m bench.wal`) and the levers that change the store
format; this script measures what those levers would give before anyone migrates a
store for them.

Every variant gets the same generated events (`generate_log`) as rows prepared
beforehand (comity's own stored rows, read back from a log that appended them, then
reshaped for the variant: a hash as 32 bytes, a body without the members its columns
hold), into a fresh file, through the SQL comity's append runs per batch: BEGIN
IMMEDIATE; the tip; the batch's cases' last seqs in one grouped query; SAVEPOINT;
executemany INSERT; RELEASE; COMMIT, in WAL with synchronous=FULL and the default
checkpoints. Beside them, in the same repetition and in a rotating order,
eventsourcing's SQLiteApplicationRecorder inserts the same events through its own
`insert_events` (its StoredEvents, JSONTranscoder states, made beforehand too), and
its schema and statements go through this script's loop as a reference. Only
prepared-row SQL is timed: comity's Python per event was measured at or below
eventsourcing's (docs/performance.md).

WAL bytes and pages per commit come from a separate, untimed pass per variant with
checkpoints off (as `bench.wal` does); the timed passes keep SQLite's default
checkpoints, as both stores do in use.

Every variant keeps comity's guarantees at the SQL level: a duplicate event_id, a
duplicate (case, seq) and a duplicate position are refused by a UNIQUE constraint;
UPDATE and DELETE (and INSERT OR REPLACE) are refused by the append-only triggers;
the stored rows give back each record's exact canonical body, so the hash chain
verifies. `probe` and `verify_chain` check that (tests/test_bench_smoke.py runs them
on every variant).
"""

from __future__ import annotations

import argparse
import functools
import gc
import hashlib
import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import attrs
import orjson

from bench.figures import _comity_ingest, _eventsourcing_ingest, es_stored_events
from bench.generate import generate_log
from bench.stats import Clock
from comity.events import Event, canonical_json, open_log
from comity.events.store.records import RawRecord, chain

__all__ = ["VARIANTS", "Format", "Variant", "main", "probe", "verify_chain"]

#: The seed of the ingest figure (bench.figures: the full run's seed 7, plus 1).
SEED = 8

_APPEND_ONLY = "comity log is append-only"
_CREATE_TRIGGERS = """
    CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
    BEGIN SELECT RAISE(ABORT, '{msg}'); END;
    CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
    BEGIN SELECT RAISE(ABORT, '{msg}'); END;
"""


@dataclass(frozen=True)
class Variant:
    """One store format (and how an append reads it): how a row is shaped, how the
    table is keyed.

    `body`: "full" (today's: the whole canonical record), "lean" (without event_id
    and case_id, which are columns), "bare" (without any member a column holds:
    event_id, case_id, seq, position, recorded_at); either is put back on read.
    `layout`: "rowid" (today's: position the rowid, UNIQUE event_id, UNIQUE (case_id,
    seq)), "wr-position" / "wr-case" / "wr-event" (WITHOUT ROWID, clustered on
    position / (case_id, seq) / event_id, the other two keys UNIQUE), "idhash" (UNIQUE
    on an 8-byte SHA-256 prefix of event_id instead of on event_id), "caseno" (integer
    case numbers from an append-only `cases` table). `cached`: the append reads the
    tip and the last seqs only when `PRAGMA data_version` (read under the write lock)
    says another connection wrote since this one's last append. `event_id_index`
    False is a reference only (no idempotency): it measures what that index costs.
    """

    key: str
    label: str
    hash_blob: bool = False
    body: str = "full"
    layout: str = "rowid"
    page_size: int = 4096
    cached: bool = False
    event_id_index: bool = True
    needs: str = ""  # what comity would need changed to ship it
    weakens: str = ""  # which guarantee it weakens ("" for none)

    @property
    def candidate(self) -> bool:
        """Keeps every guarantee (the smoke test holds it to that)."""
        return not self.weakens


_V2 = "schema v2 and a migration that rewrites every row"
_PUT_BACK = (
    "every read (read_case, read, raw_records, verify, copy and bundles, the "
    "idempotency check's content_of) puts the members back, a canonical_json per "
    "record, before decoding or hashing; import_records strips them; PostgreSQL's rows "
    "then differ from SQLite's unless it changes too"
)
VARIANTS: tuple[Variant, ...] = (
    Variant("a", "today's schema", needs="nothing"),
    Variant(
        "b",
        "hash as a 32-byte BLOB",
        hash_blob=True,
        needs=f"{_V2} (SQLite 3.40 has no unhex(): in Python); hex at every edge "
        "(Tip, Head, verify, checkpoints, bundles)",
    ),
    Variant(
        "c",
        "body without event_id, case_id",
        body="lean",
        needs=f"{_V2}; {_PUT_BACK}",
    ),
    Variant(
        "c2",
        "body without any member a column holds",
        body="bare",
        needs="as c, for event_id, case_id, seq, position and recorded_at",
    ),
    Variant("d", "b + c", hash_blob=True, body="lean", needs="b and c"),
    Variant("d2", "b + c2", hash_blob=True, body="bare", needs="b and c2"),
    Variant(
        "e1",
        "d2, WITHOUT ROWID, PRIMARY KEY (position)",
        hash_blob=True,
        body="bare",
        layout="wr-position",
        needs="d2, the table rebuilt",
    ),
    Variant(
        "e2",
        "d2, WITHOUT ROWID, PRIMARY KEY (case_id, seq)",
        hash_blob=True,
        body="bare",
        layout="wr-case",
        needs="d2, the table rebuilt; the other indexes then hold (case_id, seq), not a rowid",
    ),
    Variant(
        "e3",
        "d2, WITHOUT ROWID, PRIMARY KEY (event_id)",
        hash_blob=True,
        body="bare",
        layout="wr-event",
        needs="as e2, keyed by event_id",
    ),
    Variant(
        "g",
        "d2, UNIQUE 8-byte hash of event_id (event_id not indexed)",
        hash_blob=True,
        body="bare",
        layout="idhash",
        needs="d2, an id_key column the writer computes; lookups by id_key",
        weakens="event_id's uniqueness rests on the writer computing id_key (no "
        "built-in hash for a CHECK); distinct ids sharing a 64-bit prefix are refused",
    ),
    Variant(
        "h",
        "d2, integer case numbers (an append-only cases table)",
        hash_blob=True,
        body="bare",
        layout="caseno",
        needs="d2, a cases table with its own triggers; case reads join it; an append "
        "looks its cases up and inserts new ones",
    ),
    Variant(
        "f8",
        "d2 at page_size 8192",
        hash_blob=True,
        body="bare",
        page_size=8192,
        needs="d2; page_size at creation (an existing store: out of WAL, VACUUM)",
    ),
    Variant(
        "f16",
        "d2 at page_size 16384",
        hash_blob=True,
        body="bare",
        page_size=16384,
        needs="as f8",
    ),
    Variant(
        "i",
        "today's schema, tip and seqs cached (data_version)",
        cached=True,
        needs="no store change: SqliteLog keeps its tip and each case's last seq "
        "between appends, re-read when PRAGMA data_version moves or after a rollback",
    ),
    Variant(
        "j",
        "d2, tip and seqs cached (data_version)",
        hash_blob=True,
        body="bare",
        cached=True,
        needs="d2 and i",
    ),
    Variant(
        "x1",
        "reference: d2 without the event_id index",
        hash_blob=True,
        body="bare",
        event_id_index=False,
        needs="not a candidate",
        weakens="idempotency: a duplicate event_id is stored (measures the index)",
    ),
    Variant(
        "x2",
        "reference: j without the event_id index",
        hash_blob=True,
        body="bare",
        cached=True,
        event_id_index=False,
        needs="not a candidate",
        weakens="as x1 (the floor of this loop with comity's rows)",
    ),
)

_LEAN = ("event_id", "case_id")
_BARE = ("event_id", "case_id", "seq", "position", "recorded_at")


def _id_key(event_id: str) -> int:
    return int.from_bytes(hashlib.sha256(event_id.encode()).digest()[:8], "big", signed=True)


@dataclass
class Batch:
    """One append's prepared work: its rows and its queries' parameters (a cached
    variant reads the tip only at its first append, and the last seqs only of cases
    it has not seen)."""

    read_tip: bool
    seq_sql: str
    seq_params: tuple[Any, ...]
    case_sql: str
    case_params: tuple[str, ...]
    new_cases: list[tuple[int, str]]
    rows: list[tuple[Any, ...]]


@dataclass
class Format:
    """A variant made concrete: its DDL, its row, its append, its read-back."""

    variant: Variant
    case_numbers: dict[str, int] = field(default_factory=dict)

    # -- schema ------------------------------------------------------------------

    def ddl(self) -> str:
        v = self.variant
        hash_type = "BLOB" if v.hash_blob else "TEXT"
        case_col = "case_no INTEGER NOT NULL" if v.layout == "caseno" else "case_id TEXT NOT NULL"
        case_key = "case_no" if v.layout == "caseno" else "case_id"
        unique_id = v.event_id_index and v.layout != "idhash"
        cols = [
            f"event_id TEXT NOT NULL{' UNIQUE' if unique_id else ''}",
            case_col,
            "seq INTEGER NOT NULL",
            "recorded_at TEXT NOT NULL",
            "body TEXT NOT NULL",
            f"hash {hash_type} NOT NULL",
        ]
        tail = ""
        if v.layout in ("rowid", "idhash", "caseno"):
            cols.insert(0, "position INTEGER PRIMARY KEY")
            cols.append(f"UNIQUE ({case_key}, seq)")
        elif v.layout == "wr-position":
            cols.insert(0, "position INTEGER NOT NULL PRIMARY KEY")
            cols.append(f"UNIQUE ({case_key}, seq)")
            tail = " WITHOUT ROWID"
        elif v.layout == "wr-case":
            cols.insert(0, "position INTEGER NOT NULL UNIQUE")
            cols.append(f"PRIMARY KEY ({case_key}, seq)")
            tail = " WITHOUT ROWID"
        elif v.layout == "wr-event":
            cols[0] = "event_id TEXT NOT NULL PRIMARY KEY"
            cols.insert(0, "position INTEGER NOT NULL UNIQUE")
            cols.append(f"UNIQUE ({case_key}, seq)")
            tail = " WITHOUT ROWID"
        else:
            raise ValueError(v.layout)
        if v.layout == "idhash":
            cols.insert(1, "id_key INTEGER NOT NULL UNIQUE")
        sql = "CREATE TABLE events (\n    " + ",\n    ".join(cols) + f"\n){tail};\n"
        sql += _CREATE_TRIGGERS.format(table="events", msg=_APPEND_ONLY)
        if v.layout == "caseno":
            sql = (
                "CREATE TABLE cases (case_no INTEGER PRIMARY KEY, case_id TEXT NOT NULL UNIQUE);\n"
                + _CREATE_TRIGGERS.format(table="cases", msg=_APPEND_ONLY)
                + sql
            )
        return sql

    @property
    def columns(self) -> tuple[str, ...]:
        case_col = "case_no" if self.variant.layout == "caseno" else "case_id"
        cols = ("position", case_col, "seq", "event_id", "recorded_at", "body", "hash")
        return cols + (("id_key",) if self.variant.layout == "idhash" else ())

    @property
    def insert_sql(self) -> str:
        marks = ", ".join("?" * len(self.columns))
        return f"INSERT INTO events ({', '.join(self.columns)}) VALUES ({marks})"

    # -- rows --------------------------------------------------------------------

    def stored_body(self, body: str) -> str:
        drop = {"full": (), "lean": _LEAN, "bare": _BARE}[self.variant.body]
        if not drop:
            return body
        data = orjson.loads(body)
        for name in drop:
            del data[name]
        return canonical_json(data)

    def row(self, r: RawRecord) -> tuple[Any, ...]:
        """The variant's row for one of comity's stored rows."""
        v = self.variant
        case: Any = r.case_id
        if v.layout == "caseno":
            case = self.case_numbers.setdefault(r.case_id, len(self.case_numbers) + 1)
        hash_: Any = bytes.fromhex(r.hash) if v.hash_blob else r.hash
        out = (r.position, case, r.seq, r.event_id, r.recorded_at, self.stored_body(r.body), hash_)
        return out + ((_id_key(r.event_id),) if v.layout == "idhash" else ())

    def batches(self, records: Sequence[RawRecord], size: int) -> list[Batch]:
        out: list[Batch] = []
        seen: set[str] = set()
        for start in range(0, len(records), size):
            chunk = records[start : start + size]
            known = set(self.case_numbers)
            rows = [self.row(r) for r in chunk]
            in_batch = {r.case_id for r in chunk}
            cases = tuple(sorted(in_batch - seen if self.variant.cached else in_batch))
            seen |= in_batch
            marks = ",".join("?" * len(cases))
            read_tip = not (self.variant.cached and out)
            if self.variant.layout == "caseno":
                new = sorted({r.case_id for r in chunk} - known, key=self.case_numbers.__getitem__)
                out.append(
                    Batch(
                        read_tip=read_tip,
                        seq_sql=f"SELECT case_no, MAX(seq) FROM events WHERE case_no IN ({marks}) "
                        "GROUP BY case_no",
                        seq_params=tuple(self.case_numbers[c] for c in cases),
                        case_sql=f"SELECT case_id, case_no FROM cases WHERE case_id IN ({marks})",
                        case_params=cases,
                        new_cases=[(self.case_numbers[c], c) for c in new],
                        rows=rows,
                    )
                )
            else:
                out.append(
                    Batch(
                        read_tip=read_tip,
                        seq_sql=f"SELECT case_id, MAX(seq) FROM events WHERE case_id IN ({marks}) "
                        "GROUP BY case_id",
                        seq_params=cases,
                        case_sql="",
                        case_params=(),
                        new_cases=[],
                        rows=rows,
                    )
                )
        return out

    # -- the store -----------------------------------------------------------------

    def create(self, path: Path) -> sqlite3.Connection:
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute(f"PRAGMA page_size = {self.variant.page_size}")  # before the first write
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA recursive_triggers = ON")  # as comity: REPLACE fires the guard
        conn.execute("BEGIN IMMEDIATE")
        for statement in _statements(self.ddl()):
            conn.execute(statement)
        conn.execute("COMMIT")
        return conn

    def append(self, conn: sqlite3.Connection, batch: Batch) -> None:
        """What SqliteLog.append does in SQL for a batch of new events."""
        conn.execute("BEGIN IMMEDIATE")
        if self.variant.cached:
            conn.execute("PRAGMA data_version").fetchall()  # unchanged: no other writer
        if batch.read_tip:
            conn.execute(
                "SELECT position, hash, recorded_at FROM events ORDER BY position DESC LIMIT 1"
            ).fetchall()
        if batch.seq_params:
            if batch.case_sql:
                conn.execute(batch.case_sql, batch.case_params).fetchall()
            conn.execute(batch.seq_sql, batch.seq_params).fetchall()
        conn.execute("SAVEPOINT optimistic")
        if batch.new_cases:
            conn.executemany("INSERT INTO cases (case_no, case_id) VALUES (?, ?)", batch.new_cases)
        conn.executemany(self.insert_sql, batch.rows)
        conn.execute("RELEASE optimistic")
        conn.execute("COMMIT")

    def read_records(self, conn: sqlite3.Connection) -> list[RawRecord]:
        """Every stored row as comity's RawRecord, the body put back as it was hashed."""
        case = "c.case_id" if self.variant.layout == "caseno" else "e.case_id"
        join = " JOIN cases c ON c.case_no = e.case_no" if self.variant.layout == "caseno" else ""
        sql = (
            f"SELECT e.position, {case}, e.seq, e.event_id, e.recorded_at, e.body, e.hash "
            f"FROM events e{join} ORDER BY e.position"
        )
        out = []
        for position, case_id, seq, event_id, recorded_at, body, hash_ in conn.execute(sql):
            data = orjson.loads(body)
            put_back = {
                "event_id": event_id,
                "case_id": case_id,
                "seq": seq,
                "position": position,
                "recorded_at": recorded_at,
            }
            for name in {"full": (), "lean": _LEAN, "bare": _BARE}[self.variant.body]:
                data[name] = put_back[name]
            text = canonical_json(data) if self.variant.body != "full" else body
            out.append(
                RawRecord(
                    position=position,
                    case_id=case_id,
                    seq=seq,
                    event_id=event_id,
                    recorded_at=recorded_at,
                    body=text,
                    hash=hash_.hex() if isinstance(hash_, bytes) else hash_,
                )
            )
        return out


def _statements(script: str) -> list[str]:
    """A script's statements (triggers' bodies hold semicolons: split on complete ones)."""
    out, current = [], ""
    for piece in script.split(";"):
        current += piece + ";"
        if sqlite3.complete_statement(current):
            if current.strip(" \n;"):
                out.append(current.strip())
            current = ""
    return out


def verify_chain(fmt: Format, conn: sqlite3.Connection) -> int:
    """The hash chain over the variant's stored rows, bodies put back: the count of
    records, or ValueError at the first that does not chain."""
    prev = "0" * 64
    records = fmt.read_records(conn)
    for i, r in enumerate(records, start=1):
        if r.position != i:
            raise ValueError(f"position {r.position} where {i} was expected")
        prev = chain(prev, r.body)
        if prev != r.hash:
            raise ValueError(f"position {r.position}: the hash does not chain")
    return len(records)


def probe(fmt: Format, conn: sqlite3.Connection, stored: Sequence[RawRecord]) -> dict[str, str]:
    """Try what the store must refuse, each in a transaction rolled back: the error
    SQLite gave for each ("" if it was accepted), and "control" for a valid new row
    (which must be accepted, so that the refusals are the constraints' own)."""
    last = stored[-1]
    top = max(r.seq for r in stored if r.case_id == last.case_id)
    nxt = len(stored) + 1

    def like(**changes: Any) -> RawRecord:
        fields: dict[str, Any] = {
            "position": nxt,
            "case_id": last.case_id,
            "seq": top + 1,
            "event_id": "probe-new-id",
            "recorded_at": last.recorded_at,
            "body": last.body,
            "hash": last.hash,
        }
        fields.update(changes)
        return RawRecord(**fields)

    tries: dict[str, Callable[[], object]] = {
        "duplicate event_id": lambda: conn.execute(
            fmt.insert_sql, fmt.row(like(event_id=last.event_id))
        ),
        "duplicate (case_id, seq)": lambda: conn.execute(
            fmt.insert_sql, fmt.row(like(seq=last.seq))
        ),
        "duplicate position": lambda: conn.execute(
            fmt.insert_sql, fmt.row(like(position=last.position))
        ),
        "INSERT OR REPLACE of a stored event_id": lambda: conn.execute(
            fmt.insert_sql.replace("INSERT", "INSERT OR REPLACE", 1),
            fmt.row(like(event_id=last.event_id)),
        ),
        "UPDATE": lambda: conn.execute("UPDATE events SET seq = seq + 1000"),
        "DELETE": lambda: conn.execute("DELETE FROM events WHERE position = 1"),
        "control": lambda: conn.execute(fmt.insert_sql, fmt.row(like())),
    }
    if fmt.variant.layout == "caseno":
        tries["UPDATE cases"] = lambda: conn.execute("UPDATE cases SET case_id = 'x'")
        tries["DELETE cases"] = lambda: conn.execute("DELETE FROM cases")
    out = {}
    for name, attempt in tries.items():
        conn.execute("BEGIN IMMEDIATE")
        try:
            attempt()
            out[name] = ""
        except sqlite3.Error as exc:
            out[name] = str(exc) or type(exc).__name__
        finally:
            conn.execute("ROLLBACK")
    return out


# -- measuring ---------------------------------------------------------------------


#: --ids: the generator's own ids (the case id and a counter, so in (case, seq)
#: order), random UUIDs (version 4, seeded), or ids in the order events arrive.
ID_KINDS = ("bench", "uuid", "ordered")


def with_ids(events: Sequence[Event], kind: str) -> list[Event]:
    """The same events under other event ids (a retraction's target renamed too)."""
    if kind == "bench":
        return list(events)
    rng = random.Random(SEED)
    if kind == "uuid":
        new = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in events]
    else:
        new = [f"E{i:019d}" for i in range(1, len(events) + 1)]
    names = {e.event_id: n for e, n in zip(events, new, strict=True)}
    out = []
    for event in events:
        changes: dict[str, Any] = {"event_id": names[event.event_id]}
        target = getattr(event, "retracted_event_id", None)
        if target in names:
            changes["retracted_event_id"] = names[target]
        out.append(attrs.evolve(event, **changes))
    return out


def _comity_records(events: Sequence[Event], workdir: Path) -> list[RawRecord]:
    source = open_log(str(workdir / "source.db"), create=True)
    try:
        for start in range(0, len(events), 1000):
            source.append(events[start : start + 1000])
        return list(source.raw_records())
    finally:
        source.close()


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _timed(fmt: Format, batches: Sequence[Batch], path: Path) -> Clock:
    conn = fmt.create(path)
    try:
        gc.collect()
        with Clock() as clock:
            for batch in batches:
                fmt.append(conn, batch)
        return clock
    finally:
        conn.close()
        _remove(path)


def _wal_pass(
    create: Callable[[Path], sqlite3.Connection],
    insert: Callable[[sqlite3.Connection], None],
    path: Path,
    page_size: int,
    commits: int,
) -> tuple[int, float, int]:
    """WAL bytes, pages per commit and the file's bytes, checkpoints off."""
    conn = create(path)
    try:
        conn.execute("PRAGMA wal_autocheckpoint = 0")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        insert(conn)
        wal = Path(f"{path}-wal").stat().st_size
        pages = int(conn.execute("PRAGMA page_count").fetchone()[0])
    finally:
        conn.close()
        _remove(path)
    frames = max(wal - 32, 0) / (page_size + 24)  # a WAL frame: a 24-byte header, a page
    return wal, frames / commits, pages * page_size


@dataclass
class Eventsourcing:
    """eventsourcing's side: its recorder's own insert path, and its schema and
    statements through this script's loop (a reference for the SQL alone)."""

    batches: list[list[Any]]  # its StoredEvents
    rows: list[list[tuple[Any, ...]]]
    ddl: list[str]

    @classmethod
    def prepare(cls, events: Sequence[Event], size: int) -> Eventsourcing:
        from eventsourcing.persistence import JSONTranscoder
        from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteDatastore

        stored = es_stored_events(events, {}, JSONTranscoder().encode)
        datastore = SQLiteDatastore(":memory:", originator_id_type="text")
        try:
            ddl = SQLiteApplicationRecorder(datastore).construct_create_table_statements()
        finally:
            datastore.close()
        chunks = [stored[i : i + size] for i in range(0, len(stored), size)]
        rows = [
            [(s.originator_id, s.originator_version, s.topic, s.state) for s in chunk]
            for chunk in chunks
        ]
        return cls(batches=chunks, rows=rows, ddl=ddl)

    def time_recorder(self, path: Path) -> Clock:
        from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteDatastore

        datastore = SQLiteDatastore(str(path), originator_id_type="text")
        try:
            recorder = SQLiteApplicationRecorder(datastore)
            recorder.create_table()
            gc.collect()
            with Clock() as clock:
                for batch in self.batches:
                    recorder.insert_events(batch)
            return clock
        finally:
            datastore.close()
            _remove(path)

    def create(self, path: Path) -> sqlite3.Connection:
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")  # SQLite's default, which its recorder runs
        for statement in self.ddl:
            conn.execute(statement)
        return conn

    def insert_all(self, conn: sqlite3.Connection) -> None:
        """Its recorder's SQL: BEGIN (deferred), one INSERT per event, COMMIT."""
        for rows in self.rows:
            conn.execute("BEGIN")
            for row in rows:
                conn.execute("INSERT INTO stored_events VALUES (?,?,?,?)", row)
            conn.execute("COMMIT")

    def time_sql(self, path: Path) -> Clock:
        conn = self.create(path)
        try:
            gc.collect()
            with Clock() as clock:
                self.insert_all(conn)
            return clock
        finally:
            conn.close()
            _remove(path)


ES = "es"  # eventsourcing's recorder: the baseline of every ratio
ES_SQL = "es-sql"  # its schema and statements through this script's loop
FIGURE_COMITY = "figure-comity"  # comity's EventLog.append, whole (bench.figures)
FIGURE_ES = "figure-es"  # eventsourcing with its Python per event (bench.figures)


def _figure(
    run: Callable[[Path, Sequence[Sequence[Event]]], Clock],
    path: Path,
    batches: Sequence[Sequence[Event]],
) -> Clock:
    try:
        return run(path, batches)
    finally:
        _remove(path)


def _median_ratio(
    base: Sequence[float], subject: Sequence[float]
) -> tuple[float, float, list[float]]:
    """The median of base/subject over the runs, its spread, and the ratios."""
    ratios = [b / s for b, s in zip(base, subject, strict=True)]
    mid = statistics.median(ratios)
    spread = (max(ratios) - min(ratios)) / mid if len(ratios) > 1 else 0.0
    return mid, spread, ratios


def measure(
    events: Sequence[Event],
    records: Sequence[RawRecord],
    size: int,
    runs: int,
    variants: Sequence[Variant],
    workdir: Path,
) -> dict[str, dict[str, Any]]:
    """Every variant and eventsourcing at one batch size: each repetition runs all of
    them once, in an order rotated from one repetition to the next."""
    formats = {v.key: Format(v) for v in variants}
    prepared = {k: f.batches(records, size) for k, f in formats.items()}
    es = Eventsourcing.prepare(events, size)
    commits = len(es.batches)
    event_batches = [events[i : i + size] for i in range(0, len(events), size)]
    timers: dict[str, Callable[[Path], Clock]] = {
        ES: es.time_recorder,
        ES_SQL: es.time_sql,
        # The ingest figure's own pair, Python included (bench.figures), as a
        # reference: their ratio is what `python -m bench` would report in this run.
        FIGURE_COMITY: lambda p: _figure(_comity_ingest, p, event_batches),
        FIGURE_ES: lambda p: _figure(_eventsourcing_ingest, p, event_batches),
    }
    for key, fmt in formats.items():
        timers[key] = functools.partial(_timed, fmt, prepared[key])
    order = list(timers)
    wall: dict[str, list[float]] = {k: [] for k in order}
    cpu: dict[str, list[float]] = {k: [] for k in order}
    for run in range(runs):
        shift = (run * len(order)) // max(runs, 1)
        for key in order[shift:] + order[:shift]:
            clock = timers[key](workdir / f"{key}-{size}-{run}.db")
            wall[key].append(clock.wall)
            cpu[key].append(clock.cpu)
    out: dict[str, dict[str, Any]] = {}
    for key in order:
        base = FIGURE_ES if key == FIGURE_COMITY else ES
        ratio, spread, ratios = _median_ratio(wall[base], wall[key])
        row: dict[str, Any] = {
            "events_per_s": statistics.median(len(events) / s for s in wall[key]),
            "vs_eventsourcing": ratio,
            "spread": spread,
            "vs_eventsourcing_runs": ratios,
            "vs_eventsourcing_cpu": _median_ratio(cpu[base], cpu[key])[0],
        }
        if key in formats:
            fresh = Format(formats[key].variant)
            batches = fresh.batches(records, size)

            def insert(
                conn: sqlite3.Connection, f: Format = fresh, b: list[Batch] = batches
            ) -> None:
                for batch in b:
                    f.append(conn, batch)

            page = fresh.variant.page_size
            wal = _wal_pass(fresh.create, insert, workdir / f"wal-{key}.db", page, commits)
        elif key in (ES, ES_SQL):
            wal = _wal_pass(es.create, es.insert_all, workdir / f"wal-{key}.db", 4096, commits)
        else:
            out[key] = row
            continue
        row["wal_bytes_per_event"] = wal[0] / len(events)
        row["pages_per_commit"] = wal[1]
        row["file_bytes_per_event"] = wal[2] / len(events)
        out[key] = row
    return out


def _label(key: str) -> str:
    labels = {
        ES: "eventsourcing's recorder (insert_events)",
        ES_SQL: "eventsourcing's schema and SQL, this loop",
    }
    return labels.get(key) or next(v.label for v in VARIANTS if v.key == key)


def _print(by: dict[str, dict[str, Any]]) -> None:
    print(
        f"{'':6} {'variant':55} {'events/s':>9} {'vs es':>6} {'spread':>6} {'CPU':>6} "
        f"{'WAL B/ev':>8} {'pg/cmt':>6} {'file B/ev':>9}"
    )
    for key, row in by.items():
        if key in (FIGURE_ES, FIGURE_COMITY):
            continue
        disk = (
            f"{row['wal_bytes_per_event']:8,.0f} {row['pages_per_commit']:6.1f} "
            f"{row['file_bytes_per_event']:9,.0f}"
            if "wal_bytes_per_event" in row
            else ""
        )
        print(
            f"{key:6} {_label(key):55} {row['events_per_s']:9,.0f} "
            f"{row['vs_eventsourcing']:6.3f} {row['spread']:6.0%} "
            f"{row['vs_eventsourcing_cpu']:6.3f} {disk}"
        )
    fig, es = by[FIGURE_COMITY], by[FIGURE_ES]
    print(
        f"the ingest figure's own pair, Python included: comity's EventLog.append "
        f"{fig['events_per_s']:,.0f}/s, eventsourcing {es['events_per_s']:,.0f}/s: "
        f"{fig['vs_eventsourcing']:.3f} (spread {fig['spread']:.0%}, CPU "
        f"{fig['vs_eventsourcing_cpu']:.3f})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest_formats")
    parser.add_argument("--events", type=int, default=50_000, help="events at batches >= 100")
    parser.add_argument("--small-events", type=int, default=5_000, help="events at batches < 100")
    parser.add_argument("--batch", type=int, nargs="+", default=[10, 1000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--ids", choices=ID_KINDS, default="bench", help="event ids (see ID_KINDS)")
    parser.add_argument("--only", nargs="+", metavar="KEY", help="variants to run (default all)")
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args(argv)
    variants = [v for v in VARIANTS if not args.only or v.key in args.only]
    loadavg = os.getloadavg()
    events = with_ids(list(generate_log(args.events, seed=SEED)), args.ids)
    results: dict[str, Any] = {
        "sqlite": sqlite3.sqlite_version,
        "runs": args.runs,
        "ids": args.ids,
        "loadavg_before": loadavg,
        "by_batch": {},
    }
    print(
        f"SQLite {sqlite3.sqlite_version}; event ids: {args.ids}; "
        f"load average {loadavg[0]:.2f} {loadavg[1]:.2f}"
    )
    with tempfile.TemporaryDirectory(prefix="comity-formats-") as d:
        workdir = Path(d)
        records = _comity_records(events, workdir)
        for size in args.batch:
            n = args.events if size >= 100 else min(args.small_events, args.events)
            started = time.perf_counter()
            by = measure(events[:n], records[:n], size, args.runs, variants, workdir)
            results["by_batch"][str(size)] = {"events": n, "variants": by}
            print(
                f"\nbatch {size}: {n:,} events, medians of {args.runs} "
                f"({time.perf_counter() - started:.0f} s); vs es: eventsourcing's time over "
                "the row's (wall; CPU: process time)"
            )
            _print(by)
    results["loadavg_after"] = os.getloadavg()
    after = results["loadavg_after"]
    print(f"\nload average before {loadavg[0]:.2f}, after {after[0]:.2f} {after[1]:.2f}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
