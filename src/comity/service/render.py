"""The bytes each read of the service answers, from what it read: one function a read.

A route reads the stores, then renders its answer with the function here; `comity audit
reproduce` derives the same inputs again from the log (a replay at the recorded cut,
the history of finding changes up to the recorded entry, the records up to the
recorded head) and renders them with the very same function. One code path, so that a
reproduced answer is the answer, not a look-alike (as :mod:`comity.cli.outputs` is for
the command line).

What a read needs to be rendered again travels in its disclosure record, under
`inputs.request.read` (:func:`read_request`): the endpoint, its parameters as read, and
the findings store's cut it answered from (generation, position, as_of, known_at, rule
pack), with, for a `since` read, the last entry of the history it saw; for a batch
of the stream, the cursors it started after and ended at; for the auditor's reads, the
checkpoint shown or the head of the disclosure record read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs
import orjson

from comity.audit.basis import Basis
from comity.audit.store import StoredCheckpoint, StoredDisclosure
from comity.engine import CaseResult, OpenDeadline
from comity.events import StoredEvent, canonical_json
from comity.events.time import format_instant, format_request_time, request_instant_of
from comity.findings import Change, Cut, StoredFinding
from comity.report import ReplayAt
from comity.report.basis import basis_json
from comity.report.json import deadlines_document, json_document, replay_document
from comity.rules import RulePack

__all__ = [
    "StreamBatch",
    "case_events_bytes",
    "case_findings_bytes",
    "checkpoint_bytes",
    "cut_json",
    "cut_of",
    "deadlines_bytes",
    "disclosures_bytes",
    "explain_bytes",
    "failures_json",
    "findings_bytes",
    "replay_bytes",
    "stream_batch",
]


def _json(data: Any) -> bytes:
    return orjson.dumps(data)


def cut_json(cut: Cut) -> dict[str, Any]:
    """A cut as a disclosure record keeps it: exact to the microsecond (isoformat)."""
    return {
        "generation": cut.generation,
        "rulepack": cut.rulepack,
        "position": cut.position,
        "as_of": format_request_time(cut.as_of),
        "known_at": format_request_time(cut.known_at),
    }


def cut_of(data: Mapping[str, Any]) -> Cut:
    """The cut a record kept (:func:`cut_json`)."""
    return Cut(
        generation=int(data["generation"]),
        rulepack=str(data["rulepack"]),
        state="current",
        position=int(data["position"]),
        as_of=request_instant_of(data["as_of"]),
        known_at=request_instant_of(data["known_at"]),
    )


def _head(cut: Cut, basis: Basis | None) -> dict[str, Any]:
    """The cut, then (as every output of case data) the `basis` the answer stands on:
    the log head, the latest checkpoint, the versions (docs/audit.md)."""
    return {
        **ReplayAt(cut.as_of, cut.known_at).header(),
        "rulepack": cut.rulepack,
        "position": cut.position,
        **basis_json(basis),
    }


def failures_json(failures: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"case_id": case_id, "error": error} for case_id, error in failures]


def case_events_bytes(case_id: str, events: Sequence[StoredEvent]) -> bytes:
    """`GET /v1/cases/{id}/events`: the case's records, in seq order."""
    docs = [s.to_json() for s in events]
    return _json({"case_id": case_id, "last_seq": docs[-1]["seq"], "events": docs})


def case_findings_bytes(
    cut: Cut,
    case_id: str,
    found: Sequence[StoredFinding],
    running: Sequence[OpenDeadline],
    basis: Basis | None = None,
) -> bytes:
    """`GET /v1/cases/{id}/findings`."""
    return _json(
        {
            **_head(cut, basis),
            "case_id": case_id,
            "findings": [f.to_json() for f in found],
            "open_deadlines": [d.to_json() for d in running],
        }
    )


def findings_bytes(
    cut: Cut,
    found: Sequence[StoredFinding],
    failures: Sequence[tuple[str, str]] = (),
    basis: Basis | None = None,
) -> bytes:
    """`GET /v1/findings`: `failures` (case, why) are the cases in scope whose replay
    failed, listed so that a client reading every case learns of them (a read naming
    such a case is a problem instead)."""
    doc: dict[str, Any] = {**_head(cut, basis), "findings": [f.to_json() for f in found]}
    if failures:
        doc["failures"] = failures_json(failures)
    return _json(doc)


def explain_bytes(
    cut: Cut,
    data: Mapping[str, Any],
    pack: RulePack | None,
    events: Mapping[str, StoredEvent],
    basis: Basis | None = None,
) -> bytes:
    """`GET /v1/findings/{id}`: the finding (its JSON), its rule when `pack` is the
    cut's, and the events it rests on and that resolved it (`events` by id)."""
    rule: dict[str, Any] | None = None
    if pack is not None and pack.digest == cut.rulepack:
        r = pack.rule(data["rule"])
        rule = {
            "id": r.id,
            "code": r.code,
            "title": r.title,
            "description": " ".join(r.description.split()),
            "source": r.source,
        }
    shown = {i: s.to_json() for i, s in events.items()}
    return _json(
        {
            **_head(cut, basis),
            "finding": dict(data),
            "rule": rule,
            "because": [shown.get(i) for i in data.get("because", [])],
            "resolved_by": [shown.get(i) for i in data.get("resolved_by") or []],
        }
    )


def deadlines_bytes(
    cut: Cut,
    running: Sequence[OpenDeadline],
    within: int | None,
    basis: Basis,
    failures: Sequence[tuple[str, str]] = (),
) -> bytes:
    """`GET /v1/deadlines`: the document of `comity deadlines --format json` for the
    cut (with a `failures` member before `deadlines` when a case in scope failed,
    where the command line exits 4)."""
    at = ReplayAt(cut.as_of, cut.known_at)
    if not failures:
        return "".join(deadlines_document(running, at, cut.rulepack, within, basis)).encode()
    head = {
        **at.header(),
        "rulepack": cut.rulepack,
        **basis_json(basis),
        "within": within,
        "failures": failures_json(failures),
    }
    return "".join(json_document(head, "deadlines", (d.to_json() for d in running))).encode()


def replay_bytes(results: Sequence[CaseResult], at: ReplayAt, rulepack: str, basis: Basis) -> bytes:
    """`POST /v1/replay`: the document of `comity replay --format json`, byte for byte."""
    return "".join(replay_document(results, at, rulepack, basis=basis)).encode()


def checkpoint_bytes(which: str, checkpoint: StoredCheckpoint) -> bytes:
    """`GET /v1/checkpoints/latest?log=`: the stored checkpoint, the signed note itself."""
    return _json(
        {
            "log": which,
            "origin": checkpoint.origin,
            "size": checkpoint.size,
            "root": checkpoint.root,
            "recorded_at": checkpoint.recorded_at,
            "note": checkpoint.note,
        }
    )


def disclosures_bytes(records: Iterable[StoredDisclosure]) -> bytes:
    """`GET /v1/disclosures`: each record as stored, with its position and chain hash."""
    return _json(
        {
            "disclosures": [
                {
                    "position": d.position,
                    "record_id": d.record_id,
                    "recorded_at": d.recorded_at,
                    "kind": d.kind,
                    "actor": d.actor,
                    "hash": d.hash,
                    "record": d.data(),
                }
                for d in records
            ]
        }
    )


def _change_json(c: Change) -> dict[str, Any]:
    return {
        "id": c.id,
        "generation": c.generation,
        "rulepack": c.rulepack,
        "finding_id": c.finding_id,
        "case_id": c.case_id,
        "change": c.change,
        "cause": c.cause,
        "position": c.position,
        "clock": c.clock,
        "recorded_at": format_instant(c.recorded_at, timespec="microseconds"),
        "finding": c.data,
    }


@attrs.frozen
class StreamBatch:
    """One batch of the stream: the messages to send (`output`, empty when every
    record read was of another case), what they showed, the cursor after it (`end`:
    the position of the last event read, the id of the last change read) and the `id:`
    of the last message (`last_id`, empty without one)."""

    output: bytes
    finding_ids: tuple[str, ...]
    cases: frozenset[str]
    end: tuple[int, int]
    last_id: str


def stream_batch(
    start: tuple[int, int],
    events: Iterable[StoredEvent],
    changes: Iterable[Change],
    *,
    cases: frozenset[str],
    with_findings: bool,
) -> StreamBatch:
    """`GET /v1/stream`: the messages of the events and finding changes read after the
    cursor `start` (log position, change id), in that order, each with the `id:` a
    client resumes from (`P:C`, or `P` alone without findings); `cases` (if any) keeps
    those cases' messages."""
    position, change = start

    def cursor() -> str:
        return f"{position}:{change}" if with_findings else str(position)

    parts: list[str] = []
    finding_ids: list[str] = []
    shown: set[str] = set()
    last_id = ""
    for stored in events:
        position = stored.position
        if cases and stored.case_id not in cases:
            continue
        shown.add(stored.case_id)
        data = canonical_json(stored.to_json())
        last_id = cursor()
        parts.append(f"id: {last_id}\nevent: event\ndata: {data}\n\n")
    if with_findings:
        for c in changes:
            change = c.id
            if cases and c.case_id not in cases:
                continue
            shown.add(c.case_id)
            finding_ids.append(c.finding_id)
            data = canonical_json(_change_json(c))
            last_id = cursor()
            parts.append(f"id: {last_id}\nevent: finding\ndata: {data}\n\n")
    return StreamBatch(
        output="".join(parts).encode(),
        finding_ids=tuple(finding_ids),
        cases=frozenset(shown),
        end=(position, change),
        last_id=last_id,
    )
