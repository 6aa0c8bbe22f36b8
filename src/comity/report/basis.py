"""The basis of an output, as every report names it: the log head it covered, the
latest signed checkpoint, the rule pack and the versions (besides its two times).

An auditor reading a printed table months later must be able to say which records it
saw and under which law and engine, without the store: so the text reports carry
these lines under their title, the JSON documents carry the same facts in a `basis`
member (after `as_of`, `known_at` and `rulepack`, as a case bundle has it), JSON
Lines carry them on stderr (every stdout line is a finding), the HTML report in its
auditor's trail and the calendar export as `X-COMITY-*` properties. One module, so
that every front end words them alike, in the report's language.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from comity import i18n
from comity.audit.basis import Basis
from comity.report.labels import Translate, translator

__all__ = ["basis_json", "basis_lines", "basis_rows"]


def basis_rows(
    basis: Basis, _: Translate, *, cut: bool = True, rulepack: bool = True
) -> list[tuple[str, str]]:
    """(label, value) rows of `basis`; `cut` and `rulepack` rows only if asked (a
    report whose title already says them leaves them out)."""
    rows = []
    if cut and (basis.as_of is not None or basis.known_at is not None):
        rows.append(
            (
                _("Cut"),
                _("as of {as_of}, known at {known_at}").format(
                    as_of=basis.as_of, known_at=basis.known_at
                ),
            )
        )
    rows.append(
        (
            _("Log"),
            _("{size} records, head {hash}").format(size=basis.head.size, hash=basis.head.hash),
        )
    )
    cp = basis.checkpoint
    if cp is None:
        rows.append((_("Checkpoint"), _("none signed yet")))
    else:
        covers = _("covers this head") if cp["size"] <= basis.head.size else _("beyond this cut")
        rows.append(
            (
                _("Checkpoint"),
                _("{origin} at size {size}, root {root} ({covers})").format(
                    origin=cp["origin"], size=cp["size"], root=cp["root"], covers=covers
                ),
            )
        )
    if rulepack and basis.rulepack is not None:
        rows.append((_("Rule pack"), basis.rulepack))
    rows.append(
        (_("Versions"), ", ".join(f"{name} {v}" for name, v in sorted(basis.versions.items())))
    )
    return rows


#: The width a text report keeps to (a terminal of 100 columns).
WIDTH = 100


def basis_lines(
    basis: Basis, *, indent: int = 0, cut: bool = False, rulepack: bool = False
) -> Iterator[str]:
    """The basis as `Label: value` lines, in the command line's language; rows that
    fit together in one line of :data:`WIDTH` columns share it (`; ` between them),
    so that the header stays short enough for a report to fit one screen."""
    _ = translator(i18n.language())
    line = ""
    for label, value in basis_rows(basis, _, cut=cut, rulepack=rulepack):
        row = f"{label}: {value}"
        if line and indent + len(line) + 2 + len(row) <= WIDTH:
            line = f"{line}; {row}"
            continue
        if line:
            yield " " * indent + line
        line = row
    if line:
        yield " " * indent + line


def basis_json(basis: Basis | None) -> dict[str, Any]:
    """The member a JSON document adds for its basis, after its as_of, known_at and
    rulepack: `basis` (`Basis.to_json()`: as_of, known_at, log {size, position,
    hash}, checkpoint {origin, size, root} or null, rulepack, versions), as a case
    bundle's findings.json carries it (docs/bundle.md); nothing without a basis."""
    if basis is None:
        return {}
    return {"basis": basis.to_json()}
