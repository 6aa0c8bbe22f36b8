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
- `charged`: a jurisdiction has charged or arrested someone in the case; it stands for
  its earliest charge (charges do not end), so that NS-011 pairs each asset in the
  United States with each charging jurisdiction, not with every charge there.

A transfer out of a frozen asset pairs with one order too, but which one depends on
the transfer's day (the order in force then): :class:`Freezes` picks it when the
transfer is made and asserts a `frozen` fact for that pair alone.

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

__all__ = ["FREEZING", "STANDING", "Change", "Freezes", "Standing", "StandingKind"]

#: The order that lapses when its deadline is breached (the rules say the same with
#: `breached where rule == "DL-001"`).
ORDER_LAPSE = "DL-001"

#: Orders that hold an asset (a release does not).
HOLDING = frozenset({"freeze", "seizure", "confiscation"})

#: Orders that freeze an asset pending its confiscation.
FREEZING = frozenset({"freeze", "seizure"})


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
    StandingKind(
        kind="charged",
        member="charge",
        is_member=_always,
        group=("jurisdiction",),
        member_id="charge_id",
        ended_by={},
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


class Freezes:
    """Which freeze or seizure order a transfer out of an asset moved value from.

    OV-005 joined every transfer out of an asset with every order in force on it: 300
    freezes of one account and 300 transfers out of it were 90,000 findings. What it
    asks is whether the asset was frozen when the value left, so each transfer pairs
    with one order: the earliest (in valid-time order) that was in force on the
    transfer's day, as the rule tested it: issued at or before the transfer, neither
    lifted, nor lapsed (a breach of DL-001), nor varied to release the asset, and with
    no stated expiry, an expiry on or after the transfer's day, or an extension made
    by then that runs to that day or later. For that pair alone the engine asserts a
    `frozen` fact: the order's fact, with `moved` the transfer's event id.

    Facts arrive in valid-time order, so the orders of a transfer's instant may come
    after it: a transfer no order covers waits for the orders of its own instant.
    """

    def __init__(self) -> None:
        self._orders: dict[str, list[dict[str, Any]]] = {}  # asset -> orders, in order
        self._ended: set[str] = set()  # orders lifted or lapsed
        self._released: set[tuple[str, str]] = set()  # (order, asset)
        self._extensions: dict[str, list[tuple[str, str]]] = {}  # order -> (at, expiry)
        self._waiting: dict[str, list[Mapping[str, Any]]] = {}  # asset -> transfers

    def facts(self, fact: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        """The `frozen` facts that asserting `fact` makes."""
        t = fact["t"]
        if t == "transfer":
            chosen = self._choose(fact)
            if chosen is not None:
                yield chosen
            else:
                self._waiting.setdefault(fact["from_asset"], []).append(fact)
        elif t == "order" and fact["order_type"] in FREEZING and fact["asset_id"] != "":
            asset = fact["asset_id"]
            self._orders.setdefault(asset, []).append(dict(fact))
            # only a transfer of this order's instant or later can still pair with it
            waiting = [x for x in self._waiting.pop(asset, ()) if x["at"] >= fact["at"]]
            for x in waiting:
                chosen = self._choose(x)
                if chosen is not None:
                    yield chosen
                else:
                    self._waiting.setdefault(asset, []).append(x)
        elif t == "lifted":
            self._ended.add(str(fact["order_id"]))
        elif t == "breached" and fact["rule"] == ORDER_LAPSE:
            self._ended.add(str(fact["ref"]))
        elif t == "released":
            self._released.add((str(fact["order_id"]), str(fact["asset_id"])))
        elif t == "extension":
            entry = (str(fact["at"]), str(fact["expires_on"]))
            self._extensions.setdefault(str(fact["order_id"]), []).append(entry)

    def _choose(self, x: Mapping[str, Any]) -> dict[str, Any] | None:
        asset, at, day = x["from_asset"], x["at"], x["day"]
        for order in self._orders.get(asset, ()):
            order_id = order["order_id"]
            if order["at"] > at or order_id in self._ended:
                continue
            if (order_id, asset) in self._released:
                continue
            expiry = order["expires_on"]
            extended = any(a <= at and e >= day for a, e in self._extensions.get(order_id, ()))
            if expiry == "" or expiry >= day or extended:
                kept = {k: v for k, v in order.items() if k not in ("id", "sid")}
                return {**kept, "t": "frozen", "moved": x["ev"]}
        return None
