"""The PostgreSQL backend, at its first path.

It lives in `comity.events.store._postgres`; this module re-exports its names, so that
every import of the old path keeps working. Patch the store module itself, not this one.
"""

from comity.events.store._pg_connections import CONNECT_TIMEOUT_S as CONNECT_TIMEOUT_S
from comity.events.store._pg_connections import IDLE_READERS as IDLE_READERS
from comity.events.store._pg_connections import LOCK_TIMEOUT_S as LOCK_TIMEOUT_S
from comity.events.store._postgres import (
    APPLICATION,
    SCHEMA_VERSION,
    PostgresLog,
)
from comity.events.store._postgres import FETCH_ROWS as FETCH_ROWS
from comity.events.store._postgres import IMPORT_CHUNK as IMPORT_CHUNK
from comity.events.store._postgres import LOCK_CLASS as LOCK_CLASS
from comity.events.store._postgres import MIGRATIONS as MIGRATIONS
from comity.events.store._postgres import UNIQUE_RETRIES as UNIQUE_RETRIES

__all__ = ["APPLICATION", "SCHEMA_VERSION", "PostgresLog"]
