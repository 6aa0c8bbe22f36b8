"""The `comity` command line: the only package that imports click.

Structure, so that adding a command stays a few lines:

- This module holds the group, the one place where errors become exits, and the one
  context object, :class:`Context`: the store and rule pack a command line names,
  each opened on first use, so that `comity schema` and `--help` never touch a store
  or read a rule file, and a broken user pack only fails the commands that use it.
- :mod:`comity.cli.options` holds the options several commands share (`--as-of`,
  `--known-at`, `--case`, `--format`) and the only read of the wall clock, for the
  defaults of the two times.
- Each family of commands is a module: :mod:`~comity.cli.store` (init, ingest,
  append, log, verify, copy, follow, schema), :mod:`~comity.cli.replay` (replay,
  explain, deadlines), :mod:`~comity.cli.cases` (cases), :mod:`~comity.cli.rules`
  (rules list, rules show); what the commands that replay share about the cases
  asked is :mod:`comity.cli._asked`. A new family is a module whose `COMMANDS`
  tuple is added to the loop at the end of this module; a new command in a family
  is one more entry in its module's `COMMANDS`.
- What the commands print is rendered by :mod:`comity.report`; commands only read
  the store, call the engine and write the lines they are given.
- A command that reads an existing store takes `@pass_log` and receives the open
  :class:`~comity.events.EventLog` as its first argument. A command that must do work
  before opening it (validate input first, so that bad input is refused even when the
  store is unreachable) takes `@pass_context` and calls `context.log` when ready.
- Errors are turned into exits in one place, :meth:`ComityGroup.invoke`: every
  :class:`comity.errors.ComityError` carries its documented `exit_code` and its
  message becomes `Error: ...` lines on stderr, never a traceback. Usage errors are
  click's own (exit 2); Ctrl-C is exit 130 (`INTERRUPTED`). Anything else is a bug and
  keeps its traceback.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

import click

from comity import i18n
from comity._console import INTERRUPTED, interrupted
from comity.errors import ComityError
from comity.events import DEFAULT_STORE, EventLog, open_log
from comity.events.store import describe_store
from comity.events.text import printable
from comity.i18n import gettext as _
from comity.report.words import knowing
from comity.rules import RulePack, load_pack

__all__ = [
    "INTERRUPTED",
    "ComityGroup",
    "Context",
    "cli",
    "current",
    "describe_store",
    "main",
    "pass_context",
    "pass_log",
    "report_error",
]

P = ParamSpec("P")
R = TypeVar("R")


class Context:
    """What one command line names: a store and a rule pack, each opened on first use.

    The store is closed when the command ends (by :class:`ComityGroup`); the pack is
    loaded from the built-in rules plus `rule_dirs`, later directories winning.
    """

    def __init__(self, url: str, rule_dirs: Sequence[str] = ()) -> None:
        self.url = url
        self.rule_dirs = tuple(rule_dirs)
        self._log: EventLog | None = None
        self._pack: RulePack | None = None

    @property
    def where(self) -> str:
        """The store as users see it in messages (no password)."""
        return describe_store(self.url)

    def open(self, *, create: bool = False) -> EventLog:
        """The open log. Without `create`, a store that does not exist yet is an error."""
        if self._log is None:
            self._log = open_log(self.url, create=create)
        return self._log

    @property
    def log(self) -> EventLog:
        """The existing store's log (`comity init` creates one)."""
        return self.open(create=False)

    @property
    def pack(self) -> RulePack:
        """The rule pack, loaded the first time a command asks for it."""
        if self._pack is None:
            self._pack = load_pack(*self.rule_dirs)
            # Findings are worded in the language of the command line with this pack's
            # rules (their title_es, message_es), for as long as the command runs.
            ctx = click.get_current_context(silent=True)
            if ctx is not None:
                ctx.find_root().with_resource(knowing(self._pack.rules))
        return self._pack

    def pack_origin(self) -> str:
        """Where the pack comes from, for report headers."""
        if not self.rule_dirs:
            return _("built-in")
        return _("built-in") + " + " + ", ".join(str(Path(d).absolute()) for d in self.rule_dirs)

    def close(self) -> None:
        if self._log is not None:
            log, self._log = self._log, None
            log.close()


#: Passes the command line's :class:`Context` (its store not yet opened) first.
pass_context = click.make_pass_decorator(Context, ensure=False)


def current() -> Context:
    """The running command line's context, for code called by a command."""
    context = click.get_current_context().find_object(Context)
    if context is None:  # pragma: no cover - only if a command is used outside `cli`
        raise RuntimeError("comity's commands need the comity group's context")
    return context


def pass_log(f: Callable[Concatenate[EventLog, P], R]) -> Callable[P, R]:
    """Open the existing store before the command runs; pass its log as the first argument."""

    @functools.wraps(f)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        return f(current().log, *args, **kwargs)

    return wrapper


def report_error(exc: ComityError) -> None:
    """Print a project error as `Error: ...` lines on stderr (one per problem)."""
    # Split on newlines only (splitlines would also split on U+2028, which a message
    # quoting a user's value may hold) and escape what a user wrote into the message.
    lines = [line for line in str(exc).split("\n") if line] or [type(exc).__name__]
    for line in lines:
        click.echo(f"Error: {printable(line)}", err=True)


class ComityGroup(click.Group):
    """The one place where comity's errors become their documented exit codes."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        # Parsing the command line happens outside `invoke`, where click would turn a
        # Ctrl-C into "Aborted!" and exit 1.
        try:
            return super().make_context(info_name, args, parent, **extra)
        except KeyboardInterrupt:
            click.echo(interrupted(), err=True)
            raise click.exceptions.Exit(INTERRUPTED) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            try:
                return super().invoke(ctx)
            finally:
                context = ctx.find_object(Context)
                if context is not None:
                    context.close()
        except ComityError as exc:
            report_error(exc)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            # Not click's "Aborted!" and exit 1, which is `verify`'s "found a break":
            # 128 + SIGINT, as shells report it. Appends are atomic, so an ingest cut
            # short stored nothing of the batch it was writing.
            click.echo(interrupted(i18n.language()), err=True)
            ctx.exit(INTERRUPTED)


@click.group("comity", cls=ComityGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--store",
    "store_url",
    metavar="PATH_OR_URL",
    envvar="COMITY_STORE",
    default=DEFAULT_STORE,
    show_default=True,
    show_envvar=True,
    help=(
        "The event store: a file path or sqlite:///path (SQLite), "
        "postgresql://user@host/db (PostgreSQL), or memory: (a throw-away log)."
    ),
)
@click.option(
    "--rules",
    "rule_dirs",
    metavar="DIR",
    multiple=True,
    envvar="COMITY_RULES",
    type=click.Path(file_okay=False),
    show_envvar=True,
    help=(
        "A directory of your own rules (*.toml, or rules/*.toml) and parameters "
        "(params/*.toml) loaded over the built-in pack; repeat for more, later ones win. "
        f"COMITY_RULES takes several, separated by {os.pathsep!r}."
    ),
)
@click.option(
    "--lang",
    type=click.Choice(i18n.LANGUAGES),
    help=(
        "The language of reports and errors: en (English) or es (Spanish). Default: "
        "COMITY_LANG, else the locale's language (LANGUAGE, LC_ALL, LC_MESSAGES, LANG) "
        "if it is one of these, else en. JSON output stays in English."
    ),
)
@click.version_option(package_name="comity", message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx: click.Context, store_url: str, rule_dirs: tuple[str, ...], lang: str | None) -> None:
    """comity: an event-sourced rule engine for cross-border asset recovery.

    Case events go into an append-only, hash-chained log; the rule engine replays it.

    \b
    Exit codes:
      0  success
      1  the command ran and found what it checks for (e.g. `verify` found a break)
      2  usage error
      3  bad input; nothing was written
      4  store error (conflict, unreachable, corrupt); a case not replayed
      5  an output of case data could not be recorded (read-only store,
         --no-record); nothing was shown
      130  interrupted (Ctrl-C)
    """
    ctx.obj = Context(store_url, [d for d in rule_dirs if d])
    ctx.with_resource(i18n.use(i18n.choose(lang)))


def main() -> None:
    """The console script `comity`."""
    cli(prog_name="comity")


# The commands register themselves on `cli` when their modules are imported; they
# import this module's names, so they come last.
from comity.cli import audit as _audit  # noqa: E402
from comity.cli import cases as _cases  # noqa: E402
from comity.cli import check as _check  # noqa: E402
from comity.cli import findings as _findings  # noqa: E402
from comity.cli import replay as _replay  # noqa: E402
from comity.cli import report as _report  # noqa: E402
from comity.cli import rules as _rules  # noqa: E402
from comity.cli import serve as _serve  # noqa: E402
from comity.cli import store as _store  # noqa: E402
from comity.cli import tokens as _tokens  # noqa: E402

for _module in (
    _store,
    _replay,
    _cases,
    _check,
    _rules,
    _findings,
    _audit,
    _report,
    _serve,
    _tokens,
):
    for _command in _module.COMMANDS:
        cli.add_command(_command)
