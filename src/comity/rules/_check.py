"""Refuse at load what a rule file says that could never work.

The parser (`comity.rules.language`) refuses what does not read; this module refuses
what reads but would never match or would fail mid-replay: a key the loader does not
know (a typo such as `resolved-by` silently dropped a rule's resolutions), a kind of
fact no event gives, a field its fact never has (`jurisdictoin`), and a placeholder
of the message, jurisdictions, assets, deadline clause or parameter name that no
pattern binds (`{zz.lead}` used to stop the replay of every case with exit 4).

Allowed keys are the fields of the classes a table becomes, so a field added to
`Rule`, `DeadlineClause`, `LegalBasis` or `Warning` is a key at once.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from comity.errors import LanguageError, RulePackError
from comity.i18n import LANGUAGES
from comity.rules._rule import DeadlineClause, LegalBasis, Rule, Warning
from comity.rules.facts import KINDS, deadline_fields
from comity.rules.language import check_fields, parse_pattern

__all__ = ["check_keys", "check_rule"]

#: `{binding.field}` in a message or a parameter name (as the engine substitutes it).
_TEMPLATE = re.compile(r"\{([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)\}")

Fields = dict[str, frozenset[str]]


def _keys(cls: type) -> frozenset[str]:
    return frozenset(f.name for f in attrs.fields(cls) if f.name != "source")


def _refuse_unknown(
    table: Mapping[str, Any], allowed: frozenset[str], file: str, where: str
) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        key = unknown[0]
        close = difflib.get_close_matches(key, sorted(allowed), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise RulePackError(
            f"{file}: {where}.{key}: unknown key{hint}; known keys: {', '.join(sorted(allowed))}"
        )


def check_keys(table: Mapping[str, Any], file: str, index: int) -> None:
    """Refuse a key of a `[[rule]]` table or of its sub-tables that nothing reads."""
    rule_id = table.get("id")
    where = f"rule {rule_id}" if isinstance(rule_id, str) else f"rule[{index}]"
    # A rule's other languages are `title_es`, `message_es` (pack.RuleText), not `texts`.
    translated = {f"{key}_{lang}" for lang in LANGUAGES[1:] for key in ("title", "message")}
    _refuse_unknown(table, (_keys(Rule) - {"texts"}) | translated, file, where)
    subtables: Iterable[tuple[str, type]] = (
        ("legal_basis", LegalBasis),
        ("deadline", DeadlineClause),
        ("warning", Warning),
    )
    for key, cls in subtables:
        value = table.get(key)
        items = [value] if isinstance(value, dict) else value if isinstance(value, list) else []
        for n, item in enumerate(items):
            if isinstance(item, dict):
                at = f"{where}.{key}" if isinstance(value, dict) else f"{where}.{key}[{n}]"
                _refuse_unknown(item, _keys(cls), file, at)


def _bindings(
    lines: Sequence[str], where: str, bound: Fields | None = None, *, file: str
) -> Fields:
    try:
        return check_fields([parse_pattern(line) for line in lines], KINDS, bound)
    except LanguageError as exc:
        raise exc.at(f"{file}: {where}, {exc.where}" if exc.where else f"{file}: {where}") from None


def _field_problem(binding: str, field: str, fields: Fields, made_by: str) -> str | None:
    """Why `binding.field` cannot be read where `fields` are bound, or None."""
    own = fields.get(binding)
    if own is None:
        return f"names binding {binding!r}, which {made_by} does not make"
    if field not in own:
        close = difflib.get_close_matches(field, sorted(own), n=1)
        hint = f" (did you mean {binding}.{close[0]}?)" if close else ""
        return f"names no field of {binding}{hint}"
    return None


def _placeholders(
    rule: Any, contexts: Sequence[tuple[str, Fields]], *, every: Iterable[tuple[str, str]]
) -> None:
    """Each `(key, text)` of `every` names, in `{b.f}`, only what every context binds."""
    for key, text in every:
        for match in _TEMPLATE.finditer(text):
            binding, field = match.groups()
            for made_by, fields in contexts:
                problem = _field_problem(binding, field, fields, made_by)
                if problem:
                    raise RulePackError(
                        f"{rule.source}: rule {rule.id}.{key}: {match.group()} {problem}"
                    )


def _listed(rule: Any, contexts: Sequence[tuple[str, Fields]]) -> None:
    """Each `binding.field` of `jurisdictions` and `assets` is bound by some context,
    and readable in every context that makes the binding (the others skip it)."""
    for key in ("jurisdictions", "assets"):
        for ref in getattr(rule, key):
            binding, _, field = ref.partition(".")
            where = f"{rule.source}: rule {rule.id}.{key}: {ref!r}"
            if not field:
                raise RulePackError(f"{where}: expected binding.field")
            making = [(m, f) for m, f in contexts if binding in f]
            if not making:
                made = " or ".join(m for m, _ in contexts) or "the rule"
                raise RulePackError(
                    f"{where} names binding {binding!r}, which {made} does not make"
                )
            for made_by, fields in making:
                problem = _field_problem(binding, field, fields, made_by)
                if problem:
                    raise RulePackError(f"{where} {problem}")


def clause_contexts(rule: Any) -> list[tuple[str, Fields]]:
    """What a deadline rule's findings can name, clause by clause: the deadline `d`
    (with its copies of the clause's bindings), the clock `k`, and those bindings."""
    out = []
    for n, clause in enumerate(rule.deadline):
        where = f"rule {rule.id}.deadline[{n}]"
        fields = _bindings(clause.when, f"{where}.when", file=rule.source)
        out.append(
            (f"deadline[{n}].when", {**fields, "d": deadline_fields(fields), "k": KINDS["clock"]})
        )
    return out


def check_rule(rule: Any, by_id: Mapping[str, Any]) -> None:
    """Refuse a rule whose patterns or placeholders could never match or be filled."""
    file = rule.source
    texts = [("message", rule.message)]
    if rule.when:
        contexts = []
        for a, alternative in enumerate(rule.when):
            fields = _bindings(alternative, f"rule {rule.id}.when[{a}]", file=file)
            for r, resolver in enumerate(rule.resolved_by):
                _bindings(resolver, f"rule {rule.id}.resolved_by[{r}]", fields, file=file)
            contexts.append((f"when[{a}]", fields))
    elif rule.deadline:
        contexts = clause_contexts(rule)
        for n, clause in enumerate(rule.deadline):
            made_by, fields = contexts[n]
            d = {"d": fields["d"]}
            for m, alternative in enumerate(clause.met_by):
                _bindings(alternative, f"rule {rule.id}.deadline[{n}].met_by[{m}]", d, file=file)
            for key in ("ref", "trigger", "last_day", "calendar"):
                ref = getattr(clause, key)
                if ref:
                    binding, _, field = ref.partition(".")
                    problem = _field_problem(binding, field, fields, made_by)
                    if problem:
                        raise RulePackError(
                            f"{file}: rule {rule.id}.deadline[{n}].{key}: {ref!r} {problem}"
                        )
            if clause.parameter:
                _placeholders(
                    rule,
                    [(made_by, fields)],
                    every=[(f"deadline[{n}].parameter", clause.parameter)],
                )
    elif rule.warning is not None and rule.warning.deadline in by_id:
        contexts = clause_contexts(by_id[rule.warning.deadline])
    else:
        return
    _placeholders(rule, contexts, every=texts)
    _listed(rule, contexts)
