"""What several endpoints share: JSON answers and the case-id path parameter."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from comity.events.text import id_problem
from comity.service.problems import HttpProblem

__all__ = ["json_bytes", "json_response", "path_id"]


def json_bytes(data: Any) -> bytes:
    return orjson.dumps(data)


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json_bytes(data), status_code=status, media_type="application/json", headers=headers
    )


def path_id(request: Request, name: str) -> str:
    """An id from the path, held to the codec's rule for ids (404 for one no event has)."""
    value: str = request.path_params[name]
    problem = id_problem(value)
    if problem is not None:
        raise HttpProblem(404, "not-found", "Not found", f"{name} {value!r}: {problem}")
    return value
