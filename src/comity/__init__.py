"""comity: an event-sourced rule engine for cross-border asset recovery.

The public API for case-management systems that embed comity::

    import datetime as dt
    import comity

    log = comity.open_log("comity.db")            # or "postgresql://...", "memory:"
    log.append(comity.parse_jsonl(open("events.jsonl", "rb"), source="events.jsonl"))
    pack = comity.load_pack()                      # built-in rules + dated parameters
    for result in comity.replay_log(log, pack, as_of=dt.date(2020, 12, 31)):
        for finding in result.findings:
            print(finding.to_json())

Everything importable from `comity` directly is stable; underscored modules are not.
"""

from comity.engine import (
    CaseResult,
    CaseSession,
    Changes,
    Citation,
    CountedPeriod,
    DeadlineDetail,
    Finding,
    OpenDeadline,
    ParameterSource,
    StatedLastDay,
    replay_case,
    replay_log,
)
from comity.errors import (
    ChainBroken,
    ComityError,
    ConcurrencyConflict,
    DuplicateEventError,
    EngineError,
    EventFormatError,
    InvalidInput,
    RulePackError,
    StoreError,
    StoreUnavailable,
)
from comity.events import (
    EventLog,
    StoredEvent,
    decode_event,
    encode_event,
    open_log,
    parse_jsonl,
    verify_records,
)
from comity.findings import Cut, FindingsStore, StoredFinding, Watcher
from comity.rules import RulePack, load_pack

__all__ = [
    "CaseResult",
    "CaseSession",
    "ChainBroken",
    "Changes",
    "Citation",
    "ComityError",
    "ConcurrencyConflict",
    "CountedPeriod",
    "Cut",
    "DeadlineDetail",
    "DuplicateEventError",
    "EngineError",
    "EventFormatError",
    "EventLog",
    "Finding",
    "FindingsStore",
    "InvalidInput",
    "OpenDeadline",
    "ParameterSource",
    "RulePack",
    "RulePackError",
    "StatedLastDay",
    "StoreError",
    "StoreUnavailable",
    "StoredEvent",
    "StoredFinding",
    "Watcher",
    "decode_event",
    "encode_event",
    "load_pack",
    "open_log",
    "parse_jsonl",
    "replay_case",
    "replay_log",
    "verify_records",
]
