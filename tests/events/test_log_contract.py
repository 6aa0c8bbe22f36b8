"""The log's contract (docs/store.md), run against every backend.

Every test takes its log from the `log` fixture or the `log_factory` fixture
(tests/events/conftest.py), which is parametrised over the backends; a new backend
joins by adding a param there. Nothing here knows which backend it is testing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import TYPE_CHECKING

import attrs
import pytest

from comity.errors import ChainBroken, ConcurrencyConflict, DuplicateEventError, StoreError
from comity.events import (
    GENESIS_HASH,
    Event,
    EventLog,
    Head,
    StoredEvent,
    canonical_json,
    verify_records,
)
from comity.events._memory import MemoryLog

if TYPE_CHECKING:  # the fixtures' classes (tests/events/conftest.py)
    from events.conftest import EventMaker, FakeClock, LogFactory

# The fixtures (tests/events/conftest.py): `log` a fresh log of the backend under test on
# the `clock` fixture (a FakeClock), `log_factory` more logs of that backend, `ev` an
# EventMaker, `new_clock` / `new_ev` the two classes.
T0 = dt.datetime(2024, 3, 1, 9, 0, tzinfo=dt.UTC)


def positions(events: object) -> list[int]:
    return [s.position for s in events]  # type: ignore[attr-defined]


def fill(log: EventLog, ev: EventMaker, clock: FakeClock | None = None) -> list[StoredEvent]:
    """Three batches over three cases, interleaved; returns what was stored."""
    stored: list[StoredEvent] = []
    c1, c2, c3 = ev.case("c1", 4), ev.case("c2", 3), ev.case("c3", 2)
    for batch in ([c1[0], c1[1], c2[0]], [c2[1], c1[2], c3[0], c2[2]], [c1[3], c3[1]]):
        stored.extend(log.append(batch).stored)
        if clock is not None:
            clock.set(clock.now + dt.timedelta(minutes=5))
    return stored


def assert_unchanged(log: EventLog, head: Head, count: int) -> None:
    assert log.head() == head
    assert len(list(log.read())) == count
    assert verify_records(log.raw_records()).head == head


# -- the empty log --------------------------------------------------------------------


def test_a_new_log_is_empty_and_verifies(log: EventLog) -> None:
    assert isinstance(log, EventLog)
    assert log.head() == Head(0, GENESIS_HASH)
    assert list(log.read()) == []
    assert list(log.read_case("c1")) == []
    assert list(log.case_ids()) == []
    assert list(log.raw_records()) == []
    assert log.last_seq("c1") == 0
    assert verify_records(log.raw_records()).records == 0


def test_an_empty_batch_stores_nothing(log: EventLog) -> None:
    result = log.append([])
    assert (result.stored, result.already_stored) == ((), ())
    assert log.head() == Head(0, GENESIS_HASH)


# -- numbering ------------------------------------------------------------------------


def test_append_numbers_position_globally_and_seq_per_case(log: EventLog, ev: EventMaker) -> None:
    c1, c2 = ev.case("c1", 3), ev.case("c2", 2)
    batch = [c1[0], c2[0], c1[1], c2[1], c1[2]]
    result = log.append(batch)
    assert positions(result.stored) == [1, 2, 3, 4, 5]
    assert [(s.case_id, s.seq) for s in result.stored] == [
        ("c1", 1),
        ("c2", 1),
        ("c1", 2),
        ("c2", 2),
        ("c1", 3),
    ]
    assert [s.event for s in result.stored] == batch
    assert result.already_stored == ()

    more = log.append([*ev.case("c3", 2), ev.asset("c1")])
    assert [(s.position, s.case_id, s.seq) for s in more.stored] == [
        (6, "c3", 1),
        (7, "c3", 2),
        (8, "c1", 4),
    ]
    assert (log.last_seq("c1"), log.last_seq("c2"), log.last_seq("c3")) == (4, 2, 2)


def test_numbering_stays_gapless_across_refused_appends(log: EventLog, ev: EventMaker) -> None:
    for i in range(24):
        case = f"c{i % 4}"
        if i % 5 == 3:  # a refused append in between must not consume numbers
            with pytest.raises(ConcurrencyConflict):
                log.append([ev.asset(case)], expected_seq=log.last_seq(case) + 7)
        log.append([ev.opened(case) if i < 4 else ev.asset(case) for _ in range(1 + i % 3)])
    stored = list(log.read())
    assert positions(stored) == list(range(1, len(stored) + 1))
    for case in log.case_ids():
        assert [s.seq for s in log.read_case(case)] == list(range(1, log.last_seq(case) + 1))
    assert verify_records(log.raw_records()).records == len(stored)


def test_what_is_read_back_is_what_append_returned(log: EventLog, ev: EventMaker) -> None:
    stored = fill(log, ev)
    assert list(log.read()) == stored
    assert list(log.read_case("c2")) == [s for s in stored if s.case_id == "c2"]


# -- append-only ----------------------------------------------------------------------


def test_no_api_updates_or_deletes(log: EventLog) -> None:
    verbs: tuple[str, ...] = ("update", "delete", "remove", "truncate", "clear", "replace")
    verbs += ("drop", "edit", "amend", "rewrite", "put", "set", "pop", "purge", "erase")
    public = [name for name in dir(log) if not name.startswith("_")]
    assert [n for n in public if n.lower().startswith(verbs)] == []


def test_the_store_refuses_raw_update_and_delete(log_factory: LogFactory, ev: EventMaker) -> None:
    log = log_factory()
    log.append(ev.case("c1", 3))
    head = log.head()
    for statement in (
        "UPDATE events SET body = 'x' WHERE position = 2",
        "UPDATE events SET case_id = 'c9'",
        "DELETE FROM events WHERE position = 3",
        "DELETE FROM events",
    ):
        refusal = log_factory.raw_refusal(log, statement)
        assert refusal is not None, f"the store accepted: {statement}"
        assert "append-only" in refusal
    assert_unchanged(log, head, 3)


# -- atomic batches -------------------------------------------------------------------


def test_a_batch_with_a_clashing_id_stores_nothing(log: EventLog, ev: EventMaker) -> None:
    log.append([ev.opened("c1", "dup")])
    head = log.head()
    clash = ev.opened("c2", "dup", title="another case")
    batch: list[Event] = [ev.opened("c3"), ev.asset("c3"), clash, ev.asset("c3")]
    with pytest.raises(DuplicateEventError) as info:
        log.append(batch)
    assert info.value.event_id == "dup"
    assert "'dup'" in str(info.value)
    assert_unchanged(log, head, 1)
    assert list(log.case_ids()) == ["c1"]
    assert log.last_seq("c3") == 0


def test_a_batch_with_a_stale_expected_seq_stores_nothing(log: EventLog, ev: EventMaker) -> None:
    log.append([ev.opened("c1"), ev.opened("c2")])
    head = log.head()
    with pytest.raises(ConcurrencyConflict):
        log.append(
            [ev.asset("c1"), ev.asset("c2"), ev.opened("c3")],
            expected_seq={"c1": 1, "c2": 0},  # c2 is stale
        )
    assert_unchanged(log, head, 2)
    assert log.last_seq("c1") == 1


def test_one_id_twice_in_a_batch_with_different_content_is_refused(
    log: EventLog, ev: EventMaker
) -> None:
    a = ev.opened("c1", "x-1")
    with pytest.raises(DuplicateEventError) as info:
        log.append([a, ev.asset("c1"), attrs.evolve(a, title="changed")])
    assert info.value.event_id == "x-1"
    assert log.head() == Head(0, GENESIS_HASH)


def test_one_event_twice_in_a_batch_is_stored_once(log: EventLog, ev: EventMaker) -> None:
    a, b = ev.opened("c1"), ev.asset("c1")
    result = log.append([a, b, a])
    assert [s.event for s in result.stored] == [a, b]
    assert log.last_seq("c1") == 2


# -- idempotency ----------------------------------------------------------------------


def test_reappending_identical_events_is_a_noop(log: EventLog, ev: EventMaker) -> None:
    batch = ev.case("c1", 3)
    log.append(batch)
    head = log.head()
    again = log.append(batch)
    assert again.stored == ()
    assert again.already_stored == tuple(sorted(e.event_id for e in batch))
    assert_unchanged(log, head, 3)


def test_a_partly_known_batch_stores_only_the_new_events(log: EventLog, ev: EventMaker) -> None:
    batch = ev.case("c1", 2)
    log.append(batch)
    new = ev.asset("c1")
    result = log.append([batch[1], new, batch[0]])
    assert [(s.event, s.seq, s.position) for s in result.stored] == [(new, 3, 3)]
    assert result.already_stored == tuple(sorted(e.event_id for e in batch))


def test_a_retry_after_success_is_a_noop_even_with_its_old_expected_seq(
    log: EventLog, ev: EventMaker
) -> None:
    batch: list[Event] = [ev.opened("c1"), ev.asset("c1")]
    log.append(batch, expected_seq=0)
    head = log.head()
    retry = log.append(batch, expected_seq=0)  # the writer never saw the first answer
    assert retry.stored == ()
    assert set(retry.already_stored) == {e.event_id for e in batch}
    assert log.head() == head


def test_a_known_id_with_different_content_is_refused(log: EventLog, ev: EventMaker) -> None:
    original = ev.opened("c1", "case-1-opened")
    log.append([original, ev.asset("c1")])
    head = log.head()
    for changed in (
        attrs.evolve(original, title="changed"),
        attrs.evolve(original, occurred_at=dt.date(2019, 7, 25)),
        attrs.evolve(original, case_id="c2"),
        ev.asset("c1", "case-1-opened"),  # another type altogether
    ):
        with pytest.raises(DuplicateEventError) as info:
            log.append([ev.asset("c1"), changed])
        assert info.value.event_id == "case-1-opened"
        assert "'case-1-opened'" in str(info.value)
        assert_unchanged(log, head, 2)


# -- optimistic concurrency -----------------------------------------------------------


def test_expected_seq_guards_a_case(log: EventLog, ev: EventMaker) -> None:
    log.append([ev.opened("c1")], expected_seq=0)
    log.append([ev.asset("c1")], expected_seq=1)
    head = log.head()
    with pytest.raises(ConcurrencyConflict) as info:
        log.append([ev.asset("c1")], expected_seq=1)
    assert (info.value.case_id, info.value.expected, info.value.actual) == ("c1", 1, 2)
    assert "'c1'" in str(info.value)
    assert_unchanged(log, head, 2)
    assert log.append([ev.asset("c1")], expected_seq=2).stored[0].seq == 3


def test_expected_seq_zero_means_a_new_case(log: EventLog, ev: EventMaker) -> None:
    log.append([ev.opened("c1")], expected_seq=0)
    with pytest.raises(ConcurrencyConflict) as info:
        log.append([ev.opened("c1")], expected_seq=0)
    assert (info.value.expected, info.value.actual) == (0, 1)


def test_expected_seq_mapping_for_a_batch_over_several_cases(log: EventLog, ev: EventMaker) -> None:
    log.append([ev.opened("c1"), ev.opened("c2")])
    result = log.append(
        [ev.asset("c1"), ev.asset("c2"), ev.opened("c3")], expected_seq={"c1": 1, "c2": 1, "c3": 0}
    )
    assert [(s.case_id, s.seq) for s in result.stored] == [("c1", 2), ("c2", 2), ("c3", 1)]
    head = log.head()
    # A stated case that the batch does not touch is checked as well.
    with pytest.raises(ConcurrencyConflict) as info:
        log.append([ev.asset("c1")], expected_seq={"c1": 2, "c2": 1})
    assert info.value.case_id == "c2"
    assert_unchanged(log, head, 5)
    # Cases left out of the mapping are not checked.
    assert log.append([ev.asset("c1"), ev.asset("c2")], expected_seq={"c1": 2}).stored


def test_an_integer_expected_seq_needs_a_one_case_batch(log: EventLog, ev: EventMaker) -> None:
    with pytest.raises(ValueError, match="mapping"):
        log.append([ev.opened("c1"), ev.opened("c2")], expected_seq=0)
    assert log.head() == Head(0, GENESIS_HASH)


# -- record time ----------------------------------------------------------------------


def test_recorded_at_is_set_by_the_store_in_utc(
    log: EventLog, ev: EventMaker, clock: FakeClock
) -> None:
    plus_two = dt.timezone(dt.timedelta(hours=2))
    clock.set(dt.datetime(2024, 5, 15, 12, 0, 0, 123456, tzinfo=plus_two))
    calls = clock.calls
    stored = log.append(ev.case("c1", 3)).stored
    assert clock.calls == calls + 1  # one instant for the whole batch
    expected = dt.datetime(2024, 5, 15, 10, 0, 0, 123456, tzinfo=dt.UTC)
    for record in (*stored, *log.read()):
        assert record.recorded_at == expected
        assert record.recorded_at.utcoffset() == dt.timedelta(0)
    assert {r.recorded_at for r in log.raw_records()} == {"2024-05-15T10:00:00.123456Z"}


def test_recorded_at_never_goes_backwards(log: EventLog, ev: EventMaker, clock: FakeClock) -> None:
    later, earlier = T0 + dt.timedelta(hours=1), T0 - dt.timedelta(days=3)
    clock.set(later)
    first = log.append([ev.opened("c1")]).stored[0]
    clock.set(earlier)  # the host's clock was set back
    second = log.append([ev.asset("c1"), ev.opened("c2")]).stored
    assert [s.recorded_at for s in second] == [later, later]
    clock.set(later + dt.timedelta(seconds=1))
    third = log.append([ev.asset("c2")]).stored[0]
    assert first.recorded_at <= second[0].recorded_at < third.recorded_at
    assert verify_records(log.raw_records()).records == 4


# -- the hash chain -------------------------------------------------------------------


def test_the_hash_chain(log: EventLog, ev: EventMaker) -> None:
    stored = fill(log, ev)
    raws = list(log.raw_records())
    prev = GENESIS_HASH
    for raw, event in zip(raws, stored, strict=True):
        assert raw.hash == hashlib.sha256((prev + raw.body).encode("utf-8")).hexdigest()
        assert raw.body == canonical_json(event.to_record())
        assert raw.hash == event.hash
        assert (raw.position, raw.case_id, raw.seq, raw.event_id) == (
            event.position,
            event.case_id,
            event.seq,
            event.event_id,
        )
        prev = raw.hash
    report = verify_records(log.raw_records())
    assert report.records == len(stored)
    assert report.head == log.head() == Head(len(stored), prev)
    assert log.verify() == report  # the backend's own read of its rows


def test_the_same_appends_give_the_same_bytes_in_every_backend(
    log_factory: LogFactory, ev: EventMaker, new_clock: type[FakeClock], new_ev: type[EventMaker]
) -> None:
    clocks = new_clock(), new_clock()
    log = log_factory(clock=clocks[0])
    reference = MemoryLog(clock=clocks[1])
    for clock in clocks:  # opening a store may read its clock (SQLite notes its creation)
        clock.set(clock.start)
    fill(log, ev)
    fill(reference, new_ev())
    assert list(log.raw_records()) == list(reference.raw_records())
    assert log.head() == reference.head()


# -- reads ----------------------------------------------------------------------------


def test_reads_are_lazy_iterators(log: EventLog, ev: EventMaker) -> None:
    fill(log, ev)
    for it in (log.read(), log.read_case("c1"), log.case_ids(), log.raw_records()):
        assert iter(it) is it
        assert not isinstance(it, list | tuple)


def test_read_case_in_seq_order(log: EventLog, ev: EventMaker) -> None:
    stored = fill(log, ev)
    for case in ("c1", "c2", "c3"):
        mine = list(log.read_case(case))
        assert [s.seq for s in mine] == list(range(1, len(mine) + 1))
        assert mine == [s for s in stored if s.case_id == case]
    assert list(log.read_case("nope")) == []


def test_case_ids_are_sorted(log: EventLog, ev: EventMaker) -> None:
    for case in ("m", "b", "z", "a-1", "A", "b"):
        log.append([ev.opened(case) if log.last_seq(case) == 0 else ev.asset(case)])
    assert list(log.case_ids()) == sorted({"m", "b", "z", "a-1", "A"})


def test_read_a_position_range(log: EventLog, ev: EventMaker) -> None:
    stored = fill(log, ev)
    n = len(stored)
    assert positions(log.read()) == list(range(1, n + 1))
    assert positions(log.read(after=3)) == list(range(4, n + 1))
    assert positions(log.read(until=5)) == [1, 2, 3, 4, 5]
    assert positions(log.read(after=3, until=5)) == [4, 5]
    assert positions(log.read(after=n)) == []
    assert positions(log.read(until=0)) == []
    assert positions(log.read(after=5, until=3)) == []
    assert positions(log.read(until=n + 10)) == list(range(1, n + 1))
    assert positions(log.raw_records(after=7)) == list(range(8, n + 1))


def test_reads_stream_past_any_page_size(log: EventLog, ev: EventMaker) -> None:
    many = [ev.opened(f"case-{i:04d}") for i in range(700)]
    big = ev.case("big", 800)
    log.append(many + big)
    assert positions(log.read()) == list(range(1, 1501))
    assert [s.seq for s in log.read_case("big")] == list(range(1, 801))
    assert list(log.case_ids()) == sorted([*(e.case_id for e in many), "big"])
    assert sum(1 for _ in log.raw_records()) == 1500


def test_a_read_in_progress_sees_the_log_as_it_started(log: EventLog, ev: EventMaker) -> None:
    log.append(ev.case("c1", 600))
    reading, by_case, cases = log.read(), log.read_case("c1"), log.case_ids()
    assert next(reading).position == 1
    assert next(by_case).seq == 1
    assert next(cases) == "c1"
    log.append([ev.asset("c1"), ev.opened("c0"), ev.opened("c2")])  # while reads are open
    assert positions(reading) == list(range(2, 601))
    assert [s.seq for s in by_case] == list(range(2, 601))
    assert list(cases) == []
    assert log.head().position == 603


def test_known_at_reads_what_had_been_recorded(
    log: EventLog, ev: EventMaker, clock: FakeClock
) -> None:
    t1, t2, t3 = T0, T0 + dt.timedelta(days=1), T0 + dt.timedelta(days=2)
    clock.set(t1)
    log.append([ev.opened("c1"), ev.asset("c1")])
    clock.set(t2)
    log.append([ev.opened("c2"), ev.transfer("c1")])
    clock.set(t3)
    log.append([ev.opened("c3")])

    assert positions(log.read(known_at=t1 - dt.timedelta(microseconds=1))) == []
    assert positions(log.read(known_at=t1)) == [1, 2]  # inclusive
    assert positions(log.read(known_at=t2 - dt.timedelta(microseconds=1))) == [1, 2]
    assert positions(log.read(known_at=t2)) == [1, 2, 3, 4]
    assert positions(log.read(known_at=t3 + dt.timedelta(days=99))) == [1, 2, 3, 4, 5]
    assert positions(log.read(after=1, until=3, known_at=t2)) == [2, 3]
    in_tokyo = t2.astimezone(dt.timezone(dt.timedelta(hours=9)))
    assert positions(log.read(known_at=in_tokyo)) == [1, 2, 3, 4]

    assert [s.seq for s in log.read_case("c1", known_at=t1)] == [1, 2]
    assert [s.seq for s in log.read_case("c1", known_at=t2)] == [1, 2, 3]
    assert list(log.read_case("c3", known_at=t2)) == []

    assert list(log.case_ids(known_at=t1 - dt.timedelta(seconds=1))) == []
    assert list(log.case_ids(known_at=t1)) == ["c1"]
    assert list(log.case_ids(known_at=t2)) == ["c1", "c2"]
    assert list(log.case_ids()) == ["c1", "c2", "c3"]


# -- copying a log --------------------------------------------------------------------


def test_import_into_an_empty_store_keeps_every_byte(
    log_factory: LogFactory, ev: EventMaker, new_clock: type[FakeClock]
) -> None:
    source_clock = new_clock()
    source = log_factory(clock=source_clock)
    stored = fill(source, ev, source_clock)
    copy = log_factory(clock=new_clock(start=source_clock.start - dt.timedelta(days=365)))
    assert copy.import_records(source.raw_records()) == len(stored)
    assert copy.head() == source.head()
    assert list(copy.raw_records()) == list(source.raw_records())
    assert list(copy.read()) == stored
    assert verify_records(copy.raw_records()).head == source.head()
    # The copy goes on from where the source was: seqs, positions and record time.
    more = copy.append([ev.asset("c1"), ev.opened("c4")]).stored
    assert [(s.position, s.seq) for s in more] == [(len(stored) + 1, 5), (len(stored) + 2, 1)]
    assert more[0].recorded_at == stored[-1].recorded_at  # the copy's clock is behind
    assert verify_records(copy.raw_records()).records == len(stored) + 2


def test_import_across_backends_keeps_the_head(
    log_factory: LogFactory, ev: EventMaker, new_clock: type[FakeClock]
) -> None:
    reference = MemoryLog(clock=new_clock())
    fill(reference, ev)
    log = log_factory()
    log.import_records(reference.raw_records())
    back = MemoryLog()
    back.import_records(log.raw_records())
    assert log.head() == back.head() == reference.head()


def test_import_in_parts_continues_the_chain(log_factory: LogFactory, ev: EventMaker) -> None:
    source = log_factory()
    stored = fill(source, ev)
    copy = log_factory()
    assert copy.import_records(r for r in source.raw_records() if r.position <= 4) == 4
    assert copy.import_records(source.raw_records(after=4)) == len(stored) - 4
    assert copy.head() == source.head()


def test_import_refuses_a_position_that_does_not_follow(
    log_factory: LogFactory, ev: EventMaker
) -> None:
    source = log_factory()
    fill(source, ev)
    raws = list(source.raw_records())
    copy = log_factory()
    with pytest.raises(StoreError, match="position 2"):
        copy.import_records(raws[1:])
    assert copy.head() == Head(0, GENESIS_HASH)
    copy.import_records(raws[:3])
    with pytest.raises(StoreError, match="position 3"):
        copy.import_records(raws[2:])
    assert copy.head() == Head(3, raws[2].hash)


def test_import_refuses_records_that_do_not_chain(log_factory: LogFactory, ev: EventMaker) -> None:
    source = log_factory()
    fill(source, ev)
    raws = list(source.raw_records())
    body = raws[4].body.replace('"occurred_at":"2019-', '"occurred_at":"2018-')
    assert body != raws[4].body
    for bad in (
        attrs.evolve(raws[4], hash="f" * 64),
        attrs.evolve(raws[4], body=body),  # altered, hash kept
        attrs.evolve(raws[4], seq=raws[4].seq + 1),  # columns disagree with the body
    ):
        copy = log_factory()
        with pytest.raises(ChainBroken) as info:
            copy.import_records([*raws[:4], bad, *raws[5:]])
        assert info.value.position == 5
        assert copy.head() == Head(0, GENESIS_HASH)  # all or nothing


def test_import_refuses_another_logs_history(
    log_factory: LogFactory, ev: EventMaker, new_ev: type[EventMaker]
) -> None:
    source = log_factory()
    fill(source, ev)
    copy = log_factory()
    copy.append(new_ev().case("own", 3))
    head = copy.head()
    with pytest.raises(ChainBroken) as info:
        copy.import_records(source.raw_records(after=3))
    assert info.value.position == 4
    assert_unchanged(copy, head, 3)


def test_import_refuses_an_event_id_already_stored(log_factory: LogFactory, ev: EventMaker) -> None:
    source = log_factory()
    fill(source, ev)
    raws = list(source.raw_records())
    copy = log_factory()
    copy.import_records(raws[:3])
    head = copy.head()
    # A record that chains and is well formed, but repeats the id of position 1.
    data = json.loads(raws[0].body)
    data.update(position=4, seq=copy.last_seq(data["case_id"]) + 1)
    data["recorded_at"] = raws[2].recorded_at
    body = canonical_json(data)
    forged = attrs.evolve(
        raws[0],
        position=4,
        seq=data["seq"],
        recorded_at=data["recorded_at"],
        body=body,
        hash=hashlib.sha256((head.hash + body).encode("utf-8")).hexdigest(),
    )
    with pytest.raises(StoreError, match="already stored"):
        copy.import_records([forged])
    assert_unchanged(copy, head, 3)
