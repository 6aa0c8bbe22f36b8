"""What each event introduces into a case, records, and refers to.

The data-quality rules (DQ-*) are about the record, not the world: whether a reference
dangles, or an id is recorded twice, is decided over a case's whole record
(`_quality.py`). These functions say, for one event, which things it introduces
(`definitions`), the one thing it records and what a second record of it must repeat
(`recorded`), and the references it makes to other events' things (`references`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from comity.events import types as t
from comity.events.time import first_instant, format_time, utc_day

__all__ = ["TEMPORAL", "definitions", "event_fields", "recorded", "references"]


#: Kinds of reference whose target must come first: acting on an order, a request, a
#: report, a suspension or a proceeding before it exists is a contradiction in time.
#: Assets, subjects and entities may be recorded after an event that names them.
TEMPORAL = frozenset({"order", "request", "report", "postponement", "proceeding"})


def definitions(event: t.Event) -> Iterator[tuple[str, str]]:
    """(kind, id) of each thing the event introduces into the case."""
    match event:
        case t.CaseOpened():
            yield "case", event.case_id
        case t.AssetLocated():
            yield "asset", event.asset_id
        case t.OrderIssued():
            yield "order", event.order_id
        case t.MlaRequestSent():
            yield "request", event.request_id
        case t.ReportFiled():
            yield "report", event.report_id
            # a UK moratorium runs on the report: its extension names the report
            yield "postponement", event.report_id
        case t.FiuPostponement():
            yield "postponement", event.postponement_id
        case t.ProceedingOpened():
            yield "proceeding", event.proceeding_id
        case t.SubjectIdentified():
            yield "subject", event.subject_id
            yield "party", event.subject_id
        case t.EntityIdentified():
            yield "entity", event.entity_id
            yield "party", event.entity_id


def recorded(event: t.Event) -> tuple[str, str, tuple[str, ...] | None] | None:
    """(kind, id, what a second record of it must repeat) of the one thing a defining
    event records, or None. None as the third: an id names one act (an order, a
    request, a report, a suspension, a proceeding, the case's opening), and a second
    event recording it contradicts the first whatever it says. A tuple: a thing that
    may be recorded again with more detail (an asset's value or holder, a subject's
    name), contradicted only where these fields differ (an asset in another
    jurisdiction, a person recorded again as a company)."""
    match event:
        case t.CaseOpened():
            return "case", event.case_id, None
        case t.AssetLocated():
            return "asset", event.asset_id, (event.jurisdiction, event.asset_type)
        case t.OrderIssued():
            return "order", event.order_id, None
        case t.MlaRequestSent():
            return "request", event.request_id, None
        case t.ReportFiled():
            return "report", event.report_id, None
        case t.FiuPostponement():
            return "postponement", event.postponement_id, None
        case t.ProceedingOpened():
            return "proceeding", event.proceeding_id, None
        case t.SubjectIdentified():
            return "subject", event.subject_id, (event.kind,)
        case t.EntityIdentified():
            return "entity", event.entity_id, (event.kind,)
    return None


def references(event: t.Event) -> Iterator[tuple[str, str, str]]:
    """(kind, id, field) of each reference the event makes to another event's thing."""

    def assets(ids: tuple[str, ...], field: str = "asset_ids") -> Iterator[tuple[str, str, str]]:
        for n, asset in enumerate(ids):
            yield "asset", asset, f"{field}[{n}]"

    def order(order_id: str | None) -> Iterator[tuple[str, str, str]]:
        if order_id is not None:
            yield "order", order_id, "order_id"

    match event:
        case t.ProceedingOpened() | t.ChargeFiled():
            for n, subject in enumerate(event.subject_ids):
                yield "subject", subject, f"subject_ids[{n}]"
        case t.OrderIssued():
            yield from assets(event.asset_ids)
        case t.OrderExtended() | t.OrderLifted() | t.OrderRecognized():
            yield from order(event.order_id)
        case t.OrderVaried():
            yield from order(event.order_id)
            yield from assets(event.asset_ids)
        case t.MlaRequestSent():
            yield from assets(event.asset_ids)
            yield from order(event.order_id)
        case t.MlaRequestReceived() | t.MlaRequestAnswered() | t.RequestStatusReported():
            yield "request", event.request_id, "request_id"
        case t.TransferDetected():
            yield "asset", event.from_asset_id, "from_asset_id"
            if event.to_asset_id is not None:
                yield "asset", event.to_asset_id, "to_asset_id"
        case t.FiuPostponement() | t.ReportFiled() | t.ClaimFiled():
            yield from assets(event.asset_ids)
        case t.AssetConfiscated():
            yield "asset", event.asset_id, "asset_id"
            yield from order(event.order_id)
        case t.AssetReturned():
            yield "asset", event.asset_id, "asset_id"
        case t.FiuDecision():
            yield "report", event.report_id, "report_id"
        case t.FiuPostponementExtended() | t.FiuPostponementLifted():
            yield "postponement", event.postponement_id, "postponement_id"
        case t.CourtRuling():
            yield from order(event.order_id)
            if event.proceeding_id is not None:
                yield "proceeding", event.proceeding_id, "proceeding_id"
        case t.ProceedingClosed():
            yield "proceeding", event.proceeding_id, "proceeding_id"
        case t.ForfeitureNoticeSent():
            yield from assets(event.asset_ids)
            yield from order(event.order_id)
        case t.OwnershipLinked():
            yield "party", event.owner_id, "owner_id"
            if event.owned_id is not None:
                yield "entity", event.owned_id, "owned_id"
            if event.asset_id is not None:
                yield "asset", event.asset_id, "asset_id"
        case t.EventRetracted():
            yield "event", event.retracted_event_id, "retracted_event_id"


def event_fields(event: t.Event) -> dict[str, Any]:
    """The fields every fact made of `event` carries (its id, instant, UTC day and the
    time as recorded), made in one place so that the world's facts and the data-quality
    facts of one event say them alike."""
    at = first_instant(event.occurred_at)
    return {
        "ev": event.event_id,
        "at": at,
        "day": utc_day(at),
        "atd": format_time(event.occurred_at),
    }
