"""Builders for the engine's tests (imported as ``import engine_cases``).

`Case("C1")` makes valid v1 events with ids `C1-e01`, `C1-e02`, ... in call order;
`store_events(events)` appends them (one append per event, in the given order) to an
in-memory log and returns the stored records of each case.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from comity.events import EVENT_TYPES, Event, Money, StoredEvent
from comity.events._memory import MemoryLog

D = dt.date

#: A user rule that reads an order's jurisdiction as the last day of a period: with it
#: every case holding a freeze fails to replay (a mistake the pack loader cannot see),
#: and the other cases do not. The tests of failed cases, from the engine to the
#: service, write it into a rules directory.
FAILING_RULE = """
[[rule]]
id = "X-001"
code = "order_expired"
category = "deadline"
severity = "critical"
title = "A rule whose last day is not a date"
description = "Reads an order's jurisdiction as the last day of a period."
message = "Order {o.order_id} lapsed."
jurisdictions = ["o.jurisdiction"]
assets = ["o.assets"]
legal_basis = [{instrument = "test", article = "1", reference = "-", confidence = "unverified"}]

[[rule.deadline]]
when = ['o: issued where order_type == "freeze"']
last_day = "o.jurisdiction"
ref = "o.order_id"
"""


def T(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> dt.datetime:
    """A UTC datetime."""
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=dt.UTC)


class Case:
    """Valid events of one case with sequential ids; every method returns the event."""

    def __init__(self, case_id: str) -> None:
        self.case_id = case_id
        self._n = itertools.count(1)
        self.events: list[Event] = []

    def _make(self, tag: str, when: dt.date | dt.datetime, **fields: Any) -> Event:
        event = EVENT_TYPES[tag](
            event_id=f"{self.case_id}-e{next(self._n):02d}",
            case_id=self.case_id,
            occurred_at=when,
            **fields,
        )
        self.events.append(event)
        return event

    def opened(self, when: dt.date | dt.datetime, lead: str = "PA") -> Event:
        return self._make(
            "case_opened", when, lead_jurisdiction=lead, offences=("money_laundering",)
        )

    def asset(
        self, when: dt.date | dt.datetime, asset_id: str, jurisdiction: str, **kw: Any
    ) -> Event:
        kw.setdefault("asset_type", "bank_account")
        return self._make("asset_located", when, asset_id=asset_id, jurisdiction=jurisdiction, **kw)

    def order(
        self,
        when: dt.date | dt.datetime,
        order_id: str,
        jurisdiction: str,
        assets: Iterable[str],
        order_type: str = "freeze",
        **kw: Any,
    ) -> Event:
        return self._make(
            "order_issued",
            when,
            order_id=order_id,
            order_type=order_type,
            issuing_jurisdiction=jurisdiction,
            asset_ids=tuple(assets),
            **kw,
        )

    def extended(self, when: dt.date | dt.datetime, order_id: str, expires_on: dt.date) -> Event:
        return self._make("order_extended", when, order_id=order_id, expires_on=expires_on)

    def lifted(self, when: dt.date | dt.datetime, order_id: str) -> Event:
        return self._make("order_lifted", when, order_id=order_id)

    def request(
        self,
        when: dt.date | dt.datetime,
        request_id: str,
        frm: str,
        to: str,
        assets: Iterable[str],
        purpose: str = "provisional_measures",
        **kw: Any,
    ) -> Event:
        return self._make(
            "mla_request_sent",
            when,
            request_id=request_id,
            requesting_jurisdiction=frm,
            requested_jurisdiction=to,
            purpose=purpose,
            asset_ids=tuple(assets),
            **kw,
        )

    def received(self, when: dt.date | dt.datetime, request_id: str) -> Event:
        return self._make("mla_request_received", when, request_id=request_id)

    def answered(
        self, when: dt.date | dt.datetime, request_id: str, outcome: str = "granted"
    ) -> Event:
        return self._make("mla_request_answered", when, request_id=request_id, outcome=outcome)

    def transfer(
        self,
        when: dt.date | dt.datetime,
        transfer_id: str,
        from_asset: str,
        from_j: str,
        to_j: str,
        to_asset: str | None = None,
        amount: str = "150000.00",
    ) -> Event:
        return self._make(
            "transfer_detected",
            when,
            transfer_id=transfer_id,
            from_asset_id=from_asset,
            to_asset_id=to_asset,
            from_jurisdiction=from_j,
            to_jurisdiction=to_j,
            amount=Money(amount=Decimal(amount), currency="USD"),
        )

    def postponed(
        self, when: dt.date | dt.datetime, postponement_id: str, jurisdiction: str, assets: Any
    ) -> Event:
        return self._make(
            "fiu_postponement",
            when,
            postponement_id=postponement_id,
            jurisdiction=jurisdiction,
            asset_ids=tuple(assets),
        )

    def subject(self, when: dt.date | dt.datetime, subject_id: str) -> Event:
        return self._make(
            "subject_identified", when, subject_id=subject_id, name=subject_id, kind="person"
        )


def store_events(events: Iterable[Event], log: Any = None) -> dict[str, list[StoredEvent]]:
    """Append each event on its own (so seq follows the given order); stored, by case.

    The default log stands for any store, one written before the input policy included
    (dates outside 1900-2200): the engine must replay what any release stored."""
    log = MemoryLog(legacy=True) if log is None else log
    for event in events:
        log.append([event])
    return {case_id: list(log.read_case(case_id)) for case_id in log.case_ids()}
