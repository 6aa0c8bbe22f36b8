"""APPLICATION: replay of case logs through the rule pack, findings, incremental sessions."""

from comity.engine.findings import (
    CaseResult,
    Changes,
    Citation,
    CountedPeriod,
    DeadlineDetail,
    Finding,
    OpenDeadline,
    ParameterSource,
    StatedLastDay,
    finding_id,
)
from comity.engine.replay import CaseSession, Cause, as_of_limit, replay_case, replay_log

__all__ = [
    "CaseResult",
    "CaseSession",
    "Cause",
    "Changes",
    "Citation",
    "CountedPeriod",
    "DeadlineDetail",
    "Finding",
    "OpenDeadline",
    "ParameterSource",
    "StatedLastDay",
    "as_of_limit",
    "finding_id",
    "replay_case",
    "replay_log",
]
