"""`POST /v1/events` (append, all or nothing) and `GET /v1/cases/{case_id}/events`.

An append is `comity ingest` over HTTP: the same decoding, the same all-or-nothing
store, the same idempotency (an event_id stored with the same content is reported as
`already_stored`; with other content, 422). `If-Match: <seq>` (or `"<seq>"`, the ETag
a read of the case gives) stores a one-case batch only if the case's last seq is still
that, else 412 with the current seq as the ETag. Once its body is received, an append
is always finished, whatever the request time limit: an answered append is stored.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from comity.audit.basis import Basis, basis_of
from comity.errors import InvalidInput
from comity.events import AppendResult, EventLog, StoredEvent
from comity.events.time import format_request_time
from comity.service.auth import Caller, guarded, runtime_of
from comity.service.body import decode_events, read_body
from comity.service.disclose import disclose
from comity.service.problems import HttpProblem
from comity.service.query import known, one, when
from comity.service.render import case_events_bytes
from comity.service.routes._common import json_response, path_id
from comity.service.runtime import Stores

__all__ = ["ROUTES", "case_records", "stored_json"]


def stored_json(stored: StoredEvent) -> dict[str, Any]:
    return {
        "event_id": stored.event_id,
        "case_id": stored.case_id,
        "seq": stored.seq,
        "position": stored.position,
        "hash": stored.hash,
    }


def _if_match(request: Request) -> int | None:
    value = request.headers.get("if-match")
    if value is None:
        return None
    text = value.strip()
    if text.startswith('"') and text.endswith('"') and len(text) >= 2:
        text = text[1:-1]
    if not text.isascii() or not text.isdigit() or len(text) > 16:
        raise HttpProblem(
            400,
            "bad-header",
            "Bad If-Match",
            f'If-Match: expected the case\'s last seq (3, or the ETag "3"), got {value!r}',
        )
    return int(text)


@guarded("append")
async def append(request: Request, caller: Caller) -> Response:
    runtime = runtime_of(request)
    settings = runtime.settings
    known(request, ())
    expected = _if_match(request)
    try:
        with anyio.fail_after(settings.request_timeout):
            body = await read_body(request, settings.max_body_bytes)
    except TimeoutError:
        raise HttpProblem(
            408,
            "timeout",
            "Request body not received in time",
            f"the body did not arrive within {settings.request_timeout:g} s; nothing was stored",
        ) from None

    def work(stores: Stores) -> AppendResult:
        events = decode_events(
            request, body, limit=settings.max_body_bytes, max_events=settings.max_batch
        )
        if expected is not None and len({e.case_id for e in events}) != 1:
            raise InvalidInput(
                "If-Match: the batch holds events of several cases; send one case per "
                "request with If-Match, or leave it out"
            )
        return stores.log.append(events, expected_seq=expected)

    result = await runtime.call(work, timeout=False)
    headers = {}
    cases = {s.case_id: s.seq for s in result.stored}
    if len(cases) == 1:
        headers["ETag"] = f'"{next(iter(cases.values()))}"'
    return json_response(
        {
            "stored": [stored_json(s) for s in result.stored],
            "already_stored": list(result.already_stored),
        },
        status=201 if result.stored else 200,
        headers=headers,
    )


@guarded("read")
async def case_events(request: Request, caller: Caller) -> Response:
    known(request, ("known_at",))
    case_id = path_id(request, "case_id")
    value = when(one(request, "known_at"), "known_at", dates=False)
    known_at = value if isinstance(value, dt.datetime) else None

    def work(stores: Stores) -> tuple[Basis, list[StoredEvent]]:
        # The head first, then the case up to it: what the record says it covered is
        # what was shown, though appends go on meanwhile.
        basis = basis_of(stores.log, stores.audit, rulepack=None, known_at=known_at)
        return basis, case_records(stores.log, case_id, known_at, basis.head.position)

    basis, events = await runtime_of(request).call(work)
    if not events:
        raise HttpProblem(
            404, "not-found", "No such case", f"case {case_id!r}: no events in this case"
        )
    last = events[-1].seq
    return await disclose(
        request,
        caller,
        case_events_bytes(case_id, events),
        cases=[case_id],
        headers={"ETag": f'"{last}"'},
        basis=basis,
        read={
            "endpoint": "case_events",
            "case": case_id,
            "known_at": None if known_at is None else format_request_time(known_at),
        },
    )


def case_records(
    log: EventLog, case_id: str, known_at: dt.datetime | None, head: int
) -> list[StoredEvent]:
    """The case's records recorded by `known_at` (all if None) up to position `head`."""
    return [s for s in log.read_case(case_id, known_at=known_at) if s.position <= head]


ROUTES = [
    Route("/v1/events", append, methods=["POST"]),
    Route("/v1/cases/{case_id}/events", case_events, methods=["GET"]),
]
