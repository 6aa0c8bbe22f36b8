"""Which characters an id may hold, and how untrusted text is shown.

Ids and the references between events (every field whose name ends in ``_id`` or
``_ids``) are matched, joined and printed in tables. A control or format character
in one (Unicode categories Cc, Cf, Zl, Zp: NUL, newline, carriage return, an ANSI
escape, BEL, DEL, U+2028, a right-to-left override, a zero-width space) could forge a
row of output, move the terminal's cursor, or make two ids look alike, so ids that
hold one are refused at input.

Ids must also be in Unicode normal form NFC. comity refuses a non-NFC id rather than
normalising it: the stored event is hashed as written, and a writer whose own record
holds the decomposed spelling must find the id it sent, byte for byte, in the log and
in every finding; refusing makes the writer normalise once, at the source, and two
spellings of one name can never be two events.

Free text (names, titles, grounds) may hold any character but NUL, which PostgreSQL
cannot store: both backends must accept the same events. Anything untrusted that is
printed as text goes through :func:`printable` first.
"""

from __future__ import annotations

import functools
import unicodedata

from comity.i18n import gettext as _

__all__ = [
    "FORBIDDEN_IN_IDS",
    "forbidden_class",
    "id_problem",
    "printable",
]

#: The Unicode categories an id may not contain.
FORBIDDEN_IN_IDS = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})


def _describe(char: str) -> str:
    name = unicodedata.name(char, "")
    code = f"U+{ord(char):04X}"
    return f"{code} {name}" if name else code


def id_problem(text: str) -> str | None:
    """What an id must be that `text` is not (`printable`, `in NFC`), and why; or None."""
    if text.isascii() and text.isprintable():
        return None  # the common case, and quick: no ASCII character is Cf, Zl or Zp
    for char in text:
        if unicodedata.category(char) in FORBIDDEN_IN_IDS:
            return _("printable (it holds {char}, a control or format character)").format(
                char=_describe(char)
            )
    if not unicodedata.is_normalized("NFC", text):
        return _("in Unicode NFC (normalise the id to NFC where it is made)")
    return None


@functools.cache
def forbidden_class() -> str:
    """The characters of FORBIDDEN_IN_IDS in the Basic Multilingual Plane, as a regex
    class body that ECMA-262 and Python's re read alike (``\\uXXXX`` ranges; neither
    category escapes nor astral ranges mean the same in both). The few format
    characters beyond U+FFFF (tags, some scripts' format controls) are refused by the
    codec only."""
    points = [
        c
        for c in range(0x10000)
        if unicodedata.category(chr(c)) in FORBIDDEN_IN_IDS and not 0xD800 <= c <= 0xDFFF
    ]
    runs: list[list[int]] = []
    for c in points:
        if runs and runs[-1][1] == c - 1:
            runs[-1][1] = c
        else:
            runs.append([c, c])
    return "".join(f"\\u{lo:04x}" if lo == hi else f"\\u{lo:04x}-\\u{hi:04x}" for lo, hi in runs)


_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    """`text` with every control, format or separator character shown as an escape
    (``\\n``, ``\\x1b``, ``\\u202e``), so that untrusted text cannot forge a line of
    output or reach the terminal as a command. Backslashes are doubled only when
    something was escaped, so that ordinary text prints unchanged."""
    if all(unicodedata.category(c) not in FORBIDDEN_IN_IDS for c in text):
        return text
    out: list[str] = []
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif unicodedata.category(char) in FORBIDDEN_IN_IDS:
            code = ord(char)
            out.append(f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)
