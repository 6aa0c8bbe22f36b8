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

The names are imported on first use (PEP 562), not with the package: every module of
comity imports this package first, and the command line's own first code
(:mod:`comity._console`) must run before the engine, the stores and their drivers
are imported, so that a Ctrl-C during that second is its documented exit 130, not a
traceback from the import machinery.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
    from comity.findings import (
        Cut,
        FindingsStore,
        StoredFinding,
        Watcher,
    )
    from comity.rules import (
        RulePack,
        load_pack,
    )

    #: The installed distribution's version (pyproject.toml is its one source).
    __version__: str

#: Where each public name lives.
_HOME = {
    "CaseResult": "comity.engine",
    "CaseSession": "comity.engine",
    "Changes": "comity.engine",
    "Citation": "comity.engine",
    "CountedPeriod": "comity.engine",
    "DeadlineDetail": "comity.engine",
    "Finding": "comity.engine",
    "OpenDeadline": "comity.engine",
    "ParameterSource": "comity.engine",
    "StatedLastDay": "comity.engine",
    "replay_case": "comity.engine",
    "replay_log": "comity.engine",
    "ChainBroken": "comity.errors",
    "ComityError": "comity.errors",
    "ConcurrencyConflict": "comity.errors",
    "DuplicateEventError": "comity.errors",
    "EngineError": "comity.errors",
    "EventFormatError": "comity.errors",
    "GenerationRetired": "comity.errors",
    "InvalidArgument": "comity.errors",
    "InvalidInput": "comity.errors",
    "LanguageError": "comity.errors",
    "NoteFormatError": "comity.errors",
    "NotRecorded": "comity.errors",
    "PreviousExportError": "comity.errors",
    "Problem": "comity.errors",
    "ProofError": "comity.errors",
    "RulePackError": "comity.errors",
    "SignatureError": "comity.errors",
    "StoreDamaged": "comity.errors",
    "StoreError": "comity.errors",
    "StoreReadOnly": "comity.errors",
    "StoreUnavailable": "comity.errors",
    "UnknownFinding": "comity.errors",
    "UnknownRule": "comity.errors",
    "VerificationFailed": "comity.errors",
    "EventLog": "comity.events",
    "StoredEvent": "comity.events",
    "decode_event": "comity.events",
    "encode_event": "comity.events",
    "open_log": "comity.events",
    "parse_jsonl": "comity.events",
    "verify_records": "comity.events",
    "Cut": "comity.findings",
    "FindingsStore": "comity.findings",
    "StoredFinding": "comity.findings",
    "Watcher": "comity.findings",
    "RulePack": "comity.rules",
    "load_pack": "comity.rules",
}


def __getattr__(name: str) -> Any:
    """A public name, imported from its module the first time it is asked for."""
    if name == "__version__":
        from importlib import metadata

        value: Any = metadata.version("comity")
    elif name in _HOME:
        value = getattr(importlib.import_module(_HOME[name]), name)
    else:
        raise AttributeError(f"module 'comity' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


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
