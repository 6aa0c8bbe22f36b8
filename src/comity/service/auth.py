"""Who may do what: bearer tokens, roles, and the one wrapper every endpoint goes through.

Permissions by role (a token may hold several roles):

=========  =========================================================
writer     append events (`POST /v1/events`)
reader     read events, findings, deadlines, replays and the stream
auditor    what a reader may, and the disclosure record and checkpoints
admin      everything, and managing tokens
=========  =========================================================

No token, or one that is unknown or revoked: 401 with `WWW-Authenticate: Bearer`. A
token without the permission: 403. Both are recorded (see :mod:`comity.service.tokens`)
with the token's name when there is one, never the token itself.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable

import attrs
from starlette.requests import Request
from starlette.responses import Response

from comity.errors import ComityError
from comity.service.problems import HttpProblem, problem_of, problem_response
from comity.service.runtime import Runtime
from comity.service.tokens import Token

__all__ = ["PERMISSIONS", "Caller", "guarded", "runtime_of"]

log = logging.getLogger("comity.service")

#: Which roles grant each permission.
PERMISSIONS: dict[str, frozenset[str]] = {
    "append": frozenset({"writer", "admin"}),
    "read": frozenset({"reader", "auditor", "admin"}),
    "audit": frozenset({"auditor", "admin"}),
    "tokens": frozenset({"admin"}),
}


@attrs.frozen
class Caller:
    """The token a request came with (None on the open endpoints)."""

    token: Token | None

    @property
    def actor(self) -> str:
        return self.token.name if self.token is not None else "-"


Handler = Callable[[Request, Caller], Awaitable[Response]]


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _bearer(request: Request) -> str | None:
    value = request.headers.get("authorization")
    if value is None:
        return None
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return ""
    return token.strip()


async def _refuse(
    request: Request, status: int, reason: str, actor: str | None, detail: str
) -> HttpProblem:
    runtime = runtime_of(request)
    client = request.client.host if request.client else None
    try:
        await runtime.call(
            lambda s: s.tokens.refuse(
                status=status,
                method=request.method,
                path=request.url.path,
                actor=actor,
                client=client,
                reason=reason,
            )
        )
    except Exception:  # the refusal stands even if it cannot be recorded
        log.exception("could not record a refused request")
    if status == 401:
        challenge = 'Bearer realm="comity"'
        if reason != "no token":
            challenge += ', error="invalid_token"'
        return HttpProblem(
            401, "unauthorized", "Unauthorized", detail, headers={"WWW-Authenticate": challenge}
        )
    return HttpProblem(403, "forbidden", "Forbidden", detail)


async def _authenticate(request: Request, permission: str) -> Caller:
    secret = _bearer(request)
    if not secret:
        reason = "no token" if secret is None else "malformed Authorization header"
        raise await _refuse(
            request,
            401,
            reason,
            None,
            "send a token as `Authorization: Bearer <token>`; `comity token add` makes one",
        )
    runtime = runtime_of(request)
    token = await runtime.call(lambda s: s.tokens.lookup(secret))
    if token is None:
        raise await _refuse(
            request, 401, "unknown or revoked token", None, "the token is unknown or revoked"
        )
    roles = PERMISSIONS[permission]
    if not roles.intersection(token.roles):
        raise await _refuse(
            request,
            403,
            f"needs {permission}",
            token.name,
            f"token {token.name!r} (roles: {', '.join(token.roles)}) may not {permission}; "
            f"this needs one of the roles {', '.join(sorted(roles))}",
        )
    return Caller(token)


def guarded(
    permission: str | None,
) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """The endpoint behind a permission (None: open), with every error a problem."""

    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        @functools.wraps(handler)
        async def endpoint(request: Request) -> Response:
            instance = request.url.path
            try:
                caller = (
                    Caller(None) if permission is None else await _authenticate(request, permission)
                )
                return await handler(request, caller)
            except HttpProblem as problem:
                return problem_response(problem, instance)
            except ComityError as exc:
                return problem_response(problem_of(exc), instance)
            except Exception:
                log.exception("%s %s failed", request.method, instance)
                return problem_response(
                    HttpProblem(
                        500,
                        "internal",
                        "Internal error",
                        "the service failed to answer; the server's log has the details",
                    ),
                    instance,
                )

        return endpoint

    return wrap
