"""`/healthz` (the process answers) and `/readyz` (the store answers, and the findings
store has caught up once): open, for load balancers and orchestrators."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from comity.service.auth import Caller, guarded, runtime_of
from comity.service.problems import HttpProblem
from comity.service.routes._common import json_response
from comity.service.runtime import Stores

__all__ = ["ROUTES"]


@guarded(None)
async def healthz(request: Request, caller: Caller) -> Response:
    return json_response({"status": "ok"})


@guarded(None)
async def readyz(request: Request, caller: Caller) -> Response:
    def work(stores: Stores) -> dict[str, Any]:
        head = stores.log.head()
        store = stores.findings
        cut = store.cut() if store is not None else None
        return {
            "log_position": head.position,
            "findings_position": None if cut is None else cut.position,
        }

    state = await runtime_of(request).call(work)
    if state["findings_position"] is None:
        raise HttpProblem(
            503,
            "not-ready",
            "Not ready",
            "the findings store has not caught up with the log yet",
            headers={"Retry-After": "2"},
            extra=state,
        )
    return json_response({"status": "ready", **state})


ROUTES = [
    Route("/healthz", healthz, methods=["GET"]),
    Route("/readyz", readyz, methods=["GET"]),
]
