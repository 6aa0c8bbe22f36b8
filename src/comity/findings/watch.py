"""Watchers: keep the findings store current with the log, exactly once.

A watcher moves a generation of the store from one cut to the next in *steps*. A step
recomputes every case the step touches (the cases of the new events, and the cases
whose next deadline instant real time has reached), compares each with its stored
rows, and writes the differences, the changes to the history and the tracking rows
(the generation's position and clock, each case's position) in **one transaction**.
The tracking rows are compared and set, so a step computed from rows that moved
meanwhile writes nothing. A watcher killed at any instant therefore leaves the store
at the cut before a step or the cut after it: restarted, it reads the tracking row
and goes on from there, and no change is lost or recorded twice.

The watcher reads the wall clock (the engine never does) and hands the instant to the
engine, so that a deadline breaches at its instant even when no event comes. It moves
a case's clock only when real time reaches the case's next deadline instant
(`CaseSession.next_instant`): until then the case's result stands, and a new event
dated after the last instant reached applies to a live session without replaying the
case. An event dated in the future is held back until real time reaches it, as a
replay `as_of` now would.

Catching up a new generation computes each case whole (one replay per case, the rate
of a full replay), committing a few cases per transaction; a restarted build skips
the cases it already wrote (`_build`).

The pieces: `_cases` computes a step's cases (engine sessions kept live between
steps), `_writer` writes a step in one transaction, `_generations` starts and
switches generations, `_leases` and `_build` share a build between watchers, `_live`
and `_share` share live steps between watchers on PostgreSQL, `_clock` is real time.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import secrets
import socket
import time
from collections.abc import Callable, Sequence

from comity.errors import ComityError, GenerationRetired, InvalidArgument
from comity.events import EventLog, StoredEvent, follow
from comity.events.arguments import described
from comity.findings import _generations, _live
from comity.findings._build import Build, Progress
from comity.findings._cases import Cases, Crew
from comity.findings._clock import floor, wall_clock
from comity.findings._leases import bucket_of
from comity.findings._rows import StaleStep, Update
from comity.findings._share import Sharing, Stopped
from comity.findings._writer import StepWriter
from comity.findings.archive import archive_pack
from comity.findings.store import FindingsStore
from comity.findings.types import Cut
from comity.rules import RulePack

__all__ = ["GenerationRetired", "Progress", "Watcher", "wall_clock"]

#: Events applied per step while following (a step is one transaction).
STEP_EVENTS = 1000
#: How often a follower on SQLite looks for new events (PostgreSQL is woken by NOTIFY).
POLL_S = 0.02


class Watcher:
    """Keeps the findings store of `log` current under `pack`.

    `clock` gives real time (tests and benchmarks pass a fixed one); `progress` is
    called during a build; `stop` is polled between cases and steps, so that a
    signal handler can end `run` cleanly. A case whose replay fails is stored as
    failed (`FindingsStore.failures`) and the others go on, as `replay_log` does;
    `failure` is called with the case and why, once its step is written.
    """

    def __init__(
        self,
        log: EventLog,
        pack: RulePack,
        *,
        store: FindingsStore | None = None,
        rule_dirs: Sequence[str] = (),
        clock: Callable[[], dt.datetime] = wall_clock,
        progress: Callable[[Progress], None] | None = None,
        stop: Callable[[], bool] | None = None,
        failure: Callable[[str, str], None] | None = None,
    ) -> None:
        if not isinstance(log, EventLog):
            raise InvalidArgument(
                f"Watcher: log must be an open log (from comity.open_log), got {described(log)}"
            )
        if not isinstance(pack, RulePack):
            raise InvalidArgument(
                f"Watcher: pack must be a rule pack (from comity.load_pack()), got "
                f"{described(pack)}"
            )
        self.log = log
        self._failure = failure
        self.pack = pack
        self._owns_store = store is None
        self.store = store if store is not None else FindingsStore.of(log)
        self.rule_dirs = tuple(rule_dirs)
        self._clock = clock
        self._progress = progress
        self._stop = stop or (lambda: False)
        self._owner = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self._cases = Cases(log, pack, self.store)
        self._crew = Crew(
            log,
            self.store,
            StepWriter(self.store.db),
            self._cases,
            self._owner,
            self._stop,
            self._report,
        )
        # Live steps shared with other watchers (PostgreSQL, `run` without `once`).
        self._share = Sharing(self._crew)
        self._sharing = False

    @property
    def parts_computed(self) -> int:
        """Parts of other watchers' steps this watcher computed (for its exit line)."""
        return self._share.parts_computed

    # -- the clock -----------------------------------------------------------------------
    def _now(self, cut: Cut) -> dt.datetime:
        """Real time to the second, never before the generation's clock."""
        return max(floor(self._clock()), cut.as_of)

    # -- lifecycle -----------------------------------------------------------------------
    def close(self) -> None:
        """Free the engine sessions (and the store connection, if the watcher opened it)."""
        self._cases.reset()
        if self._sharing:
            self._sharing = False
            with contextlib.suppress(ComityError):  # if the store is gone, they run out
                self._share.leave()
        if self._owns_store:
            self.store.close()

    def start(self) -> Cut:
        """The generation this pack writes (archiving the pack on first use)."""
        archive_pack(self.store, self.pack, self.rule_dirs)
        now = floor(self._clock())
        return _generations.start_generation(self.store.db, self.pack.digest, now, wall_clock())

    def catch_up(self, cut: Cut | None = None) -> Cut:
        """Bring the generation to the log's head and the clock to now; a generation
        being built is switched to when it has caught up."""
        cut = cut or self.start()
        if cut.state == "building" and cut.position == 0:
            cut = Build(self._crew, self._progress).run(cut, self._now(cut))
        while not self._stop():
            cut, more = self.step(cut)
            if not more:
                break
        if cut.state == "building" and not self._stop():
            cut = _generations.switch(self.store.db, cut, wall_clock())
        return cut

    def run(self, *, once: bool = False, interval: float = 1.0) -> Cut:
        """Catch up, then (unless `once`) follow the log and the clock until stopped."""
        try:
            cut = self.catch_up()
            leading = False
            self._sharing = not once and self.store.db.dialect == "postgres"
            while not once and not self._stop():
                if not leading:
                    leading = _live.lead(self.store.db)
                if not leading:
                    # Another watcher follows the log: compute the parts of its steps
                    # that fall to this one's buckets, and stand by to take over.
                    cut = self._share.help(cut)
                    continue
                fresh = self.store.generation(cut.generation)
                if fresh is not None and fresh.position > cut.position:
                    cut = fresh  # the watcher this one took over from got that far
                cut = self._follow(cut, interval)
            return cut
        finally:
            self.close()

    def _follow(self, cut: Cut, interval: float) -> Cut:
        pending: list[StoredEvent] = []
        state = {"cut": cut, "tick": time.monotonic()}

        def flush(force_clock: bool) -> None:
            current = state["cut"]
            assert isinstance(current, Cut)
            if pending or force_clock:
                state["cut"] = self._apply(current, pending)
                pending.clear()

        def round_end() -> bool:
            now = time.monotonic()
            tick = isinstance(state["tick"], float) and now - state["tick"] >= interval
            if tick:
                state["tick"] = now
            flush(tick)
            return self._stop()

        poll = min(interval, POLL_S if self.store.db.dialect == "sqlite" else 0.5)
        try:
            for stored in follow(self.log, after=cut.position, poll_interval=poll, stop=round_end):
                pending.append(stored)
                if len(pending) >= STEP_EVENTS:
                    flush(False)
        except Stopped:
            pass  # the step in flight was not written; a restart goes on from the cut
        except StaleStep:
            return self._moved(cut)
        result = state["cut"]
        assert isinstance(result, Cut)
        return result

    # -- steps ---------------------------------------------------------------------------
    def _moved(self, cut: Cut) -> Cut:
        """The generation as another watcher left it, after a step found its rows moved
        (the sessions kept were computed from the old rows); GenerationRetired if it
        is no longer there to write."""
        self._cases.reset()
        fresh = self.store.generation(cut.generation)
        if fresh is None or fresh.state == "retired":
            raise GenerationRetired(
                "another rule pack's generation became current; restart `comity watch` "
                "with the rule pack you want kept current"
            ) from None
        return fresh

    def step(self, cut: Cut) -> tuple[Cut, bool]:
        """One step: up to STEP_EVENTS new events and the clock; True if more wait."""
        events = list(self.log.read(after=cut.position, until=cut.position + STEP_EVENTS))
        more = len(events) == STEP_EVENTS
        for _ in range(3):
            try:
                return self._apply(cut, events), more
            except StaleStep:
                fresh = self._moved(cut)
                if fresh.position != cut.position:
                    return fresh, True
                cut = fresh
        raise StaleStep()

    def _apply(self, cut: Cut, events: Sequence[StoredEvent]) -> Cut:
        clock = self._now(cut)
        for e in events:
            if e.position <= cut.position:
                raise StaleStep()
        position = events[-1].position if events else cut.position
        known_at = events[-1].recorded_at if events else None
        g = cut.generation
        if self._sharing:
            self._share.balance(g)  # renew this watcher's leases, even when idle
        cases, by_case = self._cases.touched(g, events, clock)
        if not cases and clock == cut.as_of and not events:
            return cut
        if self._sharing:
            others = {bucket_of(c) for c in cases} - self._share.mine
            if others:
                return self._share.apply(cut, events, clock, position, known_at, others)
        updates, lives = self._cases.compute(cut, cases, by_case, clock, position)
        return self._crew.commit(
            cut, updates, lives, position=position, clock=clock, known_at=known_at
        )

    def _report(self, updates: Sequence[Update]) -> None:
        """Tell `failure` of the cases of a written step that could not be computed."""
        if self._failure is not None:
            for u in updates:
                if u.error is not None:
                    self._failure(u.case_id, u.error)
