"""Writing one step of a watcher: the cases' rows, their changes to the history and
the generation's tracking row, in one transaction, or nothing at all.

Each case row and the tracking row are compared and set, so a step computed from rows
that another watcher moved meanwhile writes nothing (`StaleStep`): that is what makes
every change recorded exactly once, whoever applies a case and whenever one dies.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import attrs
import orjson

from comity.events.time import format_instant, instant_of
from comity.findings._db import Db, utc_text
from comity.findings._leases import hold
from comity.findings._rows import FindingRow, StaleStep, Update, breach_instant
from comity.findings.types import Cut

__all__ = ["StepWriter"]

#: Ids per `IN (...)` list.
_CHUNK = 400


def _finding_id(row: FindingRow) -> str:
    return row.finding_id


class StepWriter:
    """Writes the steps of one watcher through its connection to the store."""

    def __init__(self, db: Db) -> None:
        self.db = db
        #: The legal basis texts this writer knows to be stored (by a committed step).
        self._stored_texts: set[str] = set()

    def write_step(
        self,
        cut: Cut,
        updates: Sequence[Update],
        *,
        position: int,
        clock: dt.datetime,
        known_at: dt.datetime | None,
        now: dt.datetime,
        advance: bool = True,
        lease: tuple[int, str, float, bool] | None = None,
        leases: tuple[str, float, Sequence[tuple[int, bool]]] | None = None,
        shared: bool = False,
    ) -> Cut | None:
        """Write one step in one transaction: the cases' rows, their changes and the
        generation's tracking row, or nothing at all.

        Each case row and the tracking row are compared and set: if another watcher
        moved either since this step read them, nothing is written and None is
        returned (the caller reads again and recomputes). That is what makes a change
        recorded exactly once, whoever applies the case and whenever one dies.
        """
        g = cut.generation
        stamp = utc_text(now)
        clock_text = format_instant(clock)
        db = self.db
        with db.write():
            if lease is not None:
                bucket, owner, ttl, finished = lease
                hold(db, g, bucket, owner, ttl, done=finished)
            if shared:  # the step in flight is this one: it ends with it
                for table in ("findings_steps", "findings_parts"):
                    db.execute(f"DELETE FROM {table} WHERE generation = ?", (g,))
            if leases is not None:  # (owner, ttl, [(bucket, finished), ...])
                owner, ttl, held = leases
                for bucket, finished in held:
                    hold(db, g, bucket, owner, ttl, done=finished)
            if advance:
                done = db.execute(
                    "UPDATE findings_generations SET position = ?, clock = ?, known_at = ?, "
                    "updated_at = ? WHERE generation = ? AND position = ? AND clock = ? "
                    "AND state <> 'retired'",
                    (
                        position,
                        clock_text,
                        utc_text(known_at if known_at is not None else cut.known_at)
                        if known_at is not None or cut.position
                        else None,
                        stamp,
                        g,
                        cut.position,
                        cut.as_of_text,
                    ),
                )
                if done.rowcount != 1:
                    raise StaleStep()
            texts = self._write_updates(g, cut.rulepack, updates, stamp)
        self._stored_texts.update(texts)  # committed
        return (
            None
            if not advance
            else attrs.evolve(
                cut,
                position=position,
                as_of=instant_of(clock_text),
                known_at=known_at if known_at is not None else cut.known_at,
            )
        )

    def _write_updates(
        self, g: int, rulepack: str, updates: Sequence[Update], stamp: str
    ) -> set[str]:
        """Every case of a step, a table at a time: one statement per table for the
        whole step (executemany), not several per case, as a build writes thousands of
        cases. Each case row is still compared and set: the row counts must add up.
        Returns the sha256 of the legal basis texts now stored (once committed)."""
        db = self.db
        texts = {
            sha: text for u in updates for sha, text in u.texts if sha not in self._stored_texts
        }
        db.executemany(
            "INSERT INTO findings_blobs (sha256, content) VALUES (?, ?) ON CONFLICT DO NOTHING",
            sorted(texts.items()),
        )
        fresh = [
            (g, u.case_id, u.position, u.clock, u.next_at, u.error)
            for u in updates
            if u.expected is None
        ]
        moved = [
            (u.position, u.clock, u.next_at, u.error, g, u.case_id, u.expected)
            for u in updates
            if u.expected is not None
        ]
        if fresh and db.executemany(
            "INSERT INTO findings_cases (generation, case_id, position, clock, "
            "next_at, error) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            fresh,
        ) != len(fresh):
            raise StaleStep()
        if moved and db.executemany(
            "UPDATE findings_cases SET position = ?, clock = ?, next_at = ?, error = ? "
            "WHERE generation = ? AND case_id = ? AND position = ?",
            moved,
        ) != len(moved):
            raise StaleStep()
        ids = [fid for u in updates for fid in u.withdrawn]
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            for table in ("findings_current", "findings_jurisdictions"):
                db.execute(
                    f"DELETE FROM {table} WHERE generation = ? AND finding_id IN ({marks})",
                    (g, *chunk),
                )
        # In key order: finding ids are random, so rows in the order of their cases
        # would visit the primary key's pages at random, once per row.
        upserts = sorted((row for u in updates for row in u.upserts), key=_finding_id)
        db.executemany(
            "INSERT INTO findings_current (generation, finding_id, case_id, rank, category, "
            "code, rule, rulepack, severity, status, title, message, jurisdictions, assets, "
            "due, raised_at, resolved_at, resolved_by, because, legal_basis, deadline, "
            "superseded_by, changed_at, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
            "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (generation, finding_id) DO "
            "UPDATE SET rank = excluded.rank, status = excluded.status, title = "
            "excluded.title, message = excluded.message, jurisdictions = "
            "excluded.jurisdictions, assets = excluded.assets, due = excluded.due, "
            "raised_at = excluded.raised_at, resolved_at = excluded.resolved_at, "
            "resolved_by = excluded.resolved_by, because = excluded.because, legal_basis "
            "= excluded.legal_basis, deadline = excluded.deadline, superseded_by = "
            "excluded.superseded_by, severity = excluded.severity, changed_at = CASE WHEN "
            "findings_current.body = excluded.body THEN findings_current.changed_at ELSE "
            "excluded.changed_at END, body = excluded.body",
            [row.columns(g, stamp) for row in upserts],
        )
        db.executemany(
            "INSERT INTO findings_jurisdictions (generation, jurisdiction, finding_id) "
            "VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            sorted((g, j, row.finding_id) for row in upserts for j in row.data["jurisdictions"]),
        )
        # A case new to the generation has no deadline rows to replace.
        db.executemany(
            "DELETE FROM findings_deadlines WHERE generation = ? AND case_id = ?",
            [(g, u.case_id) for u in updates if u.deadlines is not None and u.expected is not None],
        )
        rows = []
        for u in updates:
            for rank, body in enumerate(u.deadlines or ()):
                d = orjson.loads(body)
                rows.append(
                    (
                        g,
                        u.case_id,
                        rank,
                        d["rule"],
                        d["code"],
                        d["ref"],
                        d["due"],
                        d["breach_at"],
                        breach_instant(d["breach_at"]),
                        body,
                    )
                )
        db.executemany(
            "INSERT INTO findings_deadlines (generation, case_id, rank, rule, code, ref, "
            "due, breach_at, breach_instant, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        db.executemany(
            "INSERT INTO findings_history (generation, rulepack, finding_id, case_id, "
            "change, cause, position, clock, recorded_at, body) VALUES (?, ?, ?, ?, ?, ?, "
            "?, ?, ?, ?)",
            [
                (g, rulepack, fid, u.case_id, change, cause, position, clock, stamp, body)
                for u in updates
                for fid, change, body, cause, position, clock in u.changes
            ],
        )
        return set(texts)
