"""Standing facts: one fact per group of like facts, for the earliest member still live.

A rule that pairs two facts of one kind (two orders on an asset, two proceedings
against a subject) grows with the square of their number: 200 freezes on one asset in
ten jurisdictions gave 18,000 pairs per rule, 36,022 findings and 0.8 GB. What such a
rule asks is whether two *jurisdictions* overlap, so it joins standing facts instead:

- `held`: an asset is held by a freeze, seizure or confiscation order of a
  jurisdiction. It stands for the earliest of those orders (in valid-time order) that
  is neither lifted nor lapsed (breach of DL-001); when that order is lifted or lapses,
  the fact is retracted and the next order still holding the asset there takes its
  place, so that a finding resolved by the lift of one order is raised again for the
  order that still holds the asset.
- `pursued`: a subject has a proceeding in a jurisdiction; it stands for the earliest
  proceeding against the subject there that is not closed.

Each standing fact is a copy of its member's fact (same event id, valid time and
fields) with its own kind, so that when a jurisdiction has one member the findings
built on it are exactly those built on the member itself.

The bookkeeping is pure (no durable here): `join` and `end` say which standing fact to
assert and which to retract; the engine does both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import attrs

__all__ = ["STANDING", "Change", "Standing", "StandingKind"]

#: The order that lapses when its deadline is breached (the rules say the same with
#: `breached where rule == "DL-001"`).
ORDER_LAPSE = "DL-001"

#: Orders that hold an asset (a release does not).
HOLDING = frozenset({"freeze", "seizure", "confiscation"})


@attrs.frozen
class StandingKind:
    """A kind of standing fact: which facts are its members, their group and id, and
    which facts end a member (kind -> the field naming the member, and a filter)."""

    kind: str
    member: str
    is_member: Callable[[Mapping[str, Any]], bool]
    group: tuple[str, ...]
    member_id: str
    ended_by: Mapping[str, tuple[str, Callable[[Mapping[str, Any]], bool]]]


def _always(_: Mapping[str, Any]) -> bool:
    return True


STANDING: tuple[StandingKind, ...] = (
    StandingKind(
        kind="held",
        member="order",
        is_member=lambda f: f["order_type"] in HOLDING and f["asset_id"] != "",
        group=("asset_id", "jurisdiction"),
        member_id="order_id",
        ended_by={
            "lifted": ("order_id", _always),
            "breached": ("ref", lambda f: f["rule"] == ORDER_LAPSE),
        },
    ),
    StandingKind(
        kind="pursued",
        member="proceeding",
        is_member=lambda f: f["subject_id"] != "",
        group=("subject_id", "jurisdiction"),
        member_id="proceeding_id",
        ended_by={"proceeding_closed": ("proceeding_id", _always)},
    ),
)

_BY_MEMBER = {k.member: k for k in STANDING}
_BY_END: dict[str, list[tuple[StandingKind, str, Callable[[Mapping[str, Any]], bool]]]] = {}
for _k in STANDING:
    for _fact_type, (_field, _test) in _k.ended_by.items():
        _BY_END.setdefault(_fact_type, []).append((_k, _field, _test))


@attrs.frozen
class Change:
    """Retract the standing fact of `group` (if one stands), then assert `new` (if any)."""

    kind: str
    group: tuple[str, ...]
    new: dict[str, Any] | None


class Standing:
    """One case's standing facts: the live members of each group, earliest first."""

    def __init__(self) -> None:
        # (kind, group) -> [(member id, member fact)] of live members, in arrival order
        self._live: dict[tuple[str, tuple[str, ...]], list[tuple[str, dict[str, Any]]]] = {}
        self._ended: set[tuple[str, str]] = set()  # (kind, member id)
        self._groups: dict[tuple[str, str], list[tuple[str, ...]]] = {}

    def changes(self, fact: Mapping[str, Any]) -> Iterator[Change]:
        """What asserting `fact` changes among the standing facts."""
        t = fact["t"]
        kind = _BY_MEMBER.get(t)
        if kind is not None and kind.is_member(fact):
            yield from self._join(kind, fact)
        for ended, field, test in _BY_END.get(t, ()):
            if test(fact):
                yield from self._end(ended, str(fact[field]))

    def _join(self, kind: StandingKind, fact: Mapping[str, Any]) -> Iterator[Change]:
        member = str(fact[kind.member_id])
        if (kind.kind, member) in self._ended:
            return  # lifted (or closed) before it was issued, in valid time: never live
        group = tuple(str(fact[g]) for g in kind.group)
        live = self._live.setdefault((kind.kind, group), [])
        live.append((member, dict(fact)))
        self._groups.setdefault((kind.kind, member), []).append(group)
        if len(live) == 1:
            yield Change(kind.kind, group, self._standing(kind, live[0][1]))

    def _end(self, kind: StandingKind, member: str) -> Iterator[Change]:
        self._ended.add((kind.kind, member))
        for group in self._groups.pop((kind.kind, member), ()):
            live = self._live.get((kind.kind, group))
            if not live:
                continue  # an order listing the asset twice: ended at its first group
            was_standing = live[0][0] == member
            live[:] = [m for m in live if m[0] != member]
            if was_standing:
                new = self._standing(kind, live[0][1]) if live else None
                yield Change(kind.kind, group, new)

    @staticmethod
    def _standing(kind: StandingKind, member: Mapping[str, Any]) -> dict[str, Any]:
        # The member's fact under the standing kind, without the engine's own fields.
        return {**{k: v for k, v in member.items() if k not in ("id", "sid")}, "t": kind.kind}
