"""The PostgreSQL store's schema, as ordered migrations (see `comity.events.store._postgres`).

A new store is created by running every migration in order; an older store is brought
forward by running the missing ones, each under the store's lock and in the
transaction that records the new version.
"""

from __future__ import annotations

__all__ = ["APPEND_ONLY", "META", "MIGRATIONS", "SCHEMA_VERSION"]

#: The message of the triggers that refuse to change stored events.
APPEND_ONLY = "comity log is append-only"

META = """
CREATE TABLE IF NOT EXISTS comity_meta (
    id integer PRIMARY KEY CHECK (id = 1),
    application text NOT NULL,
    schema_version integer NOT NULL,
    created_at text NOT NULL
)
"""

_V1 = (
    """
    CREATE TABLE IF NOT EXISTS events (
        position bigint PRIMARY KEY CHECK (position >= 1),
        event_id text COLLATE "C" NOT NULL UNIQUE,
        case_id text COLLATE "C" NOT NULL,
        seq bigint NOT NULL CHECK (seq >= 1),
        recorded_at text COLLATE "C" NOT NULL,
        body text NOT NULL,
        hash text COLLATE "C" NOT NULL,
        CONSTRAINT events_case_seq_key UNIQUE (case_id, seq)
    )
    """,
    # case_ids() reads the first event of every case.
    "CREATE INDEX IF NOT EXISTS events_case_start ON events (case_id) WHERE seq = 1",
    f"""
    CREATE OR REPLACE FUNCTION comity_refuse_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{APPEND_ONLY}' USING ERRCODE = 'insufficient_privilege',
            HINT = 'stored events are never updated, deleted or truncated';
    END
    $$
    """,
    """
    CREATE OR REPLACE FUNCTION comity_notify_append() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM pg_notify('comity_log_' || TG_RELID::text, '');
        RETURN NULL;
    END
    $$
    """,
    "DROP TRIGGER IF EXISTS events_no_update ON events",
    """
    CREATE TRIGGER events_no_update BEFORE UPDATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION comity_refuse_change()
    """,
    "DROP TRIGGER IF EXISTS events_no_delete ON events",
    """
    CREATE TRIGGER events_no_delete BEFORE DELETE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION comity_refuse_change()
    """,
    "DROP TRIGGER IF EXISTS events_no_truncate ON events",
    """
    CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION comity_refuse_change()
    """,
    "DROP TRIGGER IF EXISTS events_notify ON events",
    """
    CREATE TRIGGER events_notify AFTER INSERT ON events
    FOR EACH STATEMENT EXECUTE FUNCTION comity_notify_append()
    """,
)

#: (version, statements): migration n brings a store from version n-1 to n. Each
#: statement is idempotent, and each migration runs in the transaction that records
#: its version, so a migration interrupted half-way is simply run again.
MIGRATIONS: tuple[tuple[int, tuple[str, ...]], ...] = ((1, _V1),)
#: The schema this code writes; older stores are migrated forward on open.
SCHEMA_VERSION = MIGRATIONS[-1][0]
