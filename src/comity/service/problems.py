"""Errors as `application/problem+json` (RFC 9457), with the CLI's own words.

Every refusal the service makes is a :class:`HttpProblem`, and every
:class:`comity.errors.ComityError` becomes one through :func:`problem_of`, so that a
client in any language reads what `comity ingest` would print, line for line
(`detail` joins them; `errors` holds them as the codec's structured problems), with a
status from one table instead of an exit code. Anything else is a bug: the answer is
a bare 500 problem, and the traceback goes to the server's log, never to the client.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from starlette.responses import Response

from comity.errors import (
    ChainBroken,
    ComityError,
    ConcurrencyConflict,
    DuplicateEventError,
    EventFormatError,
    InvalidInput,
    NotRecorded,
    StoreUnavailable,
    UnknownFinding,
)
from comity.events.text import printable

__all__ = ["PROBLEM_TYPE", "HttpProblem", "problem_of", "problem_response"]

PROBLEM_TYPE = "application/problem+json"
_TYPE_BASE = "urn:comity:problem:"


class HttpProblem(Exception):
    """A refusal: its status, a short kind (the `type`), and what to do (`detail`)."""

    def __init__(
        self,
        status: int,
        kind: str,
        title: str,
        detail: str,
        *,
        errors: Sequence[Mapping[str, Any]] = (),
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.kind = kind
        self.title = title
        self.detail = detail
        self.errors = list(errors)
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})

    def body(self, instance: str | None = None) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "type": _TYPE_BASE + self.kind,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance is not None:
            doc["instance"] = instance
        if self.errors:
            doc["errors"] = self.errors
        doc.update(self.extra)
        return doc


def _lines(exc: BaseException) -> str:
    """The message as the CLI prints it (each line escaped), without `Error: `."""
    return "\n".join(printable(line) for line in str(exc).split("\n") if line)


def problem_of(exc: ComityError) -> HttpProblem:
    """The HTTP answer to a project error."""
    detail = _lines(exc)
    if isinstance(exc, EventFormatError):
        errors = [
            {"source": p.source, "line": p.line, "path": p.path, "message": printable(p.message)}
            for p in exc.problems
        ]
        return HttpProblem(422, "invalid-events", "Events refused", detail, errors=errors)
    if isinstance(exc, DuplicateEventError):
        return HttpProblem(
            422,
            "duplicate-event",
            "event_id already stored with other content",
            detail,
            extra={"event_id": exc.event_id},
        )
    if isinstance(exc, ConcurrencyConflict):
        return HttpProblem(
            412,
            "precondition-failed",
            "The case has moved on",
            detail,
            headers={"ETag": f'"{exc.actual}"'},
            extra={"case_id": exc.case_id, "expected_seq": exc.expected, "last_seq": exc.actual},
        )
    if isinstance(exc, UnknownFinding):
        return HttpProblem(404, "not-found", "No such finding", detail)
    if isinstance(exc, InvalidInput):
        return HttpProblem(422, "invalid-input", "Input refused", detail)
    if isinstance(exc, NotRecorded):
        return HttpProblem(
            503,
            "not-recorded",
            "The read could not be recorded",
            detail,
            headers={"Retry-After": "1"},
        )
    if isinstance(exc, StoreUnavailable):
        return HttpProblem(
            503, "unavailable", "Store unavailable", detail, headers={"Retry-After": "1"}
        )
    if isinstance(exc, ChainBroken):
        return HttpProblem(500, "store-damaged", "The store does not verify", detail)
    return HttpProblem(500, "store-error", "Store error", detail)


def problem_response(problem: HttpProblem, instance: str | None = None) -> Response:
    return Response(
        orjson.dumps(problem.body(instance)),
        status_code=problem.status,
        media_type=PROBLEM_TYPE,
        headers=problem.headers,
    )
