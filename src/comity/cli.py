"""The `comity` command line: the only module that imports click.

Structure, so that adding a command stays a few lines:

- The group's callback only records which store was asked for (`--store` or
  `COMITY_STORE`) in a :class:`Store` on the context; nothing is opened until a
  command needs it, so `comity schema` and `--help` never touch a store.
- A command that reads an existing store takes `@pass_log` and receives the open
  :class:`~comity.events.EventLog` as its first argument. A command that must do work
  before opening it (validate input first, so that bad input is refused even when the
  store is unreachable) takes `@pass_store` and calls `store.log` when it is ready.
- Errors are turned into exits in one place, :meth:`ComityGroup.invoke`: every
  :class:`comity.errors.ComityError` carries its `exit_code` (DESIGN.md section 8) and
  its message becomes `Error: ...` lines on stderr, never a traceback. Usage errors are
  click's own (exit 2). Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, Concatenate, NoReturn, ParamSpec, TypeVar
from urllib.parse import urlsplit, urlunsplit

import click

from comity.errors import ComityError, EventFormatError, InvalidInput, Problem
from comity.events import (
    DEFAULT_STORE,
    EVENT_TYPES,
    Event,
    EventLog,
    StoredEvent,
    canonical_json,
    format_time,
    open_log,
    parse_jsonl,
    parse_one,
    verify_records,
)
from comity.events.log import format_recorded_at

__all__ = ["ComityGroup", "Store", "cli", "main", "pass_log", "pass_store"]

P = ParamSpec("P")
R = TypeVar("R")

#: Where events typed on the command line come from, in error messages.
COMMAND_LINE = "<command line>"


def describe_store(url: str) -> str:
    """How to show a store to a user: an absolute path, or a URL without its password."""
    if url in ("memory:", ":memory:"):
        return url
    if "://" in url and not url.startswith("sqlite:///"):
        parts = urlsplit(url)
        if parts.password is not None:
            host = parts.hostname or ""
            if parts.port is not None:
                host = f"{host}:{parts.port}"
            netloc = f"{parts.username or ''}:***@{host}"
            return urlunsplit(parts._replace(netloc=netloc))
        return url
    path = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else url
    return str(Path(path).absolute())


class Store:
    """The store a command line names; opened on first use, closed when the command ends."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._log: EventLog | None = None

    @property
    def where(self) -> str:
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

    def close(self) -> None:
        if self._log is not None:
            log, self._log = self._log, None
            log.close()


#: Passes the command line's :class:`Store` (not yet opened) as the first argument.
pass_store = click.make_pass_decorator(Store, ensure=False)


def pass_log(f: Callable[Concatenate[EventLog, P], R]) -> Callable[P, R]:
    """Open the existing store before the command runs; pass its log as the first argument."""

    @functools.wraps(f)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        store = click.get_current_context().find_object(Store)
        if store is None:  # pragma: no cover - only if a command is used outside `cli`
            raise RuntimeError("pass_log needs the comity group's context")
        return f(store.log, *args, **kwargs)

    return wrapper


def report_error(exc: ComityError) -> None:
    """Print a project error as `Error: ...` lines on stderr (one per problem)."""
    lines = str(exc).splitlines() or [type(exc).__name__]
    for line in lines:
        click.echo(f"Error: {line}", err=True)


class ComityGroup(click.Group):
    """The one place where comity's errors become exit codes (DESIGN.md section 8)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            try:
                return super().invoke(ctx)
            finally:
                store = ctx.find_object(Store)
                if store is not None:
                    store.close()
        except ComityError as exc:
            report_error(exc)
            ctx.exit(exc.exit_code)


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
@click.version_option(package_name="comity", message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx: click.Context, store_url: str) -> None:
    """comity: an event-sourced rule engine for cross-border asset recovery.

    Case events go into an append-only, hash-chained log; the rule engine replays it.

    \b
    Exit codes:
      0  success
      1  the command ran and found what it checks for (e.g. `verify` found a break)
      2  usage error
      3  bad input; nothing was written
      4  store error (conflict, unreachable, corrupt)
    """
    ctx.obj = Store(store_url)


# --------------------------------------------------------------------------- init


@cli.command()
@pass_store
def init(store: Store) -> None:
    """Create an empty store; harmless if it already exists."""
    log = store.open(create=True)
    count = log.head().position
    if count:
        noun = "event" if count == 1 else "events"
        click.echo(f"Store {store.where} already exists ({count} {noun}); nothing changed.")
    else:
        click.echo(f"Initialised an empty store at {store.where}.")


# --------------------------------------------------------------------------- ingest


def _parse_file(path: str) -> tuple[str, list[Event]]:
    """The events of FILE (or stdin for `-`), and the name that errors use for it."""
    source = "<stdin>" if path == "-" else path
    try:
        if path == "-":
            return source, parse_jsonl(sys.stdin.buffer, source=source)
        with Path(path).open("rb") as handle:
            return source, parse_jsonl(handle, source=source)
    except OSError as exc:
        raise InvalidInput(f"{source}: cannot read it: {exc.strerror or exc}") from None


@cli.command()
@click.argument(
    "file", metavar="FILE|-", type=click.Path(exists=True, dir_okay=False, allow_dash=True)
)
@pass_store
def ingest(store: Store, file: str) -> None:
    """Append a JSON Lines FILE (- for stdin), all events or none.

    Every line is checked before anything is stored; any problem refuses the whole
    file (exit 3) and lists every bad line. Events already stored with the same
    content are skipped, so ingesting a file twice is harmless.
    """
    source, events = _parse_file(file)
    result = store.log.append(events)
    click.echo(
        f"{len(result.stored)} stored, {len(result.already_stored)} already stored "
        f"({source} into {store.where})."
    )


# --------------------------------------------------------------------------- append

_FLAG_OF_FIELD = {
    "type": "--type",
    "case_id": "--case",
    "event_id": "--id",
    "occurred_at": "--at",
}


def _parse_fields(values: tuple[str, ...]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for item in values:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise click.BadParameter(
                f"{item!r}: expected NAME=VALUE, e.g. jurisdiction=PA", param_hint="--field"
            )
        if name in _FLAG_OF_FIELD:
            raise click.BadParameter(
                f"{name!r}: use {_FLAG_OF_FIELD[name]} instead", param_hint="--field"
            )
        if name in fields:
            raise click.BadParameter(f"{name!r} is given twice", param_hint="--field")
        try:
            fields[name] = json.loads(text)
        except ValueError:
            fields[name] = text
    return fields


def _event_from_json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        problem = Problem("--json", None, "", f"malformed JSON: {exc.msg} (column {exc.colno})")
        raise EventFormatError([problem]) from None


def _usage(message: str) -> NoReturn:
    raise click.UsageError(message)


@cli.command()
@click.option("--json", "json_text", metavar="JSON", help="The whole event as one JSON object.")
@click.option(
    "--type",
    "event_type",
    metavar="TYPE",
    help=f"The event type: one of {', '.join(EVENT_TYPES)}.",
)
@click.option("--case", "case_id", metavar="CASE_ID", help="The case the event belongs to.")
@click.option(
    "--id",
    "event_id",
    metavar="EVENT_ID",
    help="The event's unique id; appending the same id and content again is a no-op.",
)
@click.option(
    "--at",
    "occurred_at",
    metavar="DATE",
    help="When it happened: 2019-07-24 or 2019-07-24T14:00:00Z (UTC).",
)
@click.option(
    "--field",
    "fields",
    metavar="NAME=VALUE",
    multiple=True,
    help=(
        "A field of the event; repeat for each. VALUE is read as JSON when it parses "
        "(asset_ids='[\"A1\"]', urgent=true) and as a string otherwise (jurisdiction=PA)."
    ),
)
@click.option(
    "--expected-seq",
    type=click.IntRange(min=0),
    metavar="N",
    help=(
        "Fail with a conflict (exit 4), storing nothing, unless the case's last seq is N "
        "(0 for a new case)."
    ),
)
@pass_store
def append(
    store: Store,
    json_text: str | None,
    event_type: str | None,
    case_id: str | None,
    event_id: str | None,
    occurred_at: str | None,
    fields: tuple[str, ...],
    expected_seq: int | None,
) -> None:
    """Append one event, given as --json or as flags.

    \b
    comity append --type asset_located --case PA-2019-0042 --id evt-0003 \\
        --at 2019-03-05 --field asset_id=A1 --field asset_type=bank_account \\
        --field jurisdiction=PA
    comity append --json '{"type": "case_closed", "case_id": "PA-2019-0042", ...}'
    """
    flags = {
        "--type": event_type,
        "--case": case_id,
        "--id": event_id,
        "--at": occurred_at,
    }
    data: Any
    if json_text is not None:
        given = [flag for flag, value in flags.items() if value is not None]
        if fields:
            given.append("--field")
        if given:
            _usage(f"--json cannot be combined with {', '.join(given)}")
        data = _event_from_json(json_text)
    else:
        missing = [flag for flag, value in flags.items() if value is None]
        if missing:
            _usage(f"missing {', '.join(missing)} (or give the whole event with --json)")
        data = {
            "type": event_type,
            "case_id": case_id,
            "event_id": event_id,
            "occurred_at": occurred_at,
            **_parse_fields(fields),
        }
    event = parse_one(data, source="--json" if json_text is not None else COMMAND_LINE, line=None)
    result = store.log.append([event], expected_seq=expected_seq)
    if result.stored:
        (stored,) = result.stored
        click.echo(
            f"Stored {stored.event_id} in case {stored.case_id} at seq {stored.seq} "
            f"(position {stored.position})."
        )
    else:
        click.echo(f"{event.event_id} was already stored with the same content; nothing changed.")


# --------------------------------------------------------------------------- log

_TYPE_WIDTH = max(len(t) for t in EVENT_TYPES)
_TIME_WIDTH = len("2019-07-24T14:00:00Z")
_RECORDED_WIDTH = len("2019-07-24T14:00:00.000000Z")


def _write_lines(lines: Iterator[str]) -> None:
    """Write line by line without a flush per line (click.echo flushes every call)."""
    out: IO[str] = sys.stdout
    for line in lines:
        out.write(line)
        out.write("\n")
    out.flush()


def _table(log: EventLog, events: Iterator[StoredEvent], case_width: int) -> Iterator[str]:
    position_width = max(len("position"), len(str(log.head().position)))
    seq_width = 6
    columns = (
        ("position", position_width),
        ("seq", seq_width),
        ("recorded_at", _RECORDED_WIDTH),
        ("case", case_width),
        ("type", _TYPE_WIDTH),
        ("occurred_at", _TIME_WIDTH),
    )
    header = [
        name.rjust(width) if index < 2 else name.ljust(width)
        for index, (name, width) in enumerate(columns)
    ]
    yield "  ".join(header) + "  event_id"
    for stored in events:
        yield "  ".join(
            (
                str(stored.position).rjust(position_width),
                str(stored.seq).rjust(seq_width),
                format_recorded_at(stored.recorded_at),
                stored.case_id.ljust(case_width),
                stored.event.type.ljust(_TYPE_WIDTH),
                format_time(stored.event.occurred_at).ljust(_TIME_WIDTH),
                stored.event_id,
            )
        )


@cli.command("log")
@click.option("--case", "case_id", metavar="CASE_ID", help="Only this case, in seq order.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "jsonl"]),
    default="table",
    show_default=True,
    help="table for people; jsonl for one stored event (with its envelope and hash) a line.",
)
@pass_log
def log_command(log: EventLog, case_id: str | None, fmt: str) -> None:
    """Print the log (or one case), oldest first, streaming."""
    events = log.read_case(case_id) if case_id is not None else log.read()
    if fmt == "jsonl":
        _write_lines(canonical_json(stored.to_json()) for stored in events)
        return
    first = next(events, None)
    if first is None:
        what = f"case {case_id!r}" if case_id is not None else "the store"
        click.echo(f"No events in {what}.", err=True)
        return
    if case_id is not None:
        case_width = len(case_id)
    else:
        case_width = max((len(c) for c in log.case_ids()), default=0)
    case_width = max(case_width, len("case"))

    def chained() -> Iterator[StoredEvent]:
        yield first
        yield from events

    _write_lines(_table(log, chained(), case_width))


# --------------------------------------------------------------------------- verify


@cli.command()
@pass_log
def verify(log: EventLog) -> None:
    """Check the hash chain; exit 1 naming the first bad position."""
    report = verify_records(log.raw_records())
    noun = "record" if report.records == 1 else "records"
    click.echo(f"{report.records} {noun}, head {report.head.hash}")


# --------------------------------------------------------------------------- schema


@cli.command()
def schema() -> None:
    """Print the JSON Schema of the v1 event format."""
    from comity.events.schema import event_schema

    click.echo(json.dumps(event_schema(), indent=2, ensure_ascii=False))


def main() -> None:
    """The console script `comity`."""
    cli(prog_name="comity")


if __name__ == "__main__":
    main()
