"""`comity serve`: the HTTP service over the store (see docs/service.md).

The service is an ASGI application (:mod:`comity.service`) run by uvicorn. TLS is
uvicorn's: `--ssl-certfile` and `--ssl-keyfile` (the key's passphrase from the
environment variable COMITY_SSL_KEYFILE_PASSWORD, never an option, so that it is not
in the process list); or run it behind a reverse proxy that terminates TLS. Tokens
come only in the Authorization header, which no log line shows.
"""

from __future__ import annotations

import os

import click

from comity.cli import Context, pass_context
from comity.errors import InvalidInput
from comity.events.store.url import parse_store_url

__all__ = ["COMMANDS"]


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8080, show_default=True, help="The port."
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Server processes; each has its own threads and store connections.",
)
@click.option(
    "--threads",
    type=click.IntRange(min=1, max=256),
    default=8,
    show_default=True,
    help="Worker threads per process; each holds its own store connections (up to five "
    "on PostgreSQL: size max_connections for threads x workers x 5).",
)
@click.option(
    "--max-body-bytes",
    type=click.IntRange(min=1024),
    default=8 << 20,
    show_default=True,
    help="The largest request body accepted (413 beyond).",
)
@click.option(
    "--max-batch",
    type=click.IntRange(min=1),
    default=10_000,
    show_default=True,
    help="The most events one append may hold (413 beyond).",
)
@click.option(
    "--request-timeout",
    type=click.FloatRange(min=0.1),
    default=30.0,
    show_default=True,
    metavar="SECONDS",
    help="How long a request may take: 408 for a body not received, 503 for a read "
    "not answered (an append once received is always finished).",
)
@click.option(
    "--watch/--no-watch",
    default=True,
    show_default=True,
    help="Keep the findings store current in the service (or run `comity watch` apart).",
)
@click.option("--ssl-certfile", type=click.Path(dir_okay=False), help="TLS certificate (PEM).")
@click.option("--ssl-keyfile", type=click.Path(dir_okay=False), help="TLS private key (PEM).")
@click.option(
    "--log-level",
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
    default="info",
    show_default=True,
)
@pass_context
def serve(
    context: Context,
    host: str,
    port: int,
    workers: int,
    threads: int,
    max_body_bytes: int,
    max_batch: int,
    request_timeout: float,
    watch: bool,
    ssl_certfile: str | None,
    ssl_keyfile: str | None,
    log_level: str,
) -> None:
    """Serve the store over HTTP: appends, findings, a stream of changes, OpenAPI.

    Clients authenticate with bearer tokens (`comity token add`). The endpoints are
    described at /openapi.json; docs/service.md shows them with curl. SIGTERM or
    Ctrl-C stops the service, finishing the requests under way.
    """
    try:
        import uvicorn

        from comity.service.asgi import ENV, settings_to_env
        from comity.service.runtime import Settings
    except ImportError:
        raise InvalidInput(
            "comity serve needs the serve extra: pip install 'comity[serve]'"
        ) from None
    if parse_store_url(context.url).kind == "memory":
        raise InvalidInput(
            "--store memory: cannot be served (each worker would hold a log of its own); "
            "give an SQLite file or a PostgreSQL URL"
        )
    if (ssl_certfile is None) != (ssl_keyfile is None):
        raise InvalidInput("--ssl-certfile and --ssl-keyfile go together")
    context.log  # noqa: B018 - the store must exist (`comity init`): refuse before listening
    context.pack  # noqa: B018 - and the rule pack load
    _archive(context)
    context.close()
    settings = Settings(
        store_url=context.url,
        rule_dirs=context.rule_dirs,
        max_body_bytes=max_body_bytes,
        max_batch=max_batch,
        request_timeout=request_timeout,
        threads=threads,
        watch=watch,
    )
    os.environ[ENV] = settings_to_env(settings)
    scheme = "https" if ssl_certfile else "http"
    click.echo(
        f"comity serve: {context.where} at {scheme}://{host}:{port} "
        f"({workers} process{'es' if workers != 1 else ''}); Ctrl-C stops",
        err=True,
    )
    uvicorn.run(
        "comity.service.asgi:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        ssl_certfile=ssl_certfile,
        ssl_keyfile=ssl_keyfile,
        ssl_keyfile_password=os.environ.get("COMITY_SSL_KEYFILE_PASSWORD"),
        timeout_graceful_shutdown=5,
        server_header=False,
        proxy_headers=False,
    )


def _archive(context: Context) -> None:
    """Archive the rule pack the service answers with, before it listens (each worker
    checks again as it starts: :meth:`comity.service.runtime.Runtime.archive_pack`), so
    that a store that cannot take it is refused here, in one line, with `--no-watch`
    as without it."""
    from comity.errors import NotRecorded, StoreReadOnly
    from comity.findings import FindingsStore, archive_pack

    try:
        with FindingsStore.of(context.log, create=True) as store:
            archive_pack(store, context.pack, context.rule_dirs)
    except StoreReadOnly as exc:
        raise NotRecorded(
            f"{context.where}: the service's rule pack could not be archived ({exc}); the "
            "service records every read and so needs a store comity can write to"
        ) from None


COMMANDS = (serve,)
