"""Decoding JSON that a user wrote, within bounds, refusing what JSON leaves open.

The json module accepts more than an event can be: objects that repeat a key (the
last one silently wins, so `"type"` given twice is two events in one), integers of
thousands of digits (slow to convert, and beyond what any JSON reader holds exactly),
`NaN` and `Infinity` (not JSON at all), and nesting deep enough to exhaust the
interpreter's stack. Each is refused here with one message that names the problem,
before any of it reaches the codec. Every place that decodes JSON from a user (ingest,
`append --json` and `--field`) goes through :func:`loads_user_json`.
"""

from __future__ import annotations

import json
from typing import Any

from comity.events.limits import MAX_INTEGER_DIGITS, MAX_JSON_DEPTH
from comity.i18n import N_
from comity.i18n import gettext as _

__all__ = ["MAX_TEXT_BYTES", "JsonInputError", "loads_user_json"]

#: The longest JSON text accepted for one event. An event is a few hundred bytes.
MAX_TEXT_BYTES = 1 << 20


class JsonInputError(ValueError):
    """The text is JSON that comity does not accept; `str()` says why and what to do.

    `malformed` is true when the text is not JSON at all (so that a `--field` value can
    fall back to being a plain string), false when it is JSON beyond comity's bounds.
    """

    def __init__(self, message: str, *, malformed: bool) -> None:
        super().__init__(message)
        self.malformed = malformed


#: The json module's own reasons (`JSONDecodeError.msg`), marked for the catalogs: a
#: reason it gives that is not here is shown as it gives it.
_DECODER_WORDS = {
    m: m
    for m in (
        N_("Expecting value"),
        N_("Expecting property name enclosed in double quotes"),
        N_("Expecting ',' delimiter"),
        N_("Expecting ':' delimiter"),
        N_("Unterminated string starting at"),
        N_("Invalid control character at"),
        N_("Invalid \\escape"),
        N_("Invalid \\uXXXX escape"),
        N_("Extra data"),
        N_("Illegal trailing comma before end of object"),
        N_("Illegal trailing comma before end of array"),
    )
}


def _too_deep_words() -> str:
    return _(
        "nested more than {max} deep; an event is one flat object (money and lists nest one level)"
    ).format(max=MAX_JSON_DEPTH)


class _Refused(Exception):
    """Raised from inside the json module's hooks; turned into JsonInputError."""


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _value in pairs:
            if key in seen:
                shown = json.dumps(key, ensure_ascii=True)
                raise _Refused(
                    _("the key {key} appears twice in one object; give each field once").format(
                        key=shown
                    )
                )
            seen.add(key)
    return obj


def _integer(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise _Refused(
            _(
                "an integer has {n} digits; at most {max} are accepted "
                "(quote money amounts as decimal strings)"
            ).format(n=len(text.lstrip("-")), max=MAX_INTEGER_DIGITS)
        )
    return int(text)


def _constant(name: str) -> Any:
    raise _Refused(_("{name} is not a JSON value").format(name=name))


def _may_be_too_deep(text: str) -> bool:
    """False when the text cannot nest deeper than MAX_JSON_DEPTH (the common case:
    a flat event has fewer brackets than that, strings included)."""
    return text.count("[") + text.count("{") > MAX_JSON_DEPTH


_CONTAINERS = frozenset({list, dict})


def _too_deep(value: Any) -> bool:
    """Whether a decoded value nests deeper than MAX_JSON_DEPTH (a scalar is 0 deep, an
    array or object one more than its deepest member), without recursion.

    Checked on the decoded value, not on the text: the text of a body of many events
    has more brackets than the bound (two an event), and scanning its strings out with
    a regular expression cost a quarter of decoding it; json's own scanner refuses a
    nesting beyond the interpreter's stack with RecursionError, caught below. One
    level at a time, each level's containers found by one comprehension: a stack of
    (member, depth) pairs cost as much as the decoding itself (1.8 µs an event)."""
    level: list[Any] = [value]
    depth = 0
    while True:
        containers = [x for x in level if type(x) in _CONTAINERS]  # json makes no subclass
        if not containers:
            return False
        depth += 1
        if depth > MAX_JSON_DEPTH:
            return True
        level = []
        for container in containers:
            level.extend(container.values() if type(container) is dict else container)


def loads_user_json(text: str, *, max_bytes: int | None = None) -> Any:
    """The JSON value of `text`, or JsonInputError saying why it is refused.

    `max_bytes` raises the bound for a text of many events (an HTTP body holding a
    JSON array), whose size its reader has already bounded."""
    size = len(text.encode("utf-8", "surrogatepass"))
    limit = MAX_TEXT_BYTES if max_bytes is None else max_bytes
    if size > limit:
        message = (
            _("{size} bytes of JSON; at most {max} accepted for one event")
            if max_bytes is None
            else _("{size} bytes of JSON; at most {max} accepted")
        )
        raise JsonInputError(message.format(size=size, max=limit), malformed=False)
    try:
        value = json.loads(
            text,
            object_pairs_hook=_pairs,
            parse_int=_integer,
            parse_constant=_constant,
        )
    except json.JSONDecodeError as exc:
        raise JsonInputError(
            _("malformed JSON: {why} (column {column})").format(
                why=_(_DECODER_WORDS.get(exc.msg, exc.msg)), column=exc.colno
            ),
            malformed=True,
        ) from None
    except _Refused as exc:
        raise JsonInputError(str(exc), malformed=False) from None
    except RecursionError:  # deeper than the interpreter's stack: far beyond the bound
        raise JsonInputError(_too_deep_words(), malformed=False) from None
    if _may_be_too_deep(text) and _too_deep(value):
        raise JsonInputError(_too_deep_words(), malformed=False)
    return value
