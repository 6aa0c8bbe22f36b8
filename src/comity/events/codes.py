"""Jurisdiction and currency codes, checked against ISO 3166-1 and ISO 4217.

The lists come from `pycountry`, which packages the iso-codes data that Debian
maintains and follows every ISO change; a hand-kept list here would silently age.
A jurisdiction is an ISO 3166-1 alpha-2 code or ``EU`` (where an EU body acts, as
ISO 3166 reserves it). Codes people often write for a country but that ISO reserves
rather than assigns (``UK``, ``EL``) are refused with the code to write instead, so
that one country is never two jurisdictions.
"""

from __future__ import annotations

import functools

import pycountry

__all__ = [
    "currencies",
    "jurisdictions",
    "meant_jurisdiction",
]

#: ISO 3166-1 reserves these for a country that has another code; write that one.
_RESERVED_FOR: dict[str, str] = {"UK": "GB", "EL": "GR"}


@functools.cache
def jurisdictions() -> frozenset[str]:
    """Every ISO 3166-1 alpha-2 code, and ``EU``."""
    return frozenset({c.alpha_2 for c in pycountry.countries} | {"EU"})


@functools.cache
def currencies() -> frozenset[str]:
    """Every ISO 4217 alphabetic code."""
    return frozenset(c.alpha_3 for c in pycountry.currencies)


def meant_jurisdiction(code: str) -> str | None:
    """The code to write instead of a reserved one (``UK`` -> ``GB``), if there is one."""
    return _RESERVED_FOR.get(code)
