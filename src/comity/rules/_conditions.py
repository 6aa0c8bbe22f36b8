"""Named conditions: a condition a rule file writes once and its rules name.

The same condition is often written several times in one file: a rule's `when` says
that nothing covers an asset yet (`not r: request where ...`), and its `resolved_by`
that the same request now covers it (`r: request where ...`); a deadline's `met_by`
alternatives recur from one deadline rule to the next. A file may name such a
condition once, in its `[conditions]` table::

    [conditions]
    requested_there = 'r: request where to == a.jurisdiction and asset_id == a.asset_id'

and write `requested_there` or `not requested_there` wherever a pattern goes. The
name is replaced by the condition's text when the file is loaded, before anything
else reads the rule, so a rule means (and compiles, and digests) exactly what it
would with the condition written out: naming is for the reader, not the engine.

A name must be defined in the same file (a reader finds it without searching the
pack), and every condition a file defines must be used: a name nothing uses is a
leftover, or a reference misspelt elsewhere.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from typing import Any

from comity.errors import LanguageError, RulePackError
from comity.rules.language import parse_pattern

__all__ = ["CONDITIONS", "expand_conditions", "refuse_unused"]

#: The top-level table of a rule file that names conditions.
CONDITIONS = "conditions"

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
#: The language's own words: `not not` or a condition called `where` would misread.
_WORDS = frozenset({"not", "where", "and", "in", "true", "false"})
#: A pattern that is only a name, negated or not: a pattern proper always has `:`.
_REFERENCE = re.compile(r"^(?P<indent>\s*)(?P<not>not\s+)?(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*$")


def _conditions(raw: Any, file: str) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise RulePackError(
            f"{file}: {CONDITIONS}: expected a table of name = 'pattern' ([{CONDITIONS}])"
        )
    named: dict[str, str] = {}
    for name, text in raw.items():
        where = f"{file}: {CONDITIONS}.{name}"
        if not _NAME.match(name):
            raise RulePackError(
                f"{where}: a condition's name is lower-case letters, digits and _, "
                "starting with a letter"
            )
        if name in _WORDS:
            raise RulePackError(
                f"{where}: {name!r} is a word of the rule language; name the condition otherwise"
            )
        if not isinstance(text, str) or not text.strip():
            raise RulePackError(f"{where}: expected a pattern string, got {text!r}")
        try:
            pattern = parse_pattern(text)
        except LanguageError as exc:
            raise exc.at(where) from None
        if pattern.negated:
            raise LanguageError(
                "a condition is written without `not`; write `not "
                f"{name}` in the rule where it must not hold",
                text,
                1,
                where,
            )
        named[name] = text
    return named


def _expand_list(
    lines: Any, named: Mapping[str, str], used: set[str], file: str, where: str
) -> Any:
    """One alternative (a list of pattern strings) with its names written out; what is
    not a list of strings is left as it is, for the rule's parser to refuse."""
    if not isinstance(lines, list) or not all(isinstance(x, str) for x in lines):
        return lines
    out = []
    for n, line in enumerate(lines, start=1):
        m = _REFERENCE.match(line)
        if m is None:
            out.append(line)
            continue
        name = m["name"]
        if name not in named:
            close = difflib.get_close_matches(name, sorted(named), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            known = (
                f"; this file names: {', '.join(sorted(named))}"
                if named
                else f"; name it in the file's [{CONDITIONS}] table, or write the pattern "
                "out (binding: kind where ...)"
            )
            raise LanguageError(
                f"no condition {name!r} in this file{hint}{known}",
                line,
                len(m["indent"]) + len(m["not"] or "") + 1,
                f"{file}: {where}, pattern {n}",
            )
        used.add(name)
        out.append(("not " if m["not"] else "") + named[name])
    return out


def _expand_alternatives(
    value: Any, named: Mapping[str, str], used: set[str], file: str, where: str
) -> Any:
    """`when`, `resolved_by`, `met_by`: one list of patterns, or a list of such lists."""
    if isinstance(value, list) and value and all(isinstance(v, list) for v in value):
        return [
            _expand_list(alt, named, used, file, f"{where}[{m}]") for m, alt in enumerate(value)
        ]
    return _expand_list(value, named, used, file, f"{where}[0]")


def _expand_rule(
    table: Mapping[str, Any], index: int, named: Mapping[str, str], used: set[str], file: str
) -> dict[str, Any]:
    rule_id = table.get("id")
    where = f"rule {rule_id}" if isinstance(rule_id, str) else f"rule[{index}]"
    out = dict(table)
    for key in ("when", "resolved_by"):
        if key in out:
            out[key] = _expand_alternatives(out[key], named, used, file, f"{where}.{key}")
    raw = out.get("deadline")
    clauses = [raw] if isinstance(raw, dict) else raw if isinstance(raw, list) else None
    if clauses is not None:
        expanded: list[Any] = []
        for n, clause in enumerate(clauses):
            if not isinstance(clause, dict):
                expanded.append(clause)
                continue
            cw = f"{where}.deadline" if isinstance(raw, dict) else f"{where}.deadline[{n}]"
            clause = dict(clause)
            if "when" in clause:
                clause["when"] = _expand_list(clause["when"], named, used, file, f"{cw}.when")
            if "met_by" in clause:
                clause["met_by"] = _expand_alternatives(
                    clause["met_by"], named, used, file, f"{cw}.met_by"
                )
            expanded.append(clause)
        out["deadline"] = expanded[0] if isinstance(raw, dict) else expanded
    return out


def expand_conditions(tables: list[Any], conditions: Any, file: str) -> tuple[list[Any], list[str]]:
    """The file's `[[rule]]` tables with every named condition written out, and the
    names no rule used (for `refuse_unused`, once the rules themselves have parsed: a
    rule's own mistake is the more useful message).

    `conditions` is the file's `[conditions]` table (None if it has none). Raises
    LanguageError for a name the file does not define (naming the rule, the pattern
    and its column) or a condition that does not parse. What is not a table is passed
    through, for the rule parser to refuse with its own message.
    """
    named = _conditions(conditions, file) if conditions is not None else {}
    used: set[str] = set()
    out = [
        _expand_rule(t, n, named, used, file) if isinstance(t, dict) else t
        for n, t in enumerate(tables)
    ]
    return out, sorted(set(named) - used)


def refuse_unused(unused: list[str], file: str) -> None:
    """RulePackError for a condition no rule of the file uses."""
    if unused:
        raise RulePackError(
            f"{file}: {CONDITIONS}.{unused[0]}: no rule of this file uses this condition; "
            "use it in a pattern (or `not` it), or remove it"
        )
