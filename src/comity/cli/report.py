"""`comity report`: one case as a self-contained HTML file, to open offline or print.

The command replays the case and reads its events, as `replay --case` would, takes the
basis of the output (the log head it covered, the latest signed checkpoint, the rule
pack, the versions) and hands them to :func:`comity.report.html.case_report_html`.
"""

from __future__ import annotations

import datetime as dt

import click

from comity import i18n
from comity.audit.basis import Basis, basis_of
from comity.audit.store import open_audit_store
from comity.cli import current, pass_log
from comity.cli._files import write_output
from comity.cli._streams import write
from comity.cli.options import replay_at, time_options
from comity.engine import replay_log
from comity.engine.replay import as_of_limit
from comity.errors import InvalidInput
from comity.events import EventLog, format_time
from comity.report import ReplayAt
from comity.report.html import LANGUAGES, case_report_html

__all__ = ["COMMANDS"]


def _basis(log: EventLog, rulepack: str, at: ReplayAt) -> Basis:
    """What the report stands on, with the latest checkpoint of the store's event log."""
    context = current()
    audit = open_audit_store(context.url, context.where)
    try:
        return basis_of(log, audit, rulepack=rulepack, as_of=at.as_of, known_at=at.known_at)
    finally:
        audit.close()


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
    pack = context.pack
    at = replay_at(as_of, known_at)
    events = list(log.read_case(case_id, known_at=at.known_at))
    if not events:
        raise InvalidInput(
            f"--case {case_id}: no events in this case recorded by {format_time(at.known_at)}; "
            "`comity log` lists the cases in the store"
        )
    (result,) = replay_log(log, pack, as_of=at.as_of, known_at=at.known_at, cases=[case_id])
    if result.error is not None:
        click.echo(f"Error: case {case_id} could not be replayed: {result.error}", err=True)
        click.get_current_context().exit(4)
    basis = _basis(log, pack.digest, at)
    lang = lang or i18n.language()
    with i18n.use(lang):  # the text renderers' words follow the report's language
        html = case_report_html(
            result,
            events,
            at,
            rulepack=pack.digest,
            as_of_limit=as_of_limit(at.as_of),
            basis=basis,
            lang=lang,
        )
    if out is None:
        write([html])
    else:
        write_output(out, html.encode("utf-8"))
        click.echo(f"report of case {case_id} {at.words()} written to {out}", err=True)


COMMANDS = (report,)
