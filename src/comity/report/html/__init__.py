"""The case report as one self-contained HTML file (`comity report`).

One file that opens on an air-gapped machine: the styles are inline, there is no
script and no font to fetch, the pictures are inline SVG, and a Content-Security-Policy
forbids the page any request at all, so a link or a stray URL in a user's text can
never make the browser reach out. It prints as one clean document (print CSS).

Rendered by Jinja2 with autoescape on: every id, name and free text from the log is
escaped. Jinja2 because the page is mostly markup with a few loops, which a template
says more plainly than code, and it is the well-kept engine that escapes by default.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from importlib import metadata

import jinja2
from markupsafe import Markup

from comity import i18n
from comity.audit.basis import Basis
from comity.engine import CaseResult, CountedPeriod
from comity.events import StoredEvent, format_time
from comity.i18n import N_
from comity.report.at import ReplayAt
from comity.report.basis import basis_rows
from comity.report.html._case import CaseView, case_view
from comity.report.html._svg import flows_svg, timeline_svg
from comity.report.labels import LANGUAGES, Translate, translator
from comity.report.tally import SEVERITY_RANK
from comity.report.text._legal import cite, period
from comity.report.text._when import days_until
from comity.report.words import finding_message, finding_title
from comity.rules.pack import SEVERITIES

__all__ = ["LANGUAGES", "case_report_html"]

_CATEGORIES = (
    ("deadline", N_("Missed deadline")),
    ("overlap", N_("Overlapping jurisdictions")),
    ("next_step", N_("Next steps")),
    ("data_quality", N_("Data quality")),
)


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("comity.report.html", "templates"),
        autoescape=True,  # every template, whatever its name: nothing unescaped by accident
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["t"] = format_time  # a day or instant as comity writes it everywhere
    return env


_ENV: jinja2.Environment | None = None


def _env() -> jinja2.Environment:
    global _ENV
    if _ENV is None:
        _ENV = _environment()
    return _ENV


def _in_days(days: int, lang: str) -> str:
    """`today`, `tomorrow`, `in 3 days`, `1 day ago`, in `lang` (its plural forms)."""
    words = i18n.catalog(lang)
    if days == 0:
        return words.gettext("today")
    if days == 1:
        return words.gettext("tomorrow")
    if days > 0:
        return words.ngettext("in {n} day", "in {n} days", days).format(n=days)
    return words.ngettext("{n} day ago", "{n} days ago", -days).format(n=-days)


def _basis_rows(basis: Basis | None, _: Translate) -> list[tuple[str, str]]:
    return [] if basis is None else basis_rows(basis, _)


def case_report_html(
    result: CaseResult,
    events: Sequence[StoredEvent],
    at: ReplayAt,
    *,
    rulepack: str,
    as_of_limit: str,
    basis: Basis | None = None,
    lang: str = "en",
) -> str:
    """The report of one replayed case: `result` is its replay at `at`, `events` the
    case's events known at `at.known_at` (those after `as_of_limit`, the replay's
    last instant, are left out as the replay left them out)."""
    _ = translator(lang)
    as_of_day = at.as_of.date() if isinstance(at.as_of, dt.datetime) else at.as_of
    view = case_view(result, events, as_of_limit=as_of_limit, as_of_day=as_of_day, _=_)
    return _render(view, at, rulepack=rulepack, basis=basis, lang=lang, _=_)


def _render(
    view: CaseView,
    at: ReplayAt,
    *,
    rulepack: str,
    basis: Basis | None,
    lang: str,
    _: Translate,
) -> str:
    findings = list(view.findings)
    open_findings = [f for f in findings if f.status != "resolved"]
    by_severity = {s: sum(f.finding.severity == s for f in open_findings) for s in SEVERITIES}
    sections = []
    for category, title in _CATEGORIES:
        group = [f for f in findings if f.finding.category == category]
        if category == "data_quality" and not group:
            continue  # records that hold together add no empty section
        group.sort(key=lambda f: (f.status == "resolved", -SEVERITY_RANK[f.finding.severity]))
        sections.append((category, _(title), group))
    deadlines = [
        {
            "d": d,
            "days": days_until(d.due, at.as_of),
            "days_words": _in_days(days_until(d.due, at.as_of), lang),
            "period": period(d.detail),
            "source": (
                cite(d.detail.source.to_json()) if isinstance(d.detail, CountedPeriod) else ""
            ),
        }
        for d in view.deadlines
    ]
    try:
        version = metadata.version("comity")
    except metadata.PackageNotFoundError:  # pragma: no cover - run from a source tree
        version = "unknown"
    template = _env().get_template("report.html.j2")
    return template.render(
        _=_,
        lang=lang,
        view=view,
        at=at.header(),
        rulepack=rulepack,
        basis_rows=_basis_rows(basis, _),
        severities=list(reversed(SEVERITIES)),
        by_severity=by_severity,
        open_count=len(open_findings),
        resolved_count=len(findings) - len(open_findings),
        sections=sections,
        deadlines=deadlines,
        next_deadline=deadlines[0] if deadlines else None,
        timeline=Markup(timeline_svg(view, _)),  # built by ElementTree: escaped
        flows=Markup(flows_svg(view, _)),  # built by ElementTree: escaped
        cite=lambda basis: cite(basis.to_json()),
        finding_title=finding_title,  # the rule's title_LANG and message_LANG, in the language
        finding_message=finding_message,  # being rendered (comity.i18n), else the English
        version=version,
    )
