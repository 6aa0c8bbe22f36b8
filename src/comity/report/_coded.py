"""The coded values reports put into words: each is marked here, literally, so that
`pybabel extract` finds it (keyword `coded:1c,2`) and a test can check that every event
type, severity, confidence and coded field a rule message names has its entry; adding a
value to the event format means adding it here and to each catalog."""

from __future__ import annotations

__all__ = ["CODED"]


def coded(context: str, value: str) -> tuple[str, str]:
    """A mark for extraction: `value` of the coded field `context`."""
    return (context, value)


#: Every (field, value) pair the reports word through the catalog.
CODED = (
    coded("severity", "critical"),
    coded("severity", "warning"),
    coded("severity", "info"),
    coded("confidence", "verified"),
    coded("confidence", "unverified"),
    coded("confidence", "policy"),
    coded("policy", "comity policy"),
    coded("policy", "warning window of the next step extend_order"),
    coded("policy", "follow-up window of the next step follow_up_request"),
    coded("event_type", "case_opened"),
    coded("event_type", "subject_identified"),
    coded("event_type", "asset_located"),
    coded("event_type", "order_issued"),
    coded("event_type", "order_extended"),
    coded("event_type", "order_lifted"),
    coded("event_type", "order_recognized"),
    coded("event_type", "mla_request_sent"),
    coded("event_type", "mla_request_received"),
    coded("event_type", "mla_request_answered"),
    coded("event_type", "transfer_detected"),
    coded("event_type", "fiu_postponement"),
    coded("event_type", "proceeding_opened"),
    coded("event_type", "asset_confiscated"),
    coded("event_type", "asset_returned"),
    coded("event_type", "case_closed"),
    coded("event_type", "report_filed"),
    coded("event_type", "fiu_decision"),
    coded("event_type", "fiu_postponement_extended"),
    coded("event_type", "fiu_postponement_lifted"),
    coded("event_type", "court_ruling"),
    coded("event_type", "proceeding_closed"),
    coded("event_type", "forfeiture_notice_sent"),
    coded("event_type", "claim_filed"),
    coded("event_type", "request_status_reported"),
    coded("event_type", "order_varied"),
    coded("event_type", "entity_identified"),
    coded("event_type", "ownership_linked"),
    coded("event_type", "charge_filed"),
    coded("event_type", "event_retracted"),
    coded("order_type", "freeze"),
    coded("order_type", "seizure"),
    coded("order_type", "confiscation"),
    coded("order_type", "release"),
    coded("asset_type", "bank_account"),
    coded("asset_type", "real_estate"),
    coded("asset_type", "vehicle"),
    coded("asset_type", "vessel"),
    coded("asset_type", "aircraft"),
    coded("asset_type", "company_shares"),
    coded("asset_type", "securities"),
    coded("asset_type", "virtual_asset"),
    coded("asset_type", "cash"),
    coded("asset_type", "other"),
    coded("certificate", "freezing"),
    coded("certificate", "confiscation"),
    coded("purpose", "provisional_measures"),
    coded("purpose", "execute_order"),
    coded("purpose", "evidence"),
    coded("purpose", "return_of_assets"),
    # What a data-quality finding says a reference is to (engine/_references.py).
    coded("ref_kind", "case"),
    coded("ref_kind", "asset"),
    coded("ref_kind", "order"),
    coded("ref_kind", "request"),
    coded("ref_kind", "report"),
    coded("ref_kind", "postponement"),
    coded("ref_kind", "proceeding"),
    coded("ref_kind", "subject"),
    coded("ref_kind", "entity"),
    coded("ref_kind", "party"),
    coded("ref_kind", "event"),
)
