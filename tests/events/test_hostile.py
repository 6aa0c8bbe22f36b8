"""Every backend accepts and refuses the same hostile events (tests/hostile.py).

Refused lines are refused before any store is touched, with the field named; the same
events built in Python and handed to `append` are refused by the log itself with the
same verdict, and nothing is written. Accepted lines are stored by every backend and
read back as the same event with the same canonical body.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
import pytest

from comity.errors import EventFormatError
from comity.events import EventLog, canonical_json, encode_event, parse_jsonl
from comity.events.codec import decode_event
from hostile import ACCEPTED, REFUSED, Hostile

SOURCE = "hostile.jsonl"


@pytest.mark.parametrize("case", REFUSED, ids=lambda c: c.name)
def test_a_hostile_line_is_refused_naming_the_field(case: Hostile, log: EventLog) -> None:
    with pytest.raises(EventFormatError) as info:
        events = parse_jsonl([case.raw], source=SOURCE)
        log.append(events)
    problem = info.value.problems[0]  # the first named (issued-0001 has two)
    assert (problem.source, problem.line, problem.path) == (SOURCE, 1, case.path), problem
    assert case.says in problem.message
    assert log.head().position == 0


# The same values in events built in Python, past the codec: the log refuses them too.
_BUILT: dict[str, Any] = {
    "expires_on": dt.date(9999, 12, 31),
    "occurred_at": dt.datetime(9999, 12, 31, 23, 59, tzinfo=dt.UTC),
    "schema_version": 10**29,
    "order_id": "O\x001",
    "event_id": "evt-1\nfake",
    "case_id": "PA-\u202e2400",
    "legal_basis": "art.\x00 5",
    "issuing_jurisdiction": "XX",
    "asset_ids": ("A1", "A\u200d1"),
}


@pytest.mark.parametrize("field", sorted(_BUILT))
def test_the_log_refuses_a_built_event_the_codec_would_refuse(field: str, log: EventLog) -> None:
    good = decode_event(_base())
    bad = attrs.evolve(good, **{field: _BUILT[field]})
    with pytest.raises(EventFormatError) as info:
        log.append([bad])
    assert [p.path.split("[")[0] for p in info.value.problems] == [field]
    assert log.head().position == 0
    log.append([good])  # the log is still usable
    assert log.head().position == 1


def _base() -> dict[str, object]:
    from hostile import BASE

    return dict(BASE)


@pytest.mark.parametrize("case", ACCEPTED, ids=lambda c: c.name)
def test_a_hostile_looking_but_valid_line_is_stored_alike(case: Hostile, log: EventLog) -> None:
    (event,) = parse_jsonl([case.raw], source=SOURCE)
    result = log.append([event])
    (stored,) = result.stored
    (back,) = list(log.read())
    assert back.event == event
    assert canonical_json(encode_event(back.event)) == canonical_json(encode_event(event))
    assert back.hash == stored.hash
    # re-ingesting the identical line is a no-op, not "different content"
    (again,) = parse_jsonl([case.raw], source=SOURCE)
    assert log.append([again]).already_stored == (event.event_id,)
