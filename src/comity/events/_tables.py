"""The tables of the layers above the log, at its first path.

It lives in `comity.events.store._tables`; this module re-exports its names, so that
every import of the old path keeps working. Patch the store module itself, not this one.
"""

from comity.events.store._tables import BUSY_TIMEOUT_S as BUSY_TIMEOUT_S
from comity.events.store._tables import CONNECT_TIMEOUT_S as CONNECT_TIMEOUT_S
from comity.events.store._tables import LOCK_CLASS as LOCK_CLASS
from comity.events.store._tables import Cursor as Cursor
from comity.events.store._tables import (
    Migration,
    SideTables,
    open_side_tables,
)
from comity.events.store._tables import Rows as Rows

__all__ = ["Migration", "SideTables", "open_side_tables"]
