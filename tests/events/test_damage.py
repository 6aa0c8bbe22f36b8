"""A damaged store file: `verify` must fail, and no read may pass a loss off as the log.

The hash chain proves the records a scan reads; it cannot prove that the scan read them
all. An SQLite file with a page overwritten can end a table scan early, silently: so
`verify` checks that it reached the head, counts the records in every index, and runs
SQLite's own quick_check; reads of the whole log check that they skip no position.
"""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

import strategies
from comity.cli import cli
from comity.errors import ChainBroken, StoreDamaged, StoreError
from comity.events import open_log
from comity.events.log import verify_rows

RECORDS = 5000


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 5,000-record SQLite store with everything in the main file (no WAL)."""
    path = tmp_path_factory.mktemp("damage") / "pristine.db"
    events = strategies.random_case_log(random.Random(7), cases=400, max_size=25)
    assert len(events) >= RECORDS
    log = open_log(str(path), create=True)
    try:
        log.append(events[:RECORDS])
    finally:
        log.close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    return path


def sqlite_verdict(path: Path) -> tuple[bool, int | None]:
    """(SQLite's integrity_check passes, rows a plain table scan returns or None)."""
    try:
        conn = sqlite3.connect(path)
        try:
            sound = conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            rows = conn.execute("SELECT count(*) FROM events NOT INDEXED").fetchone()[0]
            return sound, int(rows)
        finally:
            conn.close()
    except sqlite3.Error:
        return False, None


@pytest.mark.parametrize("trial", range(8))
def test_verify_fails_on_any_damage_that_sqlite_sees_or_that_loses_records(
    pristine: Path, tmp_path: Path, trial: int
) -> None:
    path = tmp_path / "damaged.db"
    shutil.copy(pristine, path)
    rng = random.Random(trial)
    size = path.stat().st_size
    with path.open("r+b") as handle:  # 8 KB: eight 1 KB runs at random offsets
        for _ in range(8):
            handle.seek(rng.randrange(0, size - 1024))
            handle.write(rng.randbytes(1024))
    sound, rows = sqlite_verdict(path)
    runner = CliRunner()
    verified = runner.invoke(cli, ["--store", str(path), "verify"], catch_exceptions=False)
    exported = runner.invoke(
        cli, ["--store", str(path), "log", "--format", "jsonl"], catch_exceptions=False
    )
    assert "Traceback" not in verified.output + exported.output
    if not sound or rows != RECORDS:
        assert verified.exit_code in (1, 4), verified.output  # 4: not even a store any more
        assert verified.stderr.startswith("Error: ")
    else:
        assert verified.exit_code == 0, verified.output  # damage in unused pages only
        assert verified.stdout.startswith(f"{RECORDS} records, head ")
    lines = exported.stdout.splitlines()
    if exported.exit_code == 0:  # an export that succeeds is the whole log
        assert [json.loads(line)["position"] for line in lines] == list(range(1, RECORDS + 1))
    else:
        assert exported.exit_code == 4 and exported.stderr.startswith("Error: ")


def test_a_read_that_skips_positions_fails(pristine: Path, tmp_path: Path) -> None:
    """Rows 101 to 4,999 gone (the delete trigger dropped, since this writes through
    SQLite), the head kept: verify names the gap, and so does any read of the log."""
    path = tmp_path / "cut.db"
    shutil.copy(pristine, path)
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER events_no_delete")
    conn.execute("CREATE TABLE keep AS SELECT * FROM events WHERE position = ?", (RECORDS,))
    conn.execute("DELETE FROM events WHERE position > 100")
    conn.execute("INSERT INTO events SELECT * FROM keep")
    conn.commit()
    conn.close()
    log = open_log(str(path), create=False)
    try:
        with pytest.raises(ChainBroken, match="position 101 is missing"):
            log.verify()
        with pytest.raises(StoreError, match="position 101 is missing from a read"):
            list(log.read())
    finally:
        log.close()


def test_a_body_changed_to_a_blob_is_a_verdict(pristine: Path, tmp_path: Path) -> None:
    path = tmp_path / "blob.db"
    shutil.copy(pristine, path)
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER events_no_update")
    conn.execute("UPDATE events SET body = CAST(body AS BLOB) WHERE position = 3")
    conn.commit()
    conn.close()
    log = open_log(str(path), create=False)
    try:
        with pytest.raises(ChainBroken, match=r"position 3: the stored body is not text \(bytes\)"):
            log.verify()
    finally:
        log.close()
    result = CliRunner().invoke(cli, ["--store", str(path), "verify"], catch_exceptions=False)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "Error: hash chain broken at position 3: the stored body is not text (bytes)"
    ]


def test_verify_rows_names_a_hash_that_is_not_text() -> None:
    with pytest.raises(ChainBroken, match=r"the stored hash is not text \(int\)"):
        verify_rows([(1, "C", 1, "e1", "2024-01-01T00:00:00.000000Z", "{}", 7)])


def test_store_damaged_is_a_broken_chain_with_exit_1() -> None:
    damage = StoreDamaged(5, "records from position 5 are missing")
    assert isinstance(damage, ChainBroken) and damage.exit_code == 1
    assert str(damage) == (
        "the store is damaged: records from position 5 are missing; "
        "restore it from a backup or a copy"
    )
