"""The quick structuring of valid events agrees with the converter's, and gives up on
everything the converter refuses; a decoded event is not checked twice.

The quick path (comity.events._fast) is what makes an HTTP append or an ingest cheap;
the converter is what explains a refusal. If the quick path accepted an event the
converter refuses, or built another value, a refusal or a hash would depend on which
path ran: these properties hold the two together.
"""

from __future__ import annotations

import json
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import strategies
from comity.errors import EventFormatError
from comity.events import EVENT_TYPES, check_event, decode_event, encode_event, open_log
from comity.events._converter import _structure
from comity.events._fast import MISSED, fast_structure

TAGS = sorted(EVENT_TYPES)
FAST = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _slow(doc: dict[str, Any], *, policy: bool) -> Any:
    try:
        return _structure(doc, source="<t>", line=None, stored=not policy)
    except EventFormatError:
        return MISSED


def _same(doc: dict[str, Any], *, policy: bool) -> Any:
    """The quick result, after checking it against the converter's."""
    quick = fast_structure(doc, doc["type"], policy=policy)
    slow = _slow(doc, policy=policy)
    if quick is not MISSED:
        assert slow is not MISSED, f"quick path accepted what the converter refuses: {doc}"
        assert type(quick) is type(slow)
        assert quick == slow
        # equal is not enough: Decimal("1.5") == Decimal("1.50"), and an instant's offset
        assert repr(quick) == repr(slow)
        assert encode_event(quick) == encode_event(slow)
    return quick


@pytest.mark.parametrize("tag", TAGS)
@pytest.mark.parametrize("policy", [True, False], ids=["input", "stored"])
@FAST
@given(data=st.data())
def test_every_valid_event_takes_the_quick_path(
    tag: str, policy: bool, data: st.DataObject
) -> None:
    event = data.draw(
        st.one_of(strategies.EVENTS_BY_TYPE[tag], strategies.FULL_EVENTS_BY_TYPE[tag])
    )
    doc = data.draw(strategies.wire_forms(event))
    quick = _same(doc, policy=policy)
    assert quick is not MISSED, f"a valid event missed the quick path: {doc}"
    assert quick == event


@pytest.mark.parametrize("tag", TAGS)
@settings(FAST, max_examples=25)
@given(data=st.data())
def test_every_broken_event_misses_the_quick_path(tag: str, data: st.DataObject) -> None:
    event = data.draw(
        st.one_of(strategies.EVENTS_BY_TYPE[tag], strategies.FULL_EVENTS_BY_TYPE[tag])
    )
    bad = data.draw(strategies.broken(event))
    kind = bad.doc.get("type")
    if not isinstance(kind, str) or kind not in EVENT_TYPES:
        # refused by its type before any structuring is tried
        with pytest.raises(EventFormatError):
            decode_event(bad.doc)
        return
    assert fast_structure(bad.doc, kind, policy=True) is MISSED, bad


#: Values that are wrong somewhere, right elsewhere, or right only without the policy.
_HOSTILE: list[Any] = [
    None,
    "",
    " A1",
    "A1 ",
    "A" * 128,
    "A" * 129,
    "x" * 10_000,
    "x" * 10_001,
    "a\x00b",
    "a\nb",
    "\ud800",
    "e\u0301",  # not NFC
    "\u00e9",
    "UK",
    "PA",
    "EU",
    "pa",
    "USD",
    "usd",
    "XXX",
    "ZZZ",
    "2019-02-28",
    "2019-02-30",
    "1899-12-31",
    "1900-01-01",
    "2200-12-31",
    "2201-01-01",
    "2019-7-24",
    "2019-07-24T14:00:00Z",
    "2019-07-24T14:00:00-05:00",
    "2019-07-24T14:00:00",
    "2019-07-24T14:00:00-00:00",
    "2200-12-31T23:00:00-05:00",
    "1.50",
    "-1",
    "1E+2",
    "150000.00",
    0,
    1,
    1.0,
    1.5,
    2,
    True,
    False,
    2**53,
    2**60,
    [],
    ["A1"],
    ["A1", "A1"],
    ["PA", "UK"],
    [1],
    [None],
    "A1",
    {},
    {"amount": "1.00", "currency": "USD"},
    {"amount": "1.00", "currency": "usd"},
    {"amount": 1, "currency": "USD"},
    {"amount": "1.00", "currency": "USD", "extra": None},
    "freeze",
    "granted",
]


@st.composite
def _damaged(draw: st.DrawFn) -> dict[str, Any]:
    tag = draw(st.sampled_from(TAGS))
    event = draw(st.one_of(strategies.EVENTS_BY_TYPE[tag], strategies.FULL_EVENTS_BY_TYPE[tag]))
    doc: dict[str, Any] = json.loads(json.dumps(encode_event(event)))
    names = [f.name for f in attrs.fields(EVENT_TYPES[tag])]
    for _ in range(draw(st.integers(1, 3))):
        name = draw(st.sampled_from([*names, "unknown", "seq"]))
        if draw(st.booleans()) and name in doc:
            del doc[name]
        else:
            doc[name] = draw(st.sampled_from(_HOSTILE))
    return doc


@pytest.mark.parametrize("policy", [True, False], ids=["input", "stored"])
@settings(FAST, max_examples=400)
@given(doc=_damaged())
def test_what_the_quick_path_accepts_the_converter_accepts_alike(
    policy: bool, doc: dict[str, Any]
) -> None:
    _same(doc, policy=policy)


@pytest.mark.parametrize("value", _HOSTILE, ids=repr)
@pytest.mark.parametrize("field", ["case_id", "occurred_at", "jurisdiction", "holder", "value"])
def test_each_hostile_value_is_decided_alike(field: str, value: Any) -> None:
    """Each listed value in each kind of field, every run (hypothesis only samples)."""
    doc: dict[str, Any] = {
        "type": "asset_located",
        "event_id": "E1",
        "case_id": "C1",
        "occurred_at": "2019-07-24",
        "asset_id": "A1",
        "asset_type": "bank_account",
        "jurisdiction": "PA",
        field: value,
    }
    for policy in (True, False):
        _same(doc, policy=policy)


# ---------------------------------------------------------------- checked once, not twice


def test_a_decoded_event_is_not_checked_again_but_a_copy_of_it_is(tmp_path: Any) -> None:
    event = decode_event(
        {
            "type": "case_opened",
            "event_id": "E1",
            "case_id": "C1",
            "occurred_at": "2019-07-24",
            "lead_jurisdiction": "PA",
        }
    )
    check_event(event)  # passes (and costs nothing: the codec held it to the policy)
    # a copy is a new object that the codec never saw: held to the policy again
    forged = attrs.evolve(event, case_id="C1\x1b[2J")
    with pytest.raises(EventFormatError, match="case_id"):
        check_event(forged)
    log = open_log(str(tmp_path / "log.db"), create=True)
    try:
        with pytest.raises(EventFormatError, match="case_id"):
            log.append([forged])
        assert log.head().position == 0
        log.append([event])
        assert log.head().position == 1
    finally:
        log.close()


@pytest.mark.parametrize("tag", TAGS)
@settings(FAST, max_examples=20)
@given(data=st.data())
def test_the_policy_of_check_event_accepts_every_decoded_event(
    tag: str, data: st.DataObject
) -> None:
    """Skipping check_event for a decoded event is sound only if check_event would pass
    it: checked here on a copy, which the codec did not decode."""
    event = data.draw(
        st.one_of(strategies.EVENTS_BY_TYPE[tag], strategies.FULL_EVENTS_BY_TYPE[tag])
    )
    decoded = decode_event(data.draw(strategies.wire_forms(event)))
    check_event(attrs.evolve(decoded))
