"""The text table of the findings store (`comity findings`).

One row a finding, open ones and resolved ones alike, under a title that names the
store's cut, so that the table can be checked against `comity replay` at that cut.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from comity.findings import StoredFinding
from comity.report.at import ReplayAt

__all__ = ["findings_table_lines"]

_HEADER = ("case", "finding", "severity", "status", "code", "raised", "due", "title")


def findings_table_lines(
    findings: Sequence[StoredFinding], at: ReplayAt, *, rulepack: str
) -> Iterator[str]:
    """The table of `findings` in the order given, or one line saying there are none."""
    yield f"Findings store {at.words()}, rule pack {rulepack}"
    if not findings:
        yield "No findings match."
        return
    rows = [
        (
            f.case_id,
            f.finding_id,
            f.severity,
            f.status if f.resolved_at is None else f"resolved {f.resolved_at}",
            f.code,
            f.raised_at,
            f.due or "-",
            str(f.data.get("title", "")),
        )
        for f in findings
    ]
    widths = [max(len(h), *(len(r[n]) for r in rows)) for n, h in enumerate(_HEADER[:-1])]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=False)) + "  " + cells[-1]

    yield ""
    yield line(_HEADER)
    yield from (line(r) for r in rows)
    open_count = sum(1 for f in findings if f.is_open)
    yield ""
    yield f"{len(findings)} finding{'s' if len(findings) != 1 else ''}, {open_count} open."
