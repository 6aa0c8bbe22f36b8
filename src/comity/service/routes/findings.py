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

from comity.audit.basis import basis_of
from comity.engine import replay_log
from comity.errors import InvalidInput
from comity.events import format_time
from comity.findings import Cut, FindingsStore
from comity.report import ReplayAt
from comity.report.deadlines import horizon
from comity.report.json import deadlines_document, replay_document
from comity.rules.pack import SEVERITIES
from comity.service.auth import Caller, guarded, runtime_of
from comity.service.body import decode_json, read_body
from comity.service.disclose import disclose
from comity.service.problems import HttpProblem
from comity.service.query import bad_request, flag, known, many, number, one, when
from comity.service.routes._common import json_bytes, path_id
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


def _head(cut: Cut) -> dict[str, Any]:
    return {
        **ReplayAt(cut.as_of, cut.known_at).header(),
        "rulepack": cut.rulepack,
        "position": cut.position,
    }


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

    def work(stores: Stores) -> tuple[Cut, bytes, list[str]]:
        store = _store(stores)
        with store.db.read():
            cut, found = store.findings(cases=[case_id], open_only=open_only)
            _missing(stores, store, cut, [case_id])
            _, running = store.open_deadlines(cases=[case_id])
        ids = [f.finding_id for f in found]
        doc = {
            **_head(cut),
            "case_id": case_id,
            "findings": [f.to_json() for f in found],
            "open_deadlines": [d.to_json() for d in running],
        }
        return cut, json_bytes(doc), ids

    cut, output, ids = await runtime_of(request).call(work)
    return await disclose(
        request,
        caller,
        output,
        finding_ids=ids,
        cases=[case_id],
        rulepack=cut.rulepack,
        as_of=cut.as_of,
        known_at=cut.known_at,
    )


@guarded("read")
async def findings(request: Request, caller: Caller) -> Response:
    known(request, ("case", "open", "code", "jurisdiction", "severity", "since"))
    cases = many(request, "case")
    open_only = flag(request, "open")
    code = one(request, "code")
    jurisdiction = one(request, "jurisdiction")
    severity = _severity(request)
    since = when(one(request, "since"), "since", dates=False)

    def work(stores: Stores) -> tuple[Cut, bytes, list[str], list[str]]:
        store = _store(stores)
        with store.db.read():
            cut, found = store.findings(
                cases=cases,
                open_only=open_only,
                code=code,
                jurisdiction=jurisdiction,
                severity=severity,
                since=since if isinstance(since, dt.datetime) else None,
            )
            _missing(stores, store, cut, cases)
        doc = {**_head(cut), "findings": [f.to_json() for f in found]}
        return (
            cut,
            json_bytes(doc),
            [f.finding_id for f in found],
            sorted({f.case_id for f in found}),
        )

    cut, output, ids, shown = await runtime_of(request).call(work)
    return await disclose(
        request,
        caller,
        output,
        finding_ids=ids,
        cases=shown,
        rulepack=cut.rulepack,
        as_of=cut.as_of,
        known_at=cut.known_at,
    )


@guarded("read")
async def explain(request: Request, caller: Caller) -> Response:
    """What `comity explain` shows, as JSON: the finding, its rule, the events."""
    known(request, ())
    finding_id = path_id(request, "finding_id")
    runtime = runtime_of(request)

    def work(stores: Stores) -> tuple[Cut, bytes, str]:
        store = _store(stores)
        with store.db.read():
            cut, found = store.findings()  # one snapshot: the finding at the cut
        case_id = next((f.case_id for f in found if f.finding_id == finding_id), None)
        if case_id is None:
            raise HttpProblem(
                404,
                "not-found",
                "No such finding",
                f"no finding {finding_id!r} in the findings store (as of its cut); take "
                "finding ids from GET /v1/findings",
            )
        data = next(f.to_json() for f in found if f.finding_id == finding_id)
        ids = [*data.get("because", []), *(data.get("resolved_by") or [])]
        events = {
            s.event_id: s.to_json()
            for s in stores.log.read_case(case_id, known_at=cut.known_at)
            if s.event_id in ids
        }
        pack = runtime.pack
        rule: dict[str, Any] | None = None
        if pack.digest == cut.rulepack:
            r = pack.rule(data["rule"])
            rule = {
                "id": r.id,
                "code": r.code,
                "title": r.title,
                "description": " ".join(r.description.split()),
                "source": r.source,
            }
        doc = {
            **_head(cut),
            "finding": data,
            "rule": rule,
            "because": [events.get(i) for i in data.get("because", [])],
            "resolved_by": [events.get(i) for i in data.get("resolved_by") or []],
        }
        return cut, json_bytes(doc), case_id

    cut, output, case_id = await runtime.call(work)
    return await disclose(
        request,
        caller,
        output,
        finding_ids=[finding_id],
        cases=[case_id],
        rulepack=cut.rulepack,
        as_of=cut.as_of,
        known_at=cut.known_at,
    )


@guarded("read")
async def deadlines(request: Request, caller: Caller) -> Response:
    known(request, ("case", "within"))
    cases = many(request, "case")
    within = number(request, "within")

    def work(stores: Stores) -> tuple[Cut, bytes, list[str]]:
        store = _store(stores)
        with store.db.read():
            cut = store.cut()
            assert cut is not None
            last = None if within is None else horizon(cut.as_of, within)
            _missing(stores, store, cut, cases)
            cut, running = store.open_deadlines(cases=cases, breach_until=last)
        at = ReplayAt(cut.as_of, cut.known_at)
        basis = basis_of(
            stores.log, stores.audit, rulepack=cut.rulepack, as_of=at.as_of, known_at=at.known_at
        )
        output = "".join(deadlines_document(running, at, cut.rulepack, within, basis)).encode()
        return cut, output, sorted({d.case_id for d in running})

    cut, output, shown = await runtime_of(request).call(work)
    return await disclose(
        request,
        caller,
        output,
        cases=shown,
        rulepack=cut.rulepack,
        as_of=cut.as_of,
        known_at=cut.known_at,
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

    def work(stores: Stores) -> tuple[bytes, list[str], list[str]]:
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
        output = "".join(replay_document(results, at, pack.digest, basis=basis)).encode()
        ids = [f.finding_id for r in results for f in r.findings]
        return output, ids, [r.case_id for r in results]

    output, ids, shown = await runtime.call(work)
    return await disclose(
        request,
        caller,
        output,
        finding_ids=ids,
        cases=shown,
        rulepack=pack.digest,
        as_of=at.as_of,
        known_at=at.known_at,
    )


ROUTES = [
    Route("/v1/cases/{case_id}/findings", case_findings, methods=["GET"]),
    Route("/v1/findings", findings, methods=["GET"]),
    Route("/v1/findings/{finding_id}", explain, methods=["GET"]),
    Route("/v1/deadlines", deadlines, methods=["GET"]),
    Route("/v1/replay", replay, methods=["POST"]),
]
