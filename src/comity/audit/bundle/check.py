"""Checking a case bundle with nothing but the sender's public key (docs/bundle.md).

What each check shows:

- the checkpoint's signature by the trusted key: the log the sender signed had this
  root at this size;
- each record's hash, recomputed from its stored bytes and the previous record's hash,
  and its inclusion proof against that root: the record is in that log, unaltered;
- every record is of the bundle's case, and the case's seq runs 1, 2, 3, ... without a
  gap: no record of another case was slipped in, none was taken out before the last;
- the rule pack, loaded from the bundle's files alone, has the digest the findings
  carry;
- the replay of the bundle's records under that pack, at the bundle's cut, gives
  `findings.json` byte for byte;
- the manifest's sha256 of every member, and the disclosure record naming the
  manifest's sha256.

Every check runs, so that one pass names everything that failed; a bundle that cannot
be read at all is bad input (exit 3), a bundle that reads but does not hold is a
verdict (VerificationFailed, exit 1).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from comity.audit.basis import versions
from comity.audit.bundle import _pack
from comity.audit.bundle._replay import findings_document, replay
from comity.audit.bundle.layout import (
    CHECKPOINT,
    DISCLOSURE,
    FINDINGS,
    FORMAT,
    MANIFEST,
    RECORDS,
    read_bundle,
    sha256_hex,
)
from comity.audit.checkpoint import Checkpoint, parse_checkpoint, verify_checkpoint
from comity.audit.merkle import leaf_hash, verify_inclusion
from comity.audit.note import Verifier
from comity.errors import (
    ChainBroken,
    InvalidInput,
    NoteFormatError,
    ProofError,
    RulePackError,
    SignatureError,
    VerificationFailed,
)
from comity.events import StoredEvent
from comity.events.codec import parse_utc_datetime
from comity.events.store.records import chain, decode_stored, format_recorded_at
from comity.events.time import time_of

__all__ = ["BundleChecked", "check_bundle"]

_HEX = re.compile(r"[0-9a-f]{64}")


@attrs.frozen(kw_only=True)
class BundleChecked:
    """A bundle's verdict: what held (one line each) and what did not."""

    case_id: str
    held: tuple[str, ...]
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    def raise_if_failed(self) -> None:
        if self.problems:
            raise VerificationFailed("\n".join(self.problems))


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"the key {key!r} occurs twice")
        out[key] = value
    return out


def _json(data: bytes, what: str) -> Any:
    try:
        return json.loads(data.decode("utf-8"), object_pairs_hook=_no_duplicates)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InvalidInput(f"{what}: not valid JSON ({exc})") from None


def _field(obj: Mapping[str, Any], key: str, kind: type | tuple[type, ...], what: str) -> Any:
    value = obj.get(key)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise InvalidInput(f"{what}: {key!r} is missing or of the wrong type")
    return value


@attrs.frozen
class _Record:
    line: int
    position: int
    prev_hash: str
    hash: str
    body: str
    proof: tuple[bytes, ...]


def _records(data: bytes) -> list[_Record]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(f"{RECORDS}: not UTF-8 text") from None
    out = []
    for n, line in enumerate(text.split("\n"), start=1):
        if not line:
            continue
        where = f"{RECORDS} line {n}"
        obj = _json(line.encode("utf-8"), where)
        if not isinstance(obj, dict):
            raise InvalidInput(f"{where}: not a JSON object")
        position = _field(obj, "position", int, where)
        prev, digest = _field(obj, "prev_hash", str, where), _field(obj, "hash", str, where)
        if position < 1 or not _HEX.fullmatch(prev) or not _HEX.fullmatch(digest):
            raise InvalidInput(f"{where}: position or hashes malformed")
        proof = []
        for item in _field(obj, "proof", list, where):
            try:
                node = base64.b64decode(str(item).encode("ascii"), validate=True)
            except (binascii.Error, UnicodeEncodeError, ValueError):
                raise InvalidInput(f"{where}: a proof hash is not base64") from None
            proof.append(node)
        body = _field(obj, "body", str, where)
        out.append(_Record(n, position, prev, digest, body, tuple(proof)))
    return out


def _first_difference(a: bytes, b: bytes) -> int:
    for n, (x, y) in enumerate(zip(a.split(b"\n"), b.split(b"\n"), strict=False), start=1):
        if x != y:
            return n
    return min(a.count(b"\n"), b.count(b"\n")) + 1


class _Checker:
    def __init__(self, members: Mapping[str, bytes], verifier: Verifier) -> None:
        self.members = members
        self.verifier = verifier
        self.held: list[str] = []
        self.problems: list[str] = []
        manifest = _json(members[MANIFEST], MANIFEST)
        if not isinstance(manifest, dict):
            raise InvalidInput(f"{MANIFEST}: not a JSON object")
        if manifest.get("format") != FORMAT:
            raise InvalidInput(
                f"{MANIFEST}: format {manifest.get('format')!r}; this comity reads {FORMAT}"
            )
        self.manifest = manifest
        self.case_id: str = _field(manifest, "case_id", str, MANIFEST)
        self.rulepack: str = _field(manifest, "rulepack", str, MANIFEST)
        self.as_of_text: str = _field(manifest, "as_of", str, MANIFEST)
        self.known_at_text: str = _field(manifest, "known_at", str, MANIFEST)
        try:
            self.as_of = time_of(self.as_of_text)
            self.known_at: dt.datetime = parse_utc_datetime(self.known_at_text)
        except (ValueError, InvalidInput) as exc:
            raise InvalidInput(f"{MANIFEST}: the cut does not parse ({exc})") from None

    def fail(self, problem: str) -> None:
        self.problems.append(problem)

    # -- the manifest's list of members ---------------------------------------------
    def members_listed(self) -> None:
        listed = _field(self.manifest, "members", dict, MANIFEST)
        before = len(self.problems)
        for name, want in sorted(listed.items()):
            data = self.members.get(name)
            if data is None:
                self.fail(f"{name}: listed in the manifest but missing from the bundle")
            elif sha256_hex(data) != want:
                self.fail(f"{name}: its sha256 is not the one the manifest lists: it was altered")
        for name in sorted(set(self.members) - set(listed) - {MANIFEST, DISCLOSURE}):
            self.fail(f"{name}: in the bundle but not listed in the manifest: it was added")
        if len(self.problems) == before:
            self.held.append(f"manifest: the sha256 of all {len(listed)} files hold")

    # -- the checkpoint --------------------------------------------------------------
    def checkpoint(self) -> Checkpoint:
        note = self.members[CHECKPOINT]
        try:
            checkpoint = parse_checkpoint(note)
        except NoteFormatError as exc:
            raise InvalidInput(f"{CHECKPOINT}: {exc}") from None
        try:
            verify_checkpoint(note, self.verifier)
            self.held.append(
                f"checkpoint: {checkpoint.origin} at size {checkpoint.size}, signed by "
                f"{self.verifier.name}+{self.verifier.key_id.hex()}"
            )
        except SignatureError as exc:
            self.fail(f"checkpoint: {exc}")
        if not checkpoint.origin.endswith("/events"):
            self.fail(f"checkpoint: origin {checkpoint.origin!r} is not a checkpoint of events")
        named = self.manifest.get("checkpoint")
        stated = {
            "origin": checkpoint.origin,
            "size": checkpoint.size,
            "root": base64.b64encode(checkpoint.root).decode("ascii"),
        }
        if named != stated:
            self.fail(
                f"checkpoint: {CHECKPOINT} is not the checkpoint the manifest names "
                f"(it says size {checkpoint.size}, the manifest "
                f"{named.get('size') if isinstance(named, dict) else named!r})"
            )
        return checkpoint

    # -- the records -----------------------------------------------------------------
    def records(self, checkpoint: Checkpoint) -> list[StoredEvent]:
        records = _records(self.members[RECORDS])
        events: list[StoredEvent] = []
        before = len(self.problems)
        last: _Record | None = None
        for rec in records:
            at = f"record at position {rec.position}"
            if last is not None and rec.position <= last.position:
                self.fail(f"{at}: out of position order, or given twice")
            if (
                last is not None
                and rec.position == last.position + 1
                and rec.prev_hash != last.hash
            ):
                self.fail(f"{at}: its prev_hash is not the hash of the record before it")
            last = rec
            if chain(rec.prev_hash, rec.body) != rec.hash:
                self.fail(f"{at}: its stored bytes do not give its hash: the record was altered")
                continue
            try:
                verify_inclusion(
                    rec.position - 1,
                    checkpoint.size,
                    leaf_hash(bytes.fromhex(rec.hash)),
                    rec.proof,
                    checkpoint.root,
                )
            except ProofError as exc:
                self.fail(f"{at}: not in the signed checkpoint's log: {exc}")
                continue
            raw = _raw(rec)
            if raw is None:
                self.fail(f"{at}: its body is not a stored comity record")
                continue
            try:
                stored = decode_stored(raw)
            except ChainBroken as exc:
                self.fail(f"{at}: its body is not a valid record ({exc.reason})")
                continue
            if stored.position != rec.position:
                self.fail(f"{at}: its body says position {stored.position}")
                continue
            if stored.case_id != self.case_id:
                self.fail(
                    f"{at}: belongs to case {stored.case_id}, not {self.case_id}: a record of "
                    "another case was added"
                )
                continue
            if raw.recorded_at > format_recorded_at(self.known_at):
                self.fail(f"{at}: recorded at {raw.recorded_at}, after the bundle's known-at")
            events.append(stored)
        seqs = sorted(s.seq for s in events)
        for want, have in enumerate(seqs, start=1):
            if have != want:
                self.fail(
                    f"case {self.case_id}: seq {want} is missing from the bundle: a record was "
                    "removed"
                )
                break
        stated = self.manifest.get("records")
        count = stated.get("count") if isinstance(stated, dict) else None
        if count != len(records):
            self.fail(
                f"{RECORDS}: holds {len(records)} records, the manifest says {count}: a "
                "record was removed or added"
            )
        if len(self.problems) == before:
            self.held.append(
                f"records: all {len(records)} of case {self.case_id} are in the signed log, "
                "unaltered, seq 1 to {0} without a gap".format(len(records))
            )
        return events

    # -- the rule pack ---------------------------------------------------------------
    def pack(self) -> Any:
        try:
            pack = _pack.load_members(self.members)
        except RulePackError as exc:
            self.fail(f"rule pack: the bundle's files do not load: {exc}")
            return None
        if pack.digest != self.rulepack:
            self.fail(
                f"rule pack: the bundle's rule and parameter files load to {pack.digest}, not "
                f"{self.rulepack}: a file was altered"
            )
            return None
        self.held.append(f"rule pack: {pack.digest}, loaded from the bundle's files alone")
        return pack

    # -- the findings ----------------------------------------------------------------
    def findings(self, events: Sequence[StoredEvent], pack: Any) -> None:
        if pack is None:
            self.fail(f"{FINDINGS}: not re-derived, as the rule pack did not load to its digest")
            return
        result = replay(events, pack, case_id=self.case_id, as_of=self.as_of)
        basis = self.manifest.get("basis")
        again = findings_document(
            result,
            as_of=self.as_of_text,
            known_at=self.known_at_text,
            rulepack=pack.digest,
            basis=basis if isinstance(basis, dict) else None,
        )
        given = self.members[FINDINGS]
        if again == given:
            self.held.append(
                f"findings: the replay as of {self.as_of_text}, known at {self.known_at_text} "
                f"gives {FINDINGS} byte for byte ({len(result.findings)} findings)"
            )
            return
        problem = (
            f"{FINDINGS}: differs from the replay of the bundle's records at its cut "
            f"(first at line {_first_difference(again, given)})"
        )
        theirs = self.manifest.get("versions")
        if isinstance(theirs, dict) and theirs != versions():
            made = ", ".join(f"{k} {v}" for k, v in sorted(theirs.items()))
            mine = ", ".join(f"{k} {v}" for k, v in sorted(versions().items()))
            problem += f"; it was made with {made}, this is {mine}"
        self.fail(problem)

    # -- the disclosure record -------------------------------------------------------
    def disclosure(self) -> None:
        entry = _json(self.members[DISCLOSURE], DISCLOSURE)
        if not isinstance(entry, dict):
            raise InvalidInput(f"{DISCLOSURE}: not a JSON object")
        body = _field(entry, "body", str, DISCLOSURE)
        prev = _field(entry, "prev_hash", str, DISCLOSURE)
        digest = _field(entry, "hash", str, DISCLOSURE)
        if chain(prev, body) != digest:
            self.fail(f"{DISCLOSURE}: the record's bytes do not give its hash: it was altered")
            return
        data = _json(body.encode("utf-8"), f"{DISCLOSURE} body")
        if not isinstance(data, dict):
            raise InvalidInput(f"{DISCLOSURE}: the body is not a JSON object")
        output = data["output"] if isinstance(data.get("output"), dict) else {}
        if data.get("kind") != "bundle" or data.get("cases") != [self.case_id]:
            self.fail(f"{DISCLOSURE}: not the disclosure record of a bundle of case {self.case_id}")
        elif output.get("sha256") != sha256_hex(self.members[MANIFEST]):
            self.fail(
                f"{DISCLOSURE}: the record names another manifest: {MANIFEST} was altered "
                "after the bundle was recorded"
            )
        else:
            self.held.append(
                f"disclosure: record {data.get('record_id')} (position {entry.get('position')}) "
                f"by {data.get('actor')} at {data.get('recorded_at')} names this manifest"
            )


def _raw(rec: _Record) -> Any:
    from comity.events import RawRecord

    try:
        data = json.loads(rec.body)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    try:
        return RawRecord(
            position=rec.position,
            case_id=str(data["case_id"]),
            seq=int(data["seq"]),
            event_id=str(data["event_id"]),
            recorded_at=str(data["recorded_at"]),
            body=rec.body,
            hash=rec.hash,
        )
    except (KeyError, TypeError, ValueError):
        return None


def check_bundle(path: Path, verifier: Verifier) -> BundleChecked:
    """Every check of the bundle at `path` against the public key `verifier`.

    InvalidInput (exit 3) when the file is not a readable bundle; otherwise the verdict,
    whose `raise_if_failed` raises VerificationFailed (exit 1) naming every failure.
    """
    members = read_bundle(path)
    checker = _Checker(members, verifier)
    checker.members_listed()
    checkpoint = checker.checkpoint()
    events = checker.records(checkpoint)
    pack = checker.pack()
    checker.findings(events, pack)
    checker.disclosure()
    return BundleChecked(
        case_id=checker.case_id, held=tuple(checker.held), problems=tuple(checker.problems)
    )
