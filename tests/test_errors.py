"""comity's errors: one tree, each refining the built-in it is, every one picklable and
exported, and the library's answer to a caller's mistake is one of them.

The mistakes are made through the public API (`comity.*`), as a case system embedding
comity would make them; each must be an InvalidArgument (a ValueError and a TypeError)
naming the call and the argument, on one line, with nothing written to the log.
"""

from __future__ import annotations

import datetime as dt
import importlib
import io
import pickle
import pkgutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import comity
import comity.errors
from comity.errors import (
    ChainBroken,
    ComityError,
    ConcurrencyConflict,
    DuplicateEventError,
    EngineError,
    EventFormatError,
    GenerationRetired,
    InvalidArgument,
    InvalidInput,
    LanguageError,
    NoteFormatError,
    NotRecorded,
    PreviousExportError,
    Problem,
    ProofError,
    RulePackError,
    SignatureError,
    StoreDamaged,
    StoreError,
    StoreReadOnly,
    StoreUnavailable,
    UnknownFinding,
    UnknownRule,
    VerificationFailed,
)
from pgtest import PgDatabase, pg_database  # noqa: F401 - the session's PostgreSQL database

#: One instance of every error class, with every structured field set.
SAMPLES: list[ComityError] = [
    ComityError("something failed"),
    InvalidInput("events.jsonl: cannot read it: No such file or directory"),
    InvalidArgument("append: events[0] must be an event, got a dict"),
    EventFormatError(
        [
            Problem("events.jsonl", 3, "value.amount", "expected a decimal string, got 1.5"),
            Problem("<stdin>", None, "", "empty input: no events to append"),
        ]
    ),
    RulePackError("rules/x.toml: rule X-1.when: unknown key 'wen'"),
    LanguageError("no field 'jurisdictoin'", "jurisdictoin != c.lead", 1, "rules/x.toml: rule X"),
    LanguageError("unbalanced parenthesis"),
    NoteFormatError("checkpoint.txt: not a signed note"),
    UnknownFinding("no replay of the store produced finding f-123"),
    UnknownRule("XX-999"),
    PreviousExportError("--previous old.ics: not one iCalendar object (VCALENDAR)"),
    StoreError("a read of the log ended early"),
    ConcurrencyConflict("PA-2024-0001", 2, 3),
    DuplicateEventError("pa1-1"),
    DuplicateEventError("pa1-1", "it occurs twice in this batch"),
    StoreUnavailable("comity.db: no comity store there; run `comity init`"),
    StoreReadOnly("comity.db: the file or its directory is read-only"),
    ChainBroken(7, "hash mismatch"),
    StoreDamaged(5, "records from position 5 are missing"),
    EngineError("durable refused the ruleset"),
    GenerationRetired("another watcher's rule pack took over"),
    NotRecorded("the store is read-only; nothing was shown"),
    VerificationFailed("the findings differ"),
    ProofError("inclusion proof of leaf 3 does not verify"),
    SignatureError("no valid signature by key comity-test"),
]


def _exported_error_classes() -> set[type[ComityError]]:
    return {
        obj
        for name in comity.errors.__all__
        if isinstance(obj := getattr(comity.errors, name), type) and issubclass(obj, ComityError)
    }


def _every_module() -> Iterator[str]:
    for info in pkgutil.walk_packages(comity.__path__, "comity."):
        if not info.name.endswith(".__main__"):  # importing it runs the command line
            yield info.name


def _subclasses(cls: type[ComityError]) -> set[type[ComityError]]:
    found: set[type[ComityError]] = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_subclasses(sub)}
    return found


def test_the_samples_cover_every_error_class() -> None:
    assert {type(e) for e in SAMPLES} == _exported_error_classes()


def test_every_error_class_in_the_package_is_exported_from_comity() -> None:
    """Whatever module defines a ComityError, callers catch it by a name from `comity`
    (and from `comity.errors`, where the tree is documented)."""
    for module in _every_module():
        importlib.import_module(module)
    defined = {cls for cls in _subclasses(ComityError) if cls.__module__.startswith("comity")}
    every: set[type[ComityError]] = {ComityError, *defined}
    assert every == _exported_error_classes()
    for cls in every:
        assert getattr(comity, cls.__name__) is cls, cls
        assert cls.__name__ in comity.__all__
        assert cls.__module__ == "comity.errors", f"{cls.__name__} lives in {cls.__module__}"


@pytest.mark.parametrize("error", SAMPLES, ids=lambda e: type(e).__name__)
def test_every_error_pickles_and_unpickles_equal(error: ComityError) -> None:
    back = pickle.loads(pickle.dumps(error))
    assert back == error
    assert hash(back) == hash(error)
    assert type(back) is type(error)
    assert back.args == error.args
    assert vars(back) == vars(error)  # every structured field
    assert str(back) == str(error)
    assert back.exit_code == error.exit_code


def test_errors_compare_by_type_and_fields() -> None:
    assert ChainBroken(7, "x") == ChainBroken(7, "x")
    assert ChainBroken(7, "x") != ChainBroken(8, "x")
    assert ChainBroken(7, "x") != StoreDamaged(7, "x")  # a subclass is another error
    assert StoreError("x") != InvalidInput("x")
    assert len({ConcurrencyConflict("c", 1, 2), ConcurrencyConflict("c", 1, 2)}) == 1


def test_structured_errors_keep_their_fields_and_messages() -> None:
    conflict = ConcurrencyConflict("PA-1", 2, 3)
    assert (conflict.case_id, conflict.expected, conflict.actual) == ("PA-1", 2, 3)
    assert str(conflict) == (
        "case 'PA-1': expected last seq 2, but the log is at 3; re-read the case and retry"
    )
    duplicate = DuplicateEventError("e1", "it occurs twice in this batch")
    assert (duplicate.event_id, duplicate.detail) == ("e1", "it occurs twice in this batch")
    assert str(duplicate) == (
        "event_id 'e1' is already stored with different content "
        "(it occurs twice in this batch); use a new event_id"
    )
    damaged = StoreDamaged(5, "records missing")
    assert (damaged.position, damaged.reason, damaged.exit_code) == (5, "records missing", 1)
    assert str(damaged) == (
        "the store is damaged: records missing; restore it from a backup or a copy"
    )
    problems = (Problem("f", 1, "type", "is required"), Problem("f", 2, "", "blank line"))
    bad = EventFormatError(problems)
    assert bad.problems == problems
    assert str(bad) == "f:1: type: is required\nf:2: blank line"


@pytest.mark.parametrize(
    ("cls", "builtin"),
    [
        (InvalidInput, ValueError),
        (EventFormatError, ValueError),
        (RulePackError, ValueError),
        (LanguageError, ValueError),
        (NoteFormatError, ValueError),
        (InvalidArgument, ValueError),
        (InvalidArgument, TypeError),
        (UnknownFinding, LookupError),
        (UnknownRule, KeyError),
        (UnknownRule, ValueError),
        (PreviousExportError, ValueError),
        (StoreUnavailable, OSError),
        (StoreReadOnly, OSError),
        (EngineError, RuntimeError),
    ],
)
def test_each_error_refines_the_builtin_it_is(cls: type[ComityError], builtin: type) -> None:
    assert issubclass(cls, builtin)
    assert issubclass(cls, ComityError)


def test_language_errors_are_rule_pack_errors() -> None:
    assert LanguageError.__mro__[1:3] == (RulePackError, InvalidInput)
    assert LanguageError("x").exit_code == 3


def test_an_unknown_rule_is_comitys_error_naming_the_id() -> None:
    """It was a bare KeyError: a KeyError still (code catching that keeps working), but
    one comity error among the others, saying what to do."""
    with pytest.raises(UnknownRule) as info:
        comity.load_pack().rule("XX-999")
    assert info.value.rule_id == "XX-999" and info.value.exit_code == 3
    assert str(info.value) == (
        "the rule pack has no rule 'XX-999'; `comity rules list` shows the rules it holds"
    )


def test_a_previous_export_that_is_not_one_is_bad_input() -> None:
    from comity.report.ics import read_export

    with pytest.raises(PreviousExportError, match="not an iCalendar file") as info:
        read_export(b"not a calendar\r\n")
    assert isinstance(info.value, InvalidInput) and info.value.exit_code == 3


def test_a_store_unavailable_is_an_os_error_that_prints_its_message() -> None:
    error = StoreUnavailable("comity.db: no comity store there")
    assert str(error) == "comity.db: no comity store there"
    assert error.errno is None


# -- a caller's mistakes, through the public API --------------------------------------

EVENT = {
    "type": "case_opened",
    "case_id": "PA-1",
    "event_id": "pa1-1",
    "occurred_at": "2024-03-01",
    "lead_jurisdiction": "PA",
    "offences": ["money_laundering"],
}
AS_OF = dt.date(2024, 12, 31)
AWARE = dt.datetime(2024, 12, 31, tzinfo=dt.UTC)
NAIVE = dt.datetime(2024, 12, 31)  # noqa: DTZ001 - the mistake under test


@pytest.fixture(scope="module")
def pack() -> comity.RulePack:
    return comity.load_pack()


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def log(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[comity.EventLog]:
    """A log holding one event, in each backend: the checks are the contract's."""
    if request.param == "memory":
        url = "memory:"
    elif request.param == "sqlite":
        url = str(tmp_path / "comity.db")
    else:
        database: PgDatabase = request.getfixturevalue("pg_database")
        url = database.new_url()
    log = comity.open_log(url, create=True)
    log.append([comity.decode_event(EVENT)])
    yield log
    log.close()


def _in_session(
    pack: comity.RulePack, case_id: str, use: Callable[[comity.CaseSession], Any]
) -> Any:
    """`use` a session, closed however it ends (an open one holds an engine slot)."""
    with comity.CaseSession(pack, case_id) as session:
        return use(session)


def _event(**changes: Any) -> Any:
    return comity.decode_event({**EVENT, **changes})


#: (what the caller did, the call, the words the message must hold).
MISTAKES: list[tuple[str, Callable[[comity.EventLog, comity.RulePack], Any], str]] = [
    (
        "a dict passed to append",
        lambda log, pack: log.append([EVENT]),  # type: ignore[list-item]
        r"append: events\[0\] must be an event, got a dict; make events with comity.decode_event",
    ),
    (
        "one event passed to append, not a list",
        lambda log, pack: log.append(_event(event_id="x")),
        r"append: events must be an iterable of events, got a CaseOpened; pass \[event\]",
    ),
    (
        "a good event then a dict: nothing of the batch is kept",
        lambda log, pack: log.append([_event(event_id="pa1-2"), {"type": "case_opened"}]),  # type: ignore[list-item]
        r"events\[1\] must be an event, got a dict",
    ),
    (
        "a stored event appended again",
        lambda log, pack: log.append(list(log.read_case("PA-1"))),  # type: ignore[arg-type]
        r"a stored event is already in a log; append its \.event",
    ),
    (
        "a string expected_seq",
        lambda log, pack: log.append([_event(event_id="pa1-2")], expected_seq="1"),  # type: ignore[arg-type]
        r"append: expected_seq must be None, an int, or a mapping of case id to int, got the str",
    ),
    (
        "an int expected_seq for a batch of two cases",
        lambda log, pack: log.append(
            [_event(event_id="a", case_id="A"), _event(event_id="b", case_id="B")],
            expected_seq=0,
        ),
        r"an int expected_seq needs a batch of one case; this batch has 2",
    ),
    (
        "a string as_of to replay_log",
        lambda log, pack: comity.replay_log(log, pack, as_of="2024-12-31"),  # type: ignore[arg-type]
        r"replay_log: as_of must be a date or a datetime with a time zone \(UTC\), got the str "
        r"'2024-12-31'; parse text with datetime.date.fromisoformat",
    ),
    (
        "a naive as_of to replay_log",
        lambda log, pack: comity.replay_log(log, pack, as_of=NAIVE),
        r"as_of must be a datetime with a time zone \(UTC\), got the naive datetime "
        r"2024-12-31T00:00:00; a naive datetime would be read in this machine's time zone",
    ),
    (
        "a naive known_at to replay_log",
        lambda log, pack: comity.replay_log(log, pack, as_of=AS_OF, known_at=NAIVE),
        r"replay_log: known_at must be a datetime with a time zone",
    ),
    (
        "a date as known_at",
        lambda log, pack: comity.replay_log(log, pack, as_of=AS_OF, known_at=AS_OF),  # type: ignore[arg-type]
        r"known_at must be a datetime .* got the date 2024-12-31; an instant is a datetime",
    ),
    (
        "one case id as cases",
        lambda log, pack: comity.replay_log(log, pack, as_of=AS_OF, cases="PA-1"),
        r"replay_log: cases must be a list of case ids, got the str 'PA-1'; pass \['PA-1'\]",
    ),
    (
        "a path as the pack",
        lambda log, pack: comity.replay_log(log, "rules/", as_of=AS_OF),  # type: ignore[arg-type]
        r"replay_log: pack must be a rule pack \(from comity.load_pack\(\)\)",
    ),
    (
        "a naive known_at to read_case",
        lambda log, pack: list(log.read_case("PA-1", known_at=NAIVE)),
        r"read_case: known_at must be a datetime with a time zone",
    ),
    (
        "a naive known_at to read",
        lambda log, pack: list(log.read(known_at=NAIVE)),
        r"read: known_at must be a datetime with a time zone",
    ),
    (
        "a string known_at to case_ids",
        lambda log, pack: list(log.case_ids(known_at="2024-12-31T00:00:00Z")),  # type: ignore[arg-type]
        r"case_ids: known_at must be .* got the str '2024-12-31T00:00:00Z'",
    ),
    (
        "a list as the case id of read_case",
        lambda log, pack: list(log.read_case(["PA-1"])),  # type: ignore[arg-type]
        r"read_case: case_id must be a case id \(str\), got a list",
    ),
    (
        "a number as the case id of last_seq",
        lambda log, pack: log.last_seq(1),  # type: ignore[arg-type]
        r"last_seq: case_id must be a case id \(str\), got the int 1",
    ),
    (
        "a string position to read",
        lambda log, pack: list(log.read(after="3")),  # type: ignore[arg-type]
        r"read: after must be a log position \(int\), got str",
    ),
    (
        "an unstored event to replay_case",
        lambda log, pack: comity.replay_case([_event()], pack, as_of=AS_OF),
        r"replay_case: events\[0\] must be a stored event .* append it to the log first",
    ),
    (
        "a string as_of to replay_case",
        lambda log, pack: comity.replay_case(list(log.read_case("PA-1")), pack, as_of="2024"),  # type: ignore[arg-type]
        r"replay_case: as_of must be a date",
    ),
    (
        "an unstored event given to CaseSession.apply",
        lambda log, pack: _in_session(pack, "PA-1", lambda s: s.apply(_event(event_id="pa1-9"))),
        r"CaseSession.apply: stored must be a stored event \(from a log's append or read\), "
        r"got a CaseOpened; append it to the log first",
    ),
    (
        "unstored events to start a CaseSession",
        lambda log, pack: comity.CaseSession(pack, "PA-1", [_event()]),
        r"CaseSession: events\[0\] must be a stored event",
    ),
    (
        "another case's event given to CaseSession.apply",
        lambda log, pack: _in_session(pack, "PA-2", lambda s: s.apply(next(log.read_case("PA-1")))),
        r"CaseSession.apply: event pa1-1 belongs to case PA-1, not PA-2; apply it to a session",
    ),
    (
        "a string as_of to CaseSession.advance",
        lambda log, pack: _in_session(pack, "PA-1", lambda s: s.advance("2024-12-31")),  # type: ignore[arg-type]
        r"CaseSession.advance: as_of must be a date",
    ),
    (
        "text lines given to parse_jsonl",
        lambda log, pack: comity.parse_jsonl(['{"type": "case_opened"}\n'], source="x"),  # type: ignore[list-item]
        r"parse_jsonl: line 1 is str, not bytes; it reads byte lines: a file opened with "
        r"open\(path, 'rb'\)",
    ),
    (
        "a text stream given to parse_jsonl",
        lambda log, pack: comity.parse_jsonl(io.StringIO("{}\n"), source="x"),  # type: ignore[arg-type]
        r"parse_jsonl: lines is a text stream; it reads byte lines",
    ),
    (
        "one bytes value given to parse_jsonl",
        lambda log, pack: comity.parse_jsonl(b"{}\n", source="x"),  # type: ignore[arg-type]
        r"parse_jsonl: lines must be an iterable of byte lines.*io.BytesIO\(data\); got bytes",
    ),
    (
        "a dict given to encode_event",
        lambda log, pack: comity.encode_event(EVENT),  # type: ignore[arg-type]
        r"encode_event: event must be one of comity's events, got dict",
    ),
    (
        "dicts given to verify_records",
        lambda log, pack: comity.verify_records([{"position": 1}]),  # type: ignore[list-item]
        r"verify_records: records\[0\] must be a RawRecord",
    ),
    (
        "a list of directories given to load_pack",
        lambda log, pack: comity.load_pack(["a", "b"]),  # type: ignore[arg-type]
        r"load_pack: each directory must be a path .* got list; "
        r"pass several as load_pack\(\*dirs\)",
    ),
    (
        "a number as the store",
        lambda log, pack: comity.open_log(5),  # type: ignore[arg-type]
        r"open_log: url must be a path or a store URL \(str\), got int",
    ),
    (
        "a store path as the Watcher's log",
        lambda log, pack: comity.Watcher("comity.db", pack),  # type: ignore[arg-type]
        r"Watcher: log must be an open log \(from comity.open_log\), got the str 'comity.db'",
    ),
    (
        "a string position to follow",
        lambda log, pack: next(comity.events.follow(log, after="0")),  # type: ignore[arg-type]
        r"follow: after must be a log position \(int\), got str",
    ),
]


@pytest.mark.parametrize(("mistake", "call", "says"), MISTAKES, ids=[m[0] for m in MISTAKES])
def test_a_callers_mistake_is_an_invalid_argument(
    log: comity.EventLog,
    pack: comity.RulePack,
    mistake: str,
    call: Callable[[comity.EventLog, comity.RulePack], Any],
    says: str,
) -> None:
    before = log.head()
    with pytest.raises(comity.InvalidArgument, match=says) as info:
        call(log, pack)
    error = info.value
    assert isinstance(error, ValueError) and isinstance(error, TypeError)
    assert error.exit_code == 3
    assert "\n" not in str(error)
    assert log.head() == before  # nothing was written
    assert pickle.loads(pickle.dumps(error)) == error


def test_replay_log_checks_its_arguments_when_called_not_when_read(
    log: comity.EventLog, pack: comity.RulePack
) -> None:
    """A wrong as_of used to give every case a failed result, one by one, once read."""
    with pytest.raises(InvalidArgument):
        comity.replay_log(log, pack, as_of=None)  # type: ignore[arg-type]
    later = dt.datetime(2199, 1, 1, tzinfo=dt.UTC)  # after the event was recorded
    (result,) = comity.replay_log(log, pack, as_of=AWARE, known_at=later, cases=["PA-1"])
    assert result.error is None


def test_a_findings_stores_arguments_are_checked(tmp_path: Path, pack: comity.RulePack) -> None:
    log = comity.open_log(tmp_path / "comity.db", create=True)  # a Path is a path
    try:
        log.append([comity.decode_event(EVENT)])
        comity.Watcher(log, pack, clock=lambda: AWARE).run(once=True)
        with comity.FindingsStore.of(log) as store:
            calls: list[tuple[Callable[[], object], str]] = [
                (lambda: store.findings(cases="PA-1"), r"cases must be a list of case ids"),
                (lambda: store.findings(since=NAIVE), r"since must be a datetime with a time"),
                (lambda: store.case_results(cases="PA-1"), r"case_results: cases must be a list"),
                (
                    lambda: store.open_deadlines(breach_until="2027-01-15"),
                    r"breach_until must be an instant, YYYY-MM-DDTHH:MM:SSZ or a datetime",
                ),
                (lambda: store.history(limit="10"), r"history: limit must be an int"),  # type: ignore[arg-type]
            ]
            for call, says in calls:
                with pytest.raises(InvalidArgument, match=says):
                    call()
            # What the checks let through still answers as before.
            assert store.findings(cases=["PA-1"]) == store.findings()
            by_text = store.open_deadlines(breach_until="2027-01-15T00:00:00Z")
            at = dt.datetime(2027, 1, 15, tzinfo=dt.UTC)
            assert store.open_deadlines(breach_until=at) == by_text
    finally:
        log.close()


def test_a_watcher_refuses_what_is_not_a_rule_pack(log: comity.EventLog) -> None:
    with pytest.raises(InvalidArgument, match=r"Watcher: pack must be a rule pack"):
        comity.Watcher(log, "rules/")  # type: ignore[arg-type]
