"""One cattrs converter for the v1 wire format, and the error messages users read.

Decisions, made once here so that every reader and writer agrees:

- the tag is `type` (a tagged union over every event class);
- unknown keys are refused, never dropped;
- dates are `YYYY-MM-DD`; datetimes are ISO 8601 with an offset (`Z`, `+00:00` or one
  such as `-05:00`), never naive, and are stored in UTC (`Z`), so that two spellings of
  one instant are the same content;
- dates and instants lie in the supported range, 1900-01-01 to 2200-12-31 (UTC), and
  integers within +-(2**53 - 1); `schema_version` is a version that exists (see
  :mod:`comity.events.limits`);
- money amounts are decimal strings (`"150000.00"`), never JSON numbers, and are written
  back in plain positional notation (never `1E+2`), so that what the codec writes it reads;
- strings must be JSON strings (cattrs would otherwise turn `5` into `"5"`) of valid
  Unicode (a lone surrogate such as `"\\ud800"` cannot be stored as UTF-8);
- integers are JSON numbers without a fraction (`1` or `1.0`, as JSON Schema counts them);
- every pattern must match the whole value (a trailing newline is not allowed);
- ids are 1-128 printable characters in Unicode NFC (see :mod:`comity.events.text`);
  free text holds no NUL; jurisdictions are ISO 3166-1 alpha-2 (or `EU`) and currencies
  ISO 4217, from the lists in :mod:`comity.events.codes`;
- `null` for an optional field means absent, and the canonical form omits it, so that
  `{"source": null}` and no `source` are the same content for idempotency;
- an event that contradicts itself is refused, naming the field (see
  :func:`contradiction`): an order that expires before it was issued, a transfer from
  an asset into itself. Contradictions *between* events are not refused (the missing
  or correcting event may still come): the data-quality rules report them.

A refused event becomes a list of :class:`comity.errors.Problem`, each naming a field
path and what was expected, e.g. ``occurred_at: expected an ISO date, got "24/07/2019"``.

Events read back from a store are decoded with the same converter less the input
policy (the supported range, the code lists, the characters of ids): what a store
accepted under an earlier release stays readable, and the policy applies where a
user can still correct the input.

This module is the codec's public face; each idea lives in a module of its own: the
values (dates, instants, amounts, text and codes) in `_values`, the converter and its
error messages in `_converter`, the input policy for events built in Python and the
self-contradictions in `_policy`, and the canonical JSON in
:mod:`comity.events.canonical`.
"""

from __future__ import annotations

from comity.events._converter import decode_event, encode_event
from comity.events._policy import check_event, contradiction
from comity.events._values import (
    CURRENCY_PATTERN,
    DECIMAL_PATTERN,
    ID_MAX,
    JURISDICTION_PATTERN,
    TEXT_MAX,
    field_kind,
    parse_datetime,
    parse_utc_datetime,
)
from comity.events._values import MAX_OFFSET as MAX_OFFSET
from comity.events._values import parse_date as parse_date
from comity.events.canonical import canonical_json, canonical_json_strict
from comity.events.time import format_time

__all__ = [
    "CURRENCY_PATTERN",
    "DECIMAL_PATTERN",
    "ID_MAX",
    "JURISDICTION_PATTERN",
    "TEXT_MAX",
    "canonical_json",
    "canonical_json_strict",
    "check_event",
    "contradiction",
    "decode_event",
    "encode_event",
    "field_kind",
    "format_time",
    "parse_datetime",
    "parse_utc_datetime",
]
