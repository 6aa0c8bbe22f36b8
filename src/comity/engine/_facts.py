"""Events to flat facts: the shape the rules see.

Facts are small and flat (hazard 13: at most 255 properties, nested objects flattened)
and carry only what rules test, plus `ev` (the event id, for provenance) and `at` (the
valid time as a fixed-width UTC string, which compares correctly as text: hazard 12).
A list field (an order's `asset_ids`) becomes one fact per element, because the Rete
network joins on scalars. Money stays a decimal string (hazard 11).

What an event says about the world is a fact here; what it says about the record (its
references, a second record of one id: the data-quality facts) is `_quality.py`'s,
which the projector asks for each event's. Which things an event introduces and refers
to is `_references.py`'s.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from comity.engine._quality import RecordCheck
from comity.engine._references import definitions, event_fields, references
from comity.events import types as t
from comity.events.time import first_instant as instant

__all__ = ["FactProjector", "definitions", "instant", "references"]


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
    """Turns one case's events into facts; remembers orders to expand recognitions.

    `record` is every event the run will apply, in the order it applies them, and
    `present` the ids of every event of the case, retracted ones included (what a
    retraction may name). With a record, the projector knows which references the
    record satisfies: a reference to a thing recorded (for an order, a request, a
    report, a suspension or a proceeding: recorded on or before the referring event's
    day), or a retraction of an event the case holds, can match no data-quality rule,
    and no fact is made of it; the `defined` facts of what an unsatisfied reference
    names (recorded only later) come before the first event's facts. A case whose
    records hold together gets no `ref` or `defined` fact at all. Without a record
    (facts of events one at a time, as the docs show them) every reference and
    definition is a fact, each with its event. That side of the projection is its
    `RecordCheck`'s (`_quality.py`).
    """

    def __init__(
        self, record: Sequence[t.Event] | None = None, present: Collection[str] = ()
    ) -> None:
        self._order_assets: dict[str, tuple[str, ...]] = {}
        self._order_types: dict[str, str] = {}
        self._asset_orders: dict[str, list[str]] = {}
        self._involved: set[str] = set()
        # the assets located, by (asset id, jurisdiction)
        self._located: set[tuple[str, str]] = set()
        self._confiscated_orders: set[str] = set()  # measures a confiscation took over
        self._check = RecordCheck(record, present)
        # the first day on which each (kind, id) is recorded: the check's own dict
        self._earliest = self._check.earliest

    def completes(self, event: t.Event) -> bool:
        """Whether the event supplies what an event already applied refers to and the
        record lacked (`RecordCheck.completes`): a run that applies it must replay
        the case."""
        return self._check.completes(event)

    def _taken_over(self, orders: Iterable[str]) -> list[str]:
        """The orders a confiscation takes over from that none took over before: only
        the first confiscation ends a measure (DL-001 is met once), and one fact per
        measure and confiscation grew with the product of the two on one asset."""
        fresh = [o for o in orders if o not in self._confiscated_orders]
        self._confiscated_orders.update(fresh)
        return fresh

    def _new_place(self, event: t.AssetLocated) -> bool:
        """Whether the asset is located in a jurisdiction no earlier event put it in."""
        place = (event.asset_id, event.jurisdiction)
        new = place not in self._located
        self._located.add(place)
        return new

    def _order_text(self, order_id: str) -> str:
        """How a message names an order an event acts under, without vouching for one
        that no event of the case issued."""
        if ("order", order_id) in self._earliest:
            return f"under order {order_id}"
        return f"under order {order_id}, which no event of the case issued"

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
        base = event_fields(event)

        def fact(fact_type: str, /, **fields: Any) -> dict[str, Any]:
            return {"t": fact_type, **base, **fields}

        check = self._check
        if check.first and check.record is not None:
            yield from check.leading_facts()
        repeat = check.repeats(event)
        # The first record stands; a second that contradicts it is reported (DQ-011,
        # DQ-012) and otherwise ignored, so that no rule joins every record of one id
        # with every event acting on it. One that only repeats it (an asset located
        # again where it lies) adds nothing the rules read. An asset located in
        # another place, or a party recorded again, still counts.
        ignored = repeat is not None and not (
            isinstance(event, t.SubjectIdentified | t.EntityIdentified)
            or (isinstance(event, t.AssetLocated) and self._new_place(event))
        )
        if check.record is None and repeat is None:
            yield from check.defined_facts(event)
        if not ignored:
            yield from check.reference_facts(event, fact)
        if repeat is not None and (repeat.said is None or repeat.said != repeat.says):
            yield repeat.redefined_fact(event, fact)
        if ignored:
            return

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
                if repeat is None:
                    self._new_place(event)
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
                    for order_id in self._taken_over(held):
                        yield fact("confiscation_of", order_id=order_id, asset_id="")
                self._order_assets[event.order_id] = event.asset_ids
                self._order_types[event.order_id] = event.order_type
                if event.order_type != "confiscation":
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
                        order_text=self._order_text(event.order_id),
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
                    order_text=self._order_text(event.order_id),
                )
                for order_id in self._taken_over(self._asset_orders.get(event.asset_id, ())):
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
