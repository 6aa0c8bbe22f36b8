"""What someone with the database owner's rights can do to a stored log.

Each attack switches the append-only guards off and edits the `events` table the way
an insider would, on SQLite or PostgreSQL alike. Some leave a broken chain behind
(`verify` alone catches them); the dangerous ones rewrite the chain so that it verifies
again, and only a checkpoint signed before the attack catches them.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import psycopg

GENESIS = "0" * 64
Row = tuple[
    int, str, int, str, str, str, str
]  # position, case, seq, event_id, recorded, body, hash


def chain(prev: str, body: str) -> str:
    """The log's chain hash, written out independently of comity's code."""
    return hashlib.sha256((prev + body).encode("utf-8")).hexdigest()


class Tables:
    """Raw access to one store's events table, guards off."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.pg = url.startswith("postgresql://")

    def _run(self, statements: Sequence[tuple[str, Sequence[Any]]]) -> list[Any]:
        out: list[Any] = []
        if self.pg:
            with psycopg.connect(self.url, autocommit=False) as conn:
                for trigger in ("events_no_update", "events_no_delete"):
                    conn.execute(f"ALTER TABLE events DISABLE TRIGGER {trigger}")
                for sql, params in statements:
                    pg_cur = conn.execute(sql.replace("?", "%s"), params)
                    out.append(pg_cur.fetchall() if pg_cur.description else pg_cur.rowcount)
                for trigger in ("events_no_update", "events_no_delete"):
                    conn.execute(f"ALTER TABLE events ENABLE TRIGGER {trigger}")
            return out
        db = sqlite3.connect(self.url, isolation_level=None)
        try:
            db.execute("DROP TRIGGER IF EXISTS events_no_update")
            db.execute("DROP TRIGGER IF EXISTS events_no_delete")
            db.execute("BEGIN")
            for sql, params in statements:
                cur = db.execute(sql, params)
                out.append(cur.fetchall() if cur.description else cur.rowcount)
            db.execute("COMMIT")
        finally:
            db.close()
        return out

    def rows(self) -> list[Row]:
        sql = (
            "SELECT position, case_id, seq, event_id, recorded_at, body, hash FROM events "
            "ORDER BY position"
        )
        return [tuple(r) for r in self._run([(sql, ())])[0]]

    def execute(self, sql: str, *params: Any) -> Any:
        return self._run([(sql, params)])[0]

    def replace_all(self, rows: Sequence[Row]) -> None:
        """Rewrite the whole table as `rows`, as a forger who regenerates it would."""
        statements: list[tuple[str, Sequence[Any]]] = [("DELETE FROM events", ())]
        statements += [
            (
                "INSERT INTO events (position, case_id, seq, event_id, recorded_at, body, hash) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            for row in rows
        ]
        self._run(statements)


def rechain(rows: Sequence[Row]) -> list[Row]:
    """Renumber positions and per-case seqs and recompute every hash: a chain that
    verifies, whatever was edited or removed."""
    out: list[Row] = []
    prev = GENESIS
    seqs: dict[str, int] = {}
    for position, (_, case_id, _, event_id, recorded_at, body, _) in enumerate(rows, 1):
        seq = seqs[case_id] = seqs.get(case_id, 0) + 1
        body = _set_member(_set_member(body, "position", position), "seq", seq)
        prev = chain(prev, body)
        out.append((position, case_id, seq, event_id, recorded_at, body, prev))
    return out


def _set_member(body: str, name: str, value: int) -> str:
    key = f'"{name}":'
    start = body.index(key) + len(key)
    end = start
    while body[end].isdigit():
        end += 1
    return body[:start] + str(value) + body[end:]


# ----------------------------------------------------------------------------- attacks


def one_body_byte(t: Tables) -> None:
    row = t.rows()[10]
    body = row[5].replace('"case_id"', '"case_iD"', 1)
    t.execute("UPDATE events SET body = ? WHERE position = ?", body, row[0])


def a_recorded_at(t: Tables) -> None:
    row = t.rows()[20]
    t.execute(
        "UPDATE events SET recorded_at = ? WHERE position = ?",
        "2020-01-01T00:00:00.000000Z",
        row[0],
    )


def two_records_swapped(t: Tables) -> None:
    rows = t.rows()
    a, b = rows[5], rows[6]
    swapped = [*rows[:5], (a[0], *b[1:]), (b[0], *a[1:]), *rows[7:]]
    t.replace_all(swapped)


def middle_record_deleted(t: Tables) -> None:
    t.execute("DELETE FROM events WHERE position = ?", len(t.rows()) // 2)


def last_record_deleted(t: Tables) -> None:
    t.execute("DELETE FROM events WHERE position = ?", len(t.rows()))


def last_n_deleted(t: Tables) -> None:
    t.execute("DELETE FROM events WHERE position > ?", len(t.rows()) - 7)


def whole_case_deleted(t: Tables) -> None:
    rows = t.rows()
    victim = rows[-1][1]
    t.replace_all(rechain([r for r in rows if r[1] != victim]))


def chain_rewritten_from_edit(t: Tables) -> None:
    rows = t.rows()
    target = next(i for i, r in enumerate(rows) if '"amount":"' in r[5])
    body = rows[target][5]
    start = body.index('"amount":"') + len('"amount":"')
    edited = body[:start] + "1" + body[start:]  # ten times the amount, or more
    rows[target] = (*rows[target][:5], edited, rows[target][6])
    t.replace_all(rechain(rows))


def regenerated_log(t: Tables) -> None:
    """A new log from an edited export: every record time is new, so every hash is."""
    rows = t.rows()
    regenerated = []
    for r in rows:
        recorded = "2030-01-01T00:00:00.000000Z"
        body = r[5].replace(r[4], recorded)
        regenerated.append((*r[:4], recorded, body, r[6]))
    t.replace_all(rechain(regenerated))


ATTACKS: dict[str, Callable[[Tables], None]] = {
    "one byte of one body": one_body_byte,
    "a recorded_at": a_recorded_at,
    "two records swapped": two_records_swapped,
    "a middle record deleted": middle_record_deleted,
    "the last record deleted": last_record_deleted,
    "the last N deleted": last_n_deleted,
    "a whole case deleted, chain rewritten": whole_case_deleted,
    "the chain rewritten from an edited record": chain_rewritten_from_edit,
    "the log regenerated from an edited export": regenerated_log,
}

#: The attacks after which the hash chain verifies again: only a checkpoint catches them.
CHAIN_VERIFIES_AFTER = {
    "the last record deleted",
    "the last N deleted",
    "a whole case deleted, chain rewritten",
    "the chain rewritten from an edited record",
    "the log regenerated from an edited export",
}


def copy_sqlite(src: str, dst: Path) -> str:
    """A file copy of a SQLite store (after a checkpoint of its WAL), as a backup is."""
    db = sqlite3.connect(src)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    shutil.copyfile(src, dst)
    return str(dst)
