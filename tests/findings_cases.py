"""Helpers for the findings store's tests (imported as ``import findings_cases``): a
clock the tests move by hand, the comparison with a full replay at the store's cut,
the history folded, and small case logs."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from comity.engine import replay_log
from comity.events import EventLog
from comity.findings import FindingsStore
from comity.rules import RulePack


class Clock:
    """Real time as the tests decide it."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def replay_document(log: EventLog, pack: RulePack, store: FindingsStore) -> tuple[Any, Any]:
    """(the store's cases, a full replay's cases) at the store's cut."""
    cut, cases = store.case_results()
    mine = list(cases)
    theirs = [r.to_json() for r in replay_log(log, pack, as_of=cut.as_of, known_at=cut.known_at)]
    return mine, theirs


def folded_history(store: FindingsStore, generation: int) -> dict[str, str]:
    """What the history says each finding is now: its last change, minus withdrawn."""
    held: dict[str, str] = {}
    for change in store.history(generation=generation):
        if change.change == "withdrawn":
            held.pop(change.finding_id, None)
        else:
            held[change.finding_id] = json.dumps(change.data, sort_keys=True)
    return held


def current_rows(store: FindingsStore) -> dict[str, str]:
    _, found = store.findings()
    return {f.finding_id: json.dumps(f.to_json(), sort_keys=True) for f in found}


def lapse_case(case_id: str = "L-1") -> list[Any]:
    """A freeze on A1 (PA) ordered on 8 March 2019, expiring on 6 September 2019."""
    from comity.events import EVENT_TYPES

    def make(n: int, tag: str, when: dt.date, **fields: Any) -> Any:
        return EVENT_TYPES[tag](
            event_id=f"{case_id}-e{n:02d}", case_id=case_id, occurred_at=when, **fields
        )

    return [
        make(
            1,
            "case_opened",
            dt.date(2019, 2, 11),
            lead_jurisdiction="PA",
            offences=("money_laundering",),
        ),
        make(
            2,
            "asset_located",
            dt.date(2019, 3, 1),
            asset_id="A1",
            jurisdiction="PA",
            asset_type="bank_account",
        ),
        make(
            3,
            "order_issued",
            dt.date(2019, 3, 8),
            order_id="O1",
            order_type="freeze",
            issuing_jurisdiction="PA",
            asset_ids=("A1",),
            expires_on=dt.date(2019, 9, 6),
        ),
    ]
