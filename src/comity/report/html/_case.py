"""What the HTML report shows of a case, worked out from its events and its replay.

The engine's result says what was found; the events say what happened: where each
asset lies, which orders cover it, which requests went where, where value moved. This
module reads both into the plain values of :mod:`comity.report.html._view` that the
template and the pictures draw (lanes, marks, asset states, transfers, findings named
by their events), so that neither the template nor the SVG code interprets an event.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

from comity.engine import CaseResult, Finding
from comity.events import StoredEvent, format_time
from comity.events import types as ev
from comity.events.time import first_instant
from comity.i18n import N_
from comity.report.html._view import (
    KINDS,
    AssetView,
    CaseView,
    EventView,
    FindingView,
    Mark,
    Span,
    TransferView,
    day_of,
    money,
)
from comity.report.labels import Translate

__all__ = [
    "KINDS",
    "AssetView",
    "CaseView",
    "EventView",
    "Mark",
    "TransferView",
    "case_view",
    "money",
]

#: Each event type in words, as the timeline and "caused by" name it.
_LABELS = {
    "case_opened": N_("case opened"),
    "subject_identified": N_("subject identified"),
    "asset_located": N_("asset located"),
    "proceeding_opened": N_("proceeding opened"),
    "order_issued": N_("order issued"),
    "order_extended": N_("order extended"),
    "order_lifted": N_("order lifted"),
    "mla_request_sent": N_("MLA request sent"),
    "mla_request_received": N_("MLA request received"),
    "mla_request_answered": N_("MLA request answered"),
    "order_recognized": N_("order recognized"),
    "transfer_detected": N_("transfer detected"),
    "fiu_postponement": N_("FIU postponement"),
    "asset_confiscated": N_("asset confiscated"),
    "asset_returned": N_("asset returned"),
    "case_closed": N_("case closed"),
    "report_filed": N_("report made to the FIU"),
    "fiu_decision": N_("FIU decision"),
    "fiu_postponement_extended": N_("FIU postponement extended"),
    "fiu_postponement_lifted": N_("FIU postponement lifted"),
    "court_ruling": N_("court ruling"),
    "proceeding_closed": N_("proceeding closed"),
    "forfeiture_notice_sent": N_("forfeiture notice sent"),
    "claim_filed": N_("claim filed"),
    "request_status_reported": N_("request status reported"),
    "order_varied": N_("order varied"),
    "entity_identified": N_("legal entity identified"),
    "ownership_linked": N_("ownership linked"),
    "charge_filed": N_("arrest or charge"),
    "event_retracted": N_("event entered in error"),
}
#: Jurisdictions whose non-conviction-based forfeiture is a law of extinción de dominio.
_EXTINCION_DE_DOMINIO = frozenset({"CO", "GT", "HN", "MX", "PE", "SV"})
_ORDER_LABELS = {
    "freeze": N_("freezing order"),
    "seizure": N_("seizure order"),
    "confiscation": N_("confiscation order"),
    "release": N_("release order"),
}


class _Reader:
    """Reads the events in valid-time order, keeping what later events refer to."""

    def __init__(self, lead: str, _: Translate) -> None:
        self._ = _
        self.lead = lead
        self.orders: dict[str, ev.OrderIssued] = {}
        self.expiry: dict[str, dt.date | None] = {}
        self.ended: dict[str, dt.date] = {}
        self.requests: dict[str, ev.MlaRequestSent] = {}
        self.assets: dict[str, ev.AssetLocated] = {}
        self.ordered: set[str] = set()  # a confiscation order covers them
        self.confiscated: set[str] = set()  # confiscated where they lie
        self.returned: set[str] = set()
        self.jurisdictions: list[str] = [lead] if lead else []

    def involve(self, *codes: str | None) -> None:
        for code in codes:
            if code and code not in self.jurisdictions:
                self.jurisdictions.append(code)

    def read(self, e: ev.Event) -> tuple[str, str, str, str]:
        """(kind, label, detail, lane) of one event, noting what later ones need."""
        _ = self._
        label = _(_LABELS.get(e.TYPE, e.TYPE.replace("_", " ")))
        if isinstance(e, ev.CaseOpened):
            self.involve(e.lead_jurisdiction)
            return "event", label, e.lead_jurisdiction, e.lead_jurisdiction
        if isinstance(e, ev.SubjectIdentified):
            lane = e.jurisdictions[0] if e.jurisdictions else self.lead
            self.involve(*e.jurisdictions)
            return "event", label, f"{e.subject_id} {e.name}", lane
        if isinstance(e, ev.AssetLocated):
            self.assets[e.asset_id] = e
            self.involve(e.jurisdiction)
            return "event", label, f"{e.asset_id} ({e.jurisdiction})", e.jurisdiction
        if isinstance(e, ev.ProceedingOpened):
            self.involve(e.jurisdiction)
            kind = _(e.kind)
            if e.kind == "ncb_forfeiture":
                # Where the law names it so (Colombia's Ley 1708 de 2014 and the laws
                # modelled on it), it is extinción de dominio; elsewhere, in Spanish,
                # decomiso sin condena.
                kind = (
                    _("non-conviction-based forfeiture (extinción de dominio)")
                    if e.jurisdiction in _EXTINCION_DE_DOMINIO
                    else _("non-conviction-based forfeiture")
                )
            return "event", label, f"{e.proceeding_id} {kind} ({e.jurisdiction})", e.jurisdiction
        if isinstance(e, ev.OrderIssued):
            self.orders[e.order_id] = e
            self.expiry[e.order_id] = e.expires_on
            self.involve(e.issuing_jurisdiction)
            if e.order_type == "confiscation":
                self.ordered.update(e.asset_ids)
            assets = ", ".join(e.asset_ids)
            what = _(_ORDER_LABELS[e.order_type])
            detail = f"{e.order_id} ({e.issuing_jurisdiction})" + (f": {assets}" if assets else "")
            return "order", what, detail, e.issuing_jurisdiction
        if isinstance(e, ev.OrderExtended | ev.OrderLifted):
            order = self.orders.get(e.order_id)
            lane = order.issuing_jurisdiction if order else self.lead
            if isinstance(e, ev.OrderExtended):
                self.expiry[e.order_id] = e.expires_on
                detail = f"{e.order_id} → {e.expires_on.isoformat()}"
            else:
                self.ended[e.order_id] = day_of(e.occurred_at)
                detail = e.order_id
            return "order", label, detail, lane
        if isinstance(e, ev.OrderRecognized):
            self.involve(e.executing_jurisdiction)
            return (
                "order",
                label,
                f"{e.order_id} ({e.executing_jurisdiction})",
                e.executing_jurisdiction,
            )
        if isinstance(e, ev.MlaRequestSent):
            self.requests[e.request_id] = e
            self.involve(e.requesting_jurisdiction, e.requested_jurisdiction)
            route = f"{e.requesting_jurisdiction} → {e.requested_jurisdiction}"
            return "request", label, f"{e.request_id} {route}", e.requesting_jurisdiction
        if isinstance(e, ev.MlaRequestReceived | ev.MlaRequestAnswered):
            sent = self.requests.get(e.request_id)
            lane = sent.requested_jurisdiction if sent else self.lead
            detail = e.request_id
            if isinstance(e, ev.MlaRequestAnswered):
                detail += f": {_(e.outcome.replace('_', ' '))}"
            return "request", label, f"{detail} ({lane})", lane
        if isinstance(e, ev.TransferDetected):
            self.involve(e.from_jurisdiction, e.to_jurisdiction)
            detail = (
                f"{e.transfer_id} {e.from_jurisdiction} → {e.to_jurisdiction}, {money(e.amount)}"
            )
            return "event", label, detail, e.from_jurisdiction
        if isinstance(e, ev.FiuPostponement):
            self.involve(e.jurisdiction)
            return "order", label, f"{e.postponement_id} ({e.jurisdiction})", e.jurisdiction
        if isinstance(e, ev.AssetConfiscated):
            self.confiscated.add(e.asset_id)
            self.involve(e.jurisdiction)
            return "order", label, f"{e.asset_id} ({e.jurisdiction}, {e.order_id})", e.jurisdiction
        if isinstance(e, ev.AssetReturned):
            self.returned.add(e.asset_id)
            self.involve(e.from_jurisdiction, e.to_jurisdiction)
            detail = f"{e.asset_id} {e.from_jurisdiction} → {e.to_jurisdiction}"
            if e.amount is not None:
                detail += f", {money(e.amount)}"
            return "event", label, detail, e.from_jurisdiction
        return "event", label, "", self.lead  # case_closed, and any later type

    def in_force(self, order_id: str, on: dt.date) -> bool:
        expires = self.expiry.get(order_id)
        ended = self.ended.get(order_id)
        return (ended is None or ended > on) and (expires is None or expires >= on)

    def asset_states(self, asset_id: str, on: dt.date) -> tuple[str, ...]:
        states = []
        for order_id, order in self.orders.items():
            if asset_id in order.asset_ids and self.in_force(order_id, on):
                if order.order_type == "freeze" and "frozen" not in states:
                    states.append("frozen")
                elif order.order_type == "seizure" and "seized" not in states:
                    states.append("seized")
        if asset_id in self.confiscated:
            # Confiscated where it lies: the freeze or seizure before it merged into it.
            states = ["confiscated"]
        elif asset_id in self.ordered:
            states.append("confiscation ordered")
        if asset_id in self.returned:
            states.append("returned")
        return tuple(states)


def _lane_of_ref(ref: str, reader: _Reader, events: Iterable[ev.Event]) -> str:
    """The lane of a deadline: the jurisdiction of the order, request or suspension."""
    if ref in reader.orders:
        return reader.orders[ref].issuing_jurisdiction
    if ref in reader.requests:
        return reader.requests[ref].requested_jurisdiction
    for e in events:
        if isinstance(e, ev.FiuPostponement) and ref in (e.postponement_id, *e.asset_ids):
            return e.jurisdiction
    if ref in reader.assets:
        return reader.assets[ref].jurisdiction
    return reader.lead


def _status(finding: Finding) -> str:
    if finding.is_open:
        return "missed" if finding.category == "deadline" else "open"
    return "resolved"


def case_view(
    result: CaseResult,
    stored: Sequence[StoredEvent],
    *,
    as_of_limit: str,
    as_of_day: dt.date,
    _: Translate,
) -> CaseView:
    """The case as the report shows it: the events applied by the replay (those up to
    `as_of_limit`, the replay's last instant) and its result."""
    applied = sorted(
        (s for s in stored if first_instant(s.event.occurred_at) <= as_of_limit),
        key=lambda s: (first_instant(s.event.occurred_at), s.seq),
    )
    opened = next((s.event for s in applied if isinstance(s.event, ev.CaseOpened)), None)
    lead = opened.lead_jurisdiction if opened else ""
    reader = _Reader(lead, _)
    views: list[EventView] = []
    marks: list[Mark] = []
    transfers: list[TransferView] = []
    for s in applied:
        e = s.event
        kind, label, detail, lane = reader.read(e)
        view = EventView(
            event_id=s.event_id,
            kind=kind,
            day=day_of(e.occurred_at),
            when=format_time(e.occurred_at),
            label=label,
            detail=detail,
            jurisdiction=lane,
        )
        views.append(view)
        state = e.order_type if isinstance(e, ev.OrderIssued) else ""
        marks.append(
            Mark(
                kind=kind,
                day=view.day,
                lane=lane,
                title=f"{view.when} {label} {detail} [{s.event_id}]",
                ref=s.event_id,
                state=state,
            )
        )
        if isinstance(e, ev.TransferDetected):
            transfers.append(
                TransferView(
                    transfer_id=e.transfer_id,
                    day=view.day,
                    source=e.from_asset_id,
                    target=e.to_asset_id,
                    from_jurisdiction=e.from_jurisdiction,
                    to_jurisdiction=e.to_jurisdiction,
                    amount=money(e.amount),
                )
            )
        elif isinstance(e, ev.AssetReturned):
            transfers.append(
                TransferView(
                    transfer_id=s.event_id,
                    day=view.day,
                    source=e.asset_id,
                    target=None,
                    from_jurisdiction=e.from_jurisdiction,
                    to_jurisdiction=e.to_jurisdiction,
                    amount=money(e.amount),
                    kind="returned",
                )
            )
    events = [s.event for s in applied]
    by_id = {v.event_id: v for v in views}
    for d in result.open_deadlines:
        lane = _lane_of_ref(d.ref, reader, events)
        reader.involve(lane)
        marks.append(
            Mark(
                kind="deadline",
                day=day_of(d.due),
                lane=lane,
                title=f"{format_time(d.due)} {_('deadline')} {d.code} {d.ref} ({d.rule})",
                ref=d.ref,
                state="open",
            )
        )
    findings = []
    for f in result.findings:
        if f.category == "deadline" and f.due is not None:
            lane = next((j for j in f.jurisdictions if j in reader.jurisdictions), reader.lead)
            marks.append(
                Mark(
                    kind="deadline",
                    day=day_of(f.due),
                    lane=lane,
                    title=f"{format_time(f.due)} {_('missed')}: {f.code} [{f.finding_id}]",
                    ref=f.finding_id,
                    state="missed",
                )
            )
        findings.append(_finding_view(f, by_id, _))
    spans = _spans(reader, as_of_day)
    assets = [
        AssetView(
            asset_id=a.asset_id,
            jurisdiction=a.jurisdiction,
            asset_type=_(a.asset_type.replace("_", " ")),
            holder=a.holder or "",
            value=money(a.value),
            description=a.description or "",
            states=reader.asset_states(a.asset_id, as_of_day),
        )
        for a in reader.assets.values()
    ]
    known = set(reader.assets)
    for t in transfers:  # a transfer to an account nobody located still gets a node
        if t.target is not None and t.target not in known:
            known.add(t.target)
            assets.append(
                AssetView(
                    asset_id=t.target,
                    jurisdiction=t.to_jurisdiction,
                    asset_type="",
                    holder="",
                    value="",
                    description="",
                    states=reader.asset_states(t.target, as_of_day),
                    located=False,
                )
            )
    days = [m.day for m in marks] or [as_of_day]
    return CaseView(
        case_id=result.case_id,
        title=(opened.title or "") if opened else "",
        lead=lead,
        jurisdictions=tuple(reader.jurisdictions),
        events=tuple(views),
        marks=tuple(marks),
        spans=tuple(spans),
        assets=tuple(assets),
        transfers=tuple(transfers),
        findings=tuple(findings),
        deadlines=result.open_deadlines,
        first_day=min(*days, as_of_day),
        last_day=max(*days, as_of_day),
        as_of_day=as_of_day,
    )


def _spans(reader: _Reader, as_of_day: dt.date) -> list[Span]:
    spans = []
    for order_id, order in reader.orders.items():
        if order.order_type not in ("freeze", "seizure"):
            continue
        start = day_of(order.occurred_at)
        words = reader._(_ORDER_LABELS[order.order_type])
        ends = [d for d in (reader.expiry.get(order_id), reader.ended.get(order_id)) if d]
        end = min([*ends, as_of_day])
        spans.append(
            Span(
                lane=order.issuing_jurisdiction,
                start=start,
                end=max(end, start),
                order_type=order.order_type,
                title=f"{order_id} {words}: {start.isoformat()} – {end.isoformat()}",
                open_end=not ends or end == as_of_day,
            )
        )
    return spans


def _named(ids: Iterable[str], by_id: Mapping[str, EventView]) -> tuple[tuple[str, str], ...]:
    return tuple((i, by_id[i].words if i in by_id else "") for i in ids)


def _finding_view(f: Finding, by_id: Mapping[str, EventView], _: Translate) -> FindingView:
    resolution = ""
    if f.superseded_by:
        resolution = _("Closed on {date}: the deadline was missed (see {finding})").format(
            date=format_time(f.resolved_at) if f.resolved_at is not None else "",
            finding=f.superseded_by,
        )
    elif f.resolved_at is not None:
        resolution = _("Resolved on {date}").format(date=format_time(f.resolved_at))
    return FindingView(
        finding=f,
        status=_status(f),
        caused_by=_named(f.because, by_id),
        resolved_by=_named(f.resolved_by or (), by_id),
        resolution=resolution,
    )
