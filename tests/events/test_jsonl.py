"""Reading JSON Lines: a good file in order, and every kind of bad input refused with
its line number and field path, all problems of a file reported together."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import strategies
from comity.errors import EventFormatError, Problem
from comity.events import (
    AssetLocated,
    CaseOpened,
    Event,
    Money,
    OrderIssued,
    TransferDetected,
    encode_event,
    parse_jsonl,
)
from comity.events.jsonl import MAX_LINE_BYTES, MAX_PROBLEMS

SOURCE = "events.jsonl"

OPENED = CaseOpened(
    event_id="evt-0001",
    case_id="PA-2019-0042",
    occurred_at=dt.date(2019, 7, 24),
    lead_jurisdiction="PA",
    offences=("drug_trafficking", "money_laundering"),
)
ASSET = AssetLocated(
    event_id="evt-0002",
    case_id="PA-2019-0042",
    occurred_at=dt.date(2019, 8, 1),
    asset_id="A1",
    asset_type="bank_account",
    jurisdiction="CH",
    holder="Société Écran SA",
    value=Money(amount=Decimal("150000.00"), currency="USD"),
)
ORDER = OrderIssued(
    event_id="evt-0003",
    case_id="PA-2019-0042",
    occurred_at=dt.date(2019, 8, 5),
    order_id="O1",
    order_type="freeze",
    issuing_jurisdiction="PA",
    asset_ids=("A1",),
    expires_on=dt.date(2020, 2, 5),
)
TRANSFER = TransferDetected(
    event_id="evt-0004",
    case_id="PA-2019-0042",
    occurred_at=dt.datetime(2019, 9, 2, 14, 30, tzinfo=dt.UTC),
    transfer_id="T1",
    from_asset_id="A1",
    from_jurisdiction="CH",
    to_jurisdiction="US",
    amount=Money(amount=Decimal("1000.50"), currency="USD"),
)
GOOD = [OPENED, ASSET, ORDER, TRANSFER]


def line(obj: Any) -> bytes:
    """One JSON Lines line, as a file yields it (newline included)."""
    if not isinstance(obj, dict):
        obj = encode_event(obj)
    return json.dumps(obj, ensure_ascii=False).encode("utf-8") + b"\n"


def doc(event: Event, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(json.dumps(encode_event(event)))
    for key, value in changes.items():
        if value is ...:
            del data[key]
        else:
            data[key] = value
    return data


def problems_of(lines: list[bytes]) -> list[Problem]:
    with pytest.raises(EventFormatError) as info:
        parse_jsonl(lines, source=SOURCE)
    return list(info.value.problems)


def where(problems: list[Problem]) -> list[tuple[int | None, str]]:
    return [(p.line, p.path) for p in problems]


# --------------------------------------------------------------------------- good input


def test_a_good_file_is_parsed_in_order() -> None:
    assert parse_jsonl([line(e) for e in GOOD], source=SOURCE) == GOOD


def test_a_good_file_read_from_disk(tmp_path: Path) -> None:
    path = tmp_path / SOURCE
    path.write_bytes(b"".join(line(e) for e in GOOD))
    with path.open("rb") as f:
        assert parse_jsonl(f, source=SOURCE) == GOOD


def test_windows_line_endings_a_bom_and_no_final_newline_are_accepted() -> None:
    lines = [line(e).replace(b"\n", b"\r\n") for e in GOOD]
    lines[0] = b"\xef\xbb\xbf" + lines[0]
    lines[-1] = lines[-1].rstrip(b"\r\n")
    assert parse_jsonl(lines, source=SOURCE) == GOOD


def test_null_for_an_optional_field_is_absent() -> None:
    assert parse_jsonl([line(doc(OPENED, title=None, source=None))], source=SOURCE) == [OPENED]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(strategies.events, min_size=1, max_size=6, unique_by=lambda e: e.event_id))
def test_any_valid_events_round_trip_through_jsonl(events: list[Event]) -> None:
    assert parse_jsonl([line(e) for e in events], source=SOURCE) == events


# ---------------------------------------------------------------- bad input, one line each


BAD_LINES = [
    pytest.param(b'{"type": "case_opened", "event_id": \n', "", "malformed JSON", id="malformed"),
    pytest.param(b"{'type': 'case_opened'}\n", "", "malformed JSON", id="single-quotes"),
    pytest.param(b'{"a": 1} {"b": 2}\n', "", "malformed JSON", id="two-objects-on-a-line"),
    pytest.param(b"\xef\xbb\xbf{}\n", "", "malformed JSON", id="bom-not-on-line-1"),
    pytest.param(
        b"[" * 100_000 + b"]" * 100_000 + b"\n", "", "nested more than 16 deep", id="deep"
    ),
    pytest.param(
        b'{"schema_version": ' + b"9" * 5000 + b"}\n",
        "",
        "an integer has 5000 digits",
        id="huge-int",
    ),
    pytest.param(b"[1, 2]\n", "", "expected a JSON object", id="not-an-object"),
    pytest.param(b"\n", "", "blank line", id="blank"),
    pytest.param(b"   \t\r\n", "", "blank line", id="whitespace-only"),
    pytest.param(b"\xff\xfe{}\n", "", "not UTF-8 (byte 1)", id="not-utf8"),
    pytest.param(
        line(doc(ASSET)).replace("Société".encode(), "Société".encode("latin-1")),
        "",
        "not UTF-8",
        id="latin-1",
    ),
    pytest.param(
        line(doc(OPENED, type="case_reopened")),
        "type",
        'unknown event type "case_reopened"',
        id="type",
    ),
    pytest.param(line(doc(OPENED, type=...)), "type", "is required", id="no-type"),
    pytest.param(line(doc(OPENED, judge="X")), "judge", "unknown field", id="unknown-field"),
    pytest.param(
        line(doc(ASSET, value={"amount": "1", "currency": "USD", "fx": "1.1"})),
        "value.fx",
        "unknown field",
        id="unknown-field-in-money",
    ),
    pytest.param(line(doc(OPENED, event_id=...)), "event_id", "is required", id="missing"),
    pytest.param(line(doc(OPENED, event_id="")), "event_id", 'got ""', id="empty-id"),
    pytest.param(line(doc(OPENED, case_id="C" * 129)), "case_id", "1 to 128", id="long-id"),
    pytest.param(line(doc(OPENED, case_id=42)), "case_id", "the number 42", id="int-id"),
    pytest.param(line(doc(OPENED, offences="fraud")), "offences", 'got "fraud"', id="not-a-list"),
    pytest.param(
        line(doc(OPENED, offences=["fraud", "theft"])), "offences[1]", '"theft"', id="enum"
    ),
    pytest.param(line(doc(ORDER, final="true")), "final", 'got "true"', id="bool-as-string"),
    pytest.param(line(doc(ORDER, asset_ids=["A1", 2])), "asset_ids[1]", "number 2", id="id-item"),
    pytest.param(
        line(doc(OPENED, lead_jurisdiction="pa")), "lead_jurisdiction", '"pa"', id="lowercase"
    ),
    pytest.param(
        line(doc(OPENED, occurred_at="24/07/2019")), "occurred_at", '"24/07/2019"', id="date"
    ),
    pytest.param(
        line(doc(OPENED, occurred_at="2019-02-29")), "occurred_at", '"2019-02-29"', id="no-such-day"
    ),
    pytest.param(
        line(doc(ORDER, expires_on="2020-02-05T00:00:00Z")),
        "expires_on",
        "ISO date",
        id="not-a-date",
    ),
    pytest.param(
        line(doc(TRANSFER, occurred_at="2019-09-02T14:30:00")),
        "occurred_at",
        "ending in Z or an offset",
        id="naive-datetime",
    ),
    pytest.param(
        line(doc(TRANSFER, occurred_at="2019-09-02T16:30:00+15:00")),
        "occurred_at",
        "an offset from -14:00 to +14:00",
        id="offset-datetime",
    ),
    pytest.param(
        line(doc(TRANSFER, amount={"amount": 1000.5, "currency": "USD"})),
        "amount.amount",
        "the number 1000.5",
        id="float-amount",
    ),
    pytest.param(
        line(doc(TRANSFER, amount={"amount": "-1000.50", "currency": "USD"})),
        "amount.amount",
        '"-1000.50"',
        id="negative-amount",
    ),
    pytest.param(
        line(doc(TRANSFER, amount={"amount": "1000.50", "currency": "usd"})),
        "amount.currency",
        '"usd"',
        id="currency",
    ),
    pytest.param(line(doc(OPENED, schema_version="1")), "schema_version", '"1"', id="int"),
    pytest.param(
        line(OPENED).replace(b'"schema_version": 1', b'"schema_version": NaN'),
        "",
        "NaN is not a JSON value",
        id="nan",
    ),
    pytest.param(
        line(OPENED).replace(
            b'"type": "case_opened"', b'"type": "case_opened", "type": "case_closed"'
        ),
        "",
        'the key "type" appears twice in one object',
        id="duplicate-type",
    ),
    pytest.param(
        line(ASSET).replace(b'"currency": "USD"', b'"currency": "USD", "amount": "1"'),
        "",
        'the key "amount" appears twice in one object',
        id="duplicate-amount",
    ),
    pytest.param(line(doc(OPENED, seq=1)), "seq", "set by the log", id="seq"),
    pytest.param(
        line(doc(OPENED, recorded_at="2019-07-24T00:00:00Z")),
        "recorded_at",
        "set by the log",
        id="recorded_at",
    ),
    pytest.param(line(doc(OPENED, position=7)), "position", "set by the log", id="position"),
]


@pytest.mark.parametrize(("bad", "path", "says"), BAD_LINES)
def test_a_bad_line_is_refused_with_its_line_number_and_field_path(
    bad: bytes, path: str, says: str
) -> None:
    lines = [line(OPENED), line(ASSET), bad, line(ORDER)]
    problems = problems_of(lines)
    assert where(problems) == [(3, path)], problems
    assert says in problems[0].message
    assert problems[0].source == SOURCE
    assert str(problems[0]).startswith(f"{SOURCE}:3: {path + ': ' if path else ''}")


def test_the_design_example_message() -> None:
    lines = [line(doc(OPENED, event_id=f"evt-{n}")) for n in range(1, 17)]
    lines.append(line(doc(OPENED, event_id="evt-17", occurred_at="24/07/2019")))
    (problem,) = problems_of(lines)
    assert str(problem) == (
        "events.jsonl:17: occurred_at: expected an ISO date (YYYY-MM-DD) or datetime "
        '(YYYY-MM-DDTHH:MM:SSZ), got "24/07/2019"'
    )


def test_a_line_over_one_mebibyte_is_refused_unread() -> None:
    long = line(doc(OPENED, title="x" * MAX_LINE_BYTES))
    assert len(long) > MAX_LINE_BYTES
    problems = problems_of([line(ASSET), long])
    assert where(problems) == [(2, "")]
    assert f"at most {MAX_LINE_BYTES}" in problems[0].message


def test_a_line_of_exactly_the_limit_is_read() -> None:
    filler = MAX_LINE_BYTES - len(line(doc(ASSET, description="")))
    text = "x" * filler
    exact = line(doc(ASSET, description=text))
    assert len(exact) == MAX_LINE_BYTES
    # read, then refused for what it says (the text limit), not for its size
    (problem,) = problems_of([exact])
    assert (problem.line, problem.path) == (1, "description")


@pytest.mark.parametrize("lines", [[], [b""]], ids=["no-lines", "one-empty-line"])
def test_an_empty_file_is_refused(lines: list[bytes]) -> None:
    problems = problems_of(lines)
    assert len(problems) == 1
    if lines:
        assert where(problems) == [(1, "")]
        assert "blank line" in problems[0].message
    else:
        assert where(problems) == [(None, "")]
        assert "empty input" in problems[0].message
        assert str(problems[0]) == f"{SOURCE}: empty input: no events to append"


def test_the_same_event_id_twice_in_one_batch() -> None:
    again = doc(ORDER, event_id=OPENED.event_id)
    problems = problems_of([line(OPENED), line(ASSET), line(again)])
    assert where(problems) == [(3, "event_id")]
    assert "already appears on line 1" in problems[0].message


def test_the_same_event_twice_in_one_batch() -> None:
    problems = problems_of([line(OPENED), line(OPENED)])
    assert where(problems) == [(2, "event_id")]


# --------------------------------------------------------------------------- many problems


def test_every_problem_of_a_file_is_reported_together_in_line_order() -> None:
    lines = [
        line(OPENED),
        b"not json\n",
        line(doc(ASSET, asset_type="yacht", jurisdiction="ch")),
        b"\n",
        line(ORDER),
        line(doc(TRANSFER, amount={"amount": 5.0, "currency": "USD"}, seq=4)),
        b"\xc3\x28\n",
        line(doc(ORDER, event_id=ORDER.event_id)),
        line(doc(OPENED, event_id="evt-9", occurred_at="2019-13-01")),
    ]
    problems = problems_of(lines)
    assert where(problems) == [
        (2, ""),
        (3, "asset_type"),
        (3, "jurisdiction"),
        (4, ""),
        (6, "seq"),  # the log's own field is named first; fix it and the rest shows
        (7, ""),
        (8, "event_id"),
        (9, "occurred_at"),
    ]


def test_problems_stop_at_a_readable_number() -> None:
    problems = problems_of([b"oops\n"] * (MAX_PROBLEMS * 3))
    assert MAX_PROBLEMS <= len(problems) < MAX_PROBLEMS * 3


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(data=st.data())
def test_a_broken_event_anywhere_in_a_file_is_named_by_line_and_path(
    data: st.DataObject,
) -> None:
    good = data.draw(
        st.lists(strategies.events, min_size=1, max_size=5, unique_by=lambda e: e.event_id)
    )
    victim = data.draw(st.sampled_from(good))
    bad = data.draw(strategies.broken(victim))
    at = good.index(victim)
    lines = [line(e) for e in good]
    lines[at] = line(bad.doc)
    problems = problems_of(lines)
    assert where(problems) == [(at + 1, bad.path)], (bad, problems)


def test_an_instant_with_an_offset_is_the_same_event_as_its_utc_form() -> None:
    # Panama writes local time (-05:00); the stored body is the UTC form, so that the
    # hash and the idempotency check do not depend on how the writer spelt the instant.
    local = line(doc(TRANSFER, occurred_at="2019-09-02T09:30:00-05:00"))
    (event,) = parse_jsonl([local], source=SOURCE)
    assert event == TRANSFER
    assert encode_event(event)["occurred_at"] == "2019-09-02T14:30:00Z"
