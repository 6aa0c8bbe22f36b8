"""The findings store: every case's findings and open deadlines, kept beside the log.

It is a read model. The log stays the only source of truth: a watcher
(`comity.findings.Watcher`) computes the rows from it, and dropping the tables and
catching up again gives the same rows. Readers ask typed questions (`findings`,
`open_deadlines`, `history`) and get answers for one *cut*: every event up to a log
position (record time: `known_at`, the record time of that position) replayed to one
clock instant (valid time: `as_of`). A cut is exactly what
`replay_log(log, pack, as_of=cut.as_of, known_at=cut.known_at)` computes.

Each rule pack digest has a *generation* of rows. Readers read the current
generation; a watcher with a new pack builds a new generation beside it and switches
in one transaction once it has caught up, so that a reader sees one generation or
the other, never half of one. Every read runs in one snapshot for the same reason.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import attrs
import orjson

from comity.engine import OpenDeadline
from comity.errors import InvalidArgument, StoreUnavailable
from comity.events import EventLog, arguments
from comity.events.store.url import parse_store_url
from comity.events.time import format_instant, format_time, instant_of
from comity.findings._db import LOCK_CLASS, Db, connect, utc_text
from comity.findings._rows import (
    CaseRows,
    StaleStep,
    Update,
    breach_instant,
    legal_sha,
    stored_row,
)

__all__ = [
    "BUCKETS",
    "Change",
    "Cut",
    "FindingsStore",
    "StoredFinding",
    "bucket_of",
    "open_findings",
]

#: The `known_at` of a cut that holds no event yet: before any record time.
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
#: Ids per `IN (...)` list.
_CHUNK = 400
#: The tables whose rows belong to one generation (the history is kept for good).
_PER_GENERATION = (
    "findings_current",
    "findings_jurisdictions",
    "findings_deadlines",
    "findings_cases",
    "findings_claims",
    "findings_live",
    "findings_steps",
    "findings_parts",
)
#: Buckets of cases that watchers building one generation lease between them.
BUCKETS = 64


def bucket_of(case_id: str) -> int:
    """A case's bucket: the same in every process (not Python's salted hash)."""
    return int(hashlib.sha256(case_id.encode("utf-8")).hexdigest()[:8], 16) % BUCKETS


#: An instant as the store keeps breach instants (seconds, UTC).
_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


def _instant_text(value: dt.datetime) -> str:
    return format_instant(value)


def _parse(text: str) -> dt.datetime:
    return instant_of(text)


@attrs.frozen(kw_only=True)
class Cut:
    """What a generation of the store has applied: the log up to `position`
    (recorded by `known_at`), and the engine's clock at `as_of`."""

    generation: int
    rulepack: str
    state: str  # building | current | retired
    position: int
    as_of: dt.datetime
    known_at: dt.datetime

    @property
    def as_of_text(self) -> str:
        return _instant_text(self.as_of)

    @property
    def known_at_text(self) -> str:
        return format_time(self.known_at)


@attrs.frozen(kw_only=True)
class Proposal:
    """A live step the leading watcher published for the others to compute parts of."""

    step: str
    from_position: int
    to_position: int
    clock: dt.datetime
    known_at: dt.datetime | None
    missing: tuple[int, ...]


@attrs.frozen(kw_only=True)
class StoredFinding:
    """A finding as the store holds it: the engine's JSON form, and when it last changed."""

    finding_id: str
    case_id: str
    code: str
    severity: str
    status: str  # open | resolved
    due: str | None
    raised_at: str
    resolved_at: str | None
    jurisdictions: tuple[str, ...]
    changed_at: dt.datetime  # record time of the store's last change to it
    data: dict[str, Any]

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    def to_json(self) -> dict[str, Any]:
        """Exactly `Finding.to_json()` of the finding a replay at the cut gives."""
        return dict(self.data)


@attrs.frozen(kw_only=True)
class Change:
    """One entry of the history: what a step of a watcher did to one finding.

    `cause` is `event` (the event at `position` was applied), `clock` (real time
    reached `clock`, e.g. a breach instant) or `replay` (the case was computed whole,
    up to `position`, while catching up). `recorded_at` is when the store wrote it.
    """

    id: int
    generation: int
    rulepack: str
    finding_id: str
    case_id: str
    change: str
    cause: str
    position: int | None
    clock: str
    recorded_at: dt.datetime
    data: dict[str, Any]


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
        changed_at=_parse(changed),
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
        #: Legal basis texts by sha256: read back (content-addressed, never stale),
        #: and those this connection knows to be stored (written by a committed step).
        self._texts: dict[str, str] = {}
        self._stored_texts: set[str] = set()

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
    def _cut(self, row: Sequence[Any] | None) -> Cut | None:
        if row is None:
            return None
        generation, rulepack, state, position, clock, known_at = row
        return Cut(
            generation=int(generation),
            rulepack=rulepack,
            state=state,
            position=int(position),
            as_of=_parse(clock),
            known_at=_parse(known_at) if known_at else EPOCH,
        )

    _GEN = "SELECT generation, rulepack, state, position, clock, known_at FROM findings_generations"

    def cut(self) -> Cut | None:
        """The current generation's cut; None until a watcher has caught up once."""
        return self._cut(self.db.one(self._GEN + " WHERE state = 'current'"))

    def generation(self, generation: int) -> Cut | None:
        return self._cut(self.db.one(self._GEN + " WHERE generation = ?", (generation,)))

    def generations(self) -> list[Cut]:
        return [c for r in self.db.all(self._GEN + " ORDER BY generation") if (c := self._cut(r))]

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
        return soonest is None or _instant_text(as_of) < soonest

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
            breach_until = _instant_text(moment)
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
                recorded_at=_parse(r[9]),
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

    # -- what watchers use -------------------------------------------------------------
    def start_generation(self, rulepack: str, clock: dt.datetime, now: dt.datetime) -> Cut:
        """A generation for this digest: the current one, one being built, or a new one."""
        with self.db.write():
            if self.db.dialect == "postgres":
                # Watchers starting at once must agree on one generation: without this
                # lock two would both read MAX(generation) and insert the same number.
                self.db.execute(
                    "SELECT pg_advisory_xact_lock(?, hashtext('findings-generation:' || "
                    "current_schema()))",
                    (LOCK_CLASS,),
                )
            row = self.db.one(
                self._GEN + " WHERE rulepack = ? AND state IN ('current', 'building') "
                "ORDER BY state = 'current' DESC, generation DESC",
                (rulepack,),
            )
            if row is None:
                top = self.db.one("SELECT COALESCE(MAX(generation), 0) FROM findings_generations")
                generation = int(top[0]) + 1
                for table in _PER_GENERATION:  # rows left by tables dropped in part
                    self.db.execute(f"DELETE FROM {table} WHERE generation = ?", (generation,))
                stamp = utc_text(now)
                self.db.execute(
                    "INSERT INTO findings_generations (generation, rulepack, state, position, "
                    "clock, known_at, created_at, updated_at) VALUES (?, ?, 'building', 0, ?, "
                    "NULL, ?, ?)",
                    (generation, rulepack, _instant_text(clock), stamp, stamp),
                )
                row = self.db.one(self._GEN + " WHERE generation = ?", (generation,))
        cut = self._cut(row)
        assert cut is not None
        return cut

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

    def write_step(
        self,
        cut: Cut,
        updates: Sequence[Update],
        *,
        position: int,
        clock: dt.datetime,
        known_at: dt.datetime | None,
        now: dt.datetime,
        advance: bool = True,
        lease: tuple[int, str, float, bool] | None = None,
        leases: tuple[str, float, Sequence[tuple[int, bool]]] | None = None,
        shared: bool = False,
    ) -> Cut | None:
        """Write one step in one transaction: the cases' rows, their changes and the
        generation's tracking row, or nothing at all.

        Each case row and the tracking row are compared and set: if another watcher
        moved either since this step read them, nothing is written and None is
        returned (the caller reads again and recomputes). That is what makes a change
        recorded exactly once, whoever applies the case and whenever one dies.
        """
        g = cut.generation
        stamp = utc_text(now)
        clock_text = _instant_text(clock)
        db = self.db
        with db.write():
            if lease is not None:
                bucket, owner, ttl, finished = lease
                self.hold(g, bucket, owner, ttl, done=finished)
            if shared:  # the step in flight is this one: it ends with it
                for table in ("findings_steps", "findings_parts"):
                    db.execute(f"DELETE FROM {table} WHERE generation = ?", (g,))
            if leases is not None:  # (owner, ttl, [(bucket, finished), ...])
                owner, ttl, held = leases
                for bucket, finished in held:
                    self.hold(g, bucket, owner, ttl, done=finished)
            if advance:
                done = db.execute(
                    "UPDATE findings_generations SET position = ?, clock = ?, known_at = ?, "
                    "updated_at = ? WHERE generation = ? AND position = ? AND clock = ? "
                    "AND state <> 'retired'",
                    (
                        position,
                        clock_text,
                        utc_text(known_at if known_at is not None else cut.known_at)
                        if known_at is not None or cut.position
                        else None,
                        stamp,
                        g,
                        cut.position,
                        cut.as_of_text,
                    ),
                )
                if done.rowcount != 1:
                    raise StaleStep()
            texts = self._write_updates(g, cut.rulepack, updates, stamp)
        self._stored_texts.update(texts)  # committed
        return (
            None
            if not advance
            else attrs.evolve(
                cut,
                position=position,
                as_of=_parse(clock_text),
                known_at=known_at if known_at is not None else cut.known_at,
            )
        )

    def _write_updates(
        self, g: int, rulepack: str, updates: Sequence[Update], stamp: str
    ) -> set[str]:
        """Every case of a step, a table at a time: one statement per table for the
        whole step (executemany), not several per case, as a build writes thousands of
        cases. Each case row is still compared and set: the row counts must add up.
        Returns the sha256 of the legal basis texts now stored (once committed)."""
        db = self.db
        texts = {
            sha: text for u in updates for sha, text in u.texts if sha not in self._stored_texts
        }
        db.executemany(
            "INSERT INTO findings_blobs (sha256, content) VALUES (?, ?) ON CONFLICT DO NOTHING",
            sorted(texts.items()),
        )
        fresh = [
            (g, u.case_id, u.position, u.clock, u.next_at, u.error)
            for u in updates
            if u.expected is None
        ]
        moved = [
            (u.position, u.clock, u.next_at, u.error, g, u.case_id, u.expected)
            for u in updates
            if u.expected is not None
        ]
        if fresh and db.executemany(
            "INSERT INTO findings_cases (generation, case_id, position, clock, "
            "next_at, error) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            fresh,
        ) != len(fresh):
            raise StaleStep()
        if moved and db.executemany(
            "UPDATE findings_cases SET position = ?, clock = ?, next_at = ?, error = ? "
            "WHERE generation = ? AND case_id = ? AND position = ?",
            moved,
        ) != len(moved):
            raise StaleStep()
        ids = [fid for u in updates for fid in u.withdrawn]
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            for table in ("findings_current", "findings_jurisdictions"):
                db.execute(
                    f"DELETE FROM {table} WHERE generation = ? AND finding_id IN ({marks})",
                    (g, *chunk),
                )
        upserts = [row for u in updates for row in u.upserts]
        db.executemany(
            "INSERT INTO findings_current (generation, finding_id, case_id, rank, category, "
            "code, rule, rulepack, severity, status, title, message, jurisdictions, assets, "
            "due, raised_at, resolved_at, resolved_by, because, legal_basis, deadline, "
            "superseded_by, changed_at, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
            "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (generation, finding_id) DO "
            "UPDATE SET rank = excluded.rank, status = excluded.status, title = "
            "excluded.title, message = excluded.message, jurisdictions = "
            "excluded.jurisdictions, assets = excluded.assets, due = excluded.due, "
            "raised_at = excluded.raised_at, resolved_at = excluded.resolved_at, "
            "resolved_by = excluded.resolved_by, because = excluded.because, legal_basis "
            "= excluded.legal_basis, deadline = excluded.deadline, superseded_by = "
            "excluded.superseded_by, severity = excluded.severity, changed_at = CASE WHEN "
            "findings_current.body = excluded.body THEN findings_current.changed_at ELSE "
            "excluded.changed_at END, body = excluded.body",
            [row.columns(g, stamp) for row in upserts],
        )
        db.executemany(
            "INSERT INTO findings_jurisdictions (generation, jurisdiction, finding_id) "
            "VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            [(g, j, row.finding_id) for row in upserts for j in row.data["jurisdictions"]],
        )
        # A case new to the generation has no deadline rows to replace.
        db.executemany(
            "DELETE FROM findings_deadlines WHERE generation = ? AND case_id = ?",
            [(g, u.case_id) for u in updates if u.deadlines is not None and u.expected is not None],
        )
        rows = []
        for u in updates:
            for rank, body in enumerate(u.deadlines or ()):
                d = orjson.loads(body)
                rows.append(
                    (
                        g,
                        u.case_id,
                        rank,
                        d["rule"],
                        d["code"],
                        d["ref"],
                        d["due"],
                        d["breach_at"],
                        breach_instant(d["breach_at"]),
                        body,
                    )
                )
        db.executemany(
            "INSERT INTO findings_deadlines (generation, case_id, rank, rule, code, ref, "
            "due, breach_at, breach_instant, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        db.executemany(
            "INSERT INTO findings_history (generation, rulepack, finding_id, case_id, "
            "change, cause, position, clock, recorded_at, body) VALUES (?, ?, ?, ?, ?, ?, "
            "?, ?, ?, ?)",
            [
                (g, rulepack, fid, u.case_id, change, cause, position, clock, stamp, body)
                for u in updates
                for fid, change, body, cause, position, clock in u.changes
            ],
        )
        return set(texts)

    # -- sharing a build between watchers ------------------------------------------------
    def _epoch(self) -> str:
        """The database's own clock, in seconds: leases compare against one clock."""
        if self.db.dialect == "postgres":
            return "extract(epoch from clock_timestamp())"
        return "((julianday('now') - 2440587.5) * 86400.0)"

    def build_target(
        self, cut: Cut, position: int, known_at: dt.datetime | None, clock: dt.datetime
    ) -> tuple[int, dt.datetime | None, dt.datetime]:
        """The cut every watcher building this generation builds to: the first one to
        ask sets it, the others read it."""
        with self.db.write():
            self.db.execute(
                "UPDATE findings_generations SET target = ?, target_known_at = ?, "
                "target_clock = ? WHERE generation = ? AND target IS NULL",
                (
                    position,
                    utc_text(known_at) if known_at is not None else None,
                    _instant_text(clock),
                    cut.generation,
                ),
            )
            self.db.executemany(
                "INSERT INTO findings_claims (generation, bucket, owner, expires_at, done) "
                "VALUES (?, ?, NULL, 0, 0) ON CONFLICT DO NOTHING",
                [(cut.generation, b) for b in range(BUCKETS)],
            )
            row = self.db.one(
                "SELECT target, target_known_at, target_clock FROM findings_generations "
                "WHERE generation = ?",
                (cut.generation,),
            )
        assert row is not None
        return int(row[0]), _parse(row[1]) if row[1] else None, _parse(row[2])

    def claim(self, generation: int, owner: str, ttl: float) -> int | None:
        """A bucket of cases nobody holds (or whose holder's lease ran out), leased to
        `owner` for `ttl` seconds; None if there is none to take now."""
        taken = self.claim_some(generation, owner, ttl, 1)
        return taken[0] if taken else None

    def claim_some(self, generation: int, owner: str, ttl: float, most: int) -> list[int]:
        """Up to `most` buckets nobody holds (or whose holder's lease ran out), leased
        to `owner` for `ttl` seconds, in one transaction; [] if none is free now."""
        lock = " FOR UPDATE SKIP LOCKED" if self.db.dialect == "postgres" else ""
        with self.db.write():
            rows = self.db.all(
                "SELECT bucket FROM findings_claims WHERE generation = ? AND done = 0 AND "
                f"(owner IS NULL OR expires_at < {self._epoch()}) ORDER BY bucket "
                f"LIMIT ?{lock}",
                (generation, max(1, most)),
            )
            self.db.executemany(
                f"UPDATE findings_claims SET owner = ?, expires_at = {self._epoch()} + ? "
                "WHERE generation = ? AND bucket = ?",
                [(owner, ttl, generation, r[0]) for r in rows],
            )
        return [int(r[0]) for r in rows]

    def hold(self, generation: int, bucket: int, owner: str, ttl: float, *, done: bool) -> None:
        """Inside a write: renew (or finish) the lease, or raise StaleStep if it was lost,
        so that a watcher whose lease ran out writes nothing more of that bucket."""
        done_flag = 1 if done else 0
        changed = self.db.execute(
            f"UPDATE findings_claims SET expires_at = {self._epoch()} + ?, done = ? "
            "WHERE generation = ? AND bucket = ? AND owner = ? AND done = 0",
            (ttl, done_flag, generation, bucket, owner),
        )
        if changed.rowcount != 1:
            raise StaleStep()

    def release(self, generation: int, owner: str) -> None:
        """Give up `owner`'s unfinished leases (after a write of them failed), so that
        any watcher can take those buckets at once rather than when the lease ends."""
        with self.db.write():
            self.db.execute(
                "UPDATE findings_claims SET owner = NULL, expires_at = 0 "
                "WHERE generation = ? AND owner = ? AND done = 0",
                (generation, owner),
            )

    # -- sharing live steps between watchers (PostgreSQL) -------------------------------
    def live_balance(self, generation: int, owner: str, ttl: float) -> set[int]:
        """Say `owner` is alive, renew its leases on buckets of live cases, and take or
        give up buckets so that each live watcher holds about as many; the buckets it
        holds now. Free buckets and lapsed leases are taken `FOR UPDATE SKIP LOCKED`."""
        lock = " FOR UPDATE SKIP LOCKED" if self.db.dialect == "postgres" else ""
        now = self._epoch()
        db = self.db
        with db.write():
            db.execute(
                "INSERT INTO findings_watchers (owner, expires_at) VALUES (?, "
                f"{now} + ?) ON CONFLICT (owner) DO UPDATE SET expires_at = "
                "excluded.expires_at",
                (owner, ttl),
            )
            db.execute(f"DELETE FROM findings_watchers WHERE expires_at < {now}")
            db.executemany(
                "INSERT INTO findings_live (generation, bucket, owner, expires_at) "
                "VALUES (?, ?, NULL, 0) ON CONFLICT DO NOTHING",
                [(generation, b) for b in range(BUCKETS)],
            )
            db.execute(
                f"UPDATE findings_live SET expires_at = {now} + ? "
                "WHERE generation = ? AND owner = ?",
                (ttl, generation, owner),
            )
            alive = db.one("SELECT COUNT(*) FROM findings_watchers")
            share = -(-BUCKETS // max(1, int(alive[0]) if alive else 1))
            mine = [
                int(r[0])
                for r in db.all(
                    "SELECT bucket FROM findings_live WHERE generation = ? AND owner = ? "
                    "ORDER BY bucket",
                    (generation, owner),
                )
            ]
            if len(mine) > share:
                extra = mine[share:]
                db.executemany(
                    "UPDATE findings_live SET owner = NULL, expires_at = 0 "
                    "WHERE generation = ? AND bucket = ? AND owner = ?",
                    [(generation, b, owner) for b in extra],
                )
                mine = mine[:share]
            elif len(mine) < share:
                free = db.all(
                    "SELECT bucket FROM findings_live WHERE generation = ? AND "
                    f"(owner IS NULL OR expires_at < {now}) ORDER BY bucket LIMIT ?{lock}",
                    (generation, share - len(mine)),
                )
                db.executemany(
                    f"UPDATE findings_live SET owner = ?, expires_at = {now} + ? "
                    "WHERE generation = ? AND bucket = ?",
                    [(owner, ttl, generation, r[0]) for r in free],
                )
                mine += [int(r[0]) for r in free]
        return set(mine)

    def live_holders(self, generation: int) -> dict[int, str]:
        """Who holds each bucket of live cases under a lease not yet run out."""
        rows = self.db.all(
            "SELECT bucket, owner FROM findings_live WHERE generation = ? AND owner IS NOT "
            f"NULL AND expires_at >= {self._epoch()}",
            (generation,),
        )
        return {int(r[0]): r[1] for r in rows}

    def take_live(self, generation: int, bucket: int, owner: str, ttl: float) -> bool:
        """Lease one bucket whose holder's lease ran out (or nobody's)."""
        with self.db.write():
            done = self.db.execute(
                f"UPDATE findings_live SET owner = ?, expires_at = {self._epoch()} + ? "
                "WHERE generation = ? AND bucket = ? AND (owner IS NULL OR owner = ? OR "
                f"expires_at < {self._epoch()})",
                (owner, ttl, generation, bucket, owner),
            )
        return bool(done.rowcount == 1)

    def leave(self, owner: str) -> None:
        """A watcher stopping: give up its live buckets at once."""
        with self.db.write():
            self.db.execute(
                "UPDATE findings_live SET owner = NULL, expires_at = 0 WHERE owner = ?", (owner,)
            )
            self.db.execute("DELETE FROM findings_watchers WHERE owner = ?", (owner,))

    def propose(
        self,
        cut: Cut,
        step: str,
        to_position: int,
        clock: dt.datetime,
        known_at: dt.datetime | None,
        buckets: Iterable[int],
    ) -> None:
        """Publish the step `step` from `cut` and the buckets whose parts other watchers
        are to compute; it replaces any step left by a leader that died."""
        g = cut.generation
        with self.db.write():
            self.db.execute("DELETE FROM findings_steps WHERE generation = ?", (g,))
            self.db.execute("DELETE FROM findings_parts WHERE generation = ?", (g,))
            self.db.execute(
                "INSERT INTO findings_steps (generation, step, from_position, to_position, "
                "clock, known_at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    g,
                    step,
                    cut.position,
                    to_position,
                    _instant_text(clock),
                    utc_text(known_at) if known_at is not None else None,
                ),
            )
            self.db.executemany(
                "INSERT INTO findings_parts (generation, step, bucket) VALUES (?, ?, ?)",
                [(g, step, b) for b in sorted(set(buckets))],
            )

    def proposed(self, generation: int) -> Proposal | None:
        """The step in flight, and the buckets whose part is still missing."""
        with self.db.read():
            row = self.db.one(
                "SELECT step, from_position, to_position, clock, known_at FROM findings_steps "
                "WHERE generation = ?",
                (generation,),
            )
            if row is None:
                return None
            missing = self.db.all(
                "SELECT bucket FROM findings_parts WHERE generation = ? AND step = ? AND "
                "payload IS NULL ORDER BY bucket",
                (generation, row[0]),
            )
        return Proposal(
            step=row[0],
            from_position=int(row[1]),
            to_position=int(row[2]),
            clock=_parse(row[3]),
            known_at=_parse(row[4]) if row[4] else None,
            missing=tuple(int(r[0]) for r in missing),
        )

    def put_part(self, generation: int, step: str, bucket: int, payload: str, owner: str) -> bool:
        """Store a bucket's part of the step in flight, if `owner` still holds the bucket
        and the part is still wanted (one watcher's part, never two)."""
        with self.db.write():
            held = self.db.one(
                "SELECT 1 FROM findings_live WHERE generation = ? AND bucket = ? AND "
                f"owner = ? AND expires_at >= {self._epoch()}",
                (generation, bucket, owner),
            )
            if held is None:
                return False
            done = self.db.execute(
                "UPDATE findings_parts SET payload = ?, owner = ? WHERE generation = ? AND "
                "step = ? AND bucket = ? AND payload IS NULL",
                (payload, owner, generation, step, bucket),
            )
        return bool(done.rowcount == 1)

    def parts(self, generation: int, step: str) -> dict[int, str]:
        """The parts of the step in flight computed so far (bucket -> payload)."""
        rows = self.db.all(
            "SELECT bucket, payload FROM findings_parts WHERE generation = ? AND step = ? "
            "AND payload IS NOT NULL",
            (generation, step),
        )
        return {int(r[0]): r[1] for r in rows}

    def lead(self) -> bool:
        """Whether this connection follows the log for the store (one follower at a time).

        On PostgreSQL a session advisory lock, held until the connection ends: when the
        process that holds it dies, the server drops its connection and the lock with
        it, and a watcher standing by takes over. SQLite: always (its followers are on
        one machine, and the compare-and-set of every step keeps them exact anyway).
        """
        if self.db.dialect != "postgres":
            return True
        row = self.db.one(
            "SELECT pg_try_advisory_lock(?, hashtext('findings-follow:' || current_schema()))",
            (LOCK_CLASS,),
        )
        return bool(row and row[0])

    def buckets_left(self, generation: int) -> int:
        row = self.db.one(
            "SELECT COUNT(*) FROM findings_claims WHERE generation = ? AND done = 0", (generation,)
        )
        return int(row[0]) if row else 0

    def switch(self, cut: Cut, now: dt.datetime) -> Cut:
        """Make a caught-up generation the current one, in one transaction."""
        with self.db.write():
            row = self.db.one(
                "SELECT position, state FROM findings_generations WHERE generation = ?",
                (cut.generation,),
            )
            if row is None or int(row[0]) != cut.position or row[1] == "retired":
                raise StaleStep()
            self.db.execute(
                "UPDATE findings_generations SET state = 'retired', updated_at = ? "
                "WHERE state = 'current' AND generation <> ?",
                (utc_text(now), cut.generation),
            )
            self.db.execute(
                "UPDATE findings_generations SET state = 'current', updated_at = ? "
                "WHERE generation = ?",
                (utc_text(now), cut.generation),
            )
        self.drop_retired()
        return attrs.evolve(cut, state="current")

    def drop_retired(self) -> None:
        """Remove the rows of retired generations; their history stays."""
        retired = [
            int(r[0])
            for r in self.db.all(
                "SELECT generation FROM findings_generations WHERE state = 'retired'"
            )
        ]
        for g in retired:
            with self.db.write():
                for table in _PER_GENERATION:
                    self.db.execute(f"DELETE FROM {table} WHERE generation = ?", (g,))


def open_findings(url: str, *, create: bool = False) -> FindingsStore:
    """The findings store of the store `url` names (a path, `sqlite:///`, `postgresql://`)."""
    if "://" not in url and parse_store_url(url).kind == "sqlite":
        url = f"sqlite:///{url}"
    return FindingsStore(url, create=create)
