"""The only module that imports durable-rules, and the owner of its hazards.

Each cure below is numbered as the hazards are in docs/engine.md ("durable-rules: its
hazards and the bugs found"):

1. No durable `Host` at all: its two background timer threads never start, and every
   call is synchronous. The adapter drives durable's C core (`durable_rules_engine`,
   shipped in the durable-rules wheel) the way durable's own `Ruleset` does (assert,
   then start and complete each action of the session), minus what comity does not
   use: action closures, promises, leases, and writing an unchanged session state
   back after every action. That Python layer was 14 % of replay time, and the state
   write-back one more `json.dumps` and C parse per firing (docs/performance.md).
2. At most 1,024 live sessions per ruleset: sessions take a sid from a bounded pool
   and give it back (deleting their state) when closed. durable segfaults (or
   corrupts its heap) deleting the state of a session in which no rule action has
   run yet, so such a session first asserts the fact of the adapter's own anchor
   rule, whose action runs.
3. Facts get explicit ids from one table per process in which no two ids share a
   32-bit FNV-1a hash, nor share one with any session's state message (`sid-<sid>`)
   or the anchor fact; a session takes them in order. An unexpected
   MessageObservedException is a bug, re-raised.
4. Session ids come from the same pool, chosen so that their hashes differ.
5. Joins on `id`/`sid` are refused by the rule language compiler (rules/language.py).
6. No Python code runs inside durable: a firing is read from the action message and
   recorded by the adapter, so there is no action whose exception durable could
   swallow into the session state's `exception`. Any error from durable's core, or
   in reading its message, abandons the action in progress and is raised as
   EngineError.
7. MessageNotHandledException (a fact no rule uses) is normal in a replay: ignored.
8. No durable timers: the caller's event-time clock is a fact it re-asserts.
9. A re-fired match (the clock re-asserted) is reported again; callers dedupe by
   identity (engine/_run.py emits each finding once).
14. No `durable.lang` registry: rulesets are JSON dicts given to our own host, one
    host per rule-pack digest.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import durable_rules_engine as _core
import orjson

from comity.errors import EngineError
from comity.rules.language import ALWAYS

__all__ = ["MAX_SESSIONS", "DurableRuleset", "DurableSession", "Firing", "fnv1a_32"]

#: durable-rules' MAX_STATE_INDEX_LENGTH is 1,024; keep a margin.
MAX_SESSIONS = 1000
#: The adapter's own rule and fact kind: its action running makes a state safe to delete.
_ANCHOR = "comity:session"

Firing = tuple[str, dict[str, dict[str, Any]]]  # (durable rule name, binding -> fact)


def fnv1a_32(text: str) -> int:
    """The hash durable-rules keys messages and sessions by (state.c)."""
    h = 0x811C9DC5
    for byte in text.encode("utf-8"):
        h ^= byte
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def _sid_pool() -> list[str]:
    """Session ids with pairwise distinct hashes (hazard 4), the last handed out first."""
    seen: set[int] = set()
    pool: list[str] = []
    n = 0
    while len(pool) < MAX_SESSIONS:
        n += 1
        sid = str(n)
        h = fnv1a_32(sid)
        if h not in seen:
            seen.add(h)
            pool.append(sid)
    pool.reverse()
    return pool


_SIDS = _sid_pool()


class _IdTable:
    """Fact ids in the order sessions use them (`f1`, `f2`, ...), skipping any whose
    hash another id in the table, or a reserved hash, already has (hazard 3). One
    table per process, extended as long sessions need more: an id is hashed once,
    not once for each session that uses it."""

    def __init__(self, reserved: set[int]) -> None:
        self._ids: list[str] = []
        self._taken = set(reserved)
        self._candidate = 0
        self._lock = threading.Lock()

    def get(self, n: int) -> str:
        """The `n`th id (from 0)."""
        ids = self._ids
        if n < len(ids):
            return ids[n]
        with self._lock:
            while len(ids) <= n:
                self._candidate += 1
                candidate = f"f{self._candidate}"
                h = fnv1a_32(candidate)
                if h not in self._taken:
                    self._taken.add(h)
                    ids.append(candidate)
        return ids[n]


#: durable stores each session's own state as a message `sid-<sid>` in the index the
#: facts use, and the adapter's anchor fact has its own id: their hashes are reserved.
_FACT_IDS = _IdTable({fnv1a_32(f"sid-{sid}") for sid in _SIDS} | {fnv1a_32(_ANCHOR)})


# durable's result codes for an assert or retract (rules.h).
_OK, _NOT_HANDLED, _OBSERVED = 0, 1, 2


def _dumps(fact: Mapping[str, Any]) -> str:
    """A fact as durable's core reads it: UTF-8 text, not ASCII escapes, as durable's own
    Ruleset sends it. orjson, because encoding facts and decoding action messages was a
    fifth of replay time with the json module (docs/performance.md)."""
    return orjson.dumps(fact).decode()


_loads = orjson.loads


class DurableRuleset:
    """One compiled ruleset on its own host; sessions are cheap, the ruleset is not.

    `rules` maps durable rule names to their JSON patterns (the `all` list).
    """

    def __init__(self, name: str, rules: Mapping[str, Sequence[Mapping[str, Any]]]) -> None:
        self.name = name
        self._lock = threading.Lock()
        definition: dict[str, Any] = {}
        for rule_name in sorted(rules):
            definition[rule_name] = {"all": list(rules[rule_name])}
        definition[_ANCHOR] = {"all": [{"s": {"t": _ANCHOR}}]}
        self._definition = definition
        try:
            self._handle: int = _core.create_ruleset(name, _dumps(definition))
        except Exception as exc:  # durable raises its bare error type for bad definitions
            raise EngineError(f"durable-rules refused ruleset {name}: {exc}") from exc
        # The pool's first MAX_SESSIONS sids (read here, so that a smaller bound holds).
        self._free_sids = _SIDS[len(_SIDS) - MAX_SESSIONS :]
        self._live: dict[str, DurableSession] = {}

    def definition(self) -> dict[str, Any]:
        """The ruleset as durable-rules was given it (JSON-ready; a copy)."""
        copied: dict[str, Any] = _loads(_dumps(self._definition))
        return copied

    def open(self) -> DurableSession:
        with self._lock:
            if not self._free_sids:
                raise EngineError(
                    f"more than {MAX_SESSIONS} live case sessions; close sessions you no longer use"
                )
            sid = self._free_sids.pop()
            session = DurableSession(self, sid)
            self._live[sid] = session
            return session

    def _release(self, session: DurableSession) -> None:
        with self._lock:
            if self._live.pop(session.sid, None) is not None:
                # A session that never asserted a fact has no state to delete.
                with contextlib.suppress(Exception):
                    if session._touched and not session._acted:
                        # hazard 2: deleting it before any action ran would segfault
                        anchor = {"t": _ANCHOR, "id": _ANCHOR, "sid": session.sid}
                        session._call(_core.assert_fact, anchor)
                    _core.delete_state(self._handle, session.sid)
                self._free_sids.append(session.sid)


class DurableSession:
    """One case's live Rete state. Not thread-safe: one caller at a time."""

    def __init__(self, ruleset: DurableRuleset, sid: str) -> None:
        self._ruleset = ruleset
        self.sid = sid
        self.fired: list[Firing] = []
        self._next = 0  # the index of the session's next fact id in _FACT_IDS
        # id -> the whole fact as the caller asserted it. durable is given only the
        # fields its rules test (`only`), so a firing's bindings are read back from
        # here: the handlers see every field, durable parses and echoes few.
        self._facts: dict[str, dict[str, Any]] = {}
        self._closed = False
        self._touched = False  # a call reached durable
        self._acted = False  # a rule action ran for this session

    def _new_id(self) -> str:
        n = self._next
        self._next = n + 1
        return _FACT_IDS.get(n)

    def _call(self, operation: Any, fact: dict[str, Any]) -> None:
        """Hand `fact` to durable's `operation` (assert or retract), then take every
        firing it caused, in durable's order, into `fired`."""
        handle = self._ruleset._handle
        self._touched = True
        try:
            code, state = operation(handle, _dumps(fact))
            if code == _NOT_HANDLED:
                return  # hazard 7: a fact no rule uses
            if code == _OBSERVED:
                raise EngineError(f"fact id collision in durable-rules (a bug): {fact.get('id')}")
            if code != _OK:
                raise EngineError(f"durable-rules deferred {fact.get('t')} (code {code})")
            started = _core.start_action_for_state(handle, state)
            if started is None:
                return
            self._acted = True
            message = started[1]
            facts = self._facts
            try:
                while message is not None:
                    # One rule's match per action: {rule name: {binding: fact}}.
                    ((rule_name, bindings),) = _loads(message).items()
                    for name, bound in bindings.items():
                        bindings[name] = facts.get(bound["id"], bound)
                    self.fired.append((rule_name, bindings))
                    message = _core.complete_and_start_action(handle, state)
            except BaseException:
                with contextlib.suppress(Exception):
                    _core.abandon_action(handle, state)
                raise
        except EngineError:
            raise
        except Exception as exc:  # hazard 6: nothing from durable passes unnamed
            raise EngineError(
                f"durable-rules failed on {operation.__name__} {fact.get('t')}: {exc}"
            ) from exc

    def assert_fact(
        self, fact: Mapping[str, Any], *, only: Collection[str] | None = None
    ) -> dict[str, Any]:
        """Assert a flat fact; returns it with the `id` and `sid` it was given.

        With `only`, durable gets just those fields (and `t`): the fields its rules
        test. A firing's bindings are the whole facts all the same (the session keeps
        them by id until they are retracted).
        """
        if self._closed:
            raise EngineError("the session is closed")
        stored = dict(fact)
        stored[ALWAYS] = 1  # see rules/language.py: the always-true join condition
        stored["id"] = self._new_id()
        stored["sid"] = self.sid
        if only is None:
            self._call(_core.assert_fact, stored)
        else:
            sent = {k: stored[k] for k in ("t", *only) if k in stored}
            sent[ALWAYS], sent["id"], sent["sid"] = 1, stored["id"], self.sid
            self._facts[stored["id"]] = stored
            self._call(_core.assert_fact, sent)
        return stored

    def retract_fact(self, stored: Mapping[str, Any]) -> None:
        if self._closed:
            raise EngineError("the session is closed")
        # durable finds a fact to retract by its id and session alone (events.c,
        # ACTION_RETRACT_FACT): the rest of a large fact would only be encoded and parsed.
        self._call(_core.retract_fact, {"sid": self.sid, "id": stored["id"], "t": stored.get("t")})
        self._facts.pop(stored["id"], None)

    def take_fired(self) -> list[Firing]:
        fired, self.fired = self.fired, []
        return fired

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._facts.clear()
            self._ruleset._release(self)

    def __enter__(self) -> DurableSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
