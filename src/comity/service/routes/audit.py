"""The auditor's reads: the latest signed checkpoint and the disclosure record.

Both are recorded as reads too: an auditor's look at who saw what is itself a
disclosure (of the actors and cases in it). Each record keeps what shows the same
again (the stored checkpoint's id; the head of the disclosure record when it was
read), so that `comity audit reproduce` renders it again and compares.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from comity.audit.signing import LOGS
from comity.audit.store import StoredCheckpoint, StoredDisclosure
from comity.service.auth import Caller, guarded, runtime_of
from comity.service.disclose import disclose
from comity.service.problems import HttpProblem
from comity.service.query import bad_request, known, number, one, when
from comity.service.render import checkpoint_bytes, disclosures_bytes
from comity.service.runtime import Stores

__all__ = ["ROUTES", "latest_of", "shown_disclosures"]


@guarded("audit")
async def latest_checkpoint(request: Request, caller: Caller) -> Response:
    known(request, ("log",))
    which = one(request, "log") or "events"
    if which not in LOGS:
        raise bad_request("log", f"expected one of {', '.join(LOGS)}, got {which!r}")

    def work(stores: Stores) -> StoredCheckpoint | None:
        return latest_of(stores.audit.checkpoints(), which)

    found = await runtime_of(request).call(work)
    if found is None:
        raise HttpProblem(
            404,
            "not-found",
            "No checkpoint",
            f"no checkpoint of the {which} log is stored yet; `comity checkpoint` signs one",
        )
    # The stored checkpoint it showed, by id: the table is append-only.
    read = {"endpoint": "checkpoint", "log": which, "id": found.id, "origin": found.origin}
    return await disclose(request, caller, checkpoint_bytes(which, found), read=read)


def latest_of(
    checkpoints: Sequence[StoredCheckpoint], which: str, through: int | None = None
) -> StoredCheckpoint | None:
    """The latest of the stored `checkpoints` of the log `which` (`events`,
    `disclosures`: origins are `<key name>/<log>`), of ids up to `through` if given."""
    found = [
        c
        for c in checkpoints
        if c.origin.rsplit("/", 1)[-1] == which and (through is None or c.id <= through)
    ]
    return found[-1] if found else None


def shown_disclosures(
    records: Sequence[StoredDisclosure], *, through: int, limit: int
) -> list[StoredDisclosure]:
    """What `GET /v1/disclosures` shows of the `records` its filters chose: the last
    `limit` of those up to position `through` (the record's head when it was read)."""
    return [d for d in records if d.position <= through][-limit:]


@guarded("audit")
async def disclosures(request: Request, caller: Caller) -> Response:
    known(request, ("case", "actor", "since", "limit"))
    case_id = one(request, "case")
    actor = one(request, "actor")
    since_value = when(one(request, "since"), "since", dates=False)
    since = None if since_value is None else one(request, "since")
    limit = number(request, "limit", low=1, high=10_000) or 1000

    def work(stores: Stores) -> tuple[tuple[int, str], list[StoredDisclosure]]:
        head = stores.audit.disclosure_head()  # before the query: what it may show
        found = stores.audit.disclosures(case_id=case_id, actor=actor, since=since)
        return head, shown_disclosures(found, through=head[0], limit=limit)

    (position, head_hash), records = await runtime_of(request).call(work)
    cases = sorted({c for r in records for c in r.data().get("cases", [])})
    # The records it showed are those the filters choose up to the record's head then:
    # its hash says whether the record still holds them (`comity audit reproduce`).
    read = {
        "endpoint": "disclosures",
        "case": case_id,
        "actor": actor,
        "since": since,
        "limit": limit,
        "through": {"position": position, "hash": head_hash},
        "shown": [records[0].position, records[-1].position] if records else None,
    }
    output = disclosures_bytes(records)
    return await disclose(request, caller, output, cases=cases, read=read)


ROUTES = [
    Route("/v1/checkpoints/latest", latest_checkpoint, methods=["GET"]),
    Route("/v1/disclosures", disclosures, methods=["GET"]),
]
