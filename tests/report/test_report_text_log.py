"""The log as a text table: fixed widths so that it can stream."""

from __future__ import annotations

from comity.events import StoredEvent
from comity.report import log_lines
from comity.report.text.log import event_rows


def test_the_table_has_a_row_per_event_in_the_order_given(stored: list[StoredEvent]) -> None:
    cases = sorted({s.case_id for s in stored})
    lines = list(log_lines(iter(stored[::-1]), last_position=len(stored), case_ids=cases))
    header, *rows = lines
    assert header.split() == [
        "position",
        "seq",
        "recorded_at",
        "case",
        "type",
        "occurred_at",
        "event_id",
    ]
    assert [row.split()[-1] for row in rows] == [s.event_id for s in stored[::-1]]
    assert len({len(row) - len(row.split()[-1]) for row in rows}) == 1  # one width each
    first = rows[-1].split()
    assert first[:2] == ["1", "1"]
    assert first[3] == stored[0].case_id


def test_columns_are_at_least_as_wide_as_their_names(stored: list[StoredEvent]) -> None:
    (header,) = log_lines(iter([]), last_position=0, case_ids=[])
    assert header.startswith("position     seq  recorded_at")
    assert "  case  type" in header


def test_event_rows_fit_their_content(stored: list[StoredEvent]) -> None:
    few = [s for s in stored if s.case_id == stored[0].case_id][:3]
    header, *rows = event_rows(few, 2)
    assert header.startswith("  seq  position  recorded_at")
    assert [row.split()[0] for row in rows] == [str(s.seq) for s in few]
    assert all(row.endswith(s.event_id) for row, s in zip(rows, few, strict=True))
