"""PRESENTATION: what the command line (and any other front end) shows of a replay.

Pure functions over the engine's and the log's typed results (:class:`CaseResult`,
:class:`Finding`, :class:`OpenDeadline`, :class:`StoredEvent`, :class:`Rule`,
:class:`RulePack`) that return text: lines for people (:mod:`comity.report.text`),
JSON documents and JSON Lines for programs (:mod:`comity.report.json`). They read
no store, no clock and no terminal, and import no command-line library, so that the
CLI, an HTTP service or a scheduled report render a replay the same way.
"""

from comity.report.at import ReplayAt
from comity.report.deadlines import running_deadlines
from comity.report.json import (
    deadlines_document,
    findings_jsonl,
    json_document,
    replay_document,
    stored_events_jsonl,
)
from comity.report.select import Selection
from comity.report.tally import Tally
from comity.report.text import (
    case_lines,
    deadlines_lines,
    explain_lines,
    findings_table_lines,
    log_lines,
    replay_lines,
    rule_lines,
    rules_list_lines,
)

__all__ = [
    "ReplayAt",
    "Selection",
    "Tally",
    "case_lines",
    "deadlines_document",
    "deadlines_lines",
    "explain_lines",
    "findings_jsonl",
    "findings_table_lines",
    "json_document",
    "log_lines",
    "replay_document",
    "replay_lines",
    "rule_lines",
    "rules_list_lines",
    "running_deadlines",
    "stored_events_jsonl",
]
