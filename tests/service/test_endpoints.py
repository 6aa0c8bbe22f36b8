"""Every endpoint, status code and role of `comity serve`, through a live server.

Answers are compared with what the command line says for the same store: the errors
of `comity ingest`, the document of `comity replay --format json`, the findings of
`comity findings`; every read must leave a disclosure record naming the token and
the SHA-256 of the exact bytes received.
"""

from __future__ import annotations

import hashlib
import json
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from live import Live, Server, comity, event, make_tokens, problem


def disclosure_of(live: Live, response: httpx.Response) -> dict[str, Any]:
    """The disclosure record of a read, read back as an auditor."""
    record_id = response.headers["comity-disclosure"]
    found = httpx.get(
        live.url + "/v1/disclosures", headers=live.auth("auditor"), params={"limit": 10000}
    )
    assert found.status_code == 200
    (record,) = [d for d in found.json()["disclosures"] if d["record_id"] == record_id]
    return dict(record["record"])


# --------------------------------------------------------------------------- health


def test_health_and_readiness_are_open(live: Live) -> None:
    assert httpx.get(live.url + "/healthz").json() == {"status": "ok"}
    ready = httpx.get(live.url + "/readyz").json()
    assert ready["status"] == "ready" and ready["log_position"] >= 18


def test_unknown_paths_and_methods_are_problems(live: Live) -> None:
    problem(httpx.get(live.url + "/v1/nothing", headers=live.auth("admin")), 404)
    problem(httpx.delete(live.url + "/v1/events", headers=live.auth("admin")), 405)


# --------------------------------------------------------------------------- auth


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v1/events"),
        ("GET", "/v1/cases/PA-2019-0042/events"),
        ("GET", "/v1/cases/PA-2019-0042/findings"),
        ("GET", "/v1/findings"),
        ("GET", "/v1/findings/x"),
        ("GET", "/v1/deadlines"),
        ("POST", "/v1/replay"),
        ("GET", "/v1/checkpoints/latest"),
        ("GET", "/v1/disclosures"),
        ("GET", "/v1/stream"),
        ("GET", "/v1/tokens"),
    ],
)
def test_no_token_or_a_bad_one_is_401(live: Live, method: str, path: str) -> None:
    none = httpx.request(method, live.url + path)
    assert problem(none, 401)
    assert none.headers["www-authenticate"].startswith("Bearer")
    bad = httpx.request(method, live.url + path, headers={"Authorization": "Bearer cmty_nope"})
    problem(bad, 401)
    assert 'error="invalid_token"' in bad.headers["www-authenticate"]
    problem(httpx.request(method, live.url + path, headers={"Authorization": "Basic eA=="}), 401)


@pytest.mark.parametrize(
    ("method", "path", "refused"),
    [
        ("POST", "/v1/events", ("reader", "auditor")),
        ("GET", "/v1/findings", ("writer",)),
        ("GET", "/v1/cases/PA-2019-0042/events", ("writer",)),
        ("GET", "/v1/deadlines", ("writer",)),
        ("POST", "/v1/replay", ("writer",)),
        ("GET", "/v1/stream", ("writer",)),
        ("GET", "/v1/checkpoints/latest", ("writer", "reader", "app")),
        ("GET", "/v1/disclosures", ("writer", "reader", "app")),
        ("GET", "/v1/tokens", ("writer", "reader", "auditor", "app")),
    ],
)
def test_a_token_without_the_role_is_403(
    live: Live, method: str, path: str, refused: tuple[str, ...]
) -> None:
    for name in refused:
        body = problem(httpx.request(method, live.url + path, headers=live.auth(name)), 403)
        assert repr(name) in body["detail"]


def test_refusals_are_recorded_without_the_token(live: Live) -> None:
    httpx.get(live.url + "/v1/findings", headers={"Authorization": "Bearer cmty_secret_guess"})
    httpx.get(live.url + "/v1/tokens", headers=live.auth("reader"))
    listed = comity(live.store, "token", "refusals", "--limit", "1000").stdout
    assert "401\tGET /v1/findings\t-" in listed and "unknown or revoked token" in listed
    assert "403\tGET /v1/tokens\treader" in listed
    assert "cmty_secret_guess" not in listed
    assert all(t not in listed for t in live.tokens.values())


def test_admins_make_list_and_revoke_tokens(live: Live) -> None:
    made = httpx.post(
        live.url + "/v1/tokens",
        headers=live.auth("admin"),
        json={"name": "case-system", "roles": ["reader"]},
    )
    assert made.status_code == 201
    secret = made.json()["token"]
    auth = {"Authorization": f"Bearer {secret}"}
    assert httpx.get(live.url + "/v1/findings", headers=auth).status_code == 200
    listed = httpx.get(live.url + "/v1/tokens", headers=live.auth("admin")).json()["tokens"]
    assert {"name": "case-system", "roles": ["reader"]}.items() <= next(
        t for t in listed if t["name"] == "case-system"
    ).items()
    assert secret not in json.dumps(listed)
    again = httpx.post(
        live.url + "/v1/tokens",
        headers=live.auth("admin"),
        json={"name": "case-system", "roles": ["reader"]},
    )
    problem(again, 422)
    problem(
        httpx.post(
            live.url + "/v1/tokens",
            headers=live.auth("admin"),
            json={"name": "x", "roles": ["god"]},
        ),
        422,
    )
    revoked = httpx.delete(live.url + "/v1/tokens/case-system", headers=live.auth("admin"))
    assert revoked.json() == {"name": "case-system", "revoked": True, "already_revoked": False}
    problem(httpx.get(live.url + "/v1/findings", headers=auth), 401)
    problem(httpx.delete(live.url + "/v1/tokens/nobody", headers=live.auth("admin")), 422)


def test_the_store_keeps_only_hashes_of_tokens(live: Live, backend: str) -> None:
    if backend == "sqlite":
        raw = Path(live.store).read_bytes()
        kept = [
            h.decode()
            for h in (hashlib.sha256(t.encode()).hexdigest().encode() for t in live.tokens.values())
            if h in raw
        ]
        assert all(t.encode() not in raw for t in live.tokens.values())
    else:
        import psycopg

        with psycopg.connect(live.store) as conn:
            rows = conn.execute("SELECT name, hash, roles FROM service_tokens").fetchall()
        kept = [r[1] for r in rows]
        assert all(t not in repr(rows) for t in live.tokens.values())
    assert len(kept) >= len(live.tokens)
    assert {hashlib.sha256(t.encode()).hexdigest() for t in live.tokens.values()} <= set(kept)


# --------------------------------------------------------------------------- appends


def test_append_stores_all_and_reports_what_was_there(live: Live) -> None:
    batch = [event("H-1", "h1-1"), event("H-1", "h1-2", "asset_located")]
    first = httpx.post(live.url + "/v1/events", headers=live.auth("writer"), json=batch)
    assert first.status_code == 201
    stored = first.json()["stored"]
    assert [(s["event_id"], s["seq"]) for s in stored] == [("h1-1", 1), ("h1-2", 2)]
    assert stored[1]["position"] == stored[0]["position"] + 1
    assert first.headers["etag"] == '"2"'
    again = httpx.post(live.url + "/v1/events", headers=live.auth("writer"), json=batch)
    assert again.status_code == 200
    assert again.json() == {"stored": [], "already_stored": ["h1-1", "h1-2"]}
    lines = "\n".join(
        json.dumps(e)
        for e in [*batch, event("H-1", "h1-3", "case_closed", occurred_at="2020-02-01")]
    )
    mixed = httpx.post(
        live.url + "/v1/events",
        headers={**live.auth("writer"), "Content-Type": "application/x-ndjson"},
        content=lines.encode(),
    )
    assert mixed.status_code == 201
    assert mixed.json()["already_stored"] == ["h1-1", "h1-2"]
    assert [s["seq"] for s in mixed.json()["stored"]] == [3]
    log = comity(live.store, "log", "--case", "H-1", "--format", "jsonl").stdout.splitlines()
    assert [json.loads(line)["event_id"] for line in log] == ["h1-1", "h1-2", "h1-3"]


def test_bad_events_get_the_words_of_comity_ingest(live: Live, tmp_path: Path) -> None:
    lines = [
        json.dumps(event("B-1", "b1-1")),
        json.dumps(event("B-1", "b1-2", occurred_at="24/07/2019")),
        '{"type": "case_opened", "type": "x"}',
        json.dumps(event("B-1", "b1-1")),
        "not json",
    ]
    body = ("\n".join(lines) + "\n").encode()
    answer = httpx.post(
        live.url + "/v1/events",
        headers={**live.auth("writer"), "Content-Type": "application/x-ndjson"},
        content=body,
    )
    refused = problem(answer, 422)
    file = tmp_path / "bad.jsonl"
    file.write_bytes(body)
    cli = subprocess.run(
        [sys.executable, "-m", "comity.cli", "--store", live.store, "ingest", "-"],
        input=body,
        capture_output=True,
    )
    assert cli.returncode == 3
    cli_lines = [
        line.removeprefix("Error: ").replace("<stdin>", "<body>")
        for line in cli.stderr.decode().splitlines()
    ]
    assert refused["detail"].split("\n") == cli_lines
    assert [(e["line"], e["path"]) for e in refused["errors"]] == [
        (2, "occurred_at"),
        (3, ""),
        (4, "event_id"),
        (5, ""),
    ]
    # The same events as a JSON array: the same problems, numbered by item.
    items = [event("B-1", "b1-1"), event("B-1", "b1-2", occurred_at="24/07/2019")]
    as_array = problem(
        httpx.post(live.url + "/v1/events", headers=live.auth("writer"), json=items), 422
    )
    assert as_array["errors"][0]["line"] == 2
    assert as_array["errors"][0]["message"] == refused["errors"][0]["message"]
    cases = httpx.get(live.url + "/v1/cases/B-1/events", headers=live.auth("reader"))
    problem(cases, 404)  # nothing of either batch was stored


def test_an_event_id_with_other_content_is_422(live: Live) -> None:
    httpx.post(live.url + "/v1/events", headers=live.auth("writer"), json=[event("D-1", "d1")])
    other = event("D-1", "d1", title="changed")
    body = problem(
        httpx.post(live.url + "/v1/events", headers=live.auth("writer"), json=[other]), 422
    )
    assert body["event_id"] == "d1" and "different content" in body["detail"]


def test_if_match_stores_only_on_the_expected_seq(live: Live) -> None:
    url, writer = live.url + "/v1/events", live.auth("writer")
    ok = httpx.post(url, headers={**writer, "If-Match": "0"}, json=[event("M-1", "m1")])
    assert ok.status_code == 201
    etag = httpx.get(live.url + "/v1/cases/M-1/events", headers=live.auth("reader")).headers["etag"]
    assert etag == '"1"'
    nxt = event("M-1", "m2", "asset_located")
    assert httpx.post(url, headers={**writer, "If-Match": etag}, json=[nxt]).status_code == 201
    stale = httpx.post(
        url,
        headers={**writer, "If-Match": '"1"'},
        json=[event("M-1", "m3", "asset_located", asset_id="A2")],
    )
    body = problem(stale, 412)
    assert (body["expected_seq"], body["last_seq"]) == (1, 2)
    assert stale.headers["etag"] == '"2"'
    # A retry of what was stored is still a no-op, whatever the seq now.
    assert httpx.post(url, headers={**writer, "If-Match": "0"}, json=[nxt]).status_code == 200
    problem(httpx.post(url, headers={**writer, "If-Match": "abc"}, json=[nxt]), 400)
    two = [event("M-2", "m2-1"), event("M-3", "m3-1")]
    problem(httpx.post(url, headers={**writer, "If-Match": "0"}, json=two), 422)


def test_unsupported_media_is_415(live: Live) -> None:
    problem(
        httpx.post(
            live.url + "/v1/events",
            headers={**live.auth("writer"), "Content-Type": "text/csv"},
            content=b"a,b",
        ),
        415,
    )


def test_limits_have_clear_answers(live: Live, servers: Callable[..., Server]) -> None:
    small = servers(
        live.store,
        extra=("--max-body-bytes", "2048", "--max-batch", "3", "--no-watch"),
        ready=False,
    )
    url, writer = small.url + "/v1/events", live.auth("writer")
    big = problem(httpx.post(url, headers=writer, json=[event("L-1", "l" * 100)] * 40), 413)
    assert big["max_body_bytes"] == 2048
    many = [event("L-1", f"l{i}") for i in range(4)]
    assert problem(httpx.post(url, headers=writer, json=many), 413)["max_batch_events"] == 3

    def chunks() -> Any:
        for _ in range(10):
            yield b" " * 1000

    problem(httpx.post(url, headers=writer, content=chunks()), 413)  # no Content-Length
    assert httpx.post(url, headers=writer, json=many[:3]).status_code == 201


def test_a_body_that_does_not_arrive_in_time_is_408_and_nothing_is_stored(
    live: Live, servers: Callable[..., Server]
) -> None:
    """The request time limit: a client that announces a body and stops sending gets a
    408 problem, not a connection held for ever; nothing of the batch is stored."""
    quick = servers(live.store, extra=("--request-timeout", "1", "--no-watch"), ready=False)
    body = json.dumps([event("SLOW-1", "slow-1")]).encode()
    head = (
        "POST /v1/events HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{quick.port}\r\n"
        f"Authorization: Bearer {live.tokens['writer']}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", quick.port), timeout=60) as conn:
        conn.sendall(head + body[:10])  # and then nothing more
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            chunk = conn.recv(65536)
            if not chunk:
                break
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.startswith(b"HTTP/1.1 408"), answer
    headers, _, payload = rest.partition(b"\r\n\r\n")
    assert b"content-type: application/problem+json" in headers.lower()
    detail = json.loads(payload)
    assert detail["type"] == "urn:comity:problem:timeout"
    assert "nothing was stored" in detail["detail"]
    case = httpx.get(live.url + "/v1/cases/SLOW-1/events", headers=live.auth("reader"))
    problem(case, 404)


# --------------------------------------------------------------------------- reads


def test_case_events_are_the_log_and_the_read_is_recorded(live: Live) -> None:
    answer = httpx.get(live.url + "/v1/cases/PA-2019-0042/events", headers=live.auth("reader"))
    assert answer.status_code == 200
    log = comity(live.store, "log", "--case", "PA-2019-0042", "--format", "jsonl").stdout
    assert answer.json()["events"] == [json.loads(line) for line in log.splitlines()]
    record = disclosure_of(live, answer)
    assert record["actor"] == "reader" and record["cases"] == ["PA-2019-0042"]
    assert record["output"]["sha256"] == hashlib.sha256(answer.content).hexdigest()
    problem(httpx.get(live.url + "/v1/cases/NOPE/events", headers=live.auth("reader")), 404)


def test_findings_are_those_of_comity_findings(live: Live) -> None:
    answer = httpx.get(live.url + "/v1/findings", headers=live.auth("reader"))
    assert answer.status_code == 200
    doc = answer.json()
    # Comparing with the CLI needs the store not to move: read at the same cut.
    cli = comity(live.store, "findings", "--format", "jsonl").stdout.splitlines()
    cli_ids = [json.loads(line)["finding_id"] for line in cli]
    ids = [f["finding_id"] for f in doc["findings"]]
    assert set(ids) <= set(cli_ids) or doc["position"] < int(
        httpx.get(live.url + "/readyz").json()["log_position"]
    )
    record = disclosure_of(live, answer)
    assert record["finding_ids"] == ids and record["actor"] == "reader"
    assert record["output"]["sha256"] == hashlib.sha256(answer.content).hexdigest()
    assert_basis_shown(doc, record)
    critical = httpx.get(
        live.url + "/v1/findings",
        headers=live.auth("reader"),
        params={"severity": "critical", "case": "PA-2019-0042", "open": "true"},
    ).json()["findings"]
    assert critical and all(
        f["severity"] == "critical" and f["resolved_at"] is None for f in critical
    )
    by_code = httpx.get(
        live.url + "/v1/findings",
        headers=live.auth("reader"),
        params={"code": critical[0]["code"], "jurisdiction": critical[0]["jurisdictions"][0]},
    ).json()["findings"]
    assert critical[0]["finding_id"] in [f["finding_id"] for f in by_code]
    for params in ({"severity": "huge"}, {"open": "maybe"}, {"since": "yesterday"}, {"x": "1"}):
        problem(
            httpx.get(live.url + "/v1/findings", headers=live.auth("reader"), params=params), 400
        )
    problem(
        httpx.get(live.url + "/v1/findings", headers=live.auth("reader"), params={"case": "NOPE"}),
        404,
    )


def test_a_case_the_findings_store_has_not_reached_is_503_not_404(
    new_store: Callable[[], str], servers: Callable[..., Server]
) -> None:
    """Read-your-append: a case just appended is in the log before the watcher applies
    it. Its findings answer 503 with Retry-After (curl --retry and any HTTP client
    retry that), not 404, which says the case does not exist; once the findings store
    has applied it, 200."""
    store = new_store()
    comity(store, "watch", "--once")  # a findings store with a cut, kept still below
    tokens = make_tokens(store)
    server = servers(store, extra=("--no-watch",))
    auth = {"Authorization": f"Bearer {tokens['app']}"}
    stored = httpx.post(server.url + "/v1/events", headers=auth, json=[event("NEW", "NEW-1")])
    assert stored.status_code == 201
    for path, params in (
        ("/v1/cases/NEW/findings", {}),
        ("/v1/findings", {"case": "NEW"}),
        ("/v1/deadlines", {"case": "NEW"}),
    ):
        answer = httpx.get(server.url + path, headers=auth, params=params)
        body = problem(answer, 503)
        assert body["type"] == "urn:comity:problem:not-caught-up"
        assert answer.headers["retry-after"] == "1"
        assert "'NEW' is in the log" in body["detail"]
    problem(httpx.get(server.url + "/v1/cases/NOPE/findings", headers=auth), 404)
    comity(store, "watch", "--once")
    answer = httpx.get(server.url + "/v1/cases/NEW/findings", headers=auth)
    assert answer.status_code == 200 and answer.json()["case_id"] == "NEW"


def assert_basis_shown(doc: dict[str, Any], record: dict[str, Any]) -> None:
    """Every output names what it stands on (issue 11 item 2): the basis member after
    the cut is the one recorded, the log head covered, the checkpoint and versions."""
    keys = list(doc)
    assert keys[:5] == ["as_of", "known_at", "rulepack", "position", "basis"], keys
    inputs = record["inputs"]
    assert doc["basis"]["log"] == inputs["log"] and doc["basis"]["log"]["hash"]
    assert doc["basis"]["checkpoint"] == inputs["checkpoint"]
    assert doc["basis"]["versions"] == inputs["versions"] and "comity" in inputs["versions"]
    assert doc["basis"]["rulepack"] == doc["rulepack"]


def test_case_findings_and_explain(live: Live) -> None:
    answer = httpx.get(live.url + "/v1/cases/PA-2019-0042/findings", headers=live.auth("reader"))
    case = answer.json()
    assert_basis_shown(case, disclosure_of(live, answer))
    assert case["case_id"] == "PA-2019-0042" and case["findings"]
    opened = httpx.get(
        live.url + "/v1/cases/PA-2019-0042/findings",
        headers=live.auth("reader"),
        params={"open": "true"},
    ).json()["findings"]
    assert opened == [f for f in case["findings"] if f["resolved_at"] is None]
    problem(httpx.get(live.url + "/v1/cases/NOPE/findings", headers=live.auth("reader")), 404)
    resolved = next(f for f in case["findings"] if f["resolved_by"])
    explained = httpx.get(
        live.url + f"/v1/findings/{resolved['finding_id']}", headers=live.auth("reader")
    )
    doc = explained.json()
    assert doc["finding"] == resolved
    assert [e["event_id"] for e in doc["because"]] == resolved["because"]
    assert [e["event_id"] for e in doc["resolved_by"]] == resolved["resolved_by"]
    assert doc["rule"]["id"] == resolved["rule"]
    text = comity(live.store, "explain", resolved["finding_id"]).stdout
    assert doc["rule"]["title"] in text and resolved["because"][0] in text
    assert disclosure_of(live, explained)["finding_ids"] == [resolved["finding_id"]]
    assert_basis_shown(doc, disclosure_of(live, explained))
    problem(httpx.get(live.url + "/v1/findings/nope", headers=live.auth("reader")), 404)


def test_deadlines_within(live: Live) -> None:
    everything = httpx.get(live.url + "/v1/deadlines", headers=live.auth("reader")).json()
    assert everything["within"] is None
    soon = httpx.get(
        live.url + "/v1/deadlines", headers=live.auth("reader"), params={"within": "0"}
    ).json()
    assert soon["within"] == 0
    assert all(d in everything["deadlines"] for d in soon["deadlines"])
    for bad in ("-1", "x", "999999999"):
        problem(
            httpx.get(
                live.url + "/v1/deadlines", headers=live.auth("reader"), params={"within": bad}
            ),
            400,
        )


def test_replay_is_the_document_of_comity_replay(live: Live) -> None:
    cut: dict[str, Any] = {
        "as_of": "2020-06-30",
        "known_at": "2100-01-01T00:00:00Z",
        "cases": ["PA-2019-0042"],
    }
    answer = httpx.post(live.url + "/v1/replay", headers=live.auth("reader"), json=cut)
    assert answer.status_code == 200
    cli = comity(
        live.store,
        "replay",
        "--format",
        "json",
        "--as-of",
        cut["as_of"],
        "--known-at",
        cut["known_at"],
        "--case",
        "PA-2019-0042",
    ).stdout
    assert answer.content == cli.encode()
    record = disclosure_of(live, answer)
    assert record["cases"] == ["PA-2019-0042"] and record["finding_ids"]
    for bad in (
        {"as_of": "tomorrow"},
        {"cases": "PA-2019-0042"},
        {"at": "2020-01-01"},
        [1],
    ):
        status = 400 if "as_of" in bad else 422
        problem(httpx.post(live.url + "/v1/replay", headers=live.auth("reader"), json=bad), status)
    problem(
        httpx.post(live.url + "/v1/replay", headers=live.auth("reader"), json={"cases": ["NOPE"]}),
        404,
    )


def test_checkpoints_for_auditors(live: Live, tmp_path: Path) -> None:
    problem(httpx.get(live.url + "/v1/checkpoints/latest", headers=live.auth("auditor")), 404)
    key = tmp_path / "key"
    comity(live.store, "keygen", "--out", str(key))
    signed = comity(live.store, "checkpoint", "--key", str(key)).stdout
    answer = httpx.get(live.url + "/v1/checkpoints/latest", headers=live.auth("auditor"))
    assert answer.status_code == 200
    doc = answer.json()
    assert doc["log"] == "events" and doc["note"].strip() == signed.strip()
    problem(
        httpx.get(
            live.url + "/v1/checkpoints/latest", headers=live.auth("auditor"), params={"log": "x"}
        ),
        400,
    )


def test_comity_token_prints_the_token_once(live: Live) -> None:
    made = comity(live.store, "token", "add", "cli-made", "--role", "reader", "--role", "writer")
    secret = made.stdout.strip()
    assert secret.startswith("cmty_") and "shown only now" in made.stderr
    answer = httpx.get(live.url + "/v1/findings", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 200
    listed = comity(live.store, "token", "list").stdout
    assert "cli-made\treader,writer" in listed.replace("writer,reader", "reader,writer")
    assert secret not in listed
    comity(live.store, "token", "revoke", "cli-made")
    assert "revoked" in comity(live.store, "token", "list").stdout
    problem(
        httpx.get(live.url + "/v1/findings", headers={"Authorization": f"Bearer {secret}"}), 401
    )
