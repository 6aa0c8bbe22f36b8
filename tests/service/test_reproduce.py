"""`comity audit reproduce` over the service's reads that stand on the store's own
tables: the stream's batches (the log and the history of finding changes between two
cursors), `GET /v1/checkpoints/latest` (a stored checkpoint) and `GET /v1/disclosures`
(the disclosure record up to a head), through a live server on each backend; and
`serve --no-watch` archives its rule pack, so that the digest it showed turns back
into its rules (issue 11, item 4; issue 12)."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
import psycopg
import pytest

from comity.audit import basis_of, disclosure_inputs, open_audit_store, record_disclosure
from comity.events import open_log, parse_jsonl
from comity.rules import load_pack
from comity.rules.params import builtin_params_dir
from live import Server, comity, event, make_tokens
from sse_reader import Message, read_stream

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "quickstart.jsonl"
CASE = "PA-2019-0042"


def _store_with_example(new_store: Callable[[], str]) -> str:
    store = new_store()
    log = open_log(store)
    with EXAMPLE.open("rb") as lines:
        log.append(parse_jsonl(lines, source=str(EXAMPLE)))
    log.close()
    return store


def _records(store: str) -> list[dict[str, Any]]:
    out = comity(store, "audit", "log", "--format", "jsonl").stdout
    return [json.loads(line) for line in out.splitlines()]


def _reproduce(store: str) -> tuple[int, dict[str, str], dict[str, str]]:
    """Exit status, the verdict of each record and its whole line."""
    done = subprocess.run(
        [sys.executable, "-m", "comity.cli", "--store", store, "audit", "reproduce", "--all"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode in (0, 1), done.stderr
    verdicts, lines = {}, {}
    for line in done.stdout.splitlines():
        rid, rest = line.split(" ", 1)
        verdicts[rid] = rest.split(": ", 2)[1]
        lines[rid] = line
    assert verdicts, done.stderr
    return done.returncode, verdicts, lines


def _rewrite(
    store: str, position: int, edit: Callable[[dict[str, Any]], None], *, rechain: bool
) -> None:
    """Edit one disclosure record's body as an insider would (the append-only guards
    off), on SQLite or PostgreSQL; with `rechain`, every hash from it onwards is
    recomputed, so that the chain verifies again."""
    pg = store.startswith("postgresql://")
    select = "SELECT position, body, hash FROM audit_disclosures ORDER BY position"
    update = "UPDATE audit_disclosures SET body = ?, hash = ? WHERE position = ?"

    def rewritten(rows: list[tuple[int, str, str]]) -> list[tuple[str, str, int]]:
        prev = rows[position - 2][2] if position > 1 else "0" * 64
        out = []
        for pos, body, digest in rows[position - 1 :]:
            if pos == position:
                data = json.loads(body)
                edit(data)
                body = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            if rechain:
                digest = hashlib.sha256((prev + body).encode()).hexdigest()
            if pos == position or rechain:
                out.append((body, digest, pos))
            prev = digest
        return out

    if pg:
        with psycopg.connect(store) as conn:
            conn.execute(
                "ALTER TABLE audit_disclosures DISABLE TRIGGER audit_disclosures_no_change"
            )
            rows = [tuple(r) for r in conn.execute(select).fetchall()]
            for params in rewritten(rows):
                conn.execute(update.replace("?", "%s"), params)
            conn.execute("ALTER TABLE audit_disclosures ENABLE TRIGGER audit_disclosures_no_change")
        return
    db = sqlite3.connect(store, isolation_level=None)
    try:
        db.execute("DROP TRIGGER IF EXISTS audit_disclosures_no_update")
        db.execute("BEGIN")
        for params in rewritten(db.execute(select).fetchall()):
            db.execute(update, params)
        db.execute("COMMIT")
    finally:
        db.close()


def _delete_checkpoint(store: str, checkpoint_id: int) -> None:
    sql = "DELETE FROM audit_checkpoints WHERE id = ?"
    if store.startswith("postgresql://"):
        with psycopg.connect(store) as conn:
            conn.execute(
                "ALTER TABLE audit_checkpoints DISABLE TRIGGER audit_checkpoints_no_change"
            )
            conn.execute(sql.replace("?", "%s"), (checkpoint_id,))
            conn.execute("ALTER TABLE audit_checkpoints ENABLE TRIGGER audit_checkpoints_no_change")
        return
    db = sqlite3.connect(store, isolation_level=None)
    try:
        db.execute("DROP TRIGGER IF EXISTS audit_checkpoints_no_delete")
        db.execute(sql, (checkpoint_id,))
    finally:
        db.close()


def _forged(data: dict[str, Any]) -> None:
    data["output"]["sha256"] = hashlib.sha256(b"what was really shown").hexdigest()


def _stream(
    url: str, auth: dict[str, str], until: Callable[[list[Message]], bool], **params: str
) -> str:
    """Read the stream until `until(messages)`; the last event id."""
    last = params.pop("last_id", "")
    headers = {**auth, **({"Last-Event-ID": last} if last else {})}
    got: list[Message] = []
    deadline = time.monotonic() + 60
    with httpx.stream("GET", url + "/v1/stream", headers=headers, params=params, timeout=30) as r:
        assert r.status_code == 200, r.read()
        for item in read_stream(r, last):
            if isinstance(item, Message):
                got.append(item)
                last = item.last_id
            else:
                last = item
            if until(got):
                return last
            assert time.monotonic() < deadline, "the stream did not deliver in time"
    raise AssertionError("the stream ended")


def _caught_up(server: Server, position: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready = httpx.get(server.url + "/readyz")
        if ready.status_code == 200 and ready.json()["findings_position"] >= position:
            return
        time.sleep(0.1)
    raise AssertionError("the watcher did not catch up")


class Trail:
    """A store read through a live server as an auditor and a case system would:
    the ids of each kind of read, by name."""

    def __init__(self, store: str, reads: dict[str, str]) -> None:
        self.store, self.reads = store, reads

    def positions(self) -> dict[str, int]:
        return {r["record_id"]: r["position"] for r in _records(self.store)}


def _trail(new_store: Callable[[], str], servers: Callable[..., Server], tmp_path: Path) -> Trail:
    store = _store_with_example(new_store)
    tokens = make_tokens(store)
    key = tmp_path / "signing.key"
    comity(store, "keygen", "--out", str(key), "--name", "fiscalia.example/pa")
    comity(store, "checkpoint", "--key", str(key))
    comity(store, "replay", "--case", CASE)  # a command line output the record then holds
    server = servers(store)
    reader = {"Authorization": f"Bearer {tokens['reader']}"}
    auditor = {"Authorization": f"Bearer {tokens['auditor']}"}
    reads: dict[str, str] = {}

    def get(name: str, path: str, auth: dict[str, str], **params: Any) -> httpx.Response:
        answer = httpx.get(server.url + path, headers=auth, params=params, timeout=30)
        assert answer.status_code == 200, answer.text
        reads[name] = answer.headers["Comity-Disclosure"]
        return answer

    try:
        log = open_log(store)
        head = log.head().position
        log.close()
        _caught_up(server, head)
        get("disclosures", "/v1/disclosures", auditor)
        # the whole stream, then one case from a cursor in the middle, without findings
        last = _stream(
            server.url,
            reader,
            lambda got: (
                any(m.event == "finding" for m in got)
                and any(m.event == "event" and m.json()["position"] == head for m in got)
            ),
        )
        _stream(
            server.url,
            reader,
            lambda got: any(m.json()["position"] == head for m in got),
            after=str(head // 2),
            case=CASE,
            findings="false",
        )
        # a client resuming where it left off gets the new event and its findings
        writer = {"Authorization": f"Bearer {tokens['writer']}"}
        appended = httpx.post(
            server.url + "/v1/events",
            headers=writer,
            json=[event("HTTP-1", "h1"), event("HTTP-1", "h2", "asset_located")],
        )
        assert appended.status_code == 201, appended.text
        _stream(
            server.url,
            reader,
            lambda got: any(m.event == "event" and m.json()["event_id"] == "h2" for m in got),
            last_id=last,
        )
        get("checkpoint", "/v1/checkpoints/latest", auditor)
        comity(store, "checkpoint", "--key", str(key), "--log", "disclosures")
        get("checkpoint of the record", "/v1/checkpoints/latest", auditor, log="disclosures")
        get("last three", "/v1/disclosures", auditor, limit=3)
        get("of a case", "/v1/disclosures", auditor, case=CASE, actor="reader")
    finally:
        server.stop()
    # The stream's batches have no header to carry their record ids: found by request.
    streamed = [r for r in _records(store) if r["inputs"]["request"].get("path") == "/v1/stream"]
    whole = [r for r in streamed if r["inputs"]["request"]["query"] == []]
    of_case = [r for r in streamed if ["case", CASE] in r["inputs"]["request"]["query"]]
    resumed = [r for r in streamed if "last_event_id" in r["inputs"]["request"]]
    assert whole[0]["inputs"]["request"]["read"]["after"] == {"position": 0, "change": 0}
    assert of_case[0]["inputs"]["request"]["read"]["after"] == {"position": head // 2, "change": 0}
    assert resumed[0]["inputs"]["request"]["read"]["after"]["position"] == head
    assert resumed[0]["inputs"]["request"]["last_event_id"] == last
    reads["stream"] = whole[0]["record_id"]
    reads["case stream"] = of_case[0]["record_id"]
    reads["resumed stream"] = resumed[-1]["record_id"]
    return Trail(store, reads)


def test_the_stream_and_the_auditors_reads_are_reproduced(
    new_store: Callable[[], str], servers: Callable[..., Server], tmp_path: Path
) -> None:
    trail = _trail(new_store, servers, tmp_path)
    status, verdicts, lines = _reproduce(trail.store)
    assert status == 0
    assert set(trail.reads.values()) <= set(verdicts)
    assert set(verdicts.values()) == {"reproduced"}, "\n".join(lines.values())

    # A forged digest of each kind of read (the chain recomputed, so the record itself
    # verifies) is DIFFERS: the record says other bytes than the store gives.
    positions = trail.positions()
    forged = ["disclosures", "stream", "resumed stream", "checkpoint"]
    for name in forged:
        _rewrite(trail.store, positions[trail.reads[name]], _forged, rechain=True)
    status, verdicts, lines = _reproduce(trail.store)
    assert status == 1
    assert [verdicts.pop(trail.reads[n]) for n in forged] == ["DIFFERS"] * len(forged)
    # A read of the record made after the rewrite's first position no longer stands on
    # the records it showed: not reproduced, and why.
    for name in ("last three", "of a case"):
        rid = trail.reads[name]
        assert verdicts.pop(rid) == "not reproduced"
        assert "the disclosure record no longer holds the records it showed" in lines[rid]
    assert set(verdicts.values()) == {"reproduced"}, "\n".join(lines.values())


def test_what_a_read_stood_on_gone_is_not_reproduced(
    new_store: Callable[[], str], servers: Callable[..., Server], tmp_path: Path
) -> None:
    trail = _trail(new_store, servers, tmp_path)
    positions = trail.positions()
    # one stream batch's record edited in place: it is ALTERED, and so the reads of
    # the record that showed it cannot be derived again
    _rewrite(
        trail.store,
        positions[trail.reads["case stream"]],
        lambda d: d.update(purpose="x"),
        rechain=False,
    )
    shown = [r for r in _records(trail.store) if r["record_id"] == trail.reads["checkpoint"]]
    _delete_checkpoint(trail.store, shown[0]["inputs"]["request"]["read"]["id"])
    status, verdicts, lines = _reproduce(trail.store)
    assert status == 1
    assert verdicts.pop(trail.reads["case stream"]) == "ALTERED"
    rid = trail.reads["checkpoint"]
    assert verdicts.pop(rid) == "not reproduced"
    assert "is no longer stored" in lines[rid]
    for name in ("last three", "of a case"):
        rid = trail.reads[name]
        assert verdicts.pop(rid) == "not reproduced"
        assert f"disclosure record {positions[trail.reads['case stream']]}" in lines[rid]
        assert "no longer chains (ALTERED)" in lines[rid]
    assert set(verdicts.values()) == {"reproduced"}, "\n".join(lines.values())


def test_findings_reads_name_their_basis_and_older_answers_still_reproduce(
    new_store: Callable[[], str], servers: Callable[..., Server]
) -> None:
    """A findings-store read's answer carries its basis now; one recorded before
    (its answer without it, no `basis_shown` in its record) is rendered as it was."""
    store = _store_with_example(new_store)
    tokens = make_tokens(store)
    server = servers(store)
    try:
        answer = httpx.get(
            server.url + f"/v1/cases/{CASE}/findings",
            headers={"Authorization": f"Bearer {tokens['reader']}"},
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
    finally:
        server.stop()
    doc = answer.json()
    rid = answer.headers["Comity-Disclosure"]
    (record,) = [r for r in _records(store) if r["record_id"] == rid]
    assert doc["basis"]["log"] == record["inputs"]["log"]
    old = orjson.dumps({k: v for k, v in doc.items() if k != "basis"})

    def as_before(data: dict[str, Any]) -> None:
        del data["inputs"]["request"]["read"]["basis_shown"]
        data["output"].update(sha256=hashlib.sha256(old).hexdigest(), bytes=len(old))

    status, verdicts, lines = _reproduce(store)
    assert (status, verdicts[rid]) == (0, "reproduced"), lines[rid]
    _rewrite(store, record["position"], as_before, rechain=True)
    status, verdicts, lines = _reproduce(store)
    assert (status, verdicts[rid]) == (0, "reproduced"), lines[rid]


def test_a_read_recorded_before_reads_kept_their_inputs(new_store: Callable[[], str]) -> None:
    """Records of the stream and the auditor's reads as the service wrote them before
    they kept what derives them again are read, and say why they are not reproduced."""
    store = _store_with_example(new_store)
    log = open_log(store)
    audit = open_audit_store(store)
    try:
        basis = basis_of(log, audit, rulepack=None)
        old = {
            "/v1/stream": {"stream_id": "18:4"},
            "/v1/checkpoints/latest": {},
            "/v1/disclosures": {},
        }
        ids = {
            path: record_disclosure(
                audit,
                kind="http",
                actor="reader",
                output=b"what it showed",
                media_type="application/json",
                inputs=disclosure_inputs(
                    basis, request={"method": "GET", "path": path, "query": [], **extra}
                ),
            )
            for path, extra in old.items()
        }
    finally:
        audit.close()
        log.close()
    status, verdicts, lines = _reproduce(store)
    assert status == 0
    for path, rid in ids.items():
        assert verdicts[rid] == "not reproduced"
        assert lines[rid].endswith(
            f"a read of the HTTP service (GET {path}) recorded before its reads kept what "
            "derives them again"
        )


def test_serve_no_watch_archives_its_rule_pack(
    new_store: Callable[[], str],
    servers: Callable[..., Server],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A service that runs no watcher still archives the pack it answers with: the
    digest of its replay turns back into the rules (`rules export`), and the read is
    reproduced after the rules directory is gone."""
    store = _store_with_example(new_store)
    tokens = make_tokens(store)
    own = tmp_path / "own-rules"  # a user's pack: the Swiss FIU suspension set to 7 days
    (own / "params").mkdir(parents=True)
    text = (builtin_params_dir() / "ch.toml").read_text(encoding="utf-8")
    (own / "params" / "ch.toml").write_text(text.replace("\namount = 5\n", "\namount = 7\n"))
    digest = load_pack(own).digest
    monkeypatch.setenv("COMITY_RULES", str(own))
    server = servers(store, extra=("--no-watch",), ready=False)
    monkeypatch.delenv("COMITY_RULES")
    try:
        answer = httpx.post(
            server.url + "/v1/replay",
            json={"as_of": "2021-06-30", "cases": [CASE]},
            headers={"Authorization": f"Bearer {tokens['reader']}"},
            timeout=60,
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["rulepack"] == digest
        replayed = answer.headers["Comity-Disclosure"]
    finally:
        server.stop()
    for path in sorted(own.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    own.rmdir()
    exported = tmp_path / "exported"
    comity(store, "rules", "export", digest, str(exported))
    assert load_pack(exported).digest == digest
    status, verdicts, lines = _reproduce(store)
    assert status == 0
    assert verdicts[replayed] == "reproduced", lines[replayed]
    assert set(verdicts.values()) == {"reproduced"}, "\n".join(lines.values())
