"""Commands that replay the log through the rule pack: replay, explain, deadlines
(`cases`, which prints a line per case, is :mod:`comity.cli.cases`).

Each reads the store and runs the engine; what it prints comes from
:mod:`comity.report`. A `--case` with no events is refused rather than reported as
a case with nothing found, so that a typo never reads as a clean bill.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import click

from comity import i18n
from comity.cli import current, pass_log
from comity.cli._asked import check_cases, exit_if_failed, with_progress
from comity.cli._disclose import Recorder, disclosure_options
from comity.cli._files import read_input
from comity.cli._streams import Capture, capturing, close, terminal_width, wants_colour
from comity.cli.findings import finding_case, store_deadlines
from comity.cli.options import case_option, format_option, replay_at, time_options
from comity.cli.outputs import (
    Env,
    previous_request,
    render_calendar,
    render_deadlines,
    render_explain,
    render_replay,
)
from comity.engine import Finding, replay_log
from comity.errors import InvalidInput, UnknownFinding
from comity.events import EventLog
from comity.events.codes import jurisdictions
from comity.events.limits import RANGE_DAYS
from comity.i18n import gettext as _
from comity.i18n import ngettext
from comity.report import Selection, Tally, running_deadlines
from comity.report.basis import basis_lines
from comity.report.deadlines import horizon
from comity.report.ics import PreviousExportError, read_export
from comity.rules.pack import CATEGORIES, SEVERITIES

__all__ = ["COMMANDS"]


def _jurisdiction(value: str | None) -> str | None:
    """--jurisdiction: an ISO 3166-1 alpha-2 code (or EU), in any case; else bad input."""
    if value is None:
        return None
    code = value.strip().upper()
    if code not in jurisdictions():
        raise InvalidInput(
            _(
                "--jurisdiction: expected an ISO 3166-1 alpha-2 code such as PA or CH "
                "(or EU), got {value!r}"
            ).format(value=value)
        )
    return code


def selection_options(f: Callable[..., None]) -> Callable[..., None]:
    """--open, --jurisdiction, --category: what a report shows (`report.select`)."""
    f = click.option(
        "--category",
        type=click.Choice(CATEGORIES),
        help="Only findings of this category (and open deadlines of its rules).",
    )(f)
    f = click.option(
        "--jurisdiction",
        metavar="CODE",
        callback=lambda _ctx, _param, value: _jurisdiction(value),
        help=(
            "Only findings that involve this jurisdiction (PA, CH, ...), and open "
            "deadlines started by an event that names it."
        ),
    )(f)
    return click.option(
        "--open", "open_only", is_flag=True, help="Only open findings (missed deadlines included)."
    )(f)


# --------------------------------------------------------------------------- replay


@click.command("replay")
@case_option(
    "Replay only this case; repeat for more. Default: every case in the store.", multiple=True
)
@time_options
@format_option(
    ["table", "json", "jsonl"],
    "table: a report per case for people; json: one object with every case; "
    "jsonl: one finding a line.",
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
@click.option(
    "--brief/--full",
    default=None,
    help=(
        "With --format table: each finding in one line, cut to the terminal's width "
        "(brief), or each whole with its status and legal basis (full). Default: brief "
        "with --open, else full."
    ),
)
@selection_options
@disclosure_options
@pass_log
def replay(
    log: EventLog,
    cases: tuple[str, ...],
    as_of: dt.date | dt.datetime | None,
    known_at: dt.datetime | None,
    fmt: str,
    fail_on: str | None,
    workers: int,
    brief: bool | None,
    open_only: bool,
    jurisdiction: str | None,
    category: str | None,
) -> None:
    """Replay cases through the rule pack and report what they found.

    Findings are overlapping jurisdictions, missed deadlines and recommended next legal
    steps, each with its legal basis and the events it rests on; open deadlines are
    the periods still running at --as-of. Cases stream one at a time. --open,
    --jurisdiction and --category choose what is shown (and what --fail-on counts);
    the summary line still counts every finding. With --open the table is brief (one
    line a finding, to fit one screen; --full prints each finding whole).
    """
    if brief is not None and fmt != "table":
        raise click.UsageError(
            _("{flag} goes with --format table").format(flag="--brief" if brief else "--full")
        )
    context = current()
    recorder = Recorder("replay", "replay")
    pack = context.pack
    at = replay_at(as_of, known_at)
    if cases:
        check_cases(log, cases, at)
    selection = Selection(open_only, jurisdiction, category)
    tally = Tally(fail_on, selection.keeps if selection else None)
    if workers > 1:
        from comity.engine.parallel import replay_log_parallel

        replayed = replay_log_parallel(
            context.url,
            context.rule_dirs,
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
    basis = recorder.basis(log, pack.digest, at)
    request = {
        "command": "replay",
        "cases": sorted(set(cases)),
        "format": fmt,
        "open": open_only,
        "jurisdiction": jurisdiction,
        "category": category,
        "lang": i18n.language(),
        "styled": fmt == "table" and wants_colour(),
        "origin": context.pack_origin(),
    }
    if fmt == "table" and (open_only if brief is None else brief):
        # Recorded only for the brief table, so that every other request (and every
        # record made before it) reads as before: the full layout.
        request["layout"] = "brief"
        request["width"] = terminal_width()
    if fmt == "jsonl":
        click.echo(
            _("comity replay {at}, rule pack {rulepack}").format(
                at=at.words(), rulepack=pack.digest
            ),
            err=True,
        )
        for line in basis_lines(basis):
            click.echo(line, err=True)
    results = tally.watch(with_progress(log, iter(replayed), cases, at.known_at))
    capture = Capture()
    with capturing(capture):
        shown = render_replay(Env(log=log, pack=pack, basis=basis, at=at), request, results)
    recorder.deliver(
        capture,
        shown,
        basis=basis,
        request=request,
        asked_cases=cases,
        pack=pack,
    )
    exit_if_failed(tally.failed)
    if tally.failing:
        click.echo(
            ngettext(
                "{n} open finding of severity {severity} or higher (--fail-on {severity}).",
                "{n} open findings of severity {severity} or higher (--fail-on {severity}).",
                tally.failing,
            ).format(n=tally.failing, severity=fail_on),
            err=True,
        )
        click.get_current_context().exit(1)


# --------------------------------------------------------------------------- explain


@click.command("explain")
@click.argument("finding_id", metavar="FINDING_ID")
@time_options
@disclosure_options
@pass_log
def explain(
    log: EventLog,
    finding_id: str,
    as_of: dt.date | dt.datetime | None,
    known_at: dt.datetime | None,
) -> None:
    """Explain one finding: its rule, legal basis, the events it rests on, its deadline.

    FINDING_ID comes from `comity replay` or `comity findings`. With a findings store
    (`comity watch`) only the finding's case is replayed; without one, the store is
    replayed case by case until it turns up. An id no replay produces is exit 3.
    """
    recorder = Recorder("explain", "explain")
    pack = current().pack
    at = replay_at(as_of, known_at)
    found: Finding | None = None
    tally = Tally()
    # The findings store knows each finding's case (ids are stable): replay that case
    # alone. Without a store, or if the case no longer has it, replay case by case.
    known_case = finding_case(log, finding_id)
    for only in ([known_case] if known_case else []) + [None]:
        results = replay_log(
            log, pack, as_of=at.as_of, known_at=at.known_at, cases=[only] if only else None
        )
        try:
            for result in tally.watch(results):
                found = next((f for f in result.findings if f.finding_id == finding_id), None)
                if found is not None:
                    break
        finally:
            close(results)
        if found is not None:
            break
    if found is None:
        # The finding may be in a case that could not be replayed: say so, not "unknown".
        exit_if_failed(tally.failed)
        raise UnknownFinding(
            _(
                "no finding {finding!r} in any case {at}; take finding ids from "
                "`comity replay` with the same --as-of and --known-at"
            ).format(finding=finding_id, at=at.words())
        )
    how = (
        _("from the findings store") if found.case_id == known_case else _("by replaying the store")
    )
    click.echo(
        "comity explain: "
        + _("finding {finding} is in case {case} ({how})").format(
            finding=finding_id, case=found.case_id, how=how
        ),
        err=True,
    )
    basis = recorder.basis(log, pack.digest, at)
    request = {
        "command": "explain",
        "finding": finding_id,
        "case": found.case_id,
        "lang": i18n.language(),
    }
    capture = Capture()
    with capturing(capture):
        shown = render_explain(Env(log=log, pack=pack, basis=basis, at=at), request, found)
    recorder.deliver(
        capture,
        shown,
        basis=basis,
        request=request,
        asked_cases=[found.case_id],
        pack=pack,
    )


# --------------------------------------------------------------------------- deadlines


def _within_days(value: int | None) -> int | None:
    """--within is bounded by the span of the supported dates (bad input, exit 3)."""
    if value is not None and value > RANGE_DAYS:
        raise InvalidInput(
            _(
                "--within: expected at most {n} days, the span of the dates comity "
                "supports, got {value}"
            ).format(n=RANGE_DAYS, value=value)
        )
    return value


#: The largest `--previous` calendar read: a few KB a deadline, so thousands fit.
MAX_CALENDAR_BYTES = 16 << 20


@click.command("deadlines")
@case_option("Only this case; repeat for more. Default: every case in the store.", multiple=True)
@time_options
@click.option(
    "--within",
    type=click.IntRange(min=0),
    callback=lambda _ctx, _param, value: _within_days(value),
    metavar="N",
    help=(
        "Only deadlines that are breached within N days after --as-of "
        "(0: the last day to act is --as-of itself)."
    ),
)
@format_option(
    ["table", "json", "ics"],
    "table for people; json for one object with every open deadline; ics: an iCalendar "
    "file, one all-day event per deadline, for a calendar to import.",
)
@click.option(
    "--previous",
    metavar="FILE",
    help=(
        "With --format ics: the last export, so that changed deadlines get a higher "
        "SEQUENCE and those no longer running are sent as cancelled (met) or missed."
    ),
)
@click.option(
    "--remind",
    type=click.IntRange(min=0, max=366),
    default=3,
    show_default=True,
    metavar="DAYS",
    help="With --format ics: a reminder this many days before each last day.",
)
@click.option(
    "--out",
    metavar="FILE",
    help=(
        "With --format ics: write the calendar to FILE (whole or not at all; it may be "
        "the --previous file) instead of stdout."
    ),
)
@disclosure_options
@pass_log
def deadlines(
    log: EventLog,
    cases: tuple[str, ...],
    as_of: dt.date | dt.datetime | None,
    known_at: dt.datetime | None,
    within: int | None,
    fmt: str,
    previous: str | None,
    remind: int,
    out: str | None,
) -> None:
    """List the deadlines still running at --as-of, across cases, soonest first.

    Answered from the findings store (`comity watch`) when it is current for the
    asked times (nothing recorded after its cut by --known-at, and no deadline of any
    case breaching between its clock and --as-of); otherwise by a replay.

    \b
    To keep a calendar current, export to the same file each time and import it:
      comity deadlines --format ics --previous deadlines.ics --out deadlines.ics
    """
    context = current()
    if fmt != "ics":
        for flag, value in (("--previous", previous), ("--out", out)):
            if value is not None:
                raise click.UsageError(_("{flag} goes with --format ics").format(flag=flag))
    recorder = Recorder("export" if fmt == "ics" else "deadlines", "deadlines")
    pack = context.pack
    previous_data = _previous_export(previous) if previous is not None else None
    at = replay_at(as_of, known_at)
    if cases:
        check_cases(log, cases, at)
    tally = Tally()
    # The calendar needs every running deadline (one beyond --within still runs, and
    # is not to be cancelled), so it cuts by --within itself.
    keep = None if fmt == "ics" else within
    last = None if keep is None else horizon(at.as_of, keep)
    stored = store_deadlines(log, pack.digest, at, cases, last)
    if stored is not None:
        running = stored  # the findings store is current for this cut: no replay
    else:
        results = replay_log(
            log, pack, as_of=at.as_of, known_at=at.known_at, cases=list(cases) or None
        )
        running = running_deadlines(tally.watch(results), at.as_of, keep)
    basis = recorder.basis(log, pack.digest, at)
    request: dict[str, Any] = {
        "command": "deadlines",
        "cases": sorted(set(cases)),
        "within": within,
        "format": fmt,
        "lang": i18n.language(),
        "origin": context.pack_origin(),
    }
    if fmt == "ics":
        request["remind"] = remind
        request["previous"] = (
            None
            if previous is None or previous_data is None
            else previous_request(previous, previous_data)
        )
    env = Env(log=log, pack=pack, basis=basis, at=at)
    capture = Capture()
    with capturing(capture):
        if fmt == "ics":
            shown = render_calendar(env, request, running, tally, previous_data)
        else:
            shown = render_deadlines(env, request, running, tally)
    recorder.deliver(
        capture,
        shown,
        basis=basis,
        request=request,
        asked_cases=cases,
        out=out,
        pack=pack,
    )
    exit_if_failed(tally.failed)


def _previous_export(path: str) -> bytes:
    data = read_input(path, "--previous", limit=MAX_CALENDAR_BYTES)
    try:
        read_export(data)
    except PreviousExportError as exc:
        raise PreviousExportError(f"--previous {path}: {exc}") from None
    return data


COMMANDS = (replay, explain, deadlines)
