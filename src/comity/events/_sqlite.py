"""The SQLite backend, at its first path.

It lives in `comity.events.store._sqlite`; this module re-exports its names, so that
every import of the old path keeps working. Patch the store module itself, not this one.
"""

from comity.events.store._sqlite import (
    APPLICATION,
    SCHEMA_VERSION,
    SqliteLog,
)
from comity.events.store._sqlite import APPLICATION_ID as APPLICATION_ID
from comity.events.store._sqlite import BUSY_TIMEOUT_S as BUSY_TIMEOUT_S
from comity.events.store._sqlite import FETCH_ROWS as FETCH_ROWS
from comity.events.store._sqlite import ID_CHUNK as ID_CHUNK

__all__ = ["APPLICATION", "SCHEMA_VERSION", "SqliteLog"]
