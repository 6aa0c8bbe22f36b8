"""Rendering a recorded output again: the request of a disclosure record, at its cut.

`comity audit reproduce` hands each record's request here; :func:`rederive` picks
the render function of :mod:`comity.cli.outputs` the command itself used, so that a
reproduced output is the output, not a look-alike. What only re-deriving needs lives
here: the cut read back from the record's basis, the language it was shown in, and
the findings store's answer at the recorded cut derived by a replay (its contract:
its findings are `replay` at its cut).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from comity import i18n
from comity.audit.basis import Basis
from comity.cli._streams import write_bytes
from comity.cli.outputs import (
    Env,
    NotRederived,
    render_calendar,
    render_cases,
    render_check,
    render_deadlines,
    render_explain,
    render_findings,
    render_follow,
    render_log,
    render_replay,
    render_report,
    tree_listing,
)
from comity.cli.served import History, Unrendered, as_stored, changed_at
from comity.engine import CaseResult, replay_log
from comity.events import EventLog
from comity.events.time import request_instant_of
from comity.findings import StoredFinding
from comity.report import ReplayAt, Tally
from comity.report.words import knowing
from comity.rules import RulePack

__all__ = ["rederive"]


def _findings_by_replay(
    env: Env, request: Mapping[str, Any], history: History
) -> tuple[list[StoredFinding], list[dict[str, Any]]]:
    """What the findings store held at the recorded cut, by a replay at that cut: its
    current findings are, by the store's contract, `replay` at its cut. A `--since`
    read chose by when the store changed each finding: the history up to the entry
    the read saw (recorded with it) says it again."""
    at = env.at
    results = list(
        replay_log(
            env.log, env.pack, as_of=at.as_of, known_at=at.known_at, cases=request["cases"] or None
        )
    )
    if any(r.error is not None for r in results):
        raise NotRederived("a case no longer replays at the recorded cut")
    changed, since = None, None
    if request["since"]:
        seen = request.get("history")
        if seen is None:
            raise NotRederived(
                "--since chose findings by the findings store's change history, and the "
                "record (made before records kept the history entry the read saw) does not "
                "say how far"
            )
        changed = changed_at(history(int(seen["generation"])), int(seen["seen"]))
        since = request_instant_of(seen["since"])
    try:
        found, _ = as_stored(
            results,
            changed=changed,
            fallback=at.known_at,
            open_only=request["open"],
            code=request["code"],
            severity=request["severity"],
            jurisdiction=request["jurisdiction"],
            since=since,
        )
    except Unrendered as exc:
        raise NotRederived(str(exc)) from None
    documents = [r.to_json() for r in sorted(results, key=lambda r: r.case_id)]
    return found, documents


def _at(basis: Basis) -> ReplayAt:
    from comity.cli.options import parse_time

    if basis.as_of is None or basis.known_at is None:
        raise NotRederived("the record names no cut (as_of, known_at)")
    as_of = parse_time(basis.as_of, dates=True)
    known_at = parse_time(basis.known_at, dates=False)
    assert isinstance(known_at, dt.datetime)
    return ReplayAt(as_of, known_at)


def _replayed(env: Env, request: Mapping[str, Any]) -> Iterator[CaseResult]:
    """The replay a recorded replay or check showed: the recorded cut and cases."""
    return replay_log(
        env.log,
        env.pack,
        as_of=env.at.as_of,
        known_at=env.at.known_at,
        cases=request["cases"] or None,
    )


def rederive(
    log: EventLog,
    pack: RulePack | None,
    basis: Basis,
    request: Mapping[str, Any],
    export_pack: Callable[[str, Path], None],
    history: History,
) -> None:
    """Render the recorded `request` again into the current capture, at the recorded
    `basis` (whose log head the caller checked), with `pack` (the recorded one).
    `export_pack(digest, dir)` writes an archived pack (for `rules export`);
    `history(generation)` is the findings store's history (for `findings --since`)."""
    command = request.get("command")
    lang = request.get("lang", i18n.DEFAULT)
    if command == "log":
        with i18n.use(lang):  # records made before the log's table had a language: English
            render_log(log, request, basis.head.position)
        return
    if command == "follow":
        render_follow(log, request)
        return
    if command == "rules export":
        with tempfile.TemporaryDirectory(prefix="comity-reproduce-") as tmp:
            target = Path(tmp) / "pack"
            export_pack(request["digest"], target)
            write_bytes(tree_listing(target))
        return
    if pack is None:
        raise NotRederived("the record names no rule pack")
    with i18n.use(lang), knowing(pack.rules):
        env = Env(log=log, pack=pack, basis=basis, at=_at(basis))
        tally = Tally()
        if command == "replay":
            render_replay(env, request, _replayed(env, request))
        elif command == "explain":
            render_explain(env, request)
        elif command == "deadlines":
            if request["format"] == "ics":
                render_calendar(env, request, None, tally)
            else:
                render_deadlines(env, request, None, tally)
        elif command == "findings":
            found, documents = _findings_by_replay(env, request, history)
            render_findings(env.at, basis, request, found, documents)
        elif command == "report":
            render_report(env, request)
        elif command == "cases":
            render_cases(env, request)
        elif command == "check":
            render_check(env, request, _replayed(env, request))
        else:
            raise NotRederived(f"no command line output of this kind ({command!r})")
