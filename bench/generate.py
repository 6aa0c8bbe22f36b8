"""Seeded synthetic case logs: realistic shapes, valid v1 events, streamed.

A case opens in a lead jurisdiction, identifies subjects, opens proceedings (sometimes
in parallel abroad), locates 5 to 50 assets over 2 to 8 jurisdictions, and then lives:
freezing and seizure orders with expiries, extensions and lifts; requests for mutual
legal assistance sent, received and answered (or left unanswered); recognitions of
orders abroad; transfers between assets, some into new jurisdictions; FIU
postponements; confiscation orders, confiscations and returns. Most cases hold tens to
hundreds of events; a tail of large cases holds thousands, up to 10,000.

Some events are reported late: their `occurred_at` lies before events already in the
log for the case (a transfer executed in April and reported in May), so that the log
order is not the valid-time order, as in life.

Everything is decided by `random.Random(seed)`: the same seed gives the same events.
`generate_log` streams: it keeps a small window of cases in memory and interleaves
their events by valid time, as a log fed by many case teams would.
"""

from __future__ import annotations

import datetime as dt
import heapq
import random
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from comity.events import types as t

__all__ = ["CaseGenerator", "case_sizes", "generate_case", "generate_log"]

#: The largest case the generator makes (events).
MAX_CASE_EVENTS = 10_000

#: Jurisdictions cases spread over. EU members first: requests between two of them go
#: under Regulation (EU) 2018/1805 or a European Investigation Order.
_EU = ("FR", "DE", "ES", "IT", "NL", "LU", "CY", "MT", "AT", "BE")
_OTHER = ("PA", "CH", "US", "CO", "MX", "AE", "GT", "HN", "SV", "GB", "SG", "HK", "BR", "VG")
_ALL = _EU + _OTHER
_CURRENCY = dict.fromkeys(_EU, "EUR") | {
    "PA": "USD",
    "CH": "CHF",
    "US": "USD",
    "CO": "COP",
    "MX": "MXN",
    "AE": "AED",
    "GT": "GTQ",
    "HN": "HNL",
    "SV": "USD",
    "GB": "GBP",
    "SG": "SGD",
    "HK": "HKD",
    "BR": "BRL",
    "VG": "USD",
}
#: A legal basis without a stated expiry whose statutory period the rule pack knows.
_STATUTORY_BASIS = {
    "US": "18 U.S.C. 981(b)(4)",
    "CH": "FIAA art. 3",
    "CO": "Ley 1708/2014 art. 89",
}
_OFFENCES: tuple[t.Offence, ...] = (
    "drug_trafficking",
    "money_laundering",
    "corruption",
    "embezzlement",
    "organized_crime",
    "fraud",
)
_ASSET_TYPES: tuple[t.AssetType, ...] = (
    "bank_account",
    "bank_account",
    "bank_account",
    "real_estate",
    "vehicle",
    "vessel",
    "aircraft",
    "company_shares",
    "securities",
    "virtual_asset",
    "cash",
)
_NAMES = (
    "Almanza",
    "Bahía Azul S.A.",
    "Castellanos",
    "Delmar Holdings Ltd",
    "Estrada",
    "Fontaine",
    "Grünwald AG",
    "Herrera",
    "Ivanova",
    "Jurado Trading LLC",
    "Kessler",
    "Lumen Capital SA",
)


def case_sizes(rng: random.Random, n_cases: int, *, mean: int = 100) -> list[int]:
    """Target events per case: mostly tens to hundreds, a tail of large cases.

    About 1 case in 200 is large (1,000 to MAX_CASE_EVENTS events, log-uniform); the
    rest follow a log-normal around `mean`, at least 12 events.
    """
    sizes = []
    for _ in range(n_cases):
        if rng.random() < 0.005:
            sizes.append(round(10 ** rng.uniform(3.0, 4.0)))
        else:
            sizes.append(max(12, min(2_000, int(rng.lognormvariate(0, 0.8) * mean * 0.58))))
    return sizes


@dataclass
class _Order:
    where: str
    assets: tuple[str, ...]
    expires: dt.date | None


class CaseGenerator:
    """One case's life, event by event, on a valid-time cursor."""

    def __init__(self, rng: random.Random, case_id: str, target: int, start: dt.date) -> None:
        self.rng = rng
        self.case_id = case_id
        self.target = max(12, min(target, MAX_CASE_EVENTS))
        self.day = start
        self.events: list[t.Event] = []
        self.n = 0
        self.pace = min(1.0, 600 / self.target)
        k = rng.randint(2, 8)
        self.jurisdictions = rng.sample(_ALL, k)
        self.lead = self.jurisdictions[0]
        # 5 to 50 assets, more in larger cases
        scale = min(1.0, self.target / 400)
        self.n_assets = rng.randint(5, 5 + int(45 * scale))
        self.assets: dict[str, str] = {}  # asset id -> jurisdiction
        self.subjects: list[str] = []
        self.orders: dict[str, _Order] = {}  # live freeze/seizure orders
        self.sent: list[tuple[str, bool]] = []  # (request id, urgent) sent, not received
        self.received: list[str] = []  # received, not answered
        self.asked: set[tuple[str, str]] = set()  # (asset, purpose) already requested
        self.recognised: set[tuple[str, str]] = set()  # (order, jurisdiction)
        self.confiscated: set[str] = set()
        self.prosecuting: set[str] = set()  # jurisdictions with a proceeding
        self.postponed: set[str] = set()  # an FIU suspends an asset once
        self.frozen: set[tuple[str, str]] = set()  # (asset, jurisdiction) ever frozen there
        self.counters: dict[str, int] = {}
        self.late: list[t.Event] = []  # reported later than they happened
        self.closed = False

    # -- helpers ---------------------------------------------------------------------
    def _id(self, prefix: str) -> str:
        self.counters[prefix] = self.counters.get(prefix, 0) + 1
        return f"{prefix}{self.counters[prefix]}"

    def _env(self, when: dt.date | dt.datetime | None = None) -> dict[str, Any]:
        self.n += 1
        return {
            "event_id": f"{self.case_id}-e{self.n:05d}",
            "case_id": self.case_id,
            "occurred_at": self.day if when is None else when,
        }

    def _emit(self, event: t.Event) -> None:
        self.events.append(event)

    def _tick(self, lo: int = 0, hi: int = 9) -> None:
        days = self.rng.randint(lo, hi)
        if self.pace < 1.0:  # large cases are busier, not longer: a few years at most
            days = int(days * self.pace + self.rng.random())
        self.day += dt.timedelta(days=days)

    def _money(self, jurisdiction: str) -> t.Money:
        cents = self.rng.randint(1_000_00, 5_000_000_00)
        return t.Money(amount=Decimal(cents) / 100, currency=_CURRENCY[jurisdiction])

    def _instant(self) -> dt.datetime:
        hour, minute = self.rng.randint(7, 19), self.rng.choice((0, 15, 30, 45))
        return dt.datetime(self.day.year, self.day.month, self.day.day, hour, minute, tzinfo=dt.UTC)

    # -- the acts ----------------------------------------------------------------------
    def open(self) -> None:
        rng = self.rng
        self._emit(
            t.CaseOpened(
                **self._env(),
                lead_jurisdiction=self.lead,
                title=f"Operation {rng.choice(_NAMES).split()[0]} {self.case_id[-4:]}",
                offences=tuple(sorted(rng.sample(_OFFENCES, rng.randint(1, 3)))),
                source="prosecution service",
            )
        )
        for _ in range(rng.randint(1, 4)):
            self.subject()
        self.proceeding(self.lead)
        self.prosecuting = {self.lead}

    def subject(self) -> None:
        if len(self.subjects) >= 12:
            return
        sid = self._id("S")
        self.subjects.append(sid)
        self._tick(0, 3)
        self._emit(
            t.SubjectIdentified(
                **self._env(),
                subject_id=sid,
                name=self.rng.choice(_NAMES),
                kind=self.rng.choice(("person", "company")),
                jurisdictions=tuple(sorted(self.rng.sample(self.jurisdictions, 1))),
            )
        )

    def proceeding(self, jurisdiction: str) -> None:
        self._tick(0, 5)
        subjects = self.rng.sample(self.subjects, min(len(self.subjects), self.rng.randint(1, 2)))
        self._emit(
            t.ProceedingOpened(
                **self._env(),
                proceeding_id=self._id("P"),
                jurisdiction=jurisdiction,
                kind=self.rng.choice(("criminal", "criminal", "ncb_forfeiture")),
                subject_ids=tuple(sorted(subjects)),
                authority=f"prosecutor, {jurisdiction}",
            )
        )

    def locate(self, jurisdiction: str | None = None, asset_id: str | None = None) -> str:
        rng = self.rng
        aid = asset_id or self._id("A")
        where = jurisdiction or rng.choice(self.jurisdictions)
        self.assets[aid] = where
        self._tick(0, 6)
        self._emit(
            t.AssetLocated(
                **self._env(),
                asset_id=aid,
                asset_type=rng.choice(_ASSET_TYPES),
                jurisdiction=where,
                holder=rng.choice(_NAMES),
                value=self._money(where),
                description="located by financial investigation",
                source="FIU exchange",
            )
        )
        return aid

    def freeze(self, jurisdiction: str | None = None) -> None:
        """Freeze or seize assets that no live order holds (orders follow assets: a
        large case is large because of the money it traces, not because every asset is
        frozen again and again)."""
        rng = self.rng
        where = jurisdiction or rng.choice([self.lead, *self.jurisdictions])
        held = {a for o in self.orders.values() for a in o.assets}
        free = [
            a
            for a in self.assets
            if a not in held and a not in self.confiscated and (a, where) not in self.frozen
        ]
        if not free:
            return
        local = [a for a in free if self.assets[a] == where] or free
        taken = tuple(sorted(rng.sample(local, min(len(local), rng.randint(1, 3)))))
        self.frozen.update((a, where) for a in taken)
        oid = self._id("O")
        self._tick(0, 4)
        statutory = _STATUTORY_BASIS.get(where) if rng.random() < 0.4 else None
        expires = None if statutory else self.day + dt.timedelta(days=rng.choice((90, 180, 365)))
        order_type: t.OrderType = rng.choice(("freeze", "freeze", "seizure"))
        self._emit(
            t.OrderIssued(
                **self._env(),
                order_id=oid,
                order_type=order_type,
                issuing_jurisdiction=where,
                asset_ids=taken,
                authority=f"investigating judge, {where}",
                expires_on=expires,
                legal_basis=statutory or "code of criminal procedure, provisional measures",
            )
        )
        self.orders[oid] = _Order(where, taken, expires)

    def extend(self) -> None:
        dated = [o for o, v in self.orders.items() if v.expires is not None]
        if not dated:
            return
        oid = self.rng.choice(dated)
        order = self.orders[oid]
        assert order.expires is not None
        self._tick(0, 4)
        expires = max(order.expires, self.day) + dt.timedelta(days=self.rng.choice((90, 180)))
        order.expires = expires
        self._emit(t.OrderExtended(**self._env(), order_id=oid, expires_on=expires))

    def lift(self) -> None:
        if not self.orders:
            return
        oid = self.rng.choice(sorted(self.orders))
        del self.orders[oid]
        self._tick(0, 4)
        self._emit(t.OrderLifted(**self._env(), order_id=oid, reason="court of appeal"))

    def request(self) -> None:
        """A request for an asset abroad: at most one per asset and purpose."""
        rng = self.rng
        abroad = [a for a, j in self.assets.items() if j != self.lead]
        if not abroad:
            return
        aid = rng.choice(abroad)
        to = self.assets[aid]
        both_eu = self.lead in _EU and to in _EU
        order_id = None
        purpose: t.MlaPurpose
        if both_eu:
            choices: tuple[tuple[str, t.MlaPurpose], ...] = (
                ("EU-2018/1805", "provisional_measures"),
                ("EU-2018/1805", "execute_order"),
                ("EIO", "evidence"),
            )
            instrument, purpose = rng.choice(choices)
        else:
            instrument = rng.choice(("UNCAC", "UNTOC", "UN-1988", "bilateral MLAT"))
            purpose = rng.choice(("provisional_measures", "provisional_measures", "evidence"))
        if (aid, purpose) in self.asked:
            return
        self.asked.add((aid, purpose))
        lead_orders = [o for o, v in self.orders.items() if aid in v.assets]
        if lead_orders and purpose != "evidence":
            order_id = rng.choice(lead_orders)
        urgent = purpose == "provisional_measures" and rng.random() < 0.5
        rid = self._id("R")
        self._tick(0, 5)
        self._emit(
            t.MlaRequestSent(
                **self._env(),
                request_id=rid,
                requesting_jurisdiction=self.lead,
                requested_jurisdiction=to,
                purpose=purpose,
                asset_ids=(aid,),
                order_id=order_id,
                instrument=instrument,
                urgent=urgent,
            )
        )
        self.sent.append((rid, urgent))

    def receive(self) -> None:
        if not self.sent:
            return
        rid, urgent = self.sent.pop(self.rng.randrange(len(self.sent)))
        self._tick(1, 10)
        when = self._instant() if urgent else None
        self._emit(t.MlaRequestReceived(**self._env(when), request_id=rid))
        self.received.append(rid)

    def answer(self) -> None:
        if not self.received:
            return
        rid = self.received.pop(self.rng.randrange(len(self.received)))
        self._tick(0, 40)
        self._emit(
            t.MlaRequestAnswered(
                **self._env(),
                request_id=rid,
                outcome=self.rng.choice(("granted", "granted", "partially_granted", "refused")),
                grounds="decision of the central authority",
            )
        )

    def recognise(self) -> None:
        lead_orders = [o for o, v in self.orders.items() if v.where == self.lead]
        if not lead_orders:
            return
        oid = self.rng.choice(lead_orders)
        where = self.rng.choice(self.jurisdictions)
        if (oid, where) in self.recognised:
            return
        self.recognised.add((oid, where))
        self._tick(0, 10)
        self._emit(
            t.OrderRecognized(
                **self._env(),
                order_id=oid,
                executing_jurisdiction=where,
                executed=self.rng.random() < 0.8,
            )
        )

    def transfer(self) -> None:
        rng = self.rng
        live = sorted(a for a in self.assets if a not in self.confiscated)
        if not live:
            return
        src = rng.choice(live)
        from_j = self.assets[src]
        # a quarter of transfers go into a jurisdiction the case did not touch yet
        if rng.random() < 0.25 and len(self.assets) < self.n_assets:
            to_j = rng.choice([j for j in _ALL if j != from_j])
            dest: str | None = self._id("A")
        else:
            dest = rng.choice(sorted(self.assets))
            to_j = self.assets[dest]
            if dest == src:  # a transfer into its own asset is refused: within it, unnamed
                dest = None
        self._tick(0, 6)
        event = t.TransferDetected(
            **self._env(),
            transfer_id=self._id("T"),
            from_asset_id=src,
            to_asset_id=dest,
            from_jurisdiction=from_j,
            to_jurisdiction=to_j,
            amount=self._money(from_j),
            source="suspicious transaction report",
        )
        if rng.random() < 0.15:
            self.late.append(event)  # reported weeks later, after other events
        else:
            self._emit(event)
        if dest is not None and dest not in self.assets and rng.random() < 0.7:
            if to_j not in self.jurisdictions:
                self.jurisdictions.append(to_j)
            self.locate(to_j, dest)

    def postpone(self) -> None:
        if not self.assets:
            return
        where = self.rng.choice(self.jurisdictions)
        local = [a for a, j in self.assets.items() if j == where and a not in self.postponed]
        if not local:
            return
        taken = tuple(sorted(self.rng.sample(local, min(len(local), 2))))
        self._tick(0, 3)
        self._emit(
            t.FiuPostponement(
                **self._env(self._instant()),
                postponement_id=self._id("F"),
                jurisdiction=where,
                asset_ids=taken,
            )
        )
        self.postponed.update(taken)

    def confiscate(self) -> None:
        """Confiscation comes late in a case's life (the last third of its events)."""
        if len(self.events) < 0.66 * self.target:
            return
        held = sorted({a for v in self.orders.values() for a in v.assets} - self.confiscated)
        # keep two assets out of reach, so that money can still move (and the case live)
        spare = len(self.assets) - len(self.confiscated) - 2
        held = held[: max(0, spare)]
        if not held:
            return
        rng = self.rng
        taken = tuple(sorted(rng.sample(held, min(len(held), rng.randint(1, 4)))))
        oid = self._id("O")
        self._tick(5, 30)
        self._emit(
            t.OrderIssued(
                **self._env(),
                order_id=oid,
                order_type="confiscation",
                issuing_jurisdiction=self.lead,
                asset_ids=taken,
                authority=f"trial court, {self.lead}",
                final=True,
                legal_basis="judgment on conviction",
            )
        )
        self.confiscated.update(taken)
        for aid in taken:
            self._tick(0, 10)
            self._emit(
                t.AssetConfiscated(
                    **self._env(), asset_id=aid, jurisdiction=self.assets[aid], order_id=oid
                )
            )
            if self.assets[aid] != self.lead and rng.random() < 0.5:
                self._tick(10, 60)
                self._emit(
                    t.AssetReturned(
                        **self._env(),
                        asset_id=aid,
                        from_jurisdiction=self.assets[aid],
                        to_jurisdiction=self.lead,
                        amount=self._money(self.assets[aid]),
                    )
                )
        for o in [o for o, v in self.orders.items() if set(v.assets) & set(taken)]:
            del self.orders[o]

    # -- the whole life ----------------------------------------------------------------
    def run(self) -> list[t.Event]:
        rng = self.rng
        self.open()
        first = min(self.n_assets, rng.randint(3, 6))
        for i in range(first):
            self.locate(self.lead if i == 0 else None)
        self.freeze(self.lead)
        acts = (
            (self.locate, 6),
            (self.freeze, 8),
            (self.extend, 6),
            (self.lift, 2),
            (self.request, 9),
            (self.receive, 8),
            (self.answer, 6),
            (self.recognise, 3),
            (self.transfer, 10),
            (self.postpone, 3),
            (self.confiscate, 1),
            (self.subject, 1),
        )
        funcs = [f for f, _ in acts]
        weights = [w for _, w in acts]
        idle = 0
        while len(self.events) + len(self.late) < self.target - 1:
            before = self.n
            idle += 1
            if idle > 1000:
                raise RuntimeError(f"case {self.case_id}: the generator is stuck (a bug)")
            act = rng.choices(funcs, weights)[0]
            if act == self.locate:
                if len(self.assets) >= self.n_assets:
                    continue
                self.locate()
            elif act == self.subject and rng.random() < 0.3:
                where = rng.choice(self.jurisdictions)
                if where not in self.prosecuting:
                    self.prosecuting.add(where)
                    self.proceeding(where)
            else:
                act()
            if self.n != before:
                idle = 0
            if self.late and rng.random() < 0.2:
                self.events.append(self.late.pop(0))
        self.events.extend(self.late)
        self.late = []
        if rng.random() < 0.3:
            self._tick(10, 90)
            self._emit(t.CaseClosed(**self._env(), reason="proceedings concluded"))
        return self.events


def generate_case(
    seed: int, case_id: str, target: int, start: dt.date = dt.date(2018, 1, 1)
) -> list[t.Event]:
    """One case of about `target` events (log order), decided by `seed` alone."""
    return CaseGenerator(random.Random(f"{seed}:{case_id}"), case_id, target, start).run()


def generate_log(
    n_events: int, *, seed: int = 0, window: int = 32, mean_case: int = 100
) -> Iterator[t.Event]:
    """About `n_events` events of `n_events // mean_case` cases, interleaved by valid time.

    A window of `window` cases is open at a time: the next event is the earliest one of
    the open cases (in each case's log order), so memory stays small however long the
    log. Stops at exactly `n_events` events: the cases still open then are cut short.
    """
    rng = random.Random(seed)
    n_cases = max(1, n_events // mean_case)
    sizes = case_sizes(rng, n_cases, mean=mean_case)
    starts = sorted(dt.date(2016, 1, 1) + dt.timedelta(days=rng.randint(0, 8 * 365)) for _ in sizes)
    pending = iter(enumerate(zip(sizes, starts, strict=True)))
    heap: list[tuple[str, int, int, list[t.Event]]] = []

    def open_next() -> bool:
        item = next(pending, None)
        if item is None:
            return False
        i, (size, start) = item
        events = generate_case(seed, f"C{seed:02d}-{i:06d}", size, start)
        heapq.heappush(heap, (_key(events[0]), i, 0, events))
        return True

    for _ in range(window):
        if not open_next():
            break
    emitted = 0
    while heap and emitted < n_events:
        _, i, k, events = heapq.heappop(heap)
        yield events[k]
        emitted += 1
        if k + 1 < len(events):
            heapq.heappush(heap, (_key(events[k + 1]), i, k + 1, events))
        else:
            open_next()
    # fewer cases than needed (sizes are random): top up with more cases
    extra = n_cases
    while emitted < n_events:
        events = generate_case(seed, f"C{seed:02d}-{extra:06d}", mean_case)
        extra += 1
        for event in events[: n_events - emitted]:
            yield event
            emitted += 1


def _key(event: t.Event) -> str:
    value = event.occurred_at
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S")
    return value.isoformat()
