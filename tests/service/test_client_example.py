"""examples/http/client.sh, the shell (curl) client, against a live server: it appends
a case and reads its findings; run again, it stores nothing and reads the same."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from live import Live

CLIENT = Path(__file__).resolve().parents[2] / "examples" / "http" / "client.sh"


@pytest.mark.skipif(shutil.which("curl") is None and not os.environ.get("CI"), reason="needs curl")
def test_the_curl_client_appends_a_case_and_reads_its_findings(live: Live) -> None:
    env = {**os.environ, "COMITY_URL": live.url, "COMITY_TOKEN": live.tokens["app"]}

    def run() -> tuple[dict[str, Any], dict[str, Any]]:
        done = subprocess.run(
            ["bash", str(CLIENT), "CURL-1"], env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr + done.stdout
        documents = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
        return documents[0], documents[-1]

    appended, findings = run()
    assert [s["event_id"] for s in appended["stored"]] == ["CURL-1-1", "CURL-1-2", "CURL-1-3"]
    assert findings["case_id"] == "CURL-1" and findings["findings"]
    again, same = run()
    assert again == {"stored": [], "already_stored": ["CURL-1-1", "CURL-1-2", "CURL-1-3"]}
    assert same["findings"] == findings["findings"]
