"""Token management for admins: the HTTP form of `comity token add|list|revoke`."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from comity.errors import InvalidInput
from comity.service.auth import Caller, guarded, runtime_of
from comity.service.body import decode_json, read_body
from comity.service.query import known
from comity.service.routes._common import json_response
from comity.service.tokens import Token

__all__ = ["ROUTES"]


def token_json(token: Token) -> dict[str, Any]:
    return {
        "name": token.name,
        "roles": list(token.roles),
        "created_at": token.created_at,
        "revoked_at": token.revoked_at,
    }


@guarded("tokens")
async def list_tokens(request: Request, caller: Caller) -> Response:
    known(request, ())
    tokens = await runtime_of(request).call(lambda s: s.tokens.all())
    return json_response({"tokens": [token_json(t) for t in tokens]})


@guarded("tokens")
async def add_token(request: Request, caller: Caller) -> Response:
    known(request, ())
    runtime = runtime_of(request)
    value = decode_json(await read_body(request, 1 << 16), 1 << 16)
    if (
        not isinstance(value, dict)
        or set(value) != {"name", "roles"}
        or not isinstance(value["name"], str)
        or not isinstance(value["roles"], list)
        or not all(isinstance(r, str) for r in value["roles"])
    ):
        raise InvalidInput('<body>: expected {"name": NAME, "roles": [ROLE, ...]}')
    secret = await runtime.call(
        lambda s: s.tokens.add(value["name"], value["roles"]), timeout=False
    )
    return json_response(
        {"name": value["name"], "token": secret, "note": "shown once; it is not stored"},
        status=201,
        headers={"Cache-Control": "no-store"},
    )


@guarded("tokens")
async def revoke_token(request: Request, caller: Caller) -> Response:
    known(request, ())
    name: str = request.path_params["name"]
    changed = await runtime_of(request).call(lambda s: s.tokens.revoke(name), timeout=False)
    return json_response({"name": name, "revoked": True, "already_revoked": not changed})


ROUTES = [
    Route("/v1/tokens", list_tokens, methods=["GET"]),
    Route("/v1/tokens", add_token, methods=["POST"]),
    Route("/v1/tokens/{name}", revoke_token, methods=["DELETE"]),
]
