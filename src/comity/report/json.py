"""The JSON documents of replay and deadlines, and the JSON Lines of findings and events.

These are contracts: tools parse them, and identical inputs must give byte-identical
text. A document is written item by item (each chunk a string) so that a replay of
many cases starts printing at once and never holds every result; the chunks join to
exactly what `json.dumps(document, indent=2, ensure_ascii=False)` would give.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from comity.audit.basis import Basis
from comity.engine import CaseResult, OpenDeadline
from comity.events import StoredEvent, canonical_json
from comity.report.at import ReplayAt
from comity.report.basis import basis_json
from comity.report.select import EVERYTHING, Selection

__all__ = [
    "deadlines_document",
    "findings_jsonl",
    "json_document",
    "replay_document",
    "stored_events_jsonl",
]


def json_document(head: dict[str, Any], key: str, items: Iterable[dict[str, Any]]) -> Iterator[str]:
    """Exactly `json.dumps({**head, key: list(items)}, indent=2, ensure_ascii=False)`,
    written item by item so that nothing waits for the whole list."""
    empty = json.dumps({**head, key: []}, indent=2, ensure_ascii=False)
    prefix = empty[: -len("[]\n}")]
    first = True
    for item in items:
        # JSON text holds no raw newline inside strings, so this indents whole lines only.
        body = json.dumps(item, indent=2, ensure_ascii=False).replace("\n", "\n    ")
        yield (prefix + "[\n    " if first else ",\n    ") + body
        first = False
    yield prefix + "[]\n}\n" if first else "\n  ]\n}\n"


def replay_document(
    results: Iterable[CaseResult],
    at: ReplayAt,
    rulepack: str,
    *,
    selection: Selection = EVERYTHING,
    category_of: Callable[[str], str | None] = lambda _rule: None,
    events_of: Callable[[CaseResult], Mapping[str, StoredEvent]] | None = None,
    basis: Basis | None = None,
) -> Iterator[str]:
    """`{as_of, known_at, rulepack, basis, cases}`: every case's findings and open
    deadlines (with a `selection`, only those it keeps; the document keeps its shape).
    `basis` is what the output stands on (`Basis.to_json()`; absent without one)."""
    head = {**at.header(), "rulepack": rulepack, **basis_json(basis)}
    if not selection:
        return json_document(head, "cases", (r.to_json() for r in results))

    def selected() -> Iterator[dict[str, Any]]:
        for result in results:
            events = events_of(result) if events_of is not None else None
            yield selection.apply(result, category_of, events).to_json()

    return json_document(head, "cases", selected())


def deadlines_document(
    deadlines: Iterable[OpenDeadline],
    at: ReplayAt,
    rulepack: str,
    within: int | None,
    basis: Basis | None = None,
) -> Iterator[str]:
    """`{as_of, known_at, rulepack, basis, within, deadlines}`, in the order given
    (`basis` only with one)."""
    head = {**at.header(), "rulepack": rulepack, **basis_json(basis), "within": within}
    return json_document(head, "deadlines", (d.to_json() for d in deadlines))


def findings_jsonl(
    results: Iterable[CaseResult], selection: Selection = EVERYTHING
) -> Iterator[str]:
    """One finding a line (no newline at the end), case by case (those `selection` keeps)."""
    return (
        json.dumps(f.to_json(), ensure_ascii=False)
        for r in results
        for f in r.findings
        if selection.keeps(f)
    )


def stored_events_jsonl(events: Iterable[StoredEvent]) -> Iterator[str]:
    """One stored event a line, envelope and hash included, in canonical JSON."""
    return (canonical_json(stored.to_json()) for stored in events)
