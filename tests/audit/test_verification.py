"""Verification from the last verified checkpoint (`verify_store(incremental=True)`).

What it must still catch: anything done to the records after the checkpoint, a log cut
below it, a rewrite that changes the checkpointed record's hash, a forged record of a
verification. What it does not read again (documented): the stored bytes of the
records before the checkpoint, which a full verification still checks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import hypothesis.strategies as st
import psycopg
import pytest
from hypothesis import given

from attacks import ATTACKS, Tables
from comity import open_log, parse_jsonl
from comity.audit import generate_signer
from comity.audit.merkle import CompactRange, MerkleTree
from comity.audit.signing import sign_head
from comity.audit.store import MIGRATIONS, open_audit_store
from comity.audit.verification import Verification, verify_store
from comity.errors import ChainBroken, VerificationFailed
from comity.events import Event
from comity.events._tables import open_side_tables
from comity.events.log import Head
from pgtest import PgDatabase, pg_database  # noqa: F401

EXAMPLES = sorted((Path(__file__).parents[2] / "examples").glob("*.jsonl"))
NOW = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)


def _events(suffix: str = "") -> list[Event]:
    out: list[Event] = []
    for path in EXAMPLES:
        with path.open("rb") as f:
            out += [
                attrs.evolve(e, event_id=f"{e.event_id}{suffix}", case_id=f"{e.case_id}{suffix}")
                for e in parse_jsonl(f, source=path.name)
            ]
    return out


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        url = str(tmp_path / "comity.db")
    else:
        database: PgDatabase = request.getfixturevalue("pg_database")
        url = database.new_url()
    log = open_log(url, create=True)
    log.append(_events())
    log.close()
    yield url


def _sign(url: str, name: str = "comity.test") -> None:
    log, audit = open_log(url, create=False), open_audit_store(url)
    try:
        sign_head(log, audit, generate_signer(name), now=NOW)
    finally:
        log.close()
        audit.close()


def _verify(url: str, *, incremental: bool = True) -> Verification:
    log, audit = open_log(url, create=False), open_audit_store(url)
    try:
        return verify_store(log, audit, now=NOW, incremental=incremental)
    finally:
        log.close()
        audit.close()


def _append(url: str, suffix: str) -> None:
    log = open_log(url, create=False)
    log.append(_events(suffix))
    log.close()


def test_starts_after_the_checkpoint_and_moves_to_the_next(store: str) -> None:
    _sign(store)
    first = _verify(store)  # no verification yet: a full one, which records one
    assert first.since is None and first.recorded is not None
    size = first.recorded.size
    assert size == first.report.records
    _append(store, "-b")
    second = _verify(store)
    assert second.since is not None and second.since.size == size
    log = open_log(store, create=False)
    assert second.report.head == log.head() == log.verify().head
    log.close()
    assert all(v.problem is None for v in second.verdicts)
    assert second.recorded is None  # no checkpoint beyond the first yet
    _sign(store)
    third = _verify(store)
    assert third.since is not None and third.since.size == size
    assert [v.problem for v in third.verdicts] == [None, None]
    assert third.recorded is not None and third.recorded.size == third.report.records
    assert third.recorded.size == 2 * size
    fourth = _verify(store)
    assert fourth.since is not None and fourth.since.size == 2 * size
    assert [v.since for v in fourth.verdicts] == [third.recorded.recorded_at, None]


def test_what_is_not_read_again_is_found_by_a_full_verification(store: str) -> None:
    _sign(store)
    _verify(store, incremental=False)
    _append(store, "-b")
    ATTACKS["one byte of one body"](Tables(store))  # position 11, before the checkpoint
    assert _verify(store).since is not None  # documented: not read again
    with pytest.raises(ChainBroken, match="position 11"):
        _verify(store, incremental=False)


@pytest.mark.parametrize(
    "attack",
    [
        "the last N deleted",
        "the last record deleted",
        "a whole case deleted, chain rewritten",
        "the chain rewritten from an edited record",
        "the log regenerated from an edited export",
    ],
)
def test_every_change_after_or_through_the_checkpoint_is_caught(store: str, attack: str) -> None:
    _sign(store)
    _verify(store, incremental=False)
    ATTACKS[attack](Tables(store))
    with pytest.raises((ChainBroken, VerificationFailed)):
        found = _verify(store)
        if any(v.problem for v in found.verdicts):
            raise VerificationFailed("a stored checkpoint does not hold")


def test_a_newer_record_edited_is_caught(store: str) -> None:
    _sign(store)
    size = _verify(store, incremental=False).report.records
    _append(store, "-b")
    tables = Tables(store)
    row = tables.rows()[size + 3]
    tables.execute(
        "UPDATE events SET body = ? WHERE position = ?",
        row[5].replace('"case_id"', '"case_iD"', 1),
        row[0],
    )
    with pytest.raises(ChainBroken, match=f"position {size + 4}"):
        _verify(store)


def _insert_verification(url: str, **changes: Any) -> None:
    """A record of a verification written into the table directly (as a forger would)."""
    audit = open_audit_store(url)
    mark = audit.latest_verification()
    assert mark is not None
    forged = attrs.evolve(mark, **changes)
    audit.close()
    sql = (
        "INSERT INTO audit_verified (id, checkpoint_id, size, hash, frontier, root, "
        "recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
    )
    values = (
        mark.id + 1,
        forged.checkpoint_id,
        forged.size,
        forged.hash,
        forged.frontier,
        forged.root,
        forged.recorded_at,
    )
    if url.startswith("postgresql://"):
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(sql.replace("?", "%s"), values)
    else:
        db = sqlite3.connect(url)
        db.execute(sql, values)
        db.commit()
        db.close()


@pytest.mark.parametrize("field", ["hash", "frontier", "size", "checkpoint_id"])
def test_a_forged_record_of_a_verification_is_refused(store: str, field: str) -> None:
    _sign(store)
    mark = _verify(store, incremental=False).recorded
    assert mark is not None
    other = hashlib.sha256(b"forged").hexdigest()
    forgeries: dict[str, dict[str, Any]] = {
        "hash": {"hash": other},
        "frontier": {"frontier": ",".join([other] * len(mark.frontier.split(",")))},
        "size": {"size": mark.size - 1},
        "checkpoint_id": {"checkpoint_id": 99},
    }
    _insert_verification(store, **forgeries[field])
    with pytest.raises(VerificationFailed, match="the audit tables were altered"):
        _verify(store)
    assert _verify(store, incremental=False).since is None  # a full one still runs


def test_the_record_and_its_checkpoint_must_agree_when_the_log_was_rewritten(
    store: str,
) -> None:
    """A forger who rewrites the log and records a verification of the new head, with
    the compact range of the new hashes, still cannot make it give the signed root."""
    _sign(store)
    _verify(store, incremental=False)
    ATTACKS["the chain rewritten from an edited record"](Tables(store))
    rows = Tables(store).rows()
    rng = CompactRange()
    for row in rows[:-1]:
        rng.append(bytes.fromhex(row[6]))
    _insert_verification(store, hash=rows[-1][6], frontier=",".join(n.hex() for n in rng.nodes))
    with pytest.raises(VerificationFailed, match="checkpoint 1's root"):
        _verify(store)


def test_version_1_audit_tables_are_migrated(store: str) -> None:
    tables = open_side_tables(store, "test store", "audit", MIGRATIONS[:1])
    tables.close()
    _sign(store)
    found = _verify(store, incremental=False)
    assert found.recorded is not None and found.recorded.checkpoint_id == 1


@given(st.lists(st.binary(min_size=32, max_size=32), max_size=70))
def test_a_compact_range_gives_the_tree_root_at_every_size(leaves: list[bytes]) -> None:
    tree = MerkleTree(leaves)
    rng = CompactRange()
    assert rng.root() == tree.root(0)
    for n, leaf in enumerate(leaves, 1):
        rng.append(leaf)
        again = CompactRange(rng.size, rng.nodes)
        assert rng.root() == again.root() == tree.root(n)


def test_a_compact_range_must_have_one_node_per_bit() -> None:
    from comity.errors import ProofError

    with pytest.raises(ProofError):
        CompactRange(3, [os.urandom(32)])


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_verify_after_a_head_equals_a_full_verify(kind: str, tmp_path: Path) -> None:
    url = "memory:" if kind == "memory" else str(tmp_path / "c.db")
    log = open_log(url, create=True)
    log.append(_events())
    full = log.verify()
    for k in (1, 7, full.records - 1, full.records):
        head = Head(k, next(iter(log.raw_records(after=k - 1))).hash)
        assert log.verify(after=head).head == full.head
    with pytest.raises(ChainBroken, match="position 5"):
        log.verify(after=Head(5, "0" * 64))
    with pytest.raises(ChainBroken, match="removed"):
        log.verify(after=Head(full.records + 1, "0" * 64))
    log.close()
