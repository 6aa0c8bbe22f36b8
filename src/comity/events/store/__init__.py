"""Open a log from the URL-like names users type (`--store`, `COMITY_STORE`).

`./comity.db`, `path/to/x.db` or `sqlite:///path` open SQLite (the embedded default);
`memory:` an in-memory log; `postgresql://...` a PostgreSQL server.
"""

from __future__ import annotations

from comity.errors import StoreUnavailable
from comity.events.log import EventLog
from comity.events.store.url import describe_store, parse_store_url, redact_url

__all__ = ["DEFAULT_STORE", "describe_store", "open_log", "redact_url"]

DEFAULT_STORE = "comity.db"


def open_log(url: str = DEFAULT_STORE, *, create: bool = True) -> EventLog:
    """Open (and with `create`, initialise) the log that `url` names."""
    store = parse_store_url(url)
    if store.kind == "memory":
        from comity.events._memory import MemoryLog

        return MemoryLog()
    if store.kind == "postgresql":
        try:
            import psycopg  # noqa: F401  (an optional extra)
        except ImportError:
            raise StoreUnavailable(
                "PostgreSQL support needs psycopg; pip install 'comity[postgres]'"
            ) from None
        from comity.events._postgres import PostgresLog

        return PostgresLog(url, create=create)
    from comity.events._sqlite import SqliteLog

    return SqliteLog(store.path, create=create)
