"""A checkpoint signed before an attack catches every attack, on every SQL store.

The attacks are those of tests/attacks.py: each is what a database owner could
do with the append-only guards switched off. `verify_against` must refuse each one;
for the attacks that leave a chain that verifies, the chain check alone must pass, to
show that only the checkpoint caught them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

from attacks import ATTACKS, CHAIN_VERIFIES_AFTER, Tables, copy_sqlite
from comity import open_log, parse_jsonl
from comity.audit import generate_signer, sign_checkpoint
from comity.audit.logtree import check_extends, checkpoint_of, log_tree, verify_against
from comity.errors import ChainBroken, ComityError, SignatureError, VerificationFailed
from comity.events import Event
from pgtest import PgDatabase, pg_database  # noqa: F401

EXAMPLES = sorted((Path(__file__).parents[2] / "examples").glob("*.jsonl"))
ORIGIN = "comity.test/events"


def _load(url: str) -> str:
    log = open_log(url, create=True)
    try:
        for path in EXAMPLES:
            with path.open("rb") as f:
                log.append(parse_jsonl(f, source=path.name))
    finally:
        log.close()
    return url


def _copies(path: Path) -> list[Event]:
    """The events of `path` under new ids (case `-b`): more of the same log."""
    with path.open("rb") as f:
        return [
            attrs.evolve(e, event_id=f"{e.event_id}-b", case_id=f"{e.case_id}-b")
            for e in parse_jsonl(f, source=path.name)
        ]


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield _load(str(tmp_path / "comity.db"))
    else:
        database: PgDatabase = request.getfixturevalue("pg_database")
        yield _load(database.new_url())


def _signed(url: str, signer_name: str = ORIGIN) -> tuple[str, object]:
    signer = generate_signer(signer_name)
    log = open_log(url, create=False)
    try:
        note = sign_checkpoint(checkpoint_of(log, ORIGIN), signer)
    finally:
        log.close()
    return note, signer.verifier


def _verify(url: str, note: str, verifier: object) -> None:
    log = open_log(url, create=False)
    try:
        verify_against(log, note, verifier)  # type: ignore[arg-type]
    finally:
        log.close()


def test_untouched_log_passes_and_grows(store: str) -> None:
    note, verifier = _signed(store)
    _verify(store, note, verifier)
    log = open_log(store, create=False)
    try:
        size = log.head().position
        grown = _copies(EXAMPLES[0])
        log.append(grown)
        verdict = verify_against(log, note, verifier)  # type: ignore[arg-type]
        assert verdict.checkpoint.size == size
        assert verdict.log_size == size + len(grown)
    finally:
        log.close()


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_every_attack_is_caught(store: str, attack: str) -> None:
    note, verifier = _signed(store)
    ATTACKS[attack](Tables(store))
    log = open_log(store, create=False)
    try:
        if attack in CHAIN_VERIFIES_AFTER:
            log.verify()  # the chain alone is fooled ...
        with pytest.raises((VerificationFailed, ChainBroken)) as caught:
            verify_against(log, note, verifier)  # type: ignore[arg-type]
    finally:
        log.close()
    assert caught.value.exit_code == 1
    if attack in CHAIN_VERIFIES_AFTER:  # ... the checkpoint is not
        assert isinstance(caught.value, VerificationFailed)
        assert "records" in str(caught.value)


def test_rolled_back_to_an_older_copy(tmp_path: Path) -> None:
    url = _load(str(tmp_path / "comity.db"))
    older = copy_sqlite(url, tmp_path / "older.db")
    log = open_log(url, create=False)
    log.append(_copies(EXAMPLES[0]))
    log.close()
    note, verifier = _signed(url)
    with pytest.raises(VerificationFailed, match="records were removed or an older copy"):
        _verify(older, note, verifier)


def test_checkpoint_forged_with_another_key(store: str) -> None:
    note, verifier = _signed(store)
    forged, _ = _signed(store)  # same name, another key
    with pytest.raises(SignatureError, match="not signed by the key"):
        _verify(store, forged, verifier)
    _verify(store, note, verifier)


def test_check_extends_refuses_an_inconsistent_head(store: str) -> None:
    log = open_log(store, create=False)
    try:
        earlier = checkpoint_of(log, ORIGIN)
        check_extends(log_tree(log), earlier)
    finally:
        log.close()
    ATTACKS["the chain rewritten from an edited record"](Tables(store))
    log = open_log(store, create=False)
    try:
        with pytest.raises(VerificationFailed, match="not consistent with the last checkpoint"):
            check_extends(log_tree(log), earlier)
    finally:
        log.close()
    assert issubclass(VerificationFailed, ComityError)
