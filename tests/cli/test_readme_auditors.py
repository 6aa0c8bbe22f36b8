"""The README's section "For auditors", run as a new user would paste it: on the store
the README's first lines make (`comity init`, the Panama example ingested), every
shell block of the section in order, as written. Only the interpreter differs
(`python3` of this environment) and the assertions read what the comments say."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"
PANAMA = README.parent / "examples" / "panama-drug-trafficking.jsonl"


def _blocks() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## For auditors") :]
    section = section[: section.index("\n## ", 1)]
    return re.findall(r"```sh\n(.*?)```", section, re.S)


def test_the_auditors_walkthrough_runs_as_written(tmp_path: Path) -> None:
    blocks = _blocks()
    assert len(blocks) == 3
    script = "\n".join(
        ["comity init >/dev/null", f"comity ingest {PANAMA} >/dev/null 2>&1", *blocks]
    )
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    env.pop("COMITY_STORE", None)
    done = subprocess.run(
        ["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600
    )
    out, err = done.stdout, done.stderr
    assert "Traceback" not in out + err
    # the copy with three records deleted: named by verify --against
    assert "46 records, head " in out
    assert (
        "Error: the log holds 46 records but the checkpoint signed 49: 3 records were "
        "removed or an older copy restored"
    ) in err
    assert '"kind": "inclusion"' in out and '"kind": "consistency"' in out
    # the replay recorded, listed, and derived again
    assert re.search(r"^disclosure: [0-9a-f-]{36}$", err, re.M)
    assert "purpose: weekly review" in out
    assert re.search(r"^[0-9a-f-]{36} replay \S+: reproduced: sha256 [0-9a-f]{64}$", out, re.M)
    assert "1 records: 1 reproduced" in err
    # the bundle for an authority abroad, checked with the public key alone
    assert "bundle: PA-2019-0117.zip (case PA-2019-0117, " in out
    assert out.rstrip().endswith("bundle PA-2019-0117.zip: case PA-2019-0117 holds")
    assert done.returncode == 0, out + err
