"""What the log stores: a record as the writer's event plus the log's envelope, the row
that holds it, and the hash chain that links each record to the one before.

Every backend stores these same rows (`RAW_COLUMNS`), so that the same batch gives
the same bytes and the same head hash in every backend.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from typing import Any

import attrs
import orjson

from comity.errors import (
    ChainBroken,
    EventFormatError,
    InvalidArgument,
)
from comity.events.canonical import canonical_json
from comity.events.codec import decode_event, encode_event, parse_utc_datetime
from comity.events.time import format_instant
from comity.events.types import Event

__all__ = [
    "ENVELOPE_FIELDS",
    "GENESIS_HASH",
    "RAW_COLUMNS",
    "AppendResult",
    "Head",
    "RawRecord",
    "StoredEvent",
    "Tip",
    "chain",
    "check_range",
    "content_of",
    "decode_stored",
    "format_recorded_at",
    "record_of_row",
]

#: The `prev_hash` of the record at position 1.
GENESIS_HASH = "0" * 64

#: Fields the log sets; a writer may not send them in an event.
ENVELOPE_FIELDS = ("recorded_at", "seq", "position")


def format_recorded_at(value: dt.datetime) -> str:
    """Fixed width, microseconds always shown, so that text order is time order.

    A naive datetime is refused rather than read as the host's local time, which would
    shift record times (and `known_at` cut-offs) by the machine's time zone.
    """
    if not isinstance(value, dt.datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise InvalidArgument(f"{value!r} is not a datetime with a time zone; record times are UTC")
    return format_instant(value, timespec="microseconds")


def check_range(after: Any, until: Any, *, call: str = "read") -> None:
    """A read's positions: `after` a whole number, `until` one or None (InvalidArgument)."""
    for name, value in (("after", after), ("until", until)):
        if value is None and name == "until":
            continue
        if not isinstance(value, int) or isinstance(value, bool):
            raise InvalidArgument(
                f"{call}: {name} must be a log position (int), got {type(value).__name__}"
            )


def chain(prev_hash: str, body: str) -> str:
    """The hash of a record: sha256 of the previous record's hash and the body."""
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


@attrs.frozen(kw_only=True)
class StoredEvent:
    """An event as the log holds it: the writer's event plus the log's envelope."""

    event: Event
    recorded_at: dt.datetime
    seq: int
    position: int
    hash: str

    @property
    def event_id(self) -> str:
        return self.event.event_id

    @property
    def case_id(self) -> str:
        return self.event.case_id

    def to_record(self) -> dict[str, Any]:
        """The JSON object that is hashed (and printed by `comity log --format jsonl`)."""
        record = encode_event(self.event)
        record["recorded_at"] = format_recorded_at(self.recorded_at)
        record["seq"] = self.seq
        record["position"] = self.position
        return record

    def to_json(self, *, with_hash: bool = True) -> dict[str, Any]:
        record = self.to_record()
        if with_hash:
            record["hash"] = self.hash
        return record


@attrs.frozen(kw_only=True)
class RawRecord:
    """A row exactly as stored: what `verify` checks, before any decoding."""

    position: int
    case_id: str
    seq: int
    event_id: str
    recorded_at: str
    body: str
    hash: str

    def decode(self) -> StoredEvent:
        data = orjson.loads(self.body)  # our own canonical JSON: orjson reads it faster
        recorded_at = parse_utc_datetime(data.pop("recorded_at"))
        seq = data.pop("seq")
        position = data.pop("position")
        return StoredEvent(
            event=decode_event(data, source="<store>", line=position, stored=True),
            recorded_at=recorded_at,
            seq=seq,
            position=position,
            hash=self.hash,
        )


def record_of_row(row: Sequence[Any]) -> RawRecord:
    """A SQL row in the column order every backend stores (`RAW_COLUMNS`)."""
    position, case_id, seq, event_id, recorded_at, body, hash_ = row
    return RawRecord(
        position=position,
        case_id=case_id,
        seq=seq,
        event_id=event_id,
        recorded_at=recorded_at,
        body=body,
        hash=hash_,
    )


def decode_stored(raw: RawRecord) -> StoredEvent:
    """A stored row as an event; a row that does not decode was altered outside comity."""
    try:
        return raw.decode()
    except (EventFormatError, KeyError, TypeError, ValueError) as exc:
        raise ChainBroken(
            raw.position, f"the stored record does not decode ({exc}); run `comity verify`"
        ) from None


#: The column order of `record_of_row`.
RAW_COLUMNS = "position, case_id, seq, event_id, recorded_at, body, hash"


@attrs.frozen
class Head:
    """The last stored position and its hash (GENESIS_HASH and 0 for an empty log)."""

    position: int
    hash: str


@attrs.frozen(kw_only=True)
class Tip:
    """What a backend must tell `plan_append` about the log, read inside its lock."""

    position: int
    hash: str
    recorded_at: dt.datetime | None


@attrs.frozen(kw_only=True)
class AppendResult:
    """What an append did: the records it stored and the event ids it found already stored."""

    stored: tuple[StoredEvent, ...]
    already_stored: tuple[str, ...]


def content_of(body: str) -> str:
    """The canonical content of a stored body without the log's envelope."""
    data = orjson.loads(body)
    for name in ENVELOPE_FIELDS:
        data.pop(name, None)
    return canonical_json(data)
