"""The SQLite log: the embedded default, one file (`./comity.db` unless told otherwise).

What is stored, and how it is numbered and hashed, is decided by the store's shared
modules (`plan_append`, `check_import`, through `_recorder`); this module only keeps
rows and takes locks:

- one table `events`, one row per record, `position` the rowid; `meta` holds the
  schema version so that later versions can migrate a store forward;
- triggers refuse UPDATE and DELETE on `events` (a guard against accidents; the hash
  chain and `comity verify` are what detect deliberate tampering);
- WAL journal with `synchronous=FULL`: a commit returns only once it is on disk, so a
  crash or a killed process loses at most the batch being written, never part of one
  (docs/store.md);
- every write is one `BEGIN IMMEDIATE` transaction, so writers in several processes
  serialise on the file lock and the optimistic-concurrency check runs under it;
- reads stream page by page (never the whole log in memory) and see the log as it
  was when they started.

A connection belongs to the thread that opened the log (sqlite3's default check).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from os import PathLike
from pathlib import Path
from typing import Any
from urllib.parse import quote

from comity.errors import (
    ConcurrencyConflict,
    StoreError,
    StoreReadOnly,
    StoreUnavailable,
)
from comity.events import arguments
from comity.events.store._recorder import (
    checked_imports,
    planner,
    stored_contents,
    tip_of,
)
from comity.events.store._rows import RowReads
from comity.events.store.records import (
    RAW_COLUMNS,
    AppendResult,
    Head,
    RawRecord,
    StoredEvent,
    Tip,
    decode_stored,
    format_recorded_at,
    record_of_row,
)
from comity.events.types import Event
from comity.i18n import N_
from comity.i18n import gettext as _

__all__ = ["APPLICATION", "SCHEMA_VERSION", "SqliteLog"]

#: What the `meta` table says a comity store is.
APPLICATION = "comity-log"
#: The schema this code writes; older stores are migrated forward on open.
SCHEMA_VERSION = 1
#: Written into the SQLite header (`PRAGMA application_id`) so that tools can tell the
#: file apart: "CMTY" in ASCII.
APPLICATION_ID = 0x434D5459
#: How long a writer waits for another process's transaction before giving up.
BUSY_TIMEOUT_S = 30.0
#: Rows fetched per round trip while streaming.
FETCH_ROWS = 512
#: Ids per `IN (...)` lookup; well below SQLite's bound-parameter limit.
ID_CHUNK = 500

_APPEND_ONLY = "comity log is append-only"

_SCHEMA_V1 = (
    """
    CREATE TABLE IF NOT EXISTS meta (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        application TEXT NOT NULL,
        schema_version INTEGER NOT NULL,
        created_at TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS events (
        position INTEGER PRIMARY KEY,
        event_id TEXT NOT NULL UNIQUE,
        case_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        recorded_at TEXT NOT NULL,
        body TEXT NOT NULL,
        hash TEXT NOT NULL,
        UNIQUE (case_id, seq)
    )
    """,
    f"""
    CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END
    """,
    f"""
    CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END
    """,
)

#: version -> the function that upgrades a store from that version to the next one,
#: run inside the write transaction that also bumps `meta.schema_version`.
_MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {}


#: Cases whose last seq an open log keeps between its appends (beyond, it starts over).
KNOWN_CASES = 100_000


class _Known:
    """What this connection's last append left the log at (its tip, the last seq of the
    cases it saw), valid while no other connection has committed since: SQLite's
    `PRAGMA data_version`, read under the write lock, moves exactly then. Each append of
    a writer that appends alone (a service, an ingest) then reads neither the tip nor
    the batch's last seqs again: two statements of the three it ran before its insert
    (docs/performance.md, "Ingest store formats measured": variant i)."""

    __slots__ = ("seqs", "tip", "version")

    def __init__(self, version: int, tip: Tip, seqs: dict[str, int]) -> None:
        self.version, self.tip, self.seqs = version, tip, seqs

    def seqs_of(self, log: SqliteLog) -> Callable[[Collection[str]], Mapping[str, int]]:
        """`last_seqs` for the planner: kept ones as they are, the rest from the store."""

        def last_seqs(cases: Collection[str]) -> Mapping[str, int]:
            missing = [c for c in cases if c not in self.seqs]
            if missing:
                self.seqs.update(log._last_seqs(missing))
            return {c: self.seqs[c] for c in cases}

        return last_seqs

    def after(self, rows: Sequence[RawRecord]) -> _Known | None:
        """What the log is at once `rows` are committed, read back as a re-read would
        (the tip's time parsed from its stored text)."""
        if not rows:
            return self
        for row in rows:
            self.seqs[row.case_id] = row.seq
        if len(self.seqs) > KNOWN_CASES:
            self.seqs = {}
        last = rows[-1]
        return _Known(self.version, tip_of((last.position, last.hash, last.recorded_at)), self.seqs)


def _none_stored(ids: Sequence[str]) -> Mapping[str, str]:
    return {}


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class SqliteLog(RowReads):
    """An EventLog in one SQLite file; one connection per object, used from one thread."""

    def __init__(
        self,
        path: str | PathLike[str],
        *,
        create: bool = True,
        clock: Callable[[], dt.datetime] = _utcnow,
        busy_timeout: float = BUSY_TIMEOUT_S,
    ) -> None:
        self.path = str(path)
        self.url = f"sqlite:///{self.path}"
        self._clock = clock
        self._busy_timeout = busy_timeout
        self._conn: sqlite3.Connection | None = None
        self._known: _Known | None = None
        in_memory = self.path == ":memory:"
        if not create and not in_memory and not Path(self.path).exists():
            raise StoreUnavailable(self._missing_message())
        try:
            self._conn = self._connect(create=create, in_memory=in_memory)
            self._open(create=create)
        except sqlite3.Error as exc:
            self.close()
            raise self._error(exc, N_("open the store")) from exc
        except BaseException:
            self.close()
            raise

    # -- opening -------------------------------------------------------------------

    def _missing_message(self) -> str:
        return _(
            "{store}: no comity store there; run `comity init` to create one "
            "(or pass --store / COMITY_STORE to name another)"
        ).format(store=self.path)

    def _connect(self, *, create: bool, in_memory: bool) -> sqlite3.Connection:
        if in_memory:
            target, uri = ":memory:", False
        else:
            target, uri = f"file:{quote(self.path)}?mode={'rwc' if create else 'rw'}", True
        try:
            conn = sqlite3.connect(
                target, uri=uri, timeout=self._busy_timeout, isolation_level=None
            )
        except sqlite3.OperationalError as exc:
            if not create:
                raise StoreUnavailable(self._missing_message()) from exc
            raise StoreUnavailable(
                _(
                    "{store}: cannot open or create the store file ({why}); "
                    "check that the directory exists and is writable"
                ).format(store=self.path, why=exc)
            ) from exc
        conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout * 1000)}")
        return conn

    def _open(self, *, create: bool) -> None:
        conn = self._connection()
        # The first read of the file: this is where "file is not a database" shows.
        tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
        if tables and "meta" not in tables:
            raise StoreUnavailable(
                _(
                    "{store}: an SQLite database, but not a comity store "
                    "(it has no comity meta table); name another file with --store"
                ).format(store=self.path)
            )
        if not tables and not create:
            raise StoreUnavailable(
                _("{store}: the file holds no comity store yet; run `comity init` first").format(
                    store=self.path
                )
            )
        # WAL lets readers run while one writer appends; FULL makes every commit durable
        # before it returns (docs/store.md says what a crash can and cannot lose).
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        # REPLACE conflict handling deletes rows; with this on, it fires the delete guard.
        conn.execute("PRAGMA recursive_triggers = ON")
        version = self._schema_version() if tables else None
        if version == SCHEMA_VERSION:
            return
        if version is not None and version > SCHEMA_VERSION:
            raise StoreUnavailable(
                _(
                    "{store}: the store has schema version {version}, newer than this "
                    "comity understands ({known}); upgrade comity"
                ).format(store=self.path, version=version, known=SCHEMA_VERSION)
            )
        with self._write():
            self._initialise_or_migrate()

    def _schema_version(self) -> int:
        row = (
            self._connection()
            .execute("SELECT application, schema_version FROM meta WHERE id = 1")
            .fetchone()
        )
        if row is None or row[0] != APPLICATION or not isinstance(row[1], int):
            raise StoreUnavailable(
                _(
                    "{store}: an SQLite database with a meta table that is not comity's; "
                    "name another file with --store"
                ).format(store=self.path)
            )
        version: int = row[1]
        return version

    def _initialise_or_migrate(self) -> None:
        """Inside the write lock: create the schema, or bring an old one forward.

        Re-reads the version first, since another process may have done it meanwhile.
        """
        conn = self._connection()
        has_meta = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
        ).fetchone()
        if not has_meta:
            for statement in _SCHEMA_V1:
                conn.execute(statement)
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(
                "INSERT INTO meta (id, application, schema_version, created_at) "
                "VALUES (1, ?, 1, ?)",
                (APPLICATION, format_recorded_at(self._clock())),
            )
        version = self._schema_version()
        while version < SCHEMA_VERSION:
            _MIGRATIONS[version](conn)
            version += 1
            conn.execute("UPDATE meta SET schema_version = ? WHERE id = 1", (version,))

    # -- plumbing ------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreUnavailable(f"{self.path}: this log has been closed")
        return self._conn

    def _error(self, exc: sqlite3.Error, doing: str) -> StoreError:
        """The StoreError a caller sees for an sqlite3 error (never the raw exception)."""
        text = str(exc)
        lowered = text.lower()
        where = _("{store}: could not {doing}").format(store=self.path, doing=_(doing))
        if "not a database" in lowered:
            return StoreUnavailable(
                _(
                    "{store}: not an SQLite database, so not a comity store; "
                    "name another file with --store"
                ).format(store=self.path)
            )
        if "locked" in lowered or "busy" in lowered:
            return StoreUnavailable(
                _(
                    "{where}: the store is locked by another writer (waited up to {seconds} s); "
                    "try again"
                ).format(where=where, seconds=f"{self._busy_timeout:g}")
            )
        if "malformed" in lowered or "corrupt" in lowered:
            return StoreError(
                f"{where}: the database file is damaged ({text}); restore it from a "
                "backup and run `comity verify`"
            )
        if _APPEND_ONLY in text:
            return StoreError(f"{where}: the comity log is append-only")
        if "closed" in lowered:
            return StoreUnavailable(f"{where}: this log has been closed")
        if "readonly" in lowered or "read-only" in lowered:
            return StoreReadOnly(
                _("{where}: the file or its directory is read-only").format(where=where)
            )
        if "unable to open" in lowered:
            return StoreUnavailable(f"{where}: the file cannot be opened ({text})")
        if isinstance(exc, sqlite3.ProgrammingError) and "thread" in lowered:
            return StoreError(f"{where}: a log object must be used from the thread that opened it")
        return StoreError(f"{where}: {text}")

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: BEGIN IMMEDIATE takes the file's write lock up front,
        so that what is read inside (tip, seqs, known ids) cannot change before COMMIT.
        Anything raised inside rolls everything back."""
        conn = self._connection()
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    with suppress(sqlite3.Error):
                        conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise self._error(exc, N_("write to the store")) from exc

    def _pages(self, sql: str, params: Sequence[Any], *, key: int, start: Any) -> Iterator[Any]:
        """Stream a query's rows FETCH_ROWS at a time, by keyset pagination.

        `sql` takes the keyset cursor as its first parameter (`key > ?`) and ends in
        `ORDER BY key LIMIT ?`; `key` is the cursor's column index in a row. Each page is
        a short statement run to completion, so no read transaction stays open while
        the caller works: a paused reader neither blocks WAL checkpoints nor pins a
        stale snapshot (which would make a later write through this connection fail
        with SQLITE_BUSY_SNAPSHOT as soon as another process had written).
        """
        last = start
        while True:
            try:
                rows = self._connection().execute(sql, (last, *params, FETCH_ROWS)).fetchall()
            except sqlite3.Error as exc:
                raise self._error(exc, N_("read the store")) from exc
            yield from rows
            if len(rows) < FETCH_ROWS:
                return
            last = rows[-1][key]

    def _one(self, sql: str, params: Sequence[Any] = ()) -> Sequence[Any] | None:
        try:
            rows = self._connection().execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise self._error(exc, N_("read the store")) from exc
        return rows[0] if rows else None

    def _tip(self) -> Tip:
        return tip_of(
            self._one(
                "SELECT position, hash, recorded_at FROM events ORDER BY position DESC LIMIT 1"
            )
        )

    def _head_position(self) -> int:
        """The snapshot bound of a read: rows appended after it started are not seen,
        even those appended through this same connection while the read is paused."""
        row = self._one("SELECT COALESCE(MAX(position), 0) FROM events")
        return int(row[0]) if row else 0

    def _counts(self, bound: int) -> Mapping[str, int]:
        # Each index is a b-tree of its own holding every row's rowid (the position),
        # so counting it sees records that a damaged table b-tree lost.
        conn = self._connection()
        counts: dict[str, int] = {}
        try:
            for row in conn.execute("PRAGMA index_list(events)").fetchall():
                name = str(row[1])
                sql = f'SELECT count(*) FROM events INDEXED BY "{name}" WHERE position <= ?'
                counts[f"the index {name}"] = int(conn.execute(sql, (bound,)).fetchone()[0])
        except sqlite3.Error as exc:
            raise self._error(exc, N_("read the store")) from exc
        return counts

    def _integrity(self) -> list[str]:
        # quick_check: the page and b-tree structure of the whole file in one pass
        # (integrity_check also matches every index entry to its row, which is slower).
        rows = self._one_all("PRAGMA quick_check")
        return [] if [r[0] for r in rows] == ["ok"] else [str(r[0]) for r in rows]

    def _one_all(self, sql: str) -> list[Any]:
        try:
            return self._connection().execute(sql).fetchall()
        except sqlite3.Error as exc:
            raise self._error(exc, N_("read the store")) from exc

    def _existing(self, ids: Sequence[str]) -> Mapping[str, str]:
        found: dict[str, str] = {}
        conn = self._connection()
        for start in range(0, len(ids), ID_CHUNK):
            chunk = ids[start : start + ID_CHUNK]
            marks = ",".join("?" * len(chunk))
            found.update(
                stored_contents(
                    conn.execute(
                        f"SELECT event_id, body FROM events WHERE event_id IN ({marks})", chunk
                    )
                )
            )
        return found

    # -- the EventLog protocol -----------------------------------------------------

    def last_seq(self, case_id: str) -> int:
        arguments.case_id(case_id, call="last_seq")
        row = self._one("SELECT COALESCE(MAX(seq), 0) FROM events WHERE case_id = ?", (case_id,))
        return int(row[0]) if row else 0

    def _seq_before(self, case_id: str, position: int) -> int:
        row = self._one(
            "SELECT COALESCE(MAX(seq), 0) FROM events WHERE case_id = ? AND position <= ?",
            (case_id, position),
        )
        return int(row[0]) if row else 0

    def _last_seqs(self, cases: Collection[str]) -> dict[str, int]:
        wanted = sorted(cases)
        found = dict.fromkeys(wanted, 0)
        conn = self._connection()
        for start in range(0, len(wanted), ID_CHUNK):
            chunk = wanted[start : start + ID_CHUNK]
            marks = ",".join("?" * len(chunk))
            found.update(
                conn.execute(
                    f"SELECT case_id, MAX(seq) FROM events WHERE case_id IN ({marks}) "
                    "GROUP BY case_id",
                    chunk,
                )
            )
        return found

    def append(
        self, events: Iterable[Event], *, expected_seq: int | Mapping[str, int] | None = None
    ) -> AppendResult:
        batch = arguments.event_batch(events)
        expected_seq = arguments.expected_seq(expected_seq)
        with self._write() as conn:
            version = conn.execute("PRAGMA data_version").fetchone()[0]
            known, self._known = self._known, None  # kept again only once this commits
            if known is None or known.version != version:
                known = _Known(version, self._tip(), {})
            now = self._clock()
            plan = planner(
                batch, expected_seq, tip=known.tip, now=now, last_seqs=known.seqs_of(self)
            )

            # Most batches hold only new events: the event_id index finds any already
            # stored as the rows go in, so they are not looked up one by one first.
            # If one is there (or the expected seq only fails because the batch is
            # a retry), the optimistic insert is undone and the batch planned again
            # knowing what is stored.
            conn.execute("SAVEPOINT optimistic")
            try:
                rows, stored, already = plan(_none_stored)
                self._insert(conn, rows)
            except (sqlite3.IntegrityError, ConcurrencyConflict):
                conn.execute("ROLLBACK TO optimistic")
                conn.execute("RELEASE optimistic")
                rows, stored, already = plan(self._existing)
                self._insert(conn, rows)
            else:
                conn.execute("RELEASE optimistic")
        self._known = known.after(rows)
        return AppendResult(stored=tuple(stored), already_stored=tuple(already))

    @staticmethod
    def _insert(conn: sqlite3.Connection, rows: Sequence[RawRecord]) -> None:
        conn.executemany(
            f"INSERT INTO events ({RAW_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (r.position, r.case_id, r.seq, r.event_id, r.recorded_at, r.body, r.hash)
                for r in rows
            ],
        )

    def read_case(
        self, case_id: str, *, known_at: dt.datetime | None = None
    ) -> Iterator[StoredEvent]:
        arguments.case_id(case_id, call="read_case")
        sql = f"SELECT {RAW_COLUMNS} FROM events WHERE seq > ? AND case_id = ? AND position <= ?"
        params: list[Any] = [case_id, self._head_position()]
        if known_at is not None:
            sql += " AND recorded_at <= ?"
            params.append(arguments.cutoff(known_at, call="read_case"))
        for row in self._pages(sql + " ORDER BY seq LIMIT ?", params, key=2, start=0):
            yield decode_stored(record_of_row(row))

    def _raw_rows(
        self, after: int, until: int | None, known_at: dt.datetime | None
    ) -> Iterator[Sequence[Any]]:
        bound = self._head_position()
        if until is not None:
            bound = min(bound, until)
        sql = f"SELECT {RAW_COLUMNS} FROM events WHERE position > ? AND position <= ?"
        params: list[Any] = [bound]
        if known_at is not None:
            sql += " AND recorded_at <= ?"
            params.append(arguments.cutoff(known_at, call="read"))
        return self._pages(sql + " ORDER BY position LIMIT ?", params, key=0, start=after)

    def case_ids(self, *, known_at: dt.datetime | None = None) -> Iterator[str]:
        # A case exists from its first event (seq 1), which is also its earliest record.
        sql = "SELECT case_id FROM events WHERE case_id > ? AND seq = 1 AND position <= ?"
        params: list[Any] = [self._head_position()]
        if known_at is not None:
            sql += " AND recorded_at <= ?"
            params.append(arguments.cutoff(known_at, call="case_ids"))
        for (case_id,) in self._pages(sql + " ORDER BY case_id LIMIT ?", params, key=0, start=""):
            yield case_id

    def head(self) -> Head:
        tip = self._tip()
        return Head(tip.position, tip.hash)

    def import_records(self, records: Iterable[RawRecord]) -> int:
        count = 0
        self._known = None
        with self._write() as conn:
            for chunk, _events in checked_imports(
                records,
                tip=self._tip(),
                last_seqs=self._last_seqs,
                stored_ids=self._existing,
                size=ID_CHUNK,
            ):
                self._insert(conn, chunk)
                count += len(chunk)
        return count

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with suppress(sqlite3.Error):
                conn.close()

    def __repr__(self) -> str:
        return f"SqliteLog({self.path!r})"
