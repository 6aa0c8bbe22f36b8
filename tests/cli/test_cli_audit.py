"""The auditor's commands end to end: keygen, checkpoint, verify --against, prove.

A checkpoint taken before each attack of tests/attacks.py must make
`verify --against` exit 1 naming the damage, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import json
import shutil
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from attacks import ATTACKS, Tables, copy_sqlite
from comity.cli import cli
from pgtest import PgDatabase, pg_database  # noqa: F401

EXAMPLES = sorted((Path(__file__).parents[2] / "examples").glob("*.jsonl"))


def run(store: str, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, ["--store", store, *args], env=env, catch_exceptions=False)


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        url = str(tmp_path / "comity.db")
    else:
        database: PgDatabase = request.getfixturevalue("pg_database")
        url = database.new_url()
    assert run(url, "init").exit_code == 0
    for path in EXAMPLES:
        assert run(url, "ingest", str(path)).exit_code == 0
    return url


@pytest.fixture
def key(tmp_path: Path) -> Path:
    path = tmp_path / "keys" / "signing.key"
    path.parent.mkdir()
    result = run("memory:", "keygen", "--out", str(path), "--name", "fiscalia.example/pa")
    assert result.exit_code == 0, result.output
    return path


def test_keygen_writes_a_private_file_and_never_prints_the_key(key: Path) -> None:
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    secret = key.read_text().strip()
    assert secret.startswith("PRIVATE+KEY+fiscalia.example/pa+")
    assert Path(f"{key}.pub").read_text().startswith("fiscalia.example/pa+")
    again = run("memory:", "keygen", "--out", str(key))
    assert again.exit_code == 3 and "already exists" in again.output
    assert secret not in again.output


def _checkpoint(store: str, key: Path, tmp_path: Path) -> Path:
    result = run(store, "checkpoint", "--key", str(key))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("fiscalia.example/pa/events\n95\n")
    assert key.read_text().strip() not in result.output
    saved = tmp_path / "checkpoint.txt"
    saved.write_text(result.output)
    return saved


def test_untouched_store_verifies_against_its_checkpoint(
    store: str, key: Path, tmp_path: Path
) -> None:
    saved = _checkpoint(store, key, tmp_path)
    result = run(store, "verify", "--against", str(saved), "--public-key", f"{key}.pub")
    assert result.exit_code == 0, result.output
    assert "95 records, head " in result.output
    assert "stored checkpoint fiscalia.example/pa/events at size 95: holds" in result.output
    assert "at size 95 holds; the log has 95 records" in result.output


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_verify_against_names_every_attack(
    store: str, key: Path, tmp_path: Path, attack: str
) -> None:
    saved = _checkpoint(store, key, tmp_path)
    ATTACKS[attack](Tables(store))
    result = run(store, "verify", "--against", str(saved), "--public-key", f"{key}.pub")
    assert result.exit_code == 1, result.output
    assert "Error:" in result.output
    assert any(
        word in result.output for word in ("hash chain broken", "records", "position", "checkpoint")
    )


def test_forged_checkpoint_and_wrong_key(store: str, key: Path, tmp_path: Path) -> None:
    saved = _checkpoint(store, key, tmp_path)
    other = tmp_path / "other.key"
    assert (
        run("memory:", "keygen", "--out", str(other), "--name", "fiscalia.example/pa").exit_code
        == 0
    )
    forged = run(store, "checkpoint", "--key", str(other))
    # The other key may sign (the store does not know whose key is whose) ...
    assert forged.exit_code == 0
    forged_file = tmp_path / "forged.txt"
    forged_file.write_text(forged.output)
    # ... but its checkpoint does not pass for ours, nor ours for its.
    bad = run(store, "verify", "--against", str(forged_file), "--public-key", f"{key}.pub")
    assert bad.exit_code == 1 and "not signed by the key" in bad.output
    bad = run(store, "verify", "--against", str(saved), "--public-key", f"{other}.pub")
    assert bad.exit_code == 1 and "not signed by the key" in bad.output
    tampered = tmp_path / "tampered.txt"
    tampered.write_text(saved.read_text().replace("\n95\n", "\n94\n"))
    bad = run(store, "verify", "--against", str(tampered), "--public-key", f"{key}.pub")
    assert bad.exit_code == 1 and "does not verify" in bad.output


def test_checkpoint_refuses_a_head_inconsistent_with_the_last(
    store: str, key: Path, tmp_path: Path
) -> None:
    _checkpoint(store, key, tmp_path)
    ATTACKS["the chain rewritten from an edited record"](Tables(store))
    result = run(store, "checkpoint", "--key", str(key))
    assert result.exit_code == 1
    assert "not consistent with the last checkpoint" in result.output
    plain = run(store, "verify")
    assert plain.exit_code == 1
    assert "no longer give this checkpoint's root" in plain.output


def test_signing_key_from_the_environment(store: str, key: Path) -> None:
    secret = key.read_text().strip()
    for value in (str(key), secret):
        result = run(store, "checkpoint", env={"COMITY_SIGNING_KEY": value})
        assert result.exit_code == 0, result.output
        assert secret not in result.output
    missing = run(store, "checkpoint", env={"COMITY_SIGNING_KEY": ""})
    assert missing.exit_code == 3 and "comity keygen" in missing.output


def test_prove_inclusion_and_consistency(store: str, key: Path, tmp_path: Path) -> None:
    import base64

    from comity.audit import verify_consistency, verify_inclusion
    from comity.audit.checkpoint import parse_checkpoint

    root = parse_checkpoint(_checkpoint(store, key, tmp_path).read_text()).root
    inc = json.loads(run(store, "prove", "--position", "17").output)
    assert inc["tree_size"] == 95 and base64.b64decode(inc["root"]) == root
    verify_inclusion(
        16,
        95,
        base64.b64decode(inc["leaf_hash"]),
        [base64.b64decode(p) for p in inc["proof"]],
        root,
    )
    con = json.loads(run(store, "prove", "--from-size", "30").output)
    verify_consistency(
        30,
        95,
        base64.b64decode(con["root1"]),
        root,
        [base64.b64decode(p) for p in con["proof"]],
    )
    assert run(store, "prove").exit_code == 2
    assert run(store, "prove", "--position", "96").exit_code == 3


def test_verify_from_checkpoint_reads_only_what_came_after(
    store: str, key: Path, tmp_path: Path
) -> None:
    _checkpoint(store, key, tmp_path)
    no_record = run(store, "verify", "--from-checkpoint")  # nothing verified yet: reads all
    assert no_record.exit_code == 0, no_record.output
    assert "not read again" not in no_record.output
    again = run(store, "verify", "--from-checkpoint")
    assert again.exit_code == 0, again.output
    assert "95 records, head " in again.output
    assert "records 1 to 95 were verified at " in again.output
    assert "not read again" in again.output
    plain = run(store, "verify")
    assert plain.exit_code == 0 and "not read again" not in plain.output
    ATTACKS["the last N deleted"](Tables(store))
    cut = run(store, "verify", "--from-checkpoint")
    assert cut.exit_code == 1 and "Error:" in cut.output and "verified earlier" in cut.output


def test_verify_against_names_a_rollback_to_an_older_copy(
    store: str, key: Path, tmp_path: Path
) -> None:
    """The store put back as an older copy (a backup restored over it, by file on
    SQLite, by table on PostgreSQL): every record it holds verifies, and only a
    checkpoint signed after the copy was taken says records are gone."""
    if store.startswith("postgresql://"):
        older = Tables(store).rows()
    else:
        older_file = copy_sqlite(store, tmp_path / "older.db")
    later = tmp_path / "later.jsonl"
    later.write_text(
        json.dumps(
            {
                "event_id": "later-1",
                "case_id": "PA-2026-0099",
                "type": "case_opened",
                "occurred_at": "2026-01-05",
                "lead_jurisdiction": "PA",
                "offences": ["fraud"],
            }
        )
        + "\n"
    )
    assert run(store, "ingest", str(later)).exit_code == 0
    signed = run(store, "checkpoint", "--key", str(key))
    assert signed.exit_code == 0, signed.output
    assert signed.output.startswith("fiscalia.example/pa/events\n96\n")
    saved = tmp_path / "checkpoint.txt"
    saved.write_text(signed.output)
    if store.startswith("postgresql://"):
        Tables(store).replace_all(older)
    else:
        for suffix in ("-wal", "-shm"):
            Path(store + suffix).unlink(missing_ok=True)
        shutil.copyfile(older_file, store)
    result = run(store, "verify", "--against", str(saved), "--public-key", f"{key}.pub")
    assert result.exit_code == 1, result.output
    assert "records were removed or an older copy" in result.output
