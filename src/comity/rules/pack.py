"""Rule definitions as data, and the rule pack: rules plus dated legal parameters.

A rule is a TOML table (see docs/rules.md for the format). Keeping rules as data lets
users add their own without editing the package (`--rules DIR`), lets the pack digest
cover rule text and parameters alike, and keeps the conditions reviewable.

Three shapes of rule:

- a *finding* rule (`when`): the patterns match, a finding is raised; `resolved_by`
  alternatives close it later (overlaps and next steps);
- a *deadline* rule (`[[rule.deadline]]` clauses): the clause's `when` starts a period
  (length from a parameter, or a last day from an event field); unless a `met_by`
  alternative happens first, the finding is raised at the breach instant;
- a *warning* rule (`[rule.warning]`): a next step raised a number of days before a
  deadline rule's breach, resolved by that deadline's `met_by`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import attrs

from comity.errors import InvalidArgument, RulePackError, UnknownRule
from comity.events.codec import canonical_json
from comity.i18n import LANGUAGES
from comity.rules._check import check_keys, check_rule
from comity.rules._conditions import CONDITIONS, expand_conditions, refuse_unused
from comity.rules.files import RuleFileError, read_toml
from comity.rules.language import (
    MAX_PATTERNS,
    LanguageError,
    Pattern,
    compile_patterns,
    parse_pattern,
)
from comity.rules.params import ParameterSet, load_parameters

__all__ = [
    "CATEGORIES",
    "DATA_QUALITY",
    "PACK_FILE",
    "SEVERITIES",
    "DeadlineClause",
    "Layer",
    "LegalBasis",
    "Maximum",
    "Rule",
    "RulePack",
    "RuleText",
    "Warning",
    "builtin_dirs",
    "load_pack",
    "pack_layers",
]

#: In a directory, this file makes it a *whole* rule pack (as `comity rules export`
#: writes one): its layers, in load order, stand instead of the built-in pack.
PACK_FILE = "comity-pack.json"
_LAYER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")

CATEGORIES = ("overlap", "deadline", "next_step", "data_quality")
#: The category of rules that check a case's own records: they cite no law.
DATA_QUALITY = "data_quality"
SEVERITIES = ("info", "warning", "critical")
_REF = re.compile(r"^[a-z][a-z0-9_]*\.[a-z_][a-z0-9_]*$")


@attrs.frozen(kw_only=True)
class LegalBasis:
    """What empowers or requires the step a rule flags, as a lawyer would cite it.

    `reference` is the address of the official publication of the instrument;
    `read_at`, where set, is the copy in which the wording of the article was read.
    The two are kept apart so that a finding cites the law, not a mirror of it.
    `confidence` is "verified" only where the wording of the cited article itself
    was read.
    """

    instrument: str
    article: str
    reference: str
    confidence: str
    note: str | None = None
    read_at: str | None = None
    # Cite this basis only when every jurisdiction of the finding is in this list of
    # codes, or in the list parameter of that name (e.g. the states bound by Reg.
    # 2018/1805): an EU instrument is no basis between Panama and Switzerland.
    only_for: tuple[str, ...] | str | None = None

    def to_json(self) -> dict[str, Any]:
        out = {
            "instrument": self.instrument,
            "article": self.article,
            "reference": self.reference,
            "confidence": self.confidence,
        }
        if self.read_at:
            out["read_at"] = self.read_at
        if self.note:
            out["note"] = self.note
        return out


@attrs.frozen(kw_only=True)
class DeadlineClause:
    """One way a period starts. Exactly one of `parameter` and `last_day` is set."""

    when: tuple[str, ...]
    ref: str  # binding.field: what the deadline is about (a request id, an order id)
    trigger: str | None  # binding.field holding the instant the period starts
    parameter: str | None  # parameter name, may contain {binding.field} placeholders
    calendar: str | None  # binding.field: the jurisdiction whose holidays apply
    last_day: str | None  # binding.field holding a date: the last day in time
    met_by: tuple[tuple[str, ...], ...]  # alternatives; `d` is the deadline
    # When `parameter` has no value for the jurisdiction (`calendar`) on the trigger
    # day, use this one instead, but only if that jurisdiction is in the list
    # parameter `fallback_only_for` (e.g. the EU minimum for a Member State's FIU).
    fallback: str | None = None
    fallback_only_for: str | None = None
    # The period starts only if every jurisdiction these binding.fields name is in the
    # list parameter `only_for` on the trigger day: an EU regulation binds only its
    # Member States, and only between them.
    only_for: str | None = None
    only_for_jurisdictions: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class Maximum:
    """A statutory maximum: whatever a clause's period says (an order's stated expiry,
    its extensions), it ends no later than `parameter` counted from `trigger`, when the
    value of `field` (e.g. `o.basis_key`) is one of `values`."""

    field: str
    values: tuple[str, ...]
    parameter: str
    trigger: str
    calendar: str | None = None


@attrs.frozen(kw_only=True)
class Warning:
    deadline: str  # id of the deadline rule this warns about
    # A parameter name holding the window in days before the breach; None with
    # `at_start`: the step is needed from the moment the period starts.
    days_before: str | None = None
    at_start: bool = False


@attrs.frozen(kw_only=True)
class RuleText:
    """A rule's title and message in another language (`title_es`, `message_es`).

    The message uses the same `{binding.field}` placeholders as the English one, in
    any order; legal citations stay as published."""

    lang: str
    title: str
    message: str


@attrs.frozen(kw_only=True)
class Rule:
    id: str
    code: str
    category: str
    severity: str
    title: str
    description: str
    message: str
    legal_basis: tuple[LegalBasis, ...]
    jurisdictions: tuple[str, ...] = ()
    assets: tuple[str, ...] = ()
    key: tuple[str, ...] = ()
    when: tuple[tuple[str, ...], ...] = ()
    resolved_by: tuple[tuple[str, ...], ...] = ()
    deadline: tuple[DeadlineClause, ...] = ()
    maximum: tuple[Maximum, ...] = ()
    warning: Warning | None = None
    # Other languages' title and message, in the order of LANGUAGES.
    texts: tuple[RuleText, ...] = ()
    source: str = ""  # the file it came from (not part of the digest)

    def text(self, lang: str) -> RuleText | None:
        """The title and message in `lang`, if the rule file gives them."""
        return next((t for t in self.texts if t.lang == lang), None)

    def to_json(self) -> dict[str, Any]:
        """The digest material: everything that changes what the rule says or does.

        A rule with no other language has the digest it had before languages existed,
        so that archived packs still export to their own digest."""
        data = attrs.asdict(self, recurse=True)
        data.pop("source")
        if not data["texts"]:
            data.pop("texts")
        return data


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


def _load_rule_file(path: Path, label: str) -> list[Rule]:
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


def builtin_dirs() -> tuple[Path, Path]:
    """The package's own rule and parameter directories."""
    base = Path(str(resources.files("comity.rules") / "data"))
    return base / "rules", base / "params"


@attrs.frozen(kw_only=True)
class RulePack:
    """Rules and parameters, identified by one digest that every finding carries."""

    rules: tuple[Rule, ...]
    parameters: ParameterSet
    digest: str

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise UnknownRule(rule_id)


@attrs.frozen
class Layer:
    """One layer of a pack, in load order: its rule directories (each with the label
    its files are reported under) and its parameter directory."""

    label: str
    rules: tuple[tuple[Path, str], ...]
    params: Path | None
    builtin: bool = False


def _user_layer(d: Path) -> Layer:
    params = d / "params"
    return Layer(
        str(d),
        ((d / "rules", str(d / "rules")), (d, str(d))),
        params if params.is_dir() else None,
    )


def _whole_pack(d: Path, marker: Path) -> list[Layer]:
    """The layers a self-contained pack directory lists in its PACK_FILE."""
    try:
        data = _read_manifest(marker)
        layers = data["layers"]
        if not isinstance(layers, list) or not all(
            isinstance(n, str) and _LAYER_NAME.match(n) and (d / n).is_dir() for n in layers
        ):
            raise ValueError("layers")
    except (OSError, ValueError, KeyError, TypeError, json.JSONDecodeError):
        raise RulePackError(
            f'{marker}: not a pack manifest; it must hold {{"layers": [...]}}, naming '
            "subdirectories of its directory in load order (as `comity rules export` "
            "writes it), or be removed to load the directory over the built-in pack"
        ) from None
    return [_user_layer(d / n) for n in layers]


def _read_manifest(path: Path) -> dict[str, Any]:
    """A small JSON object from a regular file (a pack manifest), read bounded."""
    if not path.is_file() or path.stat().st_size > 65536:
        raise ValueError("size")
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError("object")
    return data


def pack_layers(
    user_dirs: Sequence[str | os.PathLike[str]], *, builtin: bool = True
) -> list[Layer]:
    """The layers `load_pack(*user_dirs, builtin=builtin)` reads, in order.

    A directory holding PACK_FILE is a whole pack: its listed layers replace the
    built-in pack and every directory before it (so that an exported pack loads to
    its own digest whatever this comity's built-in pack has become).
    """
    layers: list[Layer] = []
    if builtin:
        rules_dir, params_dir = builtin_dirs()
        layers.append(Layer("built-in", ((rules_dir, "rules"),), params_dir, builtin=True))
    for raw in user_dirs:
        d = Path(raw)
        if not d.is_dir():
            raise RulePackError(
                f"{d}: not a directory of rules; give a directory with rules/ and params/"
            )
        marker = d / PACK_FILE
        if marker.exists():
            layers = _whole_pack(d, marker)
        else:
            layers.append(_user_layer(d))
    return layers


def load_pack(*user_dirs: str | os.PathLike[str], builtin: bool = True) -> RulePack:
    """Load the built-in pack, then each user directory over it.

    A user directory may hold rule files (`*.toml` with `[[rule]]` tables, in it or in
    `rules/`) and parameter files (in `params/`). A user rule with a built-in id
    replaces it; a user parameter with a built-in name replaces it. `builtin=False`
    loads the user directories alone; so does a directory holding PACK_FILE (a whole
    pack, as `comity rules export` writes it), in place of all before it. Both serve
    the same end: a case bundle or an exported pack carries every file of its pack,
    built-in ones included, so that whoever loads it gets the law it was computed
    under, whatever their own comity's built-in files say.
    """
    for directory in user_dirs:
        if not isinstance(directory, str | os.PathLike):
            raise InvalidArgument(
                f"load_pack: each directory must be a path (str or os.PathLike), got "
                f"{type(directory).__name__}; pass several as load_pack(*dirs)"
            )
    layers = pack_layers(user_dirs, builtin=builtin)
    rule_dirs = [pair for layer in layers for pair in layer.rules]
    param_dirs = [layer.params for layer in layers if layer.params is not None]
    by_id: dict[str, Rule] = {}
    for directory, label in rule_dirs:
        if not directory.is_dir():
            continue
        for path in sorted(directory.glob("*.toml")):
            file_label = f"{label}/{path.name}" if label == "rules" else str(path)
            for rule in _load_rule_file(path, file_label):
                by_id[rule.id] = rule
    parameters = load_parameters(*param_dirs) if param_dirs else ParameterSet({})
    rules = tuple(sorted(by_id.values(), key=lambda r: r.id))
    for rule in rules:
        if rule.warning and rule.warning.deadline not in by_id:
            raise RulePackError(
                f"{rule.source}: rule {rule.id}.warning.deadline: no rule {rule.warning.deadline!r}"
            )
        check_rule(rule, by_id)
    material = canonical_json(
        {"rules": [r.to_json() for r in rules], "parameters": parameters.to_json()}
    )
    digest = hashlib.sha256(material.encode("utf-8")).hexdigest()
    return RulePack(rules=rules, parameters=parameters, digest=digest)
