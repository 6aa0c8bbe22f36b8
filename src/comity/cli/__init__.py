"""The `comity` command line: the only module that imports click.

Structure, so that adding a command stays a few lines:

- The group's callback only records which store was asked for (`--store` or
  `COMITY_STORE`) in a :class:`Store` on the context; nothing is opened until a
  command needs it, so `comity schema` and `--help` never touch a store.
- A command that reads an existing store takes `@pass_log` and receives the open
  :class:`~comity.events.EventLog` as its first argument. A command that must do work
  before opening it (validate input first, so that bad input is refused even when the
  store is unreachable) takes `@pass_store` and calls `store.log` when it is ready.
- The rule pack (`--rules DIR`, or `COMITY_RULES`) is recorded the same way, in a
  :class:`Rules` in `ctx.meta`, and loaded only by the commands that replay or show rules.
- The wall clock is read in one place, :func:`_now`, only for the defaults of `--as-of`
  and `--known-at`; the engine never reads it, and every report prints both times so
  that a replay can be repeated exactly.
- Errors are turned into exits in one place, :meth:`ComityGroup.invoke`: every
  :class:`comity.errors.ComityError` carries its `exit_code` (DESIGN.md section 8) and
  its message becomes `Error: ...` lines on stderr, never a traceback. Usage errors are
  click's own (exit 2). Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import os
import re
import sys
import textwrap
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, Concatenate, NoReturn, ParamSpec, TypeVar
from urllib.parse import urlsplit, urlunsplit

import attrs
import click

from comity.engine import CaseResult, Finding, OpenDeadline, replay_log
from comity.errors import ComityError, EventFormatError, InvalidInput, Problem, UnknownFinding
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
)
from comity.events.log import format_recorded_at
from comity.rules import Rule, RulePack, load_pack
from comity.rules.pack import CATEGORIES, SEVERITIES
from comity.rules.params import ParamValue

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
@click.version_option(package_name="comity", message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx: click.Context, store_url: str, rule_dirs: tuple[str, ...]) -> None:
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
    ctx.meta[_RULES_KEY] = Rules([d for d in rule_dirs if d])


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
    report = log.verify()
    noun = "record" if report.records == 1 else "records"
    click.echo(f"{report.records} {noun}, head {report.head.hash}")


# --------------------------------------------------------------------------- schema


@cli.command()
def schema() -> None:
    """Print the JSON Schema of the v1 event format."""
    from comity.events.schema import event_schema

    click.echo(json.dumps(event_schema(), indent=2, ensure_ascii=False))


# --------------------------------------------------------------------------- rule pack and time


class Rules:
    """The rule pack the command line names (`--rules` or `COMITY_RULES`), loaded on first use.

    Kept in `ctx.meta` so that commands that need no rules (`init`, `log`, `--help`)
    never read rule files, and a broken user pack only fails the commands that use it.
    """

    def __init__(self, dirs: Sequence[str]) -> None:
        self.dirs = tuple(dirs)
        self._pack: RulePack | None = None

    @property
    def pack(self) -> RulePack:
        if self._pack is None:
            self._pack = load_pack(*self.dirs)
        return self._pack

    def describe(self) -> str:
        """Where the pack comes from, for report headers."""
        if not self.dirs:
            return "built-in"
        return "built-in + " + ", ".join(str(Path(d).absolute()) for d in self.dirs)


_RULES_KEY = "comity.rules"


def _rules() -> Rules:
    rules = click.get_current_context().meta.get(_RULES_KEY)
    if not isinstance(rules, Rules):  # pragma: no cover - only outside `cli`
        raise RuntimeError("the rule pack needs the comity group's context")
    return rules


def _now() -> dt.datetime:
    """The wall clock. Only the CLI reads it, for the defaults of --as-of and --known-at."""
    return dt.datetime.now(dt.UTC)


_DATE_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}")
_INSTANT_TEXT = re.compile(
    r"(?P<local>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)(?P<zone>Z|[+-]\d{2}:\d{2})?"
)


def _parse_time(text: str, *, dates: bool) -> dt.date | dt.datetime:
    """An ISO date (if `dates`) or a UTC datetime; ValueError says what was expected."""
    example = "2020-12-31T18:00:00Z"
    if dates:
        expected = f"an ISO date (2020-12-31) or a UTC datetime ({example})"
    else:
        expected = f"a UTC datetime ({example})"

    def refuse(why: str = "") -> ValueError:
        shown = json.dumps(text, ensure_ascii=False)
        return ValueError(f"expected {expected}, got {shown}" + (f": {why}" if why else ""))

    if _DATE_TEXT.fullmatch(text):
        if not dates:
            raise refuse("record time is an instant, not a day")
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise refuse("no such date") from None
    match = _INSTANT_TEXT.fullmatch(text)
    if match is None:
        raise refuse()
    if match.group("zone") not in ("Z", "+00:00"):
        raise refuse("give the time in UTC, ending in Z")
    try:
        parsed = dt.datetime.fromisoformat(match.group("local"))
    except ValueError:
        raise refuse("no such date or time") from None
    return parsed.replace(tzinfo=dt.UTC)


def _time_callback(*, dates: bool) -> Callable[[click.Context, click.Parameter, Any], Any]:
    """Parse --as-of (date or UTC datetime) or --known-at (UTC datetime).

    A value that does not parse is bad input (exit 3, one `Error:` line), not a usage
    error: the option was used correctly with a wrong value.
    """

    def parse(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        if value is None or isinstance(value, dt.date):
            return value
        flag = param.opts[0] if param.opts else "value"
        try:
            return _parse_time(str(value), dates=dates)
        except ValueError as exc:
            raise InvalidInput(f"{flag}: {exc}") from None

    return parse


def _show_time(value: dt.date | dt.datetime) -> str:
    """`2020-12-31`, `2020-12-31T18:00:00Z`, or with microseconds when there are some."""
    if not isinstance(value, dt.datetime):
        return value.isoformat()
    value = value.astimezone(dt.UTC)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if value.microsecond:
        text += f".{value.microsecond:06d}"
    return text + "Z"


AS_OF_HELP = (
    "Valid time: replay the case as it stood at the end of this day (2020-12-31) or at "
    "this UTC instant (2020-12-31T18:00:00Z). Default: today (UTC)."
)
KNOWN_AT_HELP = (
    "Record time: use only events the log had recorded by this UTC instant "
    "(2020-12-31T18:00:00Z). Default: now."
)

_F = TypeVar("_F", bound=Callable[..., Any])


def time_options(f: _F) -> _F:
    """--as-of and --known-at, the same on every command that replays."""
    f = click.option(
        "--known-at",
        callback=_time_callback(dates=False),
        metavar="DATETIME",
        help=KNOWN_AT_HELP,
    )(f)
    return click.option(
        "--as-of", callback=_time_callback(dates=True), metavar="DATE", help=AS_OF_HELP
    )(f)


@attrs.frozen
class ReplayAt:
    """The two times of one replay, with the wall-clock defaults filled in."""

    as_of: dt.date | dt.datetime
    known_at: dt.datetime

    @classmethod
    def of(cls, as_of: dt.date | dt.datetime | None, known_at: dt.datetime | None) -> ReplayAt:
        now = _now()
        return cls(as_of if as_of is not None else now.date(), known_at or now)

    def header(self) -> dict[str, str]:
        return {"as_of": _show_time(self.as_of), "known_at": _show_time(self.known_at)}

    def words(self) -> str:
        return f"as of {_show_time(self.as_of)}, known at {_show_time(self.known_at)}"


def _close(iterator: Iterator[Any]) -> None:
    """Stop a streaming read early (a generator, or a backend's cursor) if it can be."""
    close = getattr(iterator, "close", None)
    if close is not None:
        close()


def _has_events(log: EventLog, case_id: str, known_at: dt.datetime) -> bool:
    events = log.read_case(case_id, known_at=known_at)
    try:
        return next(events, None) is not None
    finally:
        _close(events)


def _check_cases(log: EventLog, cases: Sequence[str], at: ReplayAt) -> None:
    """A --case with no events is an error, so that a typo never reads as 'nothing found'."""
    missing = [c for c in dict.fromkeys(cases) if not _has_events(log, c, at.known_at)]
    if missing:
        raise InvalidInput(
            "\n".join(
                f"--case {c}: no events in this case recorded by {_show_time(at.known_at)}; "
                "`comity log` lists the cases in the store"
                for c in missing
            )
        )


def _write(chunks: Iterable[str]) -> None:
    out: IO[str] = sys.stdout
    for chunk in chunks:
        out.write(chunk)
    out.flush()


def _json_document(
    head: dict[str, Any], key: str, items: Iterable[dict[str, Any]]
) -> Iterator[str]:
    """Exactly `json.dumps({**head, key: list(items)}, indent=2, ensure_ascii=False)`,
    written item by item so that nothing waits for the whole list."""
    empty = json.dumps({**head, key: []}, indent=2, ensure_ascii=False)
    prefix = empty[: -len("[]\n}")]
    first = True
    for item in items:
        # JSON text holds no raw newline inside strings, so this indents whole lines only.
        body = json.dumps(item, indent=2, ensure_ascii=False).replace("\n", "\n    ")
        yield (prefix + "[\n    " if first else ",\n    ") + body
        first = False
    yield prefix + "[]\n}\n" if first else "\n  ]\n}\n"


_SEVERITY_RANK = {severity: rank for rank, severity in enumerate(SEVERITIES)}
_CATEGORY_TITLES = (
    ("deadline", "Missed deadlines"),
    ("overlap", "Overlapping jurisdictions"),
    ("next_step", "Next steps"),
)
_CATEGORY_WORDS = {"deadline": "missed deadline", "overlap": "overlap", "next_step": "next step"}
_WIDTH = 100


def _wrap(text: str, indent: int, first: str = "") -> list[str]:
    pad = " " * indent
    return textwrap.wrap(
        text,
        width=_WIDTH,
        initial_indent=pad + first,
        subsequent_indent=pad + " " * len(first),
        break_long_words=False,
        break_on_hyphens=False,
    ) or [pad + first.rstrip()]


def _wrap_items(items: Sequence[str], indent: int, first: str = "") -> list[str]:
    """Items joined by `; `, broken between items only (a citation stays on one line)."""
    lines: list[str] = []
    current = " " * indent + first
    start = len(current)
    for n, item in enumerate(items):
        text = item + (";" if n < len(items) - 1 else "")
        if len(current) > start and len(current) + 1 + len(text) > _WIDTH:
            lines.append(current)
            current = " " * start + text
        else:
            current += (" " if len(current) > start else "") + text
    lines.append(current)
    return lines


def _cite(basis: Mapping[str, Any], *, always: bool = False) -> str:
    """`UNCAC art. 54(2)`, `FATF Recommendations, R.38`, with `(unverified)` where so."""
    instrument = str(basis.get("instrument", ""))
    article = str(basis.get("article", ""))
    text = f"{instrument} art. {article}" if article[:1].isdigit() else f"{instrument}, {article}"
    confidence = basis.get("confidence")
    if confidence == "policy":
        return text + " (comity policy, not law)"
    if confidence == "unverified" or (always and confidence):
        return f"{text} ({confidence})"
    return text


def _amount(amount: object, unit: object) -> str:
    """`5 working days`, `1 month`."""
    words = str(unit).replace("_", " ")
    if amount == 1 and words.endswith("s"):
        words = words[:-1]
    return f"{amount} {words}"


def _period(detail: Mapping[str, Any]) -> str:
    """One line on where a deadline's length came from."""
    if detail.get("parameter") is None:
        return str(detail.get("source", "a date stated in an event"))
    confidence = detail.get("confidence")
    return f"{detail['parameter']}: {_amount(detail.get('value'), detail.get('unit'))}" + (
        f" ({confidence})" if confidence else ""
    )


def _status(finding: Finding) -> str:
    if finding.is_open:
        return "missed" if finding.category == "deadline" else "open"
    superseded = finding.superseded_by
    if superseded:
        return f"closed {finding.resolved_at}: the deadline was missed (see {superseded})"
    if finding.resolved_by:
        return f"resolved {finding.resolved_at} by {', '.join(finding.resolved_by)}"
    return f"resolved {finding.resolved_at}"


def _finding_lines(finding: Finding, indent: int) -> Iterator[str]:
    pad = " " * indent
    head = f"{finding.severity.upper():<8}  {finding.code} ({finding.rule})"
    yield f"{pad}{head}  id {finding.finding_id}"
    when = [f"raised {finding.raised_at}"]
    if finding.due is not None:
        when.append(f"due {finding.due}")
    when.append(_status(finding))
    yield from _wrap(", ".join(when), indent + 10)
    yield from _wrap(finding.message, indent + 10)
    yield from _wrap_items([_cite(b) for b in finding.legal_basis], indent + 10, "legal basis: ")


def _days_until(day: str, as_of: dt.date | dt.datetime) -> int:
    start = as_of.date() if isinstance(as_of, dt.datetime) else as_of
    return (dt.date.fromisoformat(day[:10]) - start).days


def _in_days(days: int) -> str:
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    return f"in {days} days" if days > 0 else f"{-days} days ago"


def _deadline_lines(deadline: OpenDeadline, at: ReplayAt, indent: int) -> Iterator[str]:
    pad = " " * indent
    yield (
        f"{pad}due {deadline.due} ({_in_days(_days_until(deadline.due, at.as_of))}; "
        f"late from {deadline.breach_at})  {deadline.code} {deadline.ref} ({deadline.rule})"
    )
    yield from _wrap(_period(deadline.detail), indent + 4, "period: ")


class _Tally:
    """Counts what a replay found while its results stream past."""

    def __init__(self, fail_on: str | None) -> None:
        self.threshold = None if fail_on is None else _SEVERITY_RANK[fail_on]
        self.cases = 0
        self.open: dict[str, int] = dict.fromkeys(SEVERITIES, 0)
        self.resolved = 0
        self.deadlines = 0
        self.failing = 0

    def watch(self, results: Iterable[CaseResult]) -> Iterator[CaseResult]:
        for result in results:
            self.cases += 1
            self.deadlines += len(result.open_deadlines)
            for finding in result.findings:
                if finding.is_open:
                    self.open[finding.severity] += 1
                    if self.threshold is not None and (
                        _SEVERITY_RANK[finding.severity] >= self.threshold
                    ):
                        self.failing += 1
                else:
                    self.resolved += 1
            yield result

    def open_words(self) -> str:
        total = sum(self.open.values())
        parts = ", ".join(f"{self.open[s]} {s}" for s in reversed(SEVERITIES))
        return f"{total} open finding{'s' if total != 1 else ''} ({parts})"


def _case_table(result: CaseResult, at: ReplayAt) -> Iterator[str]:
    findings = result.findings
    open_count = sum(f.is_open for f in findings)
    yield f"== Case {result.case_id}"
    yield (
        f"{len(findings)} finding{'s' if len(findings) != 1 else ''}: {open_count} open, "
        f"{len(findings) - open_count} resolved; {len(result.open_deadlines)} open deadline"
        f"{'s' if len(result.open_deadlines) != 1 else ''}"
    )
    for category, title in _CATEGORY_TITLES:
        group = [f for f in findings if f.category == category]
        yield ""
        if not group:
            yield f"{title}: none"
            continue
        opened = sorted((f for f in group if f.is_open), key=lambda f: -_SEVERITY_RANK[f.severity])
        resolved = [f for f in group if not f.is_open]
        if category == "deadline" and not resolved:
            # A missed deadline stays missed: there is no "resolved" to tell apart.
            yield f"{title}: {len(opened)}"
            for finding in opened:
                yield from _finding_lines(finding, 4)
            continue
        yield f"{title}: {len(opened)} open, {len(resolved)} resolved"
        for label, items in (("Open", opened), ("Resolved", resolved)):
            if items:
                yield f"  {label}"
                for finding in items:
                    yield from _finding_lines(finding, 4)
    yield ""
    if not result.open_deadlines:
        yield "Open deadlines: none"
    else:
        yield "Open deadlines, soonest first:"
        for deadline in result.open_deadlines:
            yield from _deadline_lines(deadline, at, 2)
    yield ""


def _replay_table(
    results: Iterable[CaseResult], at: ReplayAt, rules: Rules, tally: _Tally
) -> Iterator[str]:
    yield f"comity replay {at.words()}"
    yield f"rule pack {rules.pack.digest} ({rules.describe()})"
    yield ""
    for result in results:
        yield from _case_table(result, at)
    if tally.cases == 0:
        yield "No cases to replay."
    else:
        yield (
            f"{tally.cases} case{'s' if tally.cases != 1 else ''} replayed: "
            f"{tally.open_words()}, {tally.resolved} resolved; "
            f"{tally.deadlines} open deadline{'s' if tally.deadlines != 1 else ''}."
        )


# --------------------------------------------------------------------------- replay


@cli.command()
@click.option(
    "--case",
    "cases",
    metavar="CASE_ID",
    multiple=True,
    help="Replay only this case; repeat for more. Default: every case in the store.",
)
@time_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "jsonl"]),
    default="table",
    show_default=True,
    help=(
        "table: a report per case for people; json: one object with every case; "
        "jsonl: one finding a line."
    ),
)
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    metavar="SEVERITY",
    help=(
        "Exit 1 if any open finding has this severity or a higher one (info < warning < critical)."
    ),
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    metavar="N",
    help=(
        "Replay the cases in N worker processes, each with its own store connection; "
        "the output is the same as with 1."
    ),
)
@pass_log
def replay(
    log: EventLog,
    cases: tuple[str, ...],
    as_of: dt.date | dt.datetime | None,
    known_at: dt.datetime | None,
    fmt: str,
    fail_on: str | None,
    workers: int,
) -> None:
    """Replay cases through the rule pack and report what they found.

    Findings are overlapping jurisdictions, missed deadlines and recommended next legal
    steps, each with its legal basis and the events it rests on; open deadlines are
    the periods still running at --as-of. Cases stream one at a time.
    """
    rules = _rules()
    pack = rules.pack
    at = ReplayAt.of(as_of, known_at)
    if cases:
        _check_cases(log, cases, at)
    tally = _Tally(fail_on)
    if workers > 1:
        from comity.engine.parallel import replay_log_parallel

        store = click.get_current_context().find_object(Store)
        assert store is not None
        replayed = replay_log_parallel(
            store.url,
            rules.dirs,
            as_of=at.as_of,
            known_at=at.known_at,
            cases=list(cases) or None,
            workers=workers,
            log=log,
            pack=pack,
        )
    else:
        replayed = replay_log(
            log, pack, as_of=at.as_of, known_at=at.known_at, cases=list(cases) or None
        )
    results = tally.watch(replayed)
    if fmt == "json":
        head = {**at.header(), "rulepack": pack.digest}
        _write(_json_document(head, "cases", (r.to_json() for r in results)))
    elif fmt == "jsonl":
        click.echo(f"comity replay {at.words()}, rule pack {pack.digest}", err=True)
        _write_lines(
            json.dumps(f.to_json(), ensure_ascii=False) for r in results for f in r.findings
        )
    else:
        _write_lines(_replay_table(results, at, rules, tally))
    if tally.failing:
        click.echo(
            f"{tally.failing} open finding{'s' if tally.failing != 1 else ''} of severity "
            f"{fail_on} or higher (--fail-on {fail_on}).",
            err=True,
        )
        click.get_current_context().exit(1)


# --------------------------------------------------------------------------- explain


def _event_rows(events: Sequence[StoredEvent], indent: int) -> Iterator[str]:
    pad = " " * indent
    seq_width = max(len("seq"), *(len(str(s.seq)) for s in events))
    pos_width = max(len("position"), *(len(str(s.position)) for s in events))
    type_width = max(len("type"), *(len(s.event.type) for s in events))
    time_width = max(len("occurred_at"), *(len(format_time(s.event.occurred_at)) for s in events))
    yield (
        f"{pad}{'seq'.rjust(seq_width)}  {'position'.rjust(pos_width)}  "
        f"{'recorded_at'.ljust(_RECORDED_WIDTH)}  {'type'.ljust(type_width)}  "
        f"{'occurred_at'.ljust(time_width)}  event_id"
    )
    for s in events:
        yield (
            f"{pad}{str(s.seq).rjust(seq_width)}  {str(s.position).rjust(pos_width)}  "
            f"{format_recorded_at(s.recorded_at)}  {s.event.type.ljust(type_width)}  "
            f"{format_time(s.event.occurred_at).ljust(time_width)}  {s.event_id}"
        )


def _events_by_id(
    log: EventLog, case_id: str, ids: Iterable[str], known_at: dt.datetime
) -> dict[str, StoredEvent]:
    wanted = set(ids)
    found: dict[str, StoredEvent] = {}
    if wanted:
        for stored in log.read_case(case_id, known_at=known_at):
            if stored.event_id in wanted:
                found[stored.event_id] = stored
    return found


def _events_block(
    ids: Sequence[str], events: Mapping[str, StoredEvent], indent: int
) -> Iterator[str]:
    present = [events[i] for i in ids if i in events]
    present.sort(key=lambda s: s.seq)
    if present:
        yield from _event_rows(present, indent)
    for missing in (i for i in ids if i not in events):
        yield f"{' ' * indent}{missing}: not in the log as known at this replay"


def _legal_block(bases: Iterable[Mapping[str, Any]], indent: int) -> Iterator[str]:
    pad = " " * indent
    for basis in bases:
        yield f"{pad}{_cite(basis, always=True)}"
        reference = basis.get("reference") or basis.get("address")
        if reference:
            yield f"{pad}  {reference}"
        for also in basis.get("also") or ():
            yield f"{pad}  also {also}"
        if basis.get("in_force_from"):
            yield f"{pad}  value in force from {basis['in_force_from']}"
        if basis.get("note"):
            yield from _wrap(f"note: {basis['note']}", indent + 2)


def _deadline_block(detail: Mapping[str, Any], due: str | None, indent: int) -> Iterator[str]:
    pad = " " * indent
    if due is not None:
        yield f"{pad}last day:   {due}"
    if detail.get("parameter") is None:
        yield from _wrap(str(detail.get("source", "")), indent, "period:     ")
    else:
        yield f"{pad}parameter:  {detail['parameter']}"
        yield f"{pad}value:      {_amount(detail.get('value'), detail.get('unit'))}"
        source = detail.get("source")
        if isinstance(source, Mapping):
            yield from _wrap(_cite(source), indent, "source:     ")
            address = source.get("address") or source.get("reference")
            if address:
                yield f"{pad}            {address}"
            if source.get("in_force_from"):
                yield f"{pad}            value in force from {source['in_force_from']}"
        yield f"{pad}confidence: {detail.get('confidence')}"
        if detail.get("trigger"):
            yield f"{pad}trigger:    {detail['trigger']}"
    if detail.get("convention"):
        yield from _wrap(str(detail["convention"]), indent, "counting:   ")
    caveat = detail.get("caveat")
    if caveat and str(caveat) not in str(detail.get("convention", "")):
        yield from _wrap(str(caveat), indent, "caveat:     ")
    if detail.get("note"):
        yield from _wrap(str(detail["note"]), indent, "note:       ")


def _explain_lines(
    finding: Finding, rule: Rule, pack: RulePack, at: ReplayAt, log: EventLog
) -> Iterator[str]:
    ids = [*finding.because, *(finding.resolved_by or ())]
    events = _events_by_id(log, finding.case_id, ids, at.known_at)
    yield f"Finding {finding.finding_id} in case {finding.case_id}, {at.words()}"
    yield f"  {_CATEGORY_WORDS[finding.category]}, severity {finding.severity}: {finding.title}"
    yield from _wrap(finding.message, 2)
    yield f"  raised:        {finding.raised_at}"
    if finding.due is not None:
        yield f"  due:           {finding.due}"
    yield f"  jurisdictions: {', '.join(finding.jurisdictions) or '-'}"
    yield f"  assets:        {', '.join(finding.assets) or '-'}"
    yield ""
    yield f"Rule {rule.id} ({rule.code}): {rule.title}"
    yield from _wrap(" ".join(rule.description.split()), 2)
    yield f"  rule pack: {pack.digest}"
    yield f"  defined in: {rule.source}"
    yield ""
    yield "Legal basis"
    yield from _legal_block(finding.legal_basis, 2)
    yield ""
    yield "Events it rests on"
    yield from _events_block(finding.because, events, 2)
    yield ""
    yield "Resolution"
    superseded = finding.superseded_by
    if finding.is_open:
        if finding.category == "deadline":
            yield (
                f"  Missed on {finding.raised_at}. A missed deadline stays missed, "
                "even if the act comes late."
            )
        else:
            yield f"  Open: nothing had resolved it {at.words()}."
    elif superseded:
        yield from _wrap(
            f"Closed on {finding.resolved_at} without the step being taken: the deadline "
            f"it warned about was missed (finding {superseded}).",
            2,
        )
    elif finding.resolved_by:
        yield f"  Resolved on {finding.resolved_at} by:"
        yield from _events_block(finding.resolved_by, events, 4)
    else:
        yield f"  Resolved on {finding.resolved_at}."
    if finding.deadline is not None:
        yield ""
        yield "Deadline"
        yield from _deadline_block(finding.deadline, finding.due, 2)


@cli.command()
@click.argument("finding_id", metavar="FINDING_ID")
@time_options
@pass_log
def explain(
    log: EventLog,
    finding_id: str,
    as_of: dt.date | dt.datetime | None,
    known_at: dt.datetime | None,
) -> None:
    """Explain one finding: its rule, legal basis, the events it rests on, its deadline.

    FINDING_ID comes from `comity replay` (table or json). The store is replayed case
    by case until the finding turns up; an id no replay produces is exit 3.
    """
    pack = _rules().pack
    at = ReplayAt.of(as_of, known_at)
    results = replay_log(log, pack, as_of=at.as_of, known_at=at.known_at)
    found: Finding | None = None
    try:
        for result in results:
            found = next((f for f in result.findings if f.finding_id == finding_id), None)
            if found is not None:
                break
    finally:
        _close(results)
    if found is None:
        raise UnknownFinding(
            f"no finding {finding_id!r} in any case {at.words()}; "
            "take finding ids from `comity replay` with the same --as-of and --known-at"
        )
    _write_lines(_explain_lines(found, pack.rule(found.rule), pack, at, log))


# --------------------------------------------------------------------------- deadlines


def _breach_instant(breach_at: str) -> str:
    return f"{breach_at}T00:00:00Z" if len(breach_at) == 10 else breach_at


def _horizon(as_of: dt.date | dt.datetime, days: int) -> str:
    """The last breach instant `--within days` keeps: `days` days after the end of as_of."""
    if isinstance(as_of, dt.datetime):
        end = as_of.astimezone(dt.UTC)
    else:
        end = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(0), tzinfo=dt.UTC)
    return (end + dt.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


@cli.command()
@click.option(
    "--case",
    "cases",
    metavar="CASE_ID",
    multiple=True,
    help="Only this case; repeat for more. Default: every case in the store.",
)
@time_options
@click.option(
    "--within",
    type=click.IntRange(min=0),
    metavar="N",
    help=(
        "Only deadlines that are breached within N days after --as-of "
        "(0: the last day to act is --as-of itself)."
    ),
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="table for people; json for one object with every open deadline.",
)
@pass_log
def deadlines(
    log: EventLog,
    cases: tuple[str, ...],
    as_of: dt.date | dt.datetime | None,
    known_at: dt.datetime | None,
    within: int | None,
    fmt: str,
) -> None:
    """List the deadlines still running at --as-of, across cases, soonest first."""
    rules = _rules()
    pack = rules.pack
    at = ReplayAt.of(as_of, known_at)
    if cases:
        _check_cases(log, cases, at)
    horizon = None if within is None else _horizon(at.as_of, within)
    running = [
        deadline
        for result in replay_log(
            log, pack, as_of=at.as_of, known_at=at.known_at, cases=list(cases) or None
        )
        for deadline in result.open_deadlines
        if horizon is None or _breach_instant(deadline.breach_at) <= horizon
    ]
    running.sort(key=lambda d: (_breach_instant(d.breach_at), d.case_id, d.rule, d.ref))
    if fmt == "json":
        head = {**at.header(), "rulepack": pack.digest, "within": within}
        _write(_json_document(head, "deadlines", (d.to_json() for d in running)))
        return
    scope = "" if within is None else f" breached within {within} days"
    if not running:
        click.echo(f"No open deadlines{scope} {at.words()}.")
        return
    rows = [
        (
            d.due,
            d.breach_at,
            _in_days(_days_until(d.due, at.as_of)),
            d.case_id,
            d.code,
            d.ref,
            d.rule,
            _period(d.detail),
        )
        for d in running
    ]
    header = ("due", "late from", "when", "case", "code", "ref", "rule", "period")
    widths = [max(len(h), *(len(r[n]) for r in rows)) for n, h in enumerate(header[:-1])]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=False)) + "  " + cells[-1]

    _write_lines(
        iter(
            [
                f"Open deadlines{scope} {at.words()}, soonest first",
                f"rule pack {pack.digest} ({rules.describe()})",
                "",
                line(header),
                *(line(r) for r in rows),
            ]
        )
    )


# --------------------------------------------------------------------------- rules


@cli.group("rules")
def rules_group() -> None:
    """The rule pack: `rules list`, `rules show ID` (--rules adds your own)."""


@rules_group.command("list")
def rules_list() -> None:
    """Every rule: id, code, category, severity, title and legal basis."""
    rules = _rules()
    pack = rules.pack
    id_width = max((len(r.id) for r in pack.rules), default=2)
    code_width = max((len(r.code) for r in pack.rules), default=4)
    cat_width = max(len(c) for c in CATEGORIES)
    sev_width = max(len(s) for s in SEVERITIES)
    lines = [
        f"{'id'.ljust(id_width)}  {'code'.ljust(code_width)}  {'category'.ljust(cat_width)}  "
        f"{'severity'.ljust(sev_width)}  title"
    ]
    for rule in pack.rules:
        lines.append(
            f"{rule.id.ljust(id_width)}  {rule.code.ljust(code_width)}  "
            f"{rule.category.ljust(cat_width)}  {rule.severity.ljust(sev_width)}  {rule.title}"
        )
        bases = [_cite(b.to_json(), always=True) for b in rule.legal_basis]
        lines.extend(_wrap_items(bases, id_width + 2, "legal basis: "))
    lines.append("")
    lines.append(
        f"{len(pack.rules)} rules; rule pack {pack.digest} ({rules.describe()}). "
        "`comity rules show ID` for one rule."
    )
    _write_lines(iter(lines))


def _parameter_names(pack: RulePack, name: str) -> list[str]:
    """A clause's parameter name, with `{binding.field}` placeholders matched by any part."""
    parts = re.split(r"(\{[^{}]*\})", name)
    if len(parts) == 1:
        return [name]
    pattern = re.compile(
        "".join(re.escape(p) if n % 2 == 0 else "[A-Za-z0-9_]+" for n, p in enumerate(parts))
    )
    return [p for p in pack.parameters.names() if pattern.fullmatch(p)]


def _counting_words(value: ParamValue) -> str:
    counting = value.counting
    if counting is None:
        return ""
    first = (
        "the trigger day counts" if counting.trigger_counts else "the trigger day is not counted"
    )
    if counting.unit == "hours":
        first = "the trigger hour counts" if counting.trigger_counts else "counted from the trigger"
        return first
    roll = (
        "an end on a weekend or public holiday moves to the next working day"
        if counting.roll_forward
        else "an end on a weekend or public holiday is not moved"
    )
    return f"{first}; {roll}"


def _value_lines(value: ParamValue, indent: int) -> Iterator[str]:
    pad = " " * indent
    since = f"from {value.valid_from.isoformat()}"
    until = (
        f"{since} until {value.valid_until.isoformat()} (exclusive)"
        if value.valid_until
        else f"{since} (still in force)"
    )
    if value.kind == "amount":
        what = _amount(value.amount, value.unit)
    elif value.kind == "list":
        what = ", ".join(value.items or ())
    else:
        what = "no statutory period found (no deadline is raised)"
    yield from _wrap(what, indent, f"{until}: ")
    confidence = value.confidence
    if value.dates_confidence != value.confidence:
        confidence += f" (dates: {value.dates_confidence})"
    yield f"{pad}  confidence: {confidence}"
    if value.counting is not None:
        yield from _wrap(_counting_words(value), indent + 2, "counting:   ")
        if value.counting.source:
            yield from _wrap(value.counting.source, indent + 2, "  as per:   ")
        if value.counting.caveat:
            yield from _wrap(value.counting.caveat, indent + 2, "caveat:     ")
    ref = value.reference
    yield from _wrap(_cite(ref.to_json()), indent + 2, "reference:  ")
    yield f"{pad}              {ref.address}"
    for also in ref.also:
        yield f"{pad}              also {also}"
    if value.note:
        yield from _wrap(value.note, indent + 2, "note:       ")


def _parameter_lines(pack: RulePack, name: str, indent: int) -> Iterator[str]:
    pad = " " * indent
    names = _parameter_names(pack, name)
    if not names:
        yield f"{pad}{name}: no such parameter in the rule pack (this clause never starts a period)"
        return
    for found in names:
        parameter = pack.parameters.parameter(found)
        yield f"{pad}{found}: {parameter.title}"
        if parameter.trigger:
            yield from _wrap(parameter.trigger, indent + 2, "trigger:    ")
        if parameter.holidays_of:
            yield f"{pad}  holidays:   {parameter.holidays_of}"
        for value in parameter.values:
            yield from _value_lines(value, indent + 2)


def _patterns(lines: Sequence[str], indent: int) -> Iterator[str]:
    for pattern in lines:
        yield f"{' ' * indent}{pattern}"


def _alternatives_lines(
    title: str, alternatives: Sequence[Sequence[str]], indent: int
) -> Iterator[str]:
    pad = " " * indent
    if not alternatives:
        return
    if len(alternatives) == 1:
        yield f"{pad}{title}:"
        yield from _patterns(alternatives[0], indent + 2)
        return
    yield f"{pad}{title} (any one of):"
    for n, alt in enumerate(alternatives, start=1):
        yield f"{pad}  {n}."
        yield from _patterns(alt, indent + 4)


def _rule_lines(rule: Rule, pack: RulePack, rules: Rules) -> Iterator[str]:
    yield f"Rule {rule.id}: {rule.code}"
    yield f"  title:     {rule.title}"
    yield f"  category:  {rule.category}"
    yield f"  severity:  {rule.severity}"
    yield f"  defined in {rule.source}"
    yield f"  rule pack  {pack.digest} ({rules.describe()})"
    yield ""
    yield "Description"
    yield from _wrap(" ".join(rule.description.split()), 2)
    yield ""
    yield "Message"
    yield from _wrap(rule.message, 2)
    yield ""
    yield "Legal basis"
    yield from _legal_block((b.to_json() for b in rule.legal_basis), 2)
    if rule.when:
        yield ""
        yield "Conditions"
        yield from _alternatives_lines("raised when", rule.when, 2)
        yield from _alternatives_lines("resolved by", rule.resolved_by, 2)
    for n, clause in enumerate(rule.deadline, start=1):
        yield ""
        yield f"Deadline clause {n}"
        yield "  starts when:"
        yield from _patterns(clause.when, 4)
        yield f"  about:       {clause.ref}"
        if clause.last_day is not None:
            yield f"  last day:    the date in {clause.last_day}"
        else:
            yield f"  period:      parameter {clause.parameter}, counted from {clause.trigger}"
            if clause.calendar:
                yield f"  calendar:    public holidays of {clause.calendar}"
        yield from _alternatives_lines("met by", clause.met_by, 2)
        if clause.parameter is not None:
            yield "  parameters:"
            yield from _parameter_lines(pack, clause.parameter, 4)
    if rule.warning is not None:
        yield ""
        yield "Warning"
        yield from _wrap(
            f"Raised the number of days that {rule.warning.days_before} gives before rule "
            f"{rule.warning.deadline} is breached; resolved by what meets that deadline.",
            2,
        )
        yield "  parameters:"
        yield from _parameter_lines(pack, rule.warning.days_before, 4)


@rules_group.command("show")
@click.argument("rule_id", metavar="ID")
def rules_show(rule_id: str) -> None:
    """One rule: description, conditions, deadlines and every dated parameter they use."""
    rules = _rules()
    pack = rules.pack
    try:
        rule = pack.rule(rule_id)
    except KeyError:
        raise InvalidInput(
            f"no rule {rule_id!r} in the rule pack; `comity rules list` shows the ids"
        ) from None
    _write_lines(_rule_lines(rule, pack, rules))


# --------------------------------------------------------------------------- copy


@cli.command("copy")
@click.argument("src", metavar="SRC")
@click.argument("dst", metavar="DST")
def copy_command(src: str, dst: str) -> None:
    """Copy every record of store SRC into store DST, envelope and hash kept.

    SRC and DST are paths or URLs, like --store (which this command ignores): copy an
    SQLite file into PostgreSQL and back, and both verify to the same head hash. DST is
    created if it does not exist. If DST already holds the start of SRC's log, only the
    newer records are copied, so running the same copy again is harmless; a DST
    holding another log is refused (exit 4). Every record is checked as it is imported:
    a SRC whose chain is broken stops the copy (exit 1).
    """
    from comity.events.copy import copy_log

    report = copy_log(src, dst)
    head = report.head
    already = f" ({report.start} were already there)" if report.start else ""
    click.echo(
        f"Copied {report.copied} record{'s' if report.copied != 1 else ''}{already} from "
        f"{describe_store(src)} to {describe_store(dst)}; "
        f"{head.position} records, head {head.hash}."
    )


# --------------------------------------------------------------------------- follow


@cli.command("follow")
@click.option(
    "--after",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    metavar="N",
    help="Start after position N (0: from the first event).",
)
@click.option("--case", "case_id", metavar="CASE_ID", help="Only this case's events.")
@click.option(
    "--poll-interval",
    type=click.FloatRange(min=0.01),
    default=0.5,
    show_default=True,
    metavar="SECONDS",
    help="How often to look for new events (PostgreSQL also wakes up as soon as one is stored).",
)
@click.option(
    "--limit", type=click.IntRange(min=1), metavar="N", help="Stop after printing N events."
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0),
    metavar="SECONDS",
    help="Stop after SECONDS, having printed everything stored by then.",
)
@pass_log
def follow_command(
    log: EventLog,
    after: int,
    case_id: str | None,
    poll_interval: float,
    limit: int | None,
    timeout: float | None,
) -> None:
    """Print stored events as JSON Lines as they arrive, like `tail -f`.

    First what is stored (after --after), then each new event as it is stored, one
    line each, in position order, in the format of `comity log --format jsonl`. Runs
    until --limit or --timeout, or until interrupted (Ctrl-C ends it with exit 0).
    To resume later, pass the last position printed as --after.
    """
    import time

    from comity.events.follow import follow

    deadline = None if timeout is None else time.monotonic() + timeout

    def stop() -> bool:
        return deadline is not None and time.monotonic() >= deadline

    out: IO[str] = sys.stdout
    printed = 0
    events = follow(log, after=after, poll_interval=poll_interval, stop=stop, case_id=case_id)
    try:
        for stored in events:
            out.write(canonical_json(stored.to_json()) + "\n")
            out.flush()
            printed += 1
            if limit is not None and printed >= limit:
                break
    except KeyboardInterrupt:
        pass
    except BrokenPipeError:  # the reader went away (`comity follow | head`)
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), out.fileno())
    finally:
        _close(events)


def main() -> None:
    """The console script `comity`."""
    cli(prog_name="comity")


if __name__ == "__main__":
    main()
