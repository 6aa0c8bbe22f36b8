"""The days where the act is done: a jurisdiction's time zone and its local dates.

Reg. 1182/71 art. 3(1) counts "the day during which an event occurs": when the
calendar's jurisdiction has one time zone (`TIME_ZONES`), an instant falls on its
local date there; a jurisdiction with several zones (US, MX), an unknown one, or none,
counts UTC dates. The IANA data is the system's, else the `tzdata` package's. A day
starts at `midnight` there; an instant with no time zone is refused (`as_utc`), since
guessing one would move deadlines.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from types import MappingProxyType
from typing import Final
from zoneinfo import ZoneInfo

from comity.events.time import start_of

__all__ = ["SEVERAL_ZONES", "TIME_ZONES", "as_utc", "local_date", "midnight", "time_zone"]

TIME_ZONES: Final[Mapping[str, tuple[str, str | None]]] = MappingProxyType(
    {
        # ISO 3166-1 alpha-2 code -> (IANA zone, what the zone does not cover). Only
        # jurisdictions whose authorities act in one zone. Where a State has remote
        # territories on other time (FR, ES, NL, PT), the zone of its capital is used
        # and the remark, shown in every convention, says what it leaves out.
        # Several zones and left out on purpose (UTC days): US, MX; "EU" is not a State.
        "AE": ("Asia/Dubai", None),
        "AT": ("Europe/Vienna", None),
        "BE": ("Europe/Brussels", None),
        "BG": ("Europe/Sofia", None),
        "CH": ("Europe/Zurich", None),
        "CO": ("America/Bogota", None),
        "CY": ("Asia/Nicosia", None),
        "CZ": ("Europe/Prague", None),
        "DE": ("Europe/Berlin", None),
        "DK": ("Europe/Copenhagen", None),
        "EE": ("Europe/Tallinn", None),
        "ES": ("Europe/Madrid", "the Canary Islands are an hour behind"),
        "FI": ("Europe/Helsinki", None),
        "FR": ("Europe/Paris", "metropolitan France; overseas departments keep their own time"),
        "GR": ("Europe/Athens", None),
        "GT": ("America/Guatemala", None),
        "HN": ("America/Tegucigalpa", None),
        "HR": ("Europe/Zagreb", None),
        "HU": ("Europe/Budapest", None),
        "IE": ("Europe/Dublin", None),
        "IT": ("Europe/Rome", None),
        "LT": ("Europe/Vilnius", None),
        "LU": ("Europe/Luxembourg", None),
        "LV": ("Europe/Riga", None),
        "MT": ("Europe/Malta", None),
        "NL": (
            "Europe/Amsterdam",
            "the European Netherlands; the Caribbean islands keep their own time",
        ),
        "PA": ("America/Panama", None),
        "PL": ("Europe/Warsaw", None),
        "PT": ("Europe/Lisbon", "mainland Portugal and Madeira; the Azores are an hour behind"),
        "RO": ("Europe/Bucharest", None),
        "SE": ("Europe/Stockholm", None),
        "SI": ("Europe/Ljubljana", None),
        "SK": ("Europe/Bratislava", None),
        "SV": ("America/El_Salvador", None),
    }
)
"""The time zone whose local days a jurisdiction's periods in days are counted in."""

SEVERAL_ZONES: Final = frozenset({"US", "MX", "EU"})


@functools.cache
def _zone(code: str) -> ZoneInfo:
    return ZoneInfo(TIME_ZONES[code][0])


def time_zone(calendar: str | None) -> ZoneInfo | None:
    """The zone whose local days count for `calendar`; None means UTC days."""
    if calendar is None:
        return None
    code = calendar.strip().upper()
    return _zone(code) if code in TIME_ZONES else None


def local_date(moment: date | datetime, *, calendar: str | None) -> date:
    """The day `moment` falls on where the act is done: its local date in `calendar`'s
    time zone, or its UTC date when the jurisdiction has no single zone. A date is
    returned as it is (it is taken to be local already)."""
    if not isinstance(moment, datetime):
        return moment
    zone = time_zone(calendar)
    return as_utc(moment).astimezone(zone or UTC).date()


def as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        # A naive datetime has no defined instant; guessing a zone would move deadlines.
        raise ValueError(f"trigger datetime {moment.isoformat()} has no time zone; give UTC")
    return moment.astimezone(UTC)


def midnight(day: date, zone: ZoneInfo | None = None) -> datetime:
    """The start of `day` in `zone` (UTC when None), as a UTC datetime."""
    if zone is None:
        return start_of(day)
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
