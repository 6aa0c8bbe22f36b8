"""The model of dated legal parameters: a parameter, its dated values, the set of them.

What a value says (an amount and how it is counted, a list, or *none found*), where it
comes from (`Reference`) and how sure comity is of it (`confidence`) are kept together,
so that a period computed from it carries its citation (docs/parameters.md). Reading
and checking the files they are written in is `_param_files.py`'s.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, datetime
from typing import Any, Final

import attrs

from comity.errors import RulePackError
from comity.events.time import utc_date
from comity.rules.calendar import (
    HOLIDAYS_SOURCE,
    TIME_ZONES,
    WEEKDAY_KEYS,
    Counting,
    Due,
    compute_due,
)

__all__ = [
    "CONFIDENCES",
    "FORMAT_VERSION",
    "HOLIDAY_ROLES",
    "KINDS",
    "ParamValue",
    "Parameter",
    "ParameterSet",
    "Reference",
]

FORMAT_VERSION: Final = 1
"""The value of the required top-level `format` key of a parameter file."""

CONFIDENCES: Final = ("verified", "unverified", "policy")
KINDS: Final = ("amount", "list", "none_found")
HOLIDAY_ROLES: Final = ("executing", "issuing", "acting")
"""Roles `holidays_of` may name instead of a fixed country: the engine resolves them
from the case (the executing or issuing State, or the jurisdiction of the authority
that acts, e.g. the FIU of a `fiu_postponement`)."""


@attrs.frozen(kw_only=True)
class Reference:
    """Where a value comes from: enough for a reader to find and check the text.

    `address` is the official publication a lawyer can cite; `read_at` is the copy
    where the wording was actually read (a mirror, a consolidated version elsewhere),
    kept apart so that a finding never cites a copy as the law. `also` lists further
    official addresses (another language version, an amending act).
    """

    instrument: str
    article: str
    address: str
    read_at: str | None = None
    also: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "instrument": self.instrument,
            "article": self.article,
            "address": self.address,
            "also": list(self.also),
        }
        if self.read_at is not None:
            out["read_at"] = self.read_at
        return out


@attrs.frozen(kw_only=True)
class ParamValue:
    """One dated value of one parameter: what the law said from `valid_from`.

    `confidence` qualifies the value itself (the amount, the list, or the finding that
    there is none); `dates_confidence` qualifies `valid_from` / `valid_until`, which the
    sources often leave open even when the amount was read.
    """

    name: str
    valid_from: date
    valid_until: date | None  # exclusive; None = still in force
    kind: str  # one of KINDS
    amount: int | None = None
    items: tuple[str, ...] | None = None
    counting: Counting | None = None  # set for amounts
    reference: Reference
    confidence: str
    dates_confidence: str
    note: str | None = None

    @property
    def unit(self) -> str | None:
        return self.counting.unit if self.counting else None

    @property
    def none_found(self) -> bool:
        """True when the sources give no statutory duration: raise no deadline."""
        return self.kind == "none_found"

    def in_force(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_until is None or on < self.valid_until)

    def due(
        self, trigger: date | datetime, *, calendar: str | None, trigger_name: str = "the trigger"
    ) -> Due | None:
        """The end of this period from `trigger`; None for a *none found* value.

        Raises TypeError for a list value, which is not a period.
        """
        if self.kind == "none_found":
            return None
        if self.amount is None or self.counting is None:
            raise TypeError(f"{self.name} is a list, not a period")
        return compute_due(
            trigger, self.amount, self.counting, calendar=calendar, trigger_name=trigger_name
        )

    def to_json(self) -> dict[str, Any]:
        counting = None
        if self.counting is not None:
            counting = {
                "unit": self.counting.unit,
                "trigger_counts": self.counting.trigger_counts,
                "roll_forward": self.counting.roll_forward,
                "rest_days": [WEEKDAY_KEYS[d - 1] for d in self.counting.rest_days],
                "caveat": self.counting.caveat,
                "source": self.counting.source,
            }
        return {
            "from": self.valid_from.isoformat(),
            "until": self.valid_until.isoformat() if self.valid_until else None,
            "kind": self.kind,
            "amount": self.amount,
            "items": list(self.items) if self.items is not None else None,
            "counting": counting,
            "reference": self.reference.to_json(),
            "confidence": self.confidence,
            "dates_confidence": self.dates_confidence,
            "note": self.note,
        }


@attrs.frozen(kw_only=True)
class Parameter:
    """A named legal parameter and its dated values, oldest first, without overlap."""

    name: str
    title: str
    values: tuple[ParamValue, ...]
    origin: str  # the file it came from, for messages; not part of the digest
    description: str | None = None
    trigger: str | None = None  # what starts the period, in words
    jurisdiction: str | None = None
    holidays_of: str | None = None  # a country code or one of HOLIDAY_ROLES

    def at(self, on: date) -> ParamValue | None:
        for value in self.values:
            if value.in_force(on):
                return value
        return None

    @property
    def covers_from(self) -> date:
        return self.values[0].valid_from

    @property
    def covers_until(self) -> date | None:
        """Exclusive end of coverage; None when the last value is still in force."""
        return self.values[-1].valid_until

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "description": self.description,
            "trigger": self.trigger,
            "jurisdiction": self.jurisdiction,
            "holidays_of": self.holidays_of,
            "values": [v.to_json() for v in self.values],
        }


def _as_day(on: date | datetime) -> date:
    if isinstance(on, datetime) and on.tzinfo is None:
        raise ValueError(f"{on.isoformat()} has no time zone; give a date or a UTC datetime")
    return utc_date(on)


class ParameterSet:
    """All parameters of a rule pack, looked up by name and date (law time)."""

    __slots__ = ("_params",)

    def __init__(self, parameters: Mapping[str, Parameter]) -> None:
        self._params = dict(sorted(parameters.items()))

    def get(self, name: str, on: date | datetime) -> ParamValue | None:
        """The value of `name` in force on `on`; None if none is (or the name is unknown).

        A datetime is taken at its UTC date. Use `name in params` to tell an unknown
        name from a date outside the parameter's coverage.
        """
        parameter = self._params.get(name)
        return parameter.at(_as_day(on)) if parameter else None

    def require(self, name: str, on: date | datetime) -> ParamValue:
        """Like `get`, but a missing value is an error naming the parameter and date."""
        day = _as_day(on)
        parameter = self._params.get(name)
        if parameter is None:
            raise RulePackError(
                f"parameter {name}: no such parameter in the rule pack (wanted on {day})"
            )
        value = parameter.at(day)
        if value is None:
            until = parameter.covers_until.isoformat() if parameter.covers_until else "open-ended"
            raise RulePackError(
                f"parameter {name}: no value in force on {day.isoformat()} "
                f"({parameter.origin} covers {parameter.covers_from.isoformat()} to {until})"
            )
        return value

    def parameter(self, name: str) -> Parameter:
        return self._params[name]

    def names(self) -> tuple[str, ...]:
        return tuple(self._params)

    def values(self) -> tuple[Parameter, ...]:
        """Every parameter, in name order."""
        return tuple(self._params.values())

    def __contains__(self, name: object) -> bool:
        return name in self._params

    def __iter__(self) -> Iterator[str]:
        return iter(self._params)

    def __len__(self) -> int:
        return len(self._params)

    def to_json(self) -> dict[str, Any]:
        """Canonical digest material: every value, date, counting rule and reference.

        Includes `HOLIDAYS_SOURCE`, because a new release of the holiday data can move
        a working-day deadline just as an edited parameter can, and the time zone each
        jurisdiction's days are counted in (`calendar.TIME_ZONES`), which moves every
        breach instant of a period in days. File names are left out: moving a
        parameter between files changes nothing it says.
        """
        return {
            "format": FORMAT_VERSION,
            "holidays": HOLIDAYS_SOURCE,
            "time_zones": {code: zone for code, (zone, _) in sorted(TIME_ZONES.items())},
            "parameters": {name: p.to_json() for name, p in self._params.items()},
        }
