"""Rule definitions as data: what a rule says, once its file has been read.

A rule is a TOML table (see docs/rules.md for the format). Keeping rules as data lets
users add their own without editing the package (`--rules DIR`), lets the pack digest
cover rule text and parameters alike, and keeps the conditions reviewable. Reading a
file into these classes is `_rule_files.py`'s; loading them into a pack, `pack.py`'s,
which exports them (`comity.rules.pack.Rule`, ...).

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

from typing import Any, Protocol

import attrs

__all__ = [
    "CATEGORIES",
    "DATA_QUALITY",
    "SEVERITIES",
    "Cited",
    "DeadlineClause",
    "LegalBasis",
    "Maximum",
    "Rule",
    "RuleText",
    "Warning",
    "citation_json",
]

CATEGORIES = ("overlap", "deadline", "next_step", "data_quality")
#: The category of rules that check a case's own records: they cite no law.
DATA_QUALITY = "data_quality"
SEVERITIES = ("info", "warning", "critical")


class Cited(Protocol):
    """What a citation is made of, in a rule (`LegalBasis`) or a finding (`Citation`)."""

    @property
    def instrument(self) -> str: ...
    @property
    def article(self) -> str: ...
    @property
    def reference(self) -> str: ...
    @property
    def confidence(self) -> str: ...
    @property
    def note(self) -> str | None: ...
    @property
    def read_at(self) -> str | None: ...


def citation_json(basis: Cited) -> dict[str, Any]:
    """A citation as JSON, one form for a rule's basis and a finding's: the rule pack's
    digest and every finding's bytes depend on it, so it is written in one place."""
    out = {
        "instrument": basis.instrument,
        "article": basis.article,
        "reference": basis.reference,
        "confidence": basis.confidence,
    }
    if basis.read_at:
        out["read_at"] = basis.read_at
    if basis.note:
        out["note"] = basis.note
    return out


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
        return citation_json(self)


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
