"""What only the PostgreSQL backend has to show: its schema, guards, roles and locks.

The shared promises are in test_log_contract.py (which runs on PostgreSQL too); here:
opening and migrating, the triggers (TRUNCATE included), the owner/application role
set-up of docs/store.md, errors for an unreachable server, the unique constraints as the
last line of defence, LISTEN/NOTIFY, and many writers in many processes at once.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import secrets
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import psycopg
import pytest

from comity.errors import (
    ConcurrencyConflict,
    DuplicateEventError,
    StoreError,
    StoreUnavailable,
)
from comity.events import AssetLocated, CaseOpened, Head, open_log, verify_records
from comity.events._postgres import SCHEMA_VERSION, PostgresLog
from comity.events.follow import follow
from comity.events.log import Tip
from comity.events.store import _postgres
from comity.events.store.url import redact_url
from pgtest import PgDatabase, server_url, with_database

if TYPE_CHECKING:  # the fixtures' classes (tests/events/conftest.py)
    from events.conftest import FakeClock

pytestmark = pytest.mark.postgres

SPAWN = multiprocessing.get_context("spawn")


@pytest.fixture
def url(pg_database: PgDatabase) -> str:
    return pg_database.new_url()


@pytest.fixture
def store(url: str, clock: FakeClock) -> Iterator[PostgresLog]:
    log = PostgresLog(url, clock=clock)
    yield log
    log.close()


def raw(url: str) -> psycopg.Connection[Any]:
    """A plain connection to the store's schema, bypassing comity."""
    return psycopg.connect(url, autocommit=True)


def opened(event_id: str, case_id: str) -> CaseOpened:
    return CaseOpened(
        event_id=event_id, case_id=case_id, occurred_at=dt.date(2020, 1, 1), lead_jurisdiction="PA"
    )


def asset(event_id: str, case_id: str) -> AssetLocated:
    return AssetLocated(
        event_id=event_id,
        case_id=case_id,
        occurred_at=dt.date(2020, 1, 2),
        asset_id="A1",
        asset_type="bank_account",
        jurisdiction="CH",
    )


# -- opening --------------------------------------------------------------------------


def test_open_log_routes_postgresql_urls(url: str) -> None:
    log = open_log(url, create=True)
    try:
        assert isinstance(log, PostgresLog)
        assert log.head() == Head(0, "0" * 64)
    finally:
        log.close()


def test_an_unreachable_server_names_the_url_without_the_password() -> None:
    url = "postgresql://comity:s3cr3t-pw@127.0.0.1:1/cases?connect_timeout=2"
    with pytest.raises(StoreUnavailable) as info:
        PostgresLog(url)
    message = str(info.value)
    assert "s3cr3t-pw" not in message
    assert message.startswith("postgresql://comity:***@127.0.0.1:1/cases")
    assert "cannot connect to the PostgreSQL server" in message


def test_redact_url() -> None:
    assert redact_url("postgresql://u:pw@h:5/db") == "postgresql://u:***@h:5/db"
    assert redact_url("postgresql://u@h/db?password=pw&sslmode=require") == (
        "postgresql://u@h/db?password=***&sslmode=require"
    )
    assert redact_url("postgresql://h/db") == "postgresql://h/db"


def test_a_missing_database_is_unavailable(pg_database: PgDatabase) -> None:
    missing = with_database(pg_database.admin_url, f"no_such_db_{secrets.token_hex(3)}")
    with pytest.raises(StoreUnavailable, match="does not exist"):
        PostgresLog(missing)


def test_without_create_an_empty_database_is_refused(url: str) -> None:
    with pytest.raises(StoreUnavailable, match="comity init"):
        PostgresLog(url, create=False)
    PostgresLog(url).close()  # init
    PostgresLog(url, create=False).close()


def test_a_schema_that_is_not_a_comity_store_is_refused(url: str) -> None:
    with raw(url) as conn:
        conn.execute("CREATE TABLE events (id int)")
    with pytest.raises(StoreUnavailable, match="not a comity store"):
        PostgresLog(url)


def test_the_schema_version_is_recorded_and_a_newer_one_refused(
    store: PostgresLog, url: str
) -> None:
    with raw(url) as conn:
        row = conn.execute("SELECT application, schema_version FROM comity_meta").fetchone()
        assert row == ("comity-log", SCHEMA_VERSION)
        conn.execute("UPDATE comity_meta SET schema_version = 99")
    with pytest.raises(StoreUnavailable, match="newer than this comity"):
        PostgresLog(url)


def test_migrations_run_forward_in_order_once(
    url: str, store: PostgresLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.append([opened("e1", "c1")])
    head = store.head()
    v2 = (
        "CREATE TABLE IF NOT EXISTS migration_log (step text)",
        "INSERT INTO migration_log VALUES ('v2')",
    )
    v3 = ("INSERT INTO migration_log VALUES ('v3')",)
    monkeypatch.setattr(_postgres, "MIGRATIONS", (*_postgres.MIGRATIONS, (2, v2), (3, v3)))
    monkeypatch.setattr(_postgres, "SCHEMA_VERSION", 3)
    for _ in range(3):  # opening again runs nothing again
        PostgresLog(url).close()
    with raw(url) as conn:
        assert conn.execute("SELECT schema_version FROM comity_meta").fetchone() == (3,)
        assert conn.execute("SELECT step FROM migration_log").fetchall() == [("v2",), ("v3",)]
    reopened = PostgresLog(url)
    try:
        assert reopened.head() == head
    finally:
        reopened.close()


def test_a_failed_migration_changes_nothing(
    url: str, store: PostgresLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = ("CREATE TABLE half_done (x int)", "SELECT no_such_function()")
    monkeypatch.setattr(_postgres, "MIGRATIONS", (*_postgres.MIGRATIONS, (2, broken)))
    monkeypatch.setattr(_postgres, "SCHEMA_VERSION", 2)
    with pytest.raises(StoreError):
        PostgresLog(url)
    with raw(url) as conn:
        assert conn.execute("SELECT schema_version FROM comity_meta").fetchone() == (1,)
        assert conn.execute("SELECT to_regclass('half_done')").fetchone() == (None,)


def test_many_processes_initialise_one_store_at_once(url: str) -> None:
    with SPAWN.Pool(4) as pool:
        heads = pool.map(_open_and_head, [url] * 8)
    assert heads == [(0, "0" * 64)] * 8


def _open_and_head(url: str) -> tuple[int, str]:
    log = PostgresLog(url)
    try:
        head = log.head()
        return head.position, head.hash
    finally:
        log.close()


def test_record_time_defaults_to_the_servers_clock(url: str) -> None:
    log = PostgresLog(url)
    try:
        before = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
        stored = log.append([opened("e1", "c1")]).stored[0]
        after = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
        assert before < stored.recorded_at < after
    finally:
        log.close()


# -- guards and roles -----------------------------------------------------------------


def test_triggers_refuse_update_delete_and_truncate(store: PostgresLog, url: str) -> None:
    store.append([opened("e1", "c1"), asset("e2", "c1")])
    head = store.head()
    with raw(url) as conn:
        for statement in (
            "TRUNCATE events",
            "DELETE FROM events WHERE false",  # refused per statement, even for no rows
            "UPDATE events SET hash = hash WHERE position = 1",
        ):
            with pytest.raises(psycopg.Error, match="append-only"):
                conn.execute(statement)
    assert store.head() == head
    assert verify_records(store.raw_records()).head == head


def test_an_application_role_can_append_and_read_but_not_change_or_unguard(
    pg_database: PgDatabase,
) -> None:
    """The set-up of docs/store.md: the owner creates the store, the application role
    gets only SELECT and INSERT and cannot change rows nor drop or disable triggers."""
    tag = secrets.token_hex(3)
    owner, app, schema = f"comity_owner_{tag}", f"comity_app_{tag}", f"roles_{tag}"
    admin = pg_database.execute
    admin(f"CREATE ROLE {owner} LOGIN")
    admin(f"CREATE ROLE {app} LOGIN")
    try:
        admin(f"CREATE SCHEMA {schema} AUTHORIZATION {owner}")
        admin(f"GRANT CONNECT ON DATABASE {pg_database.name} TO {owner}, {app}")
        owner_url = with_database(
            pg_database.admin_url.replace("postgres@", f"{owner}@", 1),
            pg_database.name,
            options=f"-csearch_path={schema}",
        )
        app_url = owner_url.replace(f"{owner}@", f"{app}@", 1)
        PostgresLog(owner_url).close()  # comity init, as the owner
        with raw(owner_url) as conn:
            conn.execute(f"GRANT USAGE ON SCHEMA {schema} TO {app}")
            conn.execute(f"GRANT SELECT, INSERT ON events TO {app}")
            conn.execute(f"GRANT SELECT ON comity_meta TO {app}")

        log = PostgresLog(app_url, create=False)
        try:
            log.append([opened("e1", "c1"), asset("e2", "c1")], expected_seq=0)
            assert [s.seq for s in log.read_case("c1")] == [1, 2]
            head = log.head()
            with raw(app_url) as conn:
                for statement in (
                    "UPDATE events SET body = 'x'",
                    "DELETE FROM events",
                    "TRUNCATE events",
                    "DROP TRIGGER events_no_update ON events",
                    "ALTER TABLE events DISABLE TRIGGER events_no_delete",
                    "ALTER TABLE events DISABLE TRIGGER ALL",
                    "DROP TABLE events",
                ):
                    with pytest.raises(psycopg.errors.InsufficientPrivilege):
                        conn.execute(statement)
            with raw(owner_url) as conn, pytest.raises(psycopg.Error, match="append-only"):
                conn.execute("DELETE FROM events")  # the owner is refused by the triggers
            assert log.head() == head
            assert verify_records(log.raw_records()).head == head
        finally:
            log.close()
        # The application role cannot initialise or migrate a store.
        with pytest.raises(StoreError, match="permission denied"):
            PostgresLog(with_database(app_url, pg_database.name, options="-csearch_path=public"))
    finally:
        admin(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        for role in (owner, app):
            admin(f"DROP OWNED BY {role}")
            admin(f"DROP ROLE {role}")


# -- locks and the last line of defence -----------------------------------------------


def test_a_writer_waiting_too_long_for_the_lock_is_told_to_retry(url: str) -> None:
    log = PostgresLog(url, lock_timeout=0.2)
    try:
        key = log._lock_key
        with raw(url) as holder, holder.transaction():
            holder.execute("SELECT pg_advisory_xact_lock(%s, %s)", (_postgres.LOCK_CLASS, key))
            with pytest.raises(StoreUnavailable, match="locked by another writer"):
                log.append([opened("e1", "c1")])
        assert log.append([opened("e1", "c1")]).stored[0].position == 1
    finally:
        log.close()


def test_a_unique_violation_replans_under_the_lock(
    store: PostgresLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer that bypassed the lock took position 2 between our tip read and insert:
    the constraint refuses our rows, and the append is planned again."""
    store.append([opened("e1", "c1"), asset("e2", "c1")])
    stale = Tip(position=1, hash=next(store.raw_records()).hash, recorded_at=None)
    real_tip = PostgresLog._tip
    calls = []

    def tip_once_stale(self: PostgresLog, conn: Any) -> Tip:
        calls.append(1)
        return stale if len(calls) == 1 else real_tip(self, conn)

    monkeypatch.setattr(PostgresLog, "_tip", tip_once_stale)
    stored = store.append([asset("e3", "c1")]).stored
    assert [(s.position, s.seq) for s in stored] == [(3, 3)]
    assert len(calls) == 2
    assert verify_records(store.raw_records()).records == 3


def test_persistent_unique_violations_become_comity_errors(
    store: PostgresLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.append([opened("e1", "c1"), asset("e2", "c1")])
    head = store.head()
    with monkeypatch.context() as patch:  # the known ids are never seen: event_id clash
        patch.setattr(PostgresLog, "_existing", staticmethod(lambda conn, ids: {}))
        with pytest.raises(DuplicateEventError) as dup:
            store.append([asset("e2", "c1")])
        assert dup.value.event_id == "e2"
    with monkeypatch.context() as patch:  # the case's seq is always stale: (case, seq) clash
        patch.setattr(
            PostgresLog, "_last_seqs", staticmethod(lambda conn, cases: dict.fromkeys(cases, 0))
        )
        with pytest.raises(ConcurrencyConflict) as conflict:
            store.append([asset("e3", "c1")], expected_seq=0)
        assert (conflict.value.case_id, conflict.value.expected, conflict.value.actual) == (
            "c1",
            0,
            2,
        )
    with monkeypatch.context() as patch:  # the tip is always stale: position clash
        patch.setattr(
            PostgresLog, "_tip", lambda self, conn: Tip(position=0, hash="0" * 64, recorded_at=None)
        )
        with pytest.raises(StoreUnavailable, match="without comity's lock"):
            store.append([opened("e9", "c9")])
    assert store.head() == head


def test_a_lost_connection_is_reported_then_reopened(
    store: PostgresLog, pg_database: PgDatabase
) -> None:
    store.append([opened("e1", "c1")])
    pid = store._writer().info.backend_pid
    pg_database.execute("SELECT pg_terminate_backend(%s)", (pid,))
    time.sleep(0.1)
    with pytest.raises(StoreUnavailable, match="try again"):
        store.append([asset("e2", "c1")])
    assert store.append([asset("e2", "c1")]).stored[0].seq == 2


def test_a_closed_log_ends_its_reads(store: PostgresLog) -> None:
    store.append([opened(f"e{i}", f"c{i:04d}") for i in range(1200)])
    reading = store.read()
    assert next(reading).position == 1
    store.close()
    with pytest.raises(StoreUnavailable, match="closed"):
        list(reading)
    with pytest.raises(StoreUnavailable, match="closed"):
        store.head()


def test_a_read_does_not_hold_up_writers(store: PostgresLog) -> None:
    store.append([opened(f"e{i}", "c1") for i in range(700)])
    reading = store.read()
    next(reading)
    started = time.monotonic()
    store.append([asset("late", "c2")])
    assert time.monotonic() - started < 5
    assert sum(1 for _ in reading) == 699  # the read keeps its snapshot


# -- LISTEN/NOTIFY --------------------------------------------------------------------


def test_wait_for_append_wakes_on_commit(store: PostgresLog, url: str) -> None:
    assert store.wait_for_append(5) is True  # the first call starts listening
    started = time.monotonic()
    assert store.wait_for_append(0.2) is False
    assert time.monotonic() - started >= 0.15
    other = PostgresLog(url)
    try:
        timer = threading.Timer(0.2, lambda: other.append([opened("e1", "c1")]))
        timer.start()
        started = time.monotonic()
        assert store.wait_for_append(10) is True
        assert time.monotonic() - started < 5
        timer.join()
    finally:
        other.close()


def test_follow_on_postgres_sees_appends_from_another_connection(
    store: PostgresLog, url: str
) -> None:
    writer = PostgresLog(url)
    try:
        writer.append([opened("e1", "c1")])

        def later() -> None:
            for i in range(2, 6):
                time.sleep(0.05)
                writer.append([asset(f"e{i}", "c1")])

        thread = threading.Thread(target=later)
        thread.start()
        seen = []
        deadline = time.monotonic() + 30
        for stored in follow(store, poll_interval=5, stop=lambda: time.monotonic() > deadline):
            seen.append(stored.position)
            if len(seen) == 5:
                break
        thread.join()
        assert seen == [1, 2, 3, 4, 5]
    finally:
        writer.close()


# -- many writers ---------------------------------------------------------------------

WRITERS, PER_WRITER, CASES = 8, 500, 10


_START: list[Any] = []


def _writer_start(start: Any) -> None:
    _START.append(start)


def _writer(url: str, number: int) -> dict[str, int]:
    """One writer process: PER_WRITER single-event appends with expected_seq, retried on
    conflict after re-reading the case's seq."""
    log = PostgresLog(url)
    conflicts = replays = 0
    try:
        _START[0].wait()
        for i in range(PER_WRITER):
            case = f"case-{(number * 7 + i) % CASES:02d}"
            event = asset(f"w{number}-{i:04d}", case)
            while True:
                seq = log.last_seq(case)
                try:
                    result = log.append([event], expected_seq=seq)
                except ConcurrencyConflict:
                    conflicts += 1
                    continue
                assert len(result.stored) == 1
                break
            if i % 50 == 0:  # a writer that lost the answer retries: a no-op
                again = log.append([event], expected_seq=seq)
                assert again.stored == () and again.already_stored == (event.event_id,)
                replays += 1
    finally:
        log.close()
    return {"conflicts": conflicts, "replays": replays}


@pytest.mark.slow
def test_many_writers_in_many_processes(url: str) -> None:
    total = WRITERS * PER_WRITER
    PostgresLog(url).close()
    start = SPAWN.Event()
    tail: list[tuple[int, str, int]] = []
    problems: list[str] = []

    def tailer() -> None:
        """A reader following by position while the writers run."""
        log = PostgresLog(url)
        deadline = time.monotonic() + 600
        seqs: dict[str, int] = {}
        try:
            for s in follow(log, poll_interval=0.05, stop=lambda: time.monotonic() > deadline):
                if s.position != len(tail) + 1:
                    problems.append(f"position {s.position} after {len(tail)}")
                if s.seq != seqs.get(s.case_id, 0) + 1:
                    problems.append(f"{s.case_id} seq {s.seq} after {seqs.get(s.case_id)}")
                seqs[s.case_id] = s.seq
                tail.append((s.position, s.case_id, s.seq))
                if len(tail) == total:
                    return
        except Exception as exc:  # reported by the main thread
            problems.append(repr(exc))
        finally:
            log.close()

    reader = threading.Thread(target=tailer)
    reader.start()
    started = time.monotonic()
    with SPAWN.Pool(WRITERS, initializer=_writer_start, initargs=(start,)) as pool:
        pending = pool.starmap_async(_writer, [(url, n) for n in range(WRITERS)])
        time.sleep(0.5)  # let every worker connect before they start together
        start.set()
        stats = pending.get(timeout=600)
    elapsed = time.monotonic() - started
    reader.join(timeout=120)
    assert not reader.is_alive(), "the tailing reader did not see every event"
    assert problems == []

    log = PostgresLog(url, create=False)
    try:
        report = verify_records(log.raw_records())
        assert report.records == total
        stored = list(log.read())
        assert [s.position for s in stored] == list(range(1, total + 1))
        ids = [s.event_id for s in stored]
        assert len(set(ids)) == total
        assert set(ids) == {f"w{n}-{i:04d}" for n in range(WRITERS) for i in range(PER_WRITER)}
        cases = list(log.case_ids())
        assert len(cases) == CASES
        for case in cases:
            assert [s.seq for s in log.read_case(case)] == list(range(1, log.last_seq(case) + 1))
        assert sum(log.last_seq(c) for c in cases) == total
        assert tail == [(s.position, s.case_id, s.seq) for s in stored]
    finally:
        log.close()
    conflicts = sum(s["conflicts"] for s in stats)
    print(
        f"\n{WRITERS} writers x {PER_WRITER} events, {CASES} cases: {elapsed:.1f} s, "
        f"{conflicts} conflicts retried, {total / elapsed:.0f} appends/s "
        f"(server {redact_url(server_url())}, {os.cpu_count()} CPUs)"
    )
