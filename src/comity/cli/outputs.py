"""The outputs the command line records, each rendered by one function from a request.

Every recorded command (replay, explain, deadlines, findings, report, the exports)
turns its options into a *request*: a JSON object naming everything its bytes depend
on besides the log, the rule pack and the basis (the command, format, filters,
language, colour, the pack's origin as the header words it). The command renders the
request with the function below, the disclosure record keeps the request, and
`comity audit reproduce` renders the recorded request again with the same function
(:mod:`comity.cli.rederive` picks it): one code path, so that a reproduced output is
the output, not a look-alike.

Each function writes through :mod:`comity.cli._streams` (captured while recorded) and
returns :class:`Shown`: the media type, the findings and cases it showed.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

import attrs

from comity import i18n
from comity.audit.basis import Basis
from comity.cli._disclose import Shown
from comity.cli._streams import write, write_bytes, write_lines, write_styled_lines
from comity.cli._streams import write_text_lines as _write_text_lines
from comity.engine import CaseResult, Finding, OpenDeadline, replay_log
from comity.engine.replay import as_of_limit
from comity.events import EventLog, StoredEvent
from comity.events.time import instant_of
from comity.findings import StoredFinding
from comity.report import (
    ReplayAt,
    Selection,
    Tally,
    deadlines_document,
    deadlines_lines,
    explain_lines,
    findings_jsonl,
    findings_table_lines,
    json_document,
    log_lines,
    replay_document,
    replay_lines,
    running_deadlines,
    stored_events_jsonl,
)
from comity.report.basis import basis_json
from comity.report.cases import CaseSummary, summarise
from comity.report.ics import cases_to_check, deadlines_calendar, read_export, rule_bases
from comity.report.text.brief import brief_replay_lines
from comity.report.text.cases import cases_lines
from comity.report.text.check import check_lines, data_quality
from comity.rules import RulePack

__all__ = [
    "MEDIA_TYPES",
    "Env",
    "NotRederived",
    "events_by_id",
    "previous_request",
    "render_calendar",
    "render_check",
    "render_deadlines",
    "render_explain",
    "render_findings",
    "render_follow",
    "render_log",
    "render_replay",
    "render_report",
    "tree_listing",
]

MEDIA_TYPES = {
    "table": "text/plain; charset=utf-8",
    "json": "application/json",
    "jsonl": "application/jsonl",
    "ics": "text/calendar; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "pack": "application/vnd.comity.pack-listing+json",
}

#: A `--previous` calendar up to this size travels in the record (compressed), so that
#: the export that updated it can be re-derived; a larger one is named by its digest.
PREVIOUS_KEPT_BYTES = 256 << 10


class NotRederived(Exception):
    """An output that cannot be derived again, and why (not a difference)."""


@attrs.frozen(kw_only=True)
class Env:
    """What a rendering stands on besides its request."""

    log: EventLog
    pack: RulePack
    basis: Basis
    at: ReplayAt


def _keep_findings(shown: Shown, selection: Selection) -> Callable[[CaseResult], None]:
    def note(result: CaseResult) -> None:
        shown.case(result.case_id)
        shown.finding_ids.extend(f.finding_id for f in result.findings if selection.keeps(f))

    return note


def _noted(
    results: Iterable[CaseResult], note: Callable[[CaseResult], None]
) -> Iterator[CaseResult]:
    for result in results:
        note(result)
        yield result


def category_lookup(pack: RulePack) -> Callable[[str], str | None]:
    """A rule id's category in `pack` (None for a rule the pack does not hold)."""
    categories = {rule.id: rule.category for rule in pack.rules}
    return categories.get


def case_events(
    log: EventLog, known_at: dt.datetime
) -> Callable[[CaseResult], dict[str, StoredEvent]]:
    """A case's events by id, read when a report needs them (to name what resolved a
    finding, or which jurisdictions started a deadline)."""

    def events_of(result: CaseResult) -> dict[str, StoredEvent]:
        if result.error is not None:
            return {}
        return {s.event_id: s for s in log.read_case(result.case_id, known_at=known_at)}

    return events_of


def _needed(
    events_of: Callable[[CaseResult], Mapping[str, StoredEvent]], selection: Selection
) -> Callable[[CaseResult], Mapping[str, StoredEvent]]:
    """Read a case's events only if the text report will use them: a resolved finding
    it shows (to name what resolved it), or a --jurisdiction to match deadlines."""

    def maybe(result: CaseResult) -> Mapping[str, StoredEvent]:
        shows_resolved = any(
            f.resolved_by and selection.keeps(f) for f in result.findings if not f.is_open
        )
        if shows_resolved or (selection.needs_events and result.open_deadlines):
            return events_of(result)
        return {}

    return maybe


# --------------------------------------------------------------------------- replay


def render_replay(env: Env, request: Mapping[str, Any], results: Iterable[CaseResult]) -> Shown:
    """`comity replay`: `results` are the replay of the request's cases at `env.at`."""
    fmt = request["format"]
    selection = Selection(request["open"], request["jurisdiction"], request["category"])
    shown = Shown(MEDIA_TYPES[fmt])
    results = _noted(results, _keep_findings(shown, selection))
    at, pack = env.at, env.pack
    events_of = case_events(env.log, at.known_at)
    category_of = category_lookup(pack)
    if fmt == "json":
        write(
            replay_document(
                results,
                at,
                pack.digest,
                selection=selection,
                category_of=category_of,
                events_of=events_of if selection.needs_events else None,
                basis=env.basis,
            )
        )
    elif fmt == "jsonl":
        write_lines(findings_jsonl(results, selection))
    else:
        styled = bool(request["styled"])
        common: dict[str, Any] = {
            "rulepack": pack.digest,
            "origin": request["origin"],
            "events_of": _needed(events_of, selection),
            "selection": selection,
            "category_of": category_of,
            "styled": styled,
            "basis": env.basis,
        }
        if request.get("layout") == "brief":
            lines = brief_replay_lines(results, at, width=int(request["width"]), **common)
        else:
            lines = replay_lines(results, at, **common)
        write_styled_lines(lines, styled=styled)
    return shown


# --------------------------------------------------------------------------- explain


def events_by_id(
    log: EventLog, case_id: str, ids: Iterable[str], known_at: dt.datetime
) -> dict[str, StoredEvent]:
    wanted = set(ids)
    found: dict[str, StoredEvent] = {}
    if wanted:
        for stored in log.read_case(case_id, known_at=known_at):
            if stored.event_id in wanted:
                found[stored.event_id] = stored
    return found


def render_explain(env: Env, request: Mapping[str, Any], found: Finding | None = None) -> Shown:
    """`comity explain`: the finding `request["finding"]` of case `request["case"]`
    (replayed at `env.at` unless the command found it already)."""
    at = env.at
    if found is None:
        (result,) = replay_log(
            env.log, env.pack, as_of=at.as_of, known_at=at.known_at, cases=[request["case"]]
        )
        found = next((f for f in result.findings if f.finding_id == request["finding"]), None)
        if found is None:
            raise NotRederived(f"the replay no longer gives finding {request['finding']}")
    ids = [*found.because, *(found.resolved_by or ())]
    events = events_by_id(env.log, found.case_id, ids, at.known_at)
    _write_text_lines(
        explain_lines(
            found,
            env.pack.rule(found.rule),
            at,
            rulepack=env.pack.digest,
            events=events,
            basis=env.basis,
        )
    )
    return Shown(MEDIA_TYPES["table"], [found.finding_id], [found.case_id])


# --------------------------------------------------------------------------- deadlines


def render_deadlines(
    env: Env, request: Mapping[str, Any], running: Sequence[OpenDeadline] | None, tally: Tally
) -> Shown:
    """`comity deadlines --format table|json`: `running` from the findings store, or
    (None) by a replay of the request's cases."""
    at = env.at
    within = request["within"]
    if running is None:
        results = replay_log(
            env.log, env.pack, as_of=at.as_of, known_at=at.known_at, cases=request["cases"] or None
        )
        running = running_deadlines(tally.watch(results), at.as_of, within)
    shown = Shown(MEDIA_TYPES[request["format"]])
    for d in running:
        shown.case(d.case_id)
    if request["format"] == "json":
        write(deadlines_document(running, at, env.pack.digest, within, basis=env.basis))
    else:
        _write_text_lines(
            deadlines_lines(
                running,
                at,
                rulepack=env.pack.digest,
                origin=request["origin"],
                within=within,
                basis=env.basis,
            )
        )
    return shown


def previous_request(path: str, data: bytes) -> dict[str, Any]:
    """What the record keeps of a `--previous` calendar: its digest, and the file itself
    (compressed) if it is small enough to re-derive the export that updated it."""
    kept: dict[str, Any] = {
        "file": path,
        "sha256": hashlib.sha256(data).hexdigest(),
        "bytes": len(data),
    }
    if len(data) <= PREVIOUS_KEPT_BYTES:
        kept["zlib_base64"] = base64.b64encode(zlib.compress(data, 9)).decode("ascii")
    return kept


def _previous_of(request: Mapping[str, Any]) -> bytes | None:
    previous = request.get("previous")
    if previous is None:
        return None
    if "zlib_base64" not in previous:
        raise NotRederived(
            f"it updated the calendar {previous['file']} (sha256 {previous['sha256']}), "
            "too large to be kept in the record"
        )
    data = zlib.decompress(base64.b64decode(previous["zlib_base64"]))
    if hashlib.sha256(data).hexdigest() != previous["sha256"]:
        raise NotRederived("the --previous calendar kept in the record does not match its digest")
    return data


def render_calendar(
    env: Env,
    request: Mapping[str, Any],
    running: Sequence[OpenDeadline] | None,
    tally: Tally,
    previous: bytes | None = None,
) -> Shown:
    """`comity deadlines --format ics`: the iCalendar export; replays the cases whose
    exported deadlines vanished, to tell a missed deadline (a breach finding) from a
    met one. `previous` is the `--previous` file (else the one kept in the request)."""
    at, pack = env.at, env.pack
    if running is None:
        results = replay_log(
            env.log, pack, as_of=at.as_of, known_at=at.known_at, cases=request["cases"] or None
        )
        running = running_deadlines(tally.watch(results), at.as_of, None)
    data = previous if previous is not None else _previous_of(request)
    exported = read_export(data) if data is not None else {}
    scope = set(request["cases"])

    def in_scope(case_id: str) -> bool:
        return not scope or case_id in scope

    findings: list[Finding] = []
    vanished = cases_to_check(exported, running, in_scope)
    if vanished:
        for result in tally.watch(
            replay_log(env.log, pack, as_of=at.as_of, known_at=at.known_at, cases=vanished)
        ):
            findings.extend(f for f in result.findings if f.category == "deadline")
    out = deadlines_calendar(
        running,
        at,
        rulepack=pack.digest,
        bases=rule_bases(pack),
        previous=exported,
        in_scope=in_scope,
        findings=findings,
        within=request["within"],
        remind_days=request["remind"],
        lang=request["lang"],
        basis=env.basis,
    )
    write_bytes(out)
    shown = Shown(MEDIA_TYPES["ics"], [f.finding_id for f in findings])
    for d in running:
        if in_scope(d.case_id):
            shown.case(d.case_id)
    for f in findings:
        shown.case(f.case_id)
    return shown


# --------------------------------------------------------------------------- findings


def findings_request_filters(request: Mapping[str, Any]) -> bool:
    return bool(
        request["open"]
        or request["code"]
        or request["jurisdiction"]
        or request["severity"]
        or request["since"]
    )


def render_findings(
    at: ReplayAt,
    basis: Basis,
    request: Mapping[str, Any],
    found: Sequence[StoredFinding],
    documents: Iterable[dict[str, Any]],
) -> Shown:
    """`comity findings`: `found` are the findings the filters keep, in store order
    (case, then rank), and `documents` every asked case's `CaseResult.to_json()`."""
    fmt = request["format"]
    rulepack = basis.rulepack or ""
    shown = Shown(MEDIA_TYPES[fmt], [f.finding_id for f in found])
    for f in found:
        shown.case(f.case_id)
    if fmt == "json":
        filtered = findings_request_filters(request)
        keep = {f.finding_id for f in found}

        def cases_of() -> Iterator[dict[str, Any]]:
            for doc in documents:
                shown.case(doc["case_id"])
                if filtered:
                    doc = {
                        **doc,
                        "findings": [f for f in doc["findings"] if f["finding_id"] in keep],
                    }
                yield doc

        head = {**at.header(), "rulepack": rulepack, **basis_json(basis)}
        write(json_document(head, "cases", cases_of()))
    elif fmt == "jsonl":
        write_lines(json.dumps(f.to_json(), ensure_ascii=False) for f in found)
    else:
        _write_text_lines(findings_table_lines(found, at, rulepack=rulepack, basis=basis))
    return shown


# --------------------------------------------------------------------------- cases


def render_cases(
    env: Env, request: Mapping[str, Any], summaries: Sequence[CaseSummary] | None = None
) -> Shown:
    """`comity cases`: one line per case (`summaries` from the findings store or a
    replay; None: by a replay at `env.at`, as the store's contract says it equals)."""
    at = env.at
    if summaries is None:
        results = replay_log(
            env.log, env.pack, as_of=at.as_of, known_at=at.known_at, cases=request["cases"] or None
        )
        summaries = [
            summarise(r, env.log.read_case(r.case_id, known_at=at.known_at), at.as_of)
            for r in results
        ]
    styled = bool(request["styled"])
    write_styled_lines(
        cases_lines(summaries, at, source=request["source"], styled=styled, basis=env.basis),
        styled=styled,
    )
    return Shown(MEDIA_TYPES["table"], [], [s.case_id for s in summaries])


# --------------------------------------------------------------------------- check


def render_check(env: Env, request: Mapping[str, Any], results: Iterable[CaseResult]) -> Shown:
    """`comity check`: the data-quality findings of `results` (the replay of the
    request's cases at `env.at`)."""
    fmt = request["format"]
    shown = Shown(MEDIA_TYPES[fmt])

    def note(result: CaseResult) -> None:
        shown.case(result.case_id)
        shown.finding_ids.extend(f.finding_id for f in data_quality(result))

    results = _noted(results, note)
    at, digest = env.at, env.pack.digest
    if fmt == "json":
        head = {**at.header(), "rulepack": digest, **basis_json(env.basis)}
        found = (f.to_json() for r in results for f in data_quality(r))
        write(json_document(head, "findings", found))
    else:
        styled = bool(request["styled"])
        write_styled_lines(
            check_lines(results, at, rulepack=digest, styled=styled, basis=env.basis),
            styled=styled,
        )
    return shown


# --------------------------------------------------------------------------- report


def render_report(env: Env, request: Mapping[str, Any]) -> tuple[Shown, CaseResult]:
    """`comity report`: one case as a self-contained HTML file."""
    from comity.report.html import case_report_html

    at, pack = env.at, env.pack
    case_id = request["case"]
    events = list(env.log.read_case(case_id, known_at=at.known_at))
    (result,) = replay_log(env.log, pack, as_of=at.as_of, known_at=at.known_at, cases=[case_id])
    if result.error is not None:
        return Shown(MEDIA_TYPES["html"], [], [case_id]), result
    lang = request["lang"]
    with i18n.use(lang):  # the text renderers' words follow the report's language
        html = case_report_html(
            result,
            events,
            at,
            rulepack=pack.digest,
            as_of_limit=as_of_limit(at.as_of),
            basis=env.basis,
            lang=lang,
        )
    write([html])
    return Shown(MEDIA_TYPES["html"], [f.finding_id for f in result.findings], [case_id]), result


# --------------------------------------------------------------------------- log


def render_follow(
    log: EventLog, request: Mapping[str, Any], events: Sequence[StoredEvent] | None = None
) -> Shown:
    """`comity follow`: one batch, the events of positions in (`after`, `through`]
    (of `case` if given) as `log --format jsonl` prints them; `events`, if the command
    read them already, else read again."""
    case_id = request["case"]
    if events is None:
        after, through = int(request["after"]), int(request["through"])
        with closing(log.read(after=after, until=through)) as read:  # type: ignore[type-var]
            events = [s for s in read if case_id is None or s.case_id == case_id]
        if not events or events[-1].position != through:
            raise NotRederived(f"the log no longer holds the record at position {through}")
    shown = Shown(MEDIA_TYPES["jsonl"])
    for stored in events:
        shown.case(stored.case_id)
    write_lines(stored_events_jsonl(events))
    return shown


def render_log(log: EventLog, request: Mapping[str, Any], head: int) -> Shown:
    """`comity log`: the records up to position `head` (the basis), of one case or all."""
    case_id = request["case"]
    shown = Shown(MEDIA_TYPES[request["format"]])

    def events() -> Iterator[StoredEvent]:
        source = log.read_case(case_id) if case_id is not None else log.read(until=head)
        for stored in source:
            if stored.position > head:
                continue
            shown.case(stored.case_id)
            yield stored

    if request["format"] == "jsonl":
        write_lines(stored_events_jsonl(events()))
        return shown
    stream = events()
    first = next(stream, None)
    if first is None:
        return shown

    def chained() -> Iterator[StoredEvent]:
        yield first
        yield from stream

    if case_id is not None:
        case_ids: list[str] = [case_id]
    else:
        # The cases of the records up to `head` (not those appended since, which would
        # widen the column): those whose first record is no more recent than it.
        with closing(log.raw_records(after=head - 1)) as tail:  # type: ignore[type-var]
            last = next(tail, None)
        known = None
        if last is not None:
            known = instant_of(last.recorded_at)
        case_ids = list(log.case_ids(known_at=known))
    _write_text_lines(log_lines(chained(), last_position=head, case_ids=case_ids))
    return shown


# --------------------------------------------------------------------------- rules export


def tree_listing(directory: Path) -> bytes:
    """The bytes that stand for a directory of files an export wrote: a JSON listing
    of every file (path relative to it, sha256, size), sorted. Its SHA-256 is the
    output's in the disclosure record."""
    files = sorted(p for p in directory.rglob("*") if p.is_file())
    listing = [
        {
            "path": p.relative_to(directory).as_posix(),
            "sha256": hashlib.sha256(p.read_bytes()).hexdigest(),
            "bytes": p.stat().st_size,
        }
        for p in files
    ]
    return (json.dumps({"files": listing}, indent=2, sort_keys=True) + "\n").encode("utf-8")


def __getattr__(name: str) -> object:
    """`rederive`, where it was before it moved to :mod:`comity.cli.rederive` (that
    module imports this one, so it is looked up when asked for, not imported here)."""
    if name == "rederive":
        from comity.cli.rederive import rederive

        return rederive
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
