"""The text reports, for people at a terminal: each an iterator of lines (no newlines).

Iterators, so that a caller can print a long report as it is produced; plain lines,
so that the caller chooses where they go (a terminal, a file, an HTTP response).
"""

from comity.report.text.deadlines import deadlines_lines
from comity.report.text.explain import explain_lines
from comity.report.text.findings import findings_table_lines
from comity.report.text.log import log_lines
from comity.report.text.replay import case_lines, replay_lines
from comity.report.text.rules import rule_lines, rules_list_lines

__all__ = [
    "case_lines",
    "deadlines_lines",
    "explain_lines",
    "findings_table_lines",
    "log_lines",
    "replay_lines",
    "rule_lines",
    "rules_list_lines",
]
