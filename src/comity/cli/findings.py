"""Commands of the findings store (the read model): `watch` keeps it current, `findings`
reads it; `rules export` turns an archived rule pack digest back into its files.

`explain` and `deadlines` (in :mod:`comity.cli.replay`) also answer from the store
when it can: see :func:`store_cut` and :func:`finding_case`.
"""

from __future__ import annotations

import datetime as dt
import shutil
import signal
import tempfile
import time
from collections.abc import Collection, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType
from typing import Any

import click

from comity import i18n
from comity.cli import current, options, pass_log
from comity.cli._disclose import Recorder, Shown, disclosure_options
from comity.cli._progress import EventsBar, wants_bar
from comity.cli._streams import Capture, capturing, write_bytes
from comity.cli.options import KNOWN_AT, case_option, format_option
from comity.cli.outputs import MEDIA_TYPES, render_findings, tree_listing
from comity.engine import OpenDeadline
from comity.errors import InvalidInput, StoreError
from comity.events import EventLog, format_time
from comity.events.time import end_of, format_request_time, start_of
from comity.findings import (
    Cut,
    FindingsStore,
    GenerationRetired,
    Progress,
    Watcher,
    export_pack,
)
from comity.i18n import gettext as _
from comity.i18n import ngettext
from comity.report import ReplayAt
from comity.report.basis import basis_lines
from comity.rules.pack import SEVERITIES

__all__ = ["COMMANDS", "current_store", "finding_case", "open_store", "store_deadlines"]


def open_store(log: EventLog) -> FindingsStore | None:
    """The findings store beside `log`, or None if there is none (yet) or it fails:
    a reader that can fall back to a replay never fails because of the read model."""
    try:
        return FindingsStore.of(log, create=False)
    except StoreError:
        return None


def cut_at(cut: Cut) -> ReplayAt:
    """The replay times a cut equals: `replay --as-of A --known-at K`."""
    return ReplayAt(cut.as_of, cut.known_at)


# --------------------------------------------------------------------------- watch


@contextmanager
def _stopping() -> Iterator[list[bool]]:
    """SIGINT and SIGTERM ask the watcher to stop (it checks between steps)."""
    flag = [False]

    def ask(signum: int, frame: FrameType | None) -> None:
        flag[0] = True

    previous = {s: signal.signal(s, ask) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield flag
    finally:
        for s, handler in previous.items():
            with suppress(ValueError, TypeError):
                signal.signal(s, handler)


@click.command("watch")
@click.option("--once", is_flag=True, help="Catch up to now, then exit.")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.05),
    default=1.0,
    show_default=True,
    metavar="S",
    help=(
        "How often to move the clock to real time (deadlines breach as it passes "
        "them). New events are applied as soon as they are seen: PostgreSQL wakes the "
        "watcher at once, SQLite is polled every 20 ms."
    ),
)
@pass_log
def watch(log: EventLog, once: bool, interval: float) -> None:
    """Keep the findings store current: catch up with the log, then follow it.

    The findings store (every case's findings and open deadlines, and the history of
    their changes) lives beside the log, in the same file or database. Each step
    commits with its tracking row, so a watcher killed at any moment loses and
    repeats nothing: start it again. A new rule pack (--rules, a changed parameter)
    builds a new generation and switches to it when caught up. Ctrl-C or SIGTERM
    stops it within a second.
    """
    context = current()
    pack = context.pack
    started = time.monotonic()
    last_shown = [0.0]
    bar = EventsBar(_("catching up")) if wants_bar(writes_stdout=False) else None

    def progress(p: Progress) -> None:
        if bar is not None:
            bar.show(p.events, p.total_events)
            return
        now = time.monotonic()
        if now - last_shown[0] < 1.0 and p.events < p.total_events:
            return
        last_shown[0] = now
        rate = p.events / p.seconds if p.seconds > 0 else 0.0
        # each count agrees with its own noun: `1 case, 1 of 1 event`
        click.echo(
            _("catching up: {cases}, {events} ({rate} events/s)").format(
                cases=ngettext("{n} case", "{n} cases", p.cases).format(n=p.cases),
                events=ngettext(
                    "{events} of {total} event", "{events} of {total} events", p.total_events
                ).format(events=f"{p.events:,}", total=f"{p.total_events:,}"),
                rate=f"{rate:,.0f}",
            ),
            err=True,
        )

    told: set[tuple[str, str]] = set()

    def failure(case_id: str, error: str) -> None:
        # As it happens (a watcher may run for days); the rest stay current.
        told.add((case_id, error))
        click.echo("Error: " + _failed(case_id, error), err=True)

    with _stopping() as flag:
        watcher = Watcher(
            log,
            pack,
            rule_dirs=context.rule_dirs,
            clock=lambda: options.now(),
            progress=progress,
            stop=lambda: flag[0],
            failure=failure,
        )
        if not once:
            click.echo(
                _(
                    "comity watch: keeping the findings store of {store} current "
                    "(rule pack {rulepack}); Ctrl-C stops"
                ).format(store=context.where, rulepack=pack.digest[:12]),
                err=True,
            )
        try:
            cut = watcher.run(once=once, interval=interval)
        except GenerationRetired:
            raise
        except KeyboardInterrupt:  # pragma: no cover - the handler takes SIGINT
            return
        finally:
            if bar is not None:
                bar.close()
    state = (
        _(
            "findings store stopped: log position {position}, as of {as_of}, known at "
            "{known_at}, rule pack {rulepack} ({seconds} s)"
        )
        if flag[0]
        else _(
            "findings store current: log position {position}, as of {as_of}, known at "
            "{known_at}, rule pack {rulepack} ({seconds} s)"
        )
    )
    click.echo(
        state.format(
            position=cut.position,
            as_of=format_time(cut.as_of),
            known_at=format_time(cut.known_at),
            rulepack=cut.rulepack,
            seconds=f"{time.monotonic() - started:.1f}",
        ),
        err=True,
    )
    if watcher.parts_computed:
        click.echo(
            ngettext(
                "comity watch: computed {n} part of steps another watcher led "
                "(live cases shared between watchers)",
                "comity watch: computed {n} parts of steps another watcher led "
                "(live cases shared between watchers)",
                watcher.parts_computed,
            ).format(n=watcher.parts_computed),
            err=True,
        )
    _exit_if_failures(log, told)


def _failed(case_id: str, error: str) -> str:
    return _("case {case} could not be replayed: {error}").format(case=case_id, error=error)


def _exit_if_failures(
    log: EventLog, told: Collection[tuple[str, str]] = (), cases: tuple[str, ...] = ()
) -> None:
    """Exit 4 if the store holds cases whose replay failed (of `cases`, or any), naming
    each one not already `told`, as `comity replay` does; the other cases are current."""
    store = open_store(log)
    if store is None:
        return
    with store:
        failures = store.failures(cases=cases)
    for case_id, error in failures:
        if (case_id, error) not in told:
            click.echo("Error: " + _failed(case_id, error), err=True)
    if failures:
        click.get_current_context().exit(4)


# --------------------------------------------------------------------------- findings


def _since(value: dt.datetime | dt.date | None) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    return start_of(value)


@click.command("findings")
@case_option("Only this case; repeat for more. Default: every case.", multiple=True)
@click.option("--open", "open_only", is_flag=True, help="Only findings not resolved.")
@click.option(
    "--code", metavar="CODE", help="Only findings of this code (frozen_asset_moved, ...)."
)
@click.option(
    "--jurisdiction", metavar="CODE", help="Only findings that involve this jurisdiction (PA, ...)."
)
@click.option("--severity", type=click.Choice(SEVERITIES), help="Only findings of this severity.")
@click.option(
    "--since",
    type=KNOWN_AT,
    metavar="DATETIME",
    help="Only findings the store raised or changed at or after this UTC instant.",
)
@format_option(
    ["table", "json", "jsonl"],
    "table for people; json: the document `comity replay --format json` prints for the "
    "store's cut (filters keep only the findings they match); jsonl: one finding a line.",
)
@disclosure_options
@pass_log
def findings_command(
    log: EventLog,
    cases: tuple[str, ...],
    open_only: bool,
    code: str | None,
    jurisdiction: str | None,
    severity: str | None,
    since: dt.datetime | None,
    fmt: str,
) -> None:
    """Read the findings store: findings as of its cut, without replaying anything.

    The cut (as of, known at) is in the header: `comity replay --as-of A --known-at K`
    gives the same findings. Keep the store current with `comity watch`.
    """
    recorder = Recorder("findings", "findings")
    if i18n.language() != i18n.DEFAULT:
        current().pack  # noqa: B018 - loading the pack words the titles in the language
    store = open_store(log)
    if store is None:
        raise StoreError(
            _("{store}: no findings store yet; run `comity watch --once` to build it").format(
                store=current().where
            )
        )
    with store:
        known = store.cut()
        if known is not None and cases:
            missing = sorted(set(cases) - set(store.case_states(known.generation, list(cases))))
            if missing:
                raise InvalidInput(
                    "\n".join(
                        _(
                            "--case {case}: no such case in the findings store (as of its "
                            "cut); `comity log` lists the cases"
                        ).format(case=c)
                        for c in missing
                    )
                )
        with store.db.read():  # one snapshot: the findings and the history they chose by
            cut, found = store.findings(
                cases=cases,
                open_only=open_only,
                code=code,
                jurisdiction=jurisdiction,
                severity=severity,
                since=_since(since),
            )
            seen = store.history_head() if since is not None else None
        at = cut_at(cut)
        basis = recorder.basis(log, cut.rulepack, at)
        request = {
            "command": "findings",
            "cases": sorted(set(cases)),
            "open": open_only,
            "code": code,
            "jurisdiction": jurisdiction,
            "severity": severity,
            "since": None if since is None else format_time(since),
            # what `audit reproduce` needs to choose by the history again
            "history": None
            if seen is None
            else {
                "generation": cut.generation,
                "seen": seen,
                "since": format_request_time(_since(since)),  # type: ignore[arg-type]
            },
            "format": fmt,
            "lang": i18n.language(),
        }
        documents: Iterator[dict[str, Any]] = iter(())
        if fmt == "json":
            _cut, documents = store.case_results(cases=cases)
        elif fmt == "jsonl":
            click.echo(
                _("comity findings {at}, rule pack {rulepack}").format(
                    at=at.words(), rulepack=cut.rulepack
                ),
                err=True,
            )
            for line in basis_lines(basis):
                click.echo(line, err=True)
        capture = Capture()
        with capturing(capture):
            shown = render_findings(at, basis, request, found, documents)
    recorder.deliver(
        capture,
        shown,
        basis=basis,
        request=request,
        asked_cases=cases,
    )
    _exit_if_failures(log, cases=tuple(cases))


# --------------------------------------------------------------------------- rules export


@click.command("export")
@click.argument("digest", metavar="DIGEST")
@click.argument("directory", metavar="DIR", type=click.Path(file_okay=False))
@disclosure_options
@pass_log
def rules_export(log: EventLog, digest: str, directory: str) -> None:
    """Write an archived rule pack back as files: a whole pack, one subdirectory per
    layer and DIR/comity-pack.json listing them.

    DIGEST is a finding's `rulepack` (or a unique prefix of it). Every pack a
    watcher used is archived in the store; `comity --rules DIR` loads the exported
    layers instead of the built-in pack, and gives the same digest (checked here:
    exit 1 if it does not).
    """
    recorder = Recorder("export", "rules export")
    store = open_store(log)
    if store is None:
        raise InvalidInput(
            _(
                "{digest}: this store archives no rule pack yet; a pack is archived when "
                "`comity watch`, `comity serve` or a recorded output first uses it"
            ).format(digest=digest)
        )
    target = Path(directory)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InvalidInput(_("{dir}: not empty; give a new or empty directory").format(dir=target))
    with store:
        # Written beside the target first, recorded, then moved into place: nothing
        # is in DIR unless its disclosure was recorded.
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
        except OSError as exc:
            raise InvalidInput(
                _("{dir}: cannot write there: {why}").format(dir=target, why=exc.strerror or exc)
            ) from None
        try:
            staged = work / "pack"
            report = export_pack(store, digest, staged)
            basis = recorder.basis(log, report.digest, None)
            request = {"command": "rules export", "digest": report.digest}
            capture = Capture()
            with capturing(capture):
                write_bytes(tree_listing(staged))
            recorder.deliver(
                capture,
                Shown(MEDIA_TYPES["pack"]),
                basis=basis,
                request=request,
                out=None,
                to_stdout=False,
            )
            if target.exists():
                target.rmdir()
            staged.rename(target)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    click.echo(
        ngettext(
            "rule pack {digest}: {n} file written to {dir}",
            "rule pack {digest}: {n} files written to {dir}",
            report.files,
        ).format(digest=report.digest, n=report.files, dir=directory)
    )
    if report.problem is not None:
        click.echo(f"Error: {report.problem}", err=True)
        click.get_current_context().exit(1)


def finding_case(log: EventLog, finding_id: str) -> str | None:
    """The case a finding belongs to, if the findings store knows it (ids are stable)."""
    store = open_store(log)
    if store is None:
        return None
    with store:
        return store.case_of(finding_id)


@contextmanager
def current_store(log: EventLog, rulepack: str, at: ReplayAt) -> Iterator[FindingsStore | None]:
    """The findings store, open, if it answers exactly what a replay at `at` with the
    pack `rulepack` would (nothing recorded after its cut by --known-at, no deadline
    breaching between its clock and --as-of); None otherwise."""
    store = open_store(log)
    if store is None:
        yield None
        return
    with store:
        cut = store.cut()
        if cut is None or cut.rulepack != rulepack or store.failures():
            # A case that failed: the replay names it (exit 4) as it always does.
            yield None
            return
        as_of = at.as_of
        limit = as_of if isinstance(as_of, dt.datetime) else end_of(as_of)
        if not store.is_current(log, as_of=limit, known_at=at.known_at, cut=cut):
            yield None
            return
        yield store


def store_deadlines(
    log: EventLog,
    rulepack: str,
    at: ReplayAt,
    cases: tuple[str, ...],
    breach_until: str | None,
) -> list[OpenDeadline] | None:
    """The open deadlines from the store, if it is current for `at`; None otherwise."""
    with current_store(log, rulepack, at) as store:
        if store is None:
            return None
        _cut, running = store.open_deadlines(cases=cases, breach_until=breach_until)
    return list(running)


COMMANDS = (watch, findings_command)
