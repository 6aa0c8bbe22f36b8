"""A small Server-Sent Events reader for the tests (the parsing rules of the spec:
fields until a blank line; an `id:` sets the last event id even without data)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx

__all__ = ["Message", "read_stream"]


class Message:
    def __init__(self, event: str, data: str, last_id: str) -> None:
        self.event, self.data, self.last_id = event, data, last_id

    def json(self) -> Any:
        return json.loads(self.data)


def read_stream(response: httpx.Response, last_id: str = "") -> Iterator[Message | str]:
    """Messages with data, and the last event id (a str) after an id-only message."""
    event, data = "", list[str]()
    for line in response.iter_lines():
        if line == "":
            if data:
                yield Message(event or "message", "\n".join(data), last_id)
            else:
                yield last_id
            event, data = "", list[str]()
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "id":
            last_id = value
        elif name == "event":
            event = value
        elif name == "data":
            data.append(value)
