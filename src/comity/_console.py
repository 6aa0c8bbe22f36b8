"""The console script `comity`: its first code, run before the command line is imported.

Importing the command line takes a second or more (click, the rule engine, the stores
and their drivers). A Ctrl-C in that second ended in a KeyboardInterrupt traceback from
the import machinery and death by the signal, not the documented exit 130: nothing of
comity ran yet to catch it. This module imports only the standard library (the package
`comity` imports its names on first use), so the import of the command line can be
guarded here; inside a command, :class:`comity.cli.ComityGroup` does the same.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

__all__ = ["INTERRUPTED", "interrupted", "main"]

#: The exit code of a command interrupted by Ctrl-C (SIGINT): 128 + 2, as shells use.
INTERRUPTED = 130


def interrupted(lang: str | None = None) -> str:
    """The one line a Ctrl-C prints, in the command's language (`--lang`, else the
    environment's)."""
    from comity import i18n

    with i18n.use(i18n.choose(lang)):
        return "Error: " + i18n.gettext(
            "interrupted (Ctrl-C); an append cut short stored nothing, "
            "so the command can be run again"
        )


def _lang_option(argv: Sequence[str]) -> str | None:
    """`--lang` as given before the command (`comity --lang es ...`), if it is."""
    for n, arg in enumerate(argv):
        if arg == "--lang" and n + 1 < len(argv):
            return argv[n + 1]
        if arg.startswith("--lang="):
            return arg.partition("=")[2]
    return None


def main() -> None:
    """Import the command line, then run it; a Ctrl-C while importing is exit 130."""
    try:
        from comity.cli import main as command
    except KeyboardInterrupt:
        print(interrupted(_lang_option(sys.argv[1:])), file=sys.stderr)
        sys.exit(INTERRUPTED)
    command()
