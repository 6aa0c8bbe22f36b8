"""The in-memory backend, at its first path.

It lives in `comity.events.store._memory`; this module re-exports its names, so that
every import of the old path keeps working. Patch the store module itself, not this one.
"""

from comity.events.store._memory import (
    MemoryLog,
)

__all__ = ["MemoryLog"]
