"""A corpus of hostile inputs that every store backend must treat alike.

Each case is one JSON Lines line as an adversary would write it, with the verdict:
refused (naming the field path, or "" for the line) or accepted. The refused ones are
what broke a replay, forged output, or was kept by one backend and refused by another
(NUL); the accepted ones look hostile but are legitimate data (right-to-left names,
emoji, U+2028 in free text, the first and last supported days) that every backend
must store and give back byte for byte.

Imported as ``import hostile`` by the contract tests (tests/events/test_hostile.py)
and the CLI tests (tests/cli/test_cli_inputs.py).
"""

from __future__ import annotations

import json
from typing import Any

import attrs

__all__ = ["ACCEPTED", "BASE", "REFUSED", "Hostile", "line"]

#: A valid order, the base every case changes.
BASE: dict[str, Any] = {
    "type": "order_issued",
    "event_id": "evt-1",
    "case_id": "PA-2019-0042",
    "occurred_at": "2019-07-24",
    "order_id": "O1",
    "order_type": "freeze",
    "issuing_jurisdiction": "PA",
    "asset_ids": ["A1"],
    "expires_on": "2020-01-24",
}


@attrs.frozen
class Hostile:
    name: str
    raw: bytes  # the line, newline included
    path: str | None  # the path the refusal names; None when the line is accepted
    says: str = ""  # part of the message


def line(**changes: Any) -> bytes:
    doc = {**BASE, **changes}
    return json.dumps(doc, ensure_ascii=False).encode("utf-8") + b"\n"


def _raw(text: str) -> bytes:
    return text.encode("utf-8") + b"\n"


_BASE_TEXT = json.dumps(BASE, ensure_ascii=False)

REFUSED: list[Hostile] = [
    # dates outside 1900-01-01..2200-12-31 broke replays (OverflowError, durable 311)
    Hostile("expiry-9999", line(expires_on="9999-12-31"), "expires_on", "1900-01-01 to 2200-12-31"),
    Hostile("issued-0001", line(occurred_at="0001-01-01", expires_on="0001-01-02"), "occurred_at"),
    Hostile("occurred-9999", line(occurred_at="9999-12-31T23:59:59Z"), "occurred_at"),
    Hostile("expiry-1899", line(expires_on="1899-12-31"), "expires_on"),
    Hostile("utc-past-2200", line(occurred_at="2200-12-31T20:00:00-05:00"), "occurred_at"),
    # numbers that do not round-trip
    Hostile(
        "version-huge",
        line(schema_version=100000000000000000000000000000),
        "",
        "at most 16",
    ),
    Hostile("version-2", line(schema_version=2), "schema_version", "schema version"),
    Hostile(
        "integer-5000-digits", _raw(_BASE_TEXT[:-1] + ', "schema_version": ' + "9" * 5000 + "}"), ""
    ),
    Hostile("nan", _raw(_BASE_TEXT[:-1] + ', "schema_version": NaN}'), "", "NaN"),
    Hostile("nested-30000", _raw("[" * 30_000 + "]" * 30_000), "", "nested"),
    # one key twice: the last one silently won
    Hostile("type-twice", _raw(_BASE_TEXT[:-1] + ', "type": "case_closed"}'), "", '"type"'),
    Hostile("id-twice", _raw(_BASE_TEXT[:-1] + ', "event_id": "evt-2"}'), "", '"event_id"'),
    # ids that forge output
    Hostile("id-nul", line(order_id="O\x001"), "order_id", "U+0000"),
    Hostile("id-newline", line(event_id="evt-1\n     9  fake row"), "event_id", "U+000A"),
    Hostile("id-cr", line(case_id="PA\r2019"), "case_id", "U+000D"),
    Hostile("id-ansi", line(order_id="\x1b[2J\x1b[31mO1"), "order_id", "U+001B"),
    Hostile("id-bel", line(order_id="O1\x07"), "order_id", "U+0007"),
    Hostile("id-del", line(order_id="O\x7f1"), "order_id", "U+007F"),
    Hostile("id-line-separator", line(order_id="O\u20281"), "order_id", "U+2028"),
    Hostile("id-rtl-override", line(case_id="PA-\u202e2400-AP"), "case_id", "U+202E"),
    Hostile("id-zero-width", line(order_id="\u200b\u200b"), "order_id", "U+200B"),
    Hostile("ref-zero-width-joiner", line(asset_ids=["A1", "A\u200d1"]), "asset_ids[1]"),
    Hostile("id-bom", line(order_id="\ufeffO1"), "order_id", "U+FEFF"),
    Hostile("id-not-nfc", line(order_id="Cafe\u0301"), "order_id", "NFC"),
    # free text: NUL, which PostgreSQL cannot store
    Hostile("text-nul", line(legal_basis="art.\x00 5"), "legal_basis", "NUL"),
    # codes: not in ISO 3166-1 / ISO 4217
    Hostile("jurisdiction-XX", line(issuing_jurisdiction="XX"), "issuing_jurisdiction"),
    Hostile("jurisdiction-ZZ", line(issuing_jurisdiction="ZZ"), "issuing_jurisdiction"),
    Hostile("jurisdiction-UK", line(issuing_jurisdiction="UK"), "issuing_jurisdiction", '"GB"'),
    Hostile(
        "currency-ZZZ",
        _raw(
            json.dumps(
                {
                    "type": "asset_located",
                    "event_id": "evt-1",
                    "case_id": "PA-2019-0042",
                    "occurred_at": "2019-07-24",
                    "asset_id": "A1",
                    "asset_type": "cash",
                    "jurisdiction": "PA",
                    "value": {"amount": "5", "currency": "ZZZ"},
                }
            )
        ),
        "value.currency",
    ),
]

ACCEPTED: list[Hostile] = [
    Hostile("first-day", line(occurred_at="1900-01-01", expires_on="1900-01-02"), None),
    Hostile(
        "last-day", line(occurred_at="2200-12-31T23:59:59.999999Z", expires_on="2200-12-31"), None
    ),
    Hostile("panama-offset", line(occurred_at="2019-07-24T09:00:00-05:00"), None),
    Hostile("id-emoji-and-scripts", line(order_id="Ордер-№1-🏦-أمر"), None),
    Hostile("id-nfc-accents", line(order_id="Café-Ωmega"), None),
    Hostile("id-longest", line(order_id="O" * 128), None),
    Hostile("text-rtl-and-escapes", line(legal_basis="\u202eart. 5\x1b[0m\u2028\u2029"), None),
    Hostile("jurisdiction-EU", line(issuing_jurisdiction="EU"), None),
    Hostile("version-1-as-float", line(schema_version=1.0), None),
]
