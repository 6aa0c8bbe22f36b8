"""Open a log from the URL-like names users type (`--store`, `COMITY_STORE`).

`./comity.db`, `path/to/x.db` or `sqlite:///path` open SQLite (the embedded default);
`memory:` an in-memory log; `postgresql://...` a PostgreSQL server.
"""

from __future__ import annotations

from comity.errors import StoreUnavailable
from comity.events.log import EventLog

__all__ = ["DEFAULT_STORE", "open_log"]

DEFAULT_STORE = "comity.db"


def open_log(url: str = DEFAULT_STORE, *, create: bool = True) -> EventLog:
    """Open (and with `create`, initialise) the log that `url` names."""
    if url in ("memory:", ":memory:"):
        from comity.events._memory import MemoryLog

        return MemoryLog()
    if url.startswith(("postgresql://", "postgres://")):
        try:
            import psycopg  # noqa: F401  (an optional extra)
        except ImportError:
            raise StoreUnavailable(
                "PostgreSQL support needs psycopg; pip install 'comity[postgres]'"
            ) from None
        from comity.events._postgres import PostgresLog

        return PostgresLog(url, create=create)
    path = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else url
    if "://" in path:
        raise StoreUnavailable(
            f"{url}: unknown store; use a file path, sqlite:///path, postgresql://... or memory:"
        )
    from comity.events._sqlite import SqliteLog

    return SqliteLog(path, create=create)
