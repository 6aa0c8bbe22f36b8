"""An event that contradicts itself is refused at input, naming the field.

What one event says about itself must hold together (an order cannot expire before
it was issued); a contradiction *between* events is not refused, because the missing
or correcting event may still come (the data-quality rules report those:
tests/scenarios/quality-*.toml). Refused by the codec (`decode_event`), by the log's
check of events built in Python (`check_event`), and by `comity ingest` as one
`Error:` line with exit code 3 and nothing written.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from comity.cli import cli
from comity.errors import EventFormatError
from comity.events import open_log
from comity.events.codec import check_event, contradiction, decode_event

ENVELOPE = {"event_id": "e9", "case_id": "C1", "occurred_at": "2020-03-10"}

#: (what is wrong, the event, the field the error must name, words the message has)
REFUSED: list[tuple[str, dict[str, Any], str, str]] = [
    (
        "an order that expires before it was issued",
        {
            "type": "order_issued",
            "order_id": "O1",
            "order_type": "freeze",
            "issuing_jurisdiction": "PA",
            "asset_ids": ["A1"],
            "expires_on": "2020-03-09",
        },
        "expires_on",
        "the order expires on 2020-03-09, before it was issued (occurred_at 2020-03-10)",
    ),
    (
        "an order issued at an instant whose UTC day is after its expiry",
        {
            "type": "order_issued",
            "order_id": "O1",
            "order_type": "seizure",
            "issuing_jurisdiction": "PA",
            "occurred_at": "2020-03-09T20:00:00-05:00",
            "expires_on": "2020-03-09",
        },
        "expires_on",
        "before it was issued (occurred_at 2020-03-10T01:00:00Z)",
    ),
    (
        "an extension that ends before it was granted",
        {"type": "order_extended", "order_id": "O1", "expires_on": "2020-01-31"},
        "expires_on",
        "the extension runs to 2020-01-31, before it was granted",
    ),
    (
        "a suspension extended to a day before the extension",
        {"type": "fiu_postponement_extended", "postponement_id": "F1", "expires_on": "2020-03-01"},
        "expires_on",
        "the suspension is extended to 2020-03-01, before the extension was made",
    ),
    (
        "a transfer from an asset into the same asset",
        {
            "type": "transfer_detected",
            "transfer_id": "T1",
            "from_asset_id": "A1",
            "to_asset_id": "A1",
            "from_jurisdiction": "PA",
            "to_jurisdiction": "US",
            "amount": {"amount": "10.00", "currency": "USD"},
        },
        "to_asset_id",
        "from asset A1 into the same asset",
    ),
    (
        "a request for assistance to oneself",
        {
            "type": "mla_request_sent",
            "request_id": "R1",
            "requesting_jurisdiction": "PA",
            "requested_jurisdiction": "PA",
            "purpose": "evidence",
        },
        "requested_jurisdiction",
        "a request for assistance from PA to itself",
    ),
    (
        "a return from a jurisdiction to itself",
        {
            "type": "asset_returned",
            "asset_id": "A1",
            "from_jurisdiction": "CH",
            "to_jurisdiction": "CH",
        },
        "to_jurisdiction",
        "a return from CH to itself",
    ),
    (
        "an ownership link to nothing",
        {
            "type": "ownership_linked",
            "link_id": "L1",
            "owner_id": "S1",
            "relation": "beneficial_owner",
        },
        "owned_id",
        "names neither owned_id",
    ),
    (
        "a party that owns itself",
        {
            "type": "ownership_linked",
            "link_id": "L1",
            "owner_id": "E1",
            "relation": "shareholder",
            "owned_id": "E1",
        },
        "owned_id",
        "E1 is linked to itself",
    ),
    (
        "a proceeding closed by transfer to nowhere",
        {"type": "proceeding_closed", "proceeding_id": "P1", "outcome": "transferred"},
        "transferred_to_jurisdiction",
        "is required when the outcome is transferred",
    ),
    (
        "a jurisdiction of transfer for a proceeding closed otherwise",
        {
            "type": "proceeding_closed",
            "proceeding_id": "P1",
            "outcome": "acquitted",
            "transferred_to_jurisdiction": "CO",
        },
        "transferred_to_jurisdiction",
        "the outcome is acquitted, not transferred",
    ),
]

#: Close to each refusal, but consistent: accepted.
ACCEPTED: list[tuple[str, dict[str, Any]]] = [
    (
        "an order that expires on the day it was issued",
        {
            "type": "order_issued",
            "order_id": "O1",
            "order_type": "freeze",
            "issuing_jurisdiction": "PA",
            "expires_on": "2020-03-10",
        },
    ),
    (
        "an instant whose UTC day is the expiry, though later in local time",
        {
            "type": "order_issued",
            "order_id": "O1",
            "order_type": "freeze",
            "issuing_jurisdiction": "PA",
            "occurred_at": "2020-03-09T18:00:00-05:00",
            "expires_on": "2020-03-09",
        },
    ),
    (
        "an extension that ends before the order's own expiry (a court may shorten it)",
        {"type": "order_extended", "order_id": "O1", "expires_on": "2020-03-10"},
    ),
    (
        "a transfer to an asset not known, within one jurisdiction",
        {
            "type": "transfer_detected",
            "transfer_id": "T1",
            "from_asset_id": "A1",
            "from_jurisdiction": "PA",
            "to_jurisdiction": "PA",
            "amount": {"amount": "10.00", "currency": "USD"},
        },
    ),
    (
        "a link holding an asset",
        {
            "type": "ownership_linked",
            "link_id": "L1",
            "owner_id": "S1",
            "relation": "beneficial_owner",
            "asset_id": "A1",
        },
    ),
    (
        "a proceeding transferred to another jurisdiction",
        {
            "type": "proceeding_closed",
            "proceeding_id": "P1",
            "outcome": "transferred",
            "transferred_to_jurisdiction": "CO",
        },
    ),
]


def _doc(fields: dict[str, Any]) -> dict[str, Any]:
    return {**ENVELOPE, **fields}


@pytest.mark.parametrize(("what", "fields", "field", "words"), REFUSED, ids=[r[0] for r in REFUSED])
def test_the_codec_refuses_an_event_that_contradicts_itself(
    what: str, fields: dict[str, Any], field: str, words: str
) -> None:
    with pytest.raises(EventFormatError) as caught:
        decode_event(_doc(fields), source="case.jsonl", line=7)
    (problem,) = caught.value.problems
    assert (problem.source, problem.line, problem.path) == ("case.jsonl", 7, field)
    assert words in problem.message
    assert str(caught.value).startswith(f"case.jsonl:7: {field}: ")
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(("what", "fields", "field", "words"), REFUSED, ids=[r[0] for r in REFUSED])
def test_the_log_refuses_the_same_event_built_in_python(
    what: str, fields: dict[str, Any], field: str, words: str
) -> None:
    event = decode_event(_doc(fields), stored=True)  # a store's records are not re-judged
    assert contradiction(event) is not None
    with pytest.raises(EventFormatError) as caught:
        check_event(event)
    assert caught.value.problems[0].path == field
    log = open_log(":memory:")
    try:
        with pytest.raises(EventFormatError):
            log.append([event])
        assert list(log.read_case("C1")) == []
    finally:
        log.close()


@pytest.mark.parametrize(("what", "fields"), ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_a_consistent_event_close_to_a_refused_one_is_accepted(
    what: str, fields: dict[str, Any]
) -> None:
    event = decode_event(_doc(fields))
    assert contradiction(event) is None
    check_event(event)


def test_an_extension_to_its_own_utc_day_granted_late_that_day_is_accepted() -> None:
    event = decode_event(
        _doc(
            {
                "type": "order_extended",
                "order_id": "O1",
                "expires_on": "2020-03-10",
                "occurred_at": "2020-03-10T23:59:59Z",
            }
        )
    )
    assert event.occurred_at == dt.datetime(2020, 3, 10, 23, 59, 59, tzinfo=dt.UTC)


def test_ingest_refuses_it_in_one_line_and_writes_nothing(tmp_path: Path) -> None:
    store = tmp_path / "comity.db"
    runner = CliRunner()
    assert runner.invoke(cli, ["--store", str(store), "init"]).exit_code == 0
    lines = [
        {
            "event_id": "e1",
            "case_id": "C1",
            "type": "case_opened",
            "occurred_at": "2020-03-01",
            "lead_jurisdiction": "PA",
        },
        _doc(REFUSED[0][1]),
    ]
    path = tmp_path / "case.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    result = runner.invoke(cli, ["--store", str(store), "ingest", str(path)])
    assert result.exit_code == 3, result.output
    assert result.stderr.splitlines() == [
        f"Error: {path}:2: expires_on: the order expires on 2020-03-09, before it was "
        "issued (occurred_at 2020-03-10); check both dates"
    ]
    log = runner.invoke(cli, ["--store", str(store), "log", "--format", "jsonl"])
    assert log.exit_code == 0 and log.stdout == ""
