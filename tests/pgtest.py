"""PostgreSQL for the tests: a fresh database per test session, a fresh schema per store.

The server is the one `COMITY_TEST_PG` names (default: the local server as `postgres`).
The `pg_database` fixture creates a uniquely named database on it and drops it at the
end of the session; `pg_database.new_url()` creates a fresh schema in that database and
returns a store URL whose `search_path` puts the store there, which is much faster than
a database per test.

If the server cannot be reached the PostgreSQL tests are skipped with the reason, except
under CI (the environment variable `CI` is set), where they fail: CI must never pass
with the PostgreSQL backend silently untested.

Import the fixture into a conftest or test module: `from pgtest import pg_database`.
"""

from __future__ import annotations

import itertools
import os
import secrets
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
import pytest

from comity.events.store.url import redact_url

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def server_url() -> str:
    return os.environ.get("COMITY_TEST_PG") or DEFAULT_SERVER


def with_database(url: str, dbname: str, **params: str) -> str:
    """`url` naming another database, with extra query parameters."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    query.extend(params.items())
    return urlunsplit(parts._replace(path=f"/{dbname}", query=urlencode(query)))


def unavailable(reason: str) -> None:
    """Skip, or under CI fail: the PostgreSQL tests must not silently vanish from CI."""
    if os.environ.get("CI"):
        pytest.fail(f"CI is set and the PostgreSQL server is needed: {reason}", pytrace=False)
    pytest.skip(reason)


class PgDatabase:
    """One test database; `new_url()` gives a store URL in a fresh schema of it."""

    def __init__(self, admin_url: str, name: str) -> None:
        self.admin_url = admin_url
        self.name = name
        self.url = with_database(admin_url, name)
        self._schemas = itertools.count(1)
        self._conn = psycopg.connect(self.url, autocommit=True)

    def new_schema(self, prefix: str = "s") -> str:
        schema = f"{prefix}{next(self._schemas)}"
        self._conn.execute(f'CREATE SCHEMA "{schema}"')
        return schema

    def schema_url(self, schema: str) -> str:
        return with_database(self.admin_url, self.name, options=f"-csearch_path={schema}")

    def new_url(self) -> str:
        """A URL naming an empty, fresh schema: a store that does not exist yet."""
        return self.schema_url(self.new_schema())

    def execute(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        cur = self._conn.execute(sql, params)
        return cur.fetchall() if cur.description else []

    def close(self) -> None:
        self._conn.close()


def create_database(admin_url: str) -> PgDatabase:
    try:
        admin = psycopg.connect(admin_url, autocommit=True, connect_timeout=5)
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        unavailable(f"no PostgreSQL server at COMITY_TEST_PG={redact_url(admin_url)}: {reason}")
        raise  # pragma: no cover - unavailable() raised
    # Named after the server URL's database when that is a comity one (.ci/run makes one
    # per run and drops `<it>_t*` afterwards, even if this process dies).
    base = urlsplit(admin_url).path.lstrip("/")
    prefix = base if base.startswith("comity_") and len(base) <= 40 else "comity_test"
    name = f"{prefix}_t{os.getpid()}_{secrets.token_hex(4)}"
    with admin:
        admin.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")
    return PgDatabase(admin_url, name)


def drop_database(database: PgDatabase) -> None:
    database.close()
    with psycopg.connect(database.admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database.name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_database() -> Iterator[PgDatabase]:
    """A fresh database on the test server for this session, dropped at the end."""
    database = create_database(server_url())
    try:
        yield database
    finally:
        drop_database(database)


@pytest.fixture
def pg_url(pg_database: PgDatabase) -> str:
    """A store URL in a fresh schema; the store does not exist until `init` or open."""
    return pg_database.new_url()
