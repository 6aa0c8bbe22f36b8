"""What an output stands on: the log head it covered, the law, the versions, the cut.

An auditor reading a replay months later must be able to say which records it saw,
under which rule pack and engine, and whether a signed checkpoint covers those
records. Every output (replay, explain, deadlines, findings, reports) carries this
basis: in its JSON document, or as header lines of a table (stderr for JSON Lines,
whose every line is a finding).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import closing
from functools import cache
from importlib import metadata
from typing import TYPE_CHECKING, Any

import attrs

from comity.events import EventLog, format_time
from comity.events.store.records import GENESIS_HASH, RawRecord, format_recorded_at

if TYPE_CHECKING:
    from comity.audit.store import AuditStore

__all__ = ["Basis", "LogHead", "basis_of", "covered_head", "latest_checkpoint", "versions"]


@attrs.frozen(kw_only=True)
class LogHead:
    """The last record an output covered: size = position, positions being gapless."""

    position: int
    hash: str

    @property
    def size(self) -> int:
        return self.position

    def to_json(self) -> dict[str, Any]:
        return {"size": self.size, "position": self.position, "hash": self.hash}


def _first(records: Iterator[RawRecord]) -> RawRecord | None:
    with closing(records):  # type: ignore[type-var]
        return next(records, None)


def covered_head(log: EventLog, known_at: dt.datetime | None = None) -> LogHead:
    """The head of the records recorded by `known_at` (all of them if None).

    Record times never decrease along positions (the log refuses it), so the records
    known at an instant are a prefix: a binary search over positions finds its end
    in a few indexed reads, whatever the log's size.
    """
    head = log.head()
    if head.position == 0 or known_at is None:
        return LogHead(position=head.position, hash=head.hash)
    limit = format_recorded_at(known_at)
    last = _first(log.raw_records(after=head.position - 1))
    if last is not None and last.recorded_at <= limit:
        return LogHead(position=last.position, hash=last.hash)
    lo, hi = 0, head.position  # invariant: record lo is known (0: none), record hi is not
    found: RawRecord | None = None
    while hi - lo > 1:
        mid = (lo + hi) // 2
        record = _first(log.raw_records(after=mid - 1))
        if record is not None and record.recorded_at <= limit:
            lo, found = mid, record
        else:
            hi = mid
    if found is None:
        return LogHead(position=0, hash=GENESIS_HASH)
    return LogHead(position=found.position, hash=found.hash)


def versions() -> dict[str, str]:
    """The versions that decide an output: comity's and the engine's."""
    return dict(_versions())


@cache
def _versions() -> dict[str, str]:
    # Read once a process: the installed versions do not change under a running
    # command, and importlib.metadata scans the path on every call.
    out = {}
    for name in ("comity", "durable-rules"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "unknown"
    return out


@attrs.frozen(kw_only=True)
class Basis:
    """Everything an output stands on, besides the cut it was asked for."""

    head: LogHead
    checkpoint: dict[str, Any] | None  # the latest signed checkpoint: origin, size, root
    rulepack: str | None
    versions: dict[str, str]
    as_of: str | None = None
    known_at: str | None = None

    def to_json(self) -> dict[str, Any]:
        cp = self.checkpoint
        return {
            "as_of": self.as_of,
            "known_at": self.known_at,
            "log": self.head.to_json(),
            # in this order whatever order it came in: a basis read back from a
            # disclosure record (canonical JSON, keys sorted) gives the same bytes
            "checkpoint": None
            if cp is None
            else {"origin": cp["origin"], "size": cp["size"], "root": cp["root"]},
            "rulepack": self.rulepack,
            "versions": dict(self.versions),
        }

    def header_lines(self) -> list[str]:
        """The basis as a few readable lines, for the top of a table or on stderr."""
        lines = []
        if self.as_of is not None or self.known_at is not None:
            lines.append(f"cut: as of {self.as_of}, known at {self.known_at}")
        lines.append(f"log: {self.head.size} records, head {self.head.hash}")
        if self.checkpoint is None:
            lines.append("checkpoint: none signed yet")
        else:
            cp = self.checkpoint
            covers = "covers this head" if cp["size"] <= self.head.size else "beyond this cut"
            lines.append(
                f"checkpoint: {cp['origin']} at size {cp['size']}, root {cp['root']} ({covers})"
            )
        if self.rulepack is not None:
            lines.append(f"rule pack: {self.rulepack}")
        lines.append(
            "versions: " + ", ".join(f"{name} {v}" for name, v in sorted(self.versions.items()))
        )
        return lines


def latest_checkpoint(audit: AuditStore | None) -> dict[str, Any] | None:
    """The latest checkpoint of the event log stored in `audit` (origin, size, root)."""
    if audit is None:
        return None
    last = audit.latest_of_log("events")
    if last is None:
        return None
    return {"origin": last.origin, "size": last.size, "root": last.root}


def basis_of(
    log: EventLog,
    audit: AuditStore | None,
    *,
    rulepack: str | None,
    as_of: dt.date | dt.datetime | None = None,
    known_at: dt.datetime | None = None,
) -> Basis:
    """The basis of an output of `log` at the cut (as_of, known_at), with the latest
    checkpoint of the event log that `audit` holds (None: no audit tables read)."""
    return Basis(
        head=covered_head(log, known_at),
        checkpoint=latest_checkpoint(audit),
        rulepack=rulepack,
        versions=versions(),
        as_of=None if as_of is None else format_time(as_of),
        known_at=None if known_at is None else format_time(known_at),
    )
