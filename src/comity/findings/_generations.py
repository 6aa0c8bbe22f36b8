"""A generation's life: its tracking row read as a cut, a new generation started, a
caught-up one switched to, and the rows of retired ones dropped.

Each rule pack digest has a generation of rows. A watcher with a new pack builds a
new generation beside the current one and switches to it in one transaction once it
has caught up, so that a reader sees one generation or the other, never half of one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import attrs

from comity.events.time import format_instant, instant_of
from comity.findings._db import LOCK_CLASS, Db, utc_text
from comity.findings._rows import StaleStep
from comity.findings.types import EPOCH, Cut

__all__ = ["SELECT", "cut_of", "drop_retired", "start_generation", "switch"]

#: The tables whose rows belong to one generation (the history is kept for good).
PER_GENERATION = (
    "findings_current",
    "findings_jurisdictions",
    "findings_deadlines",
    "findings_cases",
    "findings_claims",
    "findings_live",
    "findings_steps",
    "findings_parts",
)

#: A generation's tracking row, in the order `cut_of` reads it.
SELECT = "SELECT generation, rulepack, state, position, clock, known_at FROM findings_generations"


def cut_of(row: Sequence[Any] | None) -> Cut | None:
    if row is None:
        return None
    generation, rulepack, state, position, clock, known_at = row
    return Cut(
        generation=int(generation),
        rulepack=rulepack,
        state=state,
        position=int(position),
        as_of=instant_of(clock),
        known_at=instant_of(known_at) if known_at else EPOCH,
    )


def start_generation(db: Db, rulepack: str, clock: dt.datetime, now: dt.datetime) -> Cut:
    """A generation for this digest: the current one, one being built, or a new one."""
    with db.write():
        if db.dialect == "postgres":
            # Watchers starting at once must agree on one generation: without this
            # lock two would both read MAX(generation) and insert the same number.
            db.execute(
                "SELECT pg_advisory_xact_lock(?, hashtext('findings-generation:' || "
                "current_schema()))",
                (LOCK_CLASS,),
            )
        row = db.one(
            SELECT + " WHERE rulepack = ? AND state IN ('current', 'building') "
            "ORDER BY state = 'current' DESC, generation DESC",
            (rulepack,),
        )
        if row is None:
            top = db.one("SELECT COALESCE(MAX(generation), 0) FROM findings_generations")
            generation = int(top[0]) + 1
            for table in PER_GENERATION:  # rows left by tables dropped in part
                db.execute(f"DELETE FROM {table} WHERE generation = ?", (generation,))
            stamp = utc_text(now)
            db.execute(
                "INSERT INTO findings_generations (generation, rulepack, state, position, "
                "clock, known_at, created_at, updated_at) VALUES (?, ?, 'building', 0, ?, "
                "NULL, ?, ?)",
                (generation, rulepack, format_instant(clock), stamp, stamp),
            )
            row = db.one(SELECT + " WHERE generation = ?", (generation,))
    cut = cut_of(row)
    assert cut is not None
    return cut


def switch(db: Db, cut: Cut, now: dt.datetime) -> Cut:
    """Make a caught-up generation the current one, in one transaction."""
    with db.write():
        row = db.one(
            "SELECT position, state FROM findings_generations WHERE generation = ?",
            (cut.generation,),
        )
        if row is None or int(row[0]) != cut.position or row[1] == "retired":
            raise StaleStep()
        db.execute(
            "UPDATE findings_generations SET state = 'retired', updated_at = ? "
            "WHERE state = 'current' AND generation <> ?",
            (utc_text(now), cut.generation),
        )
        db.execute(
            "UPDATE findings_generations SET state = 'current', updated_at = ? "
            "WHERE generation = ?",
            (utc_text(now), cut.generation),
        )
    drop_retired(db)
    return attrs.evolve(cut, state="current")


def drop_retired(db: Db) -> None:
    """Remove the rows of retired generations; their history stays."""
    retired = [
        int(r[0])
        for r in db.all("SELECT generation FROM findings_generations WHERE state = 'retired'")
    ]
    for g in retired:
        with db.write():
            for table in PER_GENERATION:
                db.execute(f"DELETE FROM {table} WHERE generation = ?", (g,))
