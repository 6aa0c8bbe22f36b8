"""Several watchers on one PostgreSQL store share the build of a generation (buckets
of cases leased with FOR UPDATE SKIP LOCKED); one killed with SIGKILL has its bucket
taken over once its lease runs out. The rows are a full replay's, each change once,
and the same findings as one watcher alone computes."""

from __future__ import annotations

import random
import subprocess
import sys
import time
from typing import Any

import pytest

import strategies
from comity.events import open_log
from comity.findings import FindingsStore, Watcher
from comity.rules import RulePack
from findings_cases import current_rows, folded_history, replay_document
from pgtest import PgDatabase


@pytest.mark.slow
@pytest.mark.postgres
def test_three_watchers_one_killed_give_one_watcher_rows(
    pg_database: PgDatabase, pack: RulePack
) -> None:
    rng = random.Random(31)
    events = strategies.random_case_log(rng, cases=150, max_size=25, prefix="S")
    shared, alone = pg_database.new_url(), pg_database.new_url()
    logs = [open_log(shared, create=True), open_log(alone, create=True)]
    for log in logs:
        for start in range(0, len(events), 300):
            log.append(events[start : start + 300])
    command = [sys.executable, "-m", "comity.cli", "--store", shared, "watch", "--once"]
    watchers = [
        subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    try:
        time.sleep(rng.uniform(1.5, 3.0))
        victim = watchers[0]
        if victim.poll() is None:
            victim.kill()
        victim.wait()
        for watcher in watchers[1:]:
            code = watcher.wait(timeout=300)
            assert watcher.stderr is not None
            assert code == 0, watcher.stderr.read()
    finally:
        for watcher in watchers:
            if watcher.poll() is None:
                watcher.kill()
                watcher.wait()
            assert watcher.stderr is not None
            watcher.stderr.close()
    Watcher(logs[1], pack).run(once=True)
    found: list[dict[str, Any]] = []
    for log in logs:
        with FindingsStore.of(log) as store:
            cut = store.cut()
            assert cut is not None and cut.position == log.head().position
            mine, theirs = replay_document(log, pack, store)
            assert mine == theirs
            assert folded_history(store, cut.generation) == current_rows(store)
            repeated = store.db.all(
                "SELECT finding_id FROM findings_history WHERE change = 'raised' "
                "GROUP BY finding_id HAVING COUNT(*) > 1"
            )
            assert repeated == []
            owners = store.db.all("SELECT COUNT(DISTINCT owner) FROM findings_claims")
            found.append({"rows": current_rows(store), "owners": owners[0][0]})
    assert found[0]["rows"] == found[1]["rows"]
    assert found[0]["owners"] >= 2  # the build was shared
    for log in logs:
        log.close()


def _visible(url: str, case_id: str) -> bool:
    log = open_log(url)
    try:
        with FindingsStore.of(log) as store:
            if store.cut() is None:
                return False
            _, found = store.findings(cases=[case_id])
            return bool(found)
    finally:
        log.close()


@pytest.mark.slow
@pytest.mark.postgres
def test_a_watcher_standing_by_takes_over_from_one_killed(pg_database: PgDatabase) -> None:
    """Two followers: one follows, the other stands by; SIGKILL the first, append, and
    the second applies it (the killed one's advisory lock went with its connection)."""
    url = pg_database.new_url()
    log = open_log(url, create=True)
    events = strategies.random_case_log(random.Random(4), cases=3, max_size=10, prefix="T")
    log.append(events)
    command = [sys.executable, "-m", "comity.cli", "--store", url, "watch", "--interval", "0.2"]

    def start() -> subprocess.Popen[bytes]:
        return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def wait_for(case_id: str) -> None:
        for _ in range(600):
            if _visible(url, case_id):
                return
            time.sleep(0.1)
        raise AssertionError(f"{case_id} never became visible")

    first = start()
    second: subprocess.Popen[bytes] | None = None
    try:
        log.append(_two_events("TK-1"))
        wait_for("TK-1")  # the first watcher follows
        second = start()
        log.append(_two_events("TK-2"))
        wait_for("TK-2")
        held = pg_database.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND classid = 1129141337 AND database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        assert held == [(1,)]  # one follower; the other stands by
        first.kill()
        first.wait()
        log.append(_two_events("TK-3"))
        wait_for("TK-3")  # only the second one is left to apply it
        second.terminate()
        assert second.wait(timeout=30) == 0
    finally:
        for watcher in (first, second):
            if watcher is not None and watcher.poll() is None:
                watcher.kill()
                watcher.wait()
    log.close()


def _two_events(case_id: str) -> list[Any]:
    import datetime as dt

    from comity.events import AssetLocated, CaseOpened

    return [
        CaseOpened(
            event_id=f"{case_id}-e1",
            case_id=case_id,
            occurred_at=dt.date(2026, 1, 5),
            lead_jurisdiction="PA",
            offences=("money_laundering",),
        ),
        AssetLocated(
            event_id=f"{case_id}-e2",
            case_id=case_id,
            occurred_at=dt.date(2026, 1, 6),
            asset_id="A1",
            asset_type="bank_account",
            jurisdiction="CH",
        ),
    ]


def _position(url: str) -> int:
    log = open_log(url)
    try:
        with FindingsStore.of(log, create=False) as store:
            cut = store.cut()
            return -1 if cut is None else cut.position
    except Exception:  # not built yet
        return -1
    finally:
        log.close()


@pytest.mark.slow
@pytest.mark.postgres
def test_three_live_watchers_share_the_live_steps_one_killed(
    pg_database: PgDatabase, pack: RulePack, tmp_path: Any
) -> None:
    """Three followers on one store: after the build, each leases its share of the
    buckets of live cases, and the leader's steps take the other watchers' parts;
    SIGKILL one of them mid-run (its buckets are taken over when its lease runs
    out). The rows are a full replay's at the cut, each change once, and one watcher
    alone computes the same rows."""
    rng = random.Random(47)
    events = strategies.random_case_log(rng, cases=120, max_size=12, prefix="L")
    shared, alone = pg_database.new_url(), pg_database.new_url()
    log = open_log(shared, create=True)
    quarter = len(events) // 4
    log.append(events[:quarter])
    command = [sys.executable, "-m", "comity.cli", "--store", shared, "watch", "--interval", "0.2"]
    errors = [tmp_path / f"watcher-{n}.err" for n in range(3)]
    handles = [path.open("w") for path in errors]
    watchers = [
        subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=handle) for handle in handles
    ]

    def wait_for_head() -> None:
        head = log.head().position
        for _ in range(1200):
            if _position(shared) == head:
                return
            time.sleep(0.1)
        raise AssertionError("the watchers did not reach the log's head")

    try:
        wait_for_head()
        time.sleep(3.0)  # a few rounds of leases: each watcher takes its share
        rest = events[quarter:]
        victim = rng.randrange(3)
        for n, start in enumerate(range(0, len(rest), 25)):
            log.append(rest[start : start + 25])
            time.sleep(0.15)
            if n == 6:
                watchers[victim].kill()
                watchers[victim].wait()
        wait_for_head()
        for n, watcher in enumerate(watchers):
            if n != victim:
                watcher.terminate()
                assert watcher.wait(timeout=60) == 0, errors[n].read_text()
    finally:
        for watcher in watchers:
            if watcher.poll() is None:
                watcher.kill()
                watcher.wait()
        for handle in handles:
            handle.close()
    said = "".join(errors[n].read_text() for n in range(3) if n != victim)
    assert "parts of steps another watcher led" in said, said  # live work was shared

    other = open_log(alone, create=True)
    other.append(events)
    Watcher(other, pack).run(once=True)
    found = []
    for each in (log, other):
        with FindingsStore.of(each) as store:
            cut = store.cut()
            assert cut is not None and cut.position == each.head().position
            mine, theirs = replay_document(each, pack, store)
            assert mine == theirs
            assert folded_history(store, cut.generation) == current_rows(store)
            repeated = store.db.all(
                "SELECT finding_id FROM findings_history WHERE change = 'raised' "
                "GROUP BY finding_id HAVING COUNT(*) > 1"
            )
            assert repeated == []
            found.append(current_rows(store))
    assert found[0] == found[1]
    log.close()
    other.close()
