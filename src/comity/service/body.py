"""Request bodies: read within the size limit, decoded by comity's own codec.

A body of events is a JSON array (`application/json`; a single object is one event)
or JSON Lines (`application/x-ndjson`, `application/jsonl`). Either is checked whole,
as `comity ingest` checks a file, and refused with every problem listed, numbered as
lines are (the n-th item of an array is "line" n), from the source `<body>`:
`<body>:3: occurred_at: expected an ISO date, got "24/07/2019"`.
"""

from __future__ import annotations

import io
from typing import Any

from starlette.requests import Request

from comity.errors import EventFormatError, Problem
from comity.events import Event, parse_jsonl
from comity.events.json_input import JsonInputError, loads_user_json
from comity.events.jsonl import parse_values
from comity.service.problems import HttpProblem

__all__ = ["SOURCE", "decode_events", "decode_json", "read_body"]

#: How events of a request body are named in messages.
SOURCE = "<body>"
_LINES = ("application/x-ndjson", "application/jsonl", "application/json-lines", "text/plain")


def _too_large(size: int | str, limit: int) -> HttpProblem:
    return HttpProblem(
        413,
        "too-large",
        "Request body too large",
        f"the body is {size} bytes; at most {limit} are accepted; send the events in "
        "several requests",
        extra={"max_body_bytes": limit},
    )


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, or 413 as soon as it is known to exceed `limit` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _too_large(declared, limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(f"more than {limit}", limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _media(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def decode_json(body: bytes, limit: int) -> Any:
    """One JSON value (a request document), refused as the codec refuses a line."""
    try:
        text = body.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise EventFormatError(
            [Problem(SOURCE, None, "", f"not UTF-8 (byte {exc.start + 1}); send UTF-8")]
        ) from None
    try:
        return loads_user_json(text, max_bytes=limit)
    except JsonInputError as exc:
        raise EventFormatError([Problem(SOURCE, None, "", str(exc))]) from None


def decode_events(request: Request, body: bytes, *, limit: int, max_events: int) -> list[Event]:
    """The events of the body (all of them or EventFormatError), at most `max_events`."""
    media = _media(request)
    if media == "application/x-www-form-urlencoded":
        media = ""  # what `curl -d` sends unless told: no form is an event, so read the body
    if media in _LINES or (media == "" and not body.lstrip().startswith(b"[")):
        events = parse_jsonl(io.BytesIO(body), source=SOURCE)
    elif media in ("", "application/json") or media.endswith("+json"):
        value = decode_json(body, limit)
        items = value if isinstance(value, list) else [value]
        if len(items) > max_events:
            raise _too_many(len(items), max_events)
        events = parse_values(items, source=SOURCE)
    else:
        raise HttpProblem(
            415,
            "unsupported-media-type",
            "Unsupported media type",
            f"a body of type {media!r} cannot hold events; send application/json (an array "
            "of events) or application/x-ndjson (JSON Lines)",
        )
    if len(events) > max_events:
        raise _too_many(len(events), max_events)
    return events


def _too_many(count: int, limit: int) -> HttpProblem:
    return HttpProblem(
        413,
        "batch-too-large",
        "Too many events in one request",
        f"the body holds {count} events; at most {limit} are accepted in one request; "
        "send the events in several requests (an append is all or nothing per request)",
        extra={"max_batch_events": limit},
    )
