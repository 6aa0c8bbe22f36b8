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
from comity.i18n import gettext as _
from comity.i18n import ngettext, pgettext
from comity.report.text._wrap import wrap

__all__ = [
    "NO_LAW",
    "amount",
    "cite",
    "confidence_word",
    "deadline_block",
    "label",
    "legal_block",
    "no_law",
    "period",
]

#: What a finding or rule without a legal basis (a data-quality check) says instead.
NO_LAW = "none: a check of the case's own records, not a rule of law"


def no_law() -> str:
    """NO_LAW in the current language."""
    return _("none: a check of the case's own records, not a rule of law")


def cite(basis: Mapping[str, Any], *, always: bool = False) -> str:
    """`UNCAC art. 54(2)`, `FATF Recommendations, R.38`, with `(unverified)` where so.

    With `always`, the confidence is shown even when it is `verified`.
    """
    instrument = str(basis.get("instrument", ""))
    article = str(basis.get("article", ""))
    text = f"{instrument} art. {article}" if article[:1].isdigit() else f"{instrument}, {article}"
    confidence = basis.get("confidence")
    if confidence == "policy":
        # comity's own words, not a published text: worded in the language too.
        text = f"{pgettext('policy', instrument)}, {pgettext('policy', article)}"
        return text + " " + _("(comity policy, not law)")
    if confidence == "unverified" or (always and confidence):
        return f"{text} ({confidence_word(confidence)})"
    return text


def confidence_word(confidence: object) -> str:
    """`verified`, `unverified`, `policy` in the current language."""
    return pgettext("confidence", str(confidence))


def label(word: str, width: int = 12) -> str:
    """`last day:   `: a label and its colon, padded so that values line up."""
    return (word + ":").ljust(width)


def _unit_forms(unit: str, n: int) -> str | None:
    forms = {
        "days": ngettext("{n} day", "{n} days", n),
        "working_days": ngettext("{n} working day", "{n} working days", n),
        "calendar_days": ngettext("{n} calendar day", "{n} calendar days", n),
        "hours": ngettext("{n} hour", "{n} hours", n),
        "weeks": ngettext("{n} week", "{n} weeks", n),
        "months": ngettext("{n} month", "{n} months", n),
        "years": ngettext("{n} year", "{n} years", n),
    }
    return forms.get(unit)


def amount(value: object, unit: object) -> str:
    """`5 working days`, `1 month`."""
    if isinstance(value, int) and not isinstance(value, bool):
        form = _unit_forms(str(unit), value)
        if form is not None:
            return form.format(n=value)
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
        f" ({confidence_word(confidence)})" if confidence else ""
    )


def legal_block(bases: Iterable[Mapping[str, Any]], indent: int) -> Iterator[str]:
    """Each legal basis in full: citation, reference, other addresses, where the wording
    was read, dates, note."""
    pad = " " * indent
    bases = list(bases)
    if not bases:
        yield from wrap(no_law(), indent)
    for basis in bases:
        yield f"{pad}{cite(basis, always=True)}"
        reference = basis.get("reference") or basis.get("address")
        if reference:
            yield f"{pad}  {reference}"
        for also in basis.get("also") or ():
            yield f"{pad}  " + _("also {address}").format(address=also)
        if basis.get("read_at"):
            yield f"{pad}  " + _("wording read at {address}").format(address=basis["read_at"])
        if basis.get("in_force_from"):
            yield f"{pad}  " + _("value in force from {date}").format(date=basis["in_force_from"])
        if basis.get("note"):
            yield from wrap(_("note: {note}").format(note=basis["note"]), indent + 2)


def deadline_block(detail: DeadlineDetail, due: ValidTime | None, indent: int) -> Iterator[str]:
    """A deadline's last day, the parameter and value it came from, and how it was counted."""
    pad = " " * indent
    names = ("last day", "period", "parameter", "value", "source", "confidence", "trigger")
    width = max(len(_(n)) for n in (*names, "counting", "caveat", "note")) + 2
    more = " " * width
    if due is not None:
        yield pad + label(_("last day"), width) + format_time(due)
    if not isinstance(detail, CountedPeriod):
        yield from wrap(detail.source, indent, label(_("period"), width))
    else:
        yield pad + label(_("parameter"), width) + detail.parameter
        yield pad + label(_("value"), width) + amount(detail.value, detail.unit)
        source = detail.source
        yield from wrap(cite(source.to_json()), indent, label(_("source"), width))
        if source.reference:
            yield f"{pad}{more}{source.reference}"
        if source.read_at:
            yield f"{pad}{more}" + _("wording read at {address}").format(address=source.read_at)
        yield pad + label(_("confidence"), width) + confidence_word(detail.confidence)
        yield pad + label(_("trigger"), width) + format_time(detail.trigger)
    if detail.convention:
        yield from wrap(detail.convention, indent, label(_("counting"), width))
    caveat = detail.caveat if isinstance(detail, CountedPeriod) else None
    if caveat and caveat not in detail.convention:
        yield from wrap(caveat, indent, label(_("caveat"), width))
    note = detail.note if isinstance(detail, CountedPeriod) else None
    if note:
        yield from wrap(note, indent, label(_("note"), width))
