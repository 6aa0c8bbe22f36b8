"""The v1 event types: the public contract with case-management systems.

Every class is frozen and keyword-only so that an event, once built, is a value: it
can be hashed into the chain and compared for idempotency. Field names and types are
the contract (docs/events.md): add fields or types, never rename, since case systems
write them and stored events must keep their meaning.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import ClassVar, Literal, TypeAlias

import attrs

__all__ = [
    "EVENT_TYPES",
    "AssetConfiscated",
    "AssetLocated",
    "AssetReturned",
    "AssetType",
    "CaseClosed",
    "CaseOpened",
    "Certificate",
    "ChargeFiled",
    "ChargeKind",
    "ClaimFiled",
    "CourtRuling",
    "EntityIdentified",
    "EntityKind",
    "Event",
    "EventRetracted",
    "FiuDecision",
    "FiuDecisionKind",
    "FiuPostponement",
    "FiuPostponementExtended",
    "FiuPostponementLifted",
    "ForfeitureNoticeSent",
    "MlaPurpose",
    "MlaRequestAnswered",
    "MlaRequestReceived",
    "MlaRequestSent",
    "Money",
    "Offence",
    "OrderExtended",
    "OrderIssued",
    "OrderLifted",
    "OrderRecognized",
    "OrderType",
    "OrderVaried",
    "OwnershipLinked",
    "OwnershipRelation",
    "ProceedingClosed",
    "ProceedingKind",
    "ProceedingOpened",
    "ProceedingOutcome",
    "ReportFiled",
    "ReportKind",
    "RequestStatusReported",
    "RulingKind",
    "RulingOutcome",
    "StatusKind",
    "SubjectIdentified",
    "SubjectKind",
    "TransferDetected",
    "ValidTime",
    "VariationKind",
]

#: `occurred_at` is a calendar date or an instant in UTC (never a naive datetime).
ValidTime: TypeAlias = dt.date | dt.datetime

Offence = Literal[
    "drug_trafficking",
    "money_laundering",
    "corruption",
    "embezzlement",
    "organized_crime",
    "fraud",
    "other",
]
SubjectKind = Literal["person", "company"]
Certificate = Literal["freezing", "confiscation"]
AssetType = Literal[
    "bank_account",
    "real_estate",
    "vehicle",
    "vessel",
    "aircraft",
    "company_shares",
    "securities",
    "virtual_asset",
    "cash",
    "other",
]
ProceedingKind = Literal["criminal", "ncb_forfeiture", "civil"]
OrderType = Literal["freeze", "seizure", "confiscation", "release"]
MlaPurpose = Literal["provisional_measures", "execute_order", "evidence", "return_of_assets"]
MlaOutcome = Literal["granted", "partially_granted", "refused", "postponed"]


@attrs.frozen(kw_only=True)
class Money:
    """An amount in one currency; the amount is exact (Decimal), never a float."""

    amount: Decimal
    currency: str


@attrs.frozen(kw_only=True)
class _Envelope:
    """Fields every event carries, set by the writer (the log adds the rest)."""

    TYPE: ClassVar[str] = ""

    event_id: str
    case_id: str
    occurred_at: ValidTime
    source: str | None = None
    schema_version: int = 1

    @property
    def type(self) -> str:
        return self.TYPE


@attrs.frozen(kw_only=True)
class CaseOpened(_Envelope):
    TYPE: ClassVar[str] = "case_opened"
    lead_jurisdiction: str
    title: str | None = None
    offences: tuple[Offence, ...] = ()


@attrs.frozen(kw_only=True)
class SubjectIdentified(_Envelope):
    TYPE: ClassVar[str] = "subject_identified"
    subject_id: str
    name: str
    kind: SubjectKind
    jurisdictions: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class AssetLocated(_Envelope):
    TYPE: ClassVar[str] = "asset_located"
    asset_id: str
    asset_type: AssetType
    jurisdiction: str
    holder: str | None = None
    value: Money | None = None
    description: str | None = None


@attrs.frozen(kw_only=True)
class ProceedingOpened(_Envelope):
    TYPE: ClassVar[str] = "proceeding_opened"
    proceeding_id: str
    jurisdiction: str
    kind: ProceedingKind
    subject_ids: tuple[str, ...] = ()
    authority: str | None = None


@attrs.frozen(kw_only=True)
class OrderIssued(_Envelope):
    TYPE: ClassVar[str] = "order_issued"
    order_id: str
    order_type: OrderType
    issuing_jurisdiction: str
    asset_ids: tuple[str, ...] = ()
    authority: str | None = None
    expires_on: dt.date | None = None
    final: bool | None = None
    legal_basis: str | None = None


@attrs.frozen(kw_only=True)
class OrderExtended(_Envelope):
    TYPE: ClassVar[str] = "order_extended"
    order_id: str
    expires_on: dt.date


@attrs.frozen(kw_only=True)
class OrderLifted(_Envelope):
    TYPE: ClassVar[str] = "order_lifted"
    order_id: str
    reason: str | None = None


@attrs.frozen(kw_only=True)
class MlaRequestSent(_Envelope):
    TYPE: ClassVar[str] = "mla_request_sent"
    request_id: str
    requesting_jurisdiction: str
    requested_jurisdiction: str
    purpose: MlaPurpose
    asset_ids: tuple[str, ...] = ()
    order_id: str | None = None
    instrument: str | None = None
    urgent: bool = False
    #: Under Reg. (EU) 2018/1805, the certificate the request carries (Annex I or II).
    #: When absent, the type of `order_id` decides (docs/rules.md).
    certificate: Certificate | None = None


@attrs.frozen(kw_only=True)
class MlaRequestReceived(_Envelope):
    """`occurred_at` is receipt by the requested authority: most treaty clocks start here."""

    TYPE: ClassVar[str] = "mla_request_received"
    request_id: str


@attrs.frozen(kw_only=True)
class MlaRequestAnswered(_Envelope):
    TYPE: ClassVar[str] = "mla_request_answered"
    request_id: str
    outcome: MlaOutcome
    grounds: str | None = None


@attrs.frozen(kw_only=True)
class OrderRecognized(_Envelope):
    TYPE: ClassVar[str] = "order_recognized"
    order_id: str
    executing_jurisdiction: str
    executed: bool


@attrs.frozen(kw_only=True)
class TransferDetected(_Envelope):
    """`occurred_at` is when the transfer was executed, not when it was reported."""

    TYPE: ClassVar[str] = "transfer_detected"
    transfer_id: str
    from_asset_id: str
    from_jurisdiction: str
    to_jurisdiction: str
    amount: Money
    to_asset_id: str | None = None


@attrs.frozen(kw_only=True)
class FiuPostponement(_Envelope):
    TYPE: ClassVar[str] = "fiu_postponement"
    postponement_id: str
    jurisdiction: str
    asset_ids: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class AssetConfiscated(_Envelope):
    TYPE: ClassVar[str] = "asset_confiscated"
    asset_id: str
    jurisdiction: str
    order_id: str


@attrs.frozen(kw_only=True)
class AssetReturned(_Envelope):
    TYPE: ClassVar[str] = "asset_returned"
    asset_id: str
    from_jurisdiction: str
    to_jurisdiction: str
    amount: Money | None = None


@attrs.frozen(kw_only=True)
class CaseClosed(_Envelope):
    TYPE: ClassVar[str] = "case_closed"
    reason: str | None = None


# --- added to format v1 (docs/events.md, "Fields and types added to format v1") ------

ReportKind = Literal["suspicious_activity", "consent_request"]
FiuDecisionKind = Literal["consent_granted", "consent_refused"]
RulingKind = Literal["challenge", "appeal", "discharge", "variation", "final", "enforceable"]
RulingOutcome = Literal["granted", "refused"]
ProceedingOutcome = Literal["convicted", "acquitted", "discontinued", "transferred"]
StatusKind = Literal[
    "in_progress", "delayed", "limit_freezing_requested", "limit_freezing_answered"
]
VariationKind = Literal["partial_release", "exclusion", "other"]
EntityKind = Literal["company", "trust", "foundation", "partnership", "other"]
OwnershipRelation = Literal[
    "beneficial_owner", "shareholder", "director", "trustee", "settlor", "beneficiary", "nominee"
]
ChargeKind = Literal["arrest", "charge"]


@attrs.frozen(kw_only=True)
class ReportFiled(_Envelope):
    """A suspicious-activity report, or a request for consent, made to an FIU.
    `occurred_at` is when the report was made: the UK notice period counts from it."""

    TYPE: ClassVar[str] = "report_filed"
    report_id: str
    reporting_entity: str
    fiu_jurisdiction: str
    kind: ReportKind = "suspicious_activity"
    asset_ids: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class FiuDecision(_Envelope):
    """The FIU's answer to a consent request. `occurred_at` is when the reporter
    received the notice: a UK moratorium counts from that day (POCA s. 335(6))."""

    TYPE: ClassVar[str] = "fiu_decision"
    report_id: str
    decision: FiuDecisionKind


@attrs.frozen(kw_only=True)
class FiuPostponementExtended(_Envelope):
    """A suspension extended to `expires_on` (a court's extension of a UK moratorium
    under POCA s. 336A). `postponement_id` names an `fiu_postponement`, or the
    `report_id` of a report whose moratorium runs."""

    TYPE: ClassVar[str] = "fiu_postponement_extended"
    postponement_id: str
    expires_on: dt.date
    authority: str | None = None


@attrs.frozen(kw_only=True)
class FiuPostponementLifted(_Envelope):
    """A suspension ended early; `postponement_id` as in `fiu_postponement_extended`."""

    TYPE: ClassVar[str] = "fiu_postponement_lifted"
    postponement_id: str
    reason: str | None = None


@attrs.frozen(kw_only=True)
class CourtRuling(_Envelope):
    """A court's ruling on an order or a proceeding: a challenge or appeal decided, an
    order discharged or varied, or an order becoming final or enforceable."""

    TYPE: ClassVar[str] = "court_ruling"
    ruling_id: str
    jurisdiction: str
    kind: RulingKind
    outcome: RulingOutcome = "granted"
    order_id: str | None = None
    proceeding_id: str | None = None
    court: str | None = None


@attrs.frozen(kw_only=True)
class ProceedingClosed(_Envelope):
    TYPE: ClassVar[str] = "proceeding_closed"
    proceeding_id: str
    outcome: ProceedingOutcome
    transferred_to_jurisdiction: str | None = None


@attrs.frozen(kw_only=True)
class ForfeitureNoticeSent(_Envelope):
    """Written notice of a seizure for forfeiture sent to interested parties
    (18 U.S.C. 983(a)(1)(A))."""

    TYPE: ClassVar[str] = "forfeiture_notice_sent"
    notice_id: str
    jurisdiction: str
    asset_ids: tuple[str, ...] = ()
    order_id: str | None = None


@attrs.frozen(kw_only=True)
class ClaimFiled(_Envelope):
    """A claim to seized property. `occurred_at` is when the designated official
    received it: the government's 90 days to file a complaint count from it
    (18 U.S.C. 983(a)(3)(A))."""

    TYPE: ClassVar[str] = "claim_filed"
    claim_id: str
    jurisdiction: str
    asset_ids: tuple[str, ...] = ()
    claimant: str | None = None


@attrs.frozen(kw_only=True)
class RequestStatusReported(_Envelope):
    """The executing authority reports on a request: in progress, delayed (Reg.
    2018/1805 arts. 9(5), 20(4); EIO art. 12(5)), or a reasoned request to limit the
    period of a freeze (Reg. 2018/1805 art. 12(2)) and the issuing authority's answer."""

    TYPE: ClassVar[str] = "request_status_reported"
    request_id: str
    status: StatusKind
    reasons: str | None = None


@attrs.frozen(kw_only=True)
class OrderVaried(_Envelope):
    """An order varied: `asset_ids` released from it (a partial release), or an
    exclusion (living or legal expenses) that leaves the assets frozen."""

    TYPE: ClassVar[str] = "order_varied"
    order_id: str
    variation: VariationKind
    asset_ids: tuple[str, ...] = ()
    amount: Money | None = None


@attrs.frozen(kw_only=True)
class EntityIdentified(_Envelope):
    """A legal person or arrangement (a company, trust, foundation): shell structures
    as facts, not free text."""

    TYPE: ClassVar[str] = "entity_identified"
    entity_id: str
    name: str
    kind: EntityKind
    jurisdiction: str


@attrs.frozen(kw_only=True)
class OwnershipLinked(_Envelope):
    """`owner_id` (a subject or an entity) stands in `relation` to `owned_id` (an
    entity) or, with `asset_id`, holds an asset."""

    TYPE: ClassVar[str] = "ownership_linked"
    link_id: str
    owner_id: str
    relation: OwnershipRelation
    owned_id: str | None = None
    asset_id: str | None = None


@attrs.frozen(kw_only=True)
class ChargeFiled(_Envelope):
    """An arrest or a criminal charge, in `jurisdiction`: abroad, the trigger of a US
    restraint under 18 U.S.C. 981(b)(4)."""

    TYPE: ClassVar[str] = "charge_filed"
    charge_id: str
    jurisdiction: str
    kind: ChargeKind
    subject_ids: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class EventRetracted(_Envelope):
    """An event entered in error. The log keeps both; replays ignore the retracted one."""

    TYPE: ClassVar[str] = "event_retracted"
    retracted_event_id: str
    reason: str | None = None


Event: TypeAlias = (
    CaseOpened
    | SubjectIdentified
    | AssetLocated
    | ProceedingOpened
    | OrderIssued
    | OrderExtended
    | OrderLifted
    | MlaRequestSent
    | MlaRequestReceived
    | MlaRequestAnswered
    | OrderRecognized
    | TransferDetected
    | FiuPostponement
    | AssetConfiscated
    | AssetReturned
    | CaseClosed
    | ReportFiled
    | FiuDecision
    | FiuPostponementExtended
    | FiuPostponementLifted
    | CourtRuling
    | ProceedingClosed
    | ForfeitureNoticeSent
    | ClaimFiled
    | RequestStatusReported
    | OrderVaried
    | EntityIdentified
    | OwnershipLinked
    | ChargeFiled
    | EventRetracted
)

#: type tag -> class: the types of format v1 in the order docs/events.md lists them,
#: then the ones added since.
EVENT_TYPES: dict[str, type[Event]] = {
    cls.TYPE: cls
    for cls in (
        CaseOpened,
        SubjectIdentified,
        AssetLocated,
        ProceedingOpened,
        OrderIssued,
        OrderExtended,
        OrderLifted,
        MlaRequestSent,
        MlaRequestReceived,
        MlaRequestAnswered,
        OrderRecognized,
        TransferDetected,
        FiuPostponement,
        AssetConfiscated,
        AssetReturned,
        CaseClosed,
        ReportFiled,
        FiuDecision,
        FiuPostponementExtended,
        FiuPostponementLifted,
        CourtRuling,
        ProceedingClosed,
        ForfeitureNoticeSent,
        ClaimFiled,
        RequestStatusReported,
        OrderVaried,
        EntityIdentified,
        OwnershipLinked,
        ChargeFiled,
        EventRetracted,
    )
}
