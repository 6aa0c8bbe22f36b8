"""Open a log from the URL-like names users type (`--store`, `COMITY_STORE`).

`./comity.db`, `path/to/x.db` or `sqlite:///path` open SQLite (the embedded default);
`memory:` an in-memory log; `postgresql://...` a PostgreSQL server.
"""

from __future__ import annotations

import os

from comity.errors import InvalidArgument, StoreUnavailable
from comity.events.store.log import EventLog
from comity.events.store.url import describe_store, parse_store_url, redact_url

__all__ = ["DEFAULT_STORE", "describe_store", "open_log", "redact_url"]

DEFAULT_STORE = "comity.db"


def open_log(url: str | os.PathLike[str] = DEFAULT_STORE, *, create: bool = False) -> EventLog:
    """Open the existing log that `url` names; with `create`, make it first if it is not
    there (a new SQLite file, or comity's tables in a PostgreSQL database).

    Not creating is the default, as the command line's is (only `comity init`
    creates): a mistyped path or database name is StoreUnavailable, saying so, rather
    than an empty store that a replay would report as a log without cases. `memory:`
    is a new empty log every time, whatever `create` says. A path may be given as a
    `pathlib.Path`.
    """
    if isinstance(url, os.PathLike):
        url = os.fspath(url)
    if not isinstance(url, str):
        raise InvalidArgument(
            f"open_log: url must be a path or a store URL (str), got {type(url).__name__}"
        )
    store = parse_store_url(url)
    if store.kind == "memory":
        from comity.events.store._memory import MemoryLog

        return MemoryLog()
    if store.kind == "postgresql":
        try:
            import psycopg  # noqa: F401  (an optional extra)
        except ImportError:
            raise StoreUnavailable(
                "PostgreSQL support needs psycopg; pip install 'comity[postgres]'"
            ) from None
        from comity.events.store._postgres import PostgresLog

        return PostgresLog(url, create=create)
    from comity.events.store._sqlite import SqliteLog

    return SqliteLog(store.path, create=create)
