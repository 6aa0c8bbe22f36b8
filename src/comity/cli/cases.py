"""`comity cases`: one line per case, from the findings store when it is current.

Its own family: it answers from the findings store or by a replay, as `deadlines`
does, but prints a summary of each case rather than findings or deadlines.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence

import click

from comity import i18n
from comity.cli import current, pass_log
from comity.cli._asked import check_cases, exit_if_failed, with_progress
from comity.cli._disclose import Recorder, disclosure_options
from comity.cli._streams import Capture, capturing, wants_colour
from comity.cli.findings import current_store
from comity.cli.options import case_option, replay_at, time_options
from comity.cli.outputs import Env, render_cases
from comity.engine import OpenDeadline, replay_log
from comity.events import EventLog, StoredEvent
from comity.i18n import gettext as _
from comity.report import ReplayAt, Tally
from comity.report.cases import CaseSummary, summarise, summarise_json
from comity.rules import RulePack

__all__ = ["COMMANDS"]


def _case_summaries(
    log: EventLog, pack: RulePack, at: ReplayAt, cases: Sequence[str], tally: Tally
) -> tuple[list[CaseSummary], str]:
    """Every case's line, from the findings store when it is current, else a replay."""

    def events(case_id: str) -> Iterator[StoredEvent]:
        return log.read_case(case_id, known_at=at.known_at)

    with current_store(log, pack.digest, at) as store:
        if store is not None:
            _cut, documents = store.case_results(cases=cases)
            summaries = [
                summarise_json(
                    doc["case_id"],
                    doc["findings"],
                    [OpenDeadline.from_json(d) for d in doc["open_deadlines"]],
                    events(doc["case_id"]),
                    at.as_of,
                )
                for doc in documents
            ]
            return summaries, _("from the findings store")
    results = replay_log(log, pack, as_of=at.as_of, known_at=at.known_at, cases=list(cases) or None)
    summaries = [
        summarise(result, events(result.case_id), at.as_of)
        for result in tally.watch(with_progress(log, results, cases, at.known_at))
    ]
    return summaries, _("replayed")


@click.command("cases")
@case_option("Only this case; repeat for more. Default: every case in the store.", multiple=True)
@time_options
@disclosure_options
@pass_log
def cases_command(
    log: EventLog,
    cases: tuple[str, ...],
    as_of: dt.date | dt.datetime | None,
    known_at: dt.datetime | None,
) -> None:
    """One line per case: lead jurisdiction, open findings by severity, next deadline
    and last event.

    Answered from the findings store (`comity watch`) when it is current for the
    asked times, as `deadlines` is; otherwise by a replay. The header says which.
    """
    context = current()
    recorder = Recorder("cases", "cases")
    pack = context.pack
    at = replay_at(as_of, known_at)
    if cases:
        check_cases(log, cases, at)
    tally = Tally()
    summaries, source = _case_summaries(log, pack, at, cases, tally)
    basis = recorder.basis(log, pack.digest, at)
    request = {
        "command": "cases",
        "cases": sorted(set(cases)),
        "lang": i18n.language(),
        "styled": wants_colour(),
        "source": source,
    }
    capture = Capture()
    with capturing(capture):
        shown = render_cases(Env(log=log, pack=pack, basis=basis, at=at), request, summaries)
    recorder.deliver(
        capture,
        shown,
        basis=basis,
        request=request,
        asked_cases=cases,
        pack=pack,
    )
    exit_if_failed(tally.failed)


COMMANDS = (cases_command,)
