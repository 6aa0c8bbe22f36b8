"""The cases a command is asked about: refused when they have no events, counted by a
progress bar while they replay, and named on stderr (exit 4) when they failed.

Shared by every command that replays cases (`replay`, `explain`, `deadlines`,
`cases`, `check`), so that each treats a `--case` typo and a case that cannot be
replayed the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence

import click

from comity.cli._progress import counted, wants_bar
from comity.cli._streams import close
from comity.engine import CaseResult
from comity.errors import InvalidInput
from comity.events import EventLog, format_time
from comity.i18n import gettext as _
from comity.report import ReplayAt

__all__ = ["check_cases", "exit_if_failed", "has_events", "with_progress"]


def has_events(log: EventLog, case_id: str, known_at: dt.datetime) -> bool:
    events = log.read_case(case_id, known_at=known_at)
    try:
        return next(events, None) is not None
    finally:
        close(events)


def check_cases(log: EventLog, cases: Sequence[str], at: ReplayAt) -> None:
    """A --case with no events is an error, so that a typo never reads as 'nothing found'."""
    missing = [c for c in dict.fromkeys(cases) if not has_events(log, c, at.known_at)]
    if missing:
        raise InvalidInput(
            "\n".join(
                _(
                    "--case {case}: no events in this case recorded by {known_at}; "
                    "`comity log` lists the cases in the store"
                ).format(case=c, known_at=format_time(at.known_at))
                for c in missing
            )
        )


def exit_if_failed(failed: Sequence[CaseResult]) -> None:
    """After every other case was printed: exit 4, naming each case that failed."""
    for result in failed:
        click.echo(
            "Error: "
            + _("case {case} could not be replayed: {error}").format(
                case=result.case_id, error=result.error
            ),
            err=True,
        )
    if failed:
        click.get_current_context().exit(4)


def with_progress(
    log: EventLog, results: Iterator[CaseResult], cases: Sequence[str], known_at: dt.datetime
) -> Iterator[CaseResult]:
    """The results, counted by a bar on stderr when one is wanted (see `_progress`)."""
    if not wants_bar():
        return results
    if cases:
        total = len(set(cases))
    else:
        ids = log.case_ids(known_at=known_at)
        try:
            total = sum(1 for _id in ids)
        finally:
            close(ids)
    return counted(results, total, _("replaying cases"))
