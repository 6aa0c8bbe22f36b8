"""The public API as the README shows it: its examples run as written, every name it
uses is exported, and `comity.__version__` is the installed distribution's.

The README's embedding example is taken from README.md itself and executed, so that
the README cannot drift from the library.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import importlib.metadata
import io
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

import comity
from pgtest import PgDatabase, pg_database  # noqa: F401 - the session's PostgreSQL database

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
EXAMPLE_EVENTS = ROOT / "examples" / "panama-drug-trafficking.jsonl"


def _section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(f"\n## {title}")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def _python_blocks(markdown: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", markdown, flags=re.DOTALL)


def test_the_readmes_embedding_example_runs_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocks = _python_blocks(_section("Embedding comity in a case-management system"))
    assert len(blocks) >= 2, "the embedding section lost its examples"
    shutil.copy(EXAMPLE_EVENTS, tmp_path / "events.jsonl")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {"__name__": "readme"}
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            for number, block in enumerate(blocks, start=1):
                exec(compile(block, f"README.md, python block {number}", "exec"), namespace)
    finally:
        log = namespace.get("log")
        if log is not None:
            log.close()
    lines = printed.getvalue().splitlines()

    # The first block prints every finding of the replay, then what the new event resolved.
    pack = comity.load_pack()
    check = comity.open_log("memory:")
    with EXAMPLE_EVENTS.open("rb") as events:
        check.append(comity.parse_jsonl(events, source="events.jsonl"))

    expected = [
        str(f.to_json())
        for r in comity.replay_log(check, pack, as_of=dt.date(2021, 12, 31))
        for f in r.findings
    ]
    assert len(expected) > 10
    assert lines[: len(expected)] == expected
    assert lines[len(expected)] == "['follow_up_request']"  # as the comment says
    # The second block read the findings store the watcher built: the cut, then history.
    assert len(lines) > len(expected) + 2
    assert (tmp_path / "comity.db").is_file()
    cut = namespace["cut"]  # the findings store's cut covers the event the session applied
    assert cut.position == check.head().position + 1
    assert lines[len(expected) + 1].startswith(f"{cut.as_of} {cut.known_at} [")


def test_the_readme_says_what_the_example_prints() -> None:
    """The comment beside the last print of the first block is its output (checked
    above); this keeps that comment and the test's expectation one text."""
    (first, *_) = _python_blocks(_section("Embedding comity in a case-management system"))
    assert "print([f.code for f in changes.resolved])       # ['follow_up_request']" in first


def _comity_names(text: str) -> set[str]:
    """Every dotted `comity.X...` name in the README, but file names (`comity.db`)."""
    names = set(re.findall(r"\bcomity((?:\.[A-Za-z_]\w*)+)", text))
    return {n.lstrip(".") for n in names} - {"db"}


def test_every_name_the_readme_uses_is_exported() -> None:
    used = _comity_names(README.read_text(encoding="utf-8"))
    assert {"open_log", "parse_jsonl", "load_pack", "replay_log", "CaseSession"} <= used
    for dotted in sorted(used):
        head, *rest = dotted.split(".")
        if head.startswith("__"):
            assert hasattr(comity, head), dotted  # comity.__all__, comity.__version__
            continue
        if head in comity.__all__:
            target: Any = getattr(comity, head)
        else:
            # A subpackage the README names (comity.events.follow): it must import,
            # and the rest of the name must be in it.
            target = importlib.import_module(f"comity.{head}")
        for part in rest:
            if isinstance(target, type) or not hasattr(target, "__all__"):
                assert hasattr(target, part), dotted
            else:
                assert part in target.__all__, dotted
            target = getattr(target, part)


def test_every_name_in_all_is_importable_and_documented() -> None:
    for name in comity.__all__:
        value = getattr(comity, name)
        if name != "__version__":
            assert getattr(value, "__doc__", None), f"comity.{name} has no docstring"
    assert sorted(set(comity.__all__)) == sorted(comity.__all__)


def test_the_version_is_the_installed_distributions() -> None:
    assert comity.__version__ == importlib.metadata.version("comity")
    assert re.fullmatch(r"\d+\.\d+\.\d+([.-]?\w+)*", comity.__version__)
    assert "__version__" in comity.__all__


def test_open_log_does_not_create_a_store_unless_asked(tmp_path: Path) -> None:
    path = tmp_path / "typo.db"
    with pytest.raises(comity.StoreUnavailable, match=r"typo\.db: no comity store there"):
        comity.open_log(str(path))
    assert not path.exists()  # nothing was made
    created = comity.open_log(path, create=True)  # a pathlib.Path works as well
    created.close()
    again = comity.open_log(str(path))  # now it exists: opened, not created
    assert again.head().position == 0
    again.close()


@pytest.mark.postgres
def test_open_log_does_not_create_a_postgres_store_unless_asked(
    request: pytest.FixtureRequest,
) -> None:
    database: PgDatabase = request.getfixturevalue("pg_database")
    url = database.new_url()
    with pytest.raises(comity.StoreUnavailable, match="comity init"):
        comity.open_log(url)
    comity.open_log(url, create=True).close()
    log = comity.open_log(url)
    assert log.head().position == 0
    log.close()
