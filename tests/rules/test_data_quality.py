"""The data-quality rules (DQ-*): what the pack requires of them, and how their
findings behave in a session as events arrive.

The rules' findings themselves are scenario files (tests/scenarios/quality-*.toml).
Here: a data-quality rule cites no law (the pack refuses a legal basis for one); the
built-in ones say in words that they are checks of records; and a session that
applies the missing event withdraws the finding, exactly as a full replay of the
same events never raises it.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from comity.engine import CaseSession, replay_case
from comity.errors import RulePackError
from comity.events import EVENT_TYPES, open_log
from comity.events.log import StoredEvent
from comity.events.types import Money
from comity.rules import RulePack, load_pack
from comity.rules.pack import DATA_QUALITY

AS_OF = dt.date(2021, 12, 31)


@pytest.fixture(scope="module")
def pack() -> RulePack:
    return load_pack()


def _stored(*events: tuple[str, str, dt.date, dict[str, Any]]) -> list[StoredEvent]:
    """(event_id, type, occurred_at, fields) of case C1, appended one by one, stored."""
    log = open_log(":memory:")
    try:
        for event_id, kind, day, fields in events:
            log.append(
                [EVENT_TYPES[kind](event_id=event_id, case_id="C1", occurred_at=day, **fields)]
            )
        return list(log.read_case("C1"))
    finally:
        log.close()


OPENED = ("e1", "case_opened", dt.date(2020, 2, 3), {"lead_jurisdiction": "PA"})
TRANSFER = (
    "e2",
    "transfer_detected",
    dt.date(2020, 4, 1),
    {
        "transfer_id": "T1",
        "from_asset_id": "A9",
        "from_jurisdiction": "PA",
        "to_jurisdiction": "US",
        "amount": Money(amount=Decimal("150000.00"), currency="USD"),
    },
)
LOCATED = (
    "e3",
    "asset_located",
    dt.date(2020, 5, 10),
    {"asset_id": "A9", "asset_type": "bank_account", "jurisdiction": "PA"},
)


def _codes(findings: Any) -> list[str]:
    return sorted(f.code for f in findings if f.category == DATA_QUALITY)


def test_a_session_withdraws_the_finding_when_the_asset_is_located(pack: RulePack) -> None:
    opened, transfer, located = _stored(OPENED, TRANSFER, LOCATED)
    with CaseSession(pack, "C1") as session:
        session.apply(opened)
        raised = session.apply(transfer).raised
        assert _codes(raised) == ["unknown_asset"]
        changes = session.apply(located)  # later in valid time: it replays the case
        assert _codes(changes.withdrawn) == ["unknown_asset"]
        assert not _codes(changes.raised)
        session.advance(AS_OF)
        assert session.result() == replay_case([opened, transfer, located], pack, as_of=AS_OF)
    assert not _codes(replay_case([opened, transfer, located], pack, as_of=AS_OF).findings)


def test_a_late_location_dated_before_the_transfer_withdraws_it_too(pack: RulePack) -> None:
    early = ("e3", "asset_located", dt.date(2020, 3, 1), LOCATED[3])
    opened, transfer, located = _stored(OPENED, TRANSFER, early)
    with CaseSession(pack, "C1", [opened, transfer]) as session:
        assert _codes(session.result().findings) == ["unknown_asset"]
        assert _codes(session.apply(located).withdrawn) == ["unknown_asset"]
        assert not _codes(session.result().findings)


def test_a_retraction_before_its_event_arrives_is_answered_by_it(pack: RulePack) -> None:
    retraction = ("e4", "event_retracted", dt.date(2020, 6, 1), {"retracted_event_id": "e5"})
    mistaken = (
        "e5",
        "asset_located",
        dt.date(2020, 6, 2),
        {"asset_id": "A1", "asset_type": "vessel", "jurisdiction": "PA"},
    )
    opened, retracted_first, event = _stored(OPENED, retraction, mistaken)
    with CaseSession(pack, "C1", [opened, retracted_first]) as session:
        assert _codes(session.result().findings) == ["unknown_retracted_event"]
        changes = session.apply(event)
        assert _codes(changes.withdrawn) == ["unknown_retracted_event"]
        assert session.result() == replay_case([opened, retracted_first, event], pack, as_of=AS_OF)


def test_the_first_event_of_a_case_opened_later_raises_nothing_once_it_is(
    pack: RulePack,
) -> None:
    located = ("e2", "asset_located", dt.date(2019, 5, 1), LOCATED[3])
    late_opening = ("e1", "case_opened", dt.date(2020, 2, 3), {"lead_jurisdiction": "PA"})
    first, opened = _stored(located, late_opening)
    with CaseSession(pack, "C1") as session:
        assert _codes(session.apply(first).raised) == ["case_not_opened"]
        assert _codes(session.apply(opened).withdrawn) == ["case_not_opened"]


def test_every_built_in_data_quality_rule_cites_no_law_and_says_so(pack: RulePack) -> None:
    rules = [r for r in pack.rules if r.category == DATA_QUALITY]
    assert [r.id for r in rules] == [f"DQ-{n:03d}" for n in range(1, 13)]
    for rule in rules:
        assert rule.legal_basis == ()
        assert "not a rule of law" in " ".join(rule.description.split()), rule.id
        spanish = rule.text("es")
        assert spanish is not None and spanish.title and spanish.message, rule.id
        assert not rule.deadline and rule.warning is None


_RULE = """
[[rule]]
id = "USR-DQ"
code = "my_check"
category = "data_quality"
severity = "info"
title = "A user check"
description = "A check of the records."
message = "{r.ref_id}"
when = [
  'r: ref where ref_kind == "asset"',
  'not k: defined where ref_kind == "asset" and ref_id == r.ref_id',
]
"""


def _pack(tmp_path: Path, text: str) -> RulePack:
    (tmp_path / "rules").mkdir(exist_ok=True)
    (tmp_path / "rules" / "mine.toml").write_text(textwrap.dedent(text), encoding="utf-8")
    return load_pack(tmp_path)


def test_a_user_data_quality_rule_loads_without_a_legal_basis(tmp_path: Path) -> None:
    loaded = _pack(tmp_path, _RULE)
    assert next(r for r in loaded.rules if r.id == "USR-DQ").legal_basis == ()


def test_the_pack_refuses_a_legal_basis_on_a_data_quality_rule(tmp_path: Path) -> None:
    text = (
        _RULE
        + """
[[rule.legal_basis]]
instrument = "UNCAC"
article = "46"
reference = "https://www.unodc.org/unodc/en/treaties/CAC/"
confidence = "verified"
"""
    )
    with pytest.raises(RulePackError) as info:
        _pack(tmp_path, text)
    assert str(info.value) == (
        f"{tmp_path / 'rules' / 'mine.toml'}: rule USR-DQ.legal_basis: a data_quality rule "
        "checks the case's own records and cites no law; remove its legal_basis"
    )


def test_other_categories_still_need_a_legal_basis(tmp_path: Path) -> None:
    with pytest.raises(RulePackError, match="every rule needs at least one legal basis"):
        _pack(tmp_path, _RULE.replace('category = "data_quality"', 'category = "overlap"'))


ORDER = {
    "order_id": "O1",
    "order_type": "freeze",
    "issuing_jurisdiction": "PA",
    "asset_ids": ("A9",),
}


def test_an_order_recorded_twice_is_withdrawn_when_one_is_retracted(pack: RulePack) -> None:
    """Two records of order O1: the second is flagged, and once it is retracted a
    session says what a full replay of the same events says (no such finding)."""
    first = ("e4", "order_issued", dt.date(2020, 5, 11), ORDER)
    second = ("e5", "order_issued", dt.date(2020, 5, 12), {**ORDER, "asset_ids": ("A8",)})
    retraction = ("e6", "event_retracted", dt.date(2020, 5, 13), {"retracted_event_id": "e5"})
    opened, located, one, two, retracted = _stored(OPENED, LOCATED, first, second, retraction)
    with CaseSession(pack, "C1", [opened, located, one]) as session:
        raised = session.apply(two).raised
        assert _codes(raised) == ["recorded_twice"]
        (finding,) = [f for f in raised if f.code == "recorded_twice"]
        assert finding.because == ("e5",)
        # the second record is ignored: its asset A8, never located, is not asked for
        assert "unknown_asset" not in _codes(session.result().findings)
        assert _codes(session.apply(retracted).withdrawn) == ["recorded_twice"]
        events = [opened, located, one, two, retracted]
        assert session.result() == replay_case(events, pack, as_of=AS_OF)
    assert not _codes(
        replay_case([opened, located, one, two, retracted], pack, as_of=AS_OF).findings
    )


def test_the_earlier_record_counts_whichever_arrives_first(pack: RulePack) -> None:
    """A record of O1 dated before the one the session holds arrives late: it becomes
    the first, and the one held is the second, as in a full replay."""
    later = ("e4", "order_issued", dt.date(2020, 6, 1), ORDER)
    earlier = ("e5", "order_issued", dt.date(2020, 5, 20), ORDER)
    opened, located, held, late = _stored(OPENED, LOCATED, later, earlier)
    with CaseSession(pack, "C1", [opened, located, held]) as session:
        session.apply(late)
        session.advance(AS_OF)
        result = session.result()
    assert result == replay_case([opened, located, held, late], pack, as_of=AS_OF)
    (finding,) = [f for f in result.findings if f.code == "recorded_twice"]
    assert finding.because == ("e4",)
