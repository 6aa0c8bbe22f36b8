"""Rule and parameter files that are not what they claim: refused with one message.

Through the library (`load_pack`) and the command line (`comity --rules DIR ...`, one
`Error:` line, exit 3): a file that is not UTF-8, TOML nested 30,000 deep, a period of
100,000,000 working days, a symlink to /dev/zero, a FIFO, a file past the size bound.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from comity.cli import cli
from comity.errors import RulePackError
from comity.rules import load_pack
from comity.rules.files import MAX_FILE_BYTES


def _pack(tmp_path: Path) -> Path:
    directory = tmp_path / "rules"
    (directory / "params").mkdir(parents=True)
    return directory


def _ch_with(amount: str) -> str:
    """A parameter file of one period of `amount` working days."""
    return f"""format = 1
[test_period.CH]
title = "A test period"
unit = "working_days"
counting = {{ trigger_counts = false, roll_forward = false }}
reference = {{ instrument = "AMLA", article = "10", address = "https://www.fedlex.admin.ch/" }}

[[test_period.CH.values]]
from = 2000-01-01
amount = {amount}
confidence = "unverified"
"""


def _non_utf8(d: Path) -> None:
    (d / "bad.toml").write_bytes(b'[[rule]]\nid = "X-1"\ntitle = "caf\xe9"\n')


def _deep(d: Path) -> None:
    (d / "deep.toml").write_text("a = " + "[" * 30_000 + "]" * 30_000 + "\n", encoding="utf-8")


def _nested_tables(d: Path) -> None:
    (d / "params" / "deep.toml").write_text(
        "format = 1\n" + "x = " + "{ a = " * 40 + "1" + " }" * 40 + "\n", encoding="utf-8"
    )


def _working_days(d: Path) -> None:
    (d / "params" / "ch.toml").write_text(_ch_with("100000000"), encoding="utf-8")


def _dev_zero(d: Path) -> None:
    (d / "zero.toml").symlink_to("/dev/zero")


def _fifo(d: Path) -> None:
    os.mkfifo(d / "params" / "pipe.toml")


def _huge(d: Path) -> None:
    (d / "huge.toml").write_text("# " + "x" * MAX_FILE_BYTES + "\n", encoding="utf-8")


CASES = [
    pytest.param(_non_utf8, "bad.toml: not UTF-8 (byte 33)", id="non-utf8"),
    pytest.param(_deep, "deep.toml: nested more than 16 deep", id="deep-array"),
    pytest.param(_nested_tables, "deep.toml: nested more than 16 deep", id="deep-tables"),
    pytest.param(_working_days, "expected at most 26200 working_days", id="100M-working-days"),
    pytest.param(_dev_zero, "zero.toml: not a regular file", id="dev-zero"),
    pytest.param(_fifo, "pipe.toml: not a regular file", id="fifo"),
    pytest.param(_huge, f"at most {MAX_FILE_BYTES} are read", id="huge"),
]


@pytest.mark.parametrize(("make", "says"), CASES)
def test_the_library_refuses_the_file(
    make: Callable[[Path], None], says: str, tmp_path: Path
) -> None:
    directory = _pack(tmp_path)
    make(directory)
    with pytest.raises(RulePackError) as info:
        load_pack(directory)
    assert says in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(("make", "says"), CASES)
def test_the_command_line_gives_one_error_line(
    make: Callable[[Path], None], says: str, tmp_path: Path
) -> None:
    directory = _pack(tmp_path)
    make(directory)
    result = CliRunner().invoke(
        cli,
        ["--store", str(tmp_path / "c.db"), "--rules", str(directory), "rules", "list"],
        catch_exceptions=False,
    )
    assert result.exit_code == 3, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and says in lines[0], lines


def test_the_longest_period_allowed_loads(tmp_path: Path) -> None:
    directory = _pack(tmp_path)
    (directory / "params" / "test.toml").write_text(_ch_with("26200"), encoding="utf-8")
    value = load_pack(directory).parameters.get("test_period.CH", dt.date(2021, 3, 1))
    assert value is not None and value.amount == 26200
