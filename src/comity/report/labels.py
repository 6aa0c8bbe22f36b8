"""The words of the HTML report and the calendar export, in English and Spanish.

Every label goes through one gettext function, `_ = translator(lang)`, whose message
ids are the English text, from the same catalog as every other message of comity
(`comity/i18n/locale/LANG/LC_MESSAGES/comity.po`, read by Babel: :mod:`comity.i18n`).
The report takes its language as an argument rather than from the command line's
context, so that one process can render a report in each language.

Labels written inside a `_()` call (here, in the renderers and in the templates) are
found by extraction (`python -m comity.i18n.extract`). The words a renderer picks at
run time from a value (an asset's state, an asset type, a request's outcome) are
marked once in :data:`WORDS`, so that extraction finds them too; `tests/i18n/` checks
that every message extracted has its Spanish and that the catalog holds nothing else.

The Spanish is the legal Spanish of Latin American prosecutors: *orden de
congelamiento*, *decomiso*, *solicitud de asistencia judicial recíproca*; citations
of the law are never translated (they stay as published).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from comity import i18n
from comity.i18n import N_

__all__ = ["LANGUAGES", "WORDS", "Translate", "catalog", "translator"]

#: The languages the report and the calendar are written in; the first is the default.
LANGUAGES = i18n.LANGUAGES

Translate = Callable[[str], str]

#: The labels a renderer looks up from a value rather than writing them in a call: the
#: severities and statuses of findings, the kinds of marks on the timeline, the states
#: of an asset, asset types, request outcomes and kinds of proceeding, in words.
WORDS = (
    N_("critical"),
    N_("warning"),
    N_("info"),
    N_("open"),
    N_("missed"),
    N_("resolved"),
    N_("event"),
    N_("order"),
    N_("request"),
    N_("deadline"),
    N_("transfer"),
    N_("frozen"),
    N_("seized"),
    N_("confiscated"),
    N_("confiscation ordered"),
    N_("returned"),
    N_("bank account"),
    N_("real estate"),
    N_("vehicle"),
    N_("vessel"),
    N_("aircraft"),
    N_("company shares"),
    N_("securities"),
    N_("virtual asset"),
    N_("cash"),
    N_("other"),
    N_("granted"),
    N_("partially granted"),
    N_("refused"),
    N_("postponed"),
    N_("criminal"),
    N_("civil"),
)


def catalog(lang: str) -> Mapping[str, str]:
    """The translations of `lang` of messages without a context, by English id (English:
    none, the ids are English); for tests and tools that ask what a label reads."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; expected one of {', '.join(LANGUAGES)}")
    return i18n.translations(lang)


def translator(lang: str) -> Translate:
    """`_(message_id)` in `lang`: the translation, or the English id if there is none."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; expected one of {', '.join(LANGUAGES)}")
    return i18n.catalog(lang).gettext
