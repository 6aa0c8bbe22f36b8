"""Store URLs: which backend a name means, and how to show it without its secrets.

Users name a store with a URL-like string (`--store`, `COMITY_STORE`, `copy SRC DST`,
`open_log(url)`): a file path or `sqlite:///path` for SQLite, `postgresql://...` (or
`postgres://...`) for a PostgreSQL server, `memory:` for a log that lives in the
process. A PostgreSQL URL may carry a password, in its user part or as a `password=`
(or `sslpassword=`) parameter; comity shows such a URL only through :func:`redact_url`,
in every message, so that the password never reaches a terminal, a log file or a CI
transcript.

The redaction works on the text as typed, not on a parsed and re-assembled URL: it
never fails (a URL that does not parse still has its secrets hidden), it keeps every
other character as the user wrote it, and where a URL is ambiguous (an unencoded `@`,
`/` or `?` in a password) it hides more rather than less, whichever way libpq reads it.
"""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import unquote, unquote_plus

import attrs

from comity.errors import StoreUnavailable

__all__ = [
    "MEMORY_URLS",
    "POSTGRES_SCHEMES",
    "SECRET",
    "StoreUrl",
    "describe_store",
    "is_secret_parameter",
    "parse_store_url",
    "redact_url",
    "scrub",
]

#: The names of the in-memory log.
MEMORY_URLS = ("memory:", ":memory:")
#: The prefixes of a PostgreSQL (libpq) URL.
POSTGRES_SCHEMES = ("postgresql://", "postgres://")
_SQLITE_PREFIX = "sqlite:///"
#: What a hidden secret is shown as.
SECRET = "***"
#: Words that make a query parameter a secret: libpq's `password` and `sslpassword`,
#: and whatever a driver or proxy may add (`auth_token`, `client_secret`, ...).
_SECRET_WORDS = ("password", "passwd", "secret", "token")

Kind = Literal["memory", "sqlite", "postgresql"]


def is_secret_parameter(name: str) -> bool:
    """Whether a URL query parameter named `name` holds a secret."""
    key = unquote_plus(name).strip().lower()
    return any(word in key for word in _SECRET_WORDS)


@attrs.frozen
class StoreUrl:
    """A store name, read: the backend it means and, for SQLite, the file.

    `url` is the text as given, secrets included, for connecting; it is left out of the
    repr so that a StoreUrl in a traceback or a debugger shows only :attr:`shown`.
    """

    kind: Kind
    url: str = attrs.field(repr=False)
    path: str = ""  # the SQLite file; "" for the other kinds

    @property
    def shown(self) -> str:
        """How to show the store to a user: see :func:`describe_store`."""
        return describe_store(self.url)

    def __repr__(self) -> str:
        return f"StoreUrl(kind={self.kind!r}, shown={self.shown!r})"


def parse_store_url(url: str) -> StoreUrl:
    """Read a store name; an unknown `scheme://` is StoreUnavailable (redacted)."""
    if url in MEMORY_URLS:
        return StoreUrl("memory", url)
    if url.startswith(POSTGRES_SCHEMES):
        return StoreUrl("postgresql", url)
    path = url.removeprefix(_SQLITE_PREFIX)
    if "://" in path:
        raise StoreUnavailable(
            f"{redact_url(url)}: unknown store; "
            "use a file path, sqlite:///path, postgresql://... or memory:"
        )
    return StoreUrl("sqlite", url, path=path)


def describe_store(url: str) -> str:
    """How to show a store to a user: the absolute path of a file, else the URL redacted."""
    from pathlib import Path

    if url in MEMORY_URLS:
        return url
    path = url.removeprefix(_SQLITE_PREFIX)
    if "://" in path:
        return redact_url(url)
    return str(Path(path).absolute())


def redact_url(url: str) -> str:
    """`url` with every secret replaced by `***`; everything else as written.

    Hidden: the password of the user part (`user:***@host`) and the value of every
    query parameter that names a secret (`password=***`, `sslpassword=***`).
    """
    shown, end = [], 0
    for start, stop in _secret_spans(url):
        shown += [url[end:start], SECRET]
        end = stop
    return "".join([*shown, url[end:]])


def scrub(text: str, url: str) -> str:
    """`text` (say, a driver's error message) without any secret that `url` carries.

    A driver may quote the password back, decoded or not; every form of every secret in
    `url` is replaced by `***`.
    """
    secrets: set[str] = set()
    for start, stop in _secret_spans(url, merge=False):
        secret = url[start:stop]
        secrets.update((secret, unquote(secret), unquote_plus(secret)))
    secrets.discard("")
    if not secrets:
        return text
    # One pass, longest first, so that a `***` put in is never matched again.
    pattern = "|".join(map(re.escape, sorted(secrets, key=len, reverse=True)))
    return re.sub(pattern, SECRET, text)


#: An `@` followed by what can only be a host list and then a path: the end of a user
#: part whose password holds an unencoded `/`, `?` or `#`.
_LATE_USER_END = re.compile(r"@[\w.\-\[\]:,%]*/")


def _secret_spans(url: str, *, merge: bool = True) -> list[tuple[int, int]]:
    """Where the secrets of `url` are, as (start, stop) ranges; sorted and disjoint
    with `merge`, else each secret on its own."""
    scheme_end = url.find("://")
    if scheme_end < 0:
        return []
    base = scheme_end + 3
    spans = []
    password = _password_span(url[base:])
    if password is not None:
        spans.append((base + password[0], base + password[1]))
    query = url.find("?", base)
    if query >= 0:
        at = query + 1
        for pair in url[at:].split("&"):
            name, equals, _ = pair.partition("=")
            if equals and is_secret_parameter(name):
                spans.append((at + len(name) + 1, at + len(pair)))
            at += len(pair) + 1
    spans = sorted(s for s in spans if s[0] < s[1])
    if not merge:
        return spans
    merged: list[tuple[int, int]] = []
    for start, stop in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(stop, merged[-1][1]))
        else:
            merged.append((start, stop))
    return merged


def _password_span(rest: str) -> tuple[int, int] | None:
    """Where the password of the user part of `rest` (the URL after `://`) is.

    In a well-formed URL the user part ends at the last `@` of the authority (which
    ends at the first `/`, `?` or `#`). A password holding one of those unencoded ends
    the authority early; that shows as an `@` later on, in the path or followed by a
    host and a `/`, and then the user part is taken to end at the last `@` of all.
    Either way an ambiguous URL has more hidden, never less.
    """
    end = min((i for i in map(rest.find, "/?#") if i >= 0), default=len(rest))
    tail = rest[end:]
    path = tail.split("?", 1)[0]
    late = "@" in path or _LATE_USER_END.search(tail) is not None
    at = rest.rfind("@") if late else rest.rfind("@", 0, end)
    colon = rest.find(":", 0, at) if at >= 0 else -1
    return (colon + 1, at) if colon >= 0 else None
