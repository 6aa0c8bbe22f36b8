"""The HTML case report: self-contained, complete, escaped, in English and Spanish.

Parsed with the standard library's HTML parser (the browser tests in
tests/browser/ open the same reports in Chromium). What each report must hold is
taken from the replay result it renders, not written here.
"""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import get_args

import pytest

import comity
from comity.engine import CaseResult
from comity.engine.replay import as_of_limit
from comity.events import AssetConfiscated, EventLog, StoredEvent, TransferDetected
from comity.report import ReplayAt
from comity.report.html import case_report_html
from comity.report.labels import catalog
from comity.rules import RulePack

PACKAGE = Path(comity.__file__).resolve().parent


class Page(HTMLParser):
    """Every start tag with its attributes, and the text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def having(self, tag: str, **wanted: str) -> list[dict[str, str]]:
        return [
            a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in wanted.items())
        ]

    def attr_values(self, name: str) -> list[str]:
        return [a[name] for _, a in self.tags if name in a]


def render(
    result: CaseResult, log: EventLog, pack: RulePack, at: ReplayAt, lang: str = "en"
) -> str:
    events = list(log.read_case(result.case_id, known_at=at.known_at))
    return case_report_html(
        result, events, at, rulepack=pack.digest, as_of_limit=as_of_limit(at.as_of), lang=lang
    )


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page


@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_example_report_holds_its_findings_lanes_and_deadlines(
    results: list[CaseResult], log: EventLog, pack: RulePack, at: ReplayAt, lang: str
) -> None:
    assert len(results) == 3
    for result in results:
        page = parse(render(result, log, pack, at, lang))
        shown = {a["data-finding-id"] for a in page.having("article")}
        assert shown == {f.finding_id for f in result.findings}
        opened = {
            a["data-finding-id"] for a in page.having("article") if a["data-status"] != "resolved"
        }
        assert opened == {f.finding_id for f in result.findings if f.is_open}
        lanes = {a["data-jurisdiction"] for a in page.having("g", **{"class": "lane"})}
        involved = {j for f in result.findings for j in f.jurisdictions}
        assert involved <= lanes, result.case_id
        refs = {a["data-ref"] for a in page.having("tr") if "data-ref" in a}
        assert refs == {d.ref for d in result.open_deadlines}
        assert page.having("h1", id="case", **{"data-case": result.case_id})
        assert page.having("html", lang=lang)


def test_no_resource_is_loaded_from_anywhere(
    results: list[CaseResult], log: EventLog, pack: RulePack, at: ReplayAt
) -> None:
    for result in results:
        html = render(result, log, pack, at)
        page = parse(html)
        assert not [
            t for t, _ in page.tags if t in ("script", "link", "img", "iframe", "object", "embed")
        ]
        (csp,) = page.having("meta", **{"http-equiv": "Content-Security-Policy"})
        assert "default-src 'none'" in csp["content"]
        assert "script-src" not in csp["content"]  # no script may run at all
        for value in page.attr_values("src"):
            pytest.fail(f"a src attribute: {value}")
        for href in page.attr_values("href"):
            assert href.startswith("#"), href  # in-page only: no stylesheet, no link out
        assert not re.search(r"url\((?!#)", html), "a CSS url() that is not an in-page reference"
        assert "@import" not in html and "@font-face" not in html


def test_findings_name_the_events_that_caused_and_resolved_them(
    results: list[CaseResult], log: EventLog, pack: RulePack, at: ReplayAt
) -> None:
    (panama,) = [r for r in results if r.case_id == "PA-2019-0117"]
    html = render(panama, log, pack, at)
    moved = next(f for f in panama.findings if f.code == "frozen_asset_moved")
    article = html[html.index(f'id="finding-{moved.finding_id}"') :]
    article = article[: article.index("</article>")]
    (resolver,) = moved.resolved_by or ()
    stored = next(s for s in log.read_case(panama.case_id) if s.event_id == resolver)
    # Named by type and date, not only by id: "freezing order O4 (ES): A5 (2019-05-20)".
    assert "freezing order" in article and str(stored.event.occurred_at) in article
    assert resolver in article
    for cause in moved.because:
        assert cause in article


def test_amounts_are_the_decimal_strings_of_the_events(
    results: list[CaseResult], log: EventLog, pack: RulePack, at: ReplayAt
) -> None:
    (panama,) = [r for r in results if r.case_id == "PA-2019-0117"]
    html = render(panama, log, pack, at)
    transfer = next(
        s.event for s in log.read_case(panama.case_id) if isinstance(s.event, TransferDetected)
    )
    amount = transfer.amount
    assert f"{amount.currency} {amount.amount:,}" in html  # USD 380,000.00, exactly


def test_assets_are_marked_frozen_and_confiscated(
    results: list[CaseResult], log: EventLog, pack: RulePack, at: ReplayAt
) -> None:
    (panama,) = [r for r in results if r.case_id == "PA-2019-0117"]
    page = parse(render(panama, log, pack, at))
    nodes = {a["data-asset"]: a["class"].split() for a in page.having("g") if "data-asset" in a}
    confiscated = {
        s.event.asset_id
        for s in log.read_case(panama.case_id)
        if isinstance(s.event, AssetConfiscated)
    }
    assert confiscated and all("confiscated" in nodes[a] for a in confiscated)
    # Spain's freeze of the Madrid account (A5) stood until Spain confiscated it.
    early = ReplayAt(dt.date(2019, 6, 1), at.known_at)
    (before,) = comity.replay_log(
        log, pack, as_of=early.as_of, known_at=early.known_at, cases=[panama.case_id]
    )
    nodes = {
        a["data-asset"]: a["class"].split()
        for a in parse(render(before, log, pack, early)).having("g")
        if "data-asset" in a
    }
    assert "frozen" in nodes["A5"] and "confiscated" not in nodes["A5"]


def test_free_text_and_ids_are_escaped(pack: RulePack) -> None:
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    log = comity.open_log("memory:")
    lines = [
        {"event_id": "h-1", "case_id": "H<1>", "type": "case_opened", "occurred_at": "2020-01-02",
         "lead_jurisdiction": "PA", "title": hostile},
        {"event_id": "h-2", "case_id": "H<1>", "type": "asset_located", "occurred_at": "2020-01-03",
         "asset_id": "A\"1'<b>", "asset_type": "bank_account", "jurisdiction": "CH",
         "holder": hostile, "description": hostile},
    ]  # fmt: skip
    import json

    log.append(comity.parse_jsonl([json.dumps(x).encode() + b"\n" for x in lines], source="t"))
    at = ReplayAt(dt.date(2020, 6, 1), dt.datetime(2099, 1, 1, tzinfo=dt.UTC))
    (result,) = comity.replay_log(log, pack, as_of=at.as_of, known_at=at.known_at)
    html = render(result, log, pack, at)
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html
    page = parse(html)
    assert not [t for t, _ in page.tags if t in ("script", "img", "b")]
    assert hostile in "".join(page.text)  # shown as text, exactly
    assert any(a.get("data-asset") == "A\"1'<b>" for _, a in page.tags)


def _message_ids() -> set[str]:
    """Every literal message id the report and calendar code passes to `_`."""
    ids: set[str] = set()
    sources = [
        *(PACKAGE / "report" / "html").rglob("*.py"),
        *(PACKAGE / "report" / "html" / "templates").glob("*.j2"),
        PACKAGE / "report" / "ics.py",
    ]
    for path in sources:
        text = path.read_text(encoding="utf-8")
        ids.update(re.findall(r'\b_\(\s*"((?:[^"\\]|\\.)+)"', text))
    from comity.events import types
    from comity.report import ics
    from comity.report.html import _CATEGORIES, _case

    ids.update(_case._LABELS.values())
    ids.update(_case._ORDER_LABELS.values())
    ids.update(ics._SUMMARIES.values())
    ids.update(title for _, title in _CATEGORIES)
    ids.update(_case.KINDS)
    ids.update(t.replace("_", " ") for t in get_args(types.AssetType))
    ids.update(("frozen", "seized", "confiscated", "confiscation ordered", "returned"))
    ids.update(("critical", "warning", "info", "open", "missed", "resolved"))
    ids.update(o.replace("_", " ") for o in get_args(types.MlaOutcome))
    ids.update(k for k in get_args(types.ProceedingKind) if k != "ncb_forfeiture")
    return ids


def test_every_label_has_its_spanish() -> None:
    ids = _message_ids()
    assert len(ids) > 60, "the extraction found too few labels to be right"
    assert sorted(ids - set(catalog("es"))) == []


def test_spanish_uses_the_legal_terms() -> None:
    spanish = set(catalog("es").values())
    for term in (
        "orden de congelamiento",
        "decomiso",
        "solicitud de asistencia judicial recíproca",
        "extinción de dominio",
    ):
        assert any(term in words for words in spanish), term


def test_a_report_reads_no_clock(
    results: list[CaseResult], log: EventLog, pack: RulePack, at: ReplayAt
) -> None:
    for result in results:
        assert render(result, log, pack, at) == render(result, log, pack, at)


def test_the_events_listed_are_those_the_replay_applied(
    results: list[CaseResult],
    log: EventLog,
    pack: RulePack,
    at: ReplayAt,
    stored: list[StoredEvent],
) -> None:
    for result in results:
        page = parse(render(result, log, pack, at))
        listed = {a["data-event-id"] for a in page.having("tr") if "data-event-id" in a}
        limit = as_of_limit(at.as_of)
        applied = {
            s.event_id
            for s in stored
            if s.case_id == result.case_id and str(s.event.occurred_at)[:10] <= limit[:10]
        }
        assert listed == applied


def test_extincion_de_dominio_only_where_the_law_calls_it_so(pack: RulePack) -> None:
    import json

    log = comity.open_log("memory:")
    lines = [
        {"event_id": "n-1", "case_id": "N-1", "type": "case_opened", "occurred_at": "2020-01-02",
         "lead_jurisdiction": "PA"},
        {"event_id": "n-2", "case_id": "N-1", "type": "proceeding_opened",
         "occurred_at": "2020-01-03", "proceeding_id": "P1", "jurisdiction": "CO",
         "kind": "ncb_forfeiture"},
        {"event_id": "n-3", "case_id": "N-1", "type": "proceeding_opened",
         "occurred_at": "2020-01-04", "proceeding_id": "P2", "jurisdiction": "US",
         "kind": "ncb_forfeiture"},
    ]  # fmt: skip
    log.append(comity.parse_jsonl([json.dumps(x).encode() + b"\n" for x in lines], source="t"))
    at = ReplayAt(dt.date(2020, 6, 1), dt.datetime(2099, 1, 1, tzinfo=dt.UTC))
    (result,) = comity.replay_log(log, pack, as_of=at.as_of, known_at=at.known_at)
    html = render(result, log, pack, at, "es")
    assert "P1 extinción de dominio (CO)" in html
    assert "P2 decomiso sin condena (US)" in html
