"""`comity report`: one case as a self-contained HTML file, to open offline or print.

The command replays the case and reads its events, as `replay --case` would, takes the
basis of the output (the log head it covered, the latest signed checkpoint, the rule
pack, the versions) and hands them to :func:`comity.report.html.case_report_html`
(through :func:`comity.cli.outputs.render_report`), recording the report as a
disclosure before it is written.
"""

from __future__ import annotations

import datetime as dt

import click

from comity import i18n
from comity.cli import current, pass_log
from comity.cli._asked import has_events
from comity.cli._disclose import Recorder, disclosure_options
from comity.cli._streams import Capture, capturing
from comity.cli.options import replay_at, time_options
from comity.cli.outputs import Env, render_report
from comity.errors import InvalidInput
from comity.events import EventLog, format_time
from comity.i18n import gettext as _
from comity.report.html import LANGUAGES

__all__ = ["COMMANDS"]


@click.command("report")
@click.option("--case", "case_id", required=True, metavar="CASE_ID", help="The case to report.")
@time_options
@click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    help=(
        "The language of the report (the law is cited as published). Default: "
        "comity's own --lang, COMITY_LANG or the locale, as for every report."
    ),
)
@click.option(
    "--out",
    metavar="FILE",
    help="Write the report to FILE (whole or not at all) instead of stdout.",
)
@disclosure_options
@pass_log
def report(
    log: EventLog,
    case_id: str,
    as_of: dt.date | dt.datetime | None,
    known_at: dt.datetime | None,
    lang: str | None,
    out: str | None,
) -> None:
    """One case as a single HTML file: summary, timeline, asset flows, findings,
    open deadlines and the auditor's trail.

    The file needs nothing else: styles and pictures are inside it, it has no script
    and it makes no request, so it opens on an air-gapped machine; print it from the
    browser for a PDF.
    """
    context = current()
    recorder = Recorder("report", "report")
    pack = context.pack
    at = replay_at(as_of, known_at)
    if not has_events(log, case_id, at.known_at):
        raise InvalidInput(
            _(
                "--case {case}: no events in this case recorded by {known_at}; "
                "`comity log` lists the cases in the store"
            ).format(case=case_id, known_at=format_time(at.known_at))
        )
    basis = recorder.basis(log, pack.digest, at)
    request = {"command": "report", "case": case_id, "lang": lang or i18n.language()}
    capture = Capture()
    with capturing(capture):
        shown, result = render_report(Env(log=log, pack=pack, basis=basis, at=at), request)
    if result.error is not None:
        click.echo(
            "Error: "
            + _("case {case} could not be replayed: {error}").format(
                case=case_id, error=result.error
            ),
            err=True,
        )
        click.get_current_context().exit(4)
    recorder.deliver(
        capture,
        shown,
        basis=basis,
        request=request,
        asked_cases=[case_id],
        out=out,
        pack=pack,
    )
    if out is not None:
        click.echo(
            _("report of case {case} {at} written to {out}").format(
                case=case_id, at=at.words(), out=out
            ),
            err=True,
        )


COMMANDS = (report,)
