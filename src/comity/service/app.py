"""The ASGI application: routes, the findings watcher, and errors as problems.

`create_app(settings)` builds one Starlette application over one store. While it
runs, a thread of its own keeps the findings store current (a `comity watch` inside
the service; watchers of several processes agree on one leader), unless
`settings.watch` is off, for a deployment that runs `comity watch` apart. Either way
the service's rule pack is archived in the store when it starts.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import AsyncIterator

import anyio.to_thread
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from comity.service.problems import HttpProblem, problem_response
from comity.service.routes import ROUTES
from comity.service.runtime import Runtime, Settings

__all__ = ["create_app"]

log = logging.getLogger("comity.service")
#: How long a failed watcher waits before it starts again.
WATCH_RETRY_S = 2.0


def _watch(runtime: Runtime, stop: threading.Event) -> None:
    """Keep the findings store current until `stop`; a failure is logged and retried."""
    from comity.events import open_log
    from comity.findings import Watcher

    while not stop.is_set():
        try:
            log_ = open_log(runtime.settings.store_url, create=False)
            try:
                Watcher(
                    log_,
                    runtime.pack,
                    rule_dirs=runtime.settings.rule_dirs,
                    clock=runtime.clock,
                    stop=stop.is_set,
                ).run(once=False, interval=1.0)
            finally:
                log_.close()
        except Exception:
            log.exception("the findings watcher failed; starting it again")
            stop.wait(WATCH_RETRY_S)


async def _not_found(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if status == 405:
        problem = HttpProblem(
            405,
            "method-not-allowed",
            "Method not allowed",
            f"{request.method} is not "
            f"allowed on {request.url.path}; GET /openapi.json lists what is",
        )
    else:
        problem = HttpProblem(
            404,
            "not-found",
            "Not found",
            f"no endpoint {request.url.path}; GET /openapi.json lists the endpoints",
        )
    return problem_response(problem, request.url.path)


def create_app(settings: Settings, *, runtime: Runtime | None = None) -> Starlette:
    """The service over `settings.store_url` (the store must exist: `comity init`)."""
    runtime = runtime or Runtime(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        runtime.pack  # noqa: B018 - a broken rule pack fails the start, not a request
        await anyio.to_thread.run_sync(runtime.archive_pack)  # its digest can be exported
        stop = threading.Event()
        watcher = None
        if settings.watch:
            watcher = threading.Thread(
                target=_watch, args=(runtime, stop), name="comity-watch", daemon=True
            )
            watcher.start()
        try:
            yield
        finally:
            stop.set()
            runtime.stopping.set()
            if watcher is not None:
                watcher.join(timeout=10)

    app = Starlette(
        routes=ROUTES,
        lifespan=lifespan,
        exception_handlers={404: _not_found, 405: _not_found},
    )
    app.state.runtime = runtime
    return app
