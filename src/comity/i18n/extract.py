"""Keeping the catalogs in step with the source: `python -m comity.i18n.extract`.

It extracts every message of `src/comity` with Babel (`_`, `gettext`, `ngettext`,
`pgettext`, the `N_` marks of labels kept in tables, the `coded(field, value)` marks
of :mod:`comity.report._coded`, and the `_()` calls of the HTML report's templates) and
merges them into each language's `.po` (Babel's own `Catalog.update`, as `pybabel
update` does): a new message arrives untranslated, a changed one fuzzy (shown in
English until a translator confirms it), a removed one obsolete and then dropped
(`obsolete` entries are not kept: the catalog holds what the source says and nothing
else). `tests/i18n/test_i18n.py` fails while any message lacks a translation or the
catalog holds an entry the source no longer has. Needs Babel (a dependency of comity).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

__all__ = ["KEYWORDS", "METHODS", "extract", "main", "update"]

PACKAGE = Path(__file__).resolve().parents[1]
LOCALE = Path(__file__).resolve().parent / "locale"

#: Babel keyword specifications: which calls hold messages, and which argument is what.
KEYWORDS: dict[str, Any] = {
    "_": None,
    "N_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "coded": ((1, "c"), 2),
}


#: Which files hold messages, and how to read them: the Python source, and the HTML
#: report's Jinja2 templates (Jinja2's own Babel extractor reads their `_()` calls).
METHODS = [("**.py", "python"), ("**/templates/**.j2", "jinja2.ext:babel_extract")]


def extract() -> Any:
    """The template catalog of every message in the package's source."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir

    template = Catalog(project="comity", domain="comity", fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
        str(PACKAGE), method_map=METHODS, keywords=KEYWORDS
    ):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def update(lang: str) -> Path:
    """Merge the source's messages into `lang`'s catalog; returns its path."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    path = LOCALE / lang / "LC_MESSAGES" / "comity.po"
    if path.exists():
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=lang, domain="comity")
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        catalog = Catalog(locale=lang, domain="comity", project="comity")
    catalog.update(extract(), no_fuzzy_matching=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, include_lineno=False, ignore_obsolete=True)
    return path


def main() -> None:
    from comity.i18n import LANGUAGES

    for lang in sys.argv[1:] or LANGUAGES[1:]:
        print(update(lang))


if __name__ == "__main__":
    main()
