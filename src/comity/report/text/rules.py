"""The rule pack as text: the list of rules, and one rule with every parameter it reads.

`rules show` is where a lawyer checks a rule before trusting its findings, so it
prints the conditions as written, each deadline clause, and every dated value of
every parameter the clauses use, with its reference, confidence and counting.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from comity.i18n import gettext as _
from comity.i18n import pgettext
from comity.report.text._legal import amount, cite, confidence_word, legal_block, no_law
from comity.report.text._wrap import wrap, wrap_items
from comity.report.words import rule_message, rule_title, severity_word
from comity.rules import Rule, RulePack
from comity.rules.pack import CATEGORIES, SEVERITIES
from comity.rules.params import ParamValue

__all__ = ["parameter_names", "rule_lines", "rules_list_lines"]


def rules_list_lines(pack: RulePack, *, origin: str) -> Iterator[str]:
    """Every rule: id, code, category, severity and title, then its legal basis."""
    names = [
        pgettext("column", "id"),
        pgettext("column", "code"),
        pgettext("column", "category"),
        pgettext("column", "severity"),
        pgettext("column", "title"),
    ]
    id_width = max((len(r.id) for r in pack.rules), default=2)
    id_width = max(id_width, len(names[0]))
    code_width = max([len(names[1]), *(len(r.code) for r in pack.rules)])
    # The category stays the code that `replay --category` takes.
    cat_width = max([len(names[2]), *(len(c) for c in CATEGORIES)])
    sev_width = max([len(names[3]), *(len(severity_word(s)) for s in SEVERITIES)])
    yield (
        f"{names[0].ljust(id_width)}  {names[1].ljust(code_width)}  "
        f"{names[2].ljust(cat_width)}  {names[3].ljust(sev_width)}  {names[4]}"
    )
    for rule in pack.rules:
        yield (
            f"{rule.id.ljust(id_width)}  {rule.code.ljust(code_width)}  "
            f"{rule.category.ljust(cat_width)}  {severity_word(rule.severity).ljust(sev_width)}  "
            f"{rule_title(rule)}"
        )
        bases = [cite(b.to_json(), always=True) for b in rule.legal_basis] or [no_law()]
        yield from wrap_items(bases, id_width + 2, _("legal basis: "))
    yield ""
    yield _(
        "{n} rules; rule pack {digest} ({origin}). `comity rules show ID` for one rule."
    ).format(n=len(pack.rules), digest=pack.digest, origin=origin)


def parameter_names(pack: RulePack, name: str) -> list[str]:
    """A clause's parameter name, with `{binding.field}` placeholders matched by any part."""
    parts = re.split(r"(\{[^{}]*\})", name)
    if len(parts) == 1:
        return [name]
    pattern = re.compile(
        "".join(re.escape(p) if n % 2 == 0 else "[A-Za-z0-9_]+" for n, p in enumerate(parts))
    )
    return [p for p in pack.parameters.names() if pattern.fullmatch(p)]


def _counting_words(value: ParamValue) -> str:
    counting = value.counting
    if counting is None:
        return ""
    first = (
        _("the trigger day counts")
        if counting.trigger_counts
        else _("the trigger day is not counted")
    )
    if counting.unit == "hours":
        return (
            _("the trigger hour counts")
            if counting.trigger_counts
            else _("counted from the trigger")
        )
    roll = (
        _("an end on a weekend or public holiday moves to the next working day")
        if counting.roll_forward
        else _("an end on a weekend or public holiday is not moved")
    )
    return f"{first}; {roll}"


def _value_labels() -> tuple[dict[str, str], int]:
    """The labels of a parameter's values, and the column their text starts at (12 in
    English, wider if a language's labels need it)."""
    labels = {
        "confidence": _("confidence:"),
        "counting": _("counting:"),
        "as per": _("as per:"),
        "caveat": _("caveat:"),
        "reference": _("reference:"),
        "note": _("note:"),
        "trigger": _("trigger:"),
        "holidays": _("holidays:"),
    }
    width = max(12, *(len(label) + 1 for label in labels.values()))
    width = max(width, len(labels["as per"]) + 3)
    return labels, width


def _value_lines(value: ParamValue, indent: int) -> Iterator[str]:
    pad = " " * indent
    labels, width = _value_labels()
    since = value.valid_from.isoformat()
    until = (
        _("from {since} until {until} (exclusive)").format(
            since=since, until=value.valid_until.isoformat()
        )
        if value.valid_until
        else _("from {since} (still in force)").format(since=since)
    )
    if value.kind == "amount":
        what = amount(value.amount, value.unit)
    elif value.kind == "list":
        what = ", ".join(value.items or ())
    else:
        what = _("no statutory period found (no deadline is raised)")
    yield from wrap(what, indent, f"{until}: ")
    confidence = confidence_word(value.confidence)
    if value.dates_confidence != value.confidence:
        confidence += " " + _("(dates: {confidence})").format(
            confidence=confidence_word(value.dates_confidence)
        )
    yield f"{pad}  {labels['confidence'].ljust(width)}{confidence}"
    if value.counting is not None:
        yield from wrap(_counting_words(value), indent + 2, labels["counting"].ljust(width))
        if value.counting.source:
            yield from wrap(
                value.counting.source, indent + 2, ("  " + labels["as per"]).ljust(width)
            )
        if value.counting.caveat:
            yield from wrap(value.counting.caveat, indent + 2, labels["caveat"].ljust(width))
    ref = value.reference
    more = pad + " " * (2 + width)
    yield from wrap(cite(ref.to_json()), indent + 2, labels["reference"].ljust(width))
    yield f"{more}{ref.address}"
    for also in ref.also:
        yield more + _("also {address}").format(address=also)
    if ref.read_at:
        yield more + _("wording read at {address}").format(address=ref.read_at)
    if value.note:
        yield from wrap(value.note, indent + 2, labels["note"].ljust(width))


def _parameter_lines(pack: RulePack, name: str, indent: int) -> Iterator[str]:
    pad = " " * indent
    names = parameter_names(pack, name)
    if not names:
        yield pad + _(
            "{name}: no such parameter in the rule pack (this clause never starts a period)"
        ).format(name=name)
        return
    labels, width = _value_labels()
    for found in names:
        parameter = pack.parameters.parameter(found)
        yield f"{pad}{found}: {parameter.title}"
        if parameter.trigger:
            yield from wrap(parameter.trigger, indent + 2, labels["trigger"].ljust(width))
        if parameter.holidays_of:
            yield f"{pad}  {labels['holidays'].ljust(width)}{parameter.holidays_of}"
        for value in parameter.values:
            yield from _value_lines(value, indent + 2)


def _aligned(rows: Sequence[tuple[str, str]], indent: int, at: int = 0) -> Iterator[str]:
    """`label value` rows, the values in one column (at least `at`) whatever the
    language's labels."""
    width = max(at, *(len(label) + 1 for label, _value in rows))
    for label, value in rows:
        yield " " * indent + label.ljust(width) + value


def _patterns(lines: Sequence[str], indent: int) -> Iterator[str]:
    for pattern in lines:
        yield f"{' ' * indent}{pattern}"


def _alternatives_lines(
    title: str, alternatives: Sequence[Sequence[str]], indent: int
) -> Iterator[str]:
    pad = " " * indent
    if not alternatives:
        return
    if len(alternatives) == 1:
        yield f"{pad}{title}:"
        yield from _patterns(alternatives[0], indent + 2)
        return
    yield pad + _("{title} (any one of):").format(title=title)
    for n, alt in enumerate(alternatives, start=1):
        yield f"{pad}  {n}."
        yield from _patterns(alt, indent + 4)


def rule_lines(rule: Rule, pack: RulePack, *, origin: str) -> Iterator[str]:
    """One rule of `pack` in full; `origin` says where the pack came from."""
    yield _("Rule {id}: {code}").format(id=rule.id, code=rule.code)
    yield from _aligned(
        [
            (_("title:"), rule_title(rule)),
            (_("category:"), rule.category),
            (_("severity:"), severity_word(rule.severity)),
            (_("defined in"), str(rule.source)),
            (_("rule pack"), f"{pack.digest} ({origin})"),
        ],
        2,
    )
    yield ""
    yield _("Description")
    yield from wrap(" ".join(rule.description.split()), 2)
    yield ""
    yield _("Message")
    yield from wrap(rule_message(rule), 2)
    yield ""
    yield _("Legal basis")
    yield from legal_block((b.to_json() for b in rule.legal_basis), 2)
    if rule.when:
        yield ""
        yield _("Conditions")
        yield from _alternatives_lines(_("raised when"), rule.when, 2)
        yield from _alternatives_lines(_("resolved by"), rule.resolved_by, 2)
    for n, clause in enumerate(rule.deadline, start=1):
        yield ""
        yield _("Deadline clause {n}").format(n=n)
        yield "  " + _("starts when:")
        yield from _patterns(clause.when, 4)
        rows = [(_("about:"), clause.ref)]
        if clause.last_day is not None:
            rows.append((_("last day:"), _("the date in {field}").format(field=clause.last_day)))
        else:
            rows.append(
                (
                    _("period:"),
                    _("parameter {parameter}, counted from {trigger}").format(
                        parameter=clause.parameter, trigger=clause.trigger
                    ),
                )
            )
            if clause.calendar:
                rows.append(
                    (
                        _("calendar:"),
                        _("public holidays of {calendar}").format(calendar=clause.calendar),
                    )
                )
        yield from _aligned(rows, 2, at=len(_("starts when:")) + 1)
        yield from _alternatives_lines(_("met by"), clause.met_by, 2)
        if clause.parameter is not None:
            yield "  " + _("parameters:")
            yield from _parameter_lines(pack, clause.parameter, 4)
    if rule.warning is not None:
        yield ""
        yield _("Warning")
        if rule.warning.days_before is None:
            yield from wrap(
                _(
                    "Raised when a period of rule {rule} starts; resolved by what meets "
                    "that deadline."
                ).format(rule=rule.warning.deadline),
                2,
            )
        else:
            yield from wrap(
                _(
                    "Raised the number of days that {parameter} gives before rule {rule} is "
                    "breached (counted in working days when the period is); resolved by what "
                    "meets that deadline."
                ).format(parameter=rule.warning.days_before, rule=rule.warning.deadline),
                2,
            )
            yield "  " + _("parameters:")
            yield from _parameter_lines(pack, rule.warning.days_before, 4)
