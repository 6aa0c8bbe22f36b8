"""How the text reports cite the law: citations, amounts of time, periods, sources.

A lawyer reads these lines to check a finding, so every report cites an instrument
the same way and says plainly when a citation is unverified or comity's own policy.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from comity.engine import CountedPeriod, DeadlineDetail
from comity.events.codec import format_time
from comity.events.types import ValidTime
from comity.report.text._wrap import wrap

__all__ = ["amount", "cite", "deadline_block", "legal_block", "period"]


def cite(basis: Mapping[str, Any], *, always: bool = False) -> str:
    """`UNCAC art. 54(2)`, `FATF Recommendations, R.38`, with `(unverified)` where so.

    With `always`, the confidence is shown even when it is `verified`.
    """
    instrument = str(basis.get("instrument", ""))
    article = str(basis.get("article", ""))
    text = f"{instrument} art. {article}" if article[:1].isdigit() else f"{instrument}, {article}"
    confidence = basis.get("confidence")
    if confidence == "policy":
        return text + " (comity policy, not law)"
    if confidence == "unverified" or (always and confidence):
        return f"{text} ({confidence})"
    return text


def amount(value: object, unit: object) -> str:
    """`5 working days`, `1 month`."""
    words = str(unit).replace("_", " ")
    if value == 1 and words.endswith("s"):
        words = words[:-1]
    return f"{value} {words}"


def period(detail: DeadlineDetail) -> str:
    """One line on where a deadline's length came from."""
    if not isinstance(detail, CountedPeriod):
        return detail.source
    confidence = detail.confidence
    return f"{detail.parameter}: {amount(detail.value, detail.unit)}" + (
        f" ({confidence})" if confidence else ""
    )


def legal_block(bases: Iterable[Mapping[str, Any]], indent: int) -> Iterator[str]:
    """Each legal basis in full: citation, reference, other addresses, where the wording
    was read, dates, note."""
    pad = " " * indent
    for basis in bases:
        yield f"{pad}{cite(basis, always=True)}"
        reference = basis.get("reference") or basis.get("address")
        if reference:
            yield f"{pad}  {reference}"
        for also in basis.get("also") or ():
            yield f"{pad}  also {also}"
        if basis.get("read_at"):
            yield f"{pad}  wording read at {basis['read_at']}"
        if basis.get("in_force_from"):
            yield f"{pad}  value in force from {basis['in_force_from']}"
        if basis.get("note"):
            yield from wrap(f"note: {basis['note']}", indent + 2)


def deadline_block(detail: DeadlineDetail, due: ValidTime | None, indent: int) -> Iterator[str]:
    """A deadline's last day, the parameter and value it came from, and how it was counted."""
    pad = " " * indent
    if due is not None:
        yield f"{pad}last day:   {format_time(due)}"
    if not isinstance(detail, CountedPeriod):
        yield from wrap(detail.source, indent, "period:     ")
    else:
        yield f"{pad}parameter:  {detail.parameter}"
        yield f"{pad}value:      {amount(detail.value, detail.unit)}"
        source = detail.source
        yield from wrap(cite(source.to_json()), indent, "source:     ")
        if source.reference:
            yield f"{pad}            {source.reference}"
        if source.read_at:
            yield f"{pad}            wording read at {source.read_at}"
        yield f"{pad}confidence: {detail.confidence}"
        yield f"{pad}trigger:    {format_time(detail.trigger)}"
    if detail.convention:
        yield from wrap(detail.convention, indent, "counting:   ")
    caveat = detail.caveat if isinstance(detail, CountedPeriod) else None
    if caveat and caveat not in detail.convention:
        yield from wrap(caveat, indent, "caveat:     ")
    note = detail.note if isinstance(detail, CountedPeriod) else None
    if note:
        yield from wrap(note, indent, "note:       ")
