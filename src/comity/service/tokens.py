"""Bearer tokens of the HTTP service, kept as hashes beside the log.

A token is 256 random bits (``cmty_`` and 43 URL-safe characters), shown once when it
is made and never stored: the store holds its SHA-256, which is enough for a secret of
that entropy (a slow password hash guards guessable secrets; nothing here is
guessable). A token carries one or more roles and a name, the actor every read it
makes is recorded under. A revoked token is kept (its name is not given out again) so
that an actor in the disclosure record always names one token.

Refused requests (401 and 403) are kept in a table of their own, `service_refusals`,
not in the disclosure record: nothing was disclosed, and an unauthenticated client
should not be able to grow the auditor's chain. `comity token refusals` lists them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Iterable, Sequence

import attrs

from comity.errors import InvalidInput
from comity.events.store._tables import Migration, SideTables, open_side_tables
from comity.events.store.url import redact_url
from comity.events.time import format_instant

__all__ = [
    "ROLES",
    "Refusal",
    "Token",
    "TokenStore",
    "hash_token",
    "open_tokens",
]

LAYER = "service"
#: What each role may do; a token may hold several roles.
ROLES = ("writer", "reader", "auditor", "admin")
PREFIX = "cmty_"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
#: Refusals kept at most; older ones are dropped first (a flood cannot fill the disk).
MAX_REFUSALS = 100_000

MIGRATIONS = (
    Migration(
        sqlite=(
            "CREATE TABLE service_tokens (name TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE,"
            " roles TEXT NOT NULL, created_at TEXT NOT NULL, revoked_at TEXT)",
            "CREATE TABLE service_refusals (id INTEGER PRIMARY KEY, at TEXT NOT NULL,"
            " status INTEGER NOT NULL, method TEXT NOT NULL, path TEXT NOT NULL,"
            " actor TEXT, client TEXT, reason TEXT NOT NULL)",
        ),
        postgres=(
            "CREATE TABLE service_tokens (name TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE,"
            " roles TEXT NOT NULL, created_at TEXT NOT NULL, revoked_at TEXT)",
            "CREATE TABLE service_refusals (id BIGSERIAL PRIMARY KEY, at TEXT NOT NULL,"
            " status INTEGER NOT NULL, method TEXT NOT NULL, path TEXT NOT NULL,"
            " actor TEXT, client TEXT, reason TEXT NOT NULL)",
        ),
    ),
)


def hash_token(token: str) -> str:
    """What the store keeps of a token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _now() -> str:
    return format_instant(dt.datetime.now(dt.UTC), timespec="microseconds")


@attrs.frozen(kw_only=True)
class Token:
    """A token as stored: never the secret itself."""

    name: str
    roles: tuple[str, ...]
    created_at: str
    revoked_at: str | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@attrs.frozen(kw_only=True)
class Refusal:
    """A request refused with 401 or 403."""

    id: int
    at: str
    status: int
    method: str
    path: str
    actor: str | None
    client: str | None
    reason: str


def check_roles(roles: Iterable[str]) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(roles))
    if not chosen:
        raise InvalidInput(f"--role: give at least one of {', '.join(ROLES)}")
    bad = [r for r in chosen if r not in ROLES]
    if bad:
        raise InvalidInput(f"--role: unknown role {bad[0]!r}; one of {', '.join(ROLES)}")
    return tuple(r for r in ROLES if r in chosen)


class TokenStore:
    """The service's tables of one store."""

    def __init__(self, tables: SideTables) -> None:
        self._t = tables
        self.where = tables.where

    def close(self) -> None:
        self._t.close()

    def add(self, name: str, roles: Sequence[str]) -> str:
        """Make a token; returns the secret, which is not kept and cannot be shown again."""
        if not _NAME.fullmatch(name):
            raise InvalidInput(
                f"{name!r}: a token name is 1-64 letters, digits, '.', '_', '@' or '-', "
                "starting with a letter or digit"
            )
        chosen = check_roles(roles)
        secret = PREFIX + secrets.token_urlsafe(32)
        with self._t.transaction() as cur:
            if cur.execute("SELECT revoked_at FROM service_tokens WHERE name = ?", (name,)):
                raise InvalidInput(
                    f"{name!r}: a token of this name exists or existed (names stay with the "
                    "reads recorded under them); choose another name"
                )
            cur.execute(
                "INSERT INTO service_tokens (name, hash, roles, created_at) VALUES (?, ?, ?, ?)",
                (name, hash_token(secret), ",".join(chosen), _now()),
            )
        return secret

    def all(self) -> list[Token]:
        rows = self._t.query(
            "SELECT name, roles, created_at, revoked_at FROM service_tokens ORDER BY name"
        )
        return [
            Token(name=r[0], roles=tuple(r[1].split(",")), created_at=r[2], revoked_at=r[3])
            for r in rows
        ]

    def revoke(self, name: str) -> bool:
        """Revoke `name`; False if it was already revoked. Unknown names are bad input."""
        with self._t.transaction() as cur:
            rows = cur.execute("SELECT revoked_at FROM service_tokens WHERE name = ?", (name,))
            if not rows:
                raise InvalidInput(f"{name!r}: no such token; `comity token list` shows them")
            if rows[0][0] is not None:
                return False
            cur.execute("UPDATE service_tokens SET revoked_at = ? WHERE name = ?", (_now(), name))
        return True

    def lookup(self, secret: str) -> Token | None:
        """The active token whose secret this is, or None."""
        rows = self._t.query(
            "SELECT name, roles, created_at, revoked_at FROM service_tokens "
            "WHERE hash = ? AND revoked_at IS NULL",
            (hash_token(secret),),
        )
        if not rows:
            return None
        r = rows[0]
        return Token(name=r[0], roles=tuple(r[1].split(",")), created_at=r[2], revoked_at=r[3])

    def refuse(
        self,
        *,
        status: int,
        method: str,
        path: str,
        actor: str | None,
        client: str | None,
        reason: str,
    ) -> None:
        """Record a refused request (the oldest beyond MAX_REFUSALS are dropped)."""
        with self._t.transaction() as cur:
            cur.execute(
                "INSERT INTO service_refusals (at, status, method, path, actor, client, reason) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (_now(), status, method, path[:1000], actor, client, reason),
            )
            cur.execute(
                "DELETE FROM service_refusals WHERE id <= "
                "(SELECT MAX(id) FROM service_refusals) - ?",
                (MAX_REFUSALS,),
            )

    def refusals(self, *, limit: int = 100) -> list[Refusal]:
        """The most recent refusals, oldest first."""
        rows = self._t.query(
            "SELECT id, at, status, method, path, actor, client, reason FROM service_refusals "
            "ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [
            Refusal(
                id=int(r[0]),
                at=r[1],
                status=int(r[2]),
                method=r[3],
                path=r[4],
                actor=r[5],
                client=r[6],
                reason=r[7],
            )
            for r in reversed(rows)
        ]


def open_tokens(url: str, where: str | None = None) -> TokenStore:
    """The service's tables of the store `url` (which must exist), created on first use."""
    return TokenStore(open_side_tables(url, where or redact_url(url), LAYER, MIGRATIONS))
