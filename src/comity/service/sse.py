"""`GET /v1/stream`: stored events and finding changes as Server-Sent Events.

Two kinds of message, each with an `id:` a client can resume from:

- `event: event`, the stored event as `comity follow` prints it (envelope and hash);
- `event: finding`, one change the findings store recorded (raised, resolved, updated,
  withdrawn), with the finding as it then stood.

The id is the log position of the last event sent, then `:` and the id of the last
finding change sent (`1042:87`); with `findings=false` it is the log position alone.
A client that reconnects with `Last-Event-ID` (browsers' EventSource do so by
themselves) or `?after=` gets exactly what follows, nothing lost and nothing
repeated, across restarts of the service: both cursors are positions in the store,
not in the server's memory. With `case=` only that case's events and changes are
sent; an `id:` line alone (no data) still moves the client past the others.

Each batch of messages is recorded as one disclosure (the token's name, the SHA-256
of the batch's bytes, its findings and cases, the cursors it started after and ended
at) before it is sent; `comity audit reproduce` renders it again from the log and the
history of finding changes.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from comity.findings import Change
from comity.service import render
from comity.service.auth import Caller, guarded, runtime_of
from comity.service.disclose import record_read
from comity.service.problems import HttpProblem
from comity.service.query import flag, known, many, one
from comity.service.runtime import Stores

__all__ = ["ROUTES", "parse_cursor"]

#: The most events and the most changes one poll sends.
BATCH = 500
MEDIA_TYPE = "text/event-stream"


def parse_cursor(text: str, name: str) -> tuple[int, int]:
    """(log position, change id) from `P` or `P:H`."""
    position, _, change = text.strip().partition(":")
    parts = [position, change or "0"]
    if not all(p.isascii() and p.isdigit() and len(p) <= 18 for p in parts):
        raise HttpProblem(
            400,
            "bad-cursor",
            "Bad stream position",
            f"{name}: expected a log position (1042) or a stream id (1042:87), got {text!r}",
        )
    return int(parts[0]), int(parts[1])


class _Cursor:
    def __init__(self, position: int, change: int, with_findings: bool) -> None:
        self.position, self.change, self.with_findings = position, change, with_findings

    def id(self) -> str:
        return f"{self.position}:{self.change}" if self.with_findings else str(self.position)


def _poll(
    stores: Stores,
    cursor: _Cursor,
    cases: frozenset[str],
    actor: str,
    request_info: dict[str, Any],
) -> bytes:
    """The next batch, rendered, recorded, and the cursor moved past it.

    The record keeps the cursors the batch started after and ended at (`after`,
    `through`): the events between are the log's and the changes between the findings
    store's history, both append-only, so `comity audit reproduce` reads them again
    and renders the batch with the same function (:func:`render.stream_batch`)."""
    read = stores.log.read(after=cursor.position, until=cursor.position + BATCH)
    try:
        events = list(read)
    finally:
        close = getattr(read, "close", None)
        if close is not None:
            close()
    changes: list[Change] = []
    if cursor.with_findings:
        store = stores.findings
        if store is not None:
            changes = store.history(after=cursor.change, limit=BATCH)
    start = (cursor.position, cursor.change)
    batch = render.stream_batch(
        start, events, changes, cases=cases, with_findings=cursor.with_findings
    )
    moved = batch.end != start
    cursor.position, cursor.change = batch.end
    if not batch.output:
        return f"id: {cursor.id()}\n\n".encode() if moved else b""
    output = batch.output
    read_info = {
        "endpoint": "stream",
        "after": {"position": start[0], "change": start[1]},
        "through": {"position": batch.end[0], "change": batch.end[1]},
        "findings": cursor.with_findings,
        "cases": sorted(cases),
    }
    record_read(
        stores,
        actor=actor,
        request={**request_info, "stream_id": cursor.id(), "read": read_info},
        output=output,
        media_type=MEDIA_TYPE,
        finding_ids=batch.finding_ids,
        cases=batch.cases,
    )
    if batch.last_id != cursor.id():  # the last records read were of other cases
        output += f"id: {cursor.id()}\n\n".encode()
    return output


@guarded("read")
async def stream(request: Request, caller: Caller) -> Response:
    known(request, ("after", "case", "findings"))
    runtime = runtime_of(request)
    settings = runtime.settings
    cases = frozenset(many(request, "case"))
    with_findings = one(request, "findings") is None or flag(request, "findings")
    resume = request.headers.get("last-event-id")
    after = one(request, "after")
    if resume:
        position, change = parse_cursor(resume, "Last-Event-ID")
    elif after is not None:
        position, change = parse_cursor(after, "after")
    else:
        position, change = 0, 0
    cursor = _Cursor(position, change, with_findings)
    info: dict[str, Any] = {
        "method": request.method,
        "path": request.url.path,
        "query": sorted(request.query_params.multi_items()),
    }
    if resume:
        info["last_event_id"] = resume  # where the client resumed (each batch: `read.after`)
    # The first poll runs before the answer starts, so that a store that cannot be
    # read (or a read that cannot be recorded) is a problem, not a broken stream.
    first = await runtime.call(lambda s: _poll(s, cursor, cases, caller.actor, info))

    async def messages() -> AsyncIterator[bytes]:
        yield b"retry: 1000\n\n" + first
        quiet_since = time.monotonic()
        while not runtime.stopping.is_set():
            chunk = await runtime.call(
                lambda s: _poll(s, cursor, cases, caller.actor, info), timeout=False
            )
            if chunk:
                quiet_since = time.monotonic()
                yield chunk
                continue  # more may be waiting: poll again at once
            if time.monotonic() - quiet_since >= settings.stream_keepalive:
                quiet_since = time.monotonic()
                yield b": keepalive\n\n"
            await anyio.sleep(settings.stream_poll)

    return StreamingResponse(
        messages(),
        media_type=MEDIA_TYPE,
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


ROUTES = [Route("/v1/stream", stream, methods=["GET"])]
