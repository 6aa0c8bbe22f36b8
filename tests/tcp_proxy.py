"""A PostgreSQL server that goes away mid-way, for the tests: a TCP proxy on 127.0.0.1
that forwards its first `allow` connections to the real server and refuses every one
after (accepts and closes at once, as a server shutting down does).

A command opens the log on its first connection and the disclosure record on another,
so `allow=1` is the server that was there when the log was opened and gone when the
audit tables are: the case a store error must name (exit 4), not "not recorded".
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from urllib.parse import urlsplit, urlunsplit

__all__ = ["proxied_url", "refusing_after", "unused_port"]


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for s in (source, sink):
            with suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)


def unused_port() -> int:
    """A port on 127.0.0.1 nobody listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def proxied_url(url: str, port: int) -> str:
    """`url` with its host and port replaced by 127.0.0.1:`port` (user, database and
    options kept)."""
    parts = urlsplit(url)
    user = parts.username or ""
    auth = user + (f":{parts.password}" if parts.password else "")
    netloc = (auth + "@" if auth else "") + f"127.0.0.1:{port}"
    return urlunsplit(parts._replace(netloc=netloc))


@contextmanager
def refusing_after(url: str, allow: int) -> Iterator[str]:
    """`url` through a proxy that forwards `allow` connections, then refuses."""
    target = urlsplit(url)
    upstream = (target.hostname or "127.0.0.1", target.port or 5432)
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    stop = threading.Event()
    open_sockets: list[socket.socket] = []

    def serve() -> None:
        seen = 0
        while not stop.is_set():
            try:
                client, _ = server.accept()
            except OSError:
                return
            seen += 1
            if seen > allow:
                client.close()
                continue
            forward = socket.create_connection(upstream)
            open_sockets.extend((client, forward))
            for a, b in ((client, forward), (forward, client)):
                threading.Thread(target=_pipe, args=(a, b), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield proxied_url(url, server.getsockname()[1])
    finally:
        stop.set()
        with suppress(OSError):
            server.shutdown(socket.SHUT_RDWR)  # wakes the accept() in progress
        server.close()
        for s in open_sockets:
            with suppress(OSError):
                s.close()
        thread.join(timeout=5)
