"""The text table of open deadlines across cases (`comity deadlines`).

One row a deadline with its last day, when it becomes late and how far that is from
as_of in words, so that a case handler can plan the coming days from one screen.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from comity.audit.basis import Basis
from comity.engine import OpenDeadline
from comity.events.codec import format_time
from comity.i18n import gettext as _
from comity.i18n import ngettext
from comity.report.at import ReplayAt
from comity.report.basis import basis_lines
from comity.report.text._legal import period
from comity.report.text._when import days_until, in_days

__all__ = ["deadlines_lines"]


def _header() -> tuple[str, ...]:
    return (
        _("due"),
        _("late from"),
        _("when"),
        _("case"),
        _("code"),
        _("ref"),
        _("rule"),
        _("period"),
    )


def deadlines_lines(
    deadlines: Sequence[OpenDeadline],
    at: ReplayAt,
    *,
    rulepack: str,
    origin: str,
    within: int | None = None,
    basis: Basis | None = None,
) -> Iterator[str]:
    """The table of `deadlines` in the order given (or one line saying there are none),
    under the lines of its `basis`.

    `within` is only worded in the title: the selection is the caller's (see
    :func:`comity.report.running_deadlines`).
    """
    header = _header()
    if not deadlines:
        if within is None:
            yield _("No open deadlines {at}.").format(at=at.words())
        else:
            yield ngettext(
                "No open deadlines breached within {n} day {at}.",
                "No open deadlines breached within {n} days {at}.",
                within,
            ).format(n=within, at=at.words())
        if basis is not None:
            yield _("rule pack {digest} ({origin})").format(digest=rulepack, origin=origin)
            yield from basis_lines(basis)
        return
    rows = [
        (
            format_time(d.due),
            format_time(d.breach_at),
            in_days(days_until(d.due, at.as_of)),
            d.case_id,
            d.code,
            d.ref,
            d.rule,
            period(d.detail),
        )
        for d in deadlines
    ]
    widths = [max(len(h), *(len(r[n]) for r in rows)) for n, h in enumerate(header[:-1])]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=False)) + "  " + cells[-1]

    if within is None:
        yield _("Open deadlines {at}, soonest first").format(at=at.words())
    else:
        yield ngettext(
            "Open deadlines breached within {n} day {at}, soonest first",
            "Open deadlines breached within {n} days {at}, soonest first",
            within,
        ).format(n=within, at=at.words())
    yield _("rule pack {digest} ({origin})").format(digest=rulepack, origin=origin)
    if basis is not None:
        yield from basis_lines(basis)
    yield ""
    yield line(header)
    yield from (line(r) for r in rows)
