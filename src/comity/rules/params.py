"""Dated legal parameters: the durations and lists the law sets, kept as data.

Why data and not code: a legal period changes by amendment, not by release, and each
number must show where it comes from and how sure we are of it. So every parameter
lives in a TOML file (one per jurisdiction or instrument, `data/params/`), with dated
values, the counting convention, a reference (instrument, article, the address of the
official publication, and where the wording was read when that was a copy) and a
`confidence`:

- ``verified``: the wording of the cited article itself was read (`read_at` says
  where, when that is not the official address);
- ``unverified``: anything else: a summary, a commentary, an unofficial translation,
  an inference;
- ``policy``: a comity setting (a warning window), not law. Only ``policy.*``
  parameters may carry it, and they must.

A value is one of: an amount (a period length), a list of strings (e.g. the Member
States bound by an instrument), or an explicit *none found* marker: the sources were
searched and give no statutory duration, so the engine raises no deadline. It is not zero.

Values are in force from `from` (inclusive) until `until` (exclusive: the first day the
value no longer applies, so consecutive values share a date). The loader refuses
overlaps and gaps between consecutive values; a one-day gap gets a hint because it is
almost always an inclusive `until` written by mistake. Later directories replace
earlier ones by parameter name, so users override or extend the built-in pack without
editing the package. The format is documented in docs/parameters.md.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Final

import attrs

from comity.errors import RulePackError
from comity.rules.calendar import (
    DEFAULT_REST_DAYS,
    HOLIDAYS_SOURCE,
    TIME_ZONES,
    UNITS,
    WEEKDAY_KEYS,
    Counting,
    Due,
    compute_due,
)
from comity.rules.files import RuleFileError, read_toml

__all__ = [
    "CONFIDENCES",
    "FORMAT_VERSION",
    "HOLIDAY_ROLES",
    "KINDS",
    "ParamValue",
    "Parameter",
    "ParameterSet",
    "Reference",
    "builtin_params_dir",
    "load_parameters",
]

FORMAT_VERSION: Final = 1
"""The value of the required top-level `format` key of a parameter file."""

CONFIDENCES: Final = ("verified", "unverified", "policy")
KINDS: Final = ("amount", "list", "none_found")
HOLIDAY_ROLES: Final = ("executing", "issuing", "acting")
"""Roles `holidays_of` may name instead of a fixed country: the engine resolves them
from the case (the executing or issuing State, or the jurisdiction of the authority
that acts, e.g. the FIU of a `fiu_postponement`)."""

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


def builtin_params_dir() -> Path:
    """The directory of the built-in parameter files shipped with the package."""
    return Path(__file__).resolve().parent / "data" / "params"


# --- the model ---------------------------------------------------------------------


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
    if isinstance(on, datetime):
        if on.tzinfo is None:
            raise ValueError(f"{on.isoformat()} has no time zone; give a date or a UTC datetime")
        return on.astimezone(UTC).date()
    return on


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


# --- loading -----------------------------------------------------------------------


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


def _fail(label: str, key: str, message: str) -> RulePackError:
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
        raise _fail(label, key, f"expected a date, got {_show(raw)}")
    return raw


def _text(
    table: Mapping[str, Any], field: str, label: str, key: str, *, required: bool = False
) -> str | None:
    raw = table.get(field)
    if raw is None:
        if required:
            raise _fail(label, f"{key}.{field}", "required")
        return None
    if not isinstance(raw, str) or not raw.strip():
        raise _fail(label, f"{key}.{field}", f"expected a non-empty string, got {_show(raw)}")
    return raw.strip()


def _required_text(table: Mapping[str, Any], field: str, label: str, key: str) -> str:
    text = _text(table, field, label, key, required=True)
    if text is None:  # pragma: no cover - _text raised already
        raise _fail(label, f"{key}.{field}", "required")
    return text


def _unknown(table: Mapping[str, Any], allowed: frozenset[str], label: str, key: str) -> None:
    extra = sorted(set(table) - allowed)
    if extra:
        raise _fail(
            label, f"{key}.{extra[0]}", f"unknown key; expected one of {', '.join(sorted(allowed))}"
        )


def _table(raw: object, label: str, key: str) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise _fail(label, key, f"expected a table, got {_show(raw)}")
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
        raise _fail(
            label, f"{key}.address", f"expected a public http(s) address, got {_show(address)}"
        )
    read_at = _text(table, "read_at", label, key, required=False)
    if read_at is not None and not read_at.startswith(("https://", "http://")):
        raise _fail(
            label, f"{key}.read_at", f"expected a public http(s) address, got {_show(read_at)}"
        )
    also = table.get("also", [])
    if not isinstance(also, list) or not all(isinstance(a, str) and a.strip() for a in also):
        raise _fail(label, f"{key}.also", f"expected a list of addresses, got {_show(also)}")
    return Reference(
        instrument=instrument, article=article, address=address, read_at=read_at, also=tuple(also)
    )


def _counting(unit: object, table: Mapping[str, Any], label: str, key: str) -> Counting:
    if not isinstance(unit, str) or unit not in UNITS:
        raise _fail(label, f"{key}.unit", f"expected one of {', '.join(UNITS)}, got {_show(unit)}")
    ckey = f"{key}.counting"
    _unknown(table, _COUNTING_KEYS, label, ckey)
    flags: dict[str, bool] = {}
    for flag in ("trigger_counts", "roll_forward"):
        raw = table.get(flag)
        if not isinstance(raw, bool):
            # No defaults: each flag moves the deadline, so the file must say it.
            what = "required" if raw is None else f"expected true or false, got {_show(raw)}"
            raise _fail(label, f"{ckey}.{flag}", what)
        flags[flag] = raw
    rest_days = _rest_days(table.get("rest_days"), label, f"{ckey}.rest_days")
    caveat = _text(table, "caveat", label, ckey, required=False)
    source = _text(table, "source", label, ckey, required=False)
    try:
        return Counting(unit=unit, caveat=caveat, source=source, rest_days=rest_days, **flags)
    except ValueError as exc:
        raise _fail(label, ckey, str(exc)) from None


def _rest_days(raw: object, label: str, key: str) -> tuple[int, ...]:
    """`["sat", "sun"]` -> (6, 7); absent means Saturday and Sunday."""
    if raw is None:
        return DEFAULT_REST_DAYS
    if not isinstance(raw, list) or not all(isinstance(d, str) for d in raw):
        raise _fail(label, key, f'expected a list of weekdays such as ["sun"], got {_show(raw)}')
    days: list[int] = []
    for name in raw:
        if name not in WEEKDAY_KEYS:
            raise _fail(
                label, key, f"expected weekdays among {', '.join(WEEKDAY_KEYS)}, got {_show(name)}"
            )
        if WEEKDAY_KEYS.index(name) + 1 in days:
            raise _fail(label, key, f"lists {_show(name)} twice")
        days.append(WEEKDAY_KEYS.index(name) + 1)
    return tuple(sorted(days))


def _confidence(raw: object, label: str, key: str, name: str) -> str:
    if raw not in CONFIDENCES:
        raise _fail(label, key, f"expected one of {', '.join(CONFIDENCES)}, got {_show(raw)}")
    is_policy = name.startswith("policy.")
    if (raw == "policy") != is_policy:
        if is_policy:
            raise _fail(
                label, key, 'policy.* parameters are comity settings: confidence must be "policy"'
            )
        raise _fail(
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
        raise _fail(label, f"{key}.from", "required")
    valid_from = _date(table["from"], label, f"{key}.from")
    valid_until = _date(table["until"], label, f"{key}.until") if "until" in table else None
    if valid_until is not None and valid_until <= valid_from:
        raise _fail(
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
        raise _fail(label, key, "give exactly one of amount, items, none_found = true")
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
            raise _fail(
                label, f"{key}.amount", f"expected a whole number >= 1, got {_show(amount)}"
            )
        unit = table.get("unit", param.get("unit"))
        longest = MAX_AMOUNT.get(unit) if isinstance(unit, str) else None
        if longest is not None and amount > longest:
            raise _fail(
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
            raise _fail(label, f"{key}.items", f"expected a list of strings, got {_show(items)}")
        if len(set(items)) != len(items):
            raise _fail(label, f"{key}.items", "lists an entry twice")
        return ParamValue(kind="list", items=tuple(items), **common)
    if table["none_found"] is not True:
        raise _fail(label, f"{key}.none_found", f"expected true, got {_show(table['none_found'])}")
    if note is None:
        raise _fail(label, f"{key}.note", "required for none_found: say what was searched")
    return ParamValue(kind="none_found", **common)


def _check_timeline(values: list[ParamValue], label: str, name: str) -> None:
    for n in range(1, len(values)):
        before, after = values[n - 1], values[n]
        key = f"{name}.values[{n}].from"
        if after.valid_from < before.valid_from:
            raise _fail(label, key, "values must be in date order, oldest first")
        if before.valid_until is None:
            raise _fail(
                label,
                key,
                f"values[{n - 1}] has no until, so it is still in force; "
                f"give it until = {after.valid_from}",
            )
        if after.valid_from < before.valid_until:
            raise _fail(
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
            raise _fail(label, key, f"gap after values[{n - 1}] (until {before.valid_until}){hint}")


def _parameter(name: str, table: Mapping[str, Any], label: str) -> Parameter:
    _unknown(table, _PARAM_KEYS, label, name)
    title = _required_text(table, "title", label, name)
    raw_values = table["values"]
    if not isinstance(raw_values, list) or not raw_values:
        raise _fail(label, f"{name}.values", "expected one or more [[...values]] tables")
    values = [
        _value(name, table, v, label, f"{name}.values[{n}]") for n, v in enumerate(raw_values)
    ]
    _check_timeline(values, label, name)
    holidays_of = _text(table, "holidays_of", label, name, required=False)
    if holidays_of is not None and not (
        _COUNTRY.match(holidays_of) or holidays_of in HOLIDAY_ROLES
    ):
        raise _fail(
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
            raise _fail(label, f"{prefix}{key}", "name parts may use only letters, digits and _")
        name = f"{prefix}{key}"
        if not isinstance(raw, dict):
            raise _fail(
                label, name, f"expected a parameter table (with title and values), got {_show(raw)}"
            )
        if "values" in raw:
            if "." not in name:
                raise _fail(label, name, "parameter names need a namespace, e.g. fiu_suspension.CH")
            out[name] = _parameter(name, raw, label)
        else:
            _walk(raw, f"{name}.", label, out)


def _load_file(path: Path, label: str) -> dict[str, Parameter]:
    try:
        data = read_toml(path)
    except RuleFileError as exc:
        raise _fail(label, "", str(exc)) from None
    if data.get("format") != FORMAT_VERSION:
        raise _fail(
            label, "format", f"expected format = {FORMAT_VERSION}, got {_show(data.get('format'))}"
        )
    body = {k: v for k, v in data.items() if k != "format"}
    out: dict[str, Parameter] = {}
    _walk(body, "", label, out)
    return out


def load_parameters(*dirs: Path) -> ParameterSet:
    """Load every `*.toml` file in each directory; later directories win by name.

    With no directory, loads the built-in pack (`builtin_params_dir()`). A name defined
    in two files of the same directory is an error (which one would win is an
    accident of file names); across directories, the later one replaces the whole
    parameter, all its dated values.
    """
    if not dirs:
        dirs = (builtin_params_dir(),)
    merged: dict[str, Parameter] = {}
    for directory in dirs:
        directory = Path(directory)
        if not directory.is_dir():
            raise RulePackError(f"{directory}: not a directory of parameter files")
        here: dict[str, Parameter] = {}
        for path in sorted(directory.glob("*.toml")):
            label = f"{directory.name}/{path.name}"
            for name, parameter in _load_file(path, label).items():
                if name in here:
                    raise _fail(label, name, f"already defined in {here[name].origin}")
                here[name] = parameter
        merged.update(here)
    return ParameterSet(merged)
