"""A live `comity serve` for the service tests: the real command, in a subprocess, on
127.0.0.1 and a free port, with tokens of every role made by `comity token add`."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from comity.service.tokens import open_tokens

__all__ = [
    "PROBLEM",
    "ROLE_TOKENS",
    "Live",
    "Server",
    "comity",
    "event",
    "free_port",
    "make_tokens",
    "problem",
]

PROBLEM = "application/problem+json"

#: The tokens every test store gets: name -> roles.
ROLE_TOKENS = {
    "writer": ("writer",),
    "reader": ("reader",),
    "auditor": ("auditor",),
    "admin": ("admin",),
    "app": ("writer", "reader"),
}


def comity(store: str, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    """Run the `comity` command line on `store` (checked)."""
    done = subprocess.run(
        [sys.executable, "-m", "comity.cli", "--store", store, *args],
        input=stdin.decode() if stdin is not None else None,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        raise AssertionError(f"comity {' '.join(args)} failed: {done.stderr}")
    return done


def make_tokens(store: str) -> dict[str, str]:
    """A token of each of ROLE_TOKENS, made through the library (`comity token add` is
    tested on its own: a process per token would slow every fixture)."""
    tokens = open_tokens(store)
    try:
        return {name: tokens.add(name, roles) for name, roles in ROLE_TOKENS.items()}
    finally:
        tokens.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Server:
    """`comity --store STORE serve` on a free port; `start`, `stop` (SIGTERM), `kill` (-9)."""

    def __init__(self, store: str, log_dir: Path, *, extra: Sequence[str] = ()) -> None:
        self.store = store
        self.port = free_port()
        self.extra = tuple(extra)
        self.log_path = log_dir / f"serve-{self.port}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *, ready: bool = True) -> Server:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "comity.cli",
                "--store",
                self.store,
                "serve",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
                *self.extra,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        log.close()
        self.wait(path="/readyz" if ready else "/healthz")
        return self

    def wait(self, path: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"the server exited: {self.log_path.read_text()}")
            try:
                if httpx.get(self.url + path, timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"the server did not answer {path}: {self.log_path.read_text()}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def kill(self) -> None:
        """kill -9: no shutdown of any kind."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


class Live:
    """A running server over a store holding the quickstart example, with its tokens."""

    def __init__(self, server: Server, tokens: dict[str, str]) -> None:
        self.server = server
        self.url = server.url
        self.store = server.store
        self.tokens = tokens

    def auth(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[name]}"}


def event(case: str, eid: str, kind: str = "case_opened", **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"type": kind, "case_id": case, "event_id": eid}
    if kind == "case_opened":
        base.update(occurred_at="2020-01-06", lead_jurisdiction="PA", offences=["fraud"])
    elif kind == "asset_located":
        base.update(
            occurred_at="2020-01-07", asset_id="A1", asset_type="bank_account", jurisdiction="CH"
        )
    base.update(fields)
    return base


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["type"].startswith("urn:comity:problem:")
    assert "Traceback" not in response.text
    return body
