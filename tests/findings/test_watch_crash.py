"""A watcher killed with SIGKILL at random moments of a catch-up, then restarted:
the store ends equal to a full replay at its cut, and no change is recorded twice.

The watcher runs as `comity watch --once` in a subprocess; the kills land before,
inside and after its write transactions (where exactly is chance: the assertions
hold for every one of them).
"""

from __future__ import annotations

import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

import strategies
from comity.events import open_log
from comity.findings import FindingsStore
from comity.rules import RulePack
from findings_cases import current_rows, folded_history, replay_document


@pytest.mark.slow
def test_kill_9_during_catch_up_loses_and_repeats_nothing(tmp_path: Path, pack: RulePack) -> None:
    rng = random.Random(20261202)
    path = tmp_path / "comity.db"
    log = open_log(str(path), create=True)
    events = strategies.random_case_log(rng, cases=480, max_size=25, prefix="X")
    for start in range(0, len(events), 200):
        log.append(events[start : start + 200])
    command = [sys.executable, "-m", "comity.cli", "--store", str(path), "watch", "--once"]
    killed = 0
    for _ in range(4):
        watcher = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # A catch-up of these ~6,000 events takes about 2 s on an idle machine (start-up
        # included) and longer under load; each restart resumes where the last stopped,
        # so the kills land early: at least the first while it runs.
        time.sleep(rng.uniform(0.5, 1.6))
        if watcher.poll() is None:
            watcher.kill()
            killed += 1
        watcher.wait()
    assert killed  # at least one kill landed while it ran
    finished = subprocess.run(command, capture_output=True, text=True)
    assert finished.returncode == 0, finished.stderr
    with FindingsStore.of(log) as store:
        cut = store.cut()
        assert cut is not None and cut.position == log.head().position
        mine, theirs = replay_document(log, pack, store)
        assert mine == theirs
        assert folded_history(store, cut.generation) == current_rows(store)
        rows = store.db.all(
            "SELECT finding_id, change, cause, position, clock, COUNT(*) FROM findings_history "
            "GROUP BY finding_id, change, cause, position, clock HAVING COUNT(*) > 1"
        )
        assert rows == []
        raised = store.db.all(
            "SELECT finding_id, COUNT(*) FROM findings_history WHERE change = 'raised' "
            "GROUP BY finding_id HAVING COUNT(*) > 1"
        )
        assert raised == []  # nothing here is ever withdrawn and raised again
    log.close()
