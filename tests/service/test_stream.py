"""`GET /v1/stream`: events and finding changes, resumed with Last-Event-ID across a
restart of the server (kill -9 included), nothing lost, nothing repeated."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from comity.events import open_log
from comity.events.jsonl import parse_values
from comity.findings import FindingsStore
from live import Live, Server, event, problem
from sse_reader import Message, read_stream


def _collect(
    live_url: str, auth: dict[str, str], until: Callable[[list[Message]], bool], **kw: Any
) -> tuple[list[Message], str]:
    """Read the stream until `until(messages)`; return them and the last event id."""
    got: list[Message] = []
    last = kw.pop("last_id", "")
    headers = {**auth, **({"Last-Event-ID": last} if last else {})}
    deadline = time.monotonic() + 60
    with httpx.stream(
        "GET", live_url + "/v1/stream", headers=headers, params=kw, timeout=30
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        for item in read_stream(response, last):
            if isinstance(item, Message):
                got.append(item)
                last = item.last_id
            else:
                last = item
            if until(got) or time.monotonic() > deadline:
                break
    assert time.monotonic() <= deadline, "the stream did not deliver in time"
    return got, last


def _positions(messages: list[Message]) -> list[int]:
    return [m.json()["position"] for m in messages if m.event == "event"]


def _changes(messages: list[Message]) -> list[int]:
    return [m.json()["id"] for m in messages if m.event == "finding"]


def _head(store: str) -> int:
    log = open_log(store)
    try:
        return log.head().position
    finally:
        log.close()


def _history(store: str) -> list[int]:
    with FindingsStore(store, create=False) as findings:
        return [c.id for c in findings.history()]


def _caught_up(server: Server, position: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready = httpx.get(server.url + "/readyz")
        if ready.status_code == 200 and ready.json()["findings_position"] >= position:
            return
        time.sleep(0.1)
    raise AssertionError("the watcher did not catch up")


def test_stream_resumes_exactly_across_restarts(live: Live, servers: Callable[..., Server]) -> None:
    store, reader = live.store, live.auth("reader")
    first = servers(store)
    writer = live.auth("writer")
    for i in range(3):
        httpx.post(first.url + "/v1/events", headers=writer, json=[event(f"S-{i}", f"s{i}-1")])
    head = _head(store)
    _caught_up(first, head)
    history = _history(store)

    def all_seen(got: list[Message]) -> bool:
        return (
            bool(got)
            and _positions(got)[-1:] == [head]
            and (not history or (_changes(got)[-1:] == [history[-1]]))
        )

    part1, last = _collect(first.url, reader, all_seen)
    assert _positions(part1) == list(range(1, head + 1))
    assert _changes(part1) == history
    assert last == f"{head}:{history[-1] if history else 0}"

    # The server dies; events are stored meanwhile (here through the library).
    first.kill()
    log = open_log(store)
    batch = [event("S-9", "s9-1"), event("S-9", "s9-2", "asset_located"), event("S-10", "s10-1")]
    log.append(parse_values(batch, source="<test>"))
    log.close()
    second = servers(store)
    new_head = _head(store)
    _caught_up(second, new_head)
    history2 = _history(store)
    assert len(history2) > len(history)  # the new case raised findings

    def rest_seen(got: list[Message]) -> bool:
        return _positions(got)[-1:] == [new_head] and _changes(got)[-1:] == [history2[-1]]

    part2, last2 = _collect(second.url, reader, rest_seen, last_id=last)
    assert _positions(part2) == list(range(head + 1, new_head + 1))
    assert _changes(part2) == history2[len(history) :]
    # ?after= is the same cursor as Last-Event-ID; one case only with case=.
    only, _ = _collect(
        second.url,
        reader,
        lambda got: any(m.event == "event" and m.json()["event_id"] == "s9-2" for m in got),
        after=f"{head}:{history2[-1]}",
        case="S-9",
        findings="false",
    )
    assert [m.json()["event_id"] for m in only] == ["s9-1", "s9-2"]
    assert all(m.last_id.isdigit() for m in only)
    # A new event arrives on an open stream.
    with httpx.stream(
        "GET",
        second.url + "/v1/stream",
        headers={**reader, "Last-Event-ID": last2},
        timeout=30,
    ) as response:
        httpx.post(second.url + "/v1/events", headers=writer, json=[event("S-11", "s11-1")])
        for item in read_stream(response, last2):
            if isinstance(item, Message) and item.event == "event":
                assert item.json()["event_id"] == "s11-1"
                break
    problem(httpx.get(second.url + "/v1/stream", headers={**reader, "Last-Event-ID": "x"}), 400)
