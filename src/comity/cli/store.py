"""Commands on the event store: init, ingest, append, log, verify, copy, follow, schema.

Commands that write check all their input before opening the store, so that bad
input is refused (exit 3) with nothing written, even when the store is unreachable.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from pathlib import Path
from typing import IO, Any, NoReturn

import click

from comity import i18n
from comity.cli import Context, describe_store, pass_context, pass_log
from comity.cli._disclose import Recorder, disclosure_options
from comity.cli._streams import Capture, capturing, close
from comity.cli.options import case_option, format_option
from comity.cli.outputs import render_follow, render_log
from comity.errors import EventFormatError, InvalidInput, Problem
from comity.events import (
    EVENT_TYPES,
    Event,
    EventLog,
    StoredEvent,
    parse_jsonl,
    parse_one,
)
from comity.events.json_input import JsonInputError, loads_user_json
from comity.i18n import gettext as _
from comity.i18n import ngettext

__all__ = ["COMMANDS"]

#: Where events typed on the command line come from, in error messages.
COMMAND_LINE = "<command line>"


# --------------------------------------------------------------------------- init


@click.command("init")
@pass_context
def init(context: Context) -> None:
    """Create an empty store; harmless if it already exists."""
    log = context.open(create=True)
    count = log.head().position
    if count:
        click.echo(
            ngettext(
                "Store {store} already exists ({n} event); nothing changed.",
                "Store {store} already exists ({n} events); nothing changed.",
                count,
            ).format(store=context.where, n=count)
        )
    else:
        click.echo(_("Initialised an empty store at {store}.").format(store=context.where))


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
        raise InvalidInput(
            _("{source}: cannot read it: {why}").format(source=source, why=exc.strerror or exc)
        ) from None


@click.command("ingest")
@click.argument(
    "file", metavar="FILE|-", type=click.Path(exists=True, dir_okay=False, allow_dash=True)
)
@pass_context
def ingest(context: Context, file: str) -> None:
    """Append a JSON Lines FILE (- for stdin), all events or none.

    Every line is checked before anything is stored; any problem refuses the whole
    file (exit 3) and lists every bad line. Events already stored with the same
    content are skipped, so ingesting a file twice is harmless.
    """
    source, events = _parse_file(file)
    result = context.log.append(events)
    click.echo(
        _("{stored} stored, {already} already stored ({source} into {store}).").format(
            stored=len(result.stored),
            already=len(result.already_stored),
            source=source,
            store=context.where,
        )
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
                _("{item}: expected NAME=VALUE, e.g. jurisdiction=PA").format(item=repr(item)),
                param_hint="--field",
            )
        if name in _FLAG_OF_FIELD:
            raise click.BadParameter(
                _("{name}: use {flag} instead").format(name=repr(name), flag=_FLAG_OF_FIELD[name]),
                param_hint="--field",
            )
        if name in fields:
            raise click.BadParameter(
                _("{name} is given twice").format(name=repr(name)), param_hint="--field"
            )
        try:
            fields[name] = loads_user_json(text)
        except JsonInputError as exc:
            if not exc.malformed:  # JSON, but beyond the bounds: not a plain string
                raise EventFormatError([Problem(COMMAND_LINE, None, name, str(exc))]) from None
            fields[name] = text
    return fields


def _event_from_json(text: str) -> Any:
    try:
        return loads_user_json(text)
    except JsonInputError as exc:
        raise EventFormatError([Problem("--json", None, "", str(exc))]) from None


def _usage(message: str) -> NoReturn:
    raise click.UsageError(message)


@click.command("append")
@click.option("--json", "json_text", metavar="JSON", help="The whole event as one JSON object.")
@click.option(
    "--type",
    "event_type",
    metavar="TYPE",
    help=f"The event type: one of {', '.join(EVENT_TYPES)}.",
)
@case_option("The case the event belongs to.")
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
@pass_context
def append(
    context: Context,
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
            _usage(_("--json cannot be combined with {flags}").format(flags=", ".join(given)))
        data = _event_from_json(json_text)
    else:
        missing = [flag for flag, value in flags.items() if value is None]
        if missing:
            _usage(
                _("missing {flags} (or give the whole event with --json)").format(
                    flags=", ".join(missing)
                )
            )
        data = {
            "type": event_type,
            "case_id": case_id,
            "event_id": event_id,
            "occurred_at": occurred_at,
            **_parse_fields(fields),
        }
    event = parse_one(data, source="--json" if json_text is not None else COMMAND_LINE, line=None)
    result = context.log.append([event], expected_seq=expected_seq)
    if result.stored:
        (stored,) = result.stored
        click.echo(
            _("Stored {event} in case {case} at seq {seq} (position {position}).").format(
                event=stored.event_id,
                case=stored.case_id,
                seq=stored.seq,
                position=stored.position,
            )
        )
    else:
        click.echo(
            _("{event} was already stored with the same content; nothing changed.").format(
                event=event.event_id
            )
        )


# --------------------------------------------------------------------------- log


@click.command("log")
@case_option("Only this case, in seq order.")
@format_option(
    ["table", "jsonl"],
    "table for people; jsonl for one stored event (with its envelope and hash) a line.",
)
@disclosure_options
@pass_log
def log_command(log: EventLog, case_id: str | None, fmt: str) -> None:
    """Print the log (or one case), oldest first, streaming.

    The records printed are those up to the head when the command started, and the
    output is recorded in the disclosure record (kind `export`) before it is shown.
    """
    recorder = Recorder("export", "log")
    basis = recorder.basis(log, None, None)
    # The table's column names are in the command line's language: a reproduce renders
    # it in the same one.
    request = {"command": "log", "case": case_id, "format": fmt, "lang": i18n.language()}
    capture = Capture()
    with capturing(capture):
        shown = render_log(log, request, basis.head.position)
    if not shown.cases:  # nothing shown, nothing to record
        if fmt == "jsonl":
            return
        if case_id is not None:
            click.echo(_("No events in case {case!r}.").format(case=case_id), err=True)
        else:
            click.echo(_("No events in the store."), err=True)
        return
    recorder.deliver(
        capture,
        shown,
        basis=basis,
        request=request,
        asked_cases=[case_id] if case_id is not None else [],
    )


# --------------------------------------------------------------------------- verify


# --------------------------------------------------------------------------- schema


@click.command("schema")
def schema() -> None:
    """Print the JSON Schema of the v1 event format."""
    from comity.events.schema import event_schema

    click.echo(json.dumps(event_schema(), indent=2, ensure_ascii=False))


# --------------------------------------------------------------------------- copy


@click.command("copy")
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
    from comity.events.store.copy import copy_log

    report = copy_log(src, dst)
    head = report.head
    copied = ngettext(
        "Copied {n} record from {src} to {dst}; {size} records, head {hash}.",
        "Copied {n} records from {src} to {dst}; {size} records, head {hash}.",
        report.copied,
    )
    if report.start:
        copied = ngettext(
            "Copied {n} record ({start} were already there) from {src} to {dst}; "
            "{size} records, head {hash}.",
            "Copied {n} records ({start} were already there) from {src} to {dst}; "
            "{size} records, head {hash}.",
            report.copied,
        )
    click.echo(
        copied.format(
            n=report.copied,
            start=report.start,
            src=describe_store(src),
            dst=describe_store(dst),
            size=head.position,
            hash=head.hash,
        )
    )


# --------------------------------------------------------------------------- follow


#: The most events `follow` prints per disclosure record (a backlog comes in batches).
FOLLOW_BATCH = 500


@click.command("follow")
@click.option(
    "--after",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    metavar="N",
    help="Start after position N (0: from the first event).",
)
@case_option("Only this case's events.")
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
@disclosure_options
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
    To resume later, pass the last position printed as --after. Each batch printed
    (what one look at the log found, at most 500 events) is first recorded in the
    disclosure record (kind `export`), as every output of case data is.
    """
    import time

    from comity.events.store.follow import follow

    recorder = Recorder("export", "follow")
    deadline = None if timeout is None else time.monotonic() + timeout
    pending: list[StoredEvent] = []
    start = after
    printed = 0

    def deliver() -> None:
        """Record the events read since the last batch, then print them."""
        nonlocal start
        if not pending:
            return
        through = pending[-1].position
        request = {"command": "follow", "case": case_id, "after": start, "through": through}
        capture = Capture()
        with capturing(capture):
            shown = render_follow(log, request, pending)
        recorder.deliver(
            capture,
            shown,
            basis=recorder.basis(log, None, None),
            request=request,
            asked_cases=[case_id] if case_id is not None else [],
        )
        pending.clear()
        start = through

    def stop() -> bool:
        deliver()  # everything visible was read: show it
        return deadline is not None and time.monotonic() >= deadline

    out: IO[str] = sys.stdout
    events = follow(log, after=after, poll_interval=poll_interval, stop=stop, case_id=case_id)
    try:
        for stored in events:
            pending.append(stored)
            printed += 1
            if limit is not None and printed >= limit:
                deliver()
                break
            if len(pending) >= FOLLOW_BATCH:
                deliver()
    except KeyboardInterrupt:
        pass  # what was read and not yet recorded was not shown either
    except BrokenPipeError:  # the reader went away (`comity follow | head`)
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), out.fileno())
    finally:
        close(events)


COMMANDS = (init, ingest, append, log_command, schema, copy_command, follow_command)
