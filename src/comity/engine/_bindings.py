"""What a firing binds, and how rules refer to it: `binding.field` and `{binding.field}`.

A firing gives each pattern's binding its fact. A deadline fact (`d`) also carries
copies of the fields of the facts that started it (`binding__field`), so a breach
finding can still name the request or the order once those facts are out of reach.
`d` is a deadline only when its fact is one: a rule that is not a deadline rule may
name a binding `d` (`d: asset`) like any other.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from comity.errors import EngineError

__all__ = ["TEMPLATE", "Bindings", "deadline_of", "listed", "substitute", "value_of"]

Bindings = dict[str, dict[str, Any]]
TEMPLATE = re.compile(r"\{([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)\}")


def deadline_of(bindings: Bindings) -> dict[str, Any] | None:
    """The deadline fact a firing binds, if any: `d`, when it holds a deadline."""
    fact = bindings.get("d")
    return fact if fact is not None and fact.get("t") == "deadline" else None


def value_of(bindings: Bindings, binding: str, field: str) -> Any:
    """`binding.field`, from the bound fact or from the deadline's copy of it."""
    fact = bindings.get(binding)
    if fact is not None and field in fact:
        return fact[field]
    deadline = deadline_of(bindings)
    if deadline is not None and f"{binding}__{field}" in deadline:
        return deadline[f"{binding}__{field}"]
    raise EngineError(f"rule refers to {binding}.{field}, which its patterns do not bind")


def substitute(template: str, bindings: Bindings) -> str:
    """The template with every `{binding.field}` replaced by its value."""
    return TEMPLATE.sub(lambda m: str(value_of(bindings, m.group(1), m.group(2))), template)


def listed(refs: Sequence[str], bindings: Bindings) -> tuple[str, ...]:
    """The sorted, distinct values of `refs`, comma-separated values split.

    A reference whose binding this firing lacks belongs to another alternative of the
    rule, and adds nothing.
    """
    values: set[str] = set()
    copied: set[str] | None = None  # the bindings the deadline fact holds copies of
    for ref in refs:
        binding, field = ref.split(".", 1)
        if binding not in bindings:
            if copied is None:
                copied = {k.split("__", 1)[0] for k in deadline_of(bindings) or () if "__" in k}
            if binding not in copied:
                continue
        values.update(str(value_of(bindings, binding, field)).split(","))
    values.discard("")
    return tuple(sorted(values))
