"""Tables of the layers above the log, kept in the log's own store.

The audit trail (checkpoints, the disclosure record) and the HTTP service's tokens live
beside the events, in the same SQLite file or PostgreSQL schema, so that one backup
holds everything and one `--store` names it. Each layer owns its tables under a name
and brings them forward with numbered migrations, recorded in `comity_layers`, in the
same transaction as the migration itself: two processes opening an old store at once
migrate it once.

SQL is written once, with `?` placeholders, in the subset both engines share; the
PostgreSQL side turns `?` into `%s`. Where the two differ (types, triggers), a migration
gives each its own statements.
"""

from __future__ import annotations

import sqlite3
import threading
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any, Protocol

import attrs

from comity.errors import StoreReadOnly, StoreUnavailable
from comity.events.store.url import parse_store_url

__all__ = ["Migration", "SideTables", "open_side_tables"]

#: The first key of every advisory lock comity takes: "CMTY" in ASCII (as the log's).
LOCK_CLASS = 0x434D5459
BUSY_TIMEOUT_S = 30.0
CONNECT_TIMEOUT_S = 10

_LAYERS = (
    "CREATE TABLE IF NOT EXISTS comity_layers (name TEXT PRIMARY KEY, version INTEGER NOT NULL)"
)


Rows = list[tuple[Any, ...]]


@attrs.frozen
class Migration:
    """One step of a layer's schema: statements for each engine, run in one transaction."""

    sqlite: tuple[str, ...]
    postgres: tuple[str, ...]


class Cursor(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ()) -> Rows: ...


class SideTables(Protocol):
    """A layer's tables: transactions and queries, whatever the engine."""

    where: str

    def transaction(self) -> Any:
        """A context manager yielding a Cursor; serialised with every other writer of
        this layer, committed on exit, rolled back on error."""
        ...

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...

    def close(self) -> None: ...


class _Cursor:
    """`execute` inside one transaction: the rows of a query, [] for a statement."""

    def __init__(self, run: Callable[[str, Sequence[Any]], Rows]) -> None:
        self._run = run

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Rows:
        return self._run(sql, params)


def _sqlite_refusal(where: str, doing: str, exc: sqlite3.Error) -> StoreUnavailable:
    """A write SQLite refused: read-only (the file, its directory, the mount), told apart
    from a file that cannot be opened at all."""
    text = str(exc)
    if "readonly" in text.lower() or "read-only" in text.lower():
        return StoreReadOnly(f"{where}: the file or its directory is read-only ({text})")
    return StoreUnavailable(f"{where}: {doing} ({text})")


class _SqliteTables:
    def __init__(self, target: str, where: str, *, memory: bool) -> None:
        self.where = where
        self._memory = memory
        self._target = target
        self._local = threading.local()
        self._shared: sqlite3.Connection | None = None
        self._lock = threading.RLock()
        if memory:
            self._shared = self._connect()

    def _connect(self) -> sqlite3.Connection:
        try:
            if self._memory:
                conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
            else:
                conn = sqlite3.connect(
                    f"file:{self._target}?mode=rw",
                    uri=True,
                    timeout=BUSY_TIMEOUT_S,
                    isolation_level=None,
                )
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"{self.where}: cannot open the store ({exc})") from None
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        if not self._memory:
            conn.execute("PRAGMA synchronous = FULL")
        return conn

    def _conn(self) -> sqlite3.Connection:
        if self._shared is not None:
            return self._shared
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
        return conn

    @staticmethod
    def _rows(conn: sqlite3.Connection, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        cur = conn.execute(sql, tuple(params))
        return [tuple(r) for r in cur.fetchall()] if cur.description else []

    @contextmanager
    def transaction(self) -> Iterator[Cursor]:
        with self._lock:
            conn = self._conn()
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise _sqlite_refusal(self.where, "cannot write", exc) from None
            try:
                yield _Cursor(lambda sql, params: self._write_rows(conn, sql, params))
            except BaseException:
                with suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                raise
            try:
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                with suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                raise _sqlite_refusal(self.where, "cannot commit", exc) from None

    def _write_rows(
        self, conn: sqlite3.Connection, sql: str, params: Sequence[Any]
    ) -> list[tuple[Any, ...]]:
        try:
            return self._rows(conn, sql, params)
        except sqlite3.OperationalError as exc:
            lowered = str(exc).lower()
            if "readonly" in lowered or "read-only" in lowered:
                raise _sqlite_refusal(self.where, "cannot write", exc) from None
            raise

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                return self._rows(self._conn(), sql, params)
            except sqlite3.Error as exc:
                raise StoreUnavailable(f"{self.where}: cannot read ({exc})") from None

    def close(self) -> None:
        conn = self._shared or getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()


class _PostgresTables:
    def __init__(self, url: str, where: str, lock_key: int) -> None:
        import psycopg

        self._psycopg = psycopg
        self.url = url
        self.where = where
        self._lock_key = lock_key
        self._local = threading.local()

    def _conn(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed or conn.broken:
            try:
                conn = self._psycopg.connect(
                    self.url,
                    autocommit=True,
                    connect_timeout=CONNECT_TIMEOUT_S,
                    application_name="comity",
                )
            except self._psycopg.Error:
                raise StoreUnavailable(
                    f"{self.where}: cannot connect to the PostgreSQL server; check that it "
                    "is running and that the URL names the right host, user and database"
                ) from None
            self._local.conn = conn
        return conn

    def _rows(self, conn: Any, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        # psycopg reads % as a placeholder only when there are parameters.
        cur = (
            conn.execute(sql.replace("%", "%%").replace("?", "%s"), tuple(params))
            if params
            else conn.execute(sql)
        )
        return [tuple(r) for r in cur.fetchall()] if cur.description else []

    @contextmanager
    def transaction(self) -> Iterator[Cursor]:
        conn = self._conn()
        try:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", (LOCK_CLASS, self._lock_key))
                yield _Cursor(lambda sql, params: self._rows(conn, sql, params))
        except self._psycopg.Error as exc:
            if isinstance(exc, self._psycopg.errors.ReadOnlySqlTransaction):
                raise StoreReadOnly(
                    f"{self.where}: the server is read-only (a standby, or a read-only "
                    "session); nothing was written"
                ) from None
            raise StoreUnavailable(
                f"{self.where}: the write did not complete ({type(exc).__name__}); "
                "nothing was written"
            ) from None

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            return self._rows(self._conn(), sql, params)
        except self._psycopg.Error as exc:
            raise StoreUnavailable(f"{self.where}: cannot read ({type(exc).__name__})") from None

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()


def open_side_tables(
    url: str, where: str, layer: str, migrations: Sequence[Migration]
) -> SideTables:
    """The tables of `layer` in the store `url` (which must exist), migrated to the last
    version. `where` is how to name the store in messages (secrets hidden)."""
    lock_key = zlib.crc32(layer.encode("utf-8")) & 0x7FFFFFFF
    tables: _SqliteTables | _PostgresTables
    store = parse_store_url(url)
    postgres = store.kind == "postgresql"
    if postgres:
        tables = _PostgresTables(url, where, lock_key)
    else:
        tables = _SqliteTables(store.path, where, memory=store.kind == "memory")
    current = _version(tables, layer)
    if current < len(migrations):
        with tables.transaction() as cur:
            cur.execute(_LAYERS)
            rows = cur.execute("SELECT version FROM comity_layers WHERE name = ?", (layer,))
            version = rows[0][0] if rows else 0
            if version > len(migrations):
                raise StoreUnavailable(
                    f"{where}: the {layer} tables have version {version}, newer than this "
                    "comity understands; upgrade comity"
                )
            for migration in migrations[version:]:
                for statement in migration.postgres if postgres else migration.sqlite:
                    cur.execute(statement)
            if rows:
                cur.execute(
                    "UPDATE comity_layers SET version = ? WHERE name = ?",
                    (len(migrations), layer),
                )
            else:
                cur.execute(
                    "INSERT INTO comity_layers (name, version) VALUES (?, ?)",
                    (layer, len(migrations)),
                )
    elif current > len(migrations):
        raise StoreUnavailable(
            f"{where}: the {layer} tables have version {current}, newer than this comity "
            "understands; upgrade comity"
        )
    return tables


def _version(tables: _SqliteTables | _PostgresTables, layer: str) -> int:
    try:
        rows = tables.query("SELECT version FROM comity_layers WHERE name = ?", (layer,))
    except StoreUnavailable:
        return 0  # no comity_layers table yet: the migration creates it
    return int(rows[0][0]) if rows else 0
