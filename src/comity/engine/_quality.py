"""Data quality: the references a case's record leaves unmet, and ids recorded twice.

References between events are facts too, for the data-quality rules (DQ-*): a
`defined` fact for a thing an event introduces (an asset located, an order issued, a
request sent...), a `ref` fact for a reference an event makes to one (a transfer's
`from_asset_id`, an extension's `order_id`). A data-quality finding is about the
record, not the world: an asset may be located after the money left it, so whether a
reference dangles cannot be decided in valid-time order. Given the events the run will
apply (`record`), the check knows the whole record first: a reference it satisfies
becomes no fact (no rule could match it: a case whose records hold together costs the
engine nothing more), and the `defined` facts of what a reference names too late come
before the first event's facts. A session that later applies the missing event
replays the case (`RecordCheck.completes`), and the finding is withdrawn.

An id recorded by a second event (an order issued twice) is a `redefined` fact
(DQ-011 recorded_twice, DQ-012 recorded_otherwise); the first record, in the order
the run applies them, is the one that counts (`_facts.py` ignores the second).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from typing import Any

import attrs

from comity.engine._references import TEMPORAL, definitions, event_fields, recorded, references
from comity.events import types as t
from comity.events.time import first_instant as instant
from comity.events.time import format_time, utc_day

__all__ = ["RecordCheck", "Repeat"]


@attrs.frozen
class Repeat:
    """An event recording what `first` recorded: what each says (see `recorded`)."""

    kind: str
    ref_id: str
    first: t.Event
    said: tuple[str, ...] | None
    says: tuple[str, ...] | None

    def redefined_fact(self, event: t.Event, fact: Callable[..., dict[str, Any]]) -> dict[str, Any]:
        """The `redefined` fact of `event`, the second record (DQ-011, DQ-012)."""
        return fact(
            "redefined",
            ref_kind=self.kind,
            ref_id=self.ref_id,
            event_type=event.type,
            first_ev=self.first.event_id,
            first_type=self.first.type,
            first_atd=format_time(self.first.occurred_at),
            was=", ".join(self.said or ()),
            now=", ".join(self.says or ()),
        )


class RecordCheck:
    """What one run's record defines and refers to, and the data-quality facts of it.

    `record` and `present` are the fact projector's (`FactProjector`): every event the
    run will apply, in order, and the ids of every event of the case. `earliest` is
    the first day (UTC) on which each (kind, id) is recorded; `first` is true until
    the first event's references are made.
    """

    def __init__(
        self, record: Sequence[t.Event] | None = None, present: Collection[str] = ()
    ) -> None:
        self.record = list(record) if record is not None else None
        self._present = frozenset(present)
        # the first day (UTC) on which each (kind, id) is recorded
        self.earliest: dict[tuple[str, str], str] = {}
        self._upfront: set[str] = set()  # events of the record
        self._unmet: set[tuple[str, str]] = set()  # targets of references made to nothing
        self.needed: set[tuple[str, str]] = set()  # targets whose `defined` facts come first
        self.first = True
        # (kind, id) -> the first event recording it (see `recorded`) and what it says
        self._first_record: dict[tuple[str, str], tuple[t.Event, tuple[str, ...] | None]] = {}
        if self.record is not None:
            self._upfront = {e.event_id for e in self.record}
            for e in self.record:
                first = recorded(e)
                if first is not None:
                    self._first_record.setdefault(first[:2], (e, first[2]))
            for e in self.record:
                day = utc_day(instant(e.occurred_at))
                for target in definitions(e):
                    if day < self.earliest.get(target, "~"):
                        self.earliest[target] = day
            for n, e in enumerate(self.record):
                day = utc_day(instant(e.occurred_at))
                for kind, ref_id, _field in self._references(e, first=n == 0):
                    if not self._satisfied(kind, ref_id, day) and (kind, ref_id) in self.earliest:
                        self.needed.add((kind, ref_id))

    def _references(self, event: t.Event, *, first: bool) -> Iterator[tuple[str, str, str]]:
        """The event's references, and for the first event of a run that does not open
        the case, one to the case itself."""
        if first and not isinstance(event, t.CaseOpened):
            yield "case", event.case_id, "case_id"
        yield from references(event)

    def _satisfied(self, kind: str, ref_id: str, day: str) -> bool:
        """Whether the record holds what a reference on `day` names, in time."""
        if kind == "event":
            return ref_id in self._present
        earliest = self.earliest.get((kind, ref_id))
        if earliest is None:
            return False
        return kind not in TEMPORAL or earliest <= day

    def completes(self, event: t.Event) -> bool:
        """Whether the event supplies what an event already applied refers to and the
        record lacked: a run that applies it must replay the case, so that the
        data-quality finding it answers is withdrawn, as a full replay would never
        raise it."""
        return any(d in self._unmet for d in definitions(event)) or (
            ("event", event.event_id) in self._unmet
        )

    def defined_facts(
        self, event: t.Event, only: Collection[tuple[str, str]] | None = None
    ) -> Iterator[dict[str, Any]]:
        """The `defined` facts of what `event` introduces (of those in `only`, if given)."""
        base = event_fields(event)
        for kind, ref_id in definitions(event):
            if only is not None and (kind, ref_id) not in only:
                continue
            yield {
                "t": "defined",
                **base,
                "ref_kind": kind,
                "ref_id": ref_id,
                "event_type": event.type,
            }

    def reference_facts(
        self, event: t.Event, fact: Callable[..., dict[str, Any]]
    ) -> Iterator[dict[str, Any]]:
        """The `ref` facts of the event's references that the record does not satisfy
        (of every reference, without a record), made by the projector's `fact`."""
        first, self.first = self.first, False
        day = utc_day(instant(event.occurred_at))
        if self.record is None:
            for target in definitions(event):  # one event at a time: as it comes
                self.earliest.setdefault(target, day)
        for kind, ref_id, field in self._references(event, first=first):
            if self.record is not None and self._satisfied(kind, ref_id, day):
                continue  # no data-quality rule can match it
            if (kind, ref_id) not in self.earliest:
                self._unmet.add((kind, ref_id))
            yield fact(
                "ref",
                ref_kind=kind,
                ref_id=ref_id,
                field=field,
                event_type=event.type,
                temporal=kind in TEMPORAL,
                asset_id=ref_id if kind == "asset" else "",
            )
        if self.record is not None and event.event_id not in self._upfront:
            # an event applied after the run began (a session): later references to
            # what it records are satisfied by it
            for target in definitions(event):
                self.earliest.setdefault(target, day)

    def repeats(self, event: t.Event) -> Repeat | None:
        """For an event recording what an earlier event of the run recorded: that
        first event, and what each says; else None."""
        this = recorded(event)
        if this is None:
            return None
        kind, ref_id, says = this
        first, said = self._first_record.setdefault((kind, ref_id), (event, says))
        if first.event_id == event.event_id:
            return None
        return Repeat(kind, ref_id, first, said, says)

    def leading_facts(self) -> Iterator[dict[str, Any]]:
        """The `defined` facts that come before the first event's: those of what an
        unsatisfied reference names (recorded only later), from the record's first
        records."""
        assert self.record is not None
        for earlier in self.record:
            if self.repeats(earlier) is None:
                yield from self.defined_facts(earlier, self.needed)
