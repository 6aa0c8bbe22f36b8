"""The text table of the findings store (`comity findings`).

One row a finding, open ones and resolved ones alike, under a title that names the
store's cut, so that the table can be checked against `comity replay` at that cut.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from comity.audit.basis import Basis
from comity.findings import StoredFinding
from comity.i18n import gettext as _
from comity.i18n import ngettext
from comity.report.at import ReplayAt
from comity.report.basis import basis_lines
from comity.report.words import finding_title, severity_word

__all__ = ["findings_table_lines"]


def _header() -> tuple[str, ...]:
    return (
        _("case"),
        _("finding"),
        _("severity"),
        _("status"),
        _("code"),
        _("raised"),
        _("due"),
        _("title"),
    )


def findings_table_lines(
    findings: Sequence[StoredFinding], at: ReplayAt, *, rulepack: str, basis: Basis | None = None
) -> Iterator[str]:
    """The table of `findings` in the order given, or one line saying there are none,
    under the lines of its `basis`."""
    yield _("Findings store {at}, rule pack {digest}").format(at=at.words(), digest=rulepack)
    if basis is not None:
        yield from basis_lines(basis)
    if not findings:
        yield _("No findings match.")
        return
    header = _header()
    rows = [
        (
            f.case_id,
            f.finding_id,
            severity_word(f.severity),
            _("open") if f.resolved_at is None else _("resolved {date}").format(date=f.resolved_at),
            f.code,
            f.raised_at,
            f.due or "-",
            finding_title(f.data),
        )
        for f in findings
    ]
    widths = [max(len(h), *(len(r[n]) for r in rows)) for n, h in enumerate(header[:-1])]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=False)) + "  " + cells[-1]

    yield ""
    yield line(header)
    yield from (line(r) for r in rows)
    open_count = sum(1 for f in findings if f.is_open)
    yield ""
    yield (
        ngettext("{n} finding", "{n} findings", len(findings)).format(n=len(findings))
        + ", "
        + ngettext("{n} open", "{n} open", open_count).format(n=open_count)
        + "."
    )
