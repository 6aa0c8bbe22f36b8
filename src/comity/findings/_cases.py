"""The cases of one step computed: each case the step touches recomputed and compared
with its stored rows, with engine sessions kept live between steps.

A live session of a case applies the step's new events to what it already holds, so
a step costs the new events, not a replay of the case. A session is only trusted for
the rows it computed: when the case row moved meanwhile (another watcher took the
case over, a step was not written), the case is computed again from its events, and
it is compared with what is stored, never with what the session remembers.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence

import attrs

from comity.engine import CaseSession
from comity.engine.replay import case_failure
from comity.events import EventLog, StoredEvent
from comity.events.time import format_instant
from comity.findings._clock import event_instant, next_at, quiet_advance, wall_clock
from comity.findings._leases import bucket_of
from comity.findings._rows import CaseRows, Update, case_rows, diff, failed
from comity.findings._writer import StepWriter
from comity.findings.store import FindingsStore
from comity.findings.types import Cut
from comity.rules import RulePack

__all__ = ["EMPTY", "Cases", "Crew", "Live", "attribution"]

#: Live engine sessions kept between steps (durable-rules allows 1,000 per process).
CACHE_SESSIONS = 256


def attribution(
    session: CaseSession,
    new_events: Sequence[StoredEvent],
    since: str | None,
    clock: dt.datetime,
) -> Callable[[str, str], tuple[str, int | None, str] | None]:
    """Which event or instant of *this step* raised or resolved a finding, as the
    engine saw it apply them: an event new in the step, or an instant the clock passed
    in the step (after `since`, the case's clock before it, up to `clock`). Anything
    else (an update, a withdrawal, a finding re-raised by a late event's replay) is
    the step's own cause. Keeping to the step's own events and instants keeps each
    change's cause unique to the step, which the history's unique index relies on."""
    positions = {e.position for e in new_events}
    upto = format_instant(clock)

    def attribute(fid: str, change: str) -> tuple[str, int | None, str] | None:
        if change not in ("raised", "resolved"):
            return None
        found = session.cause(fid)
        if found is None:
            return None
        why = found[0] if change == "raised" else found[1]
        if why is None:
            return None
        if why.position is not None:
            return ("event", why.position, upto) if why.position in positions else None
        if (since is None or why.instant > since) and why.instant <= upto:
            return ("clock", None, why.instant)
        return None

    return attribute


@attrs.define
class Live:
    """A case's engine session after a step, and what it was computed to."""

    generation: int
    session: CaseSession
    position: int
    deferred: list[StoredEvent]
    rows: CaseRows


#: The rows of a case the store has never written.
EMPTY = CaseRows({}, ())


class Cases:
    """Computes the cases of a watcher's steps, keeping up to CACHE_SESSIONS sessions."""

    def __init__(self, log: EventLog, pack: RulePack, store: FindingsStore) -> None:
        self.log = log
        self.pack = pack
        self.store = store
        self._cache: OrderedDict[str, Live] = OrderedDict()

    def reset(self) -> None:
        """Close every kept session (the rows they were computed from may have moved)."""
        for live in self._cache.values():
            live.session.close()
        self._cache.clear()

    def keep(self, case_id: str, live: Live) -> None:
        old = self._cache.pop(case_id, None)
        if old is not None and old.session is not live.session:
            old.session.close()
        self._cache[case_id] = live
        while len(self._cache) > CACHE_SESSIONS:
            _, evicted = self._cache.popitem(last=False)
            evicted.session.close()

    def keep_all(self, lives: Iterable[tuple[str, Live]]) -> None:
        for case_id, live in lives:
            self.keep(case_id, live)

    @staticmethod
    def close_all(lives: Iterable[tuple[str, Live]]) -> None:
        """Close sessions computed for a step that was not written."""
        for _, live in lives:
            live.session.close()

    def session(
        self, case_id: str, events: Iterable[StoredEvent], clock: dt.datetime, *, keep: bool = True
    ) -> tuple[CaseSession, list[StoredEvent]]:
        """A session of the case's events up to `clock` (later ones are returned, held
        back). `keep`: it will apply later events, so its own clock stays at the last
        instant where something happened; otherwise one tick to `clock` is enough."""
        applied: list[StoredEvent] = []
        deferred: list[StoredEvent] = []
        for e in events:
            (applied if event_instant(e) <= clock else deferred).append(e)
        session = CaseSession(self.pack, case_id, applied)
        try:
            if keep:
                quiet_advance(session, clock)
            else:
                session.advance(clock)
        except BaseException:
            session.close()
            raise
        return session, deferred

    def case_step(
        self,
        cut: Cut,
        case_id: str,
        state: tuple[int, str, str | None] | None,
        new_events: Sequence[StoredEvent],
        clock: dt.datetime,
        position: int,
    ) -> tuple[Update, Live | None]:
        """The case's update for this step and its live session (None if it failed:
        the next event of it computes it again from its events)."""
        g = cut.generation
        live = self._cache.pop(case_id, None)
        if live is not None and (
            live.generation != g or state is None or live.position != state[0]
        ):
            live.session.close()
            live = None
        case_position = new_events[-1].position if new_events else (state[0] if state else 0)
        cause = "event" if new_events else "clock"
        expected = None if state is None else state[0]
        # The store's reads come first: an error of theirs is the store's, not the case's.
        events: list[StoredEvent] = []
        if live is not None:
            old = live.rows
        else:
            events = [e for e in self.log.read_case(case_id) if e.position <= position]
            old = self.store.case_rows(g, case_id) if state is not None else EMPTY
        session: CaseSession | None = None
        try:
            if live is not None:
                session, deferred = live.session, live.deferred
                for e in new_events:
                    if event_instant(e) > clock:
                        deferred.append(e)
                    else:
                        session.apply(e)
                ready = sorted(
                    (d for d in deferred if event_instant(d) <= clock),
                    key=lambda d: (event_instant(d), d.seq),
                )
                for d in ready:
                    session.apply(d)
                deferred = [d for d in deferred if event_instant(d) > clock]
                quiet_advance(session, clock)
            else:
                session, deferred = self.session(case_id, events, clock)
            rows = case_rows(session.result())
            update = diff(
                case_id,
                old,
                rows,
                cause=cause,
                expected=expected,
                position=case_position,
                clock=format_instant(clock),
                next_at=next_at(session, deferred),
                attribute=attribution(session, new_events, state[1] if state else None, clock),
            )
        except Exception as exc:  # this case's failure: reported for it, the rest go on
            if session is not None:
                session.close()
            elif live is not None:
                live.session.close()
            error = case_failure(case_id, exc)
            return failed(
                case_id,
                old,
                error,
                cause=cause,
                expected=expected,
                position=case_position,
                clock=format_instant(clock),
            ), None
        except BaseException:
            if session is not None:
                session.close()
            raise
        return update, Live(g, session, case_position, deferred, rows)

    def touched(
        self, g: int, events: Sequence[StoredEvent], clock: dt.datetime, bucket: int | None = None
    ) -> tuple[list[str], dict[str, list[StoredEvent]]]:
        """The cases a step touches (of one bucket, or all): those of its events and
        those whose next instant the clock reached."""
        by_case: dict[str, list[StoredEvent]] = {}
        for e in events:
            if bucket is None or bucket_of(e.case_id) == bucket:
                by_case.setdefault(e.case_id, []).append(e)
        due = self.store.due_cases(g, format_instant(clock))
        if bucket is not None:
            due = [c for c in due if bucket_of(c) == bucket]
        return sorted(set(by_case) | set(due)), by_case

    def compute(
        self,
        cut: Cut,
        cases: Sequence[str],
        by_case: dict[str, list[StoredEvent]],
        clock: dt.datetime,
        position: int,
    ) -> tuple[list[Update], list[tuple[str, Live]]]:
        states = self.store.case_states(cut.generation, cases)
        updates: list[Update] = []
        lives: list[tuple[str, Live]] = []
        try:
            for case_id in cases:
                update, live = self.case_step(
                    cut, case_id, states.get(case_id), by_case.get(case_id, []), clock, position
                )
                updates.append(update)
                if live is not None:
                    lives.append((case_id, live))
        except BaseException:
            self.close_all(lives)
            raise
        return updates, lives


@attrs.frozen
class Crew:
    """What a watcher's steps, its share of a build and its shared steps work with."""

    log: EventLog
    store: FindingsStore
    writer: StepWriter
    cases: Cases
    owner: str
    stop: Callable[[], bool]
    #: Told of the cases of a written step that could not be computed.
    report: Callable[[Sequence[Update]], None]

    def commit(
        self,
        cut: Cut,
        updates: Sequence[Update],
        lives: Sequence[tuple[str, Live]],
        *,
        position: int,
        clock: dt.datetime,
        known_at: dt.datetime | None,
        shared: bool = False,
    ) -> Cut:
        """Write a step, then keep its sessions (or close them if it was not written)."""
        try:
            new = self.writer.write_step(
                cut,
                updates,
                position=position,
                clock=clock,
                known_at=known_at,
                now=wall_clock(),
                shared=shared,
            )
        except BaseException:
            self.cases.close_all(lives)
            raise
        self.cases.keep_all(lives)
        self.report(updates)
        assert new is not None
        return new
