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
the cases it already wrote.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import secrets
import socket
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence

import attrs
import orjson

from comity.engine import CaseSession
from comity.engine.replay import case_failure
from comity.errors import ComityError, GenerationRetired, InvalidArgument
from comity.events import EventLog, StoredEvent, follow
from comity.events.arguments import described
from comity.events.time import format_instant
from comity.findings._rows import (
    CaseRows,
    StaleStep,
    Update,
    case_rows,
    diff,
    dump_update,
    failed,
    load_update,
    replayed,
)
from comity.findings.archive import archive_pack
from comity.findings.store import BUCKETS, Cut, FindingsStore, bucket_of
from comity.rules import RulePack

__all__ = ["GenerationRetired", "Progress", "Watcher"]

#: Events applied per step while following (a step is one transaction).
STEP_EVENTS = 1000
#: Live engine sessions kept between steps (durable-rules allows 1,000 per process).
CACHE_SESSIONS = 256
#: A build commits after this many cases or this many seconds, whichever comes first.
#: Each commit writes every index page its rows touched, and finding ids (random)
#: spread the rows over the whole of each index, so fewer, larger commits write fewer
#: pages: at a million events on a loaded machine, the time bound (not the case
#: bound) set the commits, 628 of them, 11 s of the writes' 27 s of CPU. The time
#: bound stays well inside a lease (every write renews it).
BUILD_CASES = 256
BUILD_SECONDS = 2.0
#: At most this many buckets leased at once by a build (on a small store).
CLAIM_BUCKETS = 16
#: How long a watcher's lease on a bucket of cases lasts without being renewed: the
#: bound on how soon another watcher takes over the bucket of one that died.
LEASE_S = 5.0
#: How often a watcher standing by (PostgreSQL) asks whether it can take over.
STANDBY_S = 0.5
#: How often a follower on SQLite looks for new events (PostgreSQL is woken by NOTIFY).
POLL_S = 0.02
#: How often watchers sharing live steps (PostgreSQL) look for parts to compute or
#: wait for, and renew and rebalance their leases on buckets of live cases.
PART_POLL_S = 0.01
HELP_POLL_S = 0.02
BALANCE_S = 1.0


class _Stopped(Exception):
    """Asked to stop while waiting for other watchers' parts: nothing was written."""


def wall_clock() -> dt.datetime:
    """Real time: the only place the findings store reads the clock."""
    return dt.datetime.now(dt.UTC)


def _floor(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC).replace(microsecond=0)


def _instant(stored: StoredEvent) -> dt.datetime:
    when = stored.event.occurred_at
    if isinstance(when, dt.datetime):
        return _floor(when)
    return dt.datetime.combine(when, dt.time(0), tzinfo=dt.UTC)


def _text(value: dt.datetime) -> str:
    return format_instant(value)


def _quiet_advance(session: CaseSession, clock: dt.datetime) -> None:
    """Tick only the instants where something can happen, up to `clock`, so that the
    session's own clock stays at the last of them and later events need no replay."""
    while (soonest := session.next_instant) is not None and soonest <= clock:
        session.advance(soonest)


def _attribution(
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
    upto = _text(clock)

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


@attrs.frozen
class Progress:
    """How far a build has come, for a progress line."""

    cases: int
    events: int
    total_events: int
    seconds: float


@attrs.define
class _Live:
    generation: int
    session: CaseSession
    position: int
    deferred: list[StoredEvent]
    rows: CaseRows


_EMPTY = CaseRows({}, ())


@attrs.define
class _Batch:
    """A build's cases computed and not yet written, and the buckets this watcher
    leases (bucket -> whether it is computed whole: its lease ends at the next write)."""

    cut: Cut
    clock: dt.datetime
    updates: list[Update] = attrs.Factory(list)
    held: dict[int, bool] = attrs.Factory(dict)
    flushed: float = attrs.Factory(time.monotonic)

    def clear(self) -> None:
        self.updates.clear()
        self.held.clear()
        self.flushed = time.monotonic()


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
        self._cache: OrderedDict[str, _Live] = OrderedDict()
        self._owner = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        # Sharing live steps (PostgreSQL, `run` without `once`): the buckets of live
        # cases this watcher leases, and when it last renewed them.
        self._sharing = False
        self._mine: set[int] = set()
        self._balanced = 0.0
        #: Parts of other watchers' steps this watcher computed (for its exit line).
        self.parts_computed = 0

    # -- the clock -----------------------------------------------------------------------
    def _now(self, cut: Cut) -> dt.datetime:
        """Real time to the second, never before the generation's clock."""
        return max(_floor(self._clock()), cut.as_of)

    # -- lifecycle -----------------------------------------------------------------------
    def close(self) -> None:
        """Free the engine sessions (and the store connection, if the watcher opened it)."""
        self._reset()
        if self._sharing:
            self._sharing = False
            with contextlib.suppress(ComityError):  # if the store is gone, they run out
                self.store.leave(self._owner)
        if self._owns_store:
            self.store.close()

    def start(self) -> Cut:
        """The generation this pack writes (archiving the pack on first use)."""
        archive_pack(self.store, self.pack, self.rule_dirs)
        now = _floor(self._clock())
        return self.store.start_generation(self.pack.digest, now, wall_clock())

    def catch_up(self, cut: Cut | None = None) -> Cut:
        """Bring the generation to the log's head and the clock to now; a generation
        being built is switched to when it has caught up."""
        cut = cut or self.start()
        if cut.state == "building" and cut.position == 0:
            cut = self._build(cut)
        while not self._stop():
            cut, more = self.step(cut)
            if not more:
                break
        if cut.state == "building" and not self._stop():
            cut = self.store.switch(cut, wall_clock())
        return cut

    def run(self, *, once: bool = False, interval: float = 1.0) -> Cut:
        """Catch up, then (unless `once`) follow the log and the clock until stopped."""
        try:
            cut = self.catch_up()
            leading = False
            self._sharing = not once and self.store.db.dialect == "postgres"
            while not once and not self._stop():
                if not leading:
                    leading = self.store.lead()
                if not leading:
                    # Another watcher follows the log: compute the parts of its steps
                    # that fall to this one's buckets, and stand by to take over.
                    cut = self._help(cut)
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
        except _Stopped:
            pass  # the step in flight was not written; a restart goes on from the cut
        except StaleStep:
            self._reset()
            fresh = self.store.generation(cut.generation)
            if fresh is None or fresh.state == "retired":
                raise GenerationRetired(
                    "another rule pack's generation became current; restart `comity watch` "
                    "with the rule pack you want kept current"
                ) from None
            return fresh
        result = state["cut"]
        assert isinstance(result, Cut)
        return result

    def _reset(self) -> None:
        for live in self._cache.values():
            live.session.close()
        self._cache.clear()

    # -- steps ---------------------------------------------------------------------------
    def step(self, cut: Cut) -> tuple[Cut, bool]:
        """One step: up to STEP_EVENTS new events and the clock; True if more wait."""
        events = list(self.log.read(after=cut.position, until=cut.position + STEP_EVENTS))
        more = len(events) == STEP_EVENTS
        for _ in range(3):
            try:
                return self._apply(cut, events), more
            except StaleStep:
                self._reset()
                fresh = self.store.generation(cut.generation)
                if fresh is None or fresh.state == "retired":
                    raise GenerationRetired(
                        "another rule pack's generation became current; restart `comity "
                        "watch` with the rule pack you want kept current"
                    ) from None
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
            self._balance(g)  # renew this watcher's leases, even when idle
        cases, by_case = self._cases(g, events, clock)
        if not cases and clock == cut.as_of and not events:
            return cut
        if self._sharing:
            others = {bucket_of(c) for c in cases} - self._mine
            if others:
                return self._apply_shared(cut, events, clock, position, known_at, others)
        updates, lives = self._compute(cut, cases, by_case, clock, position)
        try:
            new = self.store.write_step(
                cut, updates, position=position, clock=clock, known_at=known_at, now=wall_clock()
            )
        except BaseException:
            for _, live in lives:
                live.session.close()
            raise
        for case_id, live in lives:
            self._keep(case_id, live)
        self._report(updates)
        assert new is not None
        return new

    def _report(self, updates: Sequence[Update]) -> None:
        """Tell `failure` of the cases of a written step that could not be computed."""
        if self._failure is not None:
            for u in updates:
                if u.error is not None:
                    self._failure(u.case_id, u.error)

    def _cases(
        self, g: int, events: Sequence[StoredEvent], clock: dt.datetime, bucket: int | None = None
    ) -> tuple[list[str], dict[str, list[StoredEvent]]]:
        """The cases a step touches (of one bucket, or all): those of its events and
        those whose next instant the clock reached."""
        by_case: dict[str, list[StoredEvent]] = {}
        for e in events:
            if bucket is None or bucket_of(e.case_id) == bucket:
                by_case.setdefault(e.case_id, []).append(e)
        due = self.store.due_cases(g, _text(clock))
        if bucket is not None:
            due = [c for c in due if bucket_of(c) == bucket]
        return sorted(set(by_case) | set(due)), by_case

    def _compute(
        self,
        cut: Cut,
        cases: Sequence[str],
        by_case: dict[str, list[StoredEvent]],
        clock: dt.datetime,
        position: int,
    ) -> tuple[list[Update], list[tuple[str, _Live]]]:
        states = self.store.case_states(cut.generation, cases)
        updates: list[Update] = []
        lives: list[tuple[str, _Live]] = []
        try:
            for case_id in cases:
                update, live = self._case_step(
                    cut, case_id, states.get(case_id), by_case.get(case_id, []), clock, position
                )
                updates.append(update)
                if live is not None:
                    lives.append((case_id, live))
        except BaseException:
            for _, live in lives:
                live.session.close()
            raise
        return updates, lives

    # -- live steps shared between watchers (PostgreSQL) ----------------------------------
    def _balance(self, g: int, *, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._balanced >= BALANCE_S:
            self._mine = self.store.live_balance(g, self._owner, LEASE_S)
            self._balanced = now

    def _apply_shared(
        self,
        cut: Cut,
        events: Sequence[StoredEvent],
        clock: dt.datetime,
        position: int,
        known_at: dt.datetime | None,
        others: set[int],
    ) -> Cut:
        """A step some of whose cases are in buckets other watchers lease: publish it,
        compute this watcher's part, wait for theirs (taking over the part of a watcher
        whose lease ran out), and commit all of them in one transaction."""
        g = cut.generation
        step = secrets.token_hex(8)
        self.store.propose(cut, step, position, clock, known_at, others)
        updates: list[Update] = []
        lives: list[tuple[str, _Live]] = []
        try:
            for bucket in sorted({bucket_of(c) for c in self._cases(g, events, clock)[0]} - others):
                cases, by_case = self._cases(g, events, clock, bucket)
                more, kept = self._compute(cut, cases, by_case, clock, position)
                updates += more
                lives += kept
            waiting = set(others)
            while waiting:
                got = self.store.parts(g, step)
                for bucket in sorted(waiting & set(got)):
                    updates += [load_update(u) for u in orjson.loads(got[bucket])]
                    waiting.discard(bucket)
                if not waiting:
                    break
                if self._stop():
                    raise _Stopped()
                self._balance(g)
                holders = self.store.live_holders(g)
                for bucket in sorted(waiting):
                    if holders.get(bucket) in (None, self._owner) and self.store.take_live(
                        g, bucket, self._owner, LEASE_S
                    ):
                        # Its holder died (or gave it up): this watcher computes it.
                        cases, by_case = self._cases(g, events, clock, bucket)
                        more, kept = self._compute(cut, cases, by_case, clock, position)
                        updates += more
                        lives += kept
                        waiting.discard(bucket)
                if waiting:
                    time.sleep(PART_POLL_S)
            new = self.store.write_step(
                cut,
                updates,
                position=position,
                clock=clock,
                known_at=known_at,
                now=wall_clock(),
                shared=True,
            )
        except BaseException:
            for _, live in lives:
                live.session.close()
            raise
        for case_id, live in lives:
            self._keep(case_id, live)
        self._report(updates)
        assert new is not None
        return new

    def _help(self, cut: Cut) -> Cut:
        """While another watcher leads: compute the parts of its step in flight that
        fall to this watcher's buckets, then wait a moment."""
        g = cut.generation
        self._balance(g)
        proposal = self.store.proposed(g)
        if proposal is not None:
            mine = [b for b in proposal.missing if b in self._mine]
            fresh = self.store.generation(g) if mine else None
            if fresh is not None and fresh.position == proposal.from_position:
                cut = fresh
                events = list(
                    self.log.read(after=proposal.from_position, until=proposal.to_position)
                )
                for bucket in mine:
                    if self._stop():
                        break
                    cases, by_case = self._cases(g, events, proposal.clock, bucket)
                    updates, lives = self._compute(
                        cut, cases, by_case, proposal.clock, proposal.to_position
                    )
                    payload = orjson.dumps([dump_update(u) for u in updates]).decode("utf-8")
                    if self.store.put_part(g, proposal.step, bucket, payload, self._owner):
                        self.parts_computed += 1
                        for case_id, live in lives:
                            self._keep(case_id, live)
                    else:
                        for _, live in lives:
                            live.session.close()
                return cut
        time.sleep(HELP_POLL_S if self._mine else STANDBY_S)
        return cut

    def _keep(self, case_id: str, live: _Live) -> None:
        old = self._cache.pop(case_id, None)
        if old is not None and old.session is not live.session:
            old.session.close()
        self._cache[case_id] = live
        while len(self._cache) > CACHE_SESSIONS:
            _, evicted = self._cache.popitem(last=False)
            evicted.session.close()

    def _session(
        self, case_id: str, events: Iterable[StoredEvent], clock: dt.datetime, *, keep: bool = True
    ) -> tuple[CaseSession, list[StoredEvent]]:
        """A session of the case's events up to `clock` (later ones are returned, held
        back). `keep`: it will apply later events, so its own clock stays at the last
        instant where something happened; otherwise one tick to `clock` is enough."""
        applied: list[StoredEvent] = []
        deferred: list[StoredEvent] = []
        for e in events:
            (applied if _instant(e) <= clock else deferred).append(e)
        session = CaseSession(self.pack, case_id, applied)
        try:
            if keep:
                _quiet_advance(session, clock)
            else:
                session.advance(clock)
        except BaseException:
            session.close()
            raise
        return session, deferred

    def _case_step(
        self,
        cut: Cut,
        case_id: str,
        state: tuple[int, str, str | None] | None,
        new_events: Sequence[StoredEvent],
        clock: dt.datetime,
        position: int,
    ) -> tuple[Update, _Live | None]:
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
            old = self.store.case_rows(g, case_id) if state is not None else _EMPTY
        session: CaseSession | None = None
        try:
            if live is not None:
                session, deferred = live.session, live.deferred
                for e in new_events:
                    if _instant(e) > clock:
                        deferred.append(e)
                    else:
                        session.apply(e)
                ready = sorted(
                    (d for d in deferred if _instant(d) <= clock),
                    key=lambda d: (_instant(d), d.seq),
                )
                for d in ready:
                    session.apply(d)
                deferred = [d for d in deferred if _instant(d) > clock]
                _quiet_advance(session, clock)
            else:
                session, deferred = self._session(case_id, events, clock)
            rows = case_rows(session.result())
            update = diff(
                case_id,
                old,
                rows,
                cause=cause,
                expected=expected,
                position=case_position,
                clock=_text(clock),
                next_at=self._next_at(session, deferred),
                attribute=_attribution(session, new_events, state[1] if state else None, clock),
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
                clock=_text(clock),
            ), None
        except BaseException:
            if session is not None:
                session.close()
            raise
        return update, _Live(g, session, case_position, deferred, rows)

    @staticmethod
    def _next_at(session: CaseSession, deferred: Sequence[StoredEvent]) -> str | None:
        candidates = [_instant(d) for d in deferred]
        soonest = session.next_instant
        if soonest is not None:
            candidates.append(soonest)
        return _text(min(candidates)) if candidates else None

    # -- building a generation -----------------------------------------------------------
    def _build(self, cut: Cut) -> Cut:
        """Compute every case whole, up to one target cut, a few cases per transaction.

        The cases are split into buckets; each watcher building the generation leases
        one bucket at a time (`FindingsStore.claim`), so several watchers share a build,
        and a bucket whose watcher died is taken over when its lease runs out. Every
        write renews the lease in its own transaction, so a watcher that lost it writes
        nothing more of that bucket.
        """
        head = self.log.head().position
        known = None
        if head:
            known = next(iter(self.log.read(after=head - 1, until=head))).recorded_at
        target, known_at, clock = self.store.build_target(cut, head, known, self._now(cut))
        started = time.monotonic()
        counts = [0, 0]
        buckets: dict[int, list[str]] = {}
        if target:
            for case_id in self.log.case_ids(known_at=known_at):
                buckets.setdefault(bucket_of(case_id), []).append(case_id)
        batch = _Batch(cut, clock)
        # Lease a few buckets at a time on a small store (about one batch of cases),
        # one at a time on a large one, so that watchers still share the build.
        per_bucket = max(1, sum(map(len, buckets.values())) // BUCKETS)
        most = max(1, min(CLAIM_BUCKETS, BUILD_CASES // per_bucket))
        todo: list[int] = []
        while target and not self._stop():
            if not todo:
                todo = self.store.claim_some(cut.generation, self._owner, LEASE_S, most)
                for claimed in todo:
                    batch.held.setdefault(claimed, False)
            if not todo:
                if batch.held:
                    self._flush(batch)  # finish what this watcher holds first
                    continue
                if self.store.buckets_left(cut.generation) == 0:
                    break
                time.sleep(0.2)  # the rest is leased: wait, to take over a lapsed lease
                continue
            bucket = todo.pop(0)
            try:
                self._build_bucket(
                    batch, bucket, buckets.get(bucket, []), target, known_at, counts, started
                )
            except StaleStep:
                todo.clear()
                # A lease ran out and another watcher took a bucket: nothing of the
                # batch was written; free the buckets still held, to be taken again.
                batch.clear()
                self.store.release(cut.generation, self._owner)
        try:
            self._flush(batch)
        except StaleStep:
            self.store.release(cut.generation, self._owner)
        if self._stop():
            return cut
        if self._progress is not None:
            self._progress(Progress(counts[0], counts[1], target, time.monotonic() - started))
        try:
            new = self.store.write_step(
                cut, [], position=target, clock=clock, known_at=known_at, now=wall_clock()
            )
        except StaleStep:  # another watcher of this build wrote the tracking row first
            fresh = self.store.generation(cut.generation)
            assert fresh is not None
            return fresh
        assert new is not None
        return new

    def _flush(self, batch: _Batch) -> None:
        """Write the batch's cases in one transaction, renewing the lease of every
        bucket it holds and finishing those computed whole."""
        if not batch.held:
            return
        self.store.write_step(
            batch.cut,
            batch.updates,
            position=0,
            clock=batch.clock,
            known_at=None,
            now=wall_clock(),
            advance=False,
            leases=(self._owner, LEASE_S, list(batch.held.items())),
        )
        self._report(batch.updates)
        batch.updates.clear()
        batch.held = {b: False for b, whole in batch.held.items() if not whole}
        batch.flushed = time.monotonic()

    def _build_bucket(
        self,
        batch: _Batch,
        bucket: int,
        cases: Sequence[str],
        target: int,
        known_at: dt.datetime | None,
        counts: list[int],
        started: float,
    ) -> None:
        """Compute a bucket's cases into `batch`, which is written every BUILD_CASES
        cases or BUILD_SECONDS, across buckets: a transaction per bucket would be a
        commit per few cases on a small store, and a commit rewrites every index page
        it touched."""
        cut, clock = batch.cut, batch.clock
        g = cut.generation
        states = self.store.case_states(g, cases)
        clock_text = _text(clock)
        batch.held[bucket] = False
        for case_id in cases:
            if self._stop():
                return
            events = [
                e for e in self.log.read_case(case_id, known_at=known_at) if e.position <= target
            ]
            if not events:
                continue
            state = states.get(case_id)
            case_position = events[-1].position
            counts[0] += 1
            counts[1] += len(events)
            if (
                state is not None
                and state[0] == case_position
                and (state[2] is None or state[2] > _text(clock))
            ):
                continue  # written by an earlier, interrupted build
            since = {e.position for e in events if state is not None and e.position > state[0]}
            # Read first: an error of the store's is not the case's.
            old = _EMPTY if state is None else self.store.case_rows(g, case_id)
            session: CaseSession | None = None
            try:
                session, deferred = self._session(case_id, events, clock, keep=False)
                rows = case_rows(session.result())
                next_at = self._next_at(session, deferred)
                if state is None:
                    update = replayed(
                        case_id,
                        rows,
                        causes=session.cause,
                        position=case_position,
                        clock=clock_text,
                        next_at=next_at,
                    )
                else:  # written before, by a build or a step: record what differs
                    update = diff(
                        case_id,
                        old,
                        rows,
                        cause="event" if since else "clock",
                        expected=state[0],
                        position=case_position,
                        clock=clock_text,
                        next_at=next_at,
                        attribute=_attribution(
                            session, [e for e in events if e.position in since], state[1], clock
                        ),
                    )
            except Exception as exc:  # this case's failure: reported for it, the rest go on
                update = failed(
                    case_id,
                    old,
                    case_failure(case_id, exc),
                    cause="event" if state is None or since else "clock",
                    expected=None if state is None else state[0],
                    position=case_position,
                    clock=clock_text,
                )
            finally:
                if session is not None:
                    session.close()
            batch.updates.append(update)
            now = time.monotonic()
            if len(batch.updates) >= BUILD_CASES or now - batch.flushed >= BUILD_SECONDS:
                self._flush(batch)  # the lease of this bucket goes on: it is not done
                if self._progress is not None:
                    self._progress(Progress(counts[0], counts[1], target, now - started))
        batch.held[bucket] = True
        now = time.monotonic()
        if len(batch.updates) >= BUILD_CASES or now - batch.flushed >= BUILD_SECONDS:
            self._flush(batch)
            if self._progress is not None:
                self._progress(Progress(counts[0], counts[1], target, now - started))
