"""The JSON documents are exactly what `json.dumps` gives for the whole document.

They are written chunk by chunk so that a replay streams; joined, the chunks must be
byte for byte the document a tool would get from `json.dumps(..., indent=2,
ensure_ascii=False)` plus a final newline, for no item, one item or many.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from comity.engine import CaseResult
from comity.events import StoredEvent, canonical_json
from comity.report import (
    ReplayAt,
    deadlines_document,
    findings_jsonl,
    json_document,
    replay_document,
    running_deadlines,
    stored_events_jsonl,
)


def dumped(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("count", [0, 1, 3])
def test_json_document_is_json_dumps_of_the_whole(count: int) -> None:
    head = {"as_of": "2020-12-31", "within": None, "ünïcode": "Köln"}
    items = [{"n": n, "nested": {"list": [n, {"deep": "é"}], "empty": []}} for n in range(count)]
    assert "".join(json_document(head, "items", iter(items))) == dumped({**head, "items": items})


def test_json_document_streams_one_chunk_per_item() -> None:
    chunks = list(json_document({"a": 1}, "items", iter([{"x": 1}, {"x": 2}])))
    assert len(chunks) == 3  # one per item, then the closing brackets


def test_replay_document(results: list[CaseResult], at: ReplayAt) -> None:
    text = "".join(replay_document(iter(results), at, "digest"))
    expected = {
        "as_of": "2021-12-22",
        "known_at": "2099-01-01T00:00:00Z",
        "rulepack": "digest",
        "cases": [r.to_json() for r in results],
    }
    assert text == dumped(expected)
    assert [c["case_id"] for c in json.loads(text)["cases"]] == [r.case_id for r in results]


def test_replay_document_of_no_cases(at: ReplayAt) -> None:
    assert "".join(replay_document(iter([]), at, "d")) == dumped(
        {"as_of": "2021-12-22", "known_at": "2099-01-01T00:00:00Z", "rulepack": "d", "cases": []}
    )


def test_deadlines_document(results: list[CaseResult], at: ReplayAt) -> None:
    running = running_deadlines(results, at.as_of)
    assert running, "the examples have a deadline running at AS_OF"
    text = "".join(deadlines_document(running, at, "digest", 30))
    assert text == dumped(
        {
            "as_of": "2021-12-22",
            "known_at": "2099-01-01T00:00:00Z",
            "rulepack": "digest",
            "within": 30,
            "deadlines": [d.to_json() for d in running],
        }
    )


def test_findings_jsonl_is_one_finding_a_line(results: list[CaseResult]) -> None:
    lines = list(findings_jsonl(iter(results)))
    findings = [f for r in results for f in r.findings]
    assert lines == [json.dumps(f.to_json(), ensure_ascii=False) for f in findings]
    assert all("\n" not in line for line in lines)


def test_stored_events_jsonl_is_canonical_json(stored: list[StoredEvent]) -> None:
    lines = list(stored_events_jsonl(iter(stored)))
    assert lines == [canonical_json(s.to_json()) for s in stored]
    assert [json.loads(line)["position"] for line in lines] == list(range(1, len(stored) + 1))
