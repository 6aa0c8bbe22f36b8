"""Fixtures of the service tests: a store per backend with tokens of every role, and a
live server over it (see tests/live.py)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from comity.events import open_log, parse_jsonl
from live import Live, Server, make_tokens
from pgtest import PgDatabase, pg_database  # noqa: F401 - the session's PostgreSQL database

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "quickstart.jsonl"


@pytest.fixture(params=BACKENDS, scope="module")
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def new_store(
    backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[], str]:
    """`new_store()`: the URL of a fresh, initialised store of this test's backend."""
    database: PgDatabase | None = (
        request.getfixturevalue("pg_database") if backend == "postgres" else None
    )

    def make() -> str:
        if database is not None:
            url = database.new_url()
        else:
            url = f"{tempfile.mkdtemp(dir=tmp_path_factory.mktemp('store'))}/comity.db"
        log = open_log(url, create=True)
        log.close()
        return url

    return make


@pytest.fixture(scope="module")
def servers(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., Server]]:
    """`servers(store, extra=...)` starts a server; every one is stopped at the end (of
    the module's tests on this backend: it depends on `backend`, so that the servers of
    one backend are gone before the next one's start)."""
    made: list[Server] = []

    def start(store: str, *, extra: tuple[str, ...] = (), ready: bool = True) -> Server:
        if backend == "postgres":
            # Each thread holds up to five connections, and the test server is shared
            # with the other test sessions: a few threads are enough here.
            extra = ("--threads", "4", *extra)
        server = Server(store, tmp_path_factory.mktemp("logs"), extra=extra)
        made.append(server)
        return server.start(ready=ready)

    yield start
    for server in made:
        server.stop()


@pytest.fixture(scope="module")
def live(new_store: Callable[[], str], servers: Callable[..., Server]) -> Live:
    store = new_store()
    log = open_log(store)
    with EXAMPLE.open("rb") as lines:
        log.append(parse_jsonl(lines, source=str(EXAMPLE)))
    log.close()
    tokens = make_tokens(store)
    return Live(servers(store), tokens)
