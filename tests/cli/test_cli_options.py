"""The shared options: times parse to dates and UTC instants, and a bad one is exit 3.

Exercised on a throw-away command under the comity group's error mapping, so that
the test sees what a user sees without replaying anything.
"""

from __future__ import annotations

import datetime as dt

import click
import pytest
from click.testing import CliRunner

from comity.cli import ComityGroup
from comity.cli.options import (
    case_option,
    format_option,
    parse_time,
    replay_at,
    time_options,
)


@click.group(cls=ComityGroup)
def group() -> None:
    """A group with comity's error mapping and nothing else."""


@group.command()
@case_option("Only this case.", multiple=True)
@time_options
@format_option(["table", "json"], "table or json.")
def show(
    cases: tuple[str, ...],
    as_of: dt.date | dt.datetime | None,
    known_at: dt.datetime | None,
    fmt: str,
) -> None:
    click.echo(f"{cases!r} {as_of!r} {known_at!r} {fmt}")


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(group, ["show", *args], catch_exceptions=False)
    return result.exit_code, result.output


def test_times_parse_to_dates_and_aware_instants() -> None:
    code, out = run("--as-of", "2020-12-31", "--known-at", "2021-01-01T10:00:00.5Z", "--case", "A")
    assert code == 0
    expected_known = dt.datetime(2021, 1, 1, 10, 0, 0, 500000, tzinfo=dt.UTC)
    assert out == f"('A',) {dt.date(2020, 12, 31)!r} {expected_known!r} table\n"
    code, out = run("--as-of", "2020-12-31T18:00+00:00", "--format", "json")
    assert code == 0
    assert out == f"() {dt.datetime(2020, 12, 31, 18, 0, tzinfo=dt.UTC)!r} None json\n"


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (
            ["--known-at", "2020-12-31"],
            'Error: --known-at: expected a UTC datetime (2020-12-31T18:00:00Z), got "2020-12-31":'
            " record time is an instant, not a day\n",
        ),
        (
            ["--as-of", "2020-02-30"],
            "Error: --as-of: expected an ISO date (2020-12-31) or a UTC datetime "
            '(2020-12-31T18:00:00Z), got "2020-02-30": no such date\n',
        ),
        (
            ["--as-of", "2020-12-31T18:00:00+01:00"],
            "Error: --as-of: expected an ISO date (2020-12-31) or a UTC datetime "
            '(2020-12-31T18:00:00Z), got "2020-12-31T18:00:00+01:00": '
            "give the time in UTC, ending in Z\n",
        ),
        (
            ["--known-at", "tomorrow"],
            'Error: --known-at: expected a UTC datetime (2020-12-31T18:00:00Z), got "tomorrow"\n',
        ),
    ],
)
def test_a_bad_time_is_one_line_of_bad_input(args: list[str], error: str) -> None:
    assert run(*args) == (3, error)


def test_a_format_not_in_the_list_is_a_usage_error() -> None:
    code, _ = run("--format", "xml")
    assert code == 2


def test_parse_time_refuses_with_value_error() -> None:
    with pytest.raises(ValueError, match="no such date or time"):
        parse_time("2020-12-31T25:00:00Z", dates=True)
    assert parse_time("2020-12-31T23:59:59.999999Z", dates=False) == dt.datetime(
        2020, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC
    )


def test_replay_at_fills_in_the_wall_clock_only_where_not_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from comity.cli import options

    now = dt.datetime(2022, 3, 4, 5, 6, 7, tzinfo=dt.UTC)
    monkeypatch.setattr(options, "_now", lambda: now)
    assert replay_at(None, None).as_of == dt.date(2022, 3, 4)
    assert replay_at(None, None).known_at == now
    given = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    at = replay_at(dt.date(2019, 1, 1), given)
    assert (at.as_of, at.known_at) == (dt.date(2019, 1, 1), given)
