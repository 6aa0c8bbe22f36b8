"""Every output of case data the command line shows is recorded first (docs/audit.md).

A command that shows case data (replay, explain, deadlines, findings, report, the
exports) takes :func:`disclosure_options` (`--actor`, `--purpose`, `--recipient`,
`--no-record`) and makes a :class:`Recorder` before it does any work:

- `--no-record` is refused there (:class:`~comity.errors.NotRecorded`, exit 5): comity
  never shows case data unrecorded, and a flag that would make it is an error rather
  than silently ignored, so that a script relying on it learns at once;
- the store's disclosure record is opened; a store that reads but refuses writes (a
  read-only file, a standby) is NotRecorded; one that cannot be reached (a server gone
  since the log was opened) is StoreUnavailable, exit 4, as for every other command.

The command then renders into a capture (:class:`comity.cli._streams.Capture`, not
stdout), and :meth:`Recorder.deliver` records one disclosure (the SHA-256 of exactly
the captured bytes, the finding ids and cases shown, and the request that re-derives
them, `comity audit reproduce`), and only then writes the bytes to stdout or to the
`--out` file and prints the record's id on stderr (`disclosure: <uuid>`). An error
before that (bad input, a store that refuses the record) shows nothing and records
nothing; a usage error never gets this far.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import attrs
import click

from comity.audit.basis import Basis, basis_of
from comity.audit.disclosure import OutputDigest, disclosure_inputs, record_disclosure
from comity.audit.store import AuditStore, open_audit_store
from comity.cli import current
from comity.cli._files import write_output
from comity.cli._streams import Capture
from comity.errors import InvalidInput, NotRecorded, StoreReadOnly, StoreUnavailable
from comity.events import EventLog
from comity.i18n import gettext as _
from comity.report import ReplayAt
from comity.rules import RulePack

__all__ = ["ACTOR_ENV", "Recorder", "actor_of", "disclosure_options"]

ACTOR_ENV = "COMITY_ACTOR"
_META = "comity.disclosure"

_F = TypeVar("_F", bound=Callable[..., Any])


def actor_of(given: str | None, what: str | None = None) -> str:
    """Who asked: `--actor`/COMITY_ACTOR, else the OS user; an empty name is refused."""
    what = _("the output") if what is None else what
    if given is not None:
        if not given.strip():
            raise InvalidInput(
                _("--actor (or {env}): name who asks for {what}; it is empty").format(
                    env=ACTOR_ENV, what=what
                )
            )
        return given
    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):
        raise InvalidInput(
            _(
                "no OS user to record as the actor; name who asks for {what} with --actor or {env}"
            ).format(what=what, env=ACTOR_ENV)
        ) from None


def _keep(name: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def keep(ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
        ctx.meta.setdefault(_META, {})[name] = value
        return value

    return keep


def disclosure_options(f: _F) -> _F:
    """--actor, --purpose, --recipient and --no-record, kept for the :class:`Recorder`."""
    f = click.option(
        "--no-record",
        is_flag=True,
        expose_value=False,
        callback=_keep("no_record"),
        help=(
            "Refused (exit 5): every output of case data is recorded in the store's "
            "disclosure record before it is shown (docs/audit.md)."
        ),
    )(f)
    f = click.option(
        "--recipient",
        "recipients",
        metavar="NAME",
        multiple=True,
        expose_value=False,
        callback=_keep("recipients"),
        help="To whom the output goes, recorded; repeat for more.",
    )(f)
    f = click.option(
        "--purpose",
        metavar="TEXT",
        expose_value=False,
        callback=_keep("purpose"),
        help="Why the output is asked for (a case note, a request number), recorded.",
    )(f)
    return click.option(
        "--actor",
        metavar="NAME",
        envvar=ACTOR_ENV,
        show_envvar=True,
        expose_value=False,
        callback=_keep("actor"),
        help="Who asks, for the disclosure record. Default: the OS user.",
    )(f)


class Recorder:
    """The disclosure of one command's output: made before the work, recorded before
    the output leaves."""

    def __init__(self, kind: str, command: str) -> None:
        ctx = click.get_current_context()
        asked: Mapping[str, Any] = ctx.meta.get(_META, {})
        if asked.get("no_record"):
            raise NotRecorded(
                _(
                    "--no-record: `comity {command}` shows case data, and comity shows none "
                    "that it has not recorded (docs/audit.md); nothing was shown"
                ).format(command=command)
            )
        self.kind = kind
        self.command = command
        self.actor = actor_of(asked.get("actor"))
        self.purpose: str | None = asked.get("purpose")
        self.recipients: tuple[str, ...] = tuple(asked.get("recipients") or ())
        context = current()
        context.log  # noqa: B018 - the store must exist before any table is made in it
        try:
            self.audit: AuditStore = open_audit_store(context.url, context.where)
        except StoreReadOnly as exc:
            raise NotRecorded(
                _(
                    "{store}: the disclosure record cannot be opened for writing ({why}); "
                    "nothing was shown. Use a store comity can write to"
                ).format(store=context.where, why=exc)
            ) from None
        except StoreUnavailable as exc:
            # Unreachable (a server gone since the log was opened): a store error, exit
            # 4 as for every other command, not "this store cannot take the record".
            raise StoreUnavailable(f"{exc}; nothing was shown") from None
        ctx.call_on_close(self.audit.close)

    def _archive(self, pack: RulePack) -> None:
        from comity.findings import FindingsStore, archive_pack

        context = current()
        try:
            with FindingsStore.of(context.log, create=True) as store:
                archive_pack(store, pack, context.rule_dirs)
        except StoreReadOnly as exc:
            raise NotRecorded(
                _(
                    "{store}: the rule pack of the output could not be archived ({why}); "
                    "nothing was shown. Use a store comity can write to"
                ).format(store=context.where, why=exc)
            ) from None
        except StoreUnavailable as exc:
            raise StoreUnavailable(f"{exc}; nothing was shown") from None

    def basis(
        self,
        log: EventLog,
        rulepack: str | None,
        at: ReplayAt | None,
    ) -> Basis:
        """The basis of the output at `at` (None: the whole log, no cut)."""
        if at is None:
            return basis_of(log, self.audit, rulepack=rulepack)
        return basis_of(log, self.audit, rulepack=rulepack, as_of=at.as_of, known_at=at.known_at)

    def deliver(
        self,
        capture: Capture,
        shown: Shown,
        *,
        basis: Basis,
        request: Mapping[str, Any],
        asked_cases: Sequence[str] = (),
        out: str | None = None,
        to_stdout: bool = True,
        pack: RulePack | None = None,
    ) -> str:
        """Record the captured output and what `shown` gathered of it, then write it
        (to `out`, else stdout unless not `to_stdout`: the caller delivers it, as
        `rules export` moves its directory in place); the record's id. The rule `pack`
        the output was derived with is archived in the store first (once per digest), so
        that `audit reproduce` can load it again after the built-in pack or a `--rules`
        directory has changed."""
        if pack is not None:
            self._archive(pack)
        sha256, size = capture.digest()
        record_id = record_disclosure(
            self.audit,
            kind=self.kind,
            actor=self.actor,
            output=OutputDigest(sha256, size),
            media_type=shown.media_type,
            inputs=disclosure_inputs(basis, cases=asked_cases, request=request),
            finding_ids=shown.finding_ids,
            cases=shown.cases,
            purpose=self.purpose,
            recipients=self.recipients,
        )
        if out is not None:
            write_output(out, capture.getvalue())
        elif to_stdout:
            sys.stdout.flush()
            for block in capture.chunks():
                sys.stdout.buffer.write(block)
            sys.stdout.buffer.flush()
        # A documented line that scripts read (docs/audit.md): the same in every language.
        click.echo(f"disclosure: {record_id}", err=True)
        return record_id


@attrs.define
class Shown:
    """What an output showed, gathered while it was rendered."""

    media_type: str
    finding_ids: list[str] = attrs.Factory(list)
    cases: list[str] = attrs.Factory(list)

    def case(self, case_id: str) -> None:
        if case_id not in self.cases:
            self.cases.append(case_id)
