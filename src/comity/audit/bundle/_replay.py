"""The replay a bundle carries, made the same way by whoever makes and whoever checks it.

`findings.json` is exactly what `comity replay --case C --as-of D --known-at T --format
json` printed for the case when the bundle was made, its `basis` member included (the
bundle states it in its manifest): the document's bytes are compared, not its
meaning, so both sides build it with this function.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from comity.engine import CaseResult, replay_case
from comity.events import StoredEvent, format_time
from comity.rules import RulePack

__all__ = ["findings_document", "replay"]

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def replay(
    events: Sequence[StoredEvent], pack: RulePack, *, case_id: str, as_of: dt.date | dt.datetime
) -> CaseResult:
    return replay_case(events, pack, as_of=as_of, case_id=case_id)


def findings_document(
    result: CaseResult,
    *,
    as_of: str,
    known_at: str,
    rulepack: str,
    basis: Mapping[str, Any] | None,
) -> bytes:
    """The replay document of one case (docs/cli.md, `replay --format json`), with the
    basis the bundle states (the manifest's), in the members' order of that document."""
    document: dict[str, Any] = {"as_of": as_of, "known_at": known_at, "rulepack": rulepack}
    if basis is not None:
        document["basis"] = dict(basis)
    document["cases"] = [result.to_json()]
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def times(as_of: dt.date | dt.datetime, known_at: dt.datetime) -> tuple[str, str]:
    return format_time(as_of), format_time(known_at)
