"""Every output of case data is recorded before it is shown, and can be reproduced.

Issue 11, items 2-4: each output names its basis; replay, explain, deadlines (table,
json, the calendar), findings, report and the exports (`log`, `rules export`) each
append one disclosure record with the digest of exactly the bytes delivered; `audit
log` lists them; `audit reproduce` derives each again from the log and compares.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
import sqlite3
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result

from comity.cli import cli
from comity.rules.params import builtin_params_dir
from live import Server, event, make_tokens
from pgtest import PgDatabase, pg_database  # noqa: F401
from tcp_proxy import refusing_after, unused_port

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PANAMA_FILE = EXAMPLES / "panama-drug-trafficking.jsonl"
QUICKSTART = EXAMPLES / "quickstart.jsonl"
PANAMA = "PA-2019-0117"
ID = re.compile(r"^disclosure: ([0-9a-f-]{36})$", re.M)


def invoke(store: str, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, ["--store", store, *args], env=env, catch_exceptions=False)


def ok(result: Result) -> Result:
    assert result.exit_code == 0, result.output
    return result


def record_id(result: Result) -> str:
    found = ID.findall(result.stderr)
    assert len(found) == 1, result.stderr
    return str(found[0])


def records(store: str, *args: str) -> list[dict[str, Any]]:
    out = ok(invoke(store, "audit", "log", "--format", "jsonl", *args)).stdout
    return [json.loads(line) for line in out.splitlines()]


@pytest.fixture
def store(tmp_path: Path) -> str:
    path = str(tmp_path / "comity.db")
    ok(invoke(path, "init"))
    ok(invoke(path, "ingest", str(PANAMA_FILE)))
    return path


# --------------------------------------------------------------------------- recording


def test_a_replay_is_recorded_with_the_digest_of_the_bytes_shown(store: str) -> None:
    args = ("replay", "--as-of", "2021-06-30", "--known-at", "2099-01-01T00:00:00Z")
    shown = ok(
        invoke(
            store,
            *args,
            "--format",
            "json",
            "--actor",
            "ana",
            "--purpose",
            "MLA 2021/17",
            "--recipient",
            "Fiscalía CH",
            "--recipient",
            "OFJ",
        )
    )
    (rec,) = records(store)
    assert rec["record_id"] == record_id(shown)
    assert (rec["kind"], rec["actor"], rec["purpose"]) == ("replay", "ana", "MLA 2021/17")
    assert rec["recipients"] == ["Fiscalía CH", "OFJ"]
    assert rec["output"] == {
        "media_type": "application/json",
        "sha256": hashlib.sha256(shown.stdout_bytes).hexdigest(),
        "bytes": len(shown.stdout_bytes),
    }
    document = json.loads(shown.stdout)
    ids = [f["finding_id"] for case in document["cases"] for f in case["findings"]]
    assert ids and rec["finding_ids"] == ids
    assert rec["cases"] == [PANAMA]
    inputs = rec["inputs"]
    assert (inputs["as_of"], inputs["known_at"]) == ("2021-06-30", "2099-01-01T00:00:00Z")
    assert inputs["rulepack"] == document["rulepack"]
    assert inputs["log"] == document["basis"]["log"]
    assert inputs["request"]["command"] == "replay" and inputs["request"]["format"] == "json"
    # the record is chained, and verify checks it
    assert "disclosure record: 1 record, chain intact" in ok(invoke(store, "verify")).stdout


def test_the_actor_comes_from_the_environment(store: str) -> None:
    ok(invoke(store, "deadlines", "--as-of", "2019-07-01", env={"COMITY_ACTOR": "juez-3"}))
    (rec,) = records(store)
    assert (rec["kind"], rec["actor"]) == ("deadlines", "juez-3")


@pytest.mark.parametrize(
    "args",
    [
        ("replay",),
        ("deadlines", "--format", "json"),
        ("report", "--case", PANAMA),
        ("log",),
        ("explain", "0000"),
    ],
)
def test_no_record_is_refused_and_nothing_is_shown(store: str, args: tuple[str, ...]) -> None:
    result = invoke(store, *args, "--no-record")
    assert result.exit_code == 5
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("Error: --no-record: `comity ") and line.endswith("nothing was shown")
    assert records(store) == []


def test_a_usage_error_is_not_recorded(store: str) -> None:
    assert invoke(store, "replay", "--format", "yaml").exit_code == 2
    assert invoke(store, "deadlines", "--out", "x.ics").exit_code == 2  # --out needs ics
    assert invoke(store, "replay", "--case", "NO-SUCH").exit_code == 3  # bad input, not shown
    assert records(store) == []


@pytest.mark.postgres
def test_a_read_only_store_shows_nothing(pg_database: PgDatabase) -> None:  # noqa: F811
    url = pg_database.new_url()
    ok(invoke(url, "init"))
    ok(invoke(url, "ingest", str(QUICKSTART)))
    ok(invoke(url, "replay"))  # makes the tables: only the write is refused below
    # as on a hot standby: every transaction of the session is read-only
    assert "options=" in url
    read_only = url + "%20-cdefault_transaction_read_only%3Don"
    for args in (("replay",), ("deadlines",), ("log",)):
        result = invoke(read_only, *args)
        assert result.exit_code == 5, result.output
        assert result.stdout == ""
        (line,) = result.stderr.splitlines()
        assert "could not be" in line and line.endswith(
            "nothing was shown. Use a store comity can write to"
        )
    assert len(records(url)) == 1


def test_audit_log_filters_and_formats(store: str, tmp_path: Path) -> None:
    ok(invoke(store, "replay", "--case", PANAMA, "--actor", "ana", "--purpose", "weekly"))
    ok(invoke(store, "ingest", str(QUICKSTART)))
    ok(invoke(store, "replay", "--actor", "luis"))
    middle = dt.datetime.now(dt.UTC)
    ok(invoke(store, "log", "--case", "PA-2019-0042", "--actor", "luis"))
    everything = records(store)
    assert [r["kind"] for r in everything] == ["replay", "replay", "export"]
    assert [r["position"] for r in everything] == [1, 2, 3]
    assert [r["actor"] for r in records(store, "--actor", "luis")] == ["luis", "luis"]
    assert [r["kind"] for r in records(store, "--case", "PA-2019-0042")] == ["replay", "export"]
    since = middle.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert [r["position"] for r in records(store, "--since", since)] == [3]
    document = json.loads(ok(invoke(store, "audit", "log", "--format", "json")).stdout)
    assert document == {"disclosures": everything}
    table = ok(invoke(store, "audit", "log", "--actor", "ana")).stdout.splitlines()
    assert table[0].split() == [
        "position",
        "recorded_at",
        "kind",
        "actor",
        "record_id",
        "shown",
        "cases",
    ]
    assert everything[0]["record_id"] in table[1] and table[1].endswith(PANAMA)
    assert table[2].strip() == "purpose: weekly"
    assert table[-1] == "1 record."
    # reading the record shows no case data and is not itself recorded
    assert len(records(store)) == 3


def test_the_outputs_name_their_basis(store: str, tmp_path: Path) -> None:
    key = tmp_path / "k"
    ok(invoke(store, "keygen", "--out", str(key), "--name", "fiscalia.example/pa"))
    ok(invoke(store, "checkpoint", "--key", str(key)))
    head = json.loads(ok(invoke(store, "log", "--format", "jsonl")).stdout.splitlines()[-1])
    at = ("--as-of", "2021-06-30", "--known-at", "2099-01-01T00:00:00Z")
    log_line = f"Log: {head['position']} records, head {head['hash']}"
    checkpoint = f"Checkpoint: fiscalia.example/pa/events at size {head['position']}, root "
    for args in (("replay",), ("deadlines", "--as-of", "2019-07-01")):
        lines = ok(invoke(store, *args, *at[2:], *at[:2])).stdout.splitlines()
        assert log_line in lines, lines[:6]
        assert any(line.startswith(checkpoint) for line in lines[:6])
        assert any(line.startswith("Versions: comity ") for line in lines[:6])
    jsonl = ok(invoke(store, "replay", *at, "--format", "jsonl"))
    assert log_line in jsonl.stderr.splitlines()
    finding = json.loads(jsonl.stdout.splitlines()[0])["finding_id"]
    explained = ok(invoke(store, "explain", finding, *at)).stdout.splitlines()
    assert "  " + log_line in explained[:5]
    calendar = ok(invoke(store, "deadlines", "--format", "ics", "--as-of", "2019-07-01")).stdout
    assert f"X-COMITY-LOG:size={head['position']} position={head['position']} hash=" in calendar
    assert "X-COMITY-CHECKPOINT:origin=fiscalia.example/pa/events size=" in calendar


# --------------------------------------------------------------------------- reproduce


def _week_of_use(store: str, tmp_path: Path) -> tuple[list[str], str]:
    """A week at a prosecutor's desk: each day more events arrive and every kind of
    output is asked for, at several record times; returns the record ids in order
    and an explained finding."""
    ids: list[str] = []
    day1 = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    ok(invoke(store, "ingest", str(QUICKSTART)))  # day 2: a second case arrives
    calendar = tmp_path / "deadlines.ics"
    own = tmp_path / "own-rules"  # a user's pack: the Swiss FIU suspension set to 7 days
    (own / "params").mkdir(parents=True)
    text = (builtin_params_dir() / "ch.toml").read_text(encoding="utf-8")
    (own / "params" / "ch.toml").write_text(text.replace("\namount = 5\n", "\namount = 7\n"))
    days = [
        ("replay", "--as-of", "2021-06-30"),
        ("replay", "--format", "json", "--open", "--known-at", day1),
        ("replay", "--format", "jsonl", "--jurisdiction", "US"),
        ("--lang", "es", "replay", "--case", PANAMA, "--category", "deadline"),
        ("deadlines", "--as-of", "2019-07-01", "--known-at", day1),
        ("deadlines", "--format", "json", "--within", "90", "--as-of", "2019-07-01"),
        ("deadlines", "--format", "ics", "--as-of", "2019-07-01", "--out", str(calendar)),
        ("deadlines", "--format", "ics", "--as-of", "2019-10-01", "--previous", str(calendar)),
        ("report", "--case", PANAMA, "--as-of", "2021-12-31", "--known-at", day1),
        ("--lang", "es", "report", "--case", PANAMA),
        ("log",),
        ("log", "--case", PANAMA, "--format", "jsonl"),
        ("cases", "--as-of", "2021-06-30", "--known-at", day1),
        ("--rules", str(own), "replay", "--case", PANAMA),
        ("check", "--as-of", "2021-06-30", "--known-at", day1),
        ("--lang", "es", "check", "--format", "json", "--case", PANAMA),
        ("follow", "--case", PANAMA, "--after", "3", "--limit", "5"),
    ]
    for args in days:
        ids.append(record_id(ok(invoke(store, *args))))
    jsonl = ok(invoke(store, "replay", "--format", "jsonl", "--case", PANAMA))
    ids.append(record_id(jsonl))
    finding = json.loads(jsonl.stdout.splitlines()[0])["finding_id"]
    ids.append(record_id(ok(invoke(store, "explain", finding))))
    ids.append(record_id(ok(invoke(store, "explain", finding, "--known-at", day1))))
    before_watch = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    ok(invoke(store, "watch", "--once"))
    for args in (
        ("findings",),
        ("findings", "--format", "json"),
        ("findings", "--open", "--format", "jsonl"),
        # chosen by the findings store's history of changes, not by a replay
        ("findings", "--since", before_watch),
        ("findings", "--since", before_watch, "--case", PANAMA, "--format", "json"),
    ):
        ids.append(record_id(ok(invoke(store, *args))))
    # the key holder signs the head; a bundle for an authority abroad is proved against it
    key = tmp_path / "signing.key"
    ok(invoke(store, "keygen", "--out", str(key)))
    ok(invoke(store, "checkpoint", "--key", str(key)))
    bundle = tmp_path / "bundle.zip"
    made = ok(invoke(store, "audit", "bundle", "--case", PANAMA, "--out", str(bundle)))
    (bundled,) = ID.findall(made.stdout)  # `audit bundle` reports on stdout
    ids.append(bundled)
    ids.append(record_id(ok(invoke(store, "deadlines", "--format", "json"))))  # a basis with it
    replayed = ok(invoke(store, "replay", "--format", "json"))
    ids.append(record_id(replayed))
    digest = json.loads(replayed.stdout)["rulepack"]
    exported = ok(invoke(store, "rules", "export", digest, str(tmp_path / "pack")))
    ids.append(record_id(exported))
    shutil.rmtree(own)  # the user's rules are gone: their pack is in the store's archive
    return ids, finding


def _reproduced(result: Result) -> dict[str, str]:
    verdicts = {}
    for line in result.stdout.splitlines():
        rid, rest = line.split(" ", 1)
        verdicts[rid] = rest.split(": ", 2)[1]
    return verdicts


def test_reproduce_all_reproduces_a_week_of_use(store: str, tmp_path: Path) -> None:
    ids, _finding = _week_of_use(store, tmp_path)
    kinds = {r["kind"] for r in records(store)}
    assert kinds == {
        "replay",
        "explain",
        "deadlines",
        "findings",
        "cases",
        "check",
        "report",
        "export",
        "bundle",
    }
    known_ats = {r["inputs"]["known_at"] for r in records(store)}
    assert len(known_ats) >= 5  # several record times, the defaults' and given ones
    result = ok(invoke(store, "audit", "reproduce", "--all"))
    verdicts = _reproduced(result)
    assert set(ids) <= set(verdicts)
    assert set(verdicts.values()) == {"reproduced"}, result.stdout
    assert result.stderr.splitlines()[-1] == f"{len(verdicts)} records: {len(verdicts)} reproduced"
    one = ok(invoke(store, "audit", "reproduce", ids[3]))
    assert one.stdout.startswith(f"{ids[3]} replay ") and ": reproduced: sha256 " in one.stdout


def _rewrite(store: str, position: int, edit: Any, *, rechain: bool) -> None:
    """Edit one disclosure record's body as an insider would (guards dropped), and
    with `rechain` recompute every hash from it onwards so that the chain verifies."""
    db = sqlite3.connect(store, isolation_level=None)
    try:
        db.execute("DROP TRIGGER IF EXISTS audit_disclosures_no_update")
        rows = db.execute(
            "SELECT position, body, hash FROM audit_disclosures ORDER BY position"
        ).fetchall()
        prev = rows[position - 2][2] if position > 1 else "0" * 64
        db.execute("BEGIN")
        for pos, body, digest in rows[position - 1 :]:
            if pos == position:
                data = json.loads(body)
                edit(data)
                body = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            if pos == position or rechain:
                digest = hashlib.sha256((prev + body).encode()).hexdigest() if rechain else digest
                db.execute(
                    "UPDATE audit_disclosures SET body = ?, hash = ? WHERE position = ?",
                    (body, digest, pos),
                )
            prev = digest
        db.execute("COMMIT")
    finally:
        db.close()


def test_a_tampered_record_or_output_is_reported(store: str, tmp_path: Path) -> None:
    ids, _finding = _week_of_use(store, tmp_path)
    positions = {r["record_id"]: r["position"] for r in records(store)}

    def forged_digest(data: dict[str, Any]) -> None:
        data["output"]["sha256"] = hashlib.sha256(b"what was really shown").hexdigest()

    # an output whose recorded digest is not what the log gives (chain recomputed)
    _rewrite(store, positions[ids[1]], forged_digest, rechain=True)
    # a record edited in place (its hash no longer chains)
    _rewrite(store, positions[ids[4]], lambda d: d.update(actor="nobody"), rechain=False)

    # a record of another engine version whose bytes differ: reported, not failed
    def other_engine(data: dict[str, Any]) -> None:
        forged_digest(data)
        data["inputs"]["versions"]["durable-rules"] = "1.0.0"

    _rewrite(store, positions[ids[5]], other_engine, rechain=True)
    result = invoke(store, "audit", "reproduce", "--all")
    assert result.exit_code == 1
    verdicts = _reproduced(result)
    assert verdicts.pop(ids[1]) == "DIFFERS"
    assert verdicts.pop(ids[4]) == "ALTERED"
    assert verdicts.pop(ids[5]) == "differs under another engine version"
    assert set(verdicts.values()) == {"reproduced"}
    assert result.stderr.splitlines()[-1] == (
        "Error: 2 recorded outputs not reproduced from intact inputs (DIFFERS or ALTERED above)"
    )
    line = next(x for x in result.stdout.splitlines() if x.startswith(ids[1]))
    assert "the log and the rule pack now give" in line


def _guards_off(store: str, *statements: str) -> None:
    db = sqlite3.connect(store, isolation_level=None)
    try:
        for sql in statements:
            db.execute(sql)
    finally:
        db.close()


def test_a_log_that_no_longer_holds_the_cut(store: str, tmp_path: Path) -> None:
    ids, _finding = _week_of_use(store, tmp_path)
    _guards_off(
        store,
        "DROP TRIGGER events_no_delete",
        "DELETE FROM events WHERE position = (SELECT MAX(position) FROM events)",
    )
    result = ok(invoke(store, "audit", "reproduce", "--all"))  # nothing differs from intact inputs
    verdicts = _reproduced(result)
    lines = {line.split(" ", 1)[0]: line for line in result.stdout.splitlines()}
    # the replay recorded at the first day's record time stands on records still there
    assert verdicts[ids[1]] == "reproduced"
    assert verdicts[ids[4]] == "reproduced"
    # the outputs of the second day covered the deleted record
    assert verdicts[ids[0]] == "not reproduced"
    assert "the log no longer holds the cut" in lines[ids[0]]


def test_a_rule_pack_neither_loaded_nor_archived(store: str, tmp_path: Path) -> None:
    ids, _finding = _week_of_use(store, tmp_path)
    own = ids[13]  # the replay with the user's own rules, now deleted
    assert verdicts_of(store)[own] == "reproduced"  # from the store's archive
    _guards_off(store, "DELETE FROM findings_packs")
    result = ok(invoke(store, "audit", "reproduce", "--all"))
    verdicts = _reproduced(result)
    assert verdicts.pop(own) == "not reproduced"
    line = next(x for x in result.stdout.splitlines() if x.startswith(own))
    assert "neither the one loaded here nor archived in the store" in line
    # the `rules export` of the archive can no longer be written again either
    exported = ids[-1]
    assert verdicts.pop(exported) == "not reproduced"
    line = next(x for x in result.stdout.splitlines() if x.startswith(exported))
    assert "no rule pack with that digest is archived" in line
    assert set(verdicts.values()) == {"reproduced"}


def verdicts_of(store: str) -> dict[str, str]:
    return _reproduced(ok(invoke(store, "audit", "reproduce", "--all")))


def test_reproduce_needs_an_id_or_all(store: str) -> None:
    assert invoke(store, "audit", "reproduce").exit_code == 2
    unknown = invoke(store, "audit", "reproduce", "no-such-id")
    assert unknown.exit_code == 3
    assert "no such disclosure record" in unknown.stderr


@pytest.mark.postgres
@pytest.mark.parametrize("args", [("replay",), ("deadlines", "--format", "json"), ("log",)])
def test_a_server_gone_before_the_record_opens_is_a_store_error(
    pg_database: PgDatabase,  # noqa: F811
    args: tuple[str, ...],
) -> None:
    """The log opened, then the server went: a store error (exit 4), as every other
    command reports an unreachable store, not "this store cannot take the record"
    (exit 5); nothing shown, nothing recorded."""
    url = pg_database.new_url()
    ok(invoke(url, "init"))
    ok(invoke(url, "ingest", str(QUICKSTART)))
    with refusing_after(url, allow=1) as flaky:
        result = invoke(flaky, *args)
    assert result.exit_code == 4, result.output
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("Error: ") and "cannot connect to the PostgreSQL server" in line
    assert line.endswith("nothing was shown")
    assert records(url) == []


@pytest.mark.parametrize("args", [("replay",), ("audit", "log"), ("audit", "reproduce", "--all")])
def test_a_server_nobody_listens_on_is_a_store_error(args: tuple[str, ...]) -> None:
    url = f"postgresql://postgres@127.0.0.1:{unused_port()}/comity"
    result = invoke(url, *args)
    assert result.exit_code == 4, result.output
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("Error: ") and "cannot connect to the PostgreSQL server" in line


def test_reproduce_covers_the_reads_of_the_service(store: str, tmp_path: Path) -> None:
    """Issue 11 item 4 over HTTP: every read a case system made through `comity serve`
    during the week (a live server on 127.0.0.1) is rendered again by the service's own
    functions at the recorded cut, and compared; a forged digest is DIFFERS."""
    ids, finding = _week_of_use(store, tmp_path)
    tokens = make_tokens(store)
    server = Server(store, tmp_path).start()
    http: list[str] = []
    try:
        auth = {"Authorization": f"Bearer {tokens['reader']}"}
        since = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        appended = httpx.post(
            server.url + "/v1/events",
            json=[
                event("PA-2026-0001", "http-1"),
                event("PA-2026-0001", "http-2", "asset_located"),
            ],
            headers={"Authorization": f"Bearer {tokens['writer']}"},
            timeout=30,
        )
        assert appended.status_code == 201, appended.text
        reads = [
            ("GET", f"/v1/cases/{PANAMA}/findings", None),
            ("GET", f"/v1/cases/{PANAMA}/findings?open=true", None),
            ("GET", "/v1/findings", None),
            ("GET", f"/v1/findings?case={PANAMA}&severity=warning", None),
            ("GET", f"/v1/findings?since={since}", None),  # by the history, after the append
            ("GET", "/v1/findings?since=2000-01-01T00:00:00Z&open=true", None),
            ("GET", f"/v1/findings/{finding}", None),
            ("GET", "/v1/deadlines", None),
            ("GET", f"/v1/deadlines?within=3650&case={PANAMA}", None),
            ("GET", f"/v1/cases/{PANAMA}/events", None),
            ("GET", "/v1/cases/PA-2026-0001/events?known_at=2099-01-01T00:00:00Z", None),
            ("POST", "/v1/replay", {"as_of": "2021-06-30", "cases": [PANAMA]}),
            ("POST", "/v1/replay", {}),
        ]
        for method, path, body in reads:
            for _attempt in range(100):  # the service's watcher applies the append at once
                answer = httpx.request(
                    method, server.url + path, json=body, headers=auth, timeout=60
                )
                if answer.status_code != 503:
                    break
                time.sleep(0.1)
            assert answer.status_code == 200, (path, answer.text)
            http.append(answer.headers["Comity-Disclosure"])
        audited = httpx.get(
            server.url + "/v1/checkpoints/latest",
            headers={"Authorization": f"Bearer {tokens['auditor']}"},
            timeout=30,
        )
        assert audited.status_code == 200, audited.text
        checkpoint_read = audited.headers["Comity-Disclosure"]
    finally:
        server.stop()
    by_id = {r["record_id"]: r for r in records(store)}
    assert {by_id[i]["kind"] for i in http} == {"http"}
    assert {by_id[i]["actor"] for i in http} == {"reader"}
    result = ok(invoke(store, "audit", "reproduce", "--all"))
    verdicts = _reproduced(result)
    # the auditor's read of the latest checkpoint too (the stored checkpoint it showed)
    assert set(ids) | set(http) | {checkpoint_read} <= set(verdicts)
    assert set(verdicts.values()) == {"reproduced"}, result.stdout

    def forged(data: dict[str, Any]) -> None:
        data["output"]["sha256"] = hashlib.sha256(b"what was really shown").hexdigest()

    positions = {r["record_id"]: r["position"] for r in records(store)}
    tampered = [http[4], http[6], ids[-4]]  # a `since` read, an explanation, the bundle
    assert by_id[ids[-4]]["kind"] == "bundle"
    for record in tampered:
        _rewrite(store, positions[record], forged, rechain=True)
    result = invoke(store, "audit", "reproduce", "--all")
    assert result.exit_code == 1
    verdicts = _reproduced(result)
    assert [verdicts.pop(r) for r in tampered] == ["DIFFERS"] * 3
    assert set(verdicts.values()) == {"reproduced"}
