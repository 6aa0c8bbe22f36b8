"""The values the HTML report draws: a case as lanes, marks, spans, assets, transfers
and findings named by their events.

Plain frozen values, so that the template and the SVG code (:mod:`._svg`) read a case
without interpreting an event; :mod:`._case` works them out from the events and the
replay.
"""

from __future__ import annotations

import datetime as dt

import attrs

from comity.engine import Finding, OpenDeadline
from comity.events import types as ev
from comity.events.time import utc_date

__all__ = [
    "KINDS",
    "AssetView",
    "CaseView",
    "EventView",
    "FindingView",
    "Mark",
    "Span",
    "TransferView",
    "day_of",
    "money",
]

#: The kinds of mark on the timeline, and the legend's order.
KINDS = ("event", "order", "request", "deadline")


def money(value: ev.Money | None) -> str:
    """`USD 380,000.00`: the decimal as given, grouped, never through a float."""
    if value is None:
        return ""
    return f"{value.currency} {value.amount:,}"


def day_of(value: ev.ValidTime) -> dt.date:
    """The calendar day of a valid time (an instant's day in UTC)."""
    return utc_date(value)


@attrs.frozen(kw_only=True)
class EventView:
    """One event as the report names it: `freezing order O1 (PA), 2019-03-05`."""

    event_id: str
    kind: str  # one of KINDS
    day: dt.date
    when: str  # the valid time as the log holds it
    label: str  # the event type, in the report's language
    detail: str  # ids and jurisdictions, untranslated
    jurisdiction: str

    @property
    def words(self) -> str:
        return f"{self.label} {self.detail} ({self.when})" if self.detail else self.label


@attrs.frozen(kw_only=True)
class Mark:
    """One mark on the timeline: an event, or a deadline (open, or missed)."""

    kind: str
    day: dt.date
    lane: str
    title: str
    ref: str  # an event id, or a deadline's reference
    state: str = ""  # for deadlines: open | missed; for orders: the order type


@attrs.frozen(kw_only=True)
class Span:
    """An order in force on the timeline, from its issue to its end (or as of)."""

    lane: str
    start: dt.date
    end: dt.date
    order_type: str
    title: str
    open_end: bool


@attrs.frozen(kw_only=True)
class AssetView:
    asset_id: str
    jurisdiction: str
    asset_type: str
    holder: str
    value: str
    description: str
    states: tuple[str, ...]  # frozen, seized, confiscation ordered, confiscated, returned
    located: bool = True


@attrs.frozen(kw_only=True)
class TransferView:
    transfer_id: str
    day: dt.date
    source: str  # an asset id
    target: str | None  # an asset id, or None (only the jurisdiction is known)
    from_jurisdiction: str
    to_jurisdiction: str
    amount: str
    kind: str = "transfer"  # or "returned"


@attrs.frozen(kw_only=True)
class FindingView:
    finding: Finding
    status: str  # open | missed | resolved
    caused_by: tuple[tuple[str, str], ...]  # (event id, the event in words)
    resolved_by: tuple[tuple[str, str], ...]
    resolution: str  # a sentence: resolved on..., closed on...


@attrs.frozen(kw_only=True)
class CaseView:
    case_id: str
    title: str
    lead: str
    jurisdictions: tuple[str, ...]
    events: tuple[EventView, ...]
    marks: tuple[Mark, ...]
    spans: tuple[Span, ...]
    assets: tuple[AssetView, ...]
    transfers: tuple[TransferView, ...]
    findings: tuple[FindingView, ...]
    deadlines: tuple[OpenDeadline, ...]
    first_day: dt.date
    last_day: dt.date
    as_of_day: dt.date
