"""Which findings and open deadlines a report shows: `--open`, `--jurisdiction`, `--category`.

A selection only hides; it never changes a finding. It is applied by the renderers
(so that the text report can still say how many findings it left out) and by the
JSON documents (which then hold the selected findings only, in the same shape).

An open deadline carries no jurisdictions of its own, so `--jurisdiction` keeps a
deadline when an event that started it names the jurisdiction (`jurisdiction`,
`*_jurisdiction`, `jurisdictions`); `--category` keeps it when its rule is of that
category; `--open` keeps every deadline (a running period is open by nature).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs

from comity.engine import CaseResult, Finding, OpenDeadline
from comity.events import StoredEvent, encode_event

__all__ = ["EVERYTHING", "Selection", "event_jurisdictions"]


def event_jurisdictions(stored: StoredEvent) -> frozenset[str]:
    """The jurisdictions an event names, in any field that holds one or several."""
    names: set[str] = set()
    for key, value in encode_event(stored.event).items():
        if key == "jurisdictions" and isinstance(value, list):
            names.update(str(v) for v in value)
        elif (key == "jurisdiction" or key.endswith("_jurisdiction")) and isinstance(value, str):
            names.add(value)
    return frozenset(names)


@attrs.frozen
class Selection:
    """What the reader asked to see; the empty selection shows everything."""

    open_only: bool = False
    jurisdiction: str | None = None
    category: str | None = None

    def __bool__(self) -> bool:
        return self.open_only or self.jurisdiction is not None or self.category is not None

    @property
    def needs_events(self) -> bool:
        """Whether deciding on deadlines needs the case's events (`--jurisdiction`)."""
        return self.jurisdiction is not None

    def keeps(self, finding: Finding | Mapping[str, Any]) -> bool:
        """Whether a finding (or its JSON form) is shown."""
        if isinstance(finding, Finding):
            is_open = finding.is_open
            category: str = finding.category
            jurisdictions: tuple[str, ...] | list[str] = finding.jurisdictions
        else:
            is_open = finding.get("resolved_at") is None
            category = str(finding.get("category"))
            jurisdictions = list(finding.get("jurisdictions") or ())
        if self.open_only and not is_open:
            return False
        if self.category is not None and category != self.category:
            return False
        return self.jurisdiction is None or self.jurisdiction in jurisdictions

    def keeps_deadline(
        self,
        deadline: OpenDeadline,
        category_of: Callable[[str], str | None],
        events: Mapping[str, StoredEvent],
    ) -> bool:
        """Whether an open deadline is shown; `category_of` maps a rule id to its category."""
        if self.category is not None and category_of(deadline.rule) != self.category:
            return False
        if self.jurisdiction is None:
            return True
        return any(
            self.jurisdiction in event_jurisdictions(events[e])
            for e in deadline.because
            if e in events
        )

    def apply(
        self,
        result: CaseResult,
        category_of: Callable[[str], str | None] = lambda _rule: None,
        events: Mapping[str, StoredEvent] | None = None,
    ) -> CaseResult:
        """The case with only what is selected (the case itself unchanged if nothing is)."""
        if not self or result.error is not None:
            return result
        return attrs.evolve(
            result,
            findings=tuple(f for f in result.findings if self.keeps(f)),
            open_deadlines=tuple(
                d
                for d in result.open_deadlines
                if self.keeps_deadline(d, category_of, events or {})
            ),
        )


#: The selection that shows everything (the default of every renderer).
EVERYTHING = Selection()
