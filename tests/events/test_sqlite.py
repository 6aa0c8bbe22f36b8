"""What only the SQLite backend has to show: its file, its guards, its locks.

The shared promises are in test_log_contract.py; here: the triggers, tamper detection
on the stored rows, several processes on one file, a killed writer, files that are
not stores, and reopening.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import signal
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from comity.errors import (
    ChainBroken,
    ConcurrencyConflict,
    StoreError,
    StoreUnavailable,
)
from comity.events import AssetLocated, CaseOpened, Head, open_log, verify_records
from comity.events._sqlite import APPLICATION_ID, SCHEMA_VERSION, SqliteLog

if TYPE_CHECKING:  # the fixtures' classes (tests/events/conftest.py)
    from events.conftest import EventMaker, FakeClock

SPAWN = multiprocessing.get_context("spawn")


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "comity.db"


@pytest.fixture
def store(path: Path, clock: FakeClock) -> Iterator[SqliteLog]:
    log = SqliteLog(path, clock=clock)
    yield log
    log.close()


def raw(path: Path) -> sqlite3.Connection:
    """A plain connection to the file, bypassing comity (what a tamperer would use)."""
    return sqlite3.connect(path, isolation_level=None)


def drop_guards(path: Path) -> None:
    conn = raw(path)
    conn.execute("DROP TRIGGER events_no_update")
    conn.execute("DROP TRIGGER events_no_delete")
    conn.close()


def opened(event_id: str, case_id: str) -> CaseOpened:
    return CaseOpened(
        event_id=event_id, case_id=case_id, occurred_at=dt.date(2020, 1, 1), lead_jurisdiction="PA"
    )


def asset(event_id: str, case_id: str) -> AssetLocated:
    return AssetLocated(
        event_id=event_id,
        case_id=case_id,
        occurred_at=dt.date(2020, 1, 2),
        asset_id="a-1",
        asset_type="vessel",
        jurisdiction="PA",
    )


# -- the schema -----------------------------------------------------------------------


def test_a_new_store_has_the_documented_schema(store: SqliteLog, path: Path) -> None:
    conn = raw(path)
    objects = set(
        conn.execute("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")
    )
    assert objects >= {
        ("table", "events"),
        ("table", "meta"),
        ("trigger", "events_no_update"),
        ("trigger", "events_no_delete"),
    }
    assert conn.execute("SELECT application, schema_version FROM meta").fetchall() == [
        ("comity-log", SCHEMA_VERSION)
    ]
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert conn.execute("PRAGMA application_id").fetchone() == (APPLICATION_ID,)
    conn.close()
    # synchronous is per connection: the log's own must be FULL (2).
    assert store._connection().execute("PRAGMA synchronous").fetchone() == (2,)


def test_opening_again_is_idempotent(path: Path, ev: EventMaker) -> None:
    first = SqliteLog(path)
    first.append(ev.case("c1", 2))
    second = SqliteLog(path)  # create=True on an existing store changes nothing
    assert second.head() == first.head()
    conn = raw(path)
    assert conn.execute("SELECT COUNT(*) FROM meta").fetchone() == (1,)
    conn.close()
    first.close()
    second.close()


def test_open_log_names_sqlite_stores(path: Path, ev: EventMaker) -> None:
    with_scheme = open_log(f"sqlite:///{path}", create=True)
    assert isinstance(with_scheme, SqliteLog)
    with_scheme.append(ev.case("c1", 2))
    plain = open_log(str(path), create=False)
    assert isinstance(plain, SqliteLog)
    assert plain.head() == with_scheme.head()
    assert plain.url == with_scheme.url == f"sqlite:///{path}"
    with_scheme.close()
    plain.close()


# -- append-only ----------------------------------------------------------------------


def test_triggers_refuse_update_and_delete(store: SqliteLog, path: Path, ev: EventMaker) -> None:
    store.append(ev.case("c1", 3))
    head = store.head()
    conn = raw(path)
    for statement in (
        "UPDATE events SET body = body || ' ' WHERE position = 1",
        "UPDATE events SET hash = 'x'",
        "DELETE FROM events WHERE position = 3",
        "DELETE FROM events",
    ):
        with pytest.raises(sqlite3.IntegrityError, match="comity log is append-only"):
            conn.execute(statement)
    conn.close()
    assert store.head() == head
    assert verify_records(store.raw_records()).records == 3


# -- tamper evidence ------------------------------------------------------------------


def _other(ch: str) -> str:
    return "x" if ch != "x" else "y"


ALTERATIONS: dict[str, tuple[str, Any]] = {
    # name: (SQL with :pos, a function of the stored row giving the new value)
    "body, first byte": ("body", lambda r: _other(r["body"][0]) + r["body"][1:]),
    "body, middle byte": (
        "body",
        lambda r: (
            r["body"][: len(r["body"]) // 2]
            + _other(r["body"][len(r["body"]) // 2])
            + r["body"][len(r["body"]) // 2 + 1 :]
        ),
    ),
    "body, last byte": ("body", lambda r: r["body"][:-1] + _other(r["body"][-1])),
    "body, a trailing space": ("body", lambda r: r["body"] + " "),
    "hash": ("hash", lambda r: r["hash"][:-1] + ("0" if r["hash"][-1] != "0" else "1")),
    "case_id column": ("case_id", lambda r: r["case_id"] + "x"),
    "event_id column": ("event_id", lambda r: r["event_id"] + "x"),
    "seq column": ("seq", lambda r: r["seq"] + 1000),
    "recorded_at column": ("recorded_at", lambda r: r["recorded_at"].replace("2024", "2023")),
    "position column": ("position", lambda r: r["position"] + 1000),
}


def verify_both(store: SqliteLog) -> Any:
    """`store.verify()` (rows straight from SQLite) and `verify_records` over
    `raw_records()` must agree: the same report, or ChainBroken at the same position
    (raised)."""
    outcomes: list[tuple[str, Any]] = []
    checks: tuple[Callable[[], Any], ...] = (
        store.verify,
        lambda: verify_records(store.raw_records()),
    )
    for check in checks:
        try:
            outcomes.append(("ok", check()))
        except ChainBroken as exc:
            outcomes.append(("broken", (exc.position, exc.reason)))
    assert outcomes[0] == outcomes[1]
    kind, value = outcomes[0]
    if kind == "broken":
        raise ChainBroken(value[0], value[1])
    return value


@pytest.mark.parametrize("where", ["first", "middle", "last"])
@pytest.mark.parametrize("what", sorted(ALTERATIONS))
def test_verify_names_the_altered_position(
    store: SqliteLog, path: Path, ev: EventMaker, where: str, what: str
) -> None:
    for case in ("c1", "c2", "c3"):
        store.append(ev.case(case, 3))
    position = {"first": 1, "middle": 5, "last": 9}[where]
    drop_guards(path)
    conn = raw(path)
    conn.row_factory = sqlite3.Row
    row = conn.execute("SELECT * FROM events WHERE position = ?", (position,)).fetchone()
    column, change = ALTERATIONS[what]
    conn.execute(f"UPDATE events SET {column} = ? WHERE position = ?", (change(row), position))
    conn.close()
    with pytest.raises(ChainBroken) as info:
        verify_both(store)
    assert info.value.position == position


def test_every_altered_byte_of_a_record_is_detected(
    store: SqliteLog, path: Path, ev: EventMaker
) -> None:
    for case in ("c1", "c2"):
        store.append(ev.case(case, 3))
    drop_guards(path)
    conn = raw(path)
    (body,) = conn.execute("SELECT body FROM events WHERE position = 4").fetchone()
    update = "UPDATE events SET body = ? WHERE position = 4"
    for i, ch in enumerate(body):
        conn.execute(update, (body[:i] + _other(ch) + body[i + 1 :],))
        with pytest.raises(ChainBroken) as info:
            verify_both(store)
        assert info.value.position == 4, f"byte {i}"
    conn.execute(update, (body,))
    conn.close()
    assert verify_both(store).records == 6


def test_a_deleted_record_is_detected_but_a_cut_tail_needs_the_head(
    store: SqliteLog, path: Path, ev: EventMaker
) -> None:
    store.append(ev.case("c1", 5))
    head = store.head()
    drop_guards(path)
    conn = raw(path)
    conn.execute("DELETE FROM events WHERE position = 3")
    with pytest.raises(ChainBroken) as info:
        verify_records(store.raw_records())
    assert info.value.position == 3
    conn.execute("DELETE FROM events WHERE position >= 3")
    conn.close()
    # A log cut at its end still chains: only a head noted elsewhere reveals it
    # (docs/store.md tells auditors to keep `comity verify`'s head).
    report = verify_records(store.raw_records())
    assert report.head.position == 2
    assert report.head != head


def test_a_record_that_no_longer_decodes_is_reported_not_crashed_on(
    store: SqliteLog, path: Path, ev: EventMaker
) -> None:
    store.append(ev.case("c1", 3))
    drop_guards(path)
    conn = raw(path)
    conn.execute("UPDATE events SET body = '{}' WHERE position = 2")
    conn.close()
    with pytest.raises(ChainBroken) as info:
        list(store.read())
    assert info.value.position == 2


# -- atomicity and errors -------------------------------------------------------------


def test_a_failure_inside_the_database_rolls_back_the_whole_batch(
    store: SqliteLog, path: Path, ev: EventMaker
) -> None:
    store.append(ev.case("c1", 2))
    head = store.head()
    conn = raw(path)
    conn.execute(
        "CREATE TRIGGER boom BEFORE INSERT ON events WHEN NEW.event_id = 'boom' "
        "BEGIN SELECT RAISE(ABORT, 'disk on fire'); END"
    )
    conn.close()
    with pytest.raises(StoreError, match="disk on fire") as info:
        store.append([ev.asset("c1"), ev.opened("c2"), ev.asset("c2", "boom"), ev.asset("c1")])
    assert not isinstance(info.value, sqlite3.Error)
    assert store.head() == head
    assert list(store.case_ids()) == ["c1"]


def test_a_store_locked_too_long_is_reported(path: Path, ev: EventMaker) -> None:
    log = SqliteLog(path, busy_timeout=0.2)
    holder = raw(path)
    holder.execute("BEGIN IMMEDIATE")
    with pytest.raises(StoreUnavailable, match="locked"):
        log.append([ev.opened("c1")])
    holder.execute("ROLLBACK")
    holder.close()
    assert log.append([ev.opened("c1")]).stored
    log.close()


def test_a_closed_log_refuses_use(path: Path, ev: EventMaker) -> None:
    log = SqliteLog(path)
    log.append([ev.opened("c1")])
    reading = log.read()
    log.close()
    log.close()  # twice is fine
    for use in (
        lambda: log.append([ev.opened("c2")]),
        lambda: log.head(),
        lambda: log.last_seq("c1"),
        lambda: list(reading),
    ):
        with pytest.raises(StoreUnavailable, match="closed"):
            use()


def test_a_log_is_used_from_the_thread_that_opened_it(store: SqliteLog) -> None:
    errors: list[BaseException] = []

    def other_thread() -> None:
        try:
            store.head()
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join()
    assert len(errors) == 1
    assert isinstance(errors[0], StoreError)
    assert "thread" in str(errors[0])


def test_a_paused_read_does_not_block_writes_from_another_connection_or_its_own(
    path: Path, ev: EventMaker
) -> None:
    reader = SqliteLog(path)
    writer = SqliteLog(path)
    reader.append(ev.case("c1", 1200))
    reading = reader.read()
    assert next(reading).position == 1  # paused mid-read, past no page boundary yet
    writer.append([ev.asset("c1")])  # another connection writes meanwhile
    reader.append([ev.asset("c1")])  # and so can the reader's own
    assert sum(1 for _ in reading) == 1199  # the read still sees the log as it began
    assert reader.head().position == writer.head().position == 1202
    reader.close()
    writer.close()


# -- files that are not stores --------------------------------------------------------


def test_a_missing_store_is_not_created_without_create(path: Path) -> None:
    with pytest.raises(StoreUnavailable) as info:
        SqliteLog(path, create=False)
    assert str(path) in str(info.value)
    assert "comity init" in str(info.value)
    assert not path.exists()


def test_a_missing_directory_is_reported(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailable, match="directory"):
        SqliteLog(tmp_path / "no" / "such" / "dir" / "comity.db")


def test_a_file_that_is_not_sqlite_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    text = '{"type": "case_opened"}\n' * 200
    path.write_text(text)
    for create in (True, False):
        with pytest.raises(StoreUnavailable, match="not an SQLite database") as info:
            SqliteLog(path, create=create)
        assert str(path) in str(info.value)
    assert path.read_text() == text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.jsonl"]


def test_another_sqlite_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = raw(path)
    conn.execute("CREATE TABLE people (name TEXT)")
    conn.close()
    for create in (True, False):
        with pytest.raises(StoreUnavailable, match="not a comity store"):
            SqliteLog(path, create=create)
    conn = raw(path)
    assert [n for (n,) in conn.execute("SELECT name FROM sqlite_master")] == ["people"]
    conn.close()


def test_a_meta_table_that_is_not_comitys_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = raw(path)
    conn.execute("CREATE TABLE meta (id INTEGER PRIMARY KEY, application TEXT, schema_version)")
    conn.execute("INSERT INTO meta VALUES (1, 'something-else', 3)")
    conn.close()
    with pytest.raises(StoreUnavailable, match="not comity's"):
        SqliteLog(path)


def test_an_empty_file_needs_init(path: Path) -> None:
    path.touch()
    with pytest.raises(StoreUnavailable, match="comity init"):
        SqliteLog(path, create=False)
    log = SqliteLog(path)  # `comity init` on an empty file makes it a store
    assert log.head() == Head(0, "0" * 64)
    log.close()


def test_a_store_from_a_newer_comity_is_refused(store: SqliteLog, path: Path) -> None:
    store.close()
    conn = raw(path)
    conn.execute("UPDATE meta SET schema_version = ?", (SCHEMA_VERSION + 1,))
    conn.close()
    with pytest.raises(StoreUnavailable, match="newer"):
        SqliteLog(path)


# -- reopening ------------------------------------------------------------------------


def test_reopening_a_store_keeps_everything(
    path: Path, ev: EventMaker, new_clock: type[FakeClock]
) -> None:
    clock = new_clock()
    log = SqliteLog(path, clock=clock)
    stored = [s for case in ("c1", "c2") for s in log.append(ev.case(case, 4)).stored]
    head = log.head()
    log.close()

    behind = new_clock(start=clock.start - dt.timedelta(days=30))
    again = SqliteLog(path, create=False, clock=behind)
    assert again.head() == head
    assert list(again.read()) == stored
    assert list(again.case_ids()) == ["c1", "c2"]
    assert again.last_seq("c1") == 4
    assert verify_records(again.raw_records()).head == head
    more = again.append([ev.asset("c1")]).stored[0]
    assert (more.position, more.seq) == (9, 5)
    assert more.recorded_at == stored[-1].recorded_at  # never behind what is stored
    again.close()


# -- several processes ----------------------------------------------------------------


def _append_with_expected_seq(
    path: str, event_id: str, expected: int, barrier: Any, results: Any
) -> None:
    log = SqliteLog(path, create=False)
    try:
        barrier.wait(timeout=60)
        try:
            log.append([asset(event_id, "c1")], expected_seq=expected)
            results.put(("stored", event_id))
        except ConcurrencyConflict as exc:
            results.put(("conflict", event_id, exc.expected, exc.actual))
    finally:
        log.close()


def _append_batches(path: str, name: str, batches: int, barrier: Any) -> None:
    log = SqliteLog(path, create=False)
    barrier.wait(timeout=60)
    for i in range(batches):
        case = f"c{i % 3}"
        log.append([asset(f"{name}-{i}-a", case), asset(f"{name}-{i}-b", case)])
    log.close()


def _ingest_until_killed(path: str) -> None:
    log = SqliteLog(path, create=False)
    for i in range(1_000_000):
        log.append([asset(f"b{i}-{k}", f"c{k}") for k in range(5)])


def _run(target: Any, *argsets: tuple[Any, ...]) -> None:
    procs = [SPAWN.Process(target=target, args=args) for args in argsets]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(timeout=120)
        assert proc.exitcode == 0


@pytest.mark.slow
def test_two_processes_racing_on_one_expected_seq(path: Path) -> None:
    log = SqliteLog(path)
    log.append([opened("open-1", "c1"), asset("asset-1", "c1")])
    barrier, results = SPAWN.Barrier(2), SPAWN.Queue()
    _run(
        _append_with_expected_seq,
        (str(path), "left", 2, barrier, results),
        (str(path), "right", 2, barrier, results),
    )
    outcomes = sorted([results.get(timeout=10), results.get(timeout=10)])
    assert [o[0] for o in outcomes] == ["conflict", "stored"]
    winner, loser = outcomes[1][1], outcomes[0][1]
    assert outcomes[0][2:] == (2, 3)  # the loser expected 2 and found 3
    stored = list(log.read_case("c1"))
    assert [s.seq for s in stored] == [1, 2, 3]
    assert [s.event_id for s in stored] == ["open-1", "asset-1", winner]
    assert loser not in {s.event_id for s in log.read()}
    assert verify_records(log.raw_records()).records == 3
    log.close()


@pytest.mark.slow
def test_concurrent_writers_lose_nothing(path: Path) -> None:
    log = SqliteLog(path)
    barrier = SPAWN.Barrier(3)
    _run(_append_batches, *[(str(path), f"w{n}", 15, barrier) for n in range(3)])
    records = list(log.raw_records())
    assert len(records) == 3 * 15 * 2
    assert len({r.event_id for r in records}) == len(records)
    assert verify_records(iter(records)).head == log.head()
    for case in log.case_ids():
        seqs = [s.seq for s in log.read_case(case)]
        assert seqs == list(range(1, len(seqs) + 1))
    log.close()


@pytest.mark.slow
def test_a_killed_ingest_leaves_a_prefix_of_whole_batches(path: Path) -> None:
    log = SqliteLog(path)
    proc = SPAWN.Process(target=_ingest_until_killed, args=(str(path),))
    proc.start()
    deadline = time.monotonic() + 60
    while log.head().position < 50 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert proc.pid is not None
    os.kill(proc.pid, signal.SIGKILL)
    proc.join(timeout=30)
    log.close()

    after = SqliteLog(path, create=False)
    report = verify_records(after.raw_records())
    assert report.records >= 50
    assert report.records % 5 == 0
    ids = [r.event_id for r in after.raw_records()]
    assert ids == [f"b{i}-{k}" for i in range(report.records // 5) for k in range(5)]
    assert after.append([opened("after-the-crash", "c9")]).stored  # and it goes on
    after.close()


# -- what an open log keeps between its appends ----------------------------------------


def _rows(path: Path) -> list[tuple[Any, ...]]:
    conn = raw(path)
    try:
        return conn.execute("SELECT * FROM events ORDER BY position").fetchall()
    finally:
        conn.close()


def test_two_logs_on_one_file_append_in_turn_as_one_would(
    tmp_path: Path, ev: EventMaker, new_clock: type[FakeClock]
) -> None:
    """Each log keeps its tip and the cases' last seqs between appends while no other
    connection has committed (`PRAGMA data_version`); whenever the other log wrote in
    between, it reads them again. Stored rows are those of one log doing it all."""
    steps = [("a", "c1", 2), ("b", "c1", 1), ("a", "c2", 3), ("a", "c1", 1), ("b", "c2", 2)]
    steps += [("b", "c1", 1), ("a", "c3", 1), ("a", "c3", 2), ("b", "c3", 1)]
    turns, one = tmp_path / "turns.db", tmp_path / "one.db"
    clock_a, clock_one = new_clock(), new_clock()
    a, b = SqliteLog(turns, clock=clock_a), SqliteLog(turns, create=False, clock=clock_a)
    single = SqliteLog(one, clock=clock_one)
    try:
        for who, case, n in steps:
            batch = [ev.asset(case) for _ in range(n)]
            (a if who == "a" else b).append(batch)
            single.append(batch)
        assert _rows(turns) == _rows(one)
        assert verify_records(a.raw_records()).head == single.head()
    finally:
        for log in (a, b, single):
            log.close()


def test_a_refused_append_keeps_nothing_stale(store: SqliteLog, path: Path, ev: EventMaker) -> None:
    store.append(ev.case("c1", 2))
    other = SqliteLog(path, create=False)
    try:
        other.append([ev.asset("c1")])  # seq 3, by another connection
    finally:
        other.close()
    with pytest.raises(ConcurrencyConflict):
        store.append([ev.asset("c1")], expected_seq=2)
    with pytest.raises(ConcurrencyConflict):  # still refused: 3 is what is stored
        store.append([ev.asset("c1")], expected_seq=2)
    more = store.append([ev.asset("c1")], expected_seq=3).stored[0]
    assert (more.seq, more.position) == (4, 4)
    assert verify_records(store.raw_records()).head == store.head()


def test_a_write_by_plain_sql_between_appends_is_seen(
    store: SqliteLog, path: Path, ev: EventMaker
) -> None:
    """Another connection's commit moves `data_version`, even one that bypasses comity:
    the next append plans on what is stored, and verify names the forged row."""
    store.append(ev.case("c1", 1))
    forged = list(_rows(path)[0])
    forged[0], forged[1], forged[3] = 2, "forged", 2  # position, event_id, seq
    conn = raw(path)
    conn.execute("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?)", forged)
    conn.close()
    more = store.append([ev.asset("c1")]).stored[0]
    assert (more.position, more.seq) == (3, 3)
    with pytest.raises(ChainBroken):
        verify_records(store.raw_records())
