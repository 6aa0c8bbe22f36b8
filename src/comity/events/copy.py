"""Copying a log, at its first path.

It lives in `comity.events.store.copy`; this module re-exports its names, so that
every import of the old path keeps working.
"""

from comity.events.store.copy import COPY_CHUNK as COPY_CHUNK
from comity.events.store.copy import (
    CopyReport,
    copy_log,
)

__all__ = ["CopyReport", "copy_log"]
