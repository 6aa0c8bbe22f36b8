"""`comity audit reproduce`: derive each recorded output again and compare its digest.

A disclosure record keeps the SHA-256 of the bytes shown and the inputs that made them
(the cut, the log head it covered, the rule pack digest, the versions, the request:
command, format, filters, language). Reproducing one is rendering that request again
(:func:`comity.cli.rederive.rederive`, the very functions the commands render with;
for a read of the HTTP service :func:`comity.cli.served.rederive_http`, the service's
own; for a bundle :func:`comity.audit.bundle.bundle_content`) at
the recorded basis, with the recorded rule pack, and comparing digests. One line per
record says which of these it is:

- `reproduced`: the same bytes;
- `DIFFERS`: other bytes from intact inputs (same log head, same pack, same versions):
  the output shown was not what the log and the law give; exit 1;
- `ALTERED`: the record itself no longer chains (its body was changed after it was
  made; `comity verify` names it); exit 1;
- `not reproduced: ...`: the inputs are no longer all there, and why: a log that no
  longer holds the cut (the records known then are not the same records now), a rule
  pack neither loaded nor archived in the store, the checkpoint a bundle was proved
  against no longer stored, a read of the service with no rendering of its own (the
  audit tables, the stream);
- `differs under another engine version`: other bytes, but comity or durable-rules
  is not the version that made them, so the difference may be the engine's; reported,
  not counted as a failure.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, closing
from pathlib import Path
from typing import Any

import attrs
import click

from comity.audit.basis import Basis, LogHead, covered_head, versions
from comity.audit.bundle import bundle_content
from comity.audit.store import (
    AuditStore,
    StoredCheckpoint,
    StoredDisclosure,
    open_audit_store,
)
from comity.cli import Context, pass_context
from comity.cli._streams import Capture, capturing
from comity.cli.options import parse_time
from comity.cli.outputs import NotRederived
from comity.cli.rederive import rederive
from comity.cli.served import AUDIT_READS, Unrendered, rederive_http
from comity.errors import ComityError, InvalidInput, RulePackError, VerificationFailed
from comity.events import EventLog
from comity.events.store.records import GENESIS_HASH, chain
from comity.events.time import request_instant_of, request_time_of
from comity.findings import Change, FindingsStore, export_pack
from comity.rules import RulePack, load_pack

__all__ = ["COMMANDS", "Verdict", "reproduce_records"]

#: What each verdict says, and whether it fails the command (exit 1).
REPRODUCED, DIFFERS, ALTERED, NOT_REPRODUCED, OTHER_ENGINE = (
    "reproduced",
    "DIFFERS",
    "ALTERED",
    "not reproduced",
    "differs under another engine version",
)
FAILING = (DIFFERS, ALTERED)


@attrs.frozen
class Verdict:
    record_id: str
    kind: str
    recorded_at: str
    state: str
    why: str

    def line(self) -> str:
        return f"{self.record_id} {self.kind} {self.recorded_at}: {self.state}: {self.why}"


def _chained(audit: AuditStore) -> Iterator[tuple[StoredDisclosure, bool]]:
    """Every record with whether it chains to the one before (each judged alone: one
    altered record does not make the rest look altered)."""
    prev, expected = GENESIS_HASH, 1
    for stored in audit.disclosures():
        data = stored.data()
        columns = (data.get("record_id"), data.get("recorded_at"), data.get("actor"))
        intact = (
            stored.position == expected
            and chain(prev, stored.body) == stored.hash
            and columns == (stored.record_id, stored.recorded_at, stored.actor)
        )
        yield stored, intact
        prev, expected = stored.hash, stored.position + 1


class _Inputs:
    """What records are derived again from besides the log: the rule packs they name
    (the one this command line loads, else the store's archive, each loaded once), the
    findings store's history, and the audit tables (:class:`comity.cli.served.Sources`).

    `sound` is the hash of each disclosure record through which the whole record
    chains, as :func:`_chained` judged them: records are judged oldest first, and a
    read of the record (`GET /v1/disclosures`) only shows records before its own."""

    def __init__(
        self, context: Context, log: EventLog, stack: ExitStack, audit: AuditStore
    ) -> None:
        self.audit = audit
        self._context = context
        self._log = log
        self._stack = stack
        self._loaded: dict[str, RulePack | str] = {}
        self._store: FindingsStore | bool | None = False
        self.sound: dict[int, str] = {0: GENESIS_HASH}
        self.altered: int | None = None

    def judged(self, stored: StoredDisclosure, intact: bool) -> None:
        """Note the verdict of `_chained` on one record."""
        if intact and self.altered is None:
            self.sound[stored.position] = stored.hash
        elif self.altered is None:
            self.altered = stored.position

    def chained_hash(self, position: int) -> str:
        if position in self.sound:
            return self.sound[position]
        if self.altered is not None and self.altered <= position:
            raise Unrendered(
                f"disclosure record {self.altered}, among those it read, no longer chains (ALTERED)"
            )
        raise Unrendered(f"the disclosure record no longer holds a record {position}")

    def checkpoints(self) -> list[StoredCheckpoint]:
        return self.audit.checkpoints()

    def disclosures(
        self, *, case_id: str | None, actor: str | None, since: str | None
    ) -> list[StoredDisclosure]:
        return self.audit.disclosures(case_id=case_id, actor=actor, since=since)

    def changes(self, after: int, through: int) -> list[Change]:
        store = self.store()
        if store is None:
            raise Unrendered("the stream showed changes of the findings store; there is none now")
        return [c for c in store.history(after=after, limit=through - after) if c.id <= through]

    def store(self) -> FindingsStore | None:
        if self._store is False:
            from comity.cli.findings import open_store

            found = open_store(self._log)
            if found is not None:
                self._stack.enter_context(found)
            self._store = found
        assert self._store is not True
        return self._store

    def export(self, digest: str, target: Path) -> None:
        store = self.store()
        if store is None:
            raise NotRederived("this store archives no rule pack")
        report = export_pack(store, digest, target)
        if report.problem is not None:
            raise NotRederived(f"the archived pack {digest} does not load back: {report.problem}")

    def history(self, generation: int) -> list[Change]:
        """The findings store's history of one generation (what `since` chose by)."""
        store = self.store()
        if store is None:
            raise Unrendered("the read chose by the findings store's history; there is none now")
        return store.history(generation=generation)

    def get(self, digest: str) -> RulePack | str:
        """The pack of `digest`, or why there is none."""
        if digest in self._loaded:
            return self._loaded[digest]
        found: RulePack | str
        try:
            current = self._context.pack
        except RulePackError as exc:
            current = None
            why_not_current = str(exc)
        else:
            why_not_current = ""
        if current is not None and current.digest == digest:
            found = current
        else:
            found = self._archived(digest, why_not_current)
        self._loaded[digest] = found
        return found

    def _archived(self, digest: str, why_not_current: str) -> RulePack | str:
        missing = (
            f"the rule pack {digest} is neither the one loaded here"
            + (f" ({why_not_current})" if why_not_current else "")
            + " nor archived in the store (`comity watch` and every recorded output "
            "archive the pack they use)"
        )
        store = self.store()
        if store is None:
            return missing
        work = Path(self._stack.enter_context(tempfile.TemporaryDirectory(prefix="comity-pack-")))
        try:
            report = export_pack(store, digest, work / "pack")
        except InvalidInput:
            return missing
        if report.problem is not None or not report.round_trips:
            return f"the archived rule pack {digest} does not load back: {report.problem}"
        try:
            return load_pack(work / "pack")
        except RulePackError as exc:
            return f"the archived rule pack {digest} does not load: {exc}"


def _head_now(log: EventLog, inputs: dict[str, Any]) -> LogHead:
    """What the log gives now for the recorded cut: the head known at its known_at,
    or (an export of the whole log) the record at the recorded position."""
    known_at = inputs.get("known_at")
    if known_at is not None:
        instant = parse_time(known_at, dates=False)
        return covered_head(log, instant)  # type: ignore[arg-type]
    position = int(inputs["log"]["position"])
    if position == 0:
        return LogHead(position=0, hash=GENESIS_HASH)
    with closing(log.raw_records(after=position - 1)) as records:  # type: ignore[type-var]
        record = next(records, None)
    if record is None or record.position != position:
        return LogHead(position=log.head().position, hash="(no such record)")
    return LogHead(position=record.position, hash=record.hash)


def _one(log: EventLog, packs: _Inputs, stored: StoredDisclosure, intact: bool) -> tuple[str, str]:
    if not intact:
        return ALTERED, (
            "the record does not chain to the one before: it was altered after it was "
            "made (`comity verify` names the position)"
        )
    data = stored.data()
    inputs: dict[str, Any] = data.get("inputs") or {}
    request: dict[str, Any] = inputs.get("request") or {}
    if stored.kind == "http" and "read" not in request:
        return NOT_REPRODUCED, (
            f"a read of the HTTP service ({request.get('method')} {request.get('path')}) "
            "recorded before its reads kept what derives them again"
        )
    if stored.kind not in ("http", "bundle") and "command" not in request:
        return NOT_REPRODUCED, "an output of another front end"
    recorded_head = LogHead(position=int(inputs["log"]["position"]), hash=inputs["log"]["hash"])
    # The auditor's reads stand on the audit tables alone (they check their own).
    of_log = stored.kind != "http" or request["read"].get("endpoint") not in AUDIT_READS
    now_head = _head_now(log, inputs) if of_log else recorded_head
    if now_head != recorded_head:
        return NOT_REPRODUCED, (
            f"the log no longer holds the cut: the record covered {recorded_head.size} "
            f"records up to hash {recorded_head.hash}, the log now gives {now_head.size} "
            f"up to {now_head.hash}"
        )
    digest = inputs.get("rulepack")
    pack: RulePack | None = None
    if digest is not None and request.get("command") != "rules export":
        found = packs.get(digest)
        if isinstance(found, str):
            return NOT_REPRODUCED, found
        pack = found
    basis = Basis(
        head=recorded_head,
        checkpoint=inputs.get("checkpoint"),
        rulepack=digest,
        versions=dict(inputs.get("versions") or {}),
        as_of=inputs.get("as_of"),
        known_at=inputs.get("known_at"),
    )
    try:
        sha256, size = _derive(log, pack, basis, stored.kind, request, packs)
    except (NotRederived, Unrendered) as exc:
        return NOT_REPRODUCED, str(exc)
    except ComityError as exc:
        return NOT_REPRODUCED, f"it could not be derived again: {exc}"
    output = data["output"]
    if (sha256, size) == (output["sha256"], output["bytes"]):
        return REPRODUCED, f"sha256 {sha256}"
    made_by, here = basis.versions, versions()
    if made_by != here:
        words = ", ".join(f"{k} {v}" for k, v in sorted(made_by.items()))
        ours = ", ".join(f"{k} {v}" for k, v in sorted(here.items()))
        return OTHER_ENGINE, f"made by {words}, derived again by {ours}"
    return DIFFERS, (
        f"the recorded output has sha256 {output['sha256']} ({output['bytes']} bytes); "
        f"the log and the rule pack now give {sha256} ({size} bytes)"
    )


def _bundle_again(
    log: EventLog,
    pack: RulePack | None,
    basis: Basis,
    request: dict[str, Any],
    audit: AuditStore,
) -> bytes:
    """The manifest of a bundle made again: the same records, proofs against the same
    stored checkpoint, the replay at the same cut, the pack files it named."""
    if "made_at" not in request or not isinstance(request["pack"].get("members"), list):
        raise NotRederived("a bundle recorded before bundles kept what makes them again")
    if pack is None:
        raise NotRederived("the record names no rule pack")
    said = request["checkpoint"]
    note = next(
        (
            c.note
            for c in audit.checkpoints()
            if c.origin == said["origin"] and c.size == said["size"]
        ),
        None,
    )
    if note is None:
        raise NotRederived(
            f"the checkpoint {said['origin']} at size {said['size']} it was proved against is "
            "no longer stored"
        )
    content = bundle_content(
        log,
        pack,
        case_id=request["case"],
        as_of=request_time_of(request["as_of"]),
        known_at=request_instant_of(request["known_at"]),
        basis=basis,
        note=note,
        pack_digests=[(name, digest) for name, digest in request["pack"]["members"]],
        layers=request["pack"]["layers"],
        made_at=request["made_at"],
    )
    return content.manifest


def _derive(
    log: EventLog,
    pack: RulePack | None,
    basis: Basis,
    kind: str,
    request: dict[str, Any],
    packs: _Inputs,
) -> tuple[str, int]:
    """The SHA-256 and length of the output derived again."""
    if kind == "http":
        output = rederive_http(log, pack, basis, request["read"], packs)
        return hashlib.sha256(output).hexdigest(), len(output)
    if kind == "bundle":
        output = _bundle_again(log, pack, basis, request, packs.audit)
        return hashlib.sha256(output).hexdigest(), len(output)
    capture = Capture()
    try:
        with capturing(capture):
            rederive(log, pack, basis, request, packs.export, packs.history)
        return capture.digest()
    finally:
        capture.close()


def reproduce_records(
    context: Context, audit: AuditStore, record_id: str | None
) -> Iterator[Verdict]:
    """The verdict on each record (all, or the one `record_id`), oldest first."""
    log = context.log
    with ExitStack() as stack:
        packs = _Inputs(context, log, stack, audit)
        for stored, intact in _chained(audit):
            packs.judged(stored, intact)
            if record_id is not None and stored.record_id != record_id:
                continue
            state, why = _one(log, packs, stored, intact)
            yield Verdict(stored.record_id, stored.kind, stored.recorded_at, state, why)


@click.command("reproduce")
@click.argument("record_id", metavar="RECORD_ID", required=False)
@click.option("--all", "every", is_flag=True, help="Every record of the disclosure record.")
@pass_context
def reproduce(context: Context, record_id: str | None, every: bool) -> None:
    """Derive recorded outputs again from the log and compare their SHA-256.

    One line per record: reproduced, DIFFERS (exit 1: other bytes from intact
    inputs), ALTERED (exit 1: the record was changed), or why it cannot be derived
    again (the log no longer holds the cut, a rule pack neither loaded nor archived,
    another engine version). Covers the command line's outputs, the reads of `comity
    serve` and the bundles of `audit bundle`. Record ids come from the
    `disclosure:` line of each command, or `comity audit log`.
    """
    if (record_id is None) == (not every):
        raise click.UsageError("give a RECORD_ID or --all")
    context.log  # noqa: B018 - the store must exist
    audit = open_audit_store(context.url, context.where)
    try:
        if record_id is not None and not audit.disclosures(record_id=record_id):
            raise InvalidInput(
                f"{record_id}: no such disclosure record; `comity audit log` lists them"
            )
        verdicts = list(reproduce_records(context, audit, record_id))
    finally:
        audit.close()
    for verdict in verdicts:
        click.echo(verdict.line())
    counts: dict[str, int] = {}
    for verdict in verdicts:
        counts[verdict.state] = counts.get(verdict.state, 0) + 1
    summary = ", ".join(f"{n} {state}" for state, n in counts.items()) or "no records"
    click.echo(f"{len(verdicts)} records: {summary}", err=True)
    failing = [v for v in verdicts if v.state in FAILING]
    if failing:
        raise VerificationFailed(
            f"{len(failing)} recorded output{'s' if len(failing) > 1 else ''} "
            "not reproduced from intact inputs (DIFFERS or ALTERED above)"
        )


COMMANDS = (reproduce,)
