"""A small condition language for rules, compiled to durable-rules' JSON form.

Rules are data (TOML) that lawyers and analysts review; durable-rules' JSON is
unreadable to them. One pattern per string::

    a: asset where jurisdiction != c.lead
    not r: request where to == a.jurisdiction and asset_id == a.asset_id
    o: order where order_type in ("freeze", "seizure") and lapse_at != ""

`NAME: KIND` binds a fact of that kind; conditions compare a field with a literal or
with a field of an earlier binding; `not` makes the pattern a negation (nothing may
match it). The compiler refuses joins on `id` and `sid` (hazard 5 of the notes: they
never match inside the engine) and any reference to a binding not yet made.

This module produces plain dicts; only the engine's adapter imports durable.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from typing import Any

import attrs

__all__ = [
    "ALWAYS",
    "Comparison",
    "LanguageError",
    "Pattern",
    "compile_patterns",
    "parse_pattern",
    "rebind",
]

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<num>-?\d+(?:\.\d+)?)
      | (?P<op>==|!=|<=|>=|<|>|\(|\)|,|:)
      | (?P<word>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?)
    )""",
    re.VERBOSE,
)
_OPS = {"==": None, "!=": "$neq", "<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"}
_RESERVED = {"id", "sid"}


class LanguageError(ValueError):
    """A pattern string does not parse; the message says where."""


@attrs.frozen
class Comparison:
    field: str
    op: str
    value: Any  # a literal, or a (binding, field) reference
    is_ref: bool


@attrs.frozen
class Pattern:
    name: str
    kind: str
    negated: bool
    conditions: tuple[tuple[Comparison, ...], ...]  # AND of ORs (an `in` is an OR)

    def refs(self) -> set[str]:
        return {c.value[0] for group in self.conditions for c in group if c.is_ref}

    def fields_read(self, binding: str) -> set[str]:
        """The fields of the fact bound to `binding` that this pattern tests: its own
        fields when it is that binding, else the fields its references name."""
        own = self.name == binding and not self.negated
        return {
            c.field if own else c.value[1]
            for group in self.conditions
            for c in group
            if own or (c.is_ref and c.value[0] == binding)
        }


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise LanguageError(f"cannot read {text[pos:]!r} in {text!r}")
        kind = m.lastgroup
        assert kind is not None
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


def _literal(kind: str, token: str) -> Any:
    if kind == "str":
        body = token[1:-1]
        return re.sub(r"\\(.)", r"\1", body)
    if kind == "num":
        return float(token) if "." in token else int(token)
    if token in ("true", "false"):
        return token == "true"
    raise LanguageError(f"expected a literal, got {token!r}")


@functools.lru_cache(maxsize=4096)
def parse_pattern(text: str) -> Pattern:
    """Parse one pattern string (see the module docstring for the grammar).

    Cached: patterns are immutable and the engine asks again for a rule's bindings at
    every deadline it starts.
    """
    toks = _tokens(text)
    i = 0

    def take(kind: str | None = None, value: str | None = None) -> tuple[str, str]:
        nonlocal i
        if i >= len(toks):
            raise LanguageError(f"unexpected end of {text!r}")
        tok = toks[i]
        if (kind and tok[0] != kind) or (value and tok[1] != value):
            raise LanguageError(f"expected {value or kind}, got {tok[1]!r} in {text!r}")
        i += 1
        return tok

    negated = False
    if toks and toks[0] == ("word", "not"):
        negated, i = True, 1
    name = take("word")[1]
    take("op", ":")
    kind = take("word")[1]
    groups: list[tuple[Comparison, ...]] = []
    if i < len(toks):
        take("word", "where")
        while True:
            field = take("word")[1]
            if "." in field or field in _RESERVED:
                raise LanguageError(f"cannot test field {field!r} in {text!r}")
            if i < len(toks) and toks[i] == ("word", "in"):
                i += 1
                take("op", "(")
                options: list[Comparison] = []
                while True:
                    k, tok = take()
                    options.append(Comparison(field, "==", _literal(k, tok), False))
                    if take("op")[1] == ")":
                        break
                groups.append(tuple(options))
            else:
                op = take("op")[1]
                if op not in _OPS:
                    raise LanguageError(f"unknown operator {op!r} in {text!r}")
                k, tok = take()
                if k == "word" and "." in tok:
                    binding, ref_field = tok.split(".")
                    if ref_field in _RESERVED:
                        raise LanguageError(
                            f"joins on {ref_field!r} never match in durable-rules; "
                            f"join on your own reference field ({text!r})"
                        )
                    groups.append((Comparison(field, op, (binding, ref_field), True),))
                else:
                    groups.append((Comparison(field, op, _literal(k, tok), False),))
            if i >= len(toks):
                break
            take("word", "and")
    return Pattern(name, kind, negated, tuple(groups))


def _compile_comparison(c: Comparison) -> dict[str, Any]:
    operand = {c.value[0]: c.value[1]} if c.is_ref else c.value
    inner = {c.field: operand}
    op = _OPS[c.op]
    return inner if op is None else {op: inner}


#: A field every fact carries with the value 1 (the engine's adapter adds it), so that
#: `{"one": {binding: "one"}}` is a join condition that always holds.
ALWAYS = "one"


def _pattern_body(p: Pattern) -> dict[str, Any]:
    """Order a pattern's conditions around two bugs of durable-rules 2.0.28.

    In `reduceExpressionSequence` (events.c), a false join condition that is the last
    one before the end of an `$and` makes the engine skip past the end of the
    expression array (invalid reads, wrong matches, crashes); and an `$or` group ends
    the evaluation of every join condition after it, so they are silently ignored.
    Reproduced in tests/engine/test_durable_hazards.py. The cure: literal tests first,
    then join conditions, then a join condition that always holds, then `$or` groups.
    """
    literals: list[dict[str, Any]] = [{"t": p.kind}]
    joins: list[dict[str, Any]] = []
    groups: list[dict[str, Any]] = []
    for group in p.conditions:
        compiled = [_compile_comparison(c) for c in group]
        if len(compiled) > 1:
            groups.append({"$or": compiled})
        elif group[0].is_ref:
            joins.append(compiled[0])
        else:
            literals.append(compiled[0])
    if joins:
        anchor = next(iter(sorted(p.refs())))
        joins.append({ALWAYS: {anchor: ALWAYS}})
    terms = literals + joins + groups
    return terms[0] if len(terms) == 1 else {"$and": terms}


def rebind(pattern: Pattern, into: str, bindings: Iterable[str]) -> Pattern:
    """Point references to `bindings` at fields of one fact `into` instead.

    `a.jurisdiction` becomes `into.a__jurisdiction`: the engine copies a raised
    finding's matched facts into one `finding` fact, so that a resolution joins two
    facts rather than re-matching the whole rule (see engine/replay.py).
    """
    names = set(bindings)

    def move(c: Comparison) -> Comparison:
        if c.is_ref and c.value[0] in names:
            return Comparison(c.field, c.op, (into, f"{c.value[0]}__{c.value[1]}"), True)
        return c

    groups = tuple(tuple(move(c) for c in group) for group in pattern.conditions)
    return Pattern(pattern.name, pattern.kind, pattern.negated, groups)


def compile_patterns(
    lines: Sequence[str | Pattern],
) -> tuple[list[Pattern], list[dict[str, Any]]]:
    """Parse and compile a rule's patterns; refuse references to unknown bindings."""
    patterns = [line if isinstance(line, Pattern) else parse_pattern(line) for line in lines]
    bound: set[str] = set()
    out: list[dict[str, Any]] = []
    for n, p in enumerate(patterns):
        unknown = p.refs() - bound
        if unknown:
            raise LanguageError(f"pattern {n + 1} refers to unbound {sorted(unknown)}")
        body = _pattern_body(p)
        if p.negated:
            out.append({f"{p.name}_{n}$not": body})
        else:
            if p.name in bound:
                raise LanguageError(f"binding {p.name!r} is made twice")
            bound.add(p.name)
            out.append({p.name: body})
    return patterns, out
