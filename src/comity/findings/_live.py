"""Live steps shared between watchers (PostgreSQL): when one machine is not enough
to keep up, every running watcher leases buckets of live cases, and the one that
follows the log (the leader) has the holder of each bucket its step touches compute
that bucket's part; the leader commits the whole step, every part at once, in one
transaction, so that the step is still exactly once.

Who leads is a session advisory lock: when the leader dies, the server drops its
connection and the lock with it, and a watcher standing by takes over.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import attrs

from comity.events.time import format_instant, instant_of
from comity.findings._db import LOCK_CLASS, Db, utc_text
from comity.findings._leases import BUCKETS, epoch
from comity.findings.types import Cut

__all__ = [
    "Proposal",
    "lead",
    "leave",
    "live_balance",
    "live_holders",
    "parts",
    "propose",
    "proposed",
    "put_part",
    "take_live",
]


@attrs.frozen(kw_only=True)
class Proposal:
    """A live step the leading watcher published for the others to compute parts of."""

    step: str
    from_position: int
    to_position: int
    clock: dt.datetime
    known_at: dt.datetime | None
    missing: tuple[int, ...]


def live_balance(db: Db, generation: int, owner: str, ttl: float) -> set[int]:
    """Say `owner` is alive, renew its leases on buckets of live cases, and take or
    give up buckets so that each live watcher holds about as many; the buckets it
    holds now. Free buckets and lapsed leases are taken `FOR UPDATE SKIP LOCKED`."""
    lock = " FOR UPDATE SKIP LOCKED" if db.dialect == "postgres" else ""
    now = epoch(db)
    with db.write():
        db.execute(
            "INSERT INTO findings_watchers (owner, expires_at) VALUES (?, "
            f"{now} + ?) ON CONFLICT (owner) DO UPDATE SET expires_at = "
            "excluded.expires_at",
            (owner, ttl),
        )
        db.execute(f"DELETE FROM findings_watchers WHERE expires_at < {now}")
        db.executemany(
            "INSERT INTO findings_live (generation, bucket, owner, expires_at) "
            "VALUES (?, ?, NULL, 0) ON CONFLICT DO NOTHING",
            [(generation, b) for b in range(BUCKETS)],
        )
        db.execute(
            f"UPDATE findings_live SET expires_at = {now} + ? WHERE generation = ? AND owner = ?",
            (ttl, generation, owner),
        )
        alive = db.one("SELECT COUNT(*) FROM findings_watchers")
        share = -(-BUCKETS // max(1, int(alive[0]) if alive else 1))
        mine = [
            int(r[0])
            for r in db.all(
                "SELECT bucket FROM findings_live WHERE generation = ? AND owner = ? "
                "ORDER BY bucket",
                (generation, owner),
            )
        ]
        if len(mine) > share:
            extra = mine[share:]
            db.executemany(
                "UPDATE findings_live SET owner = NULL, expires_at = 0 "
                "WHERE generation = ? AND bucket = ? AND owner = ?",
                [(generation, b, owner) for b in extra],
            )
            mine = mine[:share]
        elif len(mine) < share:
            free = db.all(
                "SELECT bucket FROM findings_live WHERE generation = ? AND "
                f"(owner IS NULL OR expires_at < {now}) ORDER BY bucket LIMIT ?{lock}",
                (generation, share - len(mine)),
            )
            db.executemany(
                f"UPDATE findings_live SET owner = ?, expires_at = {now} + ? "
                "WHERE generation = ? AND bucket = ?",
                [(owner, ttl, generation, r[0]) for r in free],
            )
            mine += [int(r[0]) for r in free]
    return set(mine)


def live_holders(db: Db, generation: int) -> dict[int, str]:
    """Who holds each bucket of live cases under a lease not yet run out."""
    rows = db.all(
        "SELECT bucket, owner FROM findings_live WHERE generation = ? AND owner IS NOT "
        f"NULL AND expires_at >= {epoch(db)}",
        (generation,),
    )
    return {int(r[0]): r[1] for r in rows}


def take_live(db: Db, generation: int, bucket: int, owner: str, ttl: float) -> bool:
    """Lease one bucket whose holder's lease ran out (or nobody's)."""
    with db.write():
        done = db.execute(
            f"UPDATE findings_live SET owner = ?, expires_at = {epoch(db)} + ? "
            "WHERE generation = ? AND bucket = ? AND (owner IS NULL OR owner = ? OR "
            f"expires_at < {epoch(db)})",
            (owner, ttl, generation, bucket, owner),
        )
    return bool(done.rowcount == 1)


def leave(db: Db, owner: str) -> None:
    """A watcher stopping: give up its live buckets at once."""
    with db.write():
        db.execute(
            "UPDATE findings_live SET owner = NULL, expires_at = 0 WHERE owner = ?", (owner,)
        )
        db.execute("DELETE FROM findings_watchers WHERE owner = ?", (owner,))


def propose(
    db: Db,
    cut: Cut,
    step: str,
    to_position: int,
    clock: dt.datetime,
    known_at: dt.datetime | None,
    buckets: Iterable[int],
) -> None:
    """Publish the step `step` from `cut` and the buckets whose parts other watchers
    are to compute; it replaces any step left by a leader that died."""
    g = cut.generation
    with db.write():
        db.execute("DELETE FROM findings_steps WHERE generation = ?", (g,))
        db.execute("DELETE FROM findings_parts WHERE generation = ?", (g,))
        db.execute(
            "INSERT INTO findings_steps (generation, step, from_position, to_position, "
            "clock, known_at) VALUES (?, ?, ?, ?, ?, ?)",
            (
                g,
                step,
                cut.position,
                to_position,
                format_instant(clock),
                utc_text(known_at) if known_at is not None else None,
            ),
        )
        db.executemany(
            "INSERT INTO findings_parts (generation, step, bucket) VALUES (?, ?, ?)",
            [(g, step, b) for b in sorted(set(buckets))],
        )


def proposed(db: Db, generation: int) -> Proposal | None:
    """The step in flight, and the buckets whose part is still missing."""
    with db.read():
        row = db.one(
            "SELECT step, from_position, to_position, clock, known_at FROM findings_steps "
            "WHERE generation = ?",
            (generation,),
        )
        if row is None:
            return None
        missing = db.all(
            "SELECT bucket FROM findings_parts WHERE generation = ? AND step = ? AND "
            "payload IS NULL ORDER BY bucket",
            (generation, row[0]),
        )
    return Proposal(
        step=row[0],
        from_position=int(row[1]),
        to_position=int(row[2]),
        clock=instant_of(row[3]),
        known_at=instant_of(row[4]) if row[4] else None,
        missing=tuple(int(r[0]) for r in missing),
    )


def put_part(db: Db, generation: int, step: str, bucket: int, payload: str, owner: str) -> bool:
    """Store a bucket's part of the step in flight, if `owner` still holds the bucket
    and the part is still wanted (one watcher's part, never two)."""
    with db.write():
        held = db.one(
            "SELECT 1 FROM findings_live WHERE generation = ? AND bucket = ? AND "
            f"owner = ? AND expires_at >= {epoch(db)}",
            (generation, bucket, owner),
        )
        if held is None:
            return False
        done = db.execute(
            "UPDATE findings_parts SET payload = ?, owner = ? WHERE generation = ? AND "
            "step = ? AND bucket = ? AND payload IS NULL",
            (payload, owner, generation, step, bucket),
        )
    return bool(done.rowcount == 1)


def parts(db: Db, generation: int, step: str) -> dict[int, str]:
    """The parts of the step in flight computed so far (bucket -> payload)."""
    rows = db.all(
        "SELECT bucket, payload FROM findings_parts WHERE generation = ? AND step = ? "
        "AND payload IS NOT NULL",
        (generation, step),
    )
    return {int(r[0]): r[1] for r in rows}


def lead(db: Db) -> bool:
    """Whether this connection follows the log for the store (one follower at a time).

    On PostgreSQL a session advisory lock, held until the connection ends: when the
    process that holds it dies, the server drops its connection and the lock with
    it, and a watcher standing by takes over. SQLite: always (its followers are on
    one machine, and the compare-and-set of every step keeps them exact anyway).
    """
    if db.dialect != "postgres":
        return True
    row = db.one(
        "SELECT pg_try_advisory_lock(?, hashtext('findings-follow:' || current_schema()))",
        (LOCK_CLASS,),
    )
    return bool(row and row[0])
