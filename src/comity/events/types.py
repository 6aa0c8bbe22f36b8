"""The v1 event types: the public contract with case-management systems.

Every class is frozen and keyword-only so that an event, once built, is a value: it
can be hashed into the chain and compared for idempotency. Field names and types are
fixed by DESIGN.md section 2; add fields or types, never rename.
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
    "Event",
    "FiuPostponement",
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
    "ProceedingKind",
    "ProceedingOpened",
    "SubjectIdentified",
    "SubjectKind",
    "TransferDetected",
    "ValidTime",
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
)

#: type tag -> class, in the order DESIGN.md lists them.
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
    )
}
