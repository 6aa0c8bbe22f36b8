"""The quick encoding of an event is the converter's, key order included.

`encode_event` feeds the canonical JSON that is hashed into the chain, and the JSON
outputs that show events: if the quick path wrote one value otherwise, or a key in
another place, a hash or an output would depend on which path ran.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import strategies
from comity.events import EVENT_TYPES, Event, encode_event
from comity.events._converter import _converter
from comity.events._fast_encode import fast_encode
from comity.events.types import AssetLocated, Money, OrderIssued

TAGS = sorted(EVENT_TYPES)
FAST = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _cattrs(event: Event) -> dict[str, Any]:
    data: dict[str, Any] = _converter.unstructure(event, Event)
    return data


def _same(event: Event) -> None:
    quick = fast_encode(event)
    slow = _cattrs(event)
    if quick is not None:
        assert quick == slow
        assert list(quick) == list(slow)  # key order: `type` last, fields in order
        assert [type(v) for v in quick.values()] == [type(v) for v in slow.values()]
    assert encode_event(event) == slow


@pytest.mark.parametrize("tag", TAGS)
@FAST
@given(data=st.data())
def test_every_event_is_encoded_as_the_converter_encodes_it(tag: str, data: st.DataObject) -> None:
    event = data.draw(
        st.one_of(strategies.EVENTS_BY_TYPE[tag], strategies.FULL_EVENTS_BY_TYPE[tag])
    )
    assert fast_encode(event) is not None, "an event of comity's own types missed the quick path"
    _same(event)


_BASE = AssetLocated(
    event_id="E1",
    case_id="C1",
    occurred_at=dt.date(2019, 7, 24),
    asset_id="A1",
    asset_type="bank_account",
    jurisdiction="PA",
)


@pytest.mark.parametrize(
    "event",
    [
        # values of the wrong type, as an application building events in Python may give
        attrs.evolve(_BASE, value=Money(amount=1.5, currency="USD")),  # type: ignore[arg-type]
        attrs.evolve(_BASE, value=Money(amount=Decimal("1E+2"), currency="USD")),
        attrs.evolve(_BASE, holder=5),  # type: ignore[arg-type]
        attrs.evolve(_BASE, occurred_at=dt.datetime(2019, 7, 24, 9, tzinfo=dt.UTC)),
        attrs.evolve(
            _BASE,
            occurred_at=dt.datetime(2019, 7, 24, 9, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
        ),
        OrderIssued(
            event_id="E2",
            case_id="C1",
            occurred_at=dt.date(2019, 7, 24),
            order_id="O1",
            order_type="freeze",
            issuing_jurisdiction="PA",
            asset_ids=["A1", "A2"],  # type: ignore[arg-type]  # a list, not a tuple
        ),
        attrs.evolve(_BASE, description=type("Text", (str,), {})("a subclass of str")),
    ],
    ids=["float", "exponent", "int-text", "utc", "offset", "list", "str-subclass"],
)
def test_an_event_built_with_odd_values_is_encoded_as_before(event: Event) -> None:
    _same(event)
