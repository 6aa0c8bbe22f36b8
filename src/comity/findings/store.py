"""The findings store: every case's findings and open deadlines, kept beside the log.

It is a read model. The log stays the only source of truth: a watcher
(`comity.findings.Watcher`) computes the rows from it, and dropping the tables and
catching up again gives the same rows. Readers ask typed questions (`findings`,
`open_deadlines`, `history`) and get answers for one *cut*: every event up to a log
position (record time: `known_at`, the record time of that position) replayed to one
clock instant (valid time: `as_of`). A cut is exactly what
`replay_log(log, pack, as_of=cut.as_of, known_at=cut.known_at)` computes.

Readers read the current generation (`_generations`), and every read runs in one
snapshot, so that a reader sees one generation or the other, never half of one. What
writes the rows is the watcher's (`_writer`, `_leases`, `_live`); this module reads.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import orjson

from comity.engine import OpenDeadline
from comity.errors import InvalidArgument, StoreUnavailable
from comity.events import EventLog, arguments
from comity.events.store.url import parse_store_url
from comity.events.time import format_instant, instant_of
from comity.findings._db import Db, connect, utc_text
from comity.findings._generations import SELECT, cut_of
from comity.findings._rows import CaseRows, legal_sha, stored_row
from comity.findings.types import Change, Cut, StoredFinding

__all__ = ["FindingsStore", "open_findings"]

#: Ids per `IN (...)` list.
_CHUNK = 400

#: An instant as the store keeps breach instants (seconds, UTC).
_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")

_FINDING_COLUMNS = (
    "finding_id, case_id, code, severity, status, due, raised_at, resolved_at, "
    "jurisdictions, changed_at, body"
)


def _stored(row: Sequence[Any], data: dict[str, Any]) -> StoredFinding:
    fid, case_id, code, severity, status, due, raised, resolved, juris, changed, _body = row
    return StoredFinding(
        finding_id=fid,
        case_id=case_id,
        code=code,
        severity=severity,
        status=status,
        due=due,
        raised_at=raised,
        resolved_at=resolved,
        jurisdictions=tuple(orjson.loads(juris)),
        changed_at=instant_of(changed),
        data=data,
    )


def deadline_of(body: str) -> OpenDeadline:
    """An open deadline back from its JSON form (`OpenDeadline.to_json()`)."""
    return OpenDeadline.from_json(orjson.loads(body))


class FindingsStore:
    """The findings tables of one store (the same SQLite file or PostgreSQL schema
    as its log). Used from one thread; `close()` it when done."""

    def __init__(self, url: str, *, create: bool = True) -> None:
        self.url = url
        self.db: Db = connect(url, create=create)
        #: Legal basis texts by sha256, read back (content-addressed, never stale).
        self._texts: dict[str, str] = {}

    @classmethod
    def of(cls, log: EventLog, *, create: bool = True) -> FindingsStore:
        """The findings store beside `log`."""
        return cls(log.url, create=create)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> FindingsStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- generations -------------------------------------------------------------------
    def cut(self) -> Cut | None:
        """The current generation's cut; None until a watcher has caught up once."""
        return cut_of(self.db.one(SELECT + " WHERE state = 'current'"))

    def generation(self, generation: int) -> Cut | None:
        return cut_of(self.db.one(SELECT + " WHERE generation = ?", (generation,)))

    def generations(self) -> list[Cut]:
        return [c for r in self.db.all(SELECT + " ORDER BY generation") if (c := cut_of(r))]

    def _require(self) -> Cut:
        cut = self.cut()
        if cut is None:
            raise StoreUnavailable(
                f"{self.db.where}: the findings store has not caught up with the log yet; "
                "run `comity watch` (or `comity watch --once`)"
            )
        return cut

    def is_current(
        self, log: EventLog, *, as_of: dt.datetime, known_at: dt.datetime, cut: Cut | None = None
    ) -> bool:
        """Whether the store answers exactly what a replay at (`as_of`, `known_at`) would.

        True when the log holds no event after the cut's position recorded by
        `known_at`, `known_at` is not before the cut's, and the clock alone changes no
        case between the cut's clock and `as_of` (`as_of` given as an instant).
        """
        cut = cut or self.cut()
        if cut is None or known_at < cut.known_at or as_of < cut.as_of:
            return False
        after = log.read(after=cut.position, until=cut.position + 1)
        try:
            following = next(after, None)
        finally:
            close = getattr(after, "close", None)
            if close is not None:
                close()
        if following is not None and following.recorded_at <= known_at:
            return False
        row = self.db.one(
            "SELECT MIN(next_at) FROM findings_cases WHERE generation = ?", (cut.generation,)
        )
        soonest = row[0] if row else None
        return soonest is None or format_instant(as_of) < soonest

    # -- reads -------------------------------------------------------------------------
    def findings(
        self,
        *,
        cases: Iterable[str] = (),
        open_only: bool = False,
        code: str | None = None,
        jurisdiction: str | None = None,
        severity: str | None = None,
        since: dt.datetime | None = None,
    ) -> tuple[Cut, list[StoredFinding]]:
        """The current generation's findings that match every filter given, in replay
        order (case, then the case's own order), with the cut they belong to.

        `since` keeps findings the store changed (raised, resolved, updated) at or
        after that record time, for a client that polls for what is new.
        """
        wanted = sorted(set(arguments.case_ids(cases, call="FindingsStore.findings")))
        arguments.instant(since, call="FindingsStore.findings", name="since")
        with self.db.read():
            cut = self._require()
            sql = f"SELECT {_FINDING_COLUMNS} FROM findings_current f WHERE generation = ?"
            params: list[Any] = [cut.generation]
            if wanted:
                sql += f" AND case_id IN ({','.join('?' * len(wanted))})"
                params += wanted
            if open_only:
                sql += " AND status = 'open'"
            if code is not None:
                sql += " AND code = ?"
                params.append(code)
            if severity is not None:
                sql += " AND severity = ?"
                params.append(severity)
            if since is not None:
                sql += " AND changed_at >= ?"
                params.append(utc_text(since))
            if jurisdiction is not None:
                sql += (
                    " AND EXISTS (SELECT 1 FROM findings_jurisdictions j WHERE j.generation = "
                    "f.generation AND j.jurisdiction = ? AND j.finding_id = f.finding_id)"
                )
                params.append(jurisdiction)
            rows = self.db.all(sql + " ORDER BY case_id, rank", params)
            datas = self._unpack([r[-1] for r in rows])
        return cut, [_stored(r, d) for r, d in zip(rows, datas, strict=True)]

    def case_of(self, finding_id: str) -> str | None:
        """The case of a finding of the current generation (finding ids are stable)."""
        with self.db.read():
            cut = self.cut()
            if cut is None:
                return None
            row = self.db.one(
                "SELECT case_id FROM findings_current WHERE generation = ? AND finding_id = ?",
                (cut.generation, finding_id),
            )
        return None if row is None else str(row[0])

    def case_results(self, *, cases: Iterable[str] = ()) -> tuple[Cut, Iterator[dict[str, Any]]]:
        """The cut and each case as `CaseResult.to_json()` gives it, in case-id order:
        the `cases` of the document `comity replay --format json` prints for the cut."""
        wanted = sorted(set(arguments.case_ids(cases, call="FindingsStore.case_results")))
        with self.db.read():
            cut = self._require()
            g = cut.generation
            where = "generation = ?"
            params: list[Any] = [g]
            if wanted:
                where += f" AND case_id IN ({','.join('?' * len(wanted))})"
                params += wanted
            case_ids = self.db.all(
                f"SELECT case_id, error FROM findings_cases WHERE {where} ORDER BY case_id",
                params,
            )
            findings = self.db.all(
                f"SELECT case_id, body FROM findings_current WHERE {where} ORDER BY case_id, rank",
                params,
            )
            deadlines = self.db.all(
                f"SELECT case_id, body FROM findings_deadlines WHERE {where} "
                "ORDER BY case_id, rank",
                params,
            )

        def documents() -> Iterator[dict[str, Any]]:
            fi = di = 0
            for case_id, error in case_ids:
                if error is not None:  # as `CaseResult.failed(...).to_json()`
                    yield {"case_id": case_id, "error": error}
                    continue
                start = fi
                while fi < len(findings) and findings[fi][0] == case_id:
                    fi += 1
                found = self._unpack([body for _, body in findings[start:fi]])
                running = []
                while di < len(deadlines) and deadlines[di][0] == case_id:
                    running.append(orjson.loads(deadlines[di][1]))
                    di += 1
                yield {"case_id": case_id, "findings": found, "open_deadlines": running}

        return cut, documents()

    def failures(self, *, cases: Iterable[str] = ()) -> list[tuple[str, str]]:
        """(case, why) of each case of the current generation (all, or those named)
        whose replay failed, in case-id order: it has no findings in the store, as a
        replay reports no findings for it, and its error is what a replay reports."""
        with self.db.read():
            cut = self.cut()
            if cut is None:
                return []
            sql = (
                "SELECT case_id, error FROM findings_cases WHERE generation = ? "
                "AND error IS NOT NULL"
            )
            params: list[Any] = [cut.generation]
            wanted = sorted(set(cases))
            if wanted:
                sql += f" AND case_id IN ({','.join('?' * len(wanted))})"
                params += wanted
            return [(r[0], r[1]) for r in self.db.all(sql + " ORDER BY case_id", params)]

    def open_deadlines(
        self, *, cases: Iterable[str] = (), breach_until: str | dt.datetime | None = None
    ) -> tuple[Cut, list[OpenDeadline]]:
        """The deadlines running at the cut, soonest breach first; `breach_until` (an
        instant: `YYYY-MM-DDTHH:MM:SSZ`, or a datetime with a time zone) keeps those
        breached by then."""
        call = "FindingsStore.open_deadlines"
        wanted = sorted(set(arguments.case_ids(cases, call=call)))
        if isinstance(breach_until, dt.datetime):
            moment = arguments.instant(breach_until, call=call, name="breach_until")
            assert moment is not None
            breach_until = format_instant(moment)
        elif breach_until is not None and not (
            isinstance(breach_until, str) and _INSTANT.fullmatch(breach_until)
        ):
            raise InvalidArgument(
                f"{call}: breach_until must be an instant, YYYY-MM-DDTHH:MM:SSZ or a datetime "
                f"with a time zone, got {arguments.described(breach_until)}"
            )
        with self.db.read():
            cut = self._require()
            sql = "SELECT body FROM findings_deadlines WHERE generation = ?"
            params: list[Any] = [cut.generation]
            if wanted:
                sql += f" AND case_id IN ({','.join('?' * len(wanted))})"
                params += wanted
            if breach_until is not None:
                sql += " AND breach_instant <= ?"
                params.append(breach_until)
            rows = self.db.all(sql + " ORDER BY breach_instant, case_id, rule, ref", params)
        return cut, [deadline_of(r[0]) for r in rows]

    def history(
        self,
        *,
        case_id: str | None = None,
        finding_id: str | None = None,
        generation: int | None = None,
        after: int = 0,
        limit: int | None = None,
    ) -> list[Change]:
        """Every change the store recorded, oldest first (all generations unless one is
        named): what comity concluded, when, and because of which event or instant.
        `after` and `limit` page through it by change id (a stream's cursor)."""
        for name, number in (("after", after), ("limit", limit), ("generation", generation)):
            if number is not None and (not isinstance(number, int) or isinstance(number, bool)):
                raise InvalidArgument(
                    f"FindingsStore.history: {name} must be an int, got "
                    f"{arguments.described(number)}"
                )
        for name, text in (("case_id", case_id), ("finding_id", finding_id)):
            if text is not None and not isinstance(text, str):
                raise InvalidArgument(
                    f"FindingsStore.history: {name} must be a str, got {arguments.described(text)}"
                )
        sql = (
            "SELECT id, generation, rulepack, finding_id, case_id, change, cause, position, "
            "clock, recorded_at, body FROM findings_history WHERE id > ?"
        )
        params: list[Any] = [after]
        for column, value in (
            ("case_id", case_id),
            ("finding_id", finding_id),
            ("generation", generation),
        ):
            if value is not None:
                sql += f" AND {column} = ?"
                params.append(value)
        rows = self.db.all(
            sql + " ORDER BY id" + ("" if limit is None else f" LIMIT {int(limit)}"), params
        )
        datas = self._unpack([r[10] for r in rows])
        return [
            Change(
                id=int(r[0]),
                generation=int(r[1]),
                rulepack=r[2],
                finding_id=r[3],
                case_id=r[4],
                change=r[5],
                cause=r[6],
                position=None if r[7] is None else int(r[7]),
                clock=r[8],
                recorded_at=instant_of(r[9]),
                data=data,
            )
            for r, data in zip(rows, datas, strict=True)
        ]

    def history_head(self) -> int:
        """The id of the last change recorded (0: none): what a read that chose by the
        history (`findings(since=...)`) saw, so that it can be derived again later,
        the history being append-only."""
        row = self.db.one("SELECT MAX(id) FROM findings_history", ())
        return 0 if row is None or row[0] is None else int(row[0])

    def _unpack(self, bodies: Sequence[str]) -> list[dict[str, Any]]:
        """Findings' JSON as stored, with their legal bases put back in place: exactly
        `Finding.to_json()`."""
        datas = [orjson.loads(b) for b in bodies]
        refs = {sha for d in datas if (sha := legal_sha(d)) is not None}
        missing = sorted(refs - self._texts.keys())
        for start in range(0, len(missing), _CHUNK):
            chunk = missing[start : start + _CHUNK]
            for sha, text in self.db.all(
                "SELECT sha256, content FROM findings_blobs WHERE sha256 IN "
                f"({','.join('?' * len(chunk))})",
                chunk,
            ):
                self._texts[sha] = text
        for d in datas:
            sha = legal_sha(d)
            if sha is not None:
                text = self._texts.get(sha)
                if text is None:
                    raise StoreUnavailable(
                        f"{self.db.where}: the findings store lacks the legal basis with "
                        f"sha256 {sha}; rebuild it (drop its tables, run `comity watch`)"
                    )
                d["legal_basis"] = orjson.loads(text)
        return datas

    # -- what watchers read ------------------------------------------------------------
    def case_states(
        self, generation: int, cases: Sequence[str] | None = None
    ) -> dict[str, tuple[int, str, str | None]]:
        """(position, clock, next_at) of each case row (all, or those named)."""
        sql = "SELECT case_id, position, clock, next_at FROM findings_cases WHERE generation = ?"
        if cases is None:
            rows = self.db.all(sql, (generation,))
        else:
            rows = []
            wanted = list(cases)
            for start in range(0, len(wanted), _CHUNK):
                chunk = wanted[start : start + _CHUNK]
                rows += self.db.all(
                    sql + f" AND case_id IN ({','.join('?' * len(chunk))})", (generation, *chunk)
                )
        return {r[0]: (int(r[1]), r[2], r[3]) for r in rows}

    def due_cases(self, generation: int, clock: str) -> list[str]:
        """Cases whose result the clock alone changes by `clock`."""
        rows = self.db.all(
            "SELECT case_id FROM findings_cases WHERE generation = ? AND next_at <= ? "
            "ORDER BY case_id",
            (generation, clock),
        )
        return [r[0] for r in rows]

    def case_rows(self, generation: int, case_id: str) -> CaseRows:
        texts: dict[str, str] = {}
        findings = {
            r[0]: stored_row(r[0], int(r[1]), r[2], texts)
            for r in self.db.all(
                "SELECT finding_id, rank, body FROM findings_current "
                "WHERE generation = ? AND case_id = ?",
                (generation, case_id),
            )
        }
        deadlines = tuple(
            r[0]
            for r in self.db.all(
                "SELECT body FROM findings_deadlines WHERE generation = ? AND case_id = ? "
                "ORDER BY rank",
                (generation, case_id),
            )
        )
        return CaseRows(findings, deadlines, texts)


def open_findings(url: str, *, create: bool = False) -> FindingsStore:
    """The findings store of the store `url` names (a path, `sqlite:///`, `postgresql://`)."""
    if "://" not in url and parse_store_url(url).kind == "sqlite":
        url = f"sqlite:///{url}"
    return FindingsStore(url, create=create)
