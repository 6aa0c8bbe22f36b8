"""One connection to the tables of the findings store, in SQLite or PostgreSQL.

The findings store lives beside the log: in the same SQLite file, or in the same
PostgreSQL database and schema. It has a connection of its own, so that its writes
never wait inside the log's transactions, and its own schema version, so that the two
migrate independently.

SQL is written once with `?` placeholders; for PostgreSQL they become `%s`. Writes are
one transaction each (`write`); reads that must agree with each other (a generation's
cut and its rows) run in one snapshot (`read`).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any
from urllib.parse import quote

from comity.errors import StoreError, StoreUnavailable
from comity.events.store.url import parse_store_url, redact_url
from comity.events.time import format_instant
from comity.findings._schema import migrate_postgres, migrate_sqlite

__all__ = ["Db", "connect", "utc_text"]

#: How long a write waits for another writer (the log's appends share the SQLite lock).
BUSY_TIMEOUT_S = 30.0
#: The page cache of the findings store's SQLite connection, in KiB.
CACHE_KIB = 64 * 1024
#: The first key of comity's advisory locks ("CMTY").
LOCK_CLASS = 0x434D5459


def _database_error(exc: BaseException) -> bool:
    """An error of the database driver (turned into a StoreError), not of the caller."""
    return isinstance(exc, sqlite3.Error) or type(exc).__module__.startswith("psycopg")


def utc_text(value: dt.datetime) -> str:
    """Record times as the log writes them: fixed width, microseconds, `Z`."""
    return format_instant(value, timespec="microseconds")


class Db:
    """A connection and its dialect; used from the thread that opened it."""

    def __init__(self, conn: Any, dialect: str, where: str) -> None:
        self.conn = conn
        self.dialect = dialect
        self.where = where
        self._depth = 0

    # -- statements ------------------------------------------------------------------
    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.dialect == "postgres" else sql

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        try:
            return self.conn.execute(self._sql(sql), tuple(params))
        except Exception as exc:
            raise self._error(exc) from exc

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> int:
        """Run `sql` once per row; the number of rows it changed in all."""
        if not rows:
            return 0
        try:
            if self.dialect == "postgres":
                with self.conn.cursor() as cur:
                    cur.executemany(self._sql(sql), rows)
                    return int(cur.rowcount)
            return int(self.conn.executemany(sql, rows).rowcount)
        except Exception as exc:
            raise self._error(exc) from exc

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return list(self.execute(sql, params).fetchall())

    def one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        rows = self.all(sql, params)
        return rows[0] if rows else None

    def _error(self, exc: Exception) -> StoreError:
        if isinstance(exc, StoreError):
            return exc
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        lowered = text.lower()
        if "locked" in lowered or "busy" in lowered:
            return StoreUnavailable(
                f"{self.where}: the findings store is locked by another writer; try again"
            )
        if "connection" in lowered or "closed" in lowered:
            return StoreUnavailable(f"{self.where}: lost the connection to the store ({text})")
        return StoreError(f"{self.where}: findings store: {text}")

    # -- transactions ----------------------------------------------------------------
    @contextmanager
    def write(self) -> Iterator[Db]:
        """One write transaction; anything raised inside rolls all of it back."""
        if self._depth:
            raise RuntimeError("nested findings-store transaction")
        self._depth += 1
        try:
            if self.dialect == "postgres":
                try:
                    with self.conn.transaction():
                        yield self
                except Exception as exc:
                    if not _database_error(exc):
                        raise  # the caller's own (a stale step, a StoreError): as it is
                    raise self._error(exc) from exc
            else:
                self.execute("BEGIN IMMEDIATE")
                try:
                    yield self
                    self.execute("COMMIT")
                except BaseException:
                    with suppress(sqlite3.Error):
                        self.conn.execute("ROLLBACK")
                    raise
        finally:
            self._depth -= 1

    @contextmanager
    def read(self) -> Iterator[Db]:
        """One snapshot: every query inside sees the same committed state."""
        if self._depth:
            yield self
            return
        self._depth += 1
        try:
            if self.dialect == "postgres":
                try:
                    with self.conn.transaction():
                        self.conn.execute(
                            "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"
                        )
                        yield self
                except Exception as exc:
                    if not _database_error(exc):
                        raise
                    raise self._error(exc) from exc
            else:
                self.execute("BEGIN")
                try:
                    # The snapshot starts at the first read, so take it now.
                    self.execute("SELECT 1 FROM findings_meta")
                    yield self
                finally:
                    with suppress(sqlite3.Error):
                        self.conn.execute("COMMIT")
        finally:
            self._depth -= 1

    def close(self) -> None:
        with suppress(Exception):
            self.conn.close()


def connect(url: str, *, create: bool = True) -> Db:
    """Open the findings tables of the store `url` names, creating or migrating them.

    `url` is the log's own (`sqlite:///path`, `postgresql://...`, `memory:`); the
    findings of a `memory:` log live in a private in-memory database.
    """
    store = parse_store_url(url)
    if store.kind == "postgresql":
        return _connect_postgres(url, create=create)
    if store.kind == "memory":
        path, uri = ":memory:", False
    else:
        path, uri = store.path, True
    where = path
    try:
        target = f"file:{quote(path)}?mode=rw" if uri else path
        conn = sqlite3.connect(
            target, uri=uri, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        # The read model can always be rebuilt from the log, and a commit lost to a
        # power cut takes its tracking row with it (same transaction): NORMAL is safe
        # here, and spares the findings store an fsync per step.
        conn.execute("PRAGMA synchronous = NORMAL")
        # A build inserts into indexes keyed by finding id (random), so at a million
        # events SQLite's default 2 MiB page cache read most index pages back from the
        # file for each insert. An upper bound, allocated as pages are used.
        conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    except sqlite3.Error as exc:
        raise StoreUnavailable(f"{where}: cannot open the findings store ({exc})") from None
    db = Db(conn, "sqlite", where)
    try:
        migrate_sqlite(db, create=create)
    except BaseException:
        db.close()
        raise
    return db


def _connect_postgres(url: str, *, create: bool) -> Db:
    import psycopg

    where = redact_url(url)
    try:
        conn = psycopg.connect(url, autocommit=True, connect_timeout=10, application_name="comity")
    except psycopg.Error:
        raise StoreUnavailable(
            f"{where}: cannot connect to the PostgreSQL server; check that it is running "
            "and that the URL names the right host, port, user and database"
        ) from None
    db = Db(conn, "postgres", where)
    try:
        migrate_postgres(db, create=create, lock=LOCK_CLASS)
    except BaseException:
        db.close()
        raise
    return db
