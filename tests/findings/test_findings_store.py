"""The findings store equals a full replay at its cut, whatever happened on the way.

Through the public API (`comity.findings`), on SQLite and PostgreSQL: appends (late
events included), real time passing, watchers stopped and restarted, the tables
dropped and rebuilt, a new rule pack.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import strategies
from comity.events import Event, open_log
from comity.findings import FindingsStore, Watcher, export_pack
from comity.rules import RulePack, load_pack
from comity.rules.pack import builtin_dirs
from findings_cases import Clock, current_rows, folded_history, lapse_case, replay_document

PROPERTY = settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.large_base_example],
)


def _instant(event: Event) -> dt.datetime:
    when = event.occurred_at
    if isinstance(when, dt.datetime):
        return when.astimezone(dt.UTC)
    return dt.datetime.combine(when, dt.time(0), dt.UTC)


@pytest.mark.slow
@PROPERTY
@given(data=st.data(), events=strategies.case_logs(cases=3, max_size=12, max_late=3))
def test_the_store_equals_a_full_replay_after_any_history(
    new_store: Any, pack: RulePack, data: Any, events: list[Event]
) -> None:
    """Append the events in random batches, move real time on by random amounts (past
    deadline instants, sometimes not at all), step the watcher after each: after
    every step the store's document is a full replay's at the store's cut, and its
    history folds to its rows (every change recorded once)."""
    url = new_store()
    log = open_log(url)
    instants = sorted(_instant(e) for e in events) or [dt.datetime(2020, 1, 1, tzinfo=dt.UTC)]
    clock = Clock(instants[0] - dt.timedelta(days=1))
    store = FindingsStore.of(log)
    watcher = Watcher(log, pack, store=store, clock=clock)
    try:
        cut = watcher.catch_up()
        rest = list(events)
        while rest or data.draw(st.booleans(), label="one more tick"):
            take = data.draw(st.integers(0, min(len(rest), 4)), label="batch")
            if take:
                log.append(rest[:take])
                rest = rest[take:]
            hours = data.draw(st.sampled_from([0, 1, 30, 24 * 20, 24 * 200]), label="hours")
            clock.now += dt.timedelta(hours=hours)
            cut = watcher.catch_up(cut)
            mine, theirs = replay_document(log, pack, store)
            assert mine == theirs
            assert folded_history(store, cut.generation) == current_rows(store)
            if not rest and hours == 0:
                break
    finally:
        watcher.close()
        store.close()
        log.close()


def test_a_restarted_watcher_goes_on_where_it_stopped(new_store: Any, pack: RulePack) -> None:
    import random

    events = strategies.random_case_log(random.Random(5), cases=12, max_size=25)
    url = new_store()
    log = open_log(url)
    log.append(events[: len(events) // 2])
    clock = Clock(dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    first = Watcher(log, pack, clock=clock)
    first.run(once=True)
    log.append(events[len(events) // 2 :])
    second = Watcher(log, pack, clock=clock)
    cut = second.run(once=True)
    assert cut.position == log.head().position
    with FindingsStore.of(log) as store:
        mine, theirs = replay_document(log, pack, store)
        assert mine == theirs and mine
        assert folded_history(store, cut.generation) == current_rows(store)
        causes = {c.cause for c in store.history()}
        assert causes <= {"event", "clock"} and "event" in causes
    log.close()


def _causes(store: FindingsStore) -> list[tuple[str, str, str, int | None, str | None, str]]:
    """The history as (finding, change, cause, position, instant of a clock cause,
    body): what a build and a watcher stepping event by event must agree on."""
    return sorted(
        (
            c.finding_id,
            c.change,
            c.cause,
            c.position,
            c.clock if c.cause == "clock" else None,
            json.dumps(c.data, sort_keys=True),
        )
        for c in store.history()
    )


@pytest.mark.parametrize("seed", [3, 11])
def test_a_build_records_the_event_or_instant_behind_every_change(
    tmp_path: Path, pack: RulePack, seed: int
) -> None:
    """The history a catch-up writes names, for each change, the log position of the
    event that caused it (or the clock instant): the same entries, cause for cause
    and body for body, as a watcher that saw the events arrive one at a time with
    real time at each event's own instant."""
    import random

    events = sorted(
        strategies.random_case_log(random.Random(seed), cases=4, max_size=20), key=_instant
    )
    end = _instant(events[-1]) + dt.timedelta(days=400)
    built = open_log(str(tmp_path / "built.db"), create=True)
    built.append(events)
    Watcher(built, pack, clock=Clock(end)).run(once=True)

    stepped = open_log(str(tmp_path / "stepped.db"), create=True)
    clock = Clock(_instant(events[0]))
    watcher = Watcher(stepped, pack, clock=clock)
    cut = watcher.catch_up()
    for event in events:
        clock.now = _instant(event)
        stepped.append([event])
        cut = watcher.catch_up(cut)
    clock.now = end
    watcher.catch_up(cut)
    watcher.close()

    with FindingsStore.of(built) as a, FindingsStore.of(stepped) as b:
        history = _causes(a)
        assert history == _causes(b)
        assert {h[2] for h in history} == {"event", "clock"}
        positions = {s.position for s in built.read()}
        assert all(h[3] in positions for h in history if h[2] == "event")
        assert folded_history(a, a.cut().generation) == current_rows(a)  # type: ignore[union-attr]
    built.close()
    stepped.close()


def test_dropping_the_tables_and_catching_up_gives_the_same_rows(
    tmp_path: Path, pack: RulePack
) -> None:
    import random

    events = strategies.random_case_log(random.Random(9), cases=10, max_size=25)
    path = tmp_path / "comity.db"
    log = open_log(str(path), create=True)
    log.append(events)
    clock = Clock(dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    Watcher(log, pack, clock=clock).run(once=True)

    def dump() -> list[Any]:
        con = sqlite3.connect(path)
        try:
            return [
                con.execute(f"SELECT * FROM {table} ORDER BY 1, 2, 3").fetchall()
                for table in ("findings_current", "findings_deadlines", "findings_cases")
            ] + [
                con.execute(
                    "SELECT generation, finding_id, change, cause, position, clock, body "
                    "FROM findings_history ORDER BY id"
                ).fetchall()
            ]
        finally:
            con.close()

    def without_times(rows: list[Any]) -> list[Any]:
        # changed_at is the record time of the store's write: the one column that may
        # differ between two builds
        current = [r[:22] + r[23:] for r in rows[0]]
        return [current, *rows[1:]]

    before = without_times(dump())
    con = sqlite3.connect(path)
    for table in [
        r[0]
        for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'findings_%'"
        )
    ]:
        con.execute(f"DROP TABLE {table}")
    con.commit()
    con.close()
    Watcher(log, pack, clock=clock).run(once=True)
    assert without_times(dump()) == before
    log.close()


def test_a_deadline_breaches_when_real_time_reaches_it(tmp_path: Path, pack: RulePack) -> None:
    """No event comes; the clock alone raises the breach, dated at the breach."""
    log = open_log(str(tmp_path / "comity.db"), create=True)
    log.append(lapse_case())
    clock = Clock(dt.datetime(2019, 9, 6, 12, tzinfo=dt.UTC))
    watcher = Watcher(log, pack, clock=clock)
    cut = watcher.catch_up()
    with FindingsStore.of(log) as store:
        _, deadlines = store.open_deadlines()
        assert [(d.rule, d.breach_at) for d in deadlines] == [("DL-001", dt.date(2019, 9, 7))]
        clock.now = dt.datetime(2019, 9, 7, 0, 0, 1, tzinfo=dt.UTC)
        cut = watcher.catch_up(cut)
        _, found = store.findings(code="order_expired")
        assert [(f.raised_at, f.status) for f in found] == [("2019-09-07", "open")]
        (change,) = [c for c in store.history() if c.finding_id == found[0].finding_id]
        assert (change.change, change.cause, change.position) == ("raised", "clock", None)
        assert change.clock == "2019-09-07T00:00:00Z"  # the breach instant that raised it
        _, deadlines = store.open_deadlines()
        assert deadlines == []
        mine, theirs = replay_document(log, pack, store)
        assert mine == theirs
    watcher.close()
    log.close()


def test_a_new_rule_pack_builds_a_generation_and_switches(tmp_path: Path, pack: RulePack) -> None:
    """Readers see the old generation whole until the new one has caught up, then the
    new one whole; the pack is archived and exports back to its digest."""
    import random

    events = strategies.random_case_log(random.Random(3), cases=8, max_size=25)
    log = open_log(str(tmp_path / "comity.db"), create=True)
    log.append(events)
    clock = Clock(dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    Watcher(log, pack, clock=clock).run(once=True)
    user = tmp_path / "mine" / "params"
    user.mkdir(parents=True)
    (user / "policy.toml").write_text(
        (builtin_dirs()[1] / "policy.toml")
        .read_text(encoding="utf-8")
        .replace("amount = 14", "amount = 15", 1),
        encoding="utf-8",
    )
    other = load_pack(tmp_path / "mine")
    assert other.digest != pack.digest
    seen: list[set[str]] = []
    store = FindingsStore.of(log)

    def look(_: Any) -> None:
        _, found = store.findings()
        seen.append({f.data["rulepack"] for f in found})

    watcher = Watcher(log, other, rule_dirs=[str(tmp_path / "mine")], clock=clock, progress=look)
    cut = watcher.run(once=True)
    assert cut.state == "current" and cut.rulepack == other.digest
    assert seen and all(s == {pack.digest} for s in seen)  # never a mix, never the new one
    _, found = store.findings()
    assert {f.data["rulepack"] for f in found} == {other.digest}
    assert [g.state for g in store.generations()] == ["retired", "current"]

    out = tmp_path / "export"
    report = export_pack(store, other.digest, out)
    assert report.problem is None and report.round_trips
    assert load_pack(out).digest == other.digest
    store.close()
    log.close()


def test_an_exported_pack_loads_to_its_digest_after_the_built_in_pack_changed(
    tmp_path: Path, pack: RulePack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pack archived under one built-in pack exports to a whole pack directory that
    loads to the archived digest under a comity whose built-in pack has since gained
    a rule and changed a parameter (a modified copy stands for that comity)."""
    import random
    import shutil

    log = open_log(str(tmp_path / "comity.db"), create=True)
    log.append(strategies.random_case_log(random.Random(4), cases=3, max_size=10))
    user = tmp_path / "mine" / "params"
    user.mkdir(parents=True)
    (user / "policy.toml").write_text(
        (builtin_dirs()[1] / "policy.toml")
        .read_text(encoding="utf-8")
        .replace("amount = 14", "amount = 16", 1),
        encoding="utf-8",
    )
    mine = load_pack(tmp_path / "mine")
    Watcher(log, mine, rule_dirs=[str(tmp_path / "mine")], clock=Clock(_now())).run(once=True)

    later = tmp_path / "later"
    shutil.copytree(builtin_dirs()[0].parent, later)
    rules = later / "rules" / "overlaps.toml"
    first = rules.read_text(encoding="utf-8")
    start = first.index("[[rule]]")
    end = first.index("[[rule]]", start + 1)
    added = first[start:end].replace('id = "', 'id = "ZZ-', 1)
    rules.write_text(first + "\n" + added, encoding="utf-8")
    ch = later / "params" / "ch.toml"
    ch.write_text(ch.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    params = later / "params" / "policy.toml"
    params.write_text(
        params.read_text(encoding="utf-8").replace("amount = 14", "amount = 15", 1),
        encoding="utf-8",
    )
    monkeypatch.setattr(
        "comity.rules.pack.builtin_dirs", lambda: (later / "rules", later / "params")
    )
    assert load_pack().digest != pack.digest  # the built-in pack did change
    assert load_pack(tmp_path / "mine").digest != mine.digest

    out = tmp_path / "export"
    with FindingsStore.of(log) as store:
        report = export_pack(store, mine.digest[:12], out)
    assert report.problem is None and report.round_trips and report.digest == mine.digest
    assert load_pack(out).digest == mine.digest
    assert load_pack(out, builtin=False).digest == mine.digest
    # A directory given after the whole pack layers over it, as over the built-in one.
    assert load_pack(out, tmp_path / "mine").digest == mine.digest
    log.close()


def test_a_pack_manifest_that_names_no_layers_is_one_clear_error(tmp_path: Path) -> None:
    from comity.errors import RulePackError
    from comity.rules.pack import PACK_FILE

    (tmp_path / PACK_FILE).write_text('{"layers": ["../elsewhere"]}', encoding="utf-8")
    with pytest.raises(RulePackError, match="not a pack manifest"):
        load_pack(tmp_path)


def _now() -> dt.datetime:
    return dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
