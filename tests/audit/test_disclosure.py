"""The disclosure API every front end calls: one chained record per output shown."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from comity import open_log
from comity.audit import (
    AuditStore,
    basis_of,
    disclosure_inputs,
    open_audit_store,
    record_disclosure,
)
from comity.errors import InvalidInput, NotRecorded
from pgtest import PgDatabase, pg_database  # noqa: F401

NOW = dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(params=["sqlite", "postgres"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        url = str(tmp_path / "comity.db")
    else:
        database: PgDatabase = request.getfixturevalue("pg_database")
        url = database.new_url()
    open_log(url, create=True).close()
    return url


@pytest.fixture
def audit(url: str) -> Iterator[AuditStore]:
    store = open_audit_store(url)
    yield store
    store.close()


def test_a_disclosure_is_recorded_with_the_digest_of_its_bytes(url: str, audit: AuditStore) -> None:
    log = open_log(url)
    basis = basis_of(log, audit, rulepack="ab" * 32, as_of=dt.date(2026, 1, 1), known_at=NOW)
    log.close()
    output = "é report\n".encode()
    inputs = disclosure_inputs(basis, cases=["PA-1"], request={"command": "replay"})
    record_id = record_disclosure(
        audit,
        kind="replay",
        actor="ana",
        output=output,
        media_type="text/plain",
        inputs=inputs,
        finding_ids=["f2", "f1", "f2"],
        cases=["PA-1", "CH-2"],
        purpose="MLA request 12",
        recipients=["fiscalia.pa", "bj.ch"],
        now=NOW,
    )
    (stored,) = audit.disclosures(record_id=record_id)
    data = stored.data()
    assert data["output"] == {
        "media_type": "text/plain",
        "sha256": hashlib.sha256(output).hexdigest(),
        "bytes": len(output),
    }
    assert data["finding_ids"] == ["f2", "f1"]
    assert data["cases"] == ["CH-2", "PA-1"]
    assert (data["actor"], data["purpose"], data["recipients"]) == (
        "ana",
        "MLA request 12",
        ["fiscalia.pa", "bj.ch"],
    )
    assert data["recorded_at"] == "2026-12-03T10:00:00.000000Z"
    assert data["inputs"]["as_of"] == "2026-01-01"
    assert data["inputs"]["rulepack"] == "ab" * 32
    assert data["inputs"]["log"] == {"size": 0, "position": 0, "hash": "0" * 64}
    assert [d.record_id for d in audit.disclosures(case_id="CH-2")] == [record_id]
    assert audit.verify_disclosures()[0] == 1


def test_a_kind_or_actor_that_names_nothing_is_refused(audit: AuditStore) -> None:
    for kind, actor in (("gossip", "ana"), ("replay", "  ")):
        with pytest.raises(InvalidInput):
            record_disclosure(
                audit, kind=kind, actor=actor, output=b"", media_type="text/plain", inputs={}
            )
    assert audit.disclosures() == []


def test_a_read_only_store_is_not_recorded(pg_database: PgDatabase) -> None:  # noqa: F811
    schema = pg_database.new_schema()
    url = pg_database.schema_url(schema)
    open_log(url, create=True).close()
    open_audit_store(url).close()  # the tables exist; only the write is refused
    # As on a hot standby: every transaction of the session is read-only (libpq reads
    # %20 in a URL as a space, not +).
    read_only = url + "%20-cdefault_transaction_read_only%3Don"
    audit = open_audit_store(read_only)
    try:
        with pytest.raises(NotRecorded, match="nothing was shown"):
            record_disclosure(
                audit, kind="replay", actor="ana", output=b"x", media_type="text/plain", inputs={}
            )
    finally:
        audit.close()
    audit = open_audit_store(url)
    assert audit.disclosures() == []
    audit.close()
