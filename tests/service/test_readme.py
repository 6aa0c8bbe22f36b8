"""The README's steps for the HTTP service, run as a new user would paste them: on a
fresh store, with no pause between starting the server and the first call. Start
`comity serve`, make a token, append a case with curl, read its findings and follow
the stream. Only the port (8080 may be taken here) and the end of the stream (Ctrl-C
in the README, a timeout here) differ from what the README says."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from live import free_port

README = Path(__file__).resolve().parents[2] / "README.md"


def _blocks() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## The HTTP service: `comity serve`") :]
    section = section[: section.index("\n## ", 1)]
    return re.findall(r"```sh\n(.*?)```", section, re.S)


@pytest.mark.skipif(shutil.which("curl") is None and not os.environ.get("CI"), reason="needs curl")
def test_the_readme_service_steps_work_as_written(tmp_path: Path) -> None:
    start, calls = _blocks()
    assert "comity --store comity.db serve --port 8080 &" in start
    assert "curl -N" in calls
    port = str(free_port())
    script = "\n".join(
        [
            "set -u",
            start.replace("8080", port),
            "SERVE=$!",
            "trap 'kill $SERVE; wait $SERVE' EXIT",
            calls.replace("8080", port).replace("curl -N", "timeout 10 curl -sN"),
        ]
    )
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(
        ["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180
    )
    out = done.stdout
    lines = [line for line in out.splitlines() if line.startswith("{")]
    appended, findings = json.loads(lines[0]), json.loads(lines[1])
    assert [s["event_id"] for s in appended["stored"]] == ["pa1-1", "pa1-2"], out + done.stderr
    assert findings["case_id"] == "PA-2024-0001"
    assert "asset_abroad" in {f["code"] for f in findings["findings"]}
    # The stream: both stored events, then the finding changes they caused.
    assert out.count("event: event\n") == 2 and "event: finding\n" in out, out
    assert "id: 2:0\n" in out
