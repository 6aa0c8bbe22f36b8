"""Reading a rule file: its `[[rule]]` tables checked and made `Rule`s.

Every refusal names the file, the rule and the key, so that a lawyer editing a rule
file can find the mistake (exit 3, nothing loaded). The tables' patterns are parsed
here (`comity.rules.language`); named conditions are expanded first
(`_conditions.py`), and what reads but could never match is refused after
(`_check.py`). The pack (`pack.py`) reads its files through `load_rule_file`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from comity.errors import RulePackError
from comity.i18n import LANGUAGES
from comity.rules._check import check_keys
from comity.rules._conditions import CONDITIONS, expand_conditions, refuse_unused
from comity.rules._rule import (
    CATEGORIES,
    DATA_QUALITY,
    SEVERITIES,
    DeadlineClause,
    LegalBasis,
    Maximum,
    Rule,
    RuleText,
    Warning,
)
from comity.rules.files import RuleFileError, read_toml
from comity.rules.language import (
    MAX_PATTERNS,
    LanguageError,
    Pattern,
    compile_patterns,
    parse_pattern,
)

__all__ = ["load_rule_file"]

_REF = re.compile(r"^[a-z][a-z0-9_]*\.[a-z_][a-z0-9_]*$")


def _fail(file: str, key: str, message: str) -> RulePackError:
    return RulePackError(f"{file}: {key}: {message}")


def _str(
    table: Mapping[str, Any], key: str, file: str, where: str, *, required: bool = True
) -> Any:
    value = table.get(key)
    if value is None:
        if required:
            raise _fail(file, f"{where}.{key}", "is required")
        return None
    if not isinstance(value, str) or not value.strip():
        raise _fail(file, f"{where}.{key}", f"expected a non-empty string, got {value!r}")
    return value


def _strs(table: Mapping[str, Any], key: str, file: str, where: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(file, f"{where}.{key}", f"expected a list of strings, got {value!r}")
    return tuple(value)


def _alternatives(
    table: Mapping[str, Any], key: str, file: str, where: str
) -> tuple[tuple[str, ...], ...]:
    value = table.get(key, [])
    if not isinstance(value, list):
        raise _fail(file, f"{where}.{key}", f"expected a list, got {value!r}")
    if value and all(isinstance(v, str) for v in value):
        return (tuple(value),)
    if not all(isinstance(v, list) and all(isinstance(s, str) for s in v) for v in value):
        raise _fail(file, f"{where}.{key}", "expected a list of patterns or a list of such lists")
    return tuple(tuple(v) for v in value)


#: The bindings a deadline clause's breach and met rules make themselves: a clause's
#: own pattern of either name would be shadowed by them.
_DEADLINE_NAMES = {"d": "the deadline fact", "k": "the clock"}


def _check_patterns(
    lines: Sequence[str], file: str, where: str, bound: Iterable[str] = ()
) -> list[Pattern]:
    prefix = [f"{name}: _bound" for name in bound]
    for n, line in enumerate(lines, start=1):
        try:
            parse_pattern(line)
        except LanguageError as exc:
            raise exc.at(f"{file}: {where}, pattern {n}") from None
    try:
        patterns, _ = compile_patterns([*prefix, *lines])
    except LanguageError as exc:
        raise exc.at(f"{file}: {where}") from None
    return patterns[len(prefix) :]


def _binding_ref(value: str | None, file: str, where: str) -> str | None:
    if value is not None and not _REF.match(value):
        raise _fail(file, where, f"expected binding.field, got {value!r}")
    return value


_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*)\}")


def _texts(table: Mapping[str, Any], message: str, file: str, where: str) -> tuple[RuleText, ...]:
    """`title_LANG` and `message_LANG` for each other language the file gives (both or
    neither), the message naming exactly the English message's placeholders."""
    texts = []
    wanted = set(_PLACEHOLDER.findall(message))
    for lang in LANGUAGES[1:]:
        title = _str(table, f"title_{lang}", file, where, required=False)
        said = _str(table, f"message_{lang}", file, where, required=False)
        if title is None and said is None:
            continue
        if title is None or said is None:
            missing = f"title_{lang}" if title is None else f"message_{lang}"
            raise _fail(
                file, f"{where}.{missing}", f"give title_{lang} and message_{lang} together"
            )
        named = set(_PLACEHOLDER.findall(said))
        if named != wanted:
            raise _fail(
                file,
                f"{where}.message_{lang}",
                "use the same placeholders as message: "
                + ", ".join("{" + p + "}" for p in sorted(wanted))
                + (f" (it has {', '.join('{' + p + '}' for p in sorted(named))})" if named else ""),
            )
        texts.append(RuleText(lang=lang, title=title, message=said))
    return tuple(texts)


def _parse_rule(table: Mapping[str, Any], file: str, index: int) -> Rule:
    where = f"rule[{index}]"
    rule_id = _str(table, "id", file, where)
    where = f"rule {rule_id}"
    category = _str(table, "category", file, where)
    if category not in CATEGORIES:
        raise _fail(
            file, f"{where}.category", f"expected one of {', '.join(CATEGORIES)}, got {category!r}"
        )
    severity = _str(table, "severity", file, where)
    if severity not in SEVERITIES:
        raise _fail(
            file, f"{where}.severity", f"expected one of {', '.join(SEVERITIES)}, got {severity!r}"
        )
    bases = table.get("legal_basis", [])
    if category == DATA_QUALITY:
        # A check of the case's own records is not law: a citation would present it
        # as one. Its description says what it checks and why.
        if bases:
            raise _fail(
                file,
                f"{where}.legal_basis",
                "a data_quality rule checks the case's own records and cites no law; "
                "remove its legal_basis",
            )
    elif not isinstance(bases, list) or not bases:
        raise _fail(file, f"{where}.legal_basis", "every rule needs at least one legal basis")
    legal = []
    for n, basis in enumerate(bases):
        bw = f"{where}.legal_basis[{n}]"
        if not isinstance(basis, dict):
            raise _fail(file, bw, "expected a table")
        confidence = _str(basis, "confidence", file, bw)
        if confidence not in ("verified", "unverified"):
            raise _fail(
                file, f"{bw}.confidence", f"expected verified or unverified, got {confidence!r}"
            )
        reference = _str(basis, "reference", file, bw)
        read_at = _str(basis, "read_at", file, bw, required=False)
        # `reference` stays free text for user packs (a citation without an address
        # loads as before); a `read_at` is new and points at a copy a reader can open.
        if read_at is not None and not read_at.startswith(("https://", "http://")):
            raise _fail(
                file, f"{bw}.read_at", f"expected a public http(s) address, got {read_at!r}"
            )
        only_for = basis.get("only_for")
        if isinstance(only_for, list):
            only_for = tuple(_strs(basis, "only_for", file, bw))
        elif only_for is not None and not isinstance(only_for, str):
            raise _fail(file, f"{bw}.only_for", "expected a list of codes or a parameter name")
        legal.append(
            LegalBasis(
                instrument=_str(basis, "instrument", file, bw),
                article=_str(basis, "article", file, bw),
                reference=reference,
                confidence=confidence,
                note=_str(basis, "note", file, bw, required=False),
                read_at=read_at,
                only_for=only_for,
            )
        )
    if legal and all(b.only_for is not None for b in legal):
        raise _fail(file, f"{where}.legal_basis", "at least one legal basis must apply everywhere")
    when = _alternatives(table, "when", file, where)
    resolved_by = _alternatives(table, "resolved_by", file, where)
    for n, alt in enumerate(when):
        pats = _check_patterns(alt, file, f"{where}.when[{n}]")
        positive = [p.name for p in pats if not p.negated]
        for m, res in enumerate(resolved_by):
            _check_patterns(res, file, f"{where}.resolved_by[{m}]", positive)
    clauses = []
    raw_deadline = table.get("deadline", [])
    if isinstance(raw_deadline, dict):
        raw_deadline = [raw_deadline]
    for n, clause in enumerate(raw_deadline):
        cw = f"{where}.deadline[{n}]"
        if not isinstance(clause, dict):
            raise _fail(file, cw, "expected a table")
        c_when = _strs(clause, "when", file, cw)
        pats = _check_patterns(c_when, file, f"{cw}.when")
        shadowed = sorted({p.name for p in pats} & _DEADLINE_NAMES.keys())
        if shadowed:
            name = shadowed[0]
            raise _fail(
                file,
                f"{cw}.when",
                f"binding {name!r} is the deadline's own ({_DEADLINE_NAMES[name]}) in a "
                "deadline clause; give the pattern another name",
            )
        positive = [p.name for p in pats if not p.negated]
        met_by = _alternatives(clause, "met_by", file, cw)
        if len(met_by) + 2 > MAX_PATTERNS:
            # The breach rule is the deadline, the clock and `not` each alternative.
            raise _fail(
                file,
                f"{cw}.met_by",
                f"{len(met_by)} alternatives, more than the {MAX_PATTERNS - 2} a deadline's "
                "breach rule can test in durable-rules; split the clause",
            )
        for m, alt in enumerate(met_by):
            if len(alt) != 1:
                # The breach rule tests `not` each alternative: one pattern each.
                raise _fail(
                    file,
                    f"{cw}.met_by[{m}]",
                    f"each alternative is one pattern, got {len(alt)}; write each act "
                    "that meets the deadline as an alternative of its own",
                )
            _check_patterns(alt, file, f"{cw}.met_by[{m}]", ["d"])
        parameter = _str(clause, "parameter", file, cw, required=False)
        last_day = _binding_ref(
            _str(clause, "last_day", file, cw, required=False), file, f"{cw}.last_day"
        )
        if (parameter is None) == (last_day is None):
            raise _fail(file, cw, "give exactly one of parameter and last_day")
        trigger = _binding_ref(
            _str(clause, "trigger", file, cw, required=False), file, f"{cw}.trigger"
        )
        if parameter is not None and trigger is None:
            raise _fail(
                file, f"{cw}.trigger", "a period from a parameter needs a trigger binding.field"
            )
        for ref in (trigger, last_day, clause.get("calendar"), clause.get("ref")):
            if isinstance(ref, str) and ref.split(".")[0] not in positive:
                raise _fail(file, cw, f"{ref!r} names a binding the clause does not make")
        clauses.append(
            DeadlineClause(
                when=c_when,
                ref=_binding_ref(_str(clause, "ref", file, cw), file, f"{cw}.ref") or "",
                trigger=trigger,
                parameter=parameter,
                calendar=_binding_ref(
                    _str(clause, "calendar", file, cw, required=False), file, f"{cw}.calendar"
                ),
                last_day=last_day,
                met_by=met_by,
                fallback=_str(clause, "fallback", file, cw, required=False),
                fallback_only_for=_str(clause, "fallback_only_for", file, cw, required=False),
                only_for=_str(clause, "only_for", file, cw, required=False),
                only_for_jurisdictions=tuple(
                    _binding_ref(r, file, f"{cw}.only_for_jurisdictions") or ""
                    for r in _strs(clause, "only_for_jurisdictions", file, cw)
                ),
            )
        )
        if (clauses[-1].fallback is None) != (clauses[-1].fallback_only_for is None):
            raise _fail(file, cw, "give fallback and fallback_only_for together")
        if (clauses[-1].only_for is None) != (not clauses[-1].only_for_jurisdictions):
            raise _fail(file, cw, "give only_for and only_for_jurisdictions together")
        for ref in clauses[-1].only_for_jurisdictions:
            if ref.split(".")[0] not in positive:
                raise _fail(file, cw, f"{ref!r} names a binding the clause does not make")
    maxima = []
    raw_maximum = table.get("maximum", [])
    if isinstance(raw_maximum, dict):
        raw_maximum = [raw_maximum]
    if raw_maximum and not clauses:
        raise _fail(file, f"{where}.maximum", "only a rule with deadline clauses has a maximum")
    for n, raw in enumerate(raw_maximum):
        mw = f"{where}.maximum[{n}]"
        if not isinstance(raw, dict):
            raise _fail(file, mw, "expected a table")
        maxima.append(
            Maximum(
                field=_binding_ref(_str(raw, "field", file, mw), file, f"{mw}.field") or "",
                values=_strs(raw, "values", file, mw),
                parameter=_str(raw, "parameter", file, mw),
                trigger=_binding_ref(_str(raw, "trigger", file, mw), file, f"{mw}.trigger") or "",
                calendar=_binding_ref(
                    _str(raw, "calendar", file, mw, required=False), file, f"{mw}.calendar"
                ),
            )
        )
        if not maxima[-1].values:
            raise _fail(file, f"{mw}.values", "list the values the maximum applies to")
    warning = None
    raw_warning = table.get("warning")
    if raw_warning is not None:
        ww = f"{where}.warning"
        if not isinstance(raw_warning, dict):
            raise _fail(file, ww, "expected a table")
        at_start = raw_warning.get("at_start", False)
        if not isinstance(at_start, bool):
            raise _fail(file, f"{ww}.at_start", f"expected true or false, got {at_start!r}")
        warning = Warning(
            deadline=_str(raw_warning, "deadline", file, ww),
            days_before=_str(raw_warning, "days_before", file, ww, required=not at_start),
            at_start=at_start,
        )
        if at_start and warning.days_before is not None:
            raise _fail(file, ww, "give days_before or at_start = true, not both")
    shapes = sum(bool(x) for x in (when, clauses, warning))
    if shapes != 1:
        raise _fail(file, where, "give exactly one of when, deadline or warning")
    if warning is not None and category == DATA_QUALITY:
        raise _fail(file, f"{where}.warning", "a data_quality rule warns of no deadline")
    if clauses and category in ("overlap", DATA_QUALITY):
        # A next step may be due when a period passes (a request unanswered past a
        # policy window): it is raised at the breach and resolved by `met_by`.
        raise _fail(
            file,
            f"{where}.category",
            "a rule with deadline clauses is in category deadline or next_step",
        )
    message = _str(table, "message", file, where)
    return Rule(
        id=rule_id,
        code=_str(table, "code", file, where),
        category=category,
        severity=severity,
        title=_str(table, "title", file, where),
        description=_str(table, "description", file, where),
        message=message,
        texts=_texts(table, message, file, where),
        legal_basis=tuple(legal),
        jurisdictions=_strs(table, "jurisdictions", file, where),
        assets=_strs(table, "assets", file, where),
        key=_strs(table, "key", file, where),
        when=when,
        resolved_by=resolved_by,
        deadline=tuple(clauses),
        maximum=tuple(maxima),
        warning=warning,
        source=file,
    )


def load_rule_file(path: Path, label: str) -> list[Rule]:
    """The rules of one file, reported under `label` (`rules/deadlines.toml`, a path)."""
    try:
        data = read_toml(path)
    except RuleFileError as exc:
        raise RulePackError(f"{label}: {exc}") from None
    unknown = set(data) - {"rule", CONDITIONS}
    if unknown:
        raise _fail(
            label,
            ", ".join(sorted(unknown)),
            "unknown top-level key; rules go in [[rule]] tables, named conditions in "
            f"[{CONDITIONS}]",
        )
    tables = data.get("rule", [])
    if not isinstance(tables, list):
        raise _fail(label, "rule", "expected [[rule]] tables")
    tables, unused = expand_conditions(tables, data.get(CONDITIONS), label)
    rules = []
    for n, table in enumerate(tables):
        if isinstance(table, dict):
            check_keys(table, label, n)
        rules.append(_parse_rule(table, label, n))
    refuse_unused(unused, label)
    return rules
