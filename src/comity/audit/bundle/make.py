"""Making a case bundle: one case's records, proved against a signed checkpoint,
with the law, the findings and the record of the disclosure itself (docs/bundle.md).

Only the case's own records go in. A record's chain hash commits to the record
before it, so each record travels with that record's hash (`prev_hash`), which
shows nothing of another case; the leaf of the Merkle tree is the chain hash, so
the inclusion proof shows the record is in the log the checkpoint signed.

A bundle needs a stored checkpoint that covers every record it carries: comity does
not sign one on its own, since signing the log's head is the key holder's act
(`comity checkpoint`), kept apart from handing data to another country's authority.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from comity.audit.basis import Basis, basis_of, versions
from comity.audit.bundle import _pack
from comity.audit.bundle._replay import findings_document, replay, times
from comity.audit.bundle.layout import (
    CHECKPOINT,
    DISCLOSURE,
    FINDINGS,
    FORMAT,
    MANIFEST,
    MEDIA_TYPE,
    RECORDS,
    sha256_hex,
    write_bundle,
)
from comity.audit.checkpoint import parse_checkpoint
from comity.audit.disclosure import disclosure_inputs, record_disclosure
from comity.audit.merkle import MerkleTree, verify_inclusion
from comity.audit.store import AuditStore, StoredCheckpoint
from comity.errors import ChainBroken, ComityError, InvalidInput, VerificationFailed
from comity.events import GENESIS_HASH, EventLog, RawRecord, canonical_json
from comity.events.store.records import chain, format_recorded_at
from comity.events.time import format_request_time
from comity.rules import RulePack

__all__ = ["BundleContent", "BundleMade", "bundle_content", "make_bundle"]


@attrs.frozen(kw_only=True)
class BundleMade:
    """What `make_bundle` wrote and recorded."""

    path: Path
    case_id: str
    records: int
    findings: int
    checkpoint: StoredCheckpoint
    record_id: str
    manifest_sha256: str


def _covering(audit: AuditStore, case_id: str, needed: int) -> StoredCheckpoint:
    found = [c for c in audit.checkpoints() if c.origin.endswith("/events")]
    covering = [c for c in found if c.size >= needed]
    if not covering:
        latest = (
            f"the latest signed checkpoint covers {found[-1].size} records"
            if found
            else "no checkpoint of the events is stored"
        )
        raise InvalidInput(
            f"case {case_id}: its records reach position {needed}, but {latest}; "
            "sign the log's head with `comity checkpoint --key FILE`, then make the bundle "
            "again (nothing was written)"
        )
    return covering[-1]


def _read(
    log: EventLog, size: int, wanted: set[int]
) -> tuple[MerkleTree, list[RawRecord], list[str]]:
    """The tree of the first `size` records, the wanted raw records, and each wanted
    record's previous hash, in one pass over the log."""
    hashes: list[bytes] = []
    raws: list[RawRecord] = []
    prevs: list[str] = []
    prev = GENESIS_HASH
    for raw in log.raw_records():
        if raw.position > size:
            break
        if raw.position in wanted:
            raws.append(raw)
            prevs.append(prev)
        hashes.append(bytes.fromhex(raw.hash))
        prev = raw.hash
    return MerkleTree(hashes), raws, prevs


def _record_line(raw: RawRecord, prev: str, proof: Sequence[bytes]) -> str:
    return canonical_json(
        {
            "position": raw.position,
            "prev_hash": prev,
            "hash": raw.hash,
            "body": raw.body,
            "proof": [base64.b64encode(p).decode("ascii") for p in proof],
        }
    )


@attrs.frozen(kw_only=True)
class BundleContent:
    """A bundle but for its disclosure member: the manifest (whose SHA-256 is the
    output its disclosure record keeps) and the members it names, pack files aside."""

    manifest: bytes
    members: dict[str, bytes]
    records: int
    findings: list[str]
    checkpoint: dict[str, Any]


def bundle_content(
    log: EventLog,
    pack: RulePack,
    *,
    case_id: str,
    as_of: dt.date | dt.datetime,
    known_at: dt.datetime,
    basis: Basis,
    note: str,
    pack_digests: Sequence[tuple[str, str]],
    layers: Sequence[Mapping[str, Any]],
    made_at: str,
) -> BundleContent:
    """The content of the bundle of `case_id` at the cut, proved against the signed
    checkpoint `note`: a function of the log, the pack and these arguments alone, so
    that `comity audit reproduce` makes it again from its disclosure record and
    compares the manifest's digest (the zip's members carry a fixed time stamp)."""
    as_of_text, known_at_text = times(as_of, known_at)
    events = list(log.read_case(case_id, known_at=known_at))
    if not events:
        raise InvalidInput(
            f"--case {case_id}: no events in this case recorded by {known_at_text}; "
            "`comity log` lists the cases in the store"
        )
    positions = {s.position for s in events}
    checkpoint = parse_checkpoint(note)
    if checkpoint.size < max(positions):
        raise VerificationFailed(
            f"the checkpoint {checkpoint.origin} at size {checkpoint.size} does not cover "
            f"the case's records (they reach position {max(positions)})"
        )
    tree, raws, prevs = _read(log, checkpoint.size, positions)
    if len(tree) < checkpoint.size or tree.root() != checkpoint.root:
        raise VerificationFailed(
            f"the stored checkpoint {checkpoint.origin} at size {checkpoint.size} no longer "
            "matches the log; run `comity verify` (no bundle was written)"
        )
    for raw, prev in zip(raws, prevs, strict=True):
        if chain(prev, raw.body) != raw.hash:
            raise ChainBroken(raw.position, "hash mismatch; run `comity verify`")
    proofs = tree.inclusion_proofs([r.position - 1 for r in raws], checkpoint.size)
    for raw in raws:
        verify_inclusion(
            raw.position - 1,
            checkpoint.size,
            tree.leaf_hash(raw.position - 1),
            proofs[raw.position - 1],
            checkpoint.root,
        )
    result = replay(events, pack, case_id=case_id, as_of=as_of)
    if result.error is not None:
        raise ComityError(f"case {case_id} could not be replayed: {result.error}")
    findings = findings_document(
        result,
        as_of=as_of_text,
        known_at=known_at_text,
        rulepack=pack.digest,
        basis=basis.to_json(),
    )
    records = "".join(
        _record_line(raw, prev, proofs[raw.position - 1]) + "\n"
        for raw, prev in zip(raws, prevs, strict=True)
    ).encode("utf-8")
    members: dict[str, bytes] = {
        CHECKPOINT: note.encode("utf-8"),
        RECORDS: records,
        FINDINGS: findings,
    }
    said = {
        "origin": checkpoint.origin,
        "size": checkpoint.size,
        "root": base64.b64encode(checkpoint.root).decode("ascii"),
    }
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "case_id": case_id,
        "as_of": as_of_text,
        "known_at": known_at_text,
        "rulepack": pack.digest,
        "versions": versions(),
        "basis": basis.to_json(),
        "checkpoint": said,
        "records": {
            "count": len(raws),
            "first_position": raws[0].position,
            "last_position": raws[-1].position,
        },
        "findings": [f.finding_id for f in result.findings],
        # the keys in the writer's order, whatever order they came in (a disclosure
        # record keeps canonical JSON, keys sorted)
        "pack": {
            "layers": [
                {
                    "label": layer["label"],
                    "files": [{"member": f["member"], "name": f["name"]} for f in layer["files"]],
                }
                for layer in layers
            ]
        },
        "made_at": made_at,
        "members": {
            **{name: sha256_hex(data) for name, data in members.items()},
            **dict(pack_digests),
        },
    }
    manifest_bytes = (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    return BundleContent(
        manifest=manifest_bytes,
        members=members,
        records=len(raws),
        findings=manifest["findings"],
        checkpoint=said,
    )


def make_bundle(
    log: EventLog,
    audit: AuditStore,
    pack: RulePack,
    rule_dirs: Sequence[str | os.PathLike[str]],
    *,
    case_id: str,
    out: Path,
    as_of: dt.date | dt.datetime,
    known_at: dt.datetime,
    actor: str,
    now: dt.datetime,
    purpose: str | None = None,
    recipients: Sequence[str] = (),
) -> BundleMade:
    """Write the bundle of `case_id` at the cut (`as_of`, `known_at`) to `out`, and
    record it as a disclosure. Nothing is recorded or left behind if anything fails
    before the file is complete."""
    if out.exists():
        raise InvalidInput(f"{out}: already exists; choose another --out or remove it")
    if not out.parent.is_dir():
        raise InvalidInput(f"{out.parent}: no such directory for --out")
    _, known_at_text = times(as_of, known_at)
    events = list(log.read_case(case_id, known_at=known_at))
    if not events:
        raise InvalidInput(
            f"--case {case_id}: no events in this case recorded by {known_at_text}; "
            "`comity log` lists the cases in the store"
        )
    stored = _covering(audit, case_id, max(s.position for s in events))
    pack_members, layers = _pack.pack_members(rule_dirs)
    if _pack.load_members(pack_members).digest != pack.digest:
        raise InvalidInput(
            "the rule files changed on disk since the rule pack was loaded; run the command "
            "again (nothing was written)"
        )
    basis = basis_of(log, audit, rulepack=pack.digest, as_of=as_of, known_at=known_at)
    pack_digests = [(name, sha256_hex(data)) for name, data in pack_members.items()]
    made_at = format_recorded_at(now)
    content = bundle_content(
        log,
        pack,
        case_id=case_id,
        as_of=as_of,
        known_at=known_at,
        basis=basis,
        note=stored.note,
        pack_digests=pack_digests,
        layers=layers,
        made_at=made_at,
    )
    members = {**content.members, **pack_members}
    manifest_bytes = content.manifest
    manifest_sha = sha256_hex(manifest_bytes)

    temp = out.with_name(f".{out.name}.{uuid.uuid4().hex[:8]}.part")
    try:
        write_bundle(temp, {MANIFEST: manifest_bytes, **members})
        request = {
            "command": "audit bundle",
            "checkpoint": content.checkpoint,
            # what makes the same content again (`audit reproduce`): the exact cut and
            # time, and the pack's files as the manifest names them
            "case": case_id,
            "as_of": format_request_time(as_of),
            "known_at": format_request_time(known_at),
            "made_at": made_at,
            "pack": {"layers": layers, "members": [list(pair) for pair in pack_digests]},
        }
        record_id = record_disclosure(
            audit,
            kind="bundle",
            actor=actor,
            output=manifest_bytes,
            media_type=MEDIA_TYPE,
            inputs=disclosure_inputs(basis, cases=[case_id], request=request),
            finding_ids=content.findings,
            cases=[case_id],
            purpose=purpose,
            recipients=recipients,
            now=now,
        )
        (disclosure,) = audit.disclosures(record_id=record_id)
        prev = GENESIS_HASH
        if disclosure.position > 1:
            for position, digest in enumerate(audit.disclosure_hashes(), start=1):
                if position == disclosure.position - 1:
                    prev = digest.hex()
                    break
        entry = canonical_json(
            {
                "position": disclosure.position,
                "prev_hash": prev,
                "hash": disclosure.hash,
                "body": disclosure.body,
            }
        )
        write_bundle(temp, {DISCLOSURE: (entry + "\n").encode("utf-8")}, append=True)
        temp.replace(out)
    finally:
        temp.unlink(missing_ok=True)
    return BundleMade(
        path=out,
        case_id=case_id,
        records=content.records,
        findings=len(content.findings),
        checkpoint=stored,
        record_id=record_id,
        manifest_sha256=manifest_sha,
    )
