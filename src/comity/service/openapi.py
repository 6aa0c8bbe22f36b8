"""`GET /openapi.json`: the service described in OpenAPI 3.1.

OpenAPI 3.1 schemas are JSON Schema 2020-12, so the event schema of `comity schema`
is embedded as it is: its `$defs` become components (`Event.case_opened`, ...) and its
references are rewritten to point there, so that a client generator sees one document.
Findings, deadlines and problems are described in :mod:`comity.service._openapi_schemas`
(their fields are those of docs/cli.md); the operations, here. The document is built
once per process.
"""

from __future__ import annotations

import functools
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from comity.rules.pack import SEVERITIES
from comity.service._openapi_schemas import PROBLEM_REF as _PROBLEM_REF
from comity.service._openapi_schemas import SCHEMAS as _SCHEMAS
from comity.service._openapi_schemas import TEXT as _TEXT
from comity.service._openapi_schemas import event_components as _event_components
from comity.service._openapi_schemas import ref as _ref

__all__ = ["ROUTES", "openapi_document"]


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": _PROBLEM_REF}},
    }


#: A read naming a case whose replay failed.
_CASE_FAILED = _problem(
    "urn:comity:problem:case-failed: a case named (or the finding's case) could not be "
    "replayed; `failures` names each case and the error"
)


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_AUTH = {
    "401": _problem("no token, or an unknown or revoked one"),
    "403": _problem("the token has not the role"),
}
_READ = {
    **_AUTH,
    "400": _problem("a bad query parameter"),
    "503": _problem("store unreachable, findings not ready, over the time limit, not recorded"),
}


def _param(
    name: str, description: str, schema: dict[str, Any] | None = None, **kw: Any
) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "description": description,
        "schema": schema or _TEXT,
        **kw,
    }


def _path(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "string", "minLength": 1, "maxLength": 128},
    }


_CASES_PARAM = _param(
    "case",
    "only these cases (repeat)",
    {"type": "array", "items": _TEXT},
    style="form",
    explode=True,
)
_BOOL = {"type": "string", "enum": ["true", "false"]}


def _operations() -> dict[str, Any]:
    security: list[dict[str, list[str]]] = [{"bearer": []}]
    return {
        "/v1/events": {
            "post": {
                "operationId": "appendEvents",
                "summary": "Append events, all or nothing (role writer)",
                "security": security,
                "parameters": [
                    {
                        "name": "If-Match",
                        "in": "header",
                        "description": "store only if the case's last seq is this (one-case batch)",
                        "schema": {"type": "string", "pattern": '^"?[0-9]{1,16}"?$'},
                    }
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "oneOf": [
                                    {"type": "array", "items": _ref("Event"), "minItems": 1},
                                    _ref("Event"),
                                ]
                            }
                        },
                        "application/x-ndjson": {
                            "schema": {"type": "string", "description": "one event a line"}
                        },
                    },
                },
                "responses": {
                    "200": _json(_ref("AppendResult"), "every event was already stored"),
                    "201": _json(_ref("AppendResult"), "stored"),
                    **_AUTH,
                    "400": _problem("a bad If-Match"),
                    "408": _problem("the body did not arrive in time"),
                    "412": _problem("If-Match: the case has moved on"),
                    "413": _problem("body or batch too large"),
                    "415": _problem("a body type that cannot hold events"),
                    "422": _problem("events refused, or an event_id stored with other content"),
                    "503": _problem("the store cannot be reached"),
                },
            }
        },
        "/v1/cases/{case_id}/events": {
            "get": {
                "operationId": "caseEvents",
                "summary": "A case's events, in seq order (role reader)",
                "security": security,
                "parameters": [
                    _path("case_id"),
                    _param("known_at", "only events recorded by then"),
                ],
                "responses": {
                    "200": {
                        **_json(_ref("CaseEvents"), "the events"),
                        "headers": {"ETag": {"schema": _TEXT, "description": '"last seq"'}},
                    },
                    **_READ,
                    "404": _problem("no such case"),
                },
            }
        },
        "/v1/cases/{case_id}/findings": {
            "get": {
                "operationId": "caseFindings",
                "summary": "A case's findings and open deadlines at the store's cut",
                "security": security,
                "parameters": [_path("case_id"), _param("open", "only open findings", _BOOL)],
                "responses": {
                    "200": _json(_ref("CaseFindings"), "the findings"),
                    **_READ,
                    "404": _problem("no such case"),
                    "500": _CASE_FAILED,
                },
            }
        },
        "/v1/findings": {
            "get": {
                "operationId": "findings",
                "summary": "Findings at the store's cut, with the filters of `comity findings`",
                "security": security,
                "parameters": [
                    _CASES_PARAM,
                    _param("open", "only open findings", _BOOL),
                    _param("code", "only this code"),
                    _param("jurisdiction", "only findings involving it"),
                    _param("severity", "only this severity", {"enum": list(SEVERITIES)}),
                    _param("since", "changed at or after this UTC instant"),
                ],
                "responses": {
                    "200": _json(_ref("Findings"), "the findings"),
                    **_READ,
                    "404": _problem("a case not in the findings store"),
                    "500": _CASE_FAILED,
                },
            }
        },
        "/v1/findings/{finding_id}": {
            "get": {
                "operationId": "explain",
                "summary": "What `comity explain` shows, as JSON",
                "security": security,
                "parameters": [_path("finding_id")],
                "responses": {
                    "200": _json(_ref("Explanation"), "the finding, its rule and events"),
                    **_READ,
                    "404": _problem("no such finding"),
                    "500": _CASE_FAILED,
                },
            }
        },
        "/v1/deadlines": {
            "get": {
                "operationId": "deadlines",
                "summary": "Open deadlines at the store's cut, soonest breach first",
                "security": security,
                "parameters": [
                    _CASES_PARAM,
                    _param(
                        "within",
                        "breached within N days",
                        {"type": "integer", "minimum": 0, "maximum": 110956},
                    ),
                ],
                "responses": {
                    "200": _json(_ref("Deadlines"), "the deadlines"),
                    **_READ,
                    "404": _problem("a case not in the findings store"),
                    "500": _CASE_FAILED,
                },
            }
        },
        "/v1/replay": {
            "post": {
                "operationId": "replay",
                "summary": "A replay at any cut: the document of `comity replay --format json`",
                "security": security,
                "requestBody": {
                    "required": False,
                    "content": {"application/json": {"schema": _ref("ReplayRequest")}},
                },
                "responses": {
                    "200": _json(_ref("Replay"), "the replay"),
                    **_READ,
                    "404": _problem("a case with no events by known_at"),
                    "413": _problem("body too large"),
                    "422": _problem("a bad request document"),
                },
            }
        },
        "/v1/stream": {
            "get": {
                "operationId": "stream",
                "summary": "Server-Sent Events of stored events and finding changes",
                "security": security,
                "parameters": [
                    {
                        "name": "Last-Event-ID",
                        "in": "header",
                        "schema": _TEXT,
                        "description": "resume after this id (P or P:H)",
                    },
                    _param("after", "resume after this id (P or P:H)"),
                    _CASES_PARAM,
                    _param("findings", "send finding changes too (default true)", _BOOL),
                ],
                "responses": {
                    "200": {
                        "description": "an endless stream; `event: event` and `event: finding`",
                        "content": {"text/event-stream": {"schema": _TEXT}},
                    },
                    **_READ,
                },
            }
        },
        "/v1/checkpoints/latest": {
            "get": {
                "operationId": "latestCheckpoint",
                "summary": "The latest signed checkpoint (role auditor)",
                "security": security,
                "parameters": [_param("log", "which log", {"enum": ["events", "disclosures"]})],
                "responses": {
                    "200": _json(_ref("Checkpoint"), "the checkpoint"),
                    **_READ,
                    "404": _problem("none stored yet"),
                },
            }
        },
        "/v1/disclosures": {
            "get": {
                "operationId": "disclosures",
                "summary": "The disclosure record (role auditor)",
                "security": security,
                "parameters": [
                    _param("case", "only records showing this case"),
                    _param("actor", "only this actor"),
                    _param("since", "recorded at or after this UTC instant"),
                    _param(
                        "limit", "the last N", {"type": "integer", "minimum": 1, "maximum": 10000}
                    ),
                ],
                "responses": {"200": _json(_ref("Disclosures"), "the records"), **_READ},
            }
        },
        "/v1/tokens": {
            "get": {
                "operationId": "listTokens",
                "summary": "The tokens (role admin); never the secrets",
                "security": security,
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["tokens"],
                            "properties": {"tokens": {"type": "array", "items": _ref("Token")}},
                        },
                        "the tokens",
                    ),
                    **_READ,
                },
            },
            "post": {
                "operationId": "addToken",
                "summary": "Make a token (role admin); the answer holds it, once",
                "security": security,
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("TokenRequest")}},
                },
                "responses": {
                    "201": _json({"type": "object", "required": ["name", "token"]}, "made"),
                    **_READ,
                    "413": _problem("body too large"),
                    "422": _problem("a bad name or role, or a name in use"),
                },
            },
        },
        "/v1/tokens/{name}": {
            "delete": {
                "operationId": "revokeToken",
                "summary": "Revoke a token (role admin)",
                "security": security,
                "parameters": [_path("name")],
                "responses": {
                    "200": _json({"type": "object", "required": ["name", "revoked"]}, "revoked"),
                    **_READ,
                    "422": _problem("no such token"),
                },
            }
        },
        "/healthz": {
            "get": {
                "operationId": "health",
                "summary": "The process answers",
                "responses": {"200": _json({"type": "object"}, "alive")},
            }
        },
        "/readyz": {
            "get": {
                "operationId": "ready",
                "summary": "The store answers and the findings store has caught up once",
                "responses": {
                    "200": _json({"type": "object"}, "ready"),
                    "503": _problem("not ready"),
                },
            }
        },
    }


@functools.cache
def openapi_document() -> dict[str, Any]:
    from importlib import metadata

    try:
        version = metadata.version("comity")
    except metadata.PackageNotFoundError:  # pragma: no cover - run from a source tree
        version = "0"
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "comity",
            "version": version,
            "description": "Event-sourced rule engine for cross-border asset recovery: "
            "append case events, read findings and deadlines, follow changes. docs/service.md.",
        },
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "paths": _operations(),
        "components": {
            "schemas": {**_event_components(), **_SCHEMAS},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


@functools.cache
def _document_bytes() -> bytes:
    return orjson.dumps(openapi_document())


async def openapi(request: Request) -> Response:
    return Response(_document_bytes(), media_type="application/json")


ROUTES = [Route("/openapi.json", openapi, methods=["GET"])]
