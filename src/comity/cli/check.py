"""`comity check`: the data-quality findings of each case (rules DQ-*).

A replay of each case (or of `--case`), keeping only the `data_quality` findings:
events that name an asset, an order, a request, an FIU report or suspension, a
proceeding or a party that no event of the case records; events of a case never
opened; an event dated before the order or request it acts on; a retraction of an
event the case does not hold (docs/rules.md, "Data quality"). These are checks of the
case's own records, not of the law.

Like every output of case data it names its basis and is recorded in the disclosure
record before it is shown (kind `check`; docs/audit.md), so `comity audit reproduce`
derives it again.

Exit codes (docs/cli.md): 0 no data-quality finding; 1 at least one (the command ran
and found what it checks for); 3 a `--case` with no events (nothing is replayed); 4 a
case that could not be replayed or a store error.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import click

from comity import i18n
from comity.cli import current, pass_log
from comity.cli._asked import check_cases, exit_if_failed
from comity.cli._disclose import Recorder, disclosure_options
from comity.cli._streams import Capture, capturing, wants_colour
from comity.cli.options import case_option, format_option, replay_at, time_options
from comity.cli.outputs import Env, render_check
from comity.engine import CaseResult, replay_log
from comity.events import EventLog
from comity.i18n import ngettext
from comity.report.text.check import data_quality

__all__ = ["COMMANDS"]


@click.command("check")
@case_option(
    "Check only this case; repeat for more. Default: every case in the store.", multiple=True
)
@time_options
@format_option(
    ["table", "json"],
    "table: each case's data-quality findings for people; json: one object with every "
    "data-quality finding (each names its case).",
)
@disclosure_options
@pass_log
def check(
    log: EventLog,
    cases: tuple[str, ...],
    as_of: dt.date | dt.datetime | None,
    known_at: dt.datetime | None,
    fmt: str,
) -> None:
    """List each case's data-quality findings: events that contradict each other.

    An event that names an asset, order, request, FIU report, proceeding or party no
    event of the case records, a case with events but no case_opened, an event dated
    before what it acts on, a retraction of an event the case does not hold. The case
    keeps its events (the missing one may still be recorded); a finding goes away
    when it is. Exit 0 when there is none, 1 when there is at least one.
    """
    context = current()
    recorder = Recorder("check", "check")
    pack = context.pack
    at = replay_at(as_of, known_at)
    if cases:
        check_cases(log, cases, at)
    failed: list[CaseResult] = []
    found = 0

    def counted() -> Iterator[CaseResult]:
        nonlocal found
        for result in replay_log(
            log, pack, as_of=at.as_of, known_at=at.known_at, cases=list(cases) or None
        ):
            if result.error is not None:
                failed.append(result)
            found += len(data_quality(result))
            yield result

    basis = recorder.basis(log, pack.digest, at)
    request = {
        "command": "check",
        "cases": sorted(set(cases)),
        "format": fmt,
        "lang": i18n.language(),
        "styled": fmt == "table" and wants_colour(),
    }
    capture = Capture()
    with capturing(capture):
        shown = render_check(Env(log=log, pack=pack, basis=basis, at=at), request, counted())
    recorder.deliver(capture, shown, basis=basis, request=request, asked_cases=cases, pack=pack)
    exit_if_failed(failed)
    if found:
        click.echo(
            ngettext(
                "{n} data-quality finding (exit 1).",
                "{n} data-quality findings (exit 1).",
                found,
            ).format(n=found),
            err=True,
        )
        click.get_current_context().exit(1)


COMMANDS = (check,)
