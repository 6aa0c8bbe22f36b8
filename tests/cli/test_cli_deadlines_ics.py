"""`comity deadlines --format ics`: a calendar file that re-imports in place.

Each export is parsed with the `icalendar` package, and the fields Outlook and Google
Calendar read are checked in the raw text too (VALUE=DATE, CRLF, METHOD). The Panama
example gives a deadline that moves (freeze O1, extended on 2019-08-30 from
2019-09-05 to 2020-03-05) and then is missed (it lapses on 2020-03-06); what each
export should say is taken from the JSON export of the same command.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import icalendar
import pytest
from click.testing import CliRunner, Result

from comity.cli import cli

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.jsonl"))
KNOWN_AT = "2099-01-01T00:00:00Z"
PANAMA = "PA-2019-0117"


def invoke(store: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--store", str(store), *args], catch_exceptions=False)


def ok(result: Result) -> Result:
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ics") / "comity.db"
    ok(invoke(path, "init"))
    for example in EXAMPLES:
        ok(invoke(path, "ingest", str(example)))
    return path


def export(store: Path, as_of: str, *args: str) -> bytes:
    result = ok(
        invoke(
            store, "deadlines", "--format", "ics", "--as-of", as_of, "--known-at", KNOWN_AT, *args
        )
    )
    return result.stdout_bytes


def running(store: Path, as_of: str, *args: str) -> list[dict[str, Any]]:
    result = ok(
        invoke(
            store, "deadlines", "--format", "json", "--as-of", as_of, "--known-at", KNOWN_AT, *args
        )
    )
    deadlines: list[dict[str, Any]] = json.loads(result.stdout)["deadlines"]
    return deadlines


def events(data: bytes) -> dict[tuple[str, str, str], icalendar.cal.Component]:
    calendar = icalendar.Calendar.from_ical(data)
    return {
        (str(e["X-COMITY-CASE"]), str(e["X-COMITY-RULE"]), str(e["X-COMITY-REF"])): e
        for e in calendar.walk("VEVENT")
    }


def sequence(event: icalendar.cal.Component) -> int:
    """An event's SEQUENCE, the revision number calendars compare."""
    return int(event.decoded("SEQUENCE"))


def write(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)


def test_one_all_day_event_per_open_deadline_with_what_calendars_read(store: Path) -> None:
    data = export(store, "2021-12-31")
    expected = running(store, "2021-12-31")
    assert expected, "the examples have an open deadline at the end of 2021"
    calendar = icalendar.Calendar.from_ical(data)
    assert str(calendar["VERSION"]) == "2.0"
    assert "comity" in str(calendar["PRODID"])
    assert str(calendar["METHOD"]) == "PUBLISH"
    text = data.decode("utf-8")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    found = events(data)
    assert set(found) == {(d["case_id"], d["rule"], d["ref"]) for d in expected}
    for d in expected:
        event = found[(d["case_id"], d["rule"], d["ref"])]
        due = dt.date.fromisoformat(d["due"])
        assert event.decoded("DTSTART") == due
        assert type(event.decoded("DTSTART")) is dt.date  # all-day, not a datetime
        assert event.decoded("DTEND") == due + dt.timedelta(days=1)
        assert event.decoded("DTSTAMP") == dt.datetime(2099, 1, 1, tzinfo=dt.UTC)
        assert str(event["UID"]).endswith("@deadlines.comity")
        assert sequence(event) >= 0
        assert str(event["STATUS"]) == "CONFIRMED"
        description = str(event["DESCRIPTION"])
        assert d["due"] in description and d["case_id"] in description
        assert f"Legal basis: {d['source']['instrument']}" in description  # its parameter's law
        (alarm,) = event.walk("VALARM")
        assert str(alarm["ACTION"]) == "DISPLAY"
        assert alarm.decoded("TRIGGER") == -dt.timedelta(days=3)
    for line in text.split("\r\n"):
        if line.startswith("DTSTART") or line.startswith("DTEND"):
            assert line.split(":")[0].endswith(";VALUE=DATE"), line


def test_an_export_is_the_same_bytes_every_time(store: Path) -> None:
    assert export(store, "2019-09-01") == export(store, "2019-09-01")


def test_the_legal_basis_of_the_rule_is_in_the_description(store: Path) -> None:
    (event,) = events(export(store, "2019-08-29", "--case", PANAMA)).values()
    description = str(event["DESCRIPTION"])
    # DL-001's bases, as `comity rules show DL-001` cites them.
    rule = ok(invoke(store, "rules", "show", "DL-001")).stdout
    assert "UNCAC art. 54(2)" in rule and "UNCAC art. 54(2)" in description
    assert "pa117-009" in description  # the event the deadline rests on


def test_a_moved_deadline_keeps_its_uid_and_gets_a_higher_sequence(
    store: Path, tmp_path: Path
) -> None:
    first = export(store, "2019-08-29", "--case", PANAMA)
    (before,) = events(first).values()
    assert before.decoded("DTSTART") == dt.date(2019, 9, 5)  # O1's first term
    previous = write(tmp_path / "first.ics", first)
    second = export(store, "2019-09-01", "--case", PANAMA, "--previous", previous)
    (after,) = events(second).values()
    assert after.decoded("DTSTART") == dt.date(2020, 3, 5)  # extended on 2019-08-30
    assert str(after["UID"]) == str(before["UID"])
    assert sequence(after) > sequence(before)
    # Nothing changed since: the same SEQUENCE, so a calendar has nothing to update.
    again = export(
        store, "2019-09-02", "--case", PANAMA, "--previous", write(tmp_path / "s.ics", second)
    )
    (same,) = events(again).values()
    assert sequence(same) == sequence(after)


def test_without_previous_an_extension_still_raises_the_sequence(store: Path) -> None:
    (before,) = events(export(store, "2019-08-29", "--case", PANAMA)).values()
    (after,) = events(export(store, "2019-09-01", "--case", PANAMA)).values()
    assert str(after["UID"]) == str(before["UID"])
    assert sequence(after) > sequence(before)


def test_deadlines_no_longer_running_are_sent_missed_or_cancelled(
    store: Path, tmp_path: Path
) -> None:
    september = export(store, "2019-09-01")
    earlier = events(september)
    previous = write(tmp_path / "sep.ics", september)
    march = export(store, "2020-03-10", "--previous", previous)
    now = events(march)
    still = {(d["case_id"], d["rule"], d["ref"]) for d in running(store, "2020-03-10")}
    gone = set(earlier) - still
    assert (PANAMA, "DL-001", "O1") in gone
    for key in gone:
        event, old = now[key], earlier[key]
        assert str(event["UID"]) == str(old["UID"])
        assert sequence(event) == sequence(old) + 1
        assert not event.walk("VALARM")  # no reminder for what is over
    missed = now[(PANAMA, "DL-001", "O1")]
    assert str(missed["X-COMITY-STATE"]) == "missed"
    assert str(missed["STATUS"]) == "CONFIRMED"  # kept on its day, marked missed
    assert str(missed["SUMMARY"]).startswith("MISSED: ")
    replay = ok(
        invoke(store, "replay", "--format", "json", "--as-of", "2020-03-10", "--known-at", KNOWN_AT)
    )
    breach = [
        f
        for case in json.loads(replay.stdout)["cases"]
        for f in case["findings"]
        if f["case_id"] == PANAMA and f["code"] == "order_expired"
    ]
    assert breach and breach[0]["finding_id"] in str(missed["DESCRIPTION"])
    met = [now[k] for k in gone if str(now[k]["X-COMITY-STATE"]) == "met"]
    for event in met:
        assert str(event["STATUS"]) == "CANCELLED"
    # The next export does not send the final word again.
    later = events(export(store, "2020-03-11", "--previous", write(tmp_path / "m.ics", march)))
    assert not gone & set(later)


def test_other_cases_and_later_deadlines_are_carried_over(store: Path, tmp_path: Path) -> None:
    full = export(store, "2019-09-01")
    everything = events(full)
    assert len({case for case, _, _ in everything}) > 1
    previous = write(tmp_path / "all.ics", full)
    one_case = events(export(store, "2019-09-01", "--case", PANAMA, "--previous", previous))
    assert set(one_case) == set(everything)  # nothing cancelled for cases not looked at
    for key, event in one_case.items():
        assert sequence(event) == sequence(everything[key])
        assert str(event["STATUS"]) == "CONFIRMED"
    soon = events(export(store, "2019-09-01", "--within", "10", "--previous", previous))
    assert set(soon) == set(everything)  # one beyond 10 days still runs: not cancelled
    fresh = events(export(store, "2019-09-01", "--within", "10"))
    assert set(fresh) < set(everything)


def test_out_may_replace_the_previous_file(store: Path, tmp_path: Path) -> None:
    path = tmp_path / "deadlines.ics"
    path.write_bytes(export(store, "2019-08-29", "--case", PANAMA))
    (before,) = events(path.read_bytes()).values()
    result = invoke(
        store, "deadlines", "--format", "ics", "--case", PANAMA, "--as-of", "2019-09-01",
        "--known-at", KNOWN_AT, "--previous", str(path), "--out", str(path),
    )  # fmt: skip
    assert result.exit_code == 0 and result.stdout == "", result.output
    (after,) = events(path.read_bytes()).values()
    assert sequence(after) > sequence(before)


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"not a calendar\r\n", "not an iCalendar file"),
        (
            b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//other//x//EN\r\nEND:VCALENDAR\r\n",
            "not written by",
        ),
        (
            b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//comity//deadlines//EN\r\n"
            b"BEGIN:VEVENT\r\nUID:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
            "has no X-COMITY-CASE",
        ),
    ],
)
def test_a_bad_previous_file_is_one_line_of_bad_input(
    store: Path, tmp_path: Path, content: bytes, why: str
) -> None:
    path = write(tmp_path / "bad.ics", content)
    result = invoke(store, "deadlines", "--format", "ics", "--previous", path)
    assert result.exit_code == 3, result.output
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"Error: --previous {path}: ") and why in line
    assert result.stdout == ""


def test_previous_that_is_not_a_file_is_refused(store: Path, tmp_path: Path) -> None:
    result = invoke(store, "deadlines", "--format", "ics", "--previous", str(tmp_path))
    assert result.exit_code == 3 and "not a regular file" in result.stderr


def test_previous_and_out_go_with_ics_only(store: Path, tmp_path: Path) -> None:
    result = invoke(store, "deadlines", "--out", str(tmp_path / "x.ics"))
    assert result.exit_code == 2 and "--out goes with --format ics" in result.output
    assert not (tmp_path / "x.ics").exists()


def test_the_calendar_speaks_the_language_of_the_command_line(store: Path) -> None:
    result = ok(
        CliRunner().invoke(
            cli,
            ["--store", str(store), "--lang", "es", "deadlines", "--format", "ics",
             "--case", PANAMA, "--as-of", "2019-08-29", "--known-at", KNOWN_AT],
            catch_exceptions=False,
        )
    )  # fmt: skip
    (event,) = events(result.stdout_bytes).values()
    assert str(event["SUMMARY"]).startswith("La orden O1 caduca")
    assert "Fundamento jurídico: UNCAC art. 54(2)" in str(event["DESCRIPTION"])
    english = events(export(store, "2019-08-29", "--case", PANAMA))
    assert str(next(iter(english.values()))["UID"]) == str(event["UID"])  # the same event
