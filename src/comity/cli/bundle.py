"""`comity audit bundle` and `comity audit check`: a case for another country's
authority, and its check with only the public key (docs/bundle.md)."""

from __future__ import annotations

import datetime as dt
import getpass
from pathlib import Path

import click

from comity.audit.bundle import check_bundle, make_bundle
from comity.audit.keys import load_verifier
from comity.audit.store import open_audit_store
from comity.cli import current
from comity.cli.options import now, replay_at, time_options
from comity.errors import InvalidInput
from comity.i18n import gettext as _
from comity.i18n import ngettext

__all__ = ["COMMANDS"]

ACTOR_ENV = "COMITY_ACTOR"


def _actor(given: str | None) -> str:
    if given is not None:
        if not given.strip():
            raise InvalidInput(
                _("--actor (or {env}): name who asks for {what}; it is empty").format(
                    env=ACTOR_ENV, what=_("the bundle")
                )
            )
        return given
    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):
        raise InvalidInput(
            _(
                "no OS user to record as the actor; name who asks for {what} with --actor or {env}"
            ).format(what=_("the bundle"), env=ACTOR_ENV)
        ) from None


@click.command("bundle")
@click.option("--case", "case_id", required=True, metavar="CASE_ID", help="The case to bundle.")
@click.option(
    "--out", "out", required=True, metavar="FILE", help="The bundle file to create (a zip)."
)
@time_options
@click.option(
    "--actor",
    metavar="NAME",
    envvar=ACTOR_ENV,
    show_envvar=True,
    help="Who makes the bundle, for the disclosure record. Default: the OS user.",
)
@click.option("--purpose", metavar="TEXT", help="Why (e.g. an MLA request number), recorded.")
@click.option(
    "--recipient",
    "recipients",
    metavar="NAME",
    multiple=True,
    help="To whom the bundle goes, recorded; repeat for more.",
)
def bundle(
    case_id: str,
    out: str,
    as_of: dt.date | dt.datetime | None,
    known_at: dt.datetime | None,
    actor: str | None,
    purpose: str | None,
    recipients: tuple[str, ...],
) -> None:
    """Write one case, proved against the latest signed checkpoint, to a zip file.

    The file holds the case's stored records with an inclusion proof each, the rule
    pack's files, the findings of the replay at --as-of/--known-at and the disclosure
    record of the bundle itself; no record of another case. Needs a stored checkpoint
    covering the case's records (`comity checkpoint`). Whoever receives it runs
    `comity audit check FILE --public-key PUB`.
    """
    context = current()
    who = _actor(actor)
    at = replay_at(as_of, known_at)
    log = context.log
    pack = context.pack
    audit = open_audit_store(context.url, context.where)
    try:
        made = make_bundle(
            log,
            audit,
            pack,
            context.rule_dirs,
            case_id=case_id,
            out=Path(out),
            as_of=at.as_of,
            known_at=at.known_at,
            actor=who,
            now=now(),
            purpose=purpose,
            recipients=recipients,
        )
    finally:
        audit.close()
    records = ngettext("{n} record", "{n} records", made.records).format(n=made.records)
    findings = ngettext("{n} finding", "{n} findings", made.findings).format(n=made.findings)
    click.echo(
        _("bundle: {file} (case {case}, {records}, {findings})").format(
            file=made.path, case=made.case_id, records=records, findings=findings
        )
    )
    click.echo(
        _("checkpoint: {origin} at size {size} (signed {at})").format(
            origin=made.checkpoint.origin,
            size=made.checkpoint.size,
            at=made.checkpoint.recorded_at,
        )
    )
    click.echo(_("manifest sha256: {sha256}").format(sha256=made.manifest_sha256))
    click.echo(f"disclosure: {made.record_id}")  # read by scripts: in every language


@click.command("check")
@click.argument("file", metavar="FILE")
@click.option(
    "--public-key",
    "public_key",
    required=True,
    metavar="PUB",
    help="The sender's public key (the FILE.pub of `comity keygen`).",
)
def check(file: str, public_key: str) -> None:
    """Check a case bundle with only the sender's public key; no store is opened.

    Checks the checkpoint's signature, every record's hash and inclusion proof, that
    every record is of the case, the rule pack's digest, and that replaying the
    bundle's records gives its findings byte for byte. Exit 0 if all hold; 1 naming
    each thing that failed; 3 if the file is not a readable bundle.
    """
    verifier = load_verifier(public_key)
    verdict = check_bundle(Path(file), verifier)
    for line in verdict.held:
        click.echo(_("ok: {check}").format(check=line))
    verdict.raise_if_failed()
    click.echo(_("bundle {file}: case {case} holds").format(file=file, case=verdict.case_id))


COMMANDS = (bundle, check)
