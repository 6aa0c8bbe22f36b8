"""The compiler: a rule pack becomes one durable ruleset, and the tables the run reads.

Each durable rule name maps to a `Part`, which says what a firing of it means to the
engine (raise a finding, resolve one, start a period, breach it, ...). The pack is
compiled once per process and digest: every case of a replay shares the ruleset.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

import attrs

from comity.engine._durable import DurableRuleset
from comity.errors import LanguageError
from comity.rules.language import Pattern, compile_patterns, parse_pattern, rebind
from comity.rules.pack import Rule, RulePack

__all__ = ["CLOCK_KINDS", "FINDING", "ON_DEADLINE", "Compiled", "Part", "compiled", "warn_field"]

CLOCK_KINDS = frozenset({"clock"})
#: The parts whose `d` binding is a deadline fact the engine asserted.
ON_DEADLINE = frozenset({"breach", "met", "warn", "wresolve"})
FINDING = "_f"  # the binding of a raised finding's fact in resolution rules


def warn_field(rule_id: str) -> str:
    """The deadline fact's field holding the instant a warning rule's window opens."""
    return "warn_" + re.sub(r"[^a-z0-9]", "_", rule_id.lower())


@attrs.frozen
class Part:
    """What one durable rule name means to the engine."""

    rule: Rule
    kind: str  # raise | resolve | start | breach | met | warn | wresolve
    clause: int = -1
    key: tuple[str, ...] = ()
    resolver: tuple[str, ...] = ()


def _reads(lines: Iterable[str | Pattern], binding: str) -> set[str]:
    out: set[str] = set()
    for line in lines:
        pattern = line if isinstance(line, Pattern) else parse_pattern(line)
        out |= pattern.fields_read(binding)
    return out


class Compiled:
    """A rule pack compiled once per process into one durable ruleset."""

    def __init__(self, pack: RulePack) -> None:
        self.pack = pack
        self.parts: dict[str, Part] = {}
        self._rules: dict[str, list[dict[str, Any]]] = {}
        self._seen: set[str] = set()
        # The fields of a rule's finding fact, and of a deadline clause's deadline
        # fact, that the patterns joining them test: all durable is given of those
        # facts. They copy every field of the facts they were made of (600-700 bytes
        # of JSON), which durable parses and hands back with every firing.
        self.finding_fields: dict[str, frozenset[str]] = {}
        self.deadline_fields: dict[tuple[str, int], frozenset[str]] = {}
        self.finding_copy: dict[str, tuple[tuple[str, str, str], ...]] = {}
        self.warnings_for: dict[str, list[Rule]] = {}
        # Per fact kind, every field any registered pattern tests (its own conditions,
        # negated or not, and references to it from other patterns): what durable is
        # given of an event's facts. A kind no pattern names is not sent at all.
        self._kind_fields: dict[str, set[str]] = {}
        for rule in pack.rules:
            if rule.warning is not None:
                self.warnings_for.setdefault(rule.warning.deadline, []).append(rule)
        for rule in pack.rules:
            self._findings(rule)
            for c in range(len(rule.deadline)):
                self._deadline(rule, c)
        self.fact_fields: dict[str, frozenset[str]] = {
            kind: frozenset(fields) for kind, fields in self._kind_fields.items()
        }
        self.ruleset = DurableRuleset(f"comity_{pack.digest[:16]}", self._rules)

    def _add(self, name: str, lines: Sequence[str | Pattern], part: Part) -> None:
        try:
            patterns, rule = compile_patterns(lines)
        except LanguageError as exc:
            raise exc.at(f"{part.rule.source}: rule {part.rule.id}") from None
        if part.kind == "resolve":
            # The alternatives of a rule's `when` usually bind the resolver's
            # fields alike, so their resolvers compile to the same conditions:
            # registered once, or durable fires each copy for every resolution
            # (OV-005's three were 15 % of all firings in a generated log).
            same = json.dumps([part.rule.id, part.resolver, rule], sort_keys=True)
            if same in self._seen:
                return
            self._seen.add(same)
        self._rules[name] = rule
        self.parts[name] = part
        kinds = {p.name: p.kind for p in patterns if not p.negated}
        for p in patterns:
            own = self._kind_fields.setdefault(p.kind, set())
            for group in p.conditions:
                for c in group:
                    own.add(c.field)
                    if c.is_ref:
                        self._kind_fields.setdefault(kinds[c.value[0]], set()).add(c.value[1])

    def _findings(self, rule: Rule) -> None:
        """A finding rule's alternatives, and the resolutions of each."""
        for a, when in enumerate(rule.when):
            positive = [p for p in map(parse_pattern, when) if not p.negated]
            key = rule.key or tuple(p.name for p in positive if p.kind not in CLOCK_KINDS)
            self._add(f"{rule.id}|w{a}", when, Part(rule, "raise", key=key))
            # A resolution joins the raised finding's fact with the resolver, rather
            # than re-matching the rule: durable-rules 2.0.28 never fires a rule
            # [P1, P2, P3, G] beside [P1, P2, P3, not G] (reproduced in the tests).
            bound = [p.name for p in positive]
            finding = parse_pattern(f'{FINDING}: finding where rule == "{rule.id}"')
            for r, resolver in enumerate(rule.resolved_by):
                parsed = [rebind(parse_pattern(x), FINDING, bound) for x in resolver]
                self._add(
                    f"{rule.id}|w{a}|r{r}",
                    [finding, *parsed],
                    Part(rule, "resolve", key=key, resolver=tuple(p.name for p in parsed)),
                )
                fields = frozenset(_reads([finding, *parsed], FINDING) | {"fid"})
                self.finding_fields[rule.id] = fields | self.finding_fields.get(rule.id, fields)
        # (field, binding, field of the binding) for each copied field, split once here
        self.finding_copy[rule.id] = tuple(
            (f, f.split("__", 1)[0], f.split("__", 1)[1])
            for f in sorted(self.finding_fields.get(rule.id, ()))
            if "__" in f
        )

    def _deadline(self, rule: Rule, c: int) -> None:
        """A deadline clause's start, breach and met rules, and its warnings'."""
        clause = rule.deadline[c]
        self._add(f"{rule.id}|d{c}|start", clause.when, Part(rule, "start", clause=c))
        head = f'd: deadline where rule == "{rule.id}" and clause == {c}'
        # Each alternative is one pattern (the loader refuses more).
        negations = ["not " + alt[0] for alt in clause.met_by]
        breach = [head, "k: clock where now >= d.breach_at", *negations]
        self._add(f"{rule.id}|d{c}|breach", breach, Part(rule, "breach", clause=c, key=("d",)))
        deadline_reads = _reads(breach, "d")
        for m, alt in enumerate(clause.met_by):
            names = (parse_pattern(alt[0]).name,)
            self._add(
                f"{rule.id}|d{c}|met{m}", [head, *alt], Part(rule, "met", clause=c, resolver=names)
            )
            deadline_reads |= _reads(alt, "d")
        for warn in self.warnings_for.get(rule.id, []):
            window = f"k: clock where now >= d.{warn_field(warn.id)} and now < d.breach_at"
            self._add(
                f"{warn.id}|d{c}|warn",
                [head, window, *negations],
                Part(warn, "warn", clause=c, key=("d",)),
            )
            deadline_reads |= _reads([window], "d")
            for m, alt in enumerate(clause.met_by):
                names = (parse_pattern(alt[0]).name,)
                self._add(
                    f"{warn.id}|d{c}|r{m}",
                    [head, *alt],
                    Part(warn, "wresolve", clause=c, key=("d",), resolver=names),
                )
        self.deadline_fields[(rule.id, c)] = frozenset(deadline_reads)


_COMPILED: dict[str, Compiled] = {}


def compiled(pack: RulePack) -> Compiled:
    """The pack's compiled form, built on first use; packs with one digest share it."""
    found = _COMPILED.get(pack.digest)
    if found is None:
        found = _COMPILED[pack.digest] = Compiled(pack)
    return found
