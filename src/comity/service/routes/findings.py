"""Reads of the findings store, the explanation of a finding, deadlines, and replays.

Findings and deadlines are answered from the findings store (what `comity findings`
reads), at its cut: every document says the cut (`as_of`, `known_at`, `rulepack`,
`position`), and `POST /v1/replay` with those times gives the same findings. The
service keeps the store current itself (unless started with `--no-watch`); until it
has caught up once, these endpoints answer 503 with `Retry-After`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from comity.audit.basis import Basis, basis_of
from comity.engine import replay_log
from comity.errors import InvalidInput
from comity.events import format_time
from comity.events.time import format_request_time
from comity.findings import Cut, FindingsStore
from comity.report import ReplayAt
from comity.report.deadlines import horizon
from comity.rules.pack import SEVERITIES
from comity.service.auth import Caller, guarded, runtime_of
from comity.service.body import decode_json, read_body
from comity.service.disclose import disclose
from comity.service.problems import HttpProblem
from comity.service.query import bad_request, flag, known, many, number, one, when
from comity.service.render import (
    case_findings_bytes,
    cut_json,
    deadlines_bytes,
    explain_bytes,
    failures_json,
    findings_bytes,
    replay_bytes,
)
from comity.service.routes._common import path_id
from comity.service.runtime import Stores

__all__ = ["ROUTES"]

#: The most cases one replay request may name.
MAX_REPLAY_CASES = 1000


def _store(stores: Stores) -> FindingsStore:
    store = stores.findings
    if store is None or store.cut() is None:
        raise HttpProblem(
            503,
            "not-ready",
            "Findings store not ready",
            "the findings store has not caught up with the log yet; the service builds it "
            "when started with its watcher (the default), or run `comity watch`",
            headers={"Retry-After": "2"},
        )
    return store


def _failed(failures: list[tuple[str, str]]) -> None:
    """A case named whose replay failed: an error, not an empty list of findings (the
    command line exits 4 naming it). 500: nothing the client sent was wrong, and
    nothing comes of retrying until the rule pack or the case changes."""
    if failures:
        raise HttpProblem(
            500,
            "case-failed",
            "Case could not be replayed",
            "\n".join(f"case {c!r} could not be replayed: {why}" for c, why in failures),
            extra={"failures": failures_json(failures)},
        )


def _basis(stores: Stores, cut: Cut) -> Basis:
    """What an answer from the findings store stands on, taken with the read (not when
    it is recorded, which would name a later head or checkpoint than the bytes do)."""
    return basis_of(
        stores.log, stores.audit, rulepack=cut.rulepack, as_of=cut.as_of, known_at=cut.known_at
    )


def _missing(stores: Stores, store: FindingsStore, cut: Cut, cases: Sequence[str]) -> None:
    """404 for a case the log does not hold; 503 with Retry-After for one it holds but
    the findings store's cut does not reach yet (just appended: the watcher applies it
    within moments), so that a client reading its own append retries rather than
    concluding that the case does not exist."""
    if not cases:
        return
    have = store.case_states(cut.generation, list(cases))
    missing = sorted(set(cases) - set(have))
    pending = [c for c in missing if stores.log.last_seq(c) > 0]
    if pending:
        raise HttpProblem(
            503,
            "not-caught-up",
            "Findings not caught up",
            "\n".join(
                f"case {c!r} is in the log, but the findings store's cut (position "
                f"{cut.position}) does not include it yet; retry after a moment (the "
                "service's watcher applies new events, or run `comity watch`)"
                for c in pending
            ),
            headers={"Retry-After": "1"},
        )
    if missing:
        raise HttpProblem(
            404,
            "not-found",
            "No such case",
            "\n".join(
                f"case {c!r}: no such case in the findings store (as of its cut)" for c in missing
            ),
        )


def _severity(request: Request) -> str | None:
    value = one(request, "severity")
    if value is not None and value not in SEVERITIES:
        raise bad_request("severity", f"expected one of {', '.join(SEVERITIES)}, got {value!r}")
    return value


@guarded("read")
async def case_findings(request: Request, caller: Caller) -> Response:
    known(request, ("open",))
    case_id = path_id(request, "case_id")
    open_only = flag(request, "open")

    def work(stores: Stores) -> tuple[Cut, Basis, bytes, list[str]]:
        store = _store(stores)
        with store.db.read():
            cut, found = store.findings(cases=[case_id], open_only=open_only)
            _missing(stores, store, cut, [case_id])
            _failed(store.failures(cases=[case_id]))
            _, running = store.open_deadlines(cases=[case_id])
        basis = _basis(stores, cut)
        output = case_findings_bytes(cut, case_id, found, running, basis)
        return cut, basis, output, [f.finding_id for f in found]

    cut, basis, output, ids = await runtime_of(request).call(work)
    return await disclose(
        request,
        caller,
        output,
        finding_ids=ids,
        cases=[case_id],
        basis=basis,
        read={
            "endpoint": "case_findings",
            "case": case_id,
            "open": open_only,
            "cut": cut_json(cut),
            "basis_shown": True,  # its answer carries the basis (older ones do not)
        },
    )


@guarded("read")
async def findings(request: Request, caller: Caller) -> Response:
    known(request, ("case", "open", "code", "jurisdiction", "severity", "since"))
    cases = many(request, "case")
    open_only = flag(request, "open")
    code = one(request, "code")
    jurisdiction = one(request, "jurisdiction")
    severity = _severity(request)
    since_value = when(one(request, "since"), "since", dates=False)
    since = since_value if isinstance(since_value, dt.datetime) else None

    def work(stores: Stores) -> tuple[Cut, Basis, bytes, list[str], list[str], int | None]:
        store = _store(stores)
        with store.db.read():
            cut, found = store.findings(
                cases=cases,
                open_only=open_only,
                code=code,
                jurisdiction=jurisdiction,
                severity=severity,
                since=since,
            )
            _missing(stores, store, cut, cases)
            failures = store.failures(cases=cases)
            if cases:
                _failed(failures)
            # `since` chose by the history: the last entry this snapshot holds re-derives it
            seen = store.history_head() if since is not None else None
        basis = _basis(stores, cut)
        return (
            cut,
            basis,
            findings_bytes(cut, found, failures, basis),
            [f.finding_id for f in found],
            sorted({f.case_id for f in found}),
            seen,
        )

    cut, basis, output, ids, shown, seen = await runtime_of(request).call(work)
    return await disclose(
        request,
        caller,
        output,
        finding_ids=ids,
        cases=shown,
        basis=basis,
        read={
            "endpoint": "findings",
            "cases": sorted(set(cases)),
            "open": open_only,
            "code": code,
            "jurisdiction": jurisdiction,
            "severity": severity,
            "since": None if since is None else format_request_time(since),
            "history": seen,
            "cut": cut_json(cut),
            "basis_shown": True,  # its answer carries the basis (older ones do not)
        },
    )


@guarded("read")
async def explain(request: Request, caller: Caller) -> Response:
    """What `comity explain` shows, as JSON: the finding, its rule, the events."""
    known(request, ())
    finding_id = path_id(request, "finding_id")
    runtime = runtime_of(request)

    def work(stores: Stores) -> tuple[Cut, Basis, bytes, str]:
        store = _store(stores)
        with store.db.read():
            cut, found = store.findings()  # one snapshot: the finding at the cut
            case_id = next((f.case_id for f in found if f.finding_id == finding_id), None)
            if case_id is None:
                # A finding of a case that since failed to replay was withdrawn with it.
                was = {c.case_id for c in store.history(finding_id=finding_id)}
                _failed(store.failures(cases=sorted(was)) if was else [])
        if case_id is None:
            raise HttpProblem(
                404,
                "not-found",
                "No such finding",
                f"no finding {finding_id!r} in the findings store (as of its cut); take "
                "finding ids from GET /v1/findings",
            )
        data = next(f.to_json() for f in found if f.finding_id == finding_id)
        ids = {*data.get("because", []), *(data.get("resolved_by") or [])}
        events = {
            s.event_id: s
            for s in stores.log.read_case(case_id, known_at=cut.known_at)
            if s.event_id in ids
        }
        basis = _basis(stores, cut)
        output = explain_bytes(cut, data, runtime.pack, events, basis)
        return cut, basis, output, case_id

    cut, basis, output, case_id = await runtime.call(work)
    return await disclose(
        request,
        caller,
        output,
        finding_ids=[finding_id],
        cases=[case_id],
        basis=basis,
        read={
            "endpoint": "explain",
            "finding": finding_id,
            "case": case_id,
            "cut": cut_json(cut),
            "basis_shown": True,  # its answer carries the basis (older ones do not)
            "rule_shown": runtime.pack.digest == cut.rulepack,
        },
    )


@guarded("read")
async def deadlines(request: Request, caller: Caller) -> Response:
    known(request, ("case", "within"))
    cases = many(request, "case")
    within = number(request, "within")

    def work(stores: Stores) -> tuple[Cut, Basis, bytes, list[str]]:
        store = _store(stores)
        with store.db.read():
            cut = store.cut()
            assert cut is not None
            last = None if within is None else horizon(cut.as_of, within)
            _missing(stores, store, cut, cases)
            failures = store.failures(cases=cases)
            if cases:
                _failed(failures)
            cut, running = store.open_deadlines(cases=cases, breach_until=last)
        basis = _basis(stores, cut)
        output = deadlines_bytes(cut, running, within, basis, failures)
        return cut, basis, output, sorted({d.case_id for d in running})

    cut, basis, output, shown = await runtime_of(request).call(work)
    return await disclose(
        request,
        caller,
        output,
        cases=shown,
        basis=basis,
        read={
            "endpoint": "deadlines",
            "cases": sorted(set(cases)),
            "within": within,
            "cut": cut_json(cut),
        },
    )


def _replay_request(value: Any, now: dt.datetime) -> tuple[ReplayAt, list[str] | None]:
    if not isinstance(value, dict):
        raise InvalidInput("<body>: expected a JSON object {as_of, known_at, cases}")
    extra = sorted(set(value) - {"as_of", "known_at", "cases"})
    if extra:
        raise InvalidInput(
            f"<body>: {extra[0]}: unknown field; a replay takes as_of, known_at and cases"
        )
    as_of = when(value.get("as_of"), "as_of", dates=True)
    known_at = when(value.get("known_at"), "known_at", dates=False)
    cases = value.get("cases")
    if cases is not None:
        if not isinstance(cases, list) or not all(isinstance(c, str) for c in cases):
            raise InvalidInput("<body>: cases: expected a list of case ids")
        if len(cases) > MAX_REPLAY_CASES:
            raise InvalidInput(
                f"<body>: cases: {len(cases)} cases; at most {MAX_REPLAY_CASES} in one replay"
            )
    at = ReplayAt(
        as_of if as_of is not None else now.date(),
        known_at if isinstance(known_at, dt.datetime) else now,
    )
    return at, (list(dict.fromkeys(cases)) if cases else None)


@guarded("read")
async def replay(request: Request, caller: Caller) -> Response:
    """A replay at any cut: the document `comity replay --format json` prints."""
    known(request, ())
    runtime = runtime_of(request)
    body = await read_body(request, runtime.settings.max_body_bytes)
    value = decode_json(body, runtime.settings.max_body_bytes) if body.strip() else {}
    at, cases = _replay_request(value, runtime.clock())
    pack = runtime.pack

    def work(stores: Stores) -> tuple[bytes, Basis, list[str], list[str]]:
        log = stores.log
        if cases:
            missing = []
            for c in cases:
                events = log.read_case(c, known_at=at.known_at)
                if next(events, None) is None:
                    missing.append(c)
                events.close()  # type: ignore[attr-defined]
            if missing:
                raise HttpProblem(
                    404,
                    "not-found",
                    "No such case",
                    "\n".join(
                        f"case {c!r}: no events in this case recorded by {format_time(at.known_at)}"
                        for c in missing
                    ),
                )
        with runtime.engine_lock:
            results = list(replay_log(log, pack, as_of=at.as_of, known_at=at.known_at, cases=cases))
        # the document of `comity replay --format json`, byte for byte: its basis too
        basis = basis_of(
            log, stores.audit, rulepack=pack.digest, as_of=at.as_of, known_at=at.known_at
        )
        output = replay_bytes(results, at, pack.digest, basis)
        ids = [f.finding_id for r in results for f in r.findings]
        return output, basis, ids, [r.case_id for r in results]

    output, basis, ids, shown = await runtime.call(work)
    return await disclose(
        request,
        caller,
        output,
        finding_ids=ids,
        cases=shown,
        basis=basis,
        read={
            "endpoint": "replay",
            "cases": cases,
            "as_of": format_request_time(at.as_of),
            "known_at": format_request_time(at.known_at),
        },
    )


ROUTES = [
    Route("/v1/cases/{case_id}/findings", case_findings, methods=["GET"]),
    Route("/v1/findings", findings, methods=["GET"]),
    Route("/v1/findings/{finding_id}", explain, methods=["GET"]),
    Route("/v1/deadlines", deadlines, methods=["GET"]),
    Route("/v1/replay", replay, methods=["POST"]),
]
