"""The PostgreSQL log: for shared deployments, many writers and many readers.

What is stored, and how it is numbered and hashed, is decided by the store's shared
modules (`plan_append`, `check_import`, through `_recorder`), exactly as for SQLite;
this module only keeps rows and takes locks:

- one table `events` (one row per record, the same columns as SQLite's) and one table
  `comity_meta` holding the schema version; a new store is created by running every
  migration in order, an older store is brought forward by running the missing ones,
  each under the store's lock and in the transaction that records the new version;
- statement-level triggers refuse UPDATE, DELETE and TRUNCATE on `events`, and the
  documented role set-up (docs/store.md) gives the application role only INSERT and
  SELECT, so it can neither change rows nor drop the triggers;
- **appends are serialised by a transaction-scoped advisory lock**, taken before the
  tip is read: positions are assigned under the lock, and the lock is released only
  after COMMIT has made the rows visible, so commit order is position order. A reader
  that tails the log by position (`read(after=last)`) can therefore never see position
  n+1 before position n, nor miss a row that commits later with a smaller position.
  The unique constraints (position, event_id, (case_id, seq)) are the last line of
  defence against a writer that bypasses the lock: a violation re-runs the append
  under the lock, which then reports the duplicate or the conflict as usual;
- reads stream through server-side cursors, each in its own read-only REPEATABLE READ
  transaction on a connection of its own, so a read sees the log as it was when it
  began, however long the caller takes and whatever is appended meanwhile;
- every committed append sends a notification (LISTEN/NOTIFY), which
  `wait_for_append` uses to wake `comity.events.store.follow` without busy polling.

A log object holds a few connections and is meant to be used from one thread. The
connections, the write lock and the error mapping are `_pg_connections`'; the schema's
migrations `_pg_schema`'s (opening runs them from here, `MIGRATIONS` and
`SCHEMA_VERSION` as this module names them).
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import psycopg
from psycopg import errors as pgerrors

from comity.errors import (
    ConcurrencyConflict,
    DuplicateEventError,
    StoreError,
    StoreUnavailable,
)
from comity.events import arguments
from comity.events.store._pg_connections import LOCK_CLASS as LOCK_CLASS
from comity.events.store._pg_connections import LOCK_TIMEOUT_S, Connections
from comity.events.store._pg_schema import META, SCHEMA_VERSION
from comity.events.store._pg_schema import MIGRATIONS as MIGRATIONS
from comity.events.store._recorder import checked_imports, planner, stored_contents, tip_of
from comity.events.store._rows import RowReads
from comity.events.store.records import (
    GENESIS_HASH,
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
from comity.i18n import gettext as _

__all__ = ["APPLICATION", "SCHEMA_VERSION", "PostgresLog"]

#: What `comity_meta` says a comity store is.
APPLICATION = "comity-log"
#: Rows fetched per round trip while streaming.
FETCH_ROWS = 512
#: Records checked and inserted per statement while importing.
IMPORT_CHUNK = 1000
#: How often an append is re-run after a unique violation (a writer that bypassed the
#: lock got there first) before the violation itself is reported.
UNIQUE_RETRIES = 3


_UNNEST_INSERT = (
    f"INSERT INTO events ({RAW_COLUMNS}) SELECT * FROM unnest("
    "%s::bigint[], %s::text[], %s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[])"
)


def _columns(rows: Sequence[RawRecord]) -> list[list[Any]]:
    return [
        [r.position for r in rows],
        [r.case_id for r in rows],
        [r.seq for r in rows],
        [r.event_id for r in rows],
        [r.recorded_at for r in rows],
        [r.body for r in rows],
        [r.hash for r in rows],
    ]


_KEY_DETAIL = re.compile(r"Key \((?P<cols>[^)]*)\)=\((?P<vals>.*)\) already exists")


class PostgresLog(Connections, RowReads):
    """An EventLog in a PostgreSQL database (the first schema of its `search_path`).

    `url` is a libpq URL, `postgresql://user[:password]@host[:port]/dbname[?...]`; add
    `?options=-csearch_path%3Dmyschema` to keep the store in a schema other than
    `public`. `clock` gives record time; by default the server's clock, read under the
    write lock, so that writers on several hosts share one time source.
    """

    def __init__(
        self,
        url: str,
        *,
        create: bool = True,
        clock: Callable[[], dt.datetime] | None = None,
        lock_timeout: float = LOCK_TIMEOUT_S,
    ) -> None:
        super().__init__(url, lock_timeout=lock_timeout)
        self._clock = clock
        self._cursors = itertools.count(1)
        self._channel = ""
        try:
            self._open(create=create)
        except BaseException:
            self.close()
            raise

    # -- opening -------------------------------------------------------------------

    def _open(self, *, create: bool) -> None:
        conn = self._writer()
        try:
            row = conn.execute(
                "SELECT current_schema(), hashtext(current_schema()), "
                "current_setting('server_encoding'), "
                "to_regclass('comity_meta') IS NOT NULL, to_regclass('events') IS NOT NULL"
            ).fetchone()
        except psycopg.Error as exc:
            raise self._error(exc, "open the store") from exc
        assert row is not None
        schema, key, encoding, has_meta, has_events = row
        if schema is None:
            raise StoreUnavailable(
                f"{self.where}: no schema of the search_path exists; create one or name "
                "an existing one with ?options=-csearch_path%3Dname"
            )
        if encoding.upper() not in ("UTF8", "UTF-8"):
            raise StoreUnavailable(
                f"{self.where}: the database's encoding is {encoding}; a comity store needs "
                "a UTF8 database (CREATE DATABASE ... ENCODING 'UTF8')"
            )
        self._lock_key = int(key)
        if has_events and not has_meta:
            raise StoreUnavailable(
                f"{self.where}: schema {schema!r} has an events table but no comity_meta "
                "table, so it is not a comity store; name another database or schema"
            )
        if not has_meta and not create:
            raise StoreUnavailable(
                _(
                    "{store}: the database holds no comity store yet; run `comity init` first"
                ).format(store=self.where)
            )
        version = self._schema_version() if has_meta else 0
        if version > SCHEMA_VERSION:
            raise StoreUnavailable(
                _(
                    "{store}: the store has schema version {version}, newer than this "
                    "comity understands ({known}); upgrade comity"
                ).format(store=self.where, version=version, known=SCHEMA_VERSION)
            )
        if version < SCHEMA_VERSION:
            with self._write("create or migrate the store") as wconn:
                self._migrate(wconn)
        row = self._one("SELECT 'events'::regclass::oid::bigint", doing="open the store")
        self._channel = f"comity_log_{row[0]}"

    def _schema_version(self) -> int:
        row = self._one(
            "SELECT application, schema_version FROM comity_meta WHERE id = 1",
            doing="open the store",
        )
        if row is None or row[0] != APPLICATION:
            raise StoreUnavailable(
                f"{self.where}: a comity_meta table that is not comity's; "
                "name another database or schema"
            )
        return int(row[1])

    def _migrate(self, conn: psycopg.Connection[Any]) -> None:
        """Inside the lock: create the schema, or bring an old one forward, in order.

        Re-reads the version first, since another process may have done it meanwhile.
        """
        conn.execute(META)
        row = conn.execute("SELECT application, schema_version FROM comity_meta").fetchone()
        if row is None:
            now = self._clock() if self._clock is not None else self._server_now(conn)
            conn.execute(
                "INSERT INTO comity_meta (id, application, schema_version, created_at) "
                "VALUES (1, %s, 0, %s)",
                (APPLICATION, format_recorded_at(now)),
            )
            version = 0
        elif row[0] != APPLICATION:
            raise StoreUnavailable(
                f"{self.where}: a comity_meta table that is not comity's; "
                "name another database or schema"
            )
        else:
            version = int(row[1])
        for target, statements in MIGRATIONS:
            if target <= version:
                continue
            for statement in statements:
                conn.execute(statement)
            conn.execute("UPDATE comity_meta SET schema_version = %s WHERE id = 1", (target,))
            version = target

    @staticmethod
    def _server_now(conn: psycopg.Connection[Any]) -> dt.datetime:
        row = conn.execute("SELECT clock_timestamp()").fetchone()
        assert row is not None
        now: dt.datetime = row[0]
        return now

    # -- inside the write lock -----------------------------------------------------

    def _tip(self, conn: psycopg.Connection[Any]) -> Tip:
        return tip_of(
            conn.execute(
                "SELECT position, hash, recorded_at FROM events ORDER BY position DESC LIMIT 1"
            ).fetchone()
        )

    @staticmethod
    def _existing(conn: psycopg.Connection[Any], ids: Sequence[str]) -> Mapping[str, str]:
        if not ids:
            return {}
        return stored_contents(
            conn.execute(
                "SELECT event_id, body FROM events WHERE event_id = ANY(%s)", (list(ids),)
            ).fetchall()
        )

    @staticmethod
    def _last_seqs(conn: psycopg.Connection[Any], cases: Iterable[str]) -> dict[str, int]:
        wanted = sorted(set(cases))
        if not wanted:
            return {}
        found = dict.fromkeys(wanted, 0)
        rows = conn.execute(
            "SELECT case_id, max(seq) FROM events WHERE case_id = ANY(%s) GROUP BY case_id",
            (wanted,),
        ).fetchall()
        found.update({case: int(seq) for case, seq in rows})
        return found

    # -- the EventLog protocol -----------------------------------------------------

    def last_seq(self, case_id: str) -> int:
        arguments.case_id(case_id, call="last_seq")
        row = self._one("SELECT COALESCE(max(seq), 0) FROM events WHERE case_id = %s", (case_id,))
        return int(row[0]) if row else 0

    def _seq_before(self, case_id: str, position: int) -> int:
        row = self._one(
            "SELECT COALESCE(max(seq), 0) FROM events WHERE case_id = %s AND position <= %s",
            (case_id, position),
        )
        return int(row[0]) if row else 0

    def head(self) -> Head:
        row = self._one("SELECT position, hash FROM events ORDER BY position DESC LIMIT 1")
        return Head(0, GENESIS_HASH) if row is None else Head(int(row[0]), row[1])

    def append(
        self, events: Iterable[Event], *, expected_seq: int | Mapping[str, int] | None = None
    ) -> AppendResult:
        batch = arguments.event_batch(events)
        expected_seq = arguments.expected_seq(expected_seq)
        if not batch:
            return AppendResult(stored=(), already_stored=())
        for attempt in itertools.count(1):
            try:
                return self._append_once(batch, expected_seq)
            except psycopg.errors.UniqueViolation as exc:
                # Only a writer that bypassed the lock can cause this; the retry re-plans
                # under the lock and reports what that writer did (duplicate, conflict).
                if attempt >= UNIQUE_RETRIES:
                    raise self._unique_error(exc, batch, expected_seq) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def _append_once(
        self, batch: list[Event], expected_seq: int | Mapping[str, int] | None
    ) -> AppendResult:
        conn = self._writer()
        try:
            with conn.transaction():
                self._take_lock(conn)
                tip = self._tip(conn)
                last_seqs = functools.partial(self._last_seqs, conn)
                now = self._clock() if self._clock is not None else self._server_now(conn)
                plan = planner(batch, expected_seq, tip=tip, now=now, last_seqs=last_seqs)
                rows, stored, already = plan(functools.partial(self._existing, conn))
                if rows:
                    conn.execute(_UNNEST_INSERT, _columns(rows))
        except pgerrors.UniqueViolation:
            raise
        except psycopg.Error as exc:
            raise self._error(exc, "write to the store") from exc
        return AppendResult(stored=tuple(stored), already_stored=tuple(already))

    def _unique_error(
        self,
        exc: pgerrors.UniqueViolation,
        batch: Sequence[Event],
        expected_seq: int | Mapping[str, int] | None,
    ) -> StoreError:
        """The comity error for a unique violation that persisted across retries."""
        constraint = exc.diag.constraint_name or ""
        match = _KEY_DETAIL.search(exc.diag.message_detail or "")
        values = match.group("vals") if match else ""
        if constraint == "events_event_id_key":
            event_id = values or (batch[0].event_id if batch else "?")
            return DuplicateEventError(event_id, "another writer stored it meanwhile")
        if constraint == "events_case_seq_key":
            case_id = values.rsplit(", ", 1)[0] if values else batch[0].case_id
            if isinstance(expected_seq, int):
                expected = expected_seq
            elif isinstance(expected_seq, Mapping):
                expected = expected_seq.get(case_id, -1)
            else:
                expected = -1
            return ConcurrencyConflict(case_id, expected, self.last_seq(case_id))
        return StoreUnavailable(
            f"{self.where}: could not write to the store: another writer keeps appending "
            "without comity's lock (position already taken); try again"
        )

    # -- streaming reads -----------------------------------------------------------

    def _stream(self, sql: str, params: Sequence[Any]) -> Iterator[Any]:
        """Rows of one query through a server-side cursor, FETCH_ROWS at a time, in a
        read-only REPEATABLE READ transaction: the read sees one snapshot throughout."""
        with self._reader() as conn:
            try:
                with conn.cursor(name=f"comity_read_{next(self._cursors)}") as cur:
                    cur.itersize = FETCH_ROWS
                    cur.execute(sql, params)
                    yield from cur
            except psycopg.Error as exc:
                raise self._error(exc, "read the store") from exc

    def read_case(
        self, case_id: str, *, known_at: dt.datetime | None = None
    ) -> Iterator[StoredEvent]:
        arguments.case_id(case_id, call="read_case")
        sql = f"SELECT {RAW_COLUMNS} FROM events WHERE case_id = %s"
        params: list[Any] = [case_id]
        if known_at is not None:
            sql += " AND recorded_at <= %s"
            params.append(arguments.cutoff(known_at, call="read_case"))
        for row in self._stream(sql + " ORDER BY seq", params):
            yield decode_stored(record_of_row(row))

    def _raw_rows(
        self, after: int, until: int | None, known_at: dt.datetime | None
    ) -> Iterator[Sequence[Any]]:
        sql = f"SELECT {RAW_COLUMNS} FROM events WHERE position > %s"
        params: list[Any] = [after]
        if until is not None:
            sql += " AND position <= %s"
            params.append(until)
        if known_at is not None:
            sql += " AND recorded_at <= %s"
            params.append(arguments.cutoff(known_at, call="read"))
        return self._stream(sql + " ORDER BY position", params)

    def _head_position(self) -> int:
        return int(self._one("SELECT COALESCE(MAX(position), 0) FROM events")[0])

    def _counts(self, bound: int) -> Mapping[str, int]:
        # The primary key's index answers this (an index-only scan) where the table
        # scan of verify read the heap; both must hold every record.
        found = self._one("SELECT count(*) FROM events WHERE position <= %s", (bound,))
        return {"the count of records": int(found[0])}

    def case_ids(self, *, known_at: dt.datetime | None = None) -> Iterator[str]:
        # A case exists from its first event (seq 1), which is also its earliest record.
        sql = "SELECT case_id FROM events WHERE seq = 1"
        params: list[Any] = []
        if known_at is not None:
            sql += " AND recorded_at <= %s"
            params.append(arguments.cutoff(known_at, call="case_ids"))
        for (case_id,) in self._stream(sql + " ORDER BY case_id", params):
            yield case_id

    # -- copying -------------------------------------------------------------------

    def import_records(self, records: Iterable[RawRecord]) -> int:
        count = 0
        try:
            with self._write("import records") as conn:
                for chunk, _events in checked_imports(
                    records,
                    tip=self._tip(conn),
                    last_seqs=functools.partial(self._last_seqs, conn),
                    stored_ids=functools.partial(self._existing, conn),
                    size=IMPORT_CHUNK,
                ):
                    conn.execute(_UNNEST_INSERT, _columns(chunk))
                    count += len(chunk)
        except StoreError as exc:
            if isinstance(exc.__cause__, pgerrors.UniqueViolation):
                raise StoreError(
                    f"{self.where}: could not import: another writer appended meanwhile "
                    "without comity's lock; nothing was imported"
                ) from exc
            raise
        return count

    # -- following -----------------------------------------------------------------

    def wait_for_append(self, timeout: float) -> bool:
        """Block until an append commits or `timeout` seconds pass; True if woken.

        The first call only starts listening and returns True at once, so that the
        caller reads again: nothing committed between its last read and the LISTEN is
        missed. Used by `comity.events.store.follow`; a poll after a timeout stays correct.
        """
        listener = self._listener
        if listener is None or listener.closed or listener.broken:
            self._listener = listener = self._connect()
            try:
                listener.execute(f'LISTEN "{self._channel}"')
            except psycopg.Error as exc:
                raise self._error(exc, "listen for appends") from exc
            return True
        try:
            woken = False
            for _ in listener.notifies(timeout=max(timeout, 0.0), stop_after=1):
                woken = True
            # Drain what else is queued: one read catches up with all of it.
            for _ in listener.notifies(timeout=0):
                pass
        except psycopg.Error as exc:
            raise self._error(exc, "listen for appends") from exc
        return woken

    def __repr__(self) -> str:
        return f"PostgresLog({self.where!r})"
