"""What the service holds while it runs: its settings, and the store per worker thread.

Store objects (a log, the findings store, the audit and token tables) are used from
the thread that opened them, so each of the service's worker threads opens its own on
first use and keeps it. Every call that touches a store runs on one of these threads,
through :meth:`Runtime.call`, never on the event loop: a slow query holds one thread,
not every connection. The thread count bounds the store connections the service opens
(`--threads`).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import TypeVar

import anyio
import anyio.to_thread
import attrs

from comity.audit.store import AuditStore, open_audit_store
from comity.events import EventLog, open_log
from comity.events.store.url import redact_url
from comity.findings import FindingsStore
from comity.rules import RulePack, load_pack
from comity.service.problems import HttpProblem
from comity.service.tokens import TokenStore, open_tokens

__all__ = ["Runtime", "Settings", "Stores"]

T = TypeVar("T")


@attrs.frozen(kw_only=True)
class Settings:
    """How one service runs; `comity serve` fills it from its options."""

    store_url: str
    rule_dirs: tuple[str, ...] = ()
    #: The largest request body accepted (413 beyond).
    max_body_bytes: int = 8 << 20
    #: The most events one append may hold (413 beyond).
    max_batch: int = 10_000
    #: How long a request may take (408 for a body not received by then, 503 for a
    #: read not answered by then); an append once received is always finished.
    request_timeout: float = 30.0
    #: Worker threads, and so store connections, of one process.
    threads: int = 8
    #: Whether this process keeps the findings store current (a `comity watch` of its own).
    watch: bool = True
    #: How often a stream looks for new events and finding changes.
    stream_poll: float = 0.25
    #: A comment line on an idle stream this often, so that proxies keep it open.
    stream_keepalive: float = 15.0

    @property
    def where(self) -> str:
        return redact_url(self.store_url)


class Stores:
    """One thread's open store objects."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._log: EventLog | None = None
        self._findings: FindingsStore | None = None
        self._audit: AuditStore | None = None
        self._tokens: TokenStore | None = None

    @property
    def log(self) -> EventLog:
        if self._log is None:
            self._log = open_log(self.url, create=False)
        return self._log

    @property
    def findings(self) -> FindingsStore | None:
        """The findings store, or None while none has been built yet."""
        if self._findings is None:
            from comity.errors import StoreError

            try:
                self._findings = FindingsStore.of(self.log, create=False)
            except StoreError:
                return None
        return self._findings

    @property
    def audit(self) -> AuditStore:
        if self._audit is None:
            self._audit = open_audit_store(self.url, redact_url(self.url))
        return self._audit

    @property
    def tokens(self) -> TokenStore:
        if self._tokens is None:
            self._tokens = open_tokens(self.url, redact_url(self.url))
        return self._tokens

    def close(self) -> None:
        for item in (self._log, self._findings, self._audit, self._tokens):
            if item is not None:
                item.close()
        self._log = self._findings = self._audit = self._tokens = None


class Runtime:
    """The settings, the rule pack, and the worker threads with their stores."""

    def __init__(self, settings: Settings, *, clock: Callable[[], dt.datetime] | None = None):
        self.settings = settings
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._local = threading.local()
        self._all: list[Stores] = []
        self._guard = threading.Lock()
        self._pack: RulePack | None = None
        #: The rule engine is not known to be safe in several threads at once.
        self.engine_lock = threading.Lock()
        self.limiter: anyio.CapacityLimiter | None = None
        #: Set when the service shuts down: open streams end.
        self.stopping = threading.Event()

    @property
    def pack(self) -> RulePack:
        with self._guard:
            if self._pack is None:
                self._pack = load_pack(*self.settings.rule_dirs)
            return self._pack

    def archive_pack(self) -> None:
        """Archive the service's rule pack in the store (as `comity watch` and every
        recorded output of the command line do), so that the digest its answers name
        (`POST /v1/replay`, the rule an explanation shows) can be turned back into its
        rules (`comity rules export`, `comity audit reproduce`), whether or not this
        process runs the watcher. Once per digest; then a single lookup."""
        from comity.findings import archive_pack

        stores = Stores(self.settings.store_url)
        try:
            store = FindingsStore.of(stores.log, create=True)
            try:
                archive_pack(store, self.pack, self.settings.rule_dirs)
            finally:
                store.close()
        finally:
            stores.close()

    def stores(self) -> Stores:
        """This thread's stores (opened on first use)."""
        stores: Stores | None = getattr(self._local, "stores", None)
        if stores is None:
            stores = self._local.stores = Stores(self.settings.store_url)
            with self._guard:
                self._all.append(stores)
        return stores

    async def call(self, fn: Callable[[Stores], T], *, timeout: bool = True) -> T:
        """`fn(stores)` on a worker thread. With `timeout`, a call that runs past the
        request time limit is answered 503 (the thread finishes it unseen: only reads
        are called so); without, it is waited for, however long it takes."""
        if self.limiter is None:
            self.limiter = anyio.CapacityLimiter(self.settings.threads)

        def work() -> T:
            return fn(self.stores())

        if not timeout:
            return await anyio.to_thread.run_sync(work, limiter=self.limiter)
        try:
            with anyio.fail_after(self.settings.request_timeout):
                return await anyio.to_thread.run_sync(
                    work, limiter=self.limiter, abandon_on_cancel=True
                )
        except TimeoutError:
            raise HttpProblem(
                503,
                "timeout",
                "Request took too long",
                f"the answer took longer than the request time limit "
                f"({self.settings.request_timeout:g} s); ask for less (fewer cases) or retry",
                headers={"Retry-After": "1"},
            ) from None
