"""Reading parameter files: TOML tables to parameters, every mistake refused by name.

A parameter file is reviewed by lawyers and written by hand, so the reader refuses
what it does not know (a key, a unit, a confidence), a value outside what any law
sets (MAX_PERIOD_YEARS), and a timeline with overlaps or gaps, each in one message
naming the file and the key (docs/parameters.md).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final

from comity.errors import RulePackError
from comity.rules._parameter import (
    CONFIDENCES,
    FORMAT_VERSION,
    HOLIDAY_ROLES,
    Parameter,
    ParamValue,
    Reference,
)
from comity.rules.calendar import DEFAULT_REST_DAYS, UNITS, WEEKDAY_KEYS, Counting
from comity.rules.files import RuleFileError, read_toml

__all__ = ["MAX_AMOUNT", "MAX_PERIOD_YEARS", "fail", "load_file"]

_NAME_PART = re.compile(r"^[A-Za-z0-9_]+$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_PARAM_KEYS: Final = frozenset(
    {
        "title",
        "description",
        "trigger",
        "jurisdiction",
        "holidays_of",
        "unit",
        "counting",
        "reference",
        "values",
    }
)
_VALUE_KEYS: Final = frozenset(
    {
        "from",
        "until",
        "amount",
        "items",
        "none_found",
        "unit",
        "counting",
        "reference",
        "confidence",
        "dates_confidence",
        "note",
    }
)
_COUNTING_KEYS: Final = frozenset(
    {"trigger_counts", "roll_forward", "rest_days", "caveat", "source"}
)
_REFERENCE_KEYS: Final = frozenset({"instrument", "article", "address", "read_at", "also"})


#: No legal period comity models runs longer than this; a longer one is a typo (and
#: counting 100,000,000 working days would run for hours).
MAX_PERIOD_YEARS = 100
#: The largest amount of each unit within MAX_PERIOD_YEARS.
MAX_AMOUNT: Final = {
    "hours": MAX_PERIOD_YEARS * 366 * 24,
    "calendar_days": MAX_PERIOD_YEARS * 366,
    "working_days": MAX_PERIOD_YEARS * 262,
    "weeks": MAX_PERIOD_YEARS * 53,
    "months": MAX_PERIOD_YEARS * 12,
    "years": MAX_PERIOD_YEARS,
}


def fail(label: str, key: str, message: str) -> RulePackError:
    return RulePackError(f"{label}: {key}: {message}" if key else f"{label}: {message}")


def _show(value: object) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return f"a datetime ({value.isoformat()})"
    return repr(value) if not isinstance(value, date) else value.isoformat()


def _date(raw: object, label: str, key: str) -> date:
    if isinstance(raw, datetime) or not isinstance(raw, date):
        raise fail(label, key, f"expected a date, got {_show(raw)}")
    return raw


def _text(
    table: Mapping[str, Any], field: str, label: str, key: str, *, required: bool = False
) -> str | None:
    raw = table.get(field)
    if raw is None:
        if required:
            raise fail(label, f"{key}.{field}", "required")
        return None
    if not isinstance(raw, str) or not raw.strip():
        raise fail(label, f"{key}.{field}", f"expected a non-empty string, got {_show(raw)}")
    return raw.strip()


def _required_text(table: Mapping[str, Any], field: str, label: str, key: str) -> str:
    text = _text(table, field, label, key, required=True)
    if text is None:  # pragma: no cover - _text raised already
        raise fail(label, f"{key}.{field}", "required")
    return text


def _unknown(table: Mapping[str, Any], allowed: frozenset[str], label: str, key: str) -> None:
    extra = sorted(set(table) - allowed)
    if extra:
        raise fail(
            label, f"{key}.{extra[0]}", f"unknown key; expected one of {', '.join(sorted(allowed))}"
        )


def _table(raw: object, label: str, key: str) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise fail(label, key, f"expected a table, got {_show(raw)}")
    return raw


def _merged(
    param: Mapping[str, Any], value: Mapping[str, Any], field: str, label: str, key: str
) -> dict[str, Any]:
    """A value's table over the parameter's: value keys win, key by key."""
    return {
        **_table(param.get(field), label, f"{key}.{field}"),
        **_table(value.get(field), label, f"{key}.{field}"),
    }


def _reference(table: Mapping[str, Any], label: str, key: str, policy: bool) -> Reference:
    _unknown(table, _REFERENCE_KEYS, label, key)
    instrument = _required_text(table, "instrument", label, key)
    article = _required_text(table, "article", label, key)
    address = _required_text(table, "address", label, key)
    if not policy and not address.startswith(("https://", "http://")):
        raise fail(
            label, f"{key}.address", f"expected a public http(s) address, got {_show(address)}"
        )
    read_at = _text(table, "read_at", label, key, required=False)
    if read_at is not None and not read_at.startswith(("https://", "http://")):
        raise fail(
            label, f"{key}.read_at", f"expected a public http(s) address, got {_show(read_at)}"
        )
    also = table.get("also", [])
    if not isinstance(also, list) or not all(isinstance(a, str) and a.strip() for a in also):
        raise fail(label, f"{key}.also", f"expected a list of addresses, got {_show(also)}")
    return Reference(
        instrument=instrument, article=article, address=address, read_at=read_at, also=tuple(also)
    )


def _counting(unit: object, table: Mapping[str, Any], label: str, key: str) -> Counting:
    if not isinstance(unit, str) or unit not in UNITS:
        raise fail(label, f"{key}.unit", f"expected one of {', '.join(UNITS)}, got {_show(unit)}")
    ckey = f"{key}.counting"
    _unknown(table, _COUNTING_KEYS, label, ckey)
    flags: dict[str, bool] = {}
    for flag in ("trigger_counts", "roll_forward"):
        raw = table.get(flag)
        if not isinstance(raw, bool):
            # No defaults: each flag moves the deadline, so the file must say it.
            what = "required" if raw is None else f"expected true or false, got {_show(raw)}"
            raise fail(label, f"{ckey}.{flag}", what)
        flags[flag] = raw
    rest_days = _rest_days(table.get("rest_days"), label, f"{ckey}.rest_days")
    caveat = _text(table, "caveat", label, ckey, required=False)
    source = _text(table, "source", label, ckey, required=False)
    try:
        return Counting(unit=unit, caveat=caveat, source=source, rest_days=rest_days, **flags)
    except ValueError as exc:
        raise fail(label, ckey, str(exc)) from None


def _rest_days(raw: object, label: str, key: str) -> tuple[int, ...]:
    """`["sat", "sun"]` -> (6, 7); absent means Saturday and Sunday."""
    if raw is None:
        return DEFAULT_REST_DAYS
    if not isinstance(raw, list) or not all(isinstance(d, str) for d in raw):
        raise fail(label, key, f'expected a list of weekdays such as ["sun"], got {_show(raw)}')
    days: list[int] = []
    for name in raw:
        if name not in WEEKDAY_KEYS:
            raise fail(
                label, key, f"expected weekdays among {', '.join(WEEKDAY_KEYS)}, got {_show(name)}"
            )
        if WEEKDAY_KEYS.index(name) + 1 in days:
            raise fail(label, key, f"lists {_show(name)} twice")
        days.append(WEEKDAY_KEYS.index(name) + 1)
    return tuple(sorted(days))


def _confidence(raw: object, label: str, key: str, name: str) -> str:
    if raw not in CONFIDENCES:
        raise fail(label, key, f"expected one of {', '.join(CONFIDENCES)}, got {_show(raw)}")
    is_policy = name.startswith("policy.")
    if (raw == "policy") != is_policy:
        if is_policy:
            raise fail(
                label, key, 'policy.* parameters are comity settings: confidence must be "policy"'
            )
        raise fail(
            label,
            key,
            'only policy.* parameters may have confidence "policy"; '
            'law is "verified" or "unverified"',
        )
    return str(raw)


def _value(name: str, param: Mapping[str, Any], raw: object, label: str, key: str) -> ParamValue:
    table = _table(raw, label, key)
    _unknown(table, _VALUE_KEYS, label, key)
    if "from" not in table:
        raise fail(label, f"{key}.from", "required")
    valid_from = _date(table["from"], label, f"{key}.from")
    valid_until = _date(table["until"], label, f"{key}.until") if "until" in table else None
    if valid_until is not None and valid_until <= valid_from:
        raise fail(
            label,
            f"{key}.until",
            f"{valid_until} is not after from ({valid_from}); until is exclusive",
        )
    confidence = _confidence(table.get("confidence"), label, f"{key}.confidence", name)
    dates_confidence = _confidence(
        table.get("dates_confidence", confidence), label, f"{key}.dates_confidence", name
    )
    note = _text(table, "note", label, key, required=False)
    policy = confidence == "policy"
    reference = _reference(
        _merged(param, table, "reference", label, key), label, f"{key}.reference", policy
    )

    present = [k for k in ("amount", "items", "none_found") if k in table]
    if len(present) != 1:
        raise fail(label, key, "give exactly one of amount, items, none_found = true")
    common: dict[str, Any] = {
        "name": name,
        "valid_from": valid_from,
        "valid_until": valid_until,
        "reference": reference,
        "confidence": confidence,
        "dates_confidence": dates_confidence,
        "note": note,
    }
    if present[0] == "amount":
        amount = table["amount"]
        if isinstance(amount, bool) or not isinstance(amount, int) or amount < 1:
            raise fail(label, f"{key}.amount", f"expected a whole number >= 1, got {_show(amount)}")
        unit = table.get("unit", param.get("unit"))
        longest = MAX_AMOUNT.get(unit) if isinstance(unit, str) else None
        if longest is not None and amount > longest:
            raise fail(
                label,
                f"{key}.amount",
                f"expected at most {longest} {unit} (a period of at most "
                f"{MAX_PERIOD_YEARS} years), got {amount}",
            )
        counting = _counting(unit, _merged(param, table, "counting", label, key), label, key)
        return ParamValue(kind="amount", amount=amount, counting=counting, **common)
    if present[0] == "items":
        items = table["items"]
        if not isinstance(items, list) or not all(isinstance(i, str) and i.strip() for i in items):
            raise fail(label, f"{key}.items", f"expected a list of strings, got {_show(items)}")
        if len(set(items)) != len(items):
            raise fail(label, f"{key}.items", "lists an entry twice")
        return ParamValue(kind="list", items=tuple(items), **common)
    if table["none_found"] is not True:
        raise fail(label, f"{key}.none_found", f"expected true, got {_show(table['none_found'])}")
    if note is None:
        raise fail(label, f"{key}.note", "required for none_found: say what was searched")
    return ParamValue(kind="none_found", **common)


def _check_timeline(values: list[ParamValue], label: str, name: str) -> None:
    for n in range(1, len(values)):
        before, after = values[n - 1], values[n]
        key = f"{name}.values[{n}].from"
        if after.valid_from < before.valid_from:
            raise fail(label, key, "values must be in date order, oldest first")
        if before.valid_until is None:
            raise fail(
                label,
                key,
                f"values[{n - 1}] has no until, so it is still in force; "
                f"give it until = {after.valid_from}",
            )
        if after.valid_from < before.valid_until:
            raise fail(
                label,
                key,
                f"{after.valid_from} overlaps values[{n - 1}], "
                f"in force until {before.valid_until} (exclusive)",
            )
        if after.valid_from > before.valid_until:
            gap = (after.valid_from - before.valid_until).days
            hint = (
                f"; until is exclusive, so write until = {after.valid_from} in values[{n - 1}]"
                if gap == 1
                else "; if no value applies in between, say so with a none_found value, "
                "or use a separate parameter"
            )
            raise fail(label, key, f"gap after values[{n - 1}] (until {before.valid_until}){hint}")


def _parameter(name: str, table: Mapping[str, Any], label: str) -> Parameter:
    _unknown(table, _PARAM_KEYS, label, name)
    title = _required_text(table, "title", label, name)
    raw_values = table["values"]
    if not isinstance(raw_values, list) or not raw_values:
        raise fail(label, f"{name}.values", "expected one or more [[...values]] tables")
    values = [
        _value(name, table, v, label, f"{name}.values[{n}]") for n, v in enumerate(raw_values)
    ]
    _check_timeline(values, label, name)
    holidays_of = _text(table, "holidays_of", label, name, required=False)
    if holidays_of is not None and not (
        _COUNTRY.match(holidays_of) or holidays_of in HOLIDAY_ROLES
    ):
        raise fail(
            label,
            f"{name}.holidays_of",
            f"expected an ISO 3166-1 alpha-2 code or one of {', '.join(HOLIDAY_ROLES)}, "
            f"got {_show(holidays_of)}",
        )
    return Parameter(
        name=name,
        title=title,
        values=tuple(values),
        origin=label,
        description=_text(table, "description", label, name, required=False),
        trigger=_text(table, "trigger", label, name, required=False),
        jurisdiction=_text(table, "jurisdiction", label, name, required=False),
        holidays_of=holidays_of,
    )


def _walk(table: Mapping[str, Any], prefix: str, label: str, out: dict[str, Parameter]) -> None:
    """Find parameters in nested tables: a table with `values` is one, others are namespaces."""
    for key, raw in table.items():
        if not _NAME_PART.match(key):
            raise fail(label, f"{prefix}{key}", "name parts may use only letters, digits and _")
        name = f"{prefix}{key}"
        if not isinstance(raw, dict):
            raise fail(
                label, name, f"expected a parameter table (with title and values), got {_show(raw)}"
            )
        if "values" in raw:
            if "." not in name:
                raise fail(label, name, "parameter names need a namespace, e.g. fiu_suspension.CH")
            out[name] = _parameter(name, raw, label)
        else:
            _walk(raw, f"{name}.", label, out)


def load_file(path: Path, label: str) -> dict[str, Parameter]:
    try:
        data = read_toml(path)
    except RuleFileError as exc:
        raise fail(label, "", str(exc)) from None
    if data.get("format") != FORMAT_VERSION:
        raise fail(
            label, "format", f"expected format = {FORMAT_VERSION}, got {_show(data.get('format'))}"
        )
    body = {k: v for k, v in data.items() if k != "format"}
    out: dict[str, Parameter] = {}
    _walk(body, "", label, out)
    return out
