"""The languages comity speaks to people: English (the default) and Spanish.

Two mechanisms, each where its readers are:

- The words of the reports and errors (labels, counts, dates in words) are gettext
  messages. The catalogs are the `.po` files under `locale/` in the repository, read
  at run time by Babel (:func:`babel.messages.pofile.read_po`) and compiled in memory,
  so there is no build step and no compiled file to keep in step: `pip install -e .`
  and a wheel carry the `.po` files as package data.
- A rule's title and message are written in the rule file itself, beside the English
  (`title_es`, `message_es`), so that a lawyer reviews both in one place and a user's
  own rule pack can carry its own Spanish; see :mod:`comity.i18n.rules`.

The language is a context variable (:func:`use`): the command line sets it once per
command from `--lang`, `COMITY_LANG` or the locale (:func:`choose`). English is the
text as written in the source, so English output never goes through a catalog and
Babel is only imported when another language is asked for. Programs read the JSON
documents, which stay in English whatever the language (docs/cli.md).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import gettext as _gettext
import io
import os
from collections.abc import Iterator, Mapping
from importlib import resources
from typing import Any

__all__ = [
    "DEFAULT",
    "LANGUAGES",
    "N_",
    "catalog",
    "choose",
    "gettext",
    "language",
    "ngettext",
    "pgettext",
    "translations",
    "use",
]

#: The languages comity speaks; the first is the default and the source text.
LANGUAGES = ("en", "es")
DEFAULT = LANGUAGES[0]

_current: contextvars.ContextVar[str] = contextvars.ContextVar("comity_language", default=DEFAULT)


def language() -> str:
    """The language of what is being rendered now."""
    return _current.get()


@contextlib.contextmanager
def use(lang: str) -> Iterator[str]:
    """Render in `lang` inside the block (a language comity does not speak is English)."""
    token = _current.set(lang if lang in LANGUAGES else DEFAULT)
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def _from_locale(environ: Mapping[str, str]) -> str | None:
    """The language of the POSIX locale variables, in the order gettext reads them."""
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if not value:
            continue
        # LANGUAGE may list several (es_PA:es:en); the others are one locale name.
        for part in value.split(":"):
            code = part.split(".")[0].split("@")[0].split("_")[0].lower()
            if code in LANGUAGES:
                return code
            if code and code not in ("c", "posix"):
                return None
        return None
    return None


def choose(option: str | None, environ: Mapping[str, str] | None = None) -> str:
    """`--lang`, else COMITY_LANG, else the locale's language if comity speaks it, else
    English. An unknown COMITY_LANG is English (the option itself is checked by click)."""
    env = os.environ if environ is None else environ
    if option:
        return option if option in LANGUAGES else DEFAULT
    wanted = env.get("COMITY_LANG", "").strip().lower()
    if wanted:
        return wanted if wanted in LANGUAGES else DEFAULT
    return _from_locale(env) or DEFAULT


@functools.cache
def _parsed(lang: str) -> Any:
    """`lang`'s `.po` file as Babel reads it (a `babel.messages.Catalog`)."""
    from babel.messages.pofile import read_po

    source = resources.files("comity.i18n") / "locale" / lang / "LC_MESSAGES" / "comity.po"
    with source.open("rb") as handle:
        return read_po(handle, locale=lang, domain="comity")


@functools.cache
def catalog(lang: str) -> _gettext.NullTranslations:
    """The compiled catalog of `lang` (English: the identity)."""
    if lang == DEFAULT:
        return _gettext.NullTranslations()
    from babel.messages.mofile import write_mo

    compiled = io.BytesIO()
    write_mo(compiled, _parsed(lang), use_fuzzy=False)  # a fuzzy entry is not a translation yet
    compiled.seek(0)
    return _gettext.GNUTranslations(compiled)


def translations(lang: str) -> dict[str, str]:
    """`{English id: translation}` of `lang`'s messages that have neither a context nor a
    plural (English: none), for tools and tests that ask what a label reads."""
    if lang == DEFAULT:
        return {}
    return {
        str(m.id): str(m.string)
        for m in _parsed(lang)
        if m.id and isinstance(m.id, str) and m.context is None and m.string and not m.fuzzy
    }


def N_(message: str) -> str:
    """Mark `message` for the catalogs where it is written, untranslated: a label kept
    in a table or a tuple is looked up later by whoever renders it, but extraction
    (:mod:`comity.i18n.extract`) only sees messages written inside a call."""
    return message


def gettext(message: str) -> str:
    """`message` in the current language (itself if not translated)."""
    lang = _current.get()
    return message if lang == DEFAULT else catalog(lang).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of `singular`/`plural` for `n`, in the current language."""
    lang = _current.get()
    if lang == DEFAULT:
        return singular if n == 1 else plural
    return catalog(lang).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """`message` in the current language, told apart by `context` (a code's field)."""
    lang = _current.get()
    return message if lang == DEFAULT else catalog(lang).pgettext(context, message)
