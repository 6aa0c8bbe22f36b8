"""The log's contract and records, at the path they were first published under.

They live in `comity.events.store` now (`store.log`, `store.records`, `store.append`,
`store.verify`, `store._rows`); this module re-exports the same names so that every
import of `comity.events.log` keeps working.
"""

from comity.events.store._rows import RowReads
from comity.events.store.append import batch_last_seq, plan_append
from comity.events.store.log import EventLog
from comity.events.store.records import ENVELOPE_FIELDS as ENVELOPE_FIELDS
from comity.events.store.records import (
    GENESIS_HASH,
    RAW_COLUMNS,
    AppendResult,
    Head,
    RawRecord,
    StoredEvent,
    Tip,
    chain,
    check_range,
    content_of,
    decode_stored,
    format_recorded_at,
    record_of_row,
)
from comity.events.store.verify import (
    VerifyFrom,
    VerifyReport,
    check_import,
    verify_from,
    verify_records,
    verify_rows,
)

__all__ = [
    "GENESIS_HASH",
    "RAW_COLUMNS",
    "AppendResult",
    "EventLog",
    "Head",
    "RawRecord",
    "RowReads",
    "StoredEvent",
    "Tip",
    "VerifyFrom",
    "VerifyReport",
    "batch_last_seq",
    "check_import",
    "check_range",
    "content_of",
    "decode_stored",
    "format_recorded_at",
    "plan_append",
    "record_of_row",
    "verify_from",
    "verify_records",
    "verify_rows",
]

#: The record hash under its first name (`chain` in `comity.events.store.records`).
_chain = chain
