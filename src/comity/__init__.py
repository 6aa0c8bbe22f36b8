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
Every error the API raises is a :class:`ComityError` exported here (see
:mod:`comity.errors` for the tree and the built-in exception each one refines).
"""

from importlib import metadata as _metadata

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
    GenerationRetired,
    InvalidArgument,
    InvalidInput,
    LanguageError,
    NoteFormatError,
    NotRecorded,
    PreviousExportError,
    Problem,
    ProofError,
    RulePackError,
    SignatureError,
    StoreDamaged,
    StoreError,
    StoreReadOnly,
    StoreUnavailable,
    UnknownFinding,
    UnknownRule,
    VerificationFailed,
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

#: The installed distribution's version (pyproject.toml is its one source).
__version__ = _metadata.version("comity")

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
    "GenerationRetired",
    "InvalidArgument",
    "InvalidInput",
    "LanguageError",
    "NotRecorded",
    "NoteFormatError",
    "OpenDeadline",
    "ParameterSource",
    "PreviousExportError",
    "Problem",
    "ProofError",
    "RulePack",
    "RulePackError",
    "SignatureError",
    "StatedLastDay",
    "StoreDamaged",
    "StoreError",
    "StoreReadOnly",
    "StoreUnavailable",
    "StoredEvent",
    "StoredFinding",
    "UnknownFinding",
    "UnknownRule",
    "VerificationFailed",
    "Watcher",
    "__version__",
    "decode_event",
    "encode_event",
    "load_pack",
    "open_log",
    "parse_jsonl",
    "replay_case",
    "replay_log",
    "verify_records",
]
