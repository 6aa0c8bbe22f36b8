"""The auditor's reads: the latest signed checkpoint and the disclosure record.

Both are recorded as reads too: an auditor's look at who saw what is itself a
disclosure (of the actors and cases in it).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from comity.audit.signing import LOGS
from comity.service.auth import Caller, guarded, runtime_of
from comity.service.disclose import disclose
from comity.service.problems import HttpProblem
from comity.service.query import bad_request, known, number, one, when
from comity.service.routes._common import json_bytes
from comity.service.runtime import Stores

__all__ = ["ROUTES"]


@guarded("audit")
async def latest_checkpoint(request: Request, caller: Caller) -> Response:
    known(request, ("log",))
    which = one(request, "log") or "events"
    if which not in LOGS:
        raise bad_request("log", f"expected one of {', '.join(LOGS)}, got {which!r}")

    def work(stores: Stores) -> dict[str, Any] | None:
        found = [c for c in stores.audit.checkpoints() if c.origin.rsplit("/", 1)[-1] == which]
        if not found:
            return None
        c = found[-1]
        return {
            "log": which,
            "origin": c.origin,
            "size": c.size,
            "root": c.root,
            "recorded_at": c.recorded_at,
            "note": c.note,
        }

    doc = await runtime_of(request).call(work)
    if doc is None:
        raise HttpProblem(
            404,
            "not-found",
            "No checkpoint",
            f"no checkpoint of the {which} log is stored yet; `comity checkpoint` signs one",
        )
    return await disclose(request, caller, json_bytes(doc))


@guarded("audit")
async def disclosures(request: Request, caller: Caller) -> Response:
    known(request, ("case", "actor", "since", "limit"))
    case_id = one(request, "case")
    actor = one(request, "actor")
    since_value = when(one(request, "since"), "since", dates=False)
    since = None if since_value is None else one(request, "since")
    limit = number(request, "limit", low=1, high=10_000) or 1000

    def work(stores: Stores) -> list[dict[str, Any]]:
        found = stores.audit.disclosures(case_id=case_id, actor=actor, since=since)
        return [
            {
                "position": d.position,
                "record_id": d.record_id,
                "recorded_at": d.recorded_at,
                "kind": d.kind,
                "actor": d.actor,
                "hash": d.hash,
                "record": d.data(),
            }
            for d in found[-limit:]
        ]

    records = await runtime_of(request).call(work)
    cases = sorted({c for r in records for c in r["record"].get("cases", [])})
    return await disclose(request, caller, json_bytes({"disclosures": records}), cases=cases)


ROUTES = [
    Route("/v1/checkpoints/latest", latest_checkpoint, methods=["GET"]),
    Route("/v1/disclosures", disclosures, methods=["GET"]),
]
