"""The findings store's tables, as numbered migrations, for SQLite and PostgreSQL.

Like the log's schema: a new store runs every migration, an older one those above its
version, each in the write transaction that records the version, and a comity older
than the tables refuses them ("upgrade comity"). The version lives in a table of its
own (`findings_meta`), so that the log and the read model migrate independently.

Every table is keyed by `generation`: a generation is the read model computed under
one rule pack digest; a new digest builds a new generation beside the current one.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from comity.errors import StoreUnavailable
from comity.events.time import format_instant

if TYPE_CHECKING:
    from comity.findings._db import Db

__all__ = ["APPLICATION", "SCHEMA_VERSION", "migrate_postgres", "migrate_sqlite"]

APPLICATION = "comity-findings"


def _v1(c: str, serial: str) -> tuple[str, ...]:
    """Version 1; `c` is the collation clause for sorted text, `serial` an id column."""
    return (
        f"""
        CREATE TABLE IF NOT EXISTS findings_generations (
            generation bigint PRIMARY KEY,
            rulepack text {c} NOT NULL,
            state text NOT NULL CHECK (state IN ('building', 'current', 'retired')),
            position bigint NOT NULL,
            clock text {c} NOT NULL,
            known_at text {c},
            created_at text NOT NULL,
            updated_at text NOT NULL
        )
        """,
        "CREATE UNIQUE INDEX IF NOT EXISTS findings_one_current ON findings_generations "
        "(state) WHERE state = 'current'",
        f"""
        CREATE TABLE IF NOT EXISTS findings_cases (
            generation bigint NOT NULL,
            case_id text {c} NOT NULL,
            position bigint NOT NULL,
            clock text {c} NOT NULL,
            next_at text {c},
            PRIMARY KEY (generation, case_id)
        )
        """,
        "CREATE INDEX IF NOT EXISTS findings_cases_next ON findings_cases (generation, next_at)",
        f"""
        CREATE TABLE IF NOT EXISTS findings_current (
            generation bigint NOT NULL,
            finding_id text {c} NOT NULL,
            case_id text {c} NOT NULL,
            rank integer NOT NULL,
            category text NOT NULL,
            code text {c} NOT NULL,
            rule text {c} NOT NULL,
            rulepack text NOT NULL,
            severity text NOT NULL,
            status text NOT NULL CHECK (status IN ('open', 'resolved')),
            title text NOT NULL,
            message text NOT NULL,
            jurisdictions text NOT NULL,
            assets text NOT NULL,
            due text {c},
            raised_at text {c} NOT NULL,
            resolved_at text {c},
            resolved_by text,
            because text NOT NULL,
            legal_basis text NOT NULL,
            deadline text,
            superseded_by text,
            changed_at text {c} NOT NULL,
            body text NOT NULL,
            PRIMARY KEY (generation, finding_id)
        )
        """,
        "CREATE INDEX IF NOT EXISTS findings_current_case "
        "ON findings_current (generation, case_id, rank)",
        "CREATE INDEX IF NOT EXISTS findings_current_code ON findings_current (generation, code)",
        "CREATE INDEX IF NOT EXISTS findings_current_severity "
        "ON findings_current (generation, severity)",
        "CREATE INDEX IF NOT EXISTS findings_current_status "
        "ON findings_current (generation, status)",
        "CREATE INDEX IF NOT EXISTS findings_current_due ON findings_current (generation, due)",
        "CREATE INDEX IF NOT EXISTS findings_current_changed "
        "ON findings_current (generation, changed_at)",
        f"""
        CREATE TABLE IF NOT EXISTS findings_jurisdictions (
            generation bigint NOT NULL,
            jurisdiction text {c} NOT NULL,
            finding_id text {c} NOT NULL,
            PRIMARY KEY (generation, jurisdiction, finding_id)
        )
        """,
        f"""
        CREATE TABLE IF NOT EXISTS findings_deadlines (
            generation bigint NOT NULL,
            case_id text {c} NOT NULL,
            rank integer NOT NULL,
            rule text {c} NOT NULL,
            code text {c} NOT NULL,
            ref text {c} NOT NULL,
            due text {c} NOT NULL,
            breach_at text {c} NOT NULL,
            breach_instant text {c} NOT NULL,
            body text NOT NULL,
            PRIMARY KEY (generation, case_id, rank)
        )
        """,
        "CREATE INDEX IF NOT EXISTS findings_deadlines_breach "
        "ON findings_deadlines (generation, breach_instant)",
        f"""
        CREATE TABLE IF NOT EXISTS findings_history (
            id {serial},
            generation bigint NOT NULL,
            rulepack text NOT NULL,
            finding_id text {c} NOT NULL,
            case_id text {c} NOT NULL,
            change text NOT NULL
                CHECK (change IN ('raised', 'resolved', 'updated', 'withdrawn')),
            cause text NOT NULL CHECK (cause IN ('event', 'clock', 'replay')),
            position bigint,
            clock text {c} NOT NULL,
            recorded_at text {c} NOT NULL,
            body text NOT NULL
        )
        """,
        # One change per finding per step: a step replayed twice would collide here.
        "CREATE UNIQUE INDEX IF NOT EXISTS findings_history_once ON findings_history "
        "(generation, finding_id, cause, clock, (COALESCE(position, 0)))",
        "CREATE INDEX IF NOT EXISTS findings_history_case "
        "ON findings_history (generation, case_id, id)",
        """
        CREATE TABLE IF NOT EXISTS findings_packs (
            digest text PRIMARY KEY,
            manifest text NOT NULL,
            archived_at text NOT NULL
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS findings_blobs (
            sha256 text PRIMARY KEY,
            content text NOT NULL
        )
        """,
    )


def _v2(exists: str) -> tuple[str, ...]:
    """Version 2: a build shared between watchers. The cut every one of them builds to
    (`target*`), and the buckets of cases they lease (`findings_claims`)."""
    return (
        f"ALTER TABLE findings_generations ADD COLUMN {exists}target bigint",
        f"ALTER TABLE findings_generations ADD COLUMN {exists}target_known_at text",
        f"ALTER TABLE findings_generations ADD COLUMN {exists}target_clock text",
        """
        CREATE TABLE IF NOT EXISTS findings_claims (
            generation bigint NOT NULL,
            bucket integer NOT NULL,
            owner text,
            expires_at double precision NOT NULL,
            done integer NOT NULL,
            PRIMARY KEY (generation, bucket)
        )
        """,
    )


def _v3() -> tuple[str, ...]:
    """Version 3: live steps shared between watchers (PostgreSQL). Each watcher leases
    buckets of cases (`findings_live`) and says it is alive (`findings_watchers`); the
    leading watcher proposes a step (`findings_steps`, one per generation at a time)
    and the holder of each bucket it needs computes that bucket's part
    (`findings_parts`); the step commits, all parts at once, in one transaction."""
    return (
        """
        CREATE TABLE IF NOT EXISTS findings_live (
            generation bigint NOT NULL,
            bucket integer NOT NULL,
            owner text,
            expires_at double precision NOT NULL,
            PRIMARY KEY (generation, bucket)
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS findings_watchers (
            owner text PRIMARY KEY,
            expires_at double precision NOT NULL
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS findings_steps (
            generation bigint PRIMARY KEY,
            step text NOT NULL,
            from_position bigint NOT NULL,
            to_position bigint NOT NULL,
            clock text NOT NULL,
            known_at text
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS findings_parts (
            generation bigint NOT NULL,
            step text NOT NULL,
            bucket integer NOT NULL,
            owner text,
            payload text,
            PRIMARY KEY (generation, step, bucket)
        )
        """,
    )


def _v4(exists: str) -> tuple[str, ...]:
    """Version 4: a case whose replay failed keeps why (`CaseResult.error`) on its row,
    as a replay of many cases reports it, and has no findings or deadlines."""
    return (f"ALTER TABLE findings_cases ADD COLUMN {exists}error text",)


def _migrations(dialect: str) -> tuple[tuple[int, tuple[str, ...]], ...]:
    if dialect == "postgres":
        return (
            (1, _v1('COLLATE "C"', "bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY")),
            (2, _v2("IF NOT EXISTS ")),
            (3, _v3()),
            (4, _v4("IF NOT EXISTS ")),
        )
    # SQLite has no ADD COLUMN IF NOT EXISTS; its migration runs under the file's
    # write lock, in the transaction that records the version, so it runs once.
    return ((1, _v1("", "INTEGER PRIMARY KEY")), (2, _v2("")), (3, _v3()), (4, _v4("")))


#: The schema this code writes.
SCHEMA_VERSION = 4

_META = """
CREATE TABLE IF NOT EXISTS findings_meta (
    id integer PRIMARY KEY CHECK (id = 1),
    application text NOT NULL,
    schema_version integer NOT NULL,
    created_at text NOT NULL
)
"""


def _now() -> str:
    # When the tables were made: metadata only, never read by the engine.
    return format_instant(dt.datetime.now(dt.UTC), timespec="microseconds")


def _version(db: Db) -> int | None:
    row: Any = db.one("SELECT application, schema_version FROM findings_meta WHERE id = 1")
    if row is None:
        return None
    if row[0] != APPLICATION:
        raise StoreUnavailable(f"{db.where}: a findings_meta table that is not comity's")
    return int(row[1])


def _run(db: Db) -> None:
    """Inside the write transaction: create the tables or bring them forward."""
    db.execute(_META)
    version = _version(db)
    if version is None:
        db.execute(
            "INSERT INTO findings_meta (id, application, schema_version, created_at) "
            "VALUES (1, ?, 0, ?)",
            (APPLICATION, _now()),
        )
        version = 0
    if version > SCHEMA_VERSION:
        raise StoreUnavailable(
            f"{db.where}: the findings store has schema version {version}, newer than this "
            f"comity understands ({SCHEMA_VERSION}); upgrade comity"
        )
    for target, statements in _migrations(db.dialect):
        if target <= version:
            continue
        for statement in statements:
            db.execute(statement)
        db.execute("UPDATE findings_meta SET schema_version = ? WHERE id = 1", (target,))
        version = target


def _current(db: Db, exists: str) -> bool:
    """Whether the tables are there at this code's version (no write needed)."""
    row = db.one(exists)
    if row is None or not row[0]:
        return False
    version = _version(db)
    if version is not None and version > SCHEMA_VERSION:
        _run(db)  # raises the "upgrade comity" error
    return version == SCHEMA_VERSION


def migrate_sqlite(db: Db, *, create: bool) -> None:
    if _current(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'findings_meta'"):
        return
    if not create:
        raise StoreUnavailable(f"{db.where}: no findings store yet; run `comity watch` to build it")
    with db.write():
        _run(db)


def migrate_postgres(db: Db, *, create: bool, lock: int) -> None:
    if _current(db, "SELECT to_regclass('findings_meta') IS NOT NULL"):
        return
    if not create:
        raise StoreUnavailable(f"{db.where}: no findings store yet; run `comity watch` to build it")
    with db.write():
        # Two processes opening a new store at once migrate it once.
        db.execute(
            "SELECT pg_advisory_xact_lock(?, hashtext('findings:' || current_schema()))", (lock,)
        )
        _run(db)
