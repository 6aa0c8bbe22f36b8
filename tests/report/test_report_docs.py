"""docs/cli.md's Python example runs as written and prints the replay report.

The page tells embedders they can print the command line's reports themselves; a
test keeps the example from going stale as the report API changes.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from comity.cli import cli

ROOT = Path(__file__).resolve().parents[2]


def test_the_embedding_example_runs(tmp_path: Path) -> None:
    (code,) = re.findall(r"```python\n(.*?)```", (ROOT / "docs" / "cli.md").read_text(), re.S)
    store = str(tmp_path / "comity.db")
    example = str(ROOT / "examples" / "quickstart.jsonl")
    for args in (["init"], ["ingest", example]):
        result = CliRunner().invoke(cli, ["--store", store, *args])
        assert result.exit_code == 0, result.output
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    lines = run.stdout.splitlines()
    assert lines[0].startswith("comity replay as of 2020-12-31, known at ")
    assert "== Case PA-2019-0042" in lines
    assert lines[-1].startswith("1 case replayed: ")
