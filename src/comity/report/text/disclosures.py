"""The text of `comity audit log`: one row per disclosure record, oldest first."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

__all__ = ["disclosure_lines"]

_HEADER = ("position", "recorded_at", "kind", "actor", "record_id", "shown", "cases")


def _shown(entry: Mapping[str, Any]) -> str:
    n = len(entry.get("finding_ids") or ())
    output = entry.get("output") or {}
    return f"{n} finding{'' if n == 1 else 's'}, {output.get('bytes', 0)} B"


def disclosure_lines(entries: Sequence[Mapping[str, Any]]) -> Iterator[str]:
    """A header and a row per record (the last column, the cases, unpadded); the
    purpose and recipients, when given, on an indented line below the row."""
    if not entries:
        yield "No disclosures recorded."
        return
    rows = [
        (
            str(e["position"]),
            str(e["recorded_at"]),
            str(e["kind"]),
            str(e["actor"]),
            str(e["record_id"]),
            _shown(e),
            ", ".join(e.get("cases") or ()) or "-",
        )
        for e in entries
    ]
    widths = [max(len(h), *(len(r[n]) for r in rows)) for n, h in enumerate(_HEADER[:-1])]

    def line(cells: Sequence[str]) -> str:
        first = cells[0].rjust(widths[0])
        rest = (c.ljust(w) for c, w in zip(cells[1:-1], widths[1:], strict=True))
        return "  ".join((first, *rest, cells[-1]))

    yield line(_HEADER)
    for entry, row in zip(entries, rows, strict=True):
        yield line(row)
        notes = []
        if entry.get("purpose"):
            notes.append(f"purpose: {entry['purpose']}")
        if entry.get("recipients"):
            notes.append("to: " + ", ".join(entry["recipients"]))
        if notes:
            yield " " * (widths[0] + 2) + "; ".join(notes)
    yield f"{len(entries)} record{'' if len(entries) == 1 else 's'}."
