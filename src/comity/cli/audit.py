"""The auditor's commands: keys, signed checkpoints, verification against them, proofs.

`verify` lives here because, beyond the hash chain, it checks the store's own
checkpoints and, with `--against`, a checkpoint the auditor kept: the chain alone
cannot see a log cut at its end or rewritten with every hash recomputed.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path
from typing import Any

import click

from comity.audit.checkpoint import parse_checkpoint
from comity.audit.keys import KEY_ENV, load_signer, load_verifier, write_keypair
from comity.audit.logtree import verify_signed
from comity.audit.merkle import verify_consistency, verify_inclusion
from comity.audit.note import MAX_NOTE_BYTES
from comity.audit.signing import LOGS, sign_head, tree_of, which_log
from comity.audit.store import AuditStore, StoredDisclosure, open_audit_store
from comity.audit.verification import verify_store
from comity.cli import Context, pass_context
from comity.cli._streams import write, write_lines, write_text_lines
from comity.cli.options import AS_OF, format_option
from comity.errors import InvalidInput, VerificationFailed
from comity.events.codec import canonical_json
from comity.events.store.records import format_recorded_at
from comity.events.time import start_of
from comity.i18n import gettext as _
from comity.i18n import ngettext
from comity.report import json_document
from comity.report.text.disclosures import disclosure_lines

__all__ = ["COMMANDS"]


def _audit(context: Context) -> AuditStore:
    context.log  # noqa: B018 - the store must exist: refuse before creating any table
    return open_audit_store(context.url, context.where)


def _read_note(path: str) -> bytes:
    try:
        with Path(path).open("rb") as f:
            data = f.read(MAX_NOTE_BYTES + 1)
    except OSError as exc:
        raise InvalidInput(
            _("{path}: cannot read the checkpoint ({why})").format(path=path, why=exc.strerror)
        ) from None
    if len(data) > MAX_NOTE_BYTES:
        raise InvalidInput(_("{path}: too large to be a checkpoint").format(path=path))
    return data


@click.command("keygen")
@click.option(
    "--out",
    "out",
    required=True,
    metavar="FILE",
    help="The private key file to create (mode 0600); the public key goes to FILE.pub.",
)
@click.option(
    "--name",
    default="comity.local/log",
    show_default=True,
    help="The key's name, which checkpoints carry as their origin (no spaces or '+').",
)
def keygen(out: str, name: str) -> None:
    """Make an Ed25519 signing key for checkpoints; print where the public key is.

    Keep FILE secret; give FILE.pub to whoever must check the checkpoints.
    """
    public, verifier = write_keypair(Path(out), name)
    rows = [
        (
            _("private key"),
            _("{file} (mode 0600; keep it secret)").format(file=Path(out).absolute()),
        ),
        (_("public key"), str(public.absolute())),
        (_("key id"), f"{verifier.name}+{verifier.key_id.hex()}"),
    ]
    width = max(len(label) for label, _value in rows) + 2
    for label, value in rows:
        click.echo(f"{label}:".ljust(width) + value)


@click.command("checkpoint")
@click.option("--key", "key", metavar="FILE", help=f"The signing key file (else ${KEY_ENV}).")
@click.option(
    "--log",
    "which",
    type=click.Choice(LOGS),
    default="events",
    show_default=True,
    help="Which log to sign: the events, or the disclosure record.",
)
@pass_context
def checkpoint(context: Context, key: str | None, which: str) -> None:
    """Sign the log's current head, store the checkpoint and print it.

    Refuses (exit 1) a head that does not extend the last checkpoint signed for this
    log. Keep the printed checkpoint outside the store: `verify --against` it later.
    """
    signer = load_signer(key)
    log = context.log
    audit = _audit(context)
    try:
        note, _signed = sign_head(
            log, audit, signer, which=which_log(which), now=dt.datetime.now(dt.UTC)
        )
    finally:
        audit.close()
    click.echo(note, nl=False)


@click.command("verify")
@click.option(
    "--against",
    "against",
    metavar="CHECKPOINT",
    help="A signed checkpoint file kept from earlier: the log must still extend it.",
)
@click.option(
    "--public-key",
    "public_key",
    metavar="FILE",
    help="The public key (FILE.pub of keygen) the checkpoint must be signed by.",
)
@click.option(
    "--from-checkpoint",
    "incremental",
    is_flag=True,
    help="Read only the records after the last stored checkpoint a full verify found sound.",
)
@pass_context
def verify(
    context: Context, against: str | None, public_key: str | None, incremental: bool
) -> None:
    """Check the hash chain and every stored checkpoint; exit 1 naming what broke.

    Every record is read. With --from-checkpoint, only those after the last stored
    checkpoint that a full verify found sound (the records up to it are not read
    again: see docs/audit.md). With --against and --public-key, also check the log
    against a checkpoint signed before: a log cut at its end, rolled back, or
    rewritten with every hash recomputed is caught only this way.
    """
    if (against is None) != (public_key is None):
        raise click.UsageError(_("--against and --public-key go together"))
    verifier = load_verifier(public_key) if public_key is not None else None
    note = _read_note(against) if against is not None else None
    log = context.log
    audit = _audit(context)
    try:
        found = verify_store(log, audit, now=dt.datetime.now(dt.UTC), incremental=incremental)
        report = found.report
        click.echo(
            ngettext("{n} record, head {hash}", "{n} records, head {hash}", report.records).format(
                n=report.records, hash=report.head.hash
            )
        )
        if found.since is not None:
            click.echo(
                _(
                    "records 1 to {size} were verified at {at} (a stored checkpoint held) "
                    "and not read again; plain verify reads them"
                ).format(size=found.since.size, at=found.since.recorded_at)
            )
        count, _head = audit.verify_disclosures()
        if count:
            click.echo(
                ngettext(
                    "disclosure record: {n} record, chain intact",
                    "disclosure record: {n} records, chain intact",
                    count,
                ).format(n=count)
            )
        problems = []
        for verdict in found.verdicts:
            cp = verdict.checkpoint
            if verdict.problem is not None:
                problems.append(
                    _("stored checkpoint {origin} at size {size}: {problem}").format(
                        origin=cp.origin, size=cp.size, problem=verdict.problem
                    )
                )
            elif verdict.since is not None:
                click.echo(
                    _("stored checkpoint {origin} at size {size}: held at {at}").format(
                        origin=cp.origin, size=cp.size, at=verdict.since
                    )
                )
            else:
                click.echo(
                    _("stored checkpoint {origin} at size {size}: holds").format(
                        origin=cp.origin, size=cp.size
                    )
                )
        if note is not None and verifier is not None:
            which = which_log(parse_checkpoint(note).origin)
            trees = found.trees
            tree = trees[which] if which in trees else tree_of(log, audit, which)
            result = verify_signed(note, verifier, tree)
            click.echo(
                _(
                    "checkpoint {file}: {origin} at size {size} holds; the log has {n} records"
                ).format(
                    file=against,
                    origin=result.checkpoint.origin,
                    size=result.checkpoint.size,
                    n=result.log_size,
                )
            )
    finally:
        audit.close()
    if problems:
        raise VerificationFailed("\n".join(problems))


def _b64(h: bytes) -> str:
    return base64.b64encode(h).decode("ascii")


@click.command("prove")
@click.option("--position", type=click.IntRange(min=1), help="Prove this record is in the log.")
@click.option(
    "--from-size",
    "from_size",
    type=click.IntRange(min=1),
    help="Prove the log extends its first N records (a consistency proof).",
)
@click.option(
    "--size",
    type=click.IntRange(min=1),
    help="The tree size to prove against (default: the whole log).",
)
@click.option("--log", "which", type=click.Choice(LOGS), default="events", show_default=True)
@pass_context
def prove(
    context: Context, position: int | None, from_size: int | None, size: int | None, which: str
) -> None:
    """Print an RFC 6962 inclusion or consistency proof as JSON (base64 hashes).

    Whoever holds a checkpoint of the same size checks the proof against its root
    without seeing the other records.
    """
    if (position is None) == (from_size is None):
        raise click.UsageError(_("give exactly one of --position and --from-size"))
    audit = _audit(context)
    try:
        tree = tree_of(context.log, audit, which_log(which))
    finally:
        audit.close()
    size = len(tree) if size is None else size
    if size > len(tree):
        raise InvalidInput(
            _("--size {size}: the {log} log holds only {n} records").format(
                size=size, log=which, n=len(tree)
            )
        )
    root = tree.root(size)
    out: dict[str, object]
    if position is not None:
        if position > size:
            raise InvalidInput(
                _("--position {position} is beyond size {size}").format(
                    position=position, size=size
                )
            )
        proof = tree.inclusion_proof(position - 1, size)
        verify_inclusion(position - 1, size, tree.leaf_hash(position - 1), proof, root)
        out = {
            "kind": "inclusion",
            "log": which,
            "position": position,
            "leaf_index": position - 1,
            "tree_size": size,
            "leaf_hash": _b64(tree.leaf_hash(position - 1)),
            "root": _b64(root),
            "proof": [_b64(p) for p in proof],
        }
    else:
        assert from_size is not None
        if from_size > size:
            raise InvalidInput(
                _("--from-size {n} is beyond size {size}").format(n=from_size, size=size)
            )
        proof = tree.consistency_proof(from_size, size)
        verify_consistency(from_size, size, tree.root(from_size), root, proof)
        out = {
            "kind": "consistency",
            "log": which,
            "size1": from_size,
            "size2": size,
            "root1": _b64(tree.root(from_size)),
            "root2": _b64(root),
            "proof": [_b64(p) for p in proof],
        }
    click.echo(json.dumps(out, indent=2))


@click.group("audit")
def audit_group() -> None:
    """The auditor's trail: what was disclosed, and proof of it for others.

    Each subcommand is one more entry on this group (`audit bundle`, `audit check`,
    and the disclosure record's own commands).
    """


def _since(value: dt.date | dt.datetime | None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        value = start_of(value)
    return format_recorded_at(value)


def _entry(stored: StoredDisclosure) -> dict[str, Any]:
    return {"position": stored.position, "hash": stored.hash, **stored.data()}


@click.command("log")
@click.option("--case", "case_id", metavar="CASE_ID", help="Only outputs that showed this case.")
@click.option("--actor", metavar="NAME", help="Only outputs asked for by this actor.")
@click.option(
    "--since",
    type=AS_OF,
    metavar="DATE_OR_DATETIME",
    help="Only records made at or after this UTC instant (a date: its first instant).",
)
@format_option(
    ["table", "json", "jsonl"],
    "table for people; json: {disclosures: [...]}; jsonl: one record a line "
    "(each with its position and chain hash).",
)
@pass_context
def audit_log(
    context: Context,
    case_id: str | None,
    actor: str | None,
    since: dt.date | dt.datetime | None,
    fmt: str,
) -> None:
    """List the disclosure record: who was shown which output, when, on what inputs.

    One line per record, oldest first. The record itself shows no case data (ids,
    names of actors and digests), so reading it is not recorded.
    """
    audit = _audit(context)
    try:
        found = audit.disclosures(case_id=case_id, actor=actor, since=_since(since))
    finally:
        audit.close()
    if fmt == "json":
        write(json_document({}, "disclosures", (_entry(d) for d in found)))
    elif fmt == "jsonl":
        write_lines(canonical_json(_entry(d)) for d in found)
    else:
        write_text_lines(disclosure_lines([_entry(d) for d in found]))


def _subcommands() -> None:
    # The bundle commands need the engine and the rule pack: a module of their own.
    from comity.cli.bundle import COMMANDS as BUNDLE

    for command in BUNDLE:
        audit_group.add_command(command)
    from comity.cli.reproduce import COMMANDS as REPRODUCE

    audit_group.add_command(audit_log)
    for command in REPRODUCE:
        audit_group.add_command(command)


_subcommands()

COMMANDS = (keygen, checkpoint, verify, prove, audit_group)
