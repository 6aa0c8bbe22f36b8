"""The text of `comity audit log`: one row per disclosure record, oldest first."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from comity.i18n import gettext as _
from comity.i18n import ngettext, pgettext

__all__ = ["disclosure_lines"]


def _header() -> tuple[str, ...]:
    """The columns' names in the language being rendered (English: the JSON's fields)."""
    return (
        pgettext("column", "position"),
        pgettext("column", "recorded_at"),
        pgettext("column", "kind"),
        pgettext("column", "actor"),
        pgettext("column", "record_id"),
        pgettext("column", "shown"),
        pgettext("column", "cases"),
    )


def _shown(entry: Mapping[str, Any]) -> str:
    n = len(entry.get("finding_ids") or ())
    output = entry.get("output") or {}
    return ngettext("{n} finding, {bytes} B", "{n} findings, {bytes} B", n).format(
        n=n, bytes=output.get("bytes", 0)
    )


def disclosure_lines(entries: Sequence[Mapping[str, Any]]) -> Iterator[str]:
    """A header and a row per record (the last column, the cases, unpadded); the
    purpose and recipients, when given, on an indented line below the row."""
    if not entries:
        yield _("No disclosures recorded.")
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
    header = _header()
    widths = [max(len(h), *(len(r[n]) for r in rows)) for n, h in enumerate(header[:-1])]

    def line(cells: Sequence[str]) -> str:
        first = cells[0].rjust(widths[0])
        rest = (c.ljust(w) for c, w in zip(cells[1:-1], widths[1:], strict=True))
        return "  ".join((first, *rest, cells[-1]))

    yield line(header)
    for entry, row in zip(entries, rows, strict=True):
        yield line(row)
        notes = []
        if entry.get("purpose"):
            notes.append(_("purpose: {purpose}").format(purpose=entry["purpose"]))
        if entry.get("recipients"):
            notes.append(_("to: {recipients}").format(recipients=", ".join(entry["recipients"])))
        if notes:
            yield " " * (widths[0] + 2) + "; ".join(notes)
    yield ngettext("{n} record.", "{n} records.", len(entries)).format(n=len(entries))
