"""A log of many cases for the tests of parallel replay: every example, several times.

Each copy renames its cases and events (`-k1`, `-k2`, ...) and drops a different tail of
events, so that the cases differ in what they find.
"""

from __future__ import annotations

import json
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def many_cases_jsonl(path: Path, copies: int = 3) -> Path:
    """Write a JSON Lines file of `copies` variants of every example case; return it."""
    lines: list[str] = []
    for example in sorted(EXAMPLES.glob("*.jsonl")):
        events = [json.loads(line) for line in example.read_text(encoding="utf-8").splitlines()]
        for k in range(copies):
            keep = len(events) - (k * len(events)) // (copies + 1)
            for event in events[:keep]:
                renamed = {
                    **event,
                    "case_id": f"{event['case_id']}-k{k}",
                    "event_id": f"{event['event_id']}-k{k}",
                }
                lines.append(json.dumps(renamed, ensure_ascii=False))
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path
