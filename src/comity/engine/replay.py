"""Replay: a case's events, in valid-time order, through the rules, to a cut.

A replay is a pure function of (the case's events, the rule pack, `as_of`, `known_at`):
the run (engine/_run.py) applies the events on an event-time clock that never reads
the wall clock.

`replay_log` replays many cases; a case that fails there (whatever the error) is
yielded as `CaseResult.failed` and the next case is replayed, so that one case can
never hide the others. The same cases over worker processes: engine/parallel.py; one
case kept live event by event: `CaseSession` (engine/session.py), re-exported here.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Iterator, Sequence

from comity.engine._compiler import compiled
from comity.engine._facts import instant
from comity.engine._run import CaseRun, Cause, applied, as_of_limit, checked_pack
from comity.engine.findings import CaseResult
from comity.engine.session import CaseSession
from comity.errors import ComityError
from comity.events import arguments
from comity.events.store.log import EventLog
from comity.events.store.records import StoredEvent
from comity.rules.pack import RulePack

__all__ = [
    "CaseSession",
    "Cause",
    "as_of_limit",
    "case_failure",
    "replay_case",
    "replay_case_isolated",
    "replay_log",
]

_log = logging.getLogger(__name__)


def replay_case(
    events: Iterable[StoredEvent],
    pack: RulePack,
    *,
    as_of: dt.date | dt.datetime,
    case_id: str | None = None,
) -> CaseResult:
    """Replay one case's stored events as of `as_of` (valid time).

    The caller chooses which events were known (record time): pass what the log
    returned for `known_at`. Events after `as_of` are not applied.
    """
    checked_pack(pack, "replay_case")
    limit = as_of_limit(arguments.valid_time(as_of, call="replay_case"))
    if case_id is not None:
        arguments.case_id(case_id, call="replay_case")
    events = arguments.stored_events(events, call="replay_case")
    every = applied(events)
    ordered = [s for s in every if instant(s.event.occurred_at) <= limit]
    cid = case_id or (every[0].case_id if every else "")  # even if all are after as_of
    run = CaseRun(compiled(pack), cid, ordered, (s.event_id for s in events))
    try:
        for stored in ordered:
            run.apply(stored)
        run.advance(limit)
        return run.result()
    finally:
        run.close()


def replay_case_isolated(
    events: Iterable[StoredEvent],
    pack: RulePack,
    *,
    as_of: dt.date | dt.datetime,
    case_id: str,
) -> CaseResult:
    """`replay_case`, except that a case that fails is a result with `error` set.

    For replays of many cases: no event may stop the replay of the other cases, so any
    exception from the engine (a comity error or a bug) becomes this case's error. The
    store's errors are not the case's and are raised by the reads, before this.
    """
    try:
        return replay_case(events, pack, as_of=as_of, case_id=case_id)
    except Exception as exc:  # one case's failure, whatever it is, is reported for it
        return CaseResult.failed(case_id, case_failure(case_id, exc))


def case_failure(case_id: str, exc: Exception) -> str:
    """Why a case could not be replayed, in one line (`CaseResult.error`): a comity
    error as it reads, anything else named as unexpected. Every replay of many cases
    (`replay_log`, the findings store's watchers) words it the same way."""
    _log.debug("case %s could not be replayed", case_id, exc_info=True)
    what = str(exc).splitlines()[0] if str(exc) else ""
    if not isinstance(exc, ComityError):
        what = f"{type(exc).__name__}: {what} (unexpected: report it with the case's events)"
    return what or type(exc).__name__


def replay_log(
    log: EventLog,
    pack: RulePack,
    *,
    as_of: dt.date | dt.datetime,
    known_at: dt.datetime | None = None,
    cases: Sequence[str] | None = None,
) -> Iterator[CaseResult]:
    """Replay every case (or `cases`), one at a time, in case-id order.

    Only one case is in memory and live in the engine at a time, so memory stays flat
    as the log grows. A case that cannot be replayed is yielded as a result with
    `error` set (`CaseResult.failed`), and the replay goes on with the next case.

    The arguments are checked when it is called (InvalidArgument), not when the first
    result is asked for: a wrong `as_of` would otherwise fail every case one by one.
    """
    checked_pack(pack, "replay_log")
    arguments.valid_time(as_of, call="replay_log")
    arguments.instant(known_at, call="replay_log")
    chosen = None if cases is None else arguments.case_ids(cases, call="replay_log")
    return _replay_cases(log, pack, as_of=as_of, known_at=known_at, cases=chosen)


def _replay_cases(
    log: EventLog,
    pack: RulePack,
    *,
    as_of: dt.date | dt.datetime,
    known_at: dt.datetime | None,
    cases: Sequence[str] | None,
) -> Iterator[CaseResult]:
    ids = sorted(set(cases)) if cases is not None else log.case_ids(known_at=known_at)
    for case_id in ids:
        events = list(log.read_case(case_id, known_at=known_at))
        if events:
            yield replay_case_isolated(events, pack, as_of=as_of, case_id=case_id)
