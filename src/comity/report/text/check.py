"""`comity check` for people: each case's data-quality findings, then a count.

A data-quality finding says that a case's own records do not hold together (an
event names an asset, an order or a request that no event records). Cases whose
records hold together print nothing but the count, so that a long log reads as its
problems only.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from comity.audit.basis import Basis
from comity.engine import CaseResult, Finding
from comity.events import StoredEvent
from comity.i18n import gettext as _
from comity.i18n import ngettext
from comity.report.at import ReplayAt
from comity.report.basis import basis_lines
from comity.report.tally import SEVERITY_RANK
from comity.report.text.replay import finding_lines
from comity.rules.pack import DATA_QUALITY

__all__ = ["check_lines", "data_quality"]


def data_quality(result: CaseResult) -> tuple[Finding, ...]:
    """The case's open data-quality findings, most severe first, then as raised."""
    found = [f for f in result.findings if f.category == DATA_QUALITY and f.is_open]
    return tuple(sorted(found, key=lambda f: -SEVERITY_RANK[f.severity]))


def check_lines(
    results: Iterable[CaseResult],
    at: ReplayAt,
    *,
    rulepack: str,
    events: Mapping[str, StoredEvent] | None = None,
    styled: bool = False,
    basis: Basis | None = None,
) -> Iterator[str]:
    """The report, case by case as the results come; the count comes last. Under the
    title, the lines of the `basis` it stands on (as every output's)."""
    yield _("comity check {at}; rule pack {digest}").format(at=at.words(), digest=rulepack)
    if basis is not None:
        yield from basis_lines(basis)
    checked = with_findings = total = 0
    for result in results:
        if result.error is not None:
            continue  # reported on stderr by the command, with exit 4
        checked += 1
        found = data_quality(result)
        if not found:
            continue
        with_findings += 1
        total += len(found)
        yield ""
        yield _("Case {case}").format(case=result.case_id)
        for finding in found:
            yield from finding_lines(finding, 4, events, styled=styled)
    yield ""
    if total:
        # each count agrees with its own noun: `2 data-quality findings in 1 of 1 case
        # checked`
        yield ngettext(
            "{n} data-quality finding in {cases}.",
            "{n} data-quality findings in {cases}.",
            total,
        ).format(
            n=total,
            cases=ngettext(
                "{cases} of {checked} case checked", "{cases} of {checked} cases checked", checked
            ).format(cases=with_findings, checked=checked),
        )
    else:
        yield ngettext(
            "No data-quality finding in {checked} case checked.",
            "No data-quality finding in {checked} cases checked.",
            checked,
        ).format(checked=checked)
