"""The PostgreSQL log's connections: one autocommit writer, a small pool of read-only
REPEATABLE READ readers, the store's advisory write lock, and the mapping of every
psycopg error to the StoreError a caller sees, with no secret of the URL in it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

import psycopg
from psycopg import errors as pgerrors
from psycopg.conninfo import conninfo_to_dict

from comity.errors import StoreError, StoreReadOnly, StoreUnavailable
from comity.events.store._pg_schema import APPEND_ONLY
from comity.events.store.url import SECRET, is_secret_parameter, redact_url, scrub
from comity.i18n import gettext as _

__all__ = ["CONNECT_TIMEOUT_S", "IDLE_READERS", "LOCK_CLASS", "LOCK_TIMEOUT_S", "Connections"]

#: The first key of every advisory lock comity takes: "CMTY" in ASCII.
LOCK_CLASS = 0x434D5459
#: How long a writer waits for another writer's transaction before giving up.
LOCK_TIMEOUT_S = 30.0
#: How long opening a connection may take.
CONNECT_TIMEOUT_S = 10
#: Idle read connections kept for the next read.
IDLE_READERS = 4


class Connections:
    """The connections of one PostgreSQL log object, meant to be used from one thread
    (the reader pool is guarded, since a read's generator may be closed elsewhere).

    `_lock_key` (the second key of the write lock) is set once the store is opened.
    """

    def __init__(self, url: str, *, lock_timeout: float) -> None:
        self.url = url
        self.where = redact_url(url)
        self._lock_timeout = lock_timeout
        self._guard = threading.Lock()
        self._conn: psycopg.Connection[Any] | None = None
        self._listener: psycopg.Connection[Any] | None = None
        self._idle: list[psycopg.Connection[Any]] = []
        self._busy: set[psycopg.Connection[Any]] = set()
        self._closed = False
        self._lock_key = 0
        try:
            self._params = conninfo_to_dict(url)
        except psycopg.Error as exc:
            raise StoreUnavailable(
                _(
                    "{store}: not a PostgreSQL URL ({why}); "
                    "expected postgresql://user@host:5432/dbname"
                ).format(store=self.where, why=self._scrub(str(exc)))
            ) from None

    def _scrub(self, text: str) -> str:
        """A driver's message, its first line, without any secret of the URL."""
        text = scrub(text, self.url)
        for key, value in getattr(self, "_params", {}).items():
            if value and is_secret_parameter(key):
                text = text.replace(str(value), SECRET)
        return text.strip().splitlines()[0] if text.strip() else text

    def _connect(self, *, reader: bool = False) -> psycopg.Connection[Any]:
        if self._closed:
            raise StoreUnavailable(f"{self.where}: this log has been closed")
        extra: dict[str, Any] = {"client_encoding": "utf8"}
        if "connect_timeout" not in self._params:
            extra["connect_timeout"] = CONNECT_TIMEOUT_S
        if "application_name" not in self._params:
            extra["application_name"] = "comity"
        try:
            conn = psycopg.connect(self.url, autocommit=not reader, **extra)
        except psycopg.Error as exc:
            raise StoreUnavailable(
                _(
                    "{store}: cannot connect to the PostgreSQL server ({why}); check that it "
                    "is running, that the URL names the right host, port, user and database, "
                    "and that the user may connect"
                ).format(store=self.where, why=self._scrub(str(exc)))
            ) from None
        try:
            if reader:
                conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
                conn.read_only = True
            else:
                conn.execute(f"SET lock_timeout = {int(self._lock_timeout * 1000)}")
        except psycopg.Error as exc:
            conn.close()
            raise self._error(exc, "open the store") from exc
        return conn

    def _writer(self) -> psycopg.Connection[Any]:
        """The connection for writes and short reads (autocommit; reconnects if lost)."""
        if self._closed:
            raise StoreUnavailable(f"{self.where}: this log has been closed")
        conn = self._conn
        if conn is None or conn.closed or conn.broken:
            if conn is not None:
                with suppress(psycopg.Error):
                    conn.close()
            self._conn = conn = self._connect()
        return conn

    @contextmanager
    def _reader(self) -> Iterator[psycopg.Connection[Any]]:
        """A connection of its own for one streaming read, returned to the pool after."""
        with self._guard:
            conn = self._idle.pop() if self._idle else None
        if conn is None:
            conn = self._connect(reader=True)
        with self._guard:
            self._busy.add(conn)
        try:
            yield conn
        finally:
            reusable = False
            with suppress(psycopg.Error):
                conn.rollback()  # ends the read-only transaction and its snapshot
                reusable = not conn.broken and not conn.closed
            with self._guard:
                self._busy.discard(conn)
                if reusable and not self._closed and len(self._idle) < IDLE_READERS:
                    self._idle.append(conn)
                    conn = None
            if conn is not None:
                with suppress(psycopg.Error):
                    conn.close()

    def _error(self, exc: psycopg.Error, doing: str) -> StoreError:
        """The StoreError a caller sees for a psycopg error (never the raw exception)."""
        text = self._scrub(str(exc))
        where = f"{self.where}: could not {doing}"
        if self._closed:
            return StoreUnavailable(f"{where}: this log has been closed")
        if APPEND_ONLY in str(exc):
            return StoreError(f"{where}: the comity log is append-only")
        if isinstance(exc, pgerrors.LockNotAvailable):
            return StoreUnavailable(
                _(
                    "{where}: the store is locked by another writer (waited up to {seconds} s); "
                    "try again"
                ).format(where=where, seconds=f"{self._lock_timeout:g}")
            )
        if isinstance(exc, pgerrors.InsufficientPrivilege):
            return StoreError(
                f"{where}: permission denied ({text}); the role in the URL lacks a "
                "privilege (docs/store.md: roles)"
            )
        if isinstance(exc, pgerrors.ReadOnlySqlTransaction):
            return StoreReadOnly(f"{where}: the server is read-only ({text})")
        if isinstance(exc, pgerrors.QueryCanceled):
            return StoreUnavailable(f"{where}: the statement was cancelled ({text}); try again")
        if isinstance(exc, psycopg.OperationalError):
            return StoreUnavailable(
                _(
                    "{where}: lost the connection to the PostgreSQL server ({why}); try again"
                ).format(where=where, why=text)
            )
        return StoreError(f"{where}: {text}")

    @contextmanager
    def _write(self, doing: str) -> Iterator[psycopg.Connection[Any]]:
        """One write transaction holding the store's lock: what is read inside (tip,
        seqs, known ids) cannot change before COMMIT; anything raised rolls back."""
        conn = self._writer()
        try:
            with conn.transaction():
                self._take_lock(conn)
                yield conn
        except psycopg.Error as exc:
            raise self._error(exc, doing) from exc

    def _take_lock(self, conn: psycopg.Connection[Any]) -> None:
        """The store's write lock, held to the end of the transaction.

        Its own statement, so that the statements after it (READ COMMITTED: a snapshot
        per statement) see every append that committed before the lock was granted.
        """
        conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", (LOCK_CLASS, self._lock_key))

    def _one(self, sql: str, params: Sequence[Any] = (), *, doing: str = "read the store") -> Any:
        try:
            return self._writer().execute(sql, params).fetchone()
        except psycopg.Error as exc:
            raise self._error(exc, doing) from exc

    def close(self) -> None:
        self._closed = True
        with self._guard:
            conns = [self._conn, self._listener, *self._idle, *self._busy]
            self._conn, self._listener = None, None
            self._idle, self._busy = [], set()
        for conn in conns:
            if conn is not None:
                with suppress(psycopg.Error):
                    conn.close()
