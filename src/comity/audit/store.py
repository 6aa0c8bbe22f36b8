"""The auditor's tables in the store: signed checkpoints and the disclosure record.

The disclosure record is a second log, with the event log's guarantees: append-only
(triggers refuse UPDATE and DELETE), each record hash-chained to the one before
(sha256(prev || canonical body), from 64 zeros), and checkpointed under an origin of
its own, so that a record of what was shown cannot be quietly removed either.
Checkpoints are kept as the signed notes themselves: a stored checkpoint proves
nothing the note does not, and an auditor checks the note with the public key.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import attrs

from comity.errors import ChainBroken
from comity.events.codec import canonical_json
from comity.events.store._tables import Migration, SideTables, open_side_tables
from comity.events.store.records import GENESIS_HASH as GENESIS
from comity.events.store.records import chain

__all__ = [
    "AuditStore",
    "StoredCheckpoint",
    "StoredDisclosure",
    "StoredVerification",
    "open_audit_store",
]

LAYER = "audit"
_GUARDS_SQLITE = tuple(
    f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
    f"BEGIN SELECT RAISE(ABORT, 'comity {table} is append-only'); END"
    for table in ("audit_checkpoints", "audit_disclosures", "audit_disclosure_cases")
    for op in ("UPDATE", "DELETE")
)
_GUARDS_PG = (
    "CREATE OR REPLACE FUNCTION comity_audit_append_only() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN "
    "RAISE EXCEPTION 'comity % is append-only', TG_TABLE_NAME; END $$",
    *(
        f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE OR TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION comity_audit_append_only()"
        for table in ("audit_checkpoints", "audit_disclosures", "audit_disclosure_cases")
    ),
)
_TABLES = (
    "CREATE TABLE audit_checkpoints ("
    " id INTEGER PRIMARY KEY, origin TEXT NOT NULL, size BIGINT NOT NULL,"
    " root TEXT NOT NULL, note TEXT NOT NULL, recorded_at TEXT NOT NULL)",
    "CREATE INDEX audit_checkpoints_origin ON audit_checkpoints (origin, size)",
    "CREATE TABLE audit_disclosures ("
    " position BIGINT PRIMARY KEY, record_id TEXT NOT NULL UNIQUE,"
    " recorded_at TEXT NOT NULL, kind TEXT NOT NULL, actor TEXT NOT NULL,"
    " body TEXT NOT NULL, hash TEXT NOT NULL)",
    "CREATE INDEX audit_disclosures_actor ON audit_disclosures (actor, recorded_at)",
    "CREATE TABLE audit_disclosure_cases ("
    " position BIGINT NOT NULL, case_id TEXT NOT NULL, PRIMARY KEY (case_id, position))",
)
# Version 2: what full verifications found, so that the next one can start there
# (docs/audit.md, "Verifying from a checkpoint"). Append-only like the rest.
_VERIFIED = (
    "CREATE TABLE audit_verified ("
    " id BIGINT PRIMARY KEY, checkpoint_id BIGINT NOT NULL, size BIGINT NOT NULL,"
    " hash TEXT NOT NULL, frontier TEXT NOT NULL, root TEXT NOT NULL,"
    " recorded_at TEXT NOT NULL)"
)
MIGRATIONS = (
    Migration(
        sqlite=(*_TABLES, *_GUARDS_SQLITE),
        postgres=(
            _TABLES[0].replace("id INTEGER PRIMARY KEY", "id BIGINT PRIMARY KEY"),
            *_TABLES[1:],
            *_GUARDS_PG,
        ),
    ),
    Migration(
        sqlite=(
            _VERIFIED,
            *(
                "CREATE TRIGGER IF NOT EXISTS audit_verified_no_"
                f"{op.lower()} BEFORE {op} ON audit_verified "
                "BEGIN SELECT RAISE(ABORT, 'comity audit_verified is append-only'); END"
                for op in ("UPDATE", "DELETE")
            ),
        ),
        postgres=(
            _VERIFIED,
            "CREATE TRIGGER audit_verified_no_change BEFORE UPDATE OR DELETE OR TRUNCATE "
            "ON audit_verified FOR EACH STATEMENT EXECUTE FUNCTION comity_audit_append_only()",
        ),
    ),
)


@attrs.frozen(kw_only=True)
class StoredCheckpoint:
    id: int
    origin: str
    size: int
    root: str  # base64, as in the note
    note: str
    recorded_at: str


@attrs.frozen(kw_only=True)
class StoredVerification:
    """A full verification's result at a checkpoint: the chain was sound through
    record `size`, whose stored hash is `hash`; `frontier` is the compact range of
    the first `size - 1` leaves (hex, comma-separated), which with that hash gives
    `root`, the root of the stored checkpoint `checkpoint_id` (base64)."""

    id: int
    checkpoint_id: int
    size: int
    hash: str
    frontier: str
    root: str
    recorded_at: str


@attrs.frozen(kw_only=True)
class StoredDisclosure:
    position: int
    record_id: str
    recorded_at: str
    kind: str
    actor: str
    body: str
    hash: str

    def data(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.body)
        return value


class AuditStore:
    """The audit layer's tables of one store."""

    def __init__(self, tables: SideTables) -> None:
        self._t = tables
        self.where = tables.where

    def close(self) -> None:
        self._t.close()

    # ------------------------------------------------------------------ checkpoints

    def add_checkpoint(
        self, *, origin: str, size: int, root: str, note: str, recorded_at: str
    ) -> StoredCheckpoint:
        with self._t.transaction() as cur:
            (next_id,) = cur.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM audit_checkpoints")[0]
            cur.execute(
                "INSERT INTO audit_checkpoints (id, origin, size, root, note, recorded_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (next_id, origin, size, root, note, recorded_at),
            )
        return StoredCheckpoint(
            id=int(next_id), origin=origin, size=size, root=root, note=note, recorded_at=recorded_at
        )

    def checkpoints(self, origin: str | None = None) -> list[StoredCheckpoint]:
        sql = "SELECT id, origin, size, root, note, recorded_at FROM audit_checkpoints"
        params: tuple[Any, ...] = ()
        if origin is not None:
            sql, params = sql + " WHERE origin = ?", (origin,)
        rows = self._t.query(sql + " ORDER BY id", params)
        return [
            StoredCheckpoint(
                id=int(r[0]), origin=r[1], size=int(r[2]), root=r[3], note=r[4], recorded_at=r[5]
            )
            for r in rows
        ]

    def latest_of_log(self, log: str) -> StoredCheckpoint | None:
        """The latest checkpoint of the log `log` (`events`, `disclosures`) under any
        key: origins are `<key name>/<log>`. One indexed row, however many checkpoints
        a store has gathered (every output reads it for its basis)."""
        rows = self._t.query(
            "SELECT id, origin, size, root, note, recorded_at FROM audit_checkpoints "
            "WHERE origin LIKE ? ORDER BY id DESC LIMIT 1",
            (f"%/{log}",),
        )
        if not rows:
            return None
        r = rows[0]
        return StoredCheckpoint(
            id=int(r[0]), origin=r[1], size=int(r[2]), root=r[3], note=r[4], recorded_at=r[5]
        )

    def latest_checkpoint(self, origin: str) -> StoredCheckpoint | None:
        found = self.checkpoints(origin)
        return found[-1] if found else None

    # ---------------------------------------------------------------- verifications

    def add_verification(
        self,
        *,
        checkpoint_id: int,
        size: int,
        hash: str,
        frontier: str,
        root: str,
        recorded_at: str,
    ) -> StoredVerification:
        with self._t.transaction() as cur:
            (next_id,) = cur.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM audit_verified")[0]
            cur.execute(
                "INSERT INTO audit_verified "
                "(id, checkpoint_id, size, hash, frontier, root, recorded_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (next_id, checkpoint_id, size, hash, frontier, root, recorded_at),
            )
        return StoredVerification(
            id=int(next_id),
            checkpoint_id=checkpoint_id,
            size=size,
            hash=hash,
            frontier=frontier,
            root=root,
            recorded_at=recorded_at,
        )

    def latest_verification(self) -> StoredVerification | None:
        rows = self._t.query(
            "SELECT id, checkpoint_id, size, hash, frontier, root, recorded_at "
            "FROM audit_verified ORDER BY id DESC LIMIT 1"
        )
        if not rows:
            return None
        r = rows[0]
        return StoredVerification(
            id=int(r[0]),
            checkpoint_id=int(r[1]),
            size=int(r[2]),
            hash=r[3],
            frontier=r[4],
            root=r[5],
            recorded_at=r[6],
        )

    # ------------------------------------------------------------ disclosure record

    def record(self, data: Mapping[str, Any], *, cases: Sequence[str] = ()) -> StoredDisclosure:
        """Append one disclosure; `data` must carry record_id, recorded_at, kind, actor."""
        body = canonical_json(data)
        with self._t.transaction() as cur:
            last = cur.execute(
                "SELECT position, hash FROM audit_disclosures ORDER BY position DESC LIMIT 1"
            )
            position, prev = (int(last[0][0]) + 1, last[0][1]) if last else (1, GENESIS)
            digest = chain(prev, body)
            cur.execute(
                "INSERT INTO audit_disclosures "
                "(position, record_id, recorded_at, kind, actor, body, hash) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    position,
                    data["record_id"],
                    data["recorded_at"],
                    data["kind"],
                    data["actor"],
                    body,
                    digest,
                ),
            )
            for case_id in sorted(set(cases)):
                cur.execute(
                    "INSERT INTO audit_disclosure_cases (position, case_id) VALUES (?, ?)",
                    (position, case_id),
                )
        return StoredDisclosure(
            position=position,
            record_id=data["record_id"],
            recorded_at=data["recorded_at"],
            kind=data["kind"],
            actor=data["actor"],
            body=body,
            hash=digest,
        )

    def disclosures(
        self,
        *,
        case_id: str | None = None,
        actor: str | None = None,
        since: str | None = None,
        record_id: str | None = None,
    ) -> list[StoredDisclosure]:
        sql = (
            "SELECT d.position, d.record_id, d.recorded_at, d.kind, d.actor, d.body, d.hash "
            "FROM audit_disclosures d"
        )
        where: list[str] = []
        params: list[Any] = []
        if case_id is not None:
            sql += " JOIN audit_disclosure_cases c ON c.position = d.position"
            where.append("c.case_id = ?")
            params.append(case_id)
        if actor is not None:
            where.append("d.actor = ?")
            params.append(actor)
        if since is not None:
            where.append("d.recorded_at >= ?")
            params.append(since)
        if record_id is not None:
            where.append("d.record_id = ?")
            params.append(record_id)
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = self._t.query(sql + " ORDER BY d.position", params)
        return [_disclosure(r) for r in rows]

    def disclosure_head(self) -> tuple[int, str]:
        """(position, hash) of the last disclosure record; (0, 64 zeros) for none."""
        rows = self._t.query(
            "SELECT position, hash FROM audit_disclosures ORDER BY position DESC LIMIT 1"
        )
        return (int(rows[0][0]), rows[0][1]) if rows else (0, GENESIS)

    def disclosure_hashes(self) -> Iterator[bytes]:
        for (h,) in self._t.query("SELECT hash FROM audit_disclosures ORDER BY position"):
            yield bytes.fromhex(h)

    def verify_disclosures(self) -> tuple[int, str]:
        """Recompute the disclosure chain: (records, head hash), or ChainBroken."""
        prev, expected = GENESIS, 1
        for stored in self.disclosures():
            if stored.position != expected:
                raise ChainBroken(expected, f"disclosure record {expected} is missing")
            if chain(prev, stored.body) != stored.hash:
                raise ChainBroken(
                    stored.position, "disclosure record hash mismatch: a record was altered"
                )
            data = stored.data()
            if (data.get("record_id"), data.get("recorded_at"), data.get("actor")) != (
                stored.record_id,
                stored.recorded_at,
                stored.actor,
            ):
                raise ChainBroken(
                    stored.position, "a disclosure record's columns disagree with its body"
                )
            prev, expected = stored.hash, expected + 1
        return expected - 1, prev


def _disclosure(r: Sequence[Any]) -> StoredDisclosure:
    return StoredDisclosure(
        position=int(r[0]),
        record_id=r[1],
        recorded_at=r[2],
        kind=r[3],
        actor=r[4],
        body=r[5],
        hash=r[6],
    )


def open_audit_store(url: str, where: str | None = None) -> AuditStore:
    """The audit tables of the store `url`, created on first use."""
    from comity.events.store.url import redact_url

    return AuditStore(open_side_tables(url, where or redact_url(url), LAYER, MIGRATIONS))
