"""What the findings store answers with: a cut, a finding as it is stored, and one
change of the history. Kept apart from the queries so that the CLI, the HTTP service
and the reports can name these types without opening a store."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

from comity.events.time import format_instant, format_time

__all__ = ["EPOCH", "Change", "Cut", "StoredFinding"]

#: The `known_at` of a cut that holds no event yet: before any record time.
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@attrs.frozen(kw_only=True)
class Cut:
    """What a generation of the store has applied: the log up to `position`
    (recorded by `known_at`), and the engine's clock at `as_of`."""

    generation: int
    rulepack: str
    state: str  # building | current | retired
    position: int
    as_of: dt.datetime
    known_at: dt.datetime

    @property
    def as_of_text(self) -> str:
        return format_instant(self.as_of)

    @property
    def known_at_text(self) -> str:
        return format_time(self.known_at)


@attrs.frozen(kw_only=True)
class StoredFinding:
    """A finding as the store holds it: the engine's JSON form, and when it last changed."""

    finding_id: str
    case_id: str
    code: str
    severity: str
    status: str  # open | resolved
    due: str | None
    raised_at: str
    resolved_at: str | None
    jurisdictions: tuple[str, ...]
    changed_at: dt.datetime  # record time of the store's last change to it
    data: dict[str, Any]

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    def to_json(self) -> dict[str, Any]:
        """Exactly `Finding.to_json()` of the finding a replay at the cut gives."""
        return dict(self.data)


@attrs.frozen(kw_only=True)
class Change:
    """One entry of the history: what a step of a watcher did to one finding.

    `cause` is `event` (the event at `position` was applied), `clock` (real time
    reached `clock`, e.g. a breach instant) or `replay` (the case was computed whole,
    up to `position`, while catching up). `recorded_at` is when the store wrote it.
    """

    id: int
    generation: int
    rulepack: str
    finding_id: str
    case_id: str
    change: str
    cause: str
    position: int | None
    clock: str
    recorded_at: dt.datetime
    data: dict[str, Any]
