"""The incremental session: one case kept live, one new event at a time.

A case system that records events as they happen asks what each one changed. The
session keeps the case's run open between events and answers with the findings raised,
resolved, withdrawn or updated; its result always equals a full replay of the same
events to the same clock (engine/replay.py), because both apply events through the same
`CaseRun`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from comity.engine._compiler import compiled
from comity.engine._facts import instant
from comity.engine._run import CaseRun, Cause, applied, as_of_limit, checked_pack
from comity.engine.findings import CaseResult, Changes
from comity.errors import InvalidArgument
from comity.events import arguments
from comity.events.store.records import StoredEvent
from comity.events.time import instant_of
from comity.events.types import EventRetracted
from comity.rules.pack import RulePack

__all__ = ["CaseSession"]


class CaseSession:
    """Incremental use for embedding: apply one new event, learn what changed.

    The result always equals a full replay of the same events to the same clock; an
    event older than the clock (a late report) replays the case from its events.
    Close the session (or use it as a context manager) to free its engine slot.
    """

    def __init__(self, pack: RulePack, case_id: str, events: Iterable[StoredEvent] = ()) -> None:
        self.pack = checked_pack(pack, "CaseSession")
        self.case_id = arguments.case_id(case_id, call="CaseSession")
        # every event, retracted ones too
        self._all: list[StoredEvent] = arguments.stored_events(events, call="CaseSession")
        ordered = applied(self._all)
        self._run = CaseRun(compiled(pack), case_id, ordered, (s.event_id for s in self._all))
        try:
            for stored in ordered:
                self._run.apply(stored)
        except BaseException:
            self._run.close()  # a case that fails to replay must not keep its engine slot
            raise
        # What the starting events raised is the result, not a change: forget it
        # without building the findings that take_changes would build.
        self._run.changed_raised, self._run.changed_resolved = [], []

    @property
    def clock(self) -> str:
        return self._run.horizon

    def apply(self, stored: StoredEvent) -> Changes:
        """Apply one stored event of this case; returns the findings raised or resolved."""
        arguments.stored_event(stored, call="CaseSession.apply")
        if stored.case_id != self.case_id:
            raise InvalidArgument(
                f"CaseSession.apply: event {stored.event_id} belongs to case "
                f"{stored.case_id}, not {self.case_id}; apply it to a session of its own case"
            )
        if instant(stored.event.occurred_at) < self._run.horizon or isinstance(
            stored.event, EventRetracted
        ):
            # A late event, or a retraction (the case without the retracted event).
            return self._rebuild([*self._all, stored], self._run.horizon)
        if self._run.projector.completes(stored.event):
            # It supplies what an applied event referred to and the record lacked: a
            # full replay of the same events never raises that data-quality finding.
            return self._rebuild([*self._all, stored], self._run.horizon)
        self._all.append(stored)
        if any(
            isinstance(s.event, EventRetracted) and s.event.retracted_event_id == stored.event_id
            for s in self._all
        ):
            return Changes(raised=(), resolved=())  # retracted before it arrived
        self._run.apply(stored)
        return self._run.take_changes()

    def advance(self, as_of: dt.date | dt.datetime) -> Changes:
        """Run the clock up to `as_of`: deadlines breached meanwhile are raised."""
        arguments.valid_time(as_of, call="CaseSession.advance")
        self._run.advance(as_of_limit(as_of))
        return self._run.take_changes()

    @property
    def next_instant(self) -> dt.datetime | None:
        """The earliest instant after the clock at which the clock alone can change the
        result (a running deadline's breach or warning), or None if none can.

        A watcher keeping a case current as real time passes needs to move the clock
        only when it reaches this instant; until then the result stands, and a new event
        dated after the last instant reached applies without replaying the case.
        """
        upcoming = self._run.agenda.next_instant()
        if upcoming is None:
            return None
        return instant_of(upcoming)

    def cause(self, finding_id: str) -> tuple[Cause, Cause | None] | None:
        """What raised the finding and (if it is resolved) what resolved it, as this
        session applied the case's events (a late event re-applies them all); None
        for a finding the session does not hold."""
        found = self._run.causes.get(finding_id)
        if found is None or found[0] is None:
            return None
        return found[0], found[1]

    def _rebuild(self, events: list[StoredEvent], limit: str) -> Changes:
        before = {f.finding_id: f for f in self._run.result().findings}
        self._all = events
        self._run.close()
        ordered = applied(events)
        self._run = CaseRun(
            compiled(self.pack), self.case_id, ordered, (s.event_id for s in events)
        )
        for stored in ordered:
            self._run.apply(stored)
        self._run.advance(limit)
        self._run.take_changes()
        after = self._run.result().findings
        now = {f.finding_id for f in after}
        raised = tuple(f for f in after if f.finding_id not in before)
        resolved = tuple(
            f
            for f in after
            if f.finding_id in before and f.resolved_at and not before[f.finding_id].resolved_at
        )
        withdrawn = tuple(f for fid, f in before.items() if fid not in now)
        reported = {f.finding_id for f in (*raised, *resolved)}
        updated = tuple(
            f
            for f in after
            if f.finding_id in before and f.finding_id not in reported and f != before[f.finding_id]
        )
        return Changes(raised=raised, resolved=resolved, withdrawn=withdrawn, updated=updated)

    def result(self) -> CaseResult:
        return self._run.result()

    def close(self) -> None:
        self._run.close()

    def __enter__(self) -> CaseSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
