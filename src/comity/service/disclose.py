"""Every read is recorded before it is answered: the disclosure record.

A read endpoint renders its answer to bytes, then records one disclosure (the token's
name as the actor, the SHA-256 of exactly those bytes, the findings and cases they
show, and the request that re-derives them), and only then sends them. A store that
cannot take the record answers 503 and shows nothing, so that nothing leaves
unrecorded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from comity.audit import basis_of, disclosure_inputs, record_disclosure
from comity.audit.basis import Basis
from comity.service.auth import Caller, runtime_of
from comity.service.problems import HttpProblem
from comity.service.runtime import Stores

__all__ = ["disclose", "record_read"]


def _request(request: Request, read: Mapping[str, Any] | None) -> dict[str, Any]:
    """The request as it came, and (`read`) what the route read, as it read it: what
    `comity audit reproduce` renders again (:mod:`comity.service.render`)."""
    info: dict[str, Any] = {
        "method": request.method,
        "path": request.url.path,
        "query": sorted(request.query_params.multi_items()),
    }
    if read is not None:
        info["read"] = dict(read)
    return info


def record_read(
    stores: Stores,
    *,
    actor: str,
    request: Mapping[str, Any],
    output: bytes,
    media_type: str,
    finding_ids: Iterable[str] = (),
    cases: Iterable[str] = (),
    rulepack: str | None = None,
    as_of: dt.date | dt.datetime | None = None,
    known_at: dt.datetime | None = None,
    basis: Basis | None = None,
) -> str:
    """Record one read in the disclosure record; returns its id. `basis` is what the
    answer stood on, if the route took it with its read (else it is taken now)."""
    audit = stores.audit
    if basis is None:
        basis = basis_of(stores.log, audit, rulepack=rulepack, as_of=as_of, known_at=known_at)
    shown = sorted(set(cases))
    record_id: str = record_disclosure(
        audit,
        kind="http",
        actor=actor,
        output=output,
        media_type=media_type,
        inputs=disclosure_inputs(basis, cases=shown, request=request),
        finding_ids=finding_ids,
        cases=shown,
    )
    return record_id


async def disclose(
    request: Request,
    caller: Caller,
    output: bytes,
    *,
    media_type: str = "application/json",
    finding_ids: Iterable[str] = (),
    cases: Iterable[str] = (),
    rulepack: str | None = None,
    as_of: dt.date | dt.datetime | None = None,
    known_at: dt.datetime | None = None,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    basis: Basis | None = None,
    read: Mapping[str, Any] | None = None,
) -> Response:
    """Record the read of `output`, then answer with it."""
    from comity.errors import ComityError

    info = _request(request, read)
    ids, shown = list(finding_ids), list(cases)
    try:
        record_id = await runtime_of(request).call(
            lambda s: record_read(
                s,
                actor=caller.actor,
                request=info,
                output=output,
                media_type=media_type,
                finding_ids=ids,
                cases=shown,
                rulepack=rulepack,
                as_of=as_of,
                known_at=known_at,
                basis=basis,
            ),
            timeout=False,
        )
    except ComityError as exc:
        raise HttpProblem(
            503,
            "not-recorded",
            "The read could not be recorded",
            f"{exc}; nothing was shown",
            headers={"Retry-After": "1"},
        ) from None
    return Response(
        output,
        status_code=status,
        media_type=media_type,
        headers={**(headers or {}), "Comity-Disclosure": record_id},
    )
