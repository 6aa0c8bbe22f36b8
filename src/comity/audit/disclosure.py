"""Recording a disclosure: who was shown which output, when, and what it stood on.

Every front end that shows case data (the command line, the HTTP service, a scheduled
report) records one disclosure per output, through :func:`record_disclosure`, before
the output leaves: the digest is of the exact bytes delivered, so that an auditor can
later re-derive the output (`comity audit reproduce`) and compare. The record is
appended to the store's disclosure log (:mod:`comity.audit.store`): append-only,
hash-chained, covered by `comity verify` and by checkpoints of its own origin.

A store that cannot take the record (read-only, a standby, a refused write) is
:class:`NotRecorded` (exit 5); one that cannot be reached is
:class:`~comity.errors.StoreUnavailable` (exit 4, a store error as anywhere else).
Either way the caller must show nothing, so that nothing is shown unrecorded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from comity.audit.basis import Basis
from comity.audit.store import AuditStore
from comity.errors import InvalidInput, NotRecorded, StoreError, StoreReadOnly, StoreUnavailable
from comity.events.store.records import format_recorded_at

__all__ = ["KINDS", "OutputDigest", "disclosure_inputs", "record_disclosure"]

#: What was disclosed: a command's output, or a response of the HTTP service.
KINDS = (
    "replay",
    "explain",
    "deadlines",
    "findings",
    "cases",
    "check",
    "report",
    "export",
    "bundle",
    "http",
)


@attrs.frozen
class OutputDigest:
    """The SHA-256 (hex) and length of an output too large to pass as bytes (a front
    end that spooled it to disk hashes it there)."""

    sha256: str
    bytes: int


def disclosure_inputs(
    basis: Basis,
    *,
    cases: Sequence[str] = (),
    request: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The inputs member of a record: the cut and basis, the cases asked for, and the
    request (command, format, filters) that re-renders the same bytes."""
    return {
        "as_of": basis.as_of,
        "known_at": basis.known_at,
        "cases": sorted(set(cases)),
        "rulepack": basis.rulepack,
        "versions": dict(basis.versions),
        "log": basis.head.to_json(),
        "checkpoint": basis.checkpoint,
        "request": dict(request or {}),
    }


def record_disclosure(
    audit: AuditStore,
    *,
    kind: str,
    actor: str,
    output: bytes | OutputDigest,
    media_type: str,
    inputs: Mapping[str, Any],
    finding_ids: Iterable[str] = (),
    cases: Iterable[str] = (),
    purpose: str | None = None,
    recipients: Sequence[str] = (),
    now: dt.datetime | None = None,
) -> str:
    """Append one disclosure record and return its id (a UUID).

    `output` is the exact bytes delivered (their SHA-256 and length are stored, not
    the bytes), or their :class:`OutputDigest`; `inputs` is what re-derives them (see
    :func:`disclosure_inputs`);
    `cases` are the cases the output showed (what `audit log --case` finds it by).
    `now` is the record time (default: the wall clock; this is a front end's record,
    never the engine's). A store that refuses the write is :class:`NotRecorded`; one
    that cannot be reached, :class:`~comity.errors.StoreUnavailable`.
    """
    if kind not in KINDS:
        raise InvalidInput(f"disclosure kind {kind!r}: expected one of {', '.join(KINDS)}")
    if not actor.strip():
        raise InvalidInput("the actor of a disclosure must be named (--actor or COMITY_ACTOR)")
    shown = sorted(set(cases))
    digest = (
        output
        if isinstance(output, OutputDigest)
        else OutputDigest(hashlib.sha256(output).hexdigest(), len(output))
    )
    record_id = str(uuid.uuid4())
    data = {
        "record_id": record_id,
        "recorded_at": format_recorded_at(now or dt.datetime.now(dt.UTC)),
        "kind": kind,
        "actor": actor,
        "purpose": purpose,
        "recipients": list(recipients),
        "inputs": dict(inputs),
        "output": {
            "media_type": media_type,
            "sha256": digest.sha256,
            "bytes": digest.bytes,
        },
        "finding_ids": list(dict.fromkeys(finding_ids)),
        "cases": shown,
    }
    try:
        audit.record(data, cases=shown)
    except StoreUnavailable as exc:
        if not isinstance(exc, StoreReadOnly):  # unreachable, not refusing: exit 4
            raise StoreUnavailable(
                f"{audit.where}: the disclosure could not be recorded ({exc}); nothing was shown"
            ) from None
        raise NotRecorded(
            f"{audit.where}: the disclosure could not be recorded ({exc}); "
            "nothing was shown. Use a store comity can write to"
        ) from None
    except StoreError as exc:
        raise NotRecorded(
            f"{audit.where}: the disclosure could not be recorded ({exc}); "
            "nothing was shown. Use a store comity can write to"
        ) from None
    return record_id
