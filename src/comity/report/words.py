"""A finding's and a rule's words in the language being rendered (`comity.i18n`).

English is the finding as the engine wrote it, untouched. In another language the
title and message come from the rule's `title_LANG` and `message_LANG`. A finding
keeps only its English message, not the values the rule bound, and the findings
store keeps only the finding: so the values are read back from the English message
by matching it against the rule's English template, then put into the translated
template (each value of a coded field, such as an order type, in the language too,
when the catalog has it). When the rule is not at hand, has no such language, or the
English message does not match its template (another pack's finding), the English
text is shown: a report never guesses.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from comity.engine import Finding
from comity.i18n import DEFAULT, language, pgettext
from comity.rules import Rule

__all__ = [
    "event_type",
    "finding_message",
    "finding_title",
    "knowing",
    "remember",
    "rule_message",
    "rule_title",
    "severity_word",
    "template_values",
]

#: `{binding.field}`, as rule messages write their placeholders.
_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)\}")

_rules: contextvars.ContextVar[Mapping[str, Rule] | None] = contextvars.ContextVar(
    "comity_rules", default=None
)


def _known(rule_id: str) -> Rule | None:
    return (_rules.get() or {}).get(rule_id)


@contextlib.contextmanager
def knowing(rules: Iterable[Rule]) -> Iterator[None]:
    """Inside the block, findings are worded with these rules (by id)."""
    token = _rules.set({r.id: r for r in rules})
    try:
        yield
    finally:
        _rules.reset(token)


def remember(rules: Iterable[Rule]) -> None:
    """From now on in this context, word findings with these rules (the command line
    calls it once its rule pack is loaded)."""
    _rules.set({r.id: r for r in rules})


@functools.lru_cache(maxsize=256)
def _matcher(template: str) -> tuple[re.Pattern[str], tuple[str, ...]]:
    """A regex that reads each placeholder's value back from a rendered message."""
    parts: list[str] = []
    names: list[str] = []
    at = 0
    for match in _PLACEHOLDER.finditer(template):
        parts.append(re.escape(template[at : match.start()]))
        name = f"{match.group(1)}.{match.group(2)}"
        if name in names:
            parts.append(f"(?P=g{names.index(name)})")
        else:
            parts.append(f"(?P<g{len(names)}>.*?)")
            names.append(name)
        at = match.end()
    parts.append(re.escape(template[at:]))
    return re.compile("".join(parts), re.S), tuple(names)


def template_values(template: str, message: str) -> dict[str, str] | None:
    """`{"a.asset_id": "A3", ...}`: the values `message` gives `template`'s placeholders,
    or None if the message was not rendered from this template."""
    pattern, names = _matcher(template)
    match = pattern.fullmatch(message)
    if match is None:
        return None
    return {name: match.group(f"g{n}") for n, name in enumerate(names)}


def _value(field: str, value: str) -> str:
    """A bound value in the current language: coded values through the catalog
    (context: the field's name), the engine's own phrases for holders and lists."""
    if field == "holder_text":
        if value == "holder unknown":
            return pgettext("holder_text", "holder unknown")
        if value.startswith("held by "):
            return pgettext("holder_text", "held by {holder}").format(holder=value[8:])
        return value
    if field == "assets_text" and value == "no listed asset":
        return pgettext("assets_text", "no listed asset")
    if field == "order_text" and value.startswith("under order "):
        order = value.removeprefix("under order ")
        unissued = ", which no event of the case issued"
        if order.endswith(unissued):
            words = pgettext("order_text", "under order {order}, which no event of the case issued")
            return words.format(order=order.removesuffix(unissued))
        return pgettext("order_text", "under order {order}").format(order=order)
    return pgettext(field, value)


def _translated(rule: Rule | None, lang: str) -> Any:
    return None if rule is None else rule.text(lang)


def rule_title(rule: Rule) -> str:
    """The rule's title in the current language (English where the file gives none)."""
    text = _translated(rule, language())
    return rule.title if text is None else str(text.title)


def rule_message(rule: Rule) -> str:
    """The rule's message template in the current language."""
    text = _translated(rule, language())
    return rule.message if text is None else str(text.message)


def finding_title(finding: Finding | Mapping[str, Any]) -> str:
    """The finding's title in the current language."""
    title, rule_id = _fields(finding, "title")
    lang = language()
    if lang == DEFAULT:
        return title
    text = _translated(_known(rule_id), lang)
    return title if text is None else str(text.title)


def finding_message(finding: Finding | Mapping[str, Any]) -> str:
    """The finding's message in the current language (English if it cannot be worded
    in it faithfully)."""
    message, rule_id = _fields(finding, "message")
    lang = language()
    if lang == DEFAULT:
        return message
    rule = _known(rule_id)
    text = _translated(rule, lang)
    if rule is None or text is None:
        return message
    values = template_values(rule.message, message)
    if values is None:
        return message
    return _PLACEHOLDER.sub(
        lambda m: _value(m.group(2), values[f"{m.group(1)}.{m.group(2)}"]), str(text.message)
    )


def _fields(finding: Finding | Mapping[str, Any], key: str) -> tuple[str, str]:
    if isinstance(finding, Finding):
        return str(getattr(finding, key)), finding.rule
    return str(finding.get(key, "")), str(finding.get("rule", ""))


def severity_word(severity: str) -> str:
    """`critical`, `warning`, `info` in the current language (lower case)."""
    return pgettext("severity", severity)


def event_type(name: str) -> str:
    """An event type (`mla_request_sent`) in words of the current language; English
    keeps the type's own name, which is what the log and the JSON show."""
    return pgettext("event_type", name)
