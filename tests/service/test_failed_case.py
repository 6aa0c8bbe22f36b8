"""A case whose replay failed is an error over HTTP, not an empty list of findings.

The findings store keeps such a case with no findings and the error a replay reports
(`FindingsStore.failures()`); `comity findings` names it and exits 4. The service
answers a read that names it with a 500 problem `urn:comity:problem:case-failed`
naming the case and the error, and a read of every case with the findings of the
others and the failed cases in `failures`. Through a live server on 127.0.0.1, under
a rule pack that fails every case holding a freeze (its rule reads an order's
jurisdiction as a date, which the loader cannot see).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from engine_cases import FAILING_RULE
from live import Server, comity, make_tokens, problem

ERROR = "ValueError: Invalid isoformat string: 'CH' (unexpected: report it with the case's events)"


def _order(case: str, n: int, order_type: str, day: str) -> dict[str, Any]:
    return {
        "event_id": f"{case}-{n}",
        "case_id": case,
        "type": "order_issued",
        "occurred_at": day,
        "order_id": f"O{n}",
        "order_type": order_type,
        "issuing_jurisdiction": "CH",
        "asset_ids": ["A1"],
        "expires_on": "2031-06-30",
    }


def _case(case: str) -> list[dict[str, Any]]:
    return [
        {
            "event_id": f"{case}-1",
            "case_id": case,
            "type": "case_opened",
            "occurred_at": "2021-03-01",
            "lead_jurisdiction": "PA",
            "offences": ["fraud"],
        },
        {
            "event_id": f"{case}-2",
            "case_id": case,
            "type": "asset_located",
            "occurred_at": "2021-03-01",
            "asset_id": "A1",
            "asset_type": "bank_account",
            "jurisdiction": "CH",
        },
        _order(case, 3, "seizure", "2021-03-02"),
    ]


def _until(get: Any, done: Any) -> httpx.Response:
    """The answer once the service's watcher has applied what was appended."""
    for _attempt in range(300):
        answer: httpx.Response = get()
        if done(answer):
            return answer
        time.sleep(0.1)
    raise AssertionError(f"never: {answer.status_code} {answer.text}")


def test_a_failed_case_is_a_problem_and_the_others_are_answered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "bad-pack"
    (bad / "rules").mkdir(parents=True)
    (bad / "rules" / "bad.toml").write_text(FAILING_RULE, encoding="utf-8")
    monkeypatch.setenv("COMITY_RULES", str(bad))  # the server's rule pack
    store = str(tmp_path / "comity.db")
    comity(store, "init")
    tokens = make_tokens(store)
    server = Server(store, tmp_path).start()
    try:
        reader = {"Authorization": f"Bearer {tokens['reader']}"}

        def get(path: str, **params: Any) -> httpx.Response:
            return httpx.get(server.url + path, params=params, headers=reader, timeout=60)

        stored = httpx.post(
            server.url + "/v1/events",
            json=_case("A") + _case("B") + _case("C"),
            headers={"Authorization": f"Bearer {tokens['writer']}"},
            timeout=60,
        )
        assert stored.status_code == 201, stored.text
        healthy = _until(lambda: get("/v1/cases/B/findings"), lambda r: r.status_code == 200)
        held = [f["finding_id"] for f in healthy.json()["findings"]]
        assert held  # B's seizure gives findings while B replays
        # a freeze makes every replay of B fail under this pack: what it held is withdrawn
        freeze = httpx.post(
            server.url + "/v1/events",
            json=[_order("B", 4, "freeze", "2021-03-03")],
            headers={"Authorization": f"Bearer {tokens['writer']}"},
            timeout=60,
        )
        assert freeze.status_code == 201, freeze.text
        failed = _until(lambda: get("/v1/cases/B/findings"), lambda r: r.status_code != 200)
        body = problem(failed, 500)
        assert body["type"] == "urn:comity:problem:case-failed"
        assert body["detail"] == f"case 'B' could not be replayed: {ERROR}"
        assert body["failures"] == [{"case_id": "B", "error": ERROR}]
        assert "comity-disclosure" not in failed.headers  # nothing was shown

        for path, params in (
            ("/v1/findings", {"case": ["A", "B"]}),
            ("/v1/findings", {"case": "B", "open": "true"}),
            ("/v1/deadlines", {"case": "B"}),
            (f"/v1/findings/{held[0]}", {}),  # a finding B held before it failed
        ):
            answer = get(path, **params)
            body = problem(answer, 500)
            assert body["failures"] == [{"case_id": "B", "error": ERROR}], path

        # the healthy cases are answered as before; a read of every case lists B
        assert get("/v1/findings", case=["A", "C"]).json().get("failures") is None
        everything = get("/v1/findings")
        assert everything.status_code == 200
        assert everything.json()["failures"] == [{"case_id": "B", "error": ERROR}]
        assert {f["case_id"] for f in everything.json()["findings"]} == {"A", "C"}
        deadlines = get("/v1/deadlines")
        assert deadlines.status_code == 200
        assert deadlines.json()["failures"] == [{"case_id": "B", "error": ERROR}]
        assert "B" not in {d["case_id"] for d in deadlines.json()["deadlines"]}
        # and an unknown finding is still "no such finding"
        problem(get("/v1/findings/0123456789abcdef0123"), 404)
    finally:
        server.stop()
    # what was shown was recorded, and is derived again from the log
    reproduced = comity(store, "audit", "reproduce", "--all")
    lines = reproduced.stdout.splitlines()
    assert len(lines) >= 4 and all(" http " in x and ": reproduced: " in x for x in lines), lines
