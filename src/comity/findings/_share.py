"""A watcher's side of live steps shared between watchers (PostgreSQL, `_live`).

The leader publishes a step whose cases fall in buckets other watchers lease,
computes its own part, waits for theirs (taking over the part of a watcher whose
lease ran out) and writes every part in one transaction. The others, standing by to
take over the lead, compute the parts of the step in flight that fall to them.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from collections.abc import Sequence

import orjson

from comity.events import StoredEvent
from comity.findings import _live
from comity.findings._cases import Crew, Live
from comity.findings._leases import LEASE_S, bucket_of
from comity.findings._rows import Update, dump_update, load_update
from comity.findings.types import Cut

__all__ = ["Sharing", "Stopped"]

#: How often a watcher standing by (PostgreSQL) asks whether it can take over.
STANDBY_S = 0.5
#: How often watchers sharing live steps look for parts to compute or wait for, and
#: renew and rebalance their leases on buckets of live cases.
PART_POLL_S = 0.01
HELP_POLL_S = 0.02
BALANCE_S = 1.0


class Stopped(Exception):
    """Asked to stop while waiting for other watchers' parts: nothing was written."""


class Sharing:
    """The buckets of live cases one watcher leases, and the steps it shares."""

    def __init__(
        self,
        crew: Crew,
    ) -> None:
        self._crew = crew
        self.log = crew.log
        self.store = crew.store
        self._cases = crew.cases
        self._owner = crew.owner
        self._stop = crew.stop
        #: The buckets of live cases this watcher leases, and when it last renewed them.
        self.mine: set[int] = set()
        self._balanced = 0.0
        #: Parts of other watchers' steps this watcher computed (for its exit line).
        self.parts_computed = 0

    def balance(self, g: int) -> None:
        """Renew this watcher's leases (and rebalance them) every BALANCE_S."""
        now = time.monotonic()
        if now - self._balanced >= BALANCE_S:
            self.mine = _live.live_balance(self.store.db, g, self._owner, LEASE_S)
            self._balanced = now

    def leave(self) -> None:
        _live.leave(self.store.db, self._owner)

    def apply(
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
        db = self.store.db
        step = secrets.token_hex(8)
        _live.propose(db, cut, step, position, clock, known_at, others)
        updates: list[Update] = []
        lives: list[tuple[str, Live]] = []
        try:
            touched = self._cases.touched(g, events, clock)[0]
            for bucket in sorted({bucket_of(c) for c in touched} - others):
                cases, by_case = self._cases.touched(g, events, clock, bucket)
                more, kept = self._cases.compute(cut, cases, by_case, clock, position)
                updates += more
                lives += kept
            waiting = set(others)
            while waiting:
                got = _live.parts(db, g, step)
                for bucket in sorted(waiting & set(got)):
                    updates += [load_update(u) for u in orjson.loads(got[bucket])]
                    waiting.discard(bucket)
                if not waiting:
                    break
                if self._stop():
                    raise Stopped()
                self.balance(g)
                holders = _live.live_holders(db, g)
                for bucket in sorted(waiting):
                    if holders.get(bucket) in (None, self._owner) and _live.take_live(
                        db, g, bucket, self._owner, LEASE_S
                    ):
                        # Its holder died (or gave it up): this watcher computes it.
                        cases, by_case = self._cases.touched(g, events, clock, bucket)
                        more, kept = self._cases.compute(cut, cases, by_case, clock, position)
                        updates += more
                        lives += kept
                        waiting.discard(bucket)
                if waiting:
                    time.sleep(PART_POLL_S)
        except BaseException:
            self._cases.close_all(lives)
            raise
        return self._crew.commit(
            cut, updates, lives, position=position, clock=clock, known_at=known_at, shared=True
        )

    def help(self, cut: Cut) -> Cut:
        """While another watcher leads: compute the parts of its step in flight that
        fall to this watcher's buckets, then wait a moment."""
        g = cut.generation
        db = self.store.db
        self.balance(g)
        proposal = _live.proposed(db, g)
        if proposal is not None:
            mine = [b for b in proposal.missing if b in self.mine]
            fresh = self.store.generation(g) if mine else None
            if fresh is not None and fresh.position == proposal.from_position:
                cut = fresh
                events = list(
                    self.log.read(after=proposal.from_position, until=proposal.to_position)
                )
                for bucket in mine:
                    if self._stop():
                        break
                    cases, by_case = self._cases.touched(g, events, proposal.clock, bucket)
                    updates, lives = self._cases.compute(
                        cut, cases, by_case, proposal.clock, proposal.to_position
                    )
                    payload = orjson.dumps([dump_update(u) for u in updates]).decode("utf-8")
                    if _live.put_part(db, g, proposal.step, bucket, payload, self._owner):
                        self.parts_computed += 1
                        self._cases.keep_all(lives)
                    else:
                        self._cases.close_all(lives)
                return cut
        time.sleep(HELP_POLL_S if self.mine else STANDBY_S)
        return cut
