"""A build shared between watchers: the cases split into buckets, leased one bucket
(or a few) at a time, so that any number of watchers build one generation together
and a bucket whose watcher died is taken over when its lease runs out.

Leases compare against the database's own clock, never a watcher's, so that watchers
on machines whose clocks disagree still agree on who holds what.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable

from comity.events.time import format_instant, instant_of
from comity.findings._db import Db, utc_text
from comity.findings._rows import StaleStep
from comity.findings.types import Cut

__all__ = [
    "BUCKETS",
    "LEASE_S",
    "bucket_of",
    "buckets_left",
    "build_target",
    "claim_some",
    "epoch",
    "hold",
    "release",
    "renew",
]

#: Buckets of cases that watchers building one generation lease between them.
BUCKETS = 64
#: How long a watcher's lease on a bucket of cases lasts without being renewed: the
#: bound on how soon another watcher takes over the bucket of one that died.
LEASE_S = 5.0


def bucket_of(case_id: str) -> int:
    """A case's bucket: the same in every process (not Python's salted hash)."""
    return int(hashlib.sha256(case_id.encode("utf-8")).hexdigest()[:8], 16) % BUCKETS


def epoch(db: Db) -> str:
    """The database's own clock, in seconds: leases compare against one clock."""
    if db.dialect == "postgres":
        return "extract(epoch from clock_timestamp())"
    return "((julianday('now') - 2440587.5) * 86400.0)"


def build_target(
    db: Db, cut: Cut, position: int, known_at: dt.datetime | None, clock: dt.datetime
) -> tuple[int, dt.datetime | None, dt.datetime]:
    """The cut every watcher building this generation builds to: the first one to
    ask sets it, the others read it."""
    with db.write():
        db.execute(
            "UPDATE findings_generations SET target = ?, target_known_at = ?, "
            "target_clock = ? WHERE generation = ? AND target IS NULL",
            (
                position,
                utc_text(known_at) if known_at is not None else None,
                format_instant(clock),
                cut.generation,
            ),
        )
        db.executemany(
            "INSERT INTO findings_claims (generation, bucket, owner, expires_at, done) "
            "VALUES (?, ?, NULL, 0, 0) ON CONFLICT DO NOTHING",
            [(cut.generation, b) for b in range(BUCKETS)],
        )
        row = db.one(
            "SELECT target, target_known_at, target_clock FROM findings_generations "
            "WHERE generation = ?",
            (cut.generation,),
        )
    assert row is not None
    return int(row[0]), instant_of(row[1]) if row[1] else None, instant_of(row[2])


def claim_some(db: Db, generation: int, owner: str, ttl: float, most: int) -> list[int]:
    """Up to `most` buckets nobody holds (or whose holder's lease ran out), leased
    to `owner` for `ttl` seconds, in one transaction; [] if none is free now."""
    lock = " FOR UPDATE SKIP LOCKED" if db.dialect == "postgres" else ""
    with db.write():
        rows = db.all(
            "SELECT bucket FROM findings_claims WHERE generation = ? AND done = 0 AND "
            f"(owner IS NULL OR expires_at < {epoch(db)}) ORDER BY bucket "
            f"LIMIT ?{lock}",
            (generation, max(1, most)),
        )
        db.executemany(
            f"UPDATE findings_claims SET owner = ?, expires_at = {epoch(db)} + ? "
            "WHERE generation = ? AND bucket = ?",
            [(owner, ttl, generation, r[0]) for r in rows],
        )
    return [int(r[0]) for r in rows]


def hold(db: Db, generation: int, bucket: int, owner: str, ttl: float, *, done: bool) -> None:
    """Inside a write: renew (or finish) the lease, or raise StaleStep if it was lost,
    so that a watcher whose lease ran out writes nothing more of that bucket."""
    changed = db.execute(
        f"UPDATE findings_claims SET expires_at = {epoch(db)} + ?, done = ? "
        "WHERE generation = ? AND bucket = ? AND owner = ? AND done = 0",
        (ttl, 1 if done else 0, generation, bucket, owner),
    )
    if changed.rowcount != 1:
        raise StaleStep()


def renew(db: Db, generation: int, owner: str, ttl: float, buckets: Iterable[int]) -> None:
    """Renew `owner`'s leases on `buckets` in a transaction of their own (between the
    writes that renew them too), or raise StaleStep if one of them was lost."""
    with db.write():
        for bucket in sorted(buckets):
            hold(db, generation, bucket, owner, ttl, done=False)


def release(db: Db, generation: int, owner: str) -> None:
    """Give up `owner`'s unfinished leases (after a write of them failed), so that
    any watcher can take those buckets at once rather than when the lease ends."""
    with db.write():
        db.execute(
            "UPDATE findings_claims SET owner = NULL, expires_at = 0 "
            "WHERE generation = ? AND owner = ? AND done = 0",
            (generation, owner),
        )


def buckets_left(db: Db, generation: int) -> int:
    row = db.one(
        "SELECT COUNT(*) FROM findings_claims WHERE generation = ? AND done = 0", (generation,)
    )
    return int(row[0]) if row else 0
