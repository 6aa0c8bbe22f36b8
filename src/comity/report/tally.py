"""Counting what a replay found while its results stream past.

Replays stream one case at a time so that a large store never sits in memory; the
summary line of the text report and the `--fail-on` verdict both need totals, so they
are counted on the way through rather than by keeping the results.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping

from comity.engine import CaseResult, Finding
from comity.i18n import ngettext
from comity.rules.pack import SEVERITIES

__all__ = ["SEVERITY_RANK", "Tally", "open_words", "severity_count"]

#: info < warning < critical, as `--fail-on` compares them.
SEVERITY_RANK = {severity: rank for rank, severity in enumerate(SEVERITIES)}


class Tally:
    """Totals of the results that :meth:`watch` has let through so far.

    `fail_on` is a severity: open findings of that severity or a higher one are
    counted in `failing` (zero when `fail_on` is None), only those `counts` accepts
    when it is given (a report's selection: `--fail-on` judges what is shown).
    """

    def __init__(
        self, fail_on: str | None = None, counts: Callable[[Finding], bool] | None = None
    ) -> None:
        self.threshold = None if fail_on is None else SEVERITY_RANK[fail_on]
        self.counts = counts
        self.cases = 0
        self.open: dict[str, int] = dict.fromkeys(SEVERITIES, 0)
        self.resolved = 0
        self.deadlines = 0
        self.failing = 0
        self.failed: list[CaseResult] = []  # the cases that could not be replayed

    def watch(self, results: Iterable[CaseResult]) -> Iterator[CaseResult]:
        """The same results, counted as they pass."""
        for result in results:
            self.cases += 1
            if result.error is not None:
                self.failed.append(result)
            self.deadlines += len(result.open_deadlines)
            for finding in result.findings:
                if finding.is_open:
                    self.open[finding.severity] += 1
                    if (
                        self.threshold is not None
                        and SEVERITY_RANK[finding.severity] >= self.threshold
                        and (self.counts is None or self.counts(finding))
                    ):
                        self.failing += 1
                else:
                    self.resolved += 1
            yield result

    def open_words(self) -> str:
        """`3 open findings (1 critical, 2 warning, 0 info)`."""
        return open_words(self.open)


def open_words(counts: Mapping[str, int]) -> str:
    """`3 open findings (1 critical, 2 warning, 0 info)`, in the current language."""
    total = sum(counts.values())
    parts = ", ".join(severity_count(s, counts[s]) for s in reversed(SEVERITIES))
    return ngettext("{n} open finding ({parts})", "{n} open findings ({parts})", total).format(
        n=total, parts=parts
    )


def severity_count(severity: str, n: int) -> str:
    """`2 warning` (English keeps the severity's name), `2 de advertencia`."""
    forms = {
        "critical": ngettext("{n} critical", "{n} critical", n),
        "warning": ngettext("{n} warning", "{n} warning", n),
        "info": ngettext("{n} info", "{n} info", n),
    }
    return forms.get(severity, f"{{n}} {severity}").format(n=n)
