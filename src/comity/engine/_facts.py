"""Events to flat facts: the shape the rules see.

Facts are small and flat (hazard 13: at most 255 properties, nested objects flattened)
and carry only what rules test, plus `ev` (the event id, for provenance) and `at` (the
valid time as a fixed-width UTC string, which compares correctly as text: hazard 12).
A list field (an order's `asset_ids`) becomes one fact per element, because the Rete
network joins on scalars. Money stays a decimal string (hazard 11).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from comity.events import types as t
from comity.events.codec import format_time

__all__ = ["FactProjector", "instant"]


def instant(value: t.ValidTime) -> str:
    """`YYYY-MM-DDTHH:MM:SSZ`: a date is its first instant; seconds resolution."""
    if isinstance(value, dt.datetime):
        # isoformat, not strftime: strftime("%Y") does not pad years before 1000, and
        # these strings must be fixed-width to compare as text.
        utc = value.astimezone(dt.UTC).replace(tzinfo=None, microsecond=0)
        return utc.isoformat() + "Z"
    return f"{value.isoformat()}T00:00:00Z"


def _s(value: str | None) -> str:
    return "" if value is None else value


def basis_key(text: str | None) -> str:
    """A citation folded so that spelling variants compare equal.

    `18 U.S.C. § 981(b)(4)`, `18 USC 981(b)(4)` and `18 u.s.c. §981(b)(4)` all become
    `18usc981(b)(4)`; `FIAA Article 3` and `FIAA art. 3` become `fiaaart3`.
    """
    if not text:
        return ""
    folded = text.lower().replace("article", "art").replace("section", "")
    return "".join(ch for ch in folded if ch not in " .,§\t")


def money_text(amount: Decimal, currency: str) -> str:
    """`USD 150,000.00`: how a finding's message shows money (digits kept exactly)."""
    return f"{currency} {amount:,}"


class FactProjector:
    """Turns one case's events into facts; remembers orders to expand recognitions."""

    def __init__(self) -> None:
        self._order_assets: dict[str, tuple[str, ...]] = {}
        self._order_types: dict[str, str] = {}
        self._asset_orders: dict[str, list[str]] = {}
        self._involved: set[str] = set()

    def _certificate(self, event: t.MlaRequestSent) -> str:
        """The certificate a request carries: the one it states, else what its order
        makes it (a freeze or seizure: freezing; a confiscation: confiscation), else
        freezing for a request for provisional measures; "" when nothing says.

        Under Reg. (EU) 2018/1805 the certificate, not the request's `purpose`, decides
        which time limit applies: a request to execute a freezing order is a freezing
        certificate.
        """
        if event.certificate is not None:
            return event.certificate
        kind = self._order_types.get(event.order_id or "")
        if kind in ("freeze", "seizure"):
            return "freezing"
        if kind == "confiscation":
            return "confiscation"
        return "freezing" if event.purpose == "provisional_measures" else ""

    def facts(self, event: t.Event) -> Iterator[dict[str, Any]]:
        at = instant(event.occurred_at)
        base = {
            "ev": event.event_id,
            "at": at,
            "day": at[:10],
            "atd": format_time(event.occurred_at),
        }

        def fact(fact_type: str, /, **fields: Any) -> dict[str, Any]:
            return {"t": fact_type, **base, **fields}

        def involved(jurisdiction: str) -> Iterator[dict[str, Any]]:
            # Only the first event that involves a jurisdiction says so: rules ask
            # whether one is involved yet, and one fact per event would double the
            # facts the engine holds.
            if jurisdiction not in self._involved:
                self._involved.add(jurisdiction)
                yield fact("involved", jurisdiction=jurisdiction)

        match event:
            case t.CaseOpened():
                yield fact("case", lead=event.lead_jurisdiction)
                yield from involved(event.lead_jurisdiction)
            case t.SubjectIdentified():
                yield fact("subject", subject_id=event.subject_id, kind=event.kind)
            case t.AssetLocated():
                yield fact(
                    "asset",
                    asset_id=event.asset_id,
                    asset_type=event.asset_type,
                    jurisdiction=event.jurisdiction,
                    holder=_s(event.holder),
                    holder_text=f"held by {event.holder}" if event.holder else "holder unknown",
                    amount="" if event.value is None else str(event.value.amount),
                    currency="" if event.value is None else event.value.currency,
                )
                yield from involved(event.jurisdiction)
            case t.ProceedingOpened():
                # The engine adds `pursued` (engine/_standing.py) for the earliest open
                # proceeding against a subject in a jurisdiction.
                for subject in event.subject_ids or ("",):
                    yield fact(
                        "proceeding",
                        proceeding_id=event.proceeding_id,
                        jurisdiction=event.jurisdiction,
                        kind=event.kind,
                        subject_id=subject,
                    )
                yield from involved(event.jurisdiction)
            case t.OrderIssued():
                if event.order_type == "confiscation":
                    # A confiscation order takes over from the measures holding its assets.
                    held = sorted(
                        {o for a in event.asset_ids for o in self._asset_orders.get(a, ())}
                    )
                    for order_id in held:
                        yield fact("confiscation_of", order_id=order_id, asset_id="")
                self._order_assets[event.order_id] = event.asset_ids
                self._order_types[event.order_id] = event.order_type
                for asset in event.asset_ids:
                    self._asset_orders.setdefault(asset, []).append(event.order_id)
                # One fact per order (its lapse is one deadline), one per asset it holds.
                yield fact(
                    "issued",
                    order_id=event.order_id,
                    order_type=event.order_type,
                    jurisdiction=event.issuing_jurisdiction,
                    assets=",".join(event.asset_ids),
                    assets_text=", ".join(event.asset_ids) or "no listed asset",
                    final=bool(event.final),
                    expires_on="" if event.expires_on is None else event.expires_on.isoformat(),
                    basis=_s(event.legal_basis),
                    basis_key=basis_key(event.legal_basis),
                )
                # The engine adds `held` (engine/_standing.py) for the earliest order
                # of a jurisdiction still holding an asset.
                for asset in event.asset_ids or ("",):
                    yield fact(
                        "order",
                        order_id=event.order_id,
                        order_type=event.order_type,
                        jurisdiction=event.issuing_jurisdiction,
                        asset_id=asset,
                        final=bool(event.final),
                        expires_on="" if event.expires_on is None else event.expires_on.isoformat(),
                        basis=_s(event.legal_basis),
                    )
                yield from involved(event.issuing_jurisdiction)
            case t.OrderExtended():
                yield fact(
                    "extension", order_id=event.order_id, expires_on=event.expires_on.isoformat()
                )
            case t.OrderLifted():
                yield fact("lifted", order_id=event.order_id)
            case t.MlaRequestSent():
                certificate = self._certificate(event)
                # One fact per request (its answer is due once), one per asset it covers.
                yield fact(
                    "mla",
                    request_id=event.request_id,
                    requesting=event.requesting_jurisdiction,
                    to=event.requested_jurisdiction,
                    purpose=event.purpose,
                    assets=",".join(event.asset_ids),
                    order_id=_s(event.order_id),
                    instrument=_s(event.instrument),
                    urgent=event.urgent,
                    certificate=certificate,
                )
                for asset in event.asset_ids or ("",):
                    yield fact(
                        "request",
                        request_id=event.request_id,
                        requesting=event.requesting_jurisdiction,
                        to=event.requested_jurisdiction,
                        purpose=event.purpose,
                        asset_id=asset,
                        order_id=_s(event.order_id),
                        instrument=_s(event.instrument),
                        urgent=event.urgent,
                        certificate=certificate,
                    )
                yield from involved(event.requested_jurisdiction)
            case t.MlaRequestReceived():
                yield fact("received", request_id=event.request_id)
            case t.MlaRequestAnswered():
                yield fact("answer", request_id=event.request_id, outcome=event.outcome)
            case t.OrderRecognized():
                for asset in self._order_assets.get(event.order_id, ()) or ("",):
                    yield fact(
                        "recognition",
                        order_id=event.order_id,
                        jurisdiction=event.executing_jurisdiction,
                        executed=event.executed,
                        asset_id=asset,
                    )
                yield from involved(event.executing_jurisdiction)
            case t.TransferDetected():
                yield fact(
                    "transfer",
                    transfer_id=event.transfer_id,
                    from_asset=event.from_asset_id,
                    to_asset=_s(event.to_asset_id),
                    from_j=event.from_jurisdiction,
                    to_j=event.to_jurisdiction,
                    amount=str(event.amount.amount),
                    currency=event.amount.currency,
                    amount_text=money_text(event.amount.amount, event.amount.currency),
                    to_text=(
                        f"{event.to_asset_id} ({event.to_jurisdiction})"
                        if event.to_asset_id
                        else event.to_jurisdiction
                    ),
                )
                yield from involved(event.to_jurisdiction)
            case t.FiuPostponement():
                for asset in event.asset_ids or ("",):
                    yield fact(
                        "postponement",
                        postponement_id=event.postponement_id,
                        jurisdiction=event.jurisdiction,
                        asset_id=asset,
                    )
                yield from involved(event.jurisdiction)
            case t.AssetConfiscated():
                yield fact(
                    "confiscated",
                    asset_id=event.asset_id,
                    jurisdiction=event.jurisdiction,
                    order_id=event.order_id,
                )
                for order_id in self._asset_orders.get(event.asset_id, ()):
                    yield fact("confiscation_of", order_id=order_id, asset_id=event.asset_id)
            case t.AssetReturned():
                yield fact(
                    "returned",
                    asset_id=event.asset_id,
                    from_j=event.from_jurisdiction,
                    to=event.to_jurisdiction,
                )
            case t.CaseClosed():
                yield fact("closed")
            case t.ReportFiled():
                yield fact(
                    "reported",
                    report_id=event.report_id,
                    jurisdiction=event.fiu_jurisdiction,
                    kind=event.kind,
                    entity=event.reporting_entity,
                    assets=",".join(event.asset_ids),
                    assets_text=", ".join(event.asset_ids) or "no listed asset",
                )
                for asset in event.asset_ids or ("",):
                    yield fact(
                        "report",
                        report_id=event.report_id,
                        jurisdiction=event.fiu_jurisdiction,
                        kind=event.kind,
                        asset_id=asset,
                    )
                yield from involved(event.fiu_jurisdiction)
            case t.FiuDecision():
                yield fact("fiu_decision", report_id=event.report_id, decision=event.decision)
            case t.FiuPostponementExtended():
                yield fact(
                    "suspension_extended",
                    postponement_id=event.postponement_id,
                    expires_on=event.expires_on.isoformat(),
                )
            case t.FiuPostponementLifted():
                yield fact("suspension_lifted", postponement_id=event.postponement_id)
            case t.CourtRuling():
                yield fact(
                    "ruling",
                    ruling_id=event.ruling_id,
                    jurisdiction=event.jurisdiction,
                    kind=event.kind,
                    outcome=event.outcome,
                    order_id=_s(event.order_id),
                    proceeding_id=_s(event.proceeding_id),
                )
                if event.kind == "discharge" and event.outcome == "granted" and event.order_id:
                    # A discharged order holds nothing: to the rules it is lifted.
                    yield fact("lifted", order_id=event.order_id)
                yield from involved(event.jurisdiction)
            case t.ProceedingClosed():
                yield fact(
                    "proceeding_closed",
                    proceeding_id=event.proceeding_id,
                    outcome=event.outcome,
                    to=_s(event.transferred_to_jurisdiction),
                )
            case t.ForfeitureNoticeSent():
                for asset in event.asset_ids or ("",):
                    yield fact(
                        "notice",
                        notice_id=event.notice_id,
                        jurisdiction=event.jurisdiction,
                        asset_id=asset,
                        order_id=_s(event.order_id),
                    )
            case t.ClaimFiled():
                yield fact(
                    "claim",
                    claim_id=event.claim_id,
                    jurisdiction=event.jurisdiction,
                    assets=",".join(event.asset_ids),
                    assets_text=", ".join(event.asset_ids) or "no listed asset",
                    claimant=event.claimant or "a claimant",
                )
            case t.RequestStatusReported():
                yield fact("status", request_id=event.request_id, status=event.status)
            case t.OrderVaried():
                yield fact("varied", order_id=event.order_id, variation=event.variation)
                if event.variation == "partial_release":
                    for asset in event.asset_ids:
                        yield fact("released", order_id=event.order_id, asset_id=asset)
            case t.EntityIdentified():
                yield fact(
                    "entity",
                    entity_id=event.entity_id,
                    name=event.name,
                    kind=event.kind,
                    jurisdiction=event.jurisdiction,
                )
            case t.OwnershipLinked():
                yield fact(
                    "link",
                    link_id=event.link_id,
                    owner_id=event.owner_id,
                    relation=event.relation,
                    owned_id=_s(event.owned_id),
                    asset_id=_s(event.asset_id),
                )
            case t.ChargeFiled():
                for subject in event.subject_ids or ("",):
                    yield fact(
                        "charge",
                        charge_id=event.charge_id,
                        jurisdiction=event.jurisdiction,
                        kind=event.kind,
                        subject_id=subject,
                    )
                yield from involved(event.jurisdiction)
            case t.EventRetracted():
                yield fact("retraction", retracted_event_id=event.retracted_event_id)
