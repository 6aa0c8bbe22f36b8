"""Building a generation: every case computed whole, up to one target cut, a few
hundred cases per transaction, by any number of watchers at once.

The cases are split into buckets; each watcher building the generation leases a few
buckets at a time (`_leases.claim_some`), so several watchers share a build, and a
bucket whose watcher died is taken over when its lease runs out. Every write renews
the lease in its own transaction, so a watcher that lost it writes nothing more of
that bucket. A restarted build skips the cases it already wrote.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence

import attrs

from comity.engine import CaseSession
from comity.engine.replay import case_failure
from comity.events.time import format_instant
from comity.findings import _leases
from comity.findings._cases import EMPTY, Crew, attribution
from comity.findings._clock import next_at, wall_clock
from comity.findings._leases import BUCKETS, LEASE_S, bucket_of
from comity.findings._rows import StaleStep, Update, case_rows, diff, failed, replayed
from comity.findings.types import Cut

__all__ = ["Build", "Progress"]

#: A build commits every this many cases. Each commit writes every index page its
#: rows touched, and finding ids (random) spread the rows over the whole of each
#: index, so fewer, larger commits write fewer pages. Commits are set by the count of
#: cases alone, not by time: at a million events on a loaded machine, a bound of one
#: or two seconds set the commits (420 to 628 of them, 11 to 12 s of the writes'
#: 22 to 27 s of CPU).
BUILD_CASES = 256
#: The leases of the buckets a batch holds are renewed this often between its
#: commits, in a transaction of their own, well inside a lease.
RENEW_S = 2.0
#: At most this many buckets leased at once by a build (on a small store).
CLAIM_BUCKETS = 16


@attrs.frozen
class Progress:
    """How far a build has come, for a progress line."""

    cases: int
    events: int
    total_events: int
    seconds: float


@attrs.define
class Batch:
    """A build's cases computed and not yet written, and the buckets this watcher
    leases (bucket -> whether it is computed whole: its lease ends at the next write)."""

    cut: Cut
    clock: dt.datetime
    updates: list[Update] = attrs.Factory(list)
    held: dict[int, bool] = attrs.Factory(dict)
    #: When the leases of `held` were last renewed (by a write or on their own).
    renewed: float = attrs.Factory(time.monotonic)

    def clear(self) -> None:
        self.updates.clear()
        self.held.clear()
        self.renewed = time.monotonic()


class Build:
    """One watcher's share of building a generation."""

    def __init__(
        self,
        crew: Crew,
        progress: Callable[[Progress], None] | None,
    ) -> None:
        self.log = crew.log
        self.store = crew.store
        self._writer = crew.writer
        self._cases = crew.cases
        self._owner = crew.owner
        self._stop = crew.stop
        self._report = crew.report
        self._progress = progress

    def run(self, cut: Cut, now: dt.datetime) -> Cut:
        """Compute every case whole, up to one target cut, a few cases per transaction.

        The cases are split into buckets; each watcher building the generation leases
        one bucket at a time (`_leases.claim_some`), so several watchers share a build,
        and a bucket whose watcher died is taken over when its lease runs out. Every
        write renews the lease in its own transaction, so a watcher that lost it writes
        nothing more of that bucket.
        """
        head = self.log.head().position
        known = None
        if head:
            known = next(iter(self.log.read(after=head - 1, until=head))).recorded_at
        target, known_at, clock = _leases.build_target(self.store.db, cut, head, known, now)
        started = time.monotonic()
        counts = [0, 0]
        buckets: dict[int, list[str]] = {}
        if target:
            for case_id in self.log.case_ids(known_at=known_at):
                buckets.setdefault(bucket_of(case_id), []).append(case_id)
        batch = Batch(cut, clock)
        # Lease a few buckets at a time on a small store (about one batch of cases),
        # one at a time on a large one, so that watchers still share the build.
        per_bucket = max(1, sum(map(len, buckets.values())) // BUCKETS)
        most = max(1, min(CLAIM_BUCKETS, BUILD_CASES // per_bucket))
        todo: list[int] = []
        while target and not self._stop():
            if not todo:
                claimed = _leases.claim_some(
                    self.store.db, cut.generation, self._owner, LEASE_S, most
                )
                # A bucket of this batch whose lease lapsed (a stalled write) and that
                # this watcher took again is computed already: not twice.
                todo = [b for b in claimed if b not in batch.held]
                for bucket in todo:
                    batch.held[bucket] = False
            if not todo:
                if batch.held:
                    try:
                        self._flush(batch)  # finish what this watcher holds first
                    except StaleStep:
                        batch.clear()
                        _leases.release(self.store.db, cut.generation, self._owner)
                    continue
                if _leases.buckets_left(self.store.db, cut.generation) == 0:
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
                _leases.release(self.store.db, cut.generation, self._owner)
        try:
            self._flush(batch)
        except StaleStep:
            _leases.release(self.store.db, cut.generation, self._owner)
        if self._stop():
            return cut
        if self._progress is not None:
            self._progress(Progress(counts[0], counts[1], target, time.monotonic() - started))
        try:
            new = self._writer.write_step(
                cut, [], position=target, clock=clock, known_at=known_at, now=wall_clock()
            )
        except StaleStep:  # another watcher of this build wrote the tracking row first
            fresh = self.store.generation(cut.generation)
            assert fresh is not None
            return fresh
        assert new is not None
        return new

    def _flush(self, batch: Batch) -> None:
        """Write the batch's cases in one transaction, renewing the lease of every
        bucket it holds and finishing those computed whole."""
        if not batch.held:
            return
        begun = time.monotonic()  # the leases run from the start of the write
        self._writer.write_step(
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
        batch.renewed = begun

    def _due(self, batch: Batch, counts: list[int], target: int, started: float) -> None:
        """Write the batch once it holds BUILD_CASES cases; between writes, renew its
        leases every RENEW_S (StaleStep if one was lost: nothing of the batch is
        written), and say how far the build has come."""
        now = time.monotonic()
        if len(batch.updates) >= BUILD_CASES:
            self._flush(batch)
        elif now - batch.renewed >= RENEW_S and batch.held:
            _leases.renew(self.store.db, batch.cut.generation, self._owner, LEASE_S, batch.held)
            batch.renewed = now
        else:
            return
        if self._progress is not None:
            self._progress(Progress(counts[0], counts[1], target, now - started))

    def _build_bucket(
        self,
        batch: Batch,
        bucket: int,
        cases: Sequence[str],
        target: int,
        known_at: dt.datetime | None,
        counts: list[int],
        started: float,
    ) -> None:
        """Compute a bucket's cases into `batch`, which is written every BUILD_CASES
        cases, across buckets: a transaction per bucket would be a commit per few
        cases on a small store, and a commit rewrites every index page it touched."""
        cut, clock = batch.cut, batch.clock
        g = cut.generation
        states = self.store.case_states(g, cases)
        clock_text = format_instant(clock)
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
                and (state[2] is None or state[2] > format_instant(clock))
            ):
                continue  # written by an earlier, interrupted build
            since = {e.position for e in events if state is not None and e.position > state[0]}
            # Read first: an error of the store's is not the case's.
            old = EMPTY if state is None else self.store.case_rows(g, case_id)
            session: CaseSession | None = None
            try:
                session, deferred = self._cases.session(case_id, events, clock, keep=False)
                rows = case_rows(session.result())
                soonest = next_at(session, deferred)
                if state is None:
                    update = replayed(
                        case_id,
                        rows,
                        causes=session.cause,
                        position=case_position,
                        clock=clock_text,
                        next_at=soonest,
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
                        next_at=soonest,
                        attribute=attribution(
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
            self._due(batch, counts, target, started)  # this bucket's lease goes on
        batch.held[bucket] = True
        self._due(batch, counts, target, started)
