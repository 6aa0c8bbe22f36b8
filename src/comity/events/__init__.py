"""DOMAIN: what happened. Event types, their codec and schema, and the append-only log.

The domain (types, codec, schema, jsonl, time, text, codes, limits) is in this
package's modules; the store that keeps events (the log, its backends, copying and
following) in `comity.events.store`. The names are imported here through the modules'
first paths (`comity.events.log`, `.copy`, `.follow`), so that those stay attributes of
this package as they were, and `comity.events.follow` stays the function.
"""

from comity.events.codec import (
    canonical_json,
    check_event,
    decode_event,
    encode_event,
    format_time,
)
from comity.events.copy import CopyReport, copy_log
from comity.events.follow import follow
from comity.events.jsonl import parse_jsonl, parse_one
from comity.events.log import (
    GENESIS_HASH,
    AppendResult,
    EventLog,
    Head,
    RawRecord,
    StoredEvent,
    VerifyReport,
    verify_records,
)
from comity.events.schema import event_schema
from comity.events.store import DEFAULT_STORE, open_log
from comity.events.types import *  # noqa: F403
from comity.events.types import __all__ as _types_all

__all__ = [
    "DEFAULT_STORE",
    "GENESIS_HASH",
    "AppendResult",
    "CopyReport",
    "EventLog",
    "Head",
    "RawRecord",
    "StoredEvent",
    "VerifyReport",
    "canonical_json",
    "check_event",
    "copy_log",
    "decode_event",
    "encode_event",
    "event_schema",
    "follow",
    "format_time",
    "open_log",
    "parse_jsonl",
    "parse_one",
    "verify_records",
    *_types_all,
]
