"""`load_pack(..., builtin=False)`: a pack loaded from its own files only, as a case
bundle's checker loads it, whatever the checking comity's built-in files are."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from comity.errors import RulePackError
from comity.rules import load_pack
from comity.rules.pack import builtin_dirs


def _copy_builtin(target: Path) -> Path:
    rules, params = builtin_dirs()
    shutil.copytree(rules, target / "rules")
    shutil.copytree(params, target / "params")
    return target


def test_the_builtin_files_alone_give_the_builtin_digest(tmp_path: Path) -> None:
    alone = load_pack(_copy_builtin(tmp_path / "copy"), builtin=False)
    assert alone.digest == load_pack().digest
    assert [r.id for r in alone.rules] == [r.id for r in load_pack().rules]


def test_without_the_builtin_files_a_missing_file_is_missing(tmp_path: Path) -> None:
    copy = _copy_builtin(tmp_path / "copy")
    last = sorted((copy / "rules").glob("*.toml"))[-1]
    last.unlink()
    alone = load_pack(copy, builtin=False)
    assert alone.digest != load_pack().digest
    assert len(alone.rules) < len(load_pack().rules)
    # over the built-in pack the removed file's rules come back
    assert load_pack(copy).digest == load_pack().digest


def test_no_directory_and_no_builtin_is_an_empty_pack(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    try:
        pack = load_pack(empty, builtin=False)
    except RulePackError:
        pytest.fail("an empty directory is an empty pack, not an error")
    assert pack.rules == () and pack.digest != load_pack().digest
