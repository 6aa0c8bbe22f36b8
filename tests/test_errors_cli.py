"""Counts and durations on the command line: a value that makes no sense is a usage error.

Every option of every command that takes a number with a bound (`deadlines --within`,
`replay --workers`, `log --chunk`, `watch --interval`, `serve --port`, ...) is found by
walking the click command tree, so that an option added later without its bound, or
with one, is checked too: just outside the bound it is exit 2 with one `Error:` line
naming the option, before any store is opened or created.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from comity.cli import cli


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))
        else:
            yield (*path, name)


def _command(path: tuple[str, ...]) -> click.Command:
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    return command


def _out_of_range() -> Iterator[tuple[tuple[str, ...], str, str]]:
    """(command path, option, a value just outside its bound) for every bounded number."""
    for path in _commands(cli):
        for param in _command(path).params:
            if not isinstance(param, click.Option) or param.is_flag:
                continue
            kind = param.type
            if not isinstance(kind, click.IntRange | click.FloatRange):
                continue
            step = 1 if isinstance(kind, click.IntRange) else 0.01
            option = max(param.opts, key=len)
            if kind.min is not None:
                yield path, option, str(kind.min - step)
            if kind.max is not None:
                yield path, option, str(kind.max + step)


CASES = list(_out_of_range())


def test_the_counts_that_must_be_bounded_are() -> None:
    bounded = {(" ".join(path), option) for path, option, _ in CASES}
    for must in [
        ("deadlines", "--within"),
        ("deadlines", "--remind"),
        ("replay", "--workers"),
        ("watch", "--interval"),
        ("follow", "--poll-interval"),
        ("serve", "--port"),
        ("serve", "--threads"),
    ]:
        assert must in bounded, must


@pytest.mark.parametrize(
    ("path", "option", "value"), CASES, ids=[f"{' '.join(p)} {o} {v}" for p, o, v in CASES]
)
def test_a_count_outside_its_bound_is_a_usage_error(
    tmp_path: Path, path: tuple[str, ...], option: str, value: str
) -> None:
    store = tmp_path / "comity.db"
    result = CliRunner().invoke(
        cli, ["--store", str(store), *path, option, value], catch_exceptions=False
    )
    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.stderr
    assert f"Invalid value for '{option}'" in errors[0] or option in errors[0], errors[0]
    assert value in errors[0], errors[0]
    assert "Traceback" not in result.output
    assert not store.exists()  # refused before any store was opened or created
