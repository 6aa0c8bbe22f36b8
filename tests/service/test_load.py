"""A bounded load on a live server: 16 clients at once, appending to their own cases
and (with If-Match) to shared ones, while others read and stream. Afterwards nothing
answered is lost, nothing is duplicated, every case's seq is gapless, each stream saw
every position once, and `comity verify` passes. Then the same appends with the server
killed (-9) in the middle: every append the server answered is stored."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable

import httpx
import pytest

from comity.events import open_log
from live import Live, Server, comity, event
from sse_reader import Message, read_stream

pytestmark = pytest.mark.slow

#: Seconds of load per backend (bounded: the suite must stay short).
SECONDS = 15.0
#: ... and at most this long in all, while fewer appends and reads than the test needs
#: to mean anything were answered (a count, never a rate: see `_run`).
MAX_SECONDS = 120.0
APPENDS, READS = 100, 20
SHARED = ("SHARED-1", "SHARED-2", "SHARED-3")


class Tally:
    """What the clients were told, from every thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.stored: dict[str, tuple[str, int, int]] = {}  # event_id -> (case, seq, position)
        self.already: list[str] = []
        self.conflicts = 0
        self.reads = 0
        self.errors: list[str] = []

    def answer(self, response: httpx.Response) -> None:
        with self.lock:
            for s in response.json()["stored"]:
                assert s["event_id"] not in self.stored, "an event was stored twice"
                self.stored[s["event_id"]] = (s["case_id"], s["seq"], s["position"])
            self.already.extend(response.json()["already_stored"])


def _own_cases(
    url: str, auth: dict[str, str], me: int, tally: Tally, stop: threading.Event
) -> None:
    with httpx.Client(base_url=url, headers=auth, timeout=60) as client:
        for n in itertools.count():
            if stop.is_set():
                return
            case = f"OWN-{me}-{n}"
            batch = [event(case, f"{case}-1")] + [
                event(case, f"{case}-{i}", "asset_located", asset_id=f"A{i}")
                for i in range(2, 2 + n % 4)
            ]
            answer = client.post("/v1/events", json=batch, headers={"If-Match": "0"})
            if answer.status_code != 201:
                tally.errors.append(f"{answer.status_code} {answer.text}")
                return
            tally.answer(answer)


def _shared_cases(
    url: str, auth: dict[str, str], me: int, tally: Tally, stop: threading.Event
) -> None:
    with httpx.Client(base_url=url, headers=auth, timeout=60) as client:
        for n in itertools.count():
            if stop.is_set():
                return
            case = SHARED[n % len(SHARED)]
            etag = client.get(f"/v1/cases/{case}/events").headers["etag"]
            body = [event(case, f"{case}-w{me}-{n}", "asset_located", asset_id=f"W{me}N{n}")]
            answer = client.post("/v1/events", json=body, headers={"If-Match": etag})
            if answer.status_code == 412:
                with tally.lock:
                    tally.conflicts += 1
                continue
            if answer.status_code != 201:
                tally.errors.append(f"{answer.status_code} {answer.text}")
                return
            (stored,) = answer.json()["stored"]
            if stored["seq"] != int(etag.strip('"')) + 1:
                tally.errors.append(f"If-Match {etag} stored seq {stored['seq']}")
            tally.answer(answer)


def _reader(url: str, auth: dict[str, str], me: int, tally: Tally, stop: threading.Event) -> None:
    paths = ["/v1/findings?open=true", f"/v1/cases/{SHARED[me % 3]}/findings", "/v1/deadlines"]
    with httpx.Client(base_url=url, headers=auth, timeout=60) as client:
        for n in itertools.count():
            if stop.is_set():
                return
            answer = client.get(paths[n % len(paths)])
            if answer.status_code != 200:
                tally.errors.append(f"{answer.status_code} {answer.text}")
                return
            with tally.lock:
                tally.reads += 1


def _streamer(
    url: str, auth: dict[str, str], seen: list[int], stop: threading.Event, end: list[int]
) -> None:
    """Every event position the stream sends, until it has sent `end[0]` (set at stop)."""
    with httpx.stream(
        "GET", url + "/v1/stream", headers=auth, params={"findings": "false"}, timeout=60
    ) as response:
        for item in read_stream(response):
            if isinstance(item, Message):
                seen.append(item.json()["position"])
            if stop.is_set() and end and seen and seen[-1] >= end[0]:
                return


def _run(
    threads: list[threading.Thread],
    stop: threading.Event,
    seconds: float,
    enough: Callable[[], bool] = lambda: True,
) -> None:
    """Load for `seconds`, then on until `enough()` says the load was real, at most
    `MAX_SECONDS` in all: a loaded machine answers fewer requests in the same time, and
    what the test checks is what was answered, not how fast."""
    for t in threads:
        t.start()
    time.sleep(seconds)
    deadline = time.monotonic() + MAX_SECONDS - seconds
    while not enough() and time.monotonic() < deadline:
        time.sleep(0.5)
    stop.set()


def test_sixteen_clients_lose_and_duplicate_nothing(live: Live) -> None:
    url = live.url
    writer, reader = live.auth("writer"), live.auth("reader")
    for case in SHARED:
        assert httpx.post(url + "/v1/events", headers=writer, json=[event(case, f"{case}-0")])
    log = open_log(live.store)
    try:
        before = {s.event_id for s in log.read()}
    finally:
        log.close()
    tally, stop = Tally(), threading.Event()
    end: list[int] = []
    streams: list[list[int]] = [[], []]
    clients: list[threading.Thread] = []
    for me in range(5):
        clients.append(threading.Thread(target=_own_cases, args=(url, writer, me, tally, stop)))
    for me in range(5):
        clients.append(
            threading.Thread(target=_shared_cases, args=(url, live.auth("app"), me, tally, stop))
        )
    for me in range(4):
        clients.append(threading.Thread(target=_reader, args=(url, reader, me, tally, stop)))
    streamers = [
        threading.Thread(target=_streamer, args=(url, reader, seen, stop, end)) for seen in streams
    ]
    _run(
        [*clients, *streamers],
        stop,
        SECONDS,
        lambda: len(tally.stored) > APPENDS and tally.reads > READS,
    )
    for t in clients:
        t.join(timeout=120)
    log = open_log(live.store)
    try:
        head = log.head().position
        end.append(head)
        for t in streamers:
            t.join(timeout=120)
        assert not tally.errors, tally.errors[:3]
        assert len(tally.stored) > APPENDS and tally.reads > READS
        stored = {s.event_id: (s.case_id, s.seq, s.position) for s in log.read()}
    finally:
        log.close()
    # Every answered append is stored as answered; nothing else was added: what the log
    # holds is the example, the three shared cases' first events and what was answered
    # (an append refused with 412 stored nothing), each event once.
    for event_id, where in tally.stored.items():
        assert stored[event_id] == where
    assert len(stored) == head
    assert set(stored) == set(tally.stored) | before
    # Every case's seq is gapless (verify checks the whole chain too).
    by_case: dict[str, list[int]] = {}
    for case, seq, _ in stored.values():
        by_case.setdefault(case, []).append(seq)
    assert all(sorted(s) == list(range(1, len(s) + 1)) for s in by_case.values())
    # Each stream saw every position once, in order.
    for seen in streams:
        assert seen == list(range(1, head + 1))
    done = comity(live.store, "verify")
    assert done.returncode == 0


def test_kill_9_mid_load_loses_no_answered_append(
    live: Live, servers: Callable[..., Server]
) -> None:
    server = servers(live.store, extra=("--no-watch",), ready=False)
    writer = live.auth("writer")
    answered: dict[str, tuple[str, int, int]] = {}
    cut_short: list[str] = []  # appends in flight when the server died
    lock, stop = threading.Lock(), threading.Event()

    def append(me: int) -> None:
        with httpx.Client(base_url=server.url, headers=writer, timeout=30) as client:
            for n in itertools.count():
                if stop.is_set():
                    return
                case = f"KILL-{me}-{n}"
                batch = [event(case, f"{case}-1"), event(case, f"{case}-2", "asset_located")]
                try:
                    answer = client.post("/v1/events", json=batch)
                except httpx.TransportError:
                    with lock:  # the server is gone: this append was not answered
                        cut_short.append(case)
                    return
                if answer.status_code == 201:
                    with lock:
                        for s in answer.json()["stored"]:
                            answered[s["event_id"]] = (s["case_id"], s["seq"], s["position"])

    threads = [threading.Thread(target=append, args=(me,)) for me in range(8)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 30
    while len(answered) < 200 and time.monotonic() < deadline:
        time.sleep(0.05)
    server.kill()
    stop.set()
    for t in threads:
        t.join(timeout=60)
    assert len(answered) >= 200
    assert cut_short, "no append was in flight when the server was killed"
    log = open_log(live.store)
    try:
        stored = {s.event_id: (s.case_id, s.seq, s.position) for s in log.read()}
        head = log.head().position
    finally:
        log.close()
    missing = [e for e in answered if stored.get(e) != answered[e]]
    assert not missing, missing[:5]
    # An append cut short stored all of its batch or none of it, and no case has a gap.
    kill_cases: dict[str, list[int]] = {}
    for case, seq, _ in stored.values():
        if case.startswith("KILL-"):
            kill_cases.setdefault(case, []).append(seq)
    assert all(sorted(seqs) == [1, 2] for seqs in kill_cases.values()), kill_cases
    assert {c for c, _, _ in answered.values()} <= set(kill_cases)
    assert len(kill_cases) - len({c for c, _, _ in answered.values()}) <= len(cut_short)
    assert comity(live.store, "verify").returncode == 0
    # Restarted on the same store, it serves what was stored and appends after it.
    server.start(ready=False)
    # a case whose append was answered (not KILL-0-0: thread 0's first append may be the
    # one the kill cut short, on a loaded machine)
    case = min(c for c, _, _ in answered.values())
    again = httpx.get(server.url + f"/v1/cases/{case}/events", headers=live.auth("reader"))
    assert again.status_code == 200
    assert [e["event_id"] for e in again.json()["events"]] == [f"{case}-1", f"{case}-2"]
    after = httpx.post(
        server.url + "/v1/events", headers=writer, json=[event("AFTER-KILL", "AFTER-KILL-1")]
    )
    assert after.status_code == 201, after.text
    assert after.json()["stored"][0]["position"] == head + 1
    assert comity(live.store, "verify").returncode == 0
