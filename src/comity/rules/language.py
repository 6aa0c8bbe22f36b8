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

import difflib
import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from comity.errors import LanguageError

__all__ = [
    "ALWAYS",
    "MAX_JOINS",
    "MAX_PATTERNS",
    "MAX_VALUES",
    "Comparison",
    "LanguageError",
    "Pattern",
    "check_fields",
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

# What durable-rules' C core builds in reasonable time (it builds a ruleset's network
# when the ruleset is created, before any fact): measured on durable-rules 2.0.28, an
# `in` of 512 values did not finish building; 256 builds at once. A rule past these
# limits is refused at load rather than hanging every replay.
#: Values in one `in (...)`.
MAX_VALUES = 256
#: Join conditions (comparisons with another binding's field) in one pattern.
MAX_JOINS = 16
#: Patterns in one alternative (with its resolvers, as the engine compiles them).
MAX_PATTERNS = 40


@attrs.frozen
class Comparison:
    field: str
    op: str
    value: Any  # a literal, or a (binding, field) reference
    is_ref: bool
    # Where the field (and a reference) are in the pattern's text, 1-based; not part
    # of what the comparison means.
    column: int = attrs.field(default=0, eq=False)
    value_column: int = attrs.field(default=0, eq=False)


@attrs.frozen
class Pattern:
    name: str
    kind: str
    negated: bool
    conditions: tuple[tuple[Comparison, ...], ...]  # AND of ORs (an `in` is an OR)
    text: str = attrs.field(default="", eq=False)
    kind_column: int = attrs.field(default=0, eq=False)

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

    def error(self, message: str, column: int | None = None) -> LanguageError:
        return LanguageError(message, self.text or None, column or None)


def _tokens(text: str) -> list[tuple[str, str, int]]:
    """(kind, text, 1-based column) of each token."""
    out: list[tuple[str, str, int]] = []
    pos = 0
    end = len(text.rstrip())
    while pos < end:
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            col = pos + len(text[pos:]) - len(text[pos:].lstrip()) + 1
            raise LanguageError(f"cannot read {text[col - 1 : end]!r}", text, col)
        kind = m.lastgroup
        assert kind is not None
        out.append((kind, m.group(kind), m.start(kind) + 1))
        pos = m.end()
    return out


def _literal(kind: str, token: str, text: str, col: int) -> Any:
    if kind == "str":
        body = token[1:-1]
        return re.sub(r"\\(.)", r"\1", body)
    if kind == "num":
        return float(token) if "." in token else int(token)
    if token in ("true", "false"):
        return token == "true"
    raise LanguageError(f"expected a literal, got {token!r}", text, col)


@functools.lru_cache(maxsize=4096)
def parse_pattern(text: str) -> Pattern:
    """Parse one pattern string (see the module docstring for the grammar).

    Cached: patterns are immutable and the engine asks again for a rule's bindings at
    every deadline it starts.
    """
    toks = _tokens(text)
    i = 0

    def take(kind: str | None = None, value: str | None = None) -> tuple[str, str, int]:
        nonlocal i
        if i >= len(toks):
            raise LanguageError(f"expected {value or kind or 'more'} at the end", text, None)
        tok = toks[i]
        if (kind and tok[0] != kind) or (value and tok[1] != value):
            raise LanguageError(f"expected {value or kind}, got {tok[1]!r}", text, tok[2])
        i += 1
        return tok

    negated = False
    if toks and toks[0][:2] == ("word", "not"):
        negated, i = True, 1
    name = take("word")[1]
    take("op", ":")
    _, kind, kind_col = take("word")
    groups: list[tuple[Comparison, ...]] = []
    joins = 0
    if i < len(toks):
        take("word", "where")
        while True:
            _, field, col = take("word")
            if "." in field or field in _RESERVED:
                raise LanguageError(f"cannot test field {field!r}", text, col)
            if i < len(toks) and toks[i][:2] == ("word", "in"):
                i += 1
                take("op", "(")
                options: list[Comparison] = []
                while True:
                    k, tok, at = take()
                    options.append(Comparison(field, "==", _literal(k, tok, text, at), False, col))
                    if take("op")[1] == ")":
                        break
                if len(options) > MAX_VALUES:
                    raise LanguageError(
                        f"{len(options)} values in one in (...), more than the {MAX_VALUES} "
                        "durable-rules builds in time; split them between alternatives of the rule",
                        text,
                        col,
                    )
                groups.append(tuple(options))
            else:
                _, op, op_col = take("op")
                if op not in _OPS:
                    raise LanguageError(f"unknown operator {op!r}", text, op_col)
                k, tok, at = take()
                if k == "word" and "." in tok:
                    binding, ref_field = tok.split(".")
                    if ref_field in _RESERVED:
                        raise LanguageError(
                            f"joins on {ref_field!r} never match in durable-rules; "
                            "join on your own reference field",
                            text,
                            at,
                        )
                    joins += 1
                    if joins > MAX_JOINS:
                        raise LanguageError(
                            f"more than {MAX_JOINS} joins in one pattern, more than "
                            "durable-rules builds in time; split the pattern",
                            text,
                            at,
                        )
                    ref = Comparison(field, op, (binding, ref_field), True, col, at)
                    groups.append((ref,))
                else:
                    groups.append((Comparison(field, op, _literal(k, tok, text, at), False, col),))
            if i >= len(toks):
                break
            take("word", "and")
    return Pattern(name, kind, negated, tuple(groups), text, kind_col)


def _suggest(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, sorted(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _check_one(
    p: Pattern, kinds: Mapping[str, frozenset[str]], fields: Mapping[str, frozenset[str]]
) -> None:
    own = kinds.get(p.kind)
    if own is None:
        raise p.error(f"no fact is of kind {p.kind!r}{_suggest(p.kind, kinds)}", p.kind_column)
    for group in p.conditions:
        for c in group:
            if c.field not in own:
                raise p.error(
                    f"{p.kind} facts have no field {c.field!r}{_suggest(c.field, own)}",
                    c.column,
                )
            if c.is_ref:
                binding, field = c.value
                theirs = fields.get(binding)
                if theirs is not None and field not in theirs:
                    raise p.error(
                        f"{binding} has no field {field!r}{_suggest(field, theirs)}",
                        c.value_column,
                    )


def check_fields(
    patterns: Sequence[Pattern],
    kinds: Mapping[str, frozenset[str]],
    bound: Mapping[str, frozenset[str]] | None = None,
) -> dict[str, frozenset[str]]:
    """Refuse a pattern that names a kind of fact no event gives, or a field its fact
    (or the fact of the binding it refers to) never has: it would never match.

    `kinds` are the fields of each kind of fact; `bound` the fields of bindings made
    before these patterns (a resolver's view of its rule's bindings). Returns the
    fields of every binding, the patterns' own included.
    """
    fields: dict[str, frozenset[str]] = dict(bound or {})
    for n, p in enumerate(patterns, start=1):
        try:
            _check_one(p, kinds, fields)
        except LanguageError as exc:
            raise exc.at(f"pattern {n}") from None
        if not p.negated:
            fields[p.name] = kinds[p.kind]
    return fields


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
    facts rather than re-matching the whole rule (see engine/_compiler.py).
    """
    names = set(bindings)

    def move(c: Comparison) -> Comparison:
        if c.is_ref and c.value[0] in names:
            return Comparison(c.field, c.op, (into, f"{c.value[0]}__{c.value[1]}"), True)
        return c

    groups = tuple(tuple(move(c) for c in group) for group in pattern.conditions)
    return Pattern(
        pattern.name, pattern.kind, pattern.negated, groups, pattern.text, pattern.kind_column
    )


def compile_patterns(
    lines: Sequence[str | Pattern],
) -> tuple[list[Pattern], list[dict[str, Any]]]:
    """Parse and compile a rule's patterns; refuse references to unknown bindings."""
    patterns = [line if isinstance(line, Pattern) else parse_pattern(line) for line in lines]
    bound: set[str] = set()
    out: list[dict[str, Any]] = []
    if len(patterns) > MAX_PATTERNS:
        raise LanguageError(
            f"{len(patterns)} patterns in one alternative, more than the {MAX_PATTERNS} "
            "durable-rules builds in time; split the rule"
        )
    for n, p in enumerate(patterns):
        unknown = p.refs() - bound
        if unknown:
            first = min(
                (
                    c.value_column
                    for g in p.conditions
                    for c in g
                    if c.is_ref and c.value[0] in unknown
                ),
                default=0,
            )
            raise p.error(f"refers to unbound {sorted(unknown)}", first)
        body = _pattern_body(p)
        if p.negated:
            out.append({f"{p.name}_{n}$not": body})
        else:
            if p.name in bound:
                raise p.error(f"binding {p.name!r} is made twice", 1)
            bound.add(p.name)
            out.append({p.name: body})
    return patterns, out
