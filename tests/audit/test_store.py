"""The audit tables: one contract on every backend, append-only, chained, migrated once."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from comity import open_log
from comity.audit.store import AuditStore, open_audit_store
from comity.errors import ChainBroken, StoreUnavailable
from pgtest import PgDatabase, pg_database  # noqa: F401


def _store(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if kind == "sqlite":
        url = str(tmp_path / "comity.db")
    elif kind == "postgres":
        database: PgDatabase = request.getfixturevalue("pg_database")
        url = database.new_url()
    else:
        return "memory:"
    open_log(url, create=True).close()
    return url


@pytest.fixture(params=["sqlite", "postgres", "memory"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return _store(request.param, request, tmp_path)


@pytest.fixture(params=["sqlite", "postgres"])
def sql_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return _store(request.param, request, tmp_path)


@pytest.fixture
def audit(url: str) -> Iterator[AuditStore]:
    store = open_audit_store(url)
    yield store
    store.close()


def _record(n: int, actor: str = "ana", kind: str = "replay") -> dict[str, Any]:
    return {
        "record_id": f"rec-{n}",
        "recorded_at": f"2026-12-0{n}T10:00:00.000000Z",
        "kind": kind,
        "actor": actor,
        "output": {"sha256": "0" * 64},
    }


def test_disclosures_chain_and_filter(audit: AuditStore) -> None:
    first = audit.record(_record(1), cases=["PA-1"])
    second = audit.record(_record(2, actor="ben"), cases=["PA-1", "CH-2", "PA-1"])
    audit.record(_record(3, kind="explain"), cases=["CH-2"])
    assert (first.position, second.position) == (1, 2)
    assert first.hash != second.hash
    assert audit.verify_disclosures() == (3, audit.disclosures()[-1].hash)
    assert [d.record_id for d in audit.disclosures(case_id="PA-1")] == ["rec-1", "rec-2"]
    assert [d.record_id for d in audit.disclosures(actor="ana")] == ["rec-1", "rec-3"]
    assert [d.record_id for d in audit.disclosures(since="2026-12-02")] == ["rec-2", "rec-3"]
    assert audit.disclosures(record_id="rec-3")[0].data()["kind"] == "explain"
    assert len(list(audit.disclosure_hashes())) == 3


def test_checkpoints_kept_in_order(audit: AuditStore) -> None:
    for size in (3, 5):
        audit.add_checkpoint(origin="o/events", size=size, root="r", note="n", recorded_at="t")
    audit.add_checkpoint(origin="o/disclosures", size=1, root="r", note="n", recorded_at="t")
    assert [c.size for c in audit.checkpoints("o/events")] == [3, 5]
    latest = audit.latest_checkpoint("o/events")
    assert latest is not None and latest.size == 5
    assert audit.latest_checkpoint("other") is None
    assert len(audit.checkpoints()) == 3


def test_tables_are_append_only(sql_url: str) -> None:
    url = sql_url
    audit = open_audit_store(url)
    audit.record(_record(1))
    for sql in ("UPDATE audit_disclosures SET actor = 'x'", "DELETE FROM audit_disclosures"):
        if url.startswith("postgresql://"):
            with psycopg.connect(url, autocommit=True) as conn, pytest.raises(psycopg.Error):
                conn.execute(sql)
        else:
            db = sqlite3.connect(url)
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                db.execute(sql)
            db.close()
    assert audit.verify_disclosures()[0] == 1
    audit.close()


def test_an_altered_disclosure_is_named(tmp_path: Path) -> None:
    url = str(tmp_path / "c.db")
    open_log(url, create=True).close()
    audit = open_audit_store(url)
    for n in (1, 2, 3):
        audit.record(_record(n))
    audit.close()
    db = sqlite3.connect(url)
    db.execute("DROP TRIGGER audit_disclosures_no_update")
    db.execute("UPDATE audit_disclosures SET body = replace(body, 'ana', 'eve') WHERE position = 2")
    db.commit()
    db.close()
    audit = open_audit_store(url)
    with pytest.raises(ChainBroken, match="position 2"):
        audit.verify_disclosures()


def test_reopening_migrates_once_and_needs_a_store(tmp_path: Path) -> None:
    url = str(tmp_path / "c.db")
    open_log(url, create=True).close()
    for _ in range(3):
        open_audit_store(url).close()
    db = sqlite3.connect(url)
    assert db.execute("SELECT name, version FROM comity_layers").fetchall() == [("audit", 2)]
    db.close()
    with pytest.raises(StoreUnavailable, match="cannot open"):
        open_audit_store(str(tmp_path / "missing.db"))
