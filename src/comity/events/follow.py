"""Following a log, at its first path.

It lives in `comity.events.store.follow`; this module re-exports its names, so that
every import of the old path keeps working.
"""

from comity.events.store.follow import (
    follow,
)

__all__ = ["follow"]
