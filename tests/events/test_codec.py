"""The v1 codec and the JSON Schema: round trips, agreement, and the errors users read.

The agreement tests run generated good and broken documents through both the codec
(`decode_event`) and the schema (`event_schema()` under a draft 2020-12 validator that
asserts formats): both must accept every good one and refuse every broken one, so a
change to either side alone fails here.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import json
import re
from decimal import Decimal
from typing import Any

import attrs
import jsonschema
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import strategies
from comity.errors import EventFormatError, Problem
from comity.events import (
    EVENT_TYPES,
    AssetLocated,
    Event,
    Money,
    OrderIssued,
    TransferDetected,
    canonical_json,
    check_event,
    decode_event,
    encode_event,
    event_schema,
)
from comity.events.codec import (
    ID_MAX,
    TEXT_MAX,
    canonical_json_strict,
    parse_date,
    parse_datetime,
)
from comity.events.schema import SCHEMA_ID

TAGS = list(EVENT_TYPES)
FAST = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
Validator = jsonschema.Draft202012Validator
SCHEMA = event_schema()
VALIDATOR = Validator(SCHEMA, format_checker=Validator.FORMAT_CHECKER)


@functools.cache
def sub_validator(name: str) -> jsonschema.protocols.Validator:
    """A validator for one of the schema's $defs (a date, an id, ...)."""
    schema = {"$defs": SCHEMA["$defs"], "$ref": f"#/$defs/{name}"}
    return Validator(schema, format_checker=Validator.FORMAT_CHECKER)


def codec_problems(doc: Any) -> list[Problem] | None:
    """The codec's problems with `doc`, or None if it accepts it."""
    try:
        decode_event(doc)
    except EventFormatError as exc:
        return list(exc.problems)
    return None


def wire(event: Event) -> dict[str, Any]:
    """The event as a JSON reader would see it."""
    data: dict[str, Any] = json.loads(json.dumps(encode_event(event)))
    return data


# --------------------------------------------------------------------------- round trips


def _per_type(full: bool) -> list[Any]:
    table = strategies.FULL_EVENTS_BY_TYPE if full else strategies.EVENTS_BY_TYPE
    return [pytest.param(table[tag], id=f"{tag}{'-full' if full else ''}") for tag in TAGS]


@pytest.mark.parametrize("events", _per_type(False) + _per_type(True))
@FAST
@given(data=st.data())
def test_round_trip(events: st.SearchStrategy[Event], data: st.DataObject) -> None:
    event = data.draw(events)
    encoded = encode_event(event)
    assert decode_event(json.loads(json.dumps(encoded))) == event
    # the canonical form is stable: re-encoding what was read gives the same text
    text = canonical_json(encoded)
    assert canonical_json(encode_event(decode_event(json.loads(text)))) == text
    assert text == canonical_json(json.loads(text))
    # orjson writes it; the json module's form is what the log has always stored
    assert text == canonical_json_strict(encoded)


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(value=st.dictionaries(st.text(), _JSON_VALUES, max_size=6))
def test_canonical_json_is_the_json_modules_form(value: dict[str, Any]) -> None:
    """Any text (escapes, astral code points, key order), any integer (beyond 64 bits
    too), booleans, null, lists and objects: byte for byte what json.dumps writes."""
    assert canonical_json(value) == canonical_json_strict(value)


def test_canonical_json_over_every_code_point() -> None:
    chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    for start in range(0, len(chars), 4096):
        chunk = chars[start : start + 4096]
        value = {c: [c, "a" + c] for c in chunk}
        assert canonical_json(value) == canonical_json_strict(value)


@pytest.mark.parametrize("tag", TAGS)
@settings(max_examples=3, deadline=None)
@given(data=st.data())
def test_the_full_strategies_set_every_field(tag: str, data: st.DataObject) -> None:
    event = data.draw(strategies.FULL_EVENTS_BY_TYPE[tag])
    absent = [f.name for f in attrs.fields(type(event)) if getattr(event, f.name) is None]
    assert not absent


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        ("150000.00", "150000.00"),
        ("0", "0"),
        ("0.000", "0.000"),
        ("1E+2", "100"),  # str() would write "1E+2", which the codec refuses
        ("1.50E+3", "1500"),
        ("0E+2", "0"),
        ("1E-7", "0.0000001"),  # str() would write "1E-7"
        ("12345678901234567890.123456789", "12345678901234567890.123456789"),
    ],
)
def test_amounts_are_written_in_positional_notation(amount: str, text: str) -> None:
    event = TransferDetected(
        event_id="e1",
        case_id="c1",
        occurred_at=dt.date(2019, 4, 1),
        transfer_id="t1",
        from_asset_id="a1",
        from_jurisdiction="PA",
        to_jurisdiction="US",
        amount=Money(amount=Decimal(amount), currency="USD"),
    )
    encoded = encode_event(event)
    assert encoded["amount"]["amount"] == text
    assert decode_event(encoded) == event
    assert VALIDATOR.is_valid(encoded)


def test_datetimes_are_written_in_utc_with_z() -> None:
    at = dt.datetime(2019, 7, 24, 14, 0, tzinfo=dt.UTC)
    event = AssetLocated(
        event_id="e1",
        case_id="c1",
        occurred_at=at,
        asset_id="a1",
        asset_type="cash",
        jurisdiction="PA",
    )
    assert encode_event(event)["occurred_at"] == "2019-07-24T14:00:00Z"
    with_micro = attrs.evolve(event, occurred_at=at.replace(microsecond=5))
    assert encode_event(with_micro)["occurred_at"] == "2019-07-24T14:00:00.000005Z"
    for text in ["2019-07-24T14:00Z", "2019-07-24T14:00:00+00:00", "2019-07-24T14:00:00.0Z"]:
        assert decode_event(dict(wire(event), occurred_at=text)) == event


# --------------------------------------------------------------------------- the schema


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert SCHEMA["$id"] == SCHEMA_ID
    assert SCHEMA["title"]
    assert SCHEMA["description"]
    json.dumps(SCHEMA)  # plain JSON data


def test_schema_has_one_branch_per_type_discriminated_by_type() -> None:
    branches = [SCHEMA["$defs"][ref["$ref"].rsplit("/", 1)[1]] for ref in SCHEMA["oneOf"]]
    assert [b["properties"]["type"] for b in branches] == [{"const": tag} for tag in TAGS]


def test_schema_required_fields_are_the_fields_without_defaults() -> None:
    for tag, cls in EVENT_TYPES.items():
        branch = SCHEMA["$defs"][tag]
        names = [f.name for f in attrs.fields(cls)]
        assert list(branch["properties"]) == ["type", *names]
        assert branch["required"] == [
            "type",
            *(f.name for f in attrs.fields(cls) if f.default is attrs.NOTHING),
        ]


def test_every_object_in_the_schema_forbids_other_properties() -> None:
    def objects(node: Any) -> Any:
        if isinstance(node, dict):
            if node.get("type") == "object":
                yield node
            for value in node.values():
                yield from objects(value)
        elif isinstance(node, list):
            for value in node:
                yield from objects(value)

    found = list(objects(SCHEMA))
    assert len(found) == len(EVENT_TYPES) + 2  # the events, money, and the root
    for node in found:
        if node is not SCHEMA:
            assert node["additionalProperties"] is False


def test_event_schema_returns_a_fresh_dict() -> None:
    first = event_schema()
    first["$defs"]["id"]["maxLength"] = 1
    assert event_schema()["$defs"]["id"]["maxLength"] == ID_MAX


# --------------------------------------------------------------------------- agreement


@pytest.mark.parametrize("tag", TAGS)
@FAST
@given(data=st.data())
def test_codec_and_schema_accept_every_valid_event(tag: str, data: st.DataObject) -> None:
    event = data.draw(
        st.one_of(strategies.EVENTS_BY_TYPE[tag], strategies.FULL_EVENTS_BY_TYPE[tag])
    )
    doc = data.draw(strategies.wire_forms(event))
    errors = [e.message for e in VALIDATOR.iter_errors(doc)]
    assert not errors, errors
    assert decode_event(doc) == event


def assert_refused_by_both(bad: strategies.Broken) -> None:
    assert not VALIDATOR.is_valid(bad.doc), f"the schema accepted {bad}"
    problems = codec_problems(bad.doc)
    assert problems is not None, f"the codec accepted {bad}"
    # the error names the field path, says what was expected and quotes the bad value
    assert [p.path for p in problems] == [bad.path], f"{bad}: {problems}"
    (problem,) = problems
    assert bad.says in problem.message, f"{bad}: {problem.message}"
    assert re.search(r"expected|is required|unknown", problem.message)


@pytest.mark.parametrize("tag", TAGS)
@settings(FAST, max_examples=20)
@given(data=st.data())
def test_codec_and_schema_refuse_every_broken_event(tag: str, data: st.DataObject) -> None:
    event = data.draw(
        st.one_of(strategies.EVENTS_BY_TYPE[tag], strategies.FULL_EVENTS_BY_TYPE[tag])
    )
    assert_refused_by_both(data.draw(strategies.broken(event)))


@pytest.mark.parametrize("mutation", strategies.MUTATIONS)
@settings(FAST, max_examples=10)
@given(data=st.data())
def test_codec_and_schema_refuse_each_kind_of_breakage(mutation: str, data: st.DataObject) -> None:
    event = data.draw(strategies.FULL_EVENTS_BY_TYPE["asset_located"])
    assert_refused_by_both(data.draw(strategies.broken(event, only=mutation)))


def _listed_bad_values() -> list[Any]:
    cases = [("occurred_at", v) for v in strategies.BAD_DATES + strategies.BAD_DATETIMES]
    cases += [("expires_on", v) for v in strategies.BAD_DATES + strategies.BAD_DATETIMES]
    cases += [("expires_on", "2019-07-24T14:00:00Z")]  # a date-only field
    cases += [("value.amount", v) for v in strategies.BAD_DECIMALS]
    return [pytest.param(path, value, id=f"{path}={value!r}") for path, value in cases]


@pytest.mark.parametrize(("path", "value"), _listed_bad_values())
def test_every_listed_bad_value_is_refused_by_both(path: str, value: str) -> None:
    """The hand-picked edge cases, each checked every run (hypothesis samples them)."""
    doc = _order() if path == "expires_on" else _asset()
    if path.startswith("value."):
        doc["value"][path.removeprefix("value.")] = value
    else:
        doc[path] = value
    assert_refused_by_both(strategies.Broken(doc, path, strategies.shown(value), "listed"))


def _date_strings() -> list[str]:
    years = ["0001", "0004", "0100", "0400", "1900", "2000", "2019", "2020", "2100", "9999"]
    return [
        f"{y}-{m:02d}-{d:02d}" for y, m, d in itertools.product(years, range(14), range(33))
    ] + ["0000-01-01", "0000-02-29", "2019-07-24\n", "2019-07-24 ", "12019-07-24"]


def _accepts(parse: Any, text: str) -> bool:
    try:
        parse(text)
    except ValueError:
        return False
    return True


def test_date_pattern_agrees_with_the_codec_on_the_calendar() -> None:
    date, instant = sub_validator("date"), sub_validator("utc_datetime")
    for text in _date_strings():
        assert date.is_valid(text) == _accepts(parse_date, text), text
        at = text + "T23:59:59.999999Z"
        assert instant.is_valid(at) == _accepts(parse_datetime, at), at


#: Strings near the valid forms: right shape, wrong details.
_near_datetimes = st.from_regex(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}(:[0-9]{2}(:[0-9]{2}([.,][0-9]{0,8})?)?)?"
    r"(Z|z|[+-][0-9]{2}:?[0-9]{2})?\n?",
    fullmatch=True,
)
_near_decimals = st.from_regex(
    r"[-+]?[0-9]{0,4}(\.[0-9]{0,3})?([eE][-+]?[0-9])?\n?", fullmatch=True
)
_near_codes = st.text(st.sampled_from("ABZaz \n\t1"), max_size=4)
_near_ids = st.one_of(
    st.text(max_size=6),
    st.text(max_size=ID_MAX + 2),
    st.text(st.sampled_from("ab \n\t\u3000\xa0\x1c\x85\ufeff\u200b"), max_size=5),
)


@pytest.mark.parametrize(
    ("definition", "parse", "near"),
    [
        ("utc_datetime", parse_datetime, _near_datetimes),
        ("valid_time", "occurred_at", _near_datetimes),
        ("decimal", "amount", _near_decimals),
        ("jurisdiction", "jurisdiction", _near_codes),
        ("currency", "currency", _near_codes),
        ("id", "asset_id", _near_ids),
    ],
)
@settings(FAST, max_examples=75)
@given(data=st.data())
def test_patterns_agree_with_the_codec_near_the_edges(
    definition: str, parse: Any, near: st.SearchStrategy[str], data: st.DataObject
) -> None:
    text = data.draw(near)
    # Within a day of the range's ends the schema judges the written date and the codec
    # the UTC instant (see schema.py): the one place they may differ.
    assume(text[:10] not in _RANGE_ENDS)
    if isinstance(parse, str):  # a field name: decode an event with that field set
        parse = _field_parser(parse)
    assert sub_validator(definition).is_valid(text) == _accepts(parse, text), repr(text)


_RANGE_ENDS = frozenset({"1899-12-31", "1900-01-01", "2200-12-31", "2201-01-01"})


@functools.cache
def _field_parser(name: str) -> Any:
    base = wire(
        AssetLocated(
            event_id="e1",
            case_id="c1",
            occurred_at=dt.date(2019, 7, 24),
            asset_id="a1",
            asset_type="cash",
            jurisdiction="PA",
            value=Money(amount=Decimal(1), currency="USD"),
        )
    )

    def parse(text: str) -> None:
        doc = json.loads(json.dumps(base))
        if name in ("amount", "currency"):
            doc["value"][name] = text
        else:
            doc[name] = text
        if codec_problems(doc) is not None:
            raise ValueError(text)

    return parse


# --------------------------------------------------------------------------- fixed disagreements


def _asset(**changes: Any) -> dict[str, Any]:
    doc = wire(
        AssetLocated(
            event_id="e1",
            case_id="c1",
            occurred_at=dt.date(2019, 7, 24),
            asset_id="a1",
            asset_type="bank_account",
            jurisdiction="PA",
            value=Money(amount=Decimal("150000.00"), currency="USD"),
        )
    )
    doc.update(changes)
    return doc


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"jurisdiction": "PA\n"}, "jurisdiction"),
        ({"value": {"amount": "150.00\n", "currency": "USD"}}, "value.amount"),
        ({"value": {"amount": "150.00", "currency": "USD\n"}}, "value.currency"),
        ({"occurred_at": "2019-07-24T14:00:00-00:00"}, "occurred_at"),
        ({"unknown": None}, "unknown"),
        ({"value": {"amount": "1", "currency": "USD", "x": None}}, "value.x"),
        ({"asset_id": "a\ufeff"}, "asset_id"),  # a format character: both refuse
    ],
)
def test_codec_and_schema_agree_where_they_once_differed(
    changes: dict[str, Any], path: str | None
) -> None:
    doc = _asset(**changes)
    problems = codec_problems(doc)
    assert VALIDATOR.is_valid(doc) == (problems is None)
    assert [p.path for p in problems or []] == ([path] if path else [])


def test_an_integer_may_be_written_with_a_zero_fraction() -> None:
    # JSON (and JSON Schema) has one number type: 1.0 is the integer 1
    doc = _asset(schema_version=1.0)
    assert VALIDATOR.is_valid(doc)
    assert decode_event(doc).schema_version == 1
    assert codec_problems(_asset(schema_version=1.5)) is not None
    assert not VALIDATOR.is_valid(_asset(schema_version=1.5))


def test_the_codec_refuses_a_lone_surrogate() -> None:
    # It could not be stored as UTF-8. The schema cannot say this (see schema.py).
    problems = codec_problems(_asset(description="caf\ud800"))
    assert problems is not None
    assert [(p.path, p.message) for p in problems] == [
        ("description", "expected valid Unicode text, got a lone surrogate (U+D800)")
    ]


def test_text_may_be_as_long_as_the_limit() -> None:
    doc = _asset(description="é" * TEXT_MAX)
    assert VALIDATOR.is_valid(doc)
    assert codec_problems(doc) is None


# --------------------------------------------------------------------------- messages


def _order(**changes: Any) -> dict[str, Any]:
    doc = wire(
        OrderIssued(
            event_id="e1",
            case_id="c1",
            occurred_at=dt.date(2019, 7, 24),
            order_id="o1",
            order_type="freeze",
            issuing_jurisdiction="PA",
            asset_ids=("a1", "a2", "a3"),
        )
    )
    doc.update(changes)
    return doc


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        (
            _asset(occurred_at="24/07/2019"),
            "occurred_at: expected an ISO date (YYYY-MM-DD) or datetime "
            '(YYYY-MM-DDTHH:MM:SSZ), got "24/07/2019"',
        ),
        (
            _asset(occurred_at="2019-02-30"),
            'occurred_at: expected an ISO date (YYYY-MM-DD), got "2019-02-30"',
        ),
        (
            _asset(occurred_at="2019-07-24T14:00:00"),
            "occurred_at: expected a datetime ending in Z or an offset such as -05:00, "
            'got "2019-07-24T14:00:00"',
        ),
        (
            _asset(occurred_at="2019-07-24T14:00:00+14:30"),
            "occurred_at: expected an offset from -14:00 to +14:00, "
            'got "2019-07-24T14:00:00+14:30"',
        ),
        (
            _asset(occurred_at="9999-12-31"),
            "occurred_at: expected a date from 1900-01-01 to 2200-12-31 (UTC), the dates "
            'comity supports, got "9999-12-31"',
        ),
        (
            _order(expires_on="0001-01-02"),
            "expires_on: expected a date from 1900-01-01 to 2200-12-31 (UTC), the dates "
            'comity supports, got "0001-01-02"',
        ),
        (
            _asset(jurisdiction="UK"),
            'jurisdiction: expected an ISO 3166-1 alpha-2 code such as "PA" (or "EU"), '
            'got "UK"; did you mean "GB"?',
        ),
        (
            _asset(jurisdiction="XX"),
            'jurisdiction: expected an ISO 3166-1 alpha-2 code such as "PA" (or "EU"), got "XX"',
        ),
        (
            _asset(value={"amount": "5", "currency": "ZZZ"}),
            'value.currency: expected an ISO 4217 currency code such as "USD", got "ZZZ"',
        ),
        (
            _asset(asset_id="A\u202e1"),
            "asset_id: expected an id that is printable (it holds U+202E RIGHT-TO-LEFT "
            'OVERRIDE, a control or format character), got "A\\u202e1"',
        ),
        (
            _asset(schema_version=100000000000000000000000000000),
            "schema_version: expected a schema version that exists (1), got the number "
            "100000000000000000000000000000",
        ),
        (
            _asset(value={"amount": 150000.0, "currency": "USD"}),
            'value.amount: expected a decimal string such as "150000.00", got the number '
            "150000.0; quote the amount so that no precision is lost",
        ),
        (
            _asset(value={"amount": "-5", "currency": "USD"}),
            'value.amount: expected a non-negative decimal string such as "150000.00", got "-5"',
        ),
        (
            _asset(value={"amount": "5"}),
            "value.currency: is required",
        ),
        (
            _asset(jurisdiction="pa"),
            'jurisdiction: expected an ISO 3166-1 alpha-2 code such as "PA" (or "EU"), got "pa"',
        ),
        (
            _asset(asset_type="house"),
            "asset_type: expected one of bank_account, real_estate, vehicle, vessel, aircraft, "
            'company_shares, securities, virtual_asset, cash, other; got "house"',
        ),
        (
            _order(asset_ids=["a1", ""]),
            "asset_ids[1]: expected an id of 1 to 128 characters without surrounding spaces, "
            'got ""',
        ),
        (_order(asset_ids=["a1", 7]), "asset_ids[1]: expected a string, got the number 7"),
        (_order(asset_ids="a1"), 'asset_ids: expected a list, got "a1"'),
        (_order(final="yes"), 'final: expected true or false, got "yes"'),
        (_order(expires_on="2019-07-24T00:00:00Z"), "expires_on: expected an ISO date"),
        (_order(event_id="x" * 129), "event_id: expected an id of 1 to 128 characters"),
        (_order(type="order_made"), 'type: unknown event type "order_made"; expected one of'),
        (_order(seq=3), "seq: unknown field; the v1 format allows no other fields"),
    ],
)
def test_errors_name_the_field_path_and_what_was_expected(
    doc: dict[str, Any], expected: str
) -> None:
    problems = codec_problems(doc)
    assert problems is not None
    assert len(problems) == 1, problems
    assert f"{problems[0].path}: {problems[0].message}".startswith(expected)
    assert not VALIDATOR.is_valid(doc)


def test_every_problem_in_one_event_is_reported() -> None:
    doc = _order(event_id=" e1", order_type="arrest", asset_ids=["a1", " a2", 3], extra=1)
    del doc["case_id"]
    problems = codec_problems(doc)
    assert problems is not None
    assert sorted(p.path for p in problems) == sorted(
        ["event_id", "order_type", "asset_ids[1]", "asset_ids[2]", "case_id", "extra"]
    )


def test_problems_carry_the_source_and_line() -> None:
    with pytest.raises(EventFormatError) as info:
        decode_event(_asset(occurred_at="24/07/2019"), source="events.jsonl", line=17)
    assert str(info.value) == (
        "events.jsonl:17: occurred_at: expected an ISO date (YYYY-MM-DD) or datetime "
        '(YYYY-MM-DDTHH:MM:SSZ), got "24/07/2019"'
    )


def test_a_long_bad_value_is_shortened_in_the_message() -> None:
    problems = codec_problems(_asset(jurisdiction="P" * 500))
    assert problems is not None
    assert len(problems[0].message) < 200


@pytest.mark.parametrize("tag", TAGS)
@settings(FAST, max_examples=30)
@given(data=st.data())
def test_any_accepted_spelling_round_trips_to_one_canonical_form(
    tag: str, data: st.DataObject
) -> None:
    """Whatever spelling the codec accepts (nulls, `1.0`, an offset), its canonical form
    decodes to the same event and encodes to the same bytes: stable hashes and
    idempotency. The log's own check agrees that the event may be stored."""
    event = data.draw(
        st.one_of(strategies.EVENTS_BY_TYPE[tag], strategies.FULL_EVENTS_BY_TYPE[tag])
    )
    doc = data.draw(strategies.wire_forms(event))
    decoded = decode_event(json.loads(json.dumps(doc)))
    text = canonical_json(encode_event(decoded))
    again = decode_event(json.loads(text))
    assert again == decoded == event
    assert canonical_json(encode_event(again)) == text
    check_event(decoded)  # raises if the log would refuse it
