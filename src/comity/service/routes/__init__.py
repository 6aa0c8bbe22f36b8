"""The endpoints, one module per resource; `ROUTES` is every route of the service."""

from starlette.routing import BaseRoute

from comity.service import openapi, sse
from comity.service.routes import audit, events, findings, health, tokens

__all__ = ["ROUTES"]

ROUTES: list[BaseRoute] = [
    *health.ROUTES,
    *events.ROUTES,
    *findings.ROUTES,
    *audit.ROUTES,
    *tokens.ROUTES,
    *sse.ROUTES,
    *openapi.ROUTES,
]
