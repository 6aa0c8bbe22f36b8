"""Figures of the auditor's trail (issue 11).

- `comity checkpoint` of the whole log (read the stored record hashes, build the RFC
  6962 tree, sign the root, store the note) against SHA-256 over the same record
  hashes read the same way (`raw_records()`, one `sha256.update` per hash): the cost
  of a Merkle root over the cheapest digest of the same bytes. Target >= 0.5 (rates).
  The tree alone against the hashing alone, on hashes held in memory, is shown too.
- `comity verify --against CHECKPOINT` (the chain, the stored checkpoint, the
  signed one), time per record, next to plain `comity verify` (the chain and the
  stored checkpoint) and to the chain check alone (`EventLog.verify()`).
- The cost of the disclosure record on `explain` (target <= 10 % more): the library's
  explain of a finding of the log's last case (replay that case, render the
  explanation), against the same followed by what a front end does before showing it
  (`basis_of` the cut, `record_disclosure` into the store: one committed write),
  alternated, ten of each per run.

Every `checkpoint` run signs under a key of its own name, so that no run checks its
head against an earlier run's checkpoint (which would build a second root) and each
run does the same work. All through the command line (CliRunner, in this process)
or the public API.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from bench.figures import AS_OF
from bench.generate import generate_log
from bench.stats import Clock, Series
from comity.audit import (
    MerkleTree,
    basis_of,
    disclosure_inputs,
    open_audit_store,
    record_disclosure,
)
from comity.cli import cli
from comity.engine import replay_log
from comity.events import EventLog, open_log
from comity.report import ReplayAt, explain_lines
from comity.rules import load_pack

__all__ = ["audit_figures"]

#: explains timed per run, each way, alternated
_EXPLAIN_REPEATS = 10


def _cli(path: Path, *args: str) -> tuple[float, float, str]:
    with Clock() as c:
        result = CliRunner().invoke(cli, ["--store", str(path), *args], catch_exceptions=False)
    if result.exit_code != 0:
        raise RuntimeError(f"comity {' '.join(args)}: exit {result.exit_code}: {result.output}")
    return c.wall, c.cpu, result.output


def _fill(log: EventLog, n: int, seed: int) -> None:
    batch: list[Any] = []
    for event in generate_log(n, seed=seed):
        batch.append(event)
        if len(batch) == 1000:
            log.append(batch)
            batch = []
    if batch:
        log.append(batch)


def _sha256_of_hashes(log: EventLog) -> tuple[int, bytes]:
    h = hashlib.sha256()
    n = 0
    for raw in log.raw_records():
        h.update(bytes.fromhex(raw.hash))
        n += 1
    return n, h.digest()


def audit_figures(cfg: Any, workdir: Path) -> dict[str, Any]:
    n = cfg.audit_records
    path = workdir / "audit.db"
    log = open_log(str(path), create=True)
    try:
        _fill(log, n, cfg.seed + 11)
        assert log.head().position == n
        keys = workdir / "audit-keys"
        keys.mkdir()

        def key(name: str) -> Path:
            file = keys / f"{name}.key"
            _cli(path, "keygen", "--out", str(file), "--name", f"bench.example/{name}")
            return file

        # One stored checkpoint, kept as the auditor's file, for the verify figures.
        first = key("kept")
        _, _, note = _cli(path, "checkpoint", "--key", str(first))
        kept = workdir / "kept-checkpoint.txt"
        kept.write_text(note, encoding="utf-8")

        chain_w, chain_c = Series(), Series()
        plain_w, plain_c = Series(), Series()
        against_w, against_c = Series(), Series()
        for _ in range(cfg.runs):
            with Clock() as c:
                assert log.verify().records == n
            chain_w.add(c.wall * 1e6 / n)
            chain_c.add(c.cpu * 1e6 / n)
            w, cpu, _ = _cli(path, "verify")
            plain_w.add(w * 1e6 / n)
            plain_c.add(cpu * 1e6 / n)
            w, cpu, _ = _cli(path, "verify", "--against", str(kept), "--public-key", f"{first}.pub")
            against_w.add(w * 1e6 / n)
            against_c.add(cpu * 1e6 / n)

        # Checkpoints, each under a key of its own (see the module docstring).
        signers = [key(f"run{r}") for r in range(cfg.runs)]
        cp_w, cp_c, sha_w, sha_c = Series(), Series(), Series(), Series()
        ratio, ratio_c = Series(), Series()
        tree_c, hash_c, tree_ratio_c = Series(), Series(), Series()
        leaves = [bytes.fromhex(raw.hash) for raw in log.raw_records()]
        for signer in signers:
            with Clock() as s:
                count, _ = _sha256_of_hashes(log)
            assert count == n
            w, cpu, out = _cli(path, "checkpoint", "--key", str(signer))
            assert out.split("\n")[1] == str(n)
            cp_w.add(n / w)
            cp_c.add(n / cpu)
            sha_w.add(n / s.wall)
            sha_c.add(n / s.cpu)
            ratio.add(s.wall / w)
            ratio_c.add(s.cpu / cpu)
            with Clock() as t:
                MerkleTree(leaves).root()
            with Clock() as hsh:
                for leaf in leaves:
                    hashlib.sha256(leaf).digest()
            tree_c.add(n / t.cpu)
            hash_c.add(n / hsh.cpu)
            tree_ratio_c.add(hsh.cpu / t.cpu)
        explain = explain_figures(cfg, log, str(path))
    finally:
        log.close()
    return {
        "records": n,
        "checkpoint_records_per_s": cp_w,
        "checkpoint_records_per_s_cpu": cp_c,
        "sha256_records_per_s": sha_w,
        "sha256_records_per_s_cpu": sha_c,
        "checkpoint_vs_sha256": ratio,
        "checkpoint_vs_sha256_cpu": ratio_c,
        "merkle_root_records_per_s_cpu": tree_c,
        "sha256_in_memory_records_per_s_cpu": hash_c,
        "merkle_root_vs_sha256_in_memory_cpu": tree_ratio_c,
        "verify_chain_us_per_record": chain_w,
        "verify_chain_us_per_record_cpu": chain_c,
        "verify_us_per_record": plain_w,
        "verify_us_per_record_cpu": plain_c,
        "verify_against_us_per_record": against_w,
        "verify_against_us_per_record_cpu": against_c,
        "explain": explain,
    }


def _explain_text(log: EventLog, pack: Any, case_id: str, finding_id: str, at: Any) -> str:
    """What `comity explain` does for a finding whose case is known: replay that case,
    take the finding, render its explanation (the library's own functions)."""
    (result,) = replay_log(log, pack, as_of=at.as_of, known_at=at.known_at, cases=[case_id])
    found = next(f for f in result.findings if f.finding_id == finding_id)
    wanted = {*found.because, *(found.resolved_by or ())}
    events = {
        s.event_id: s for s in log.read_case(case_id, known_at=at.known_at) if s.event_id in wanted
    }
    lines = explain_lines(found, pack.rule(found.rule), at, rulepack=pack.digest, events=events)
    return "".join(line + "\n" for line in lines)


def _record(
    audit: Any,
    log: EventLog,
    pack: Any,
    text: str,
    case_id: str,
    finding_id: str,
    known_at: dt.datetime,
) -> None:
    """What a front end does before it shows an explanation: the basis of the cut, and
    one disclosure record (a committed write, on disk before it returns)."""
    basis = basis_of(log, audit, rulepack=pack.digest, as_of=AS_OF, known_at=known_at)
    record_disclosure(
        audit,
        kind="explain",
        actor="bench",
        output=text.encode("utf-8"),
        media_type="text/plain; charset=utf-8",
        inputs=disclosure_inputs(
            basis, cases=[case_id], request={"command": "explain", "finding": finding_id}
        ),
        finding_ids=[finding_id],
        cases=[case_id],
    )


def explain_figures(cfg: Any, log: EventLog, url: str) -> dict[str, Any]:
    """`explain` without and with its disclosure record, alternated, through the
    library: the replay and rendering alone, then the same plus what every front end
    does before it shows the explanation (the basis of the cut, `record_disclosure`
    into the store's disclosure record, one committed write)."""
    pack = load_pack()
    head = log.head().position
    case_id = next(iter(log.raw_records(after=head - 1))).case_id
    known_at = dt.datetime.now(dt.UTC)
    at = ReplayAt(AS_OF, known_at)
    (result,) = replay_log(log, pack, as_of=AS_OF, known_at=known_at, cases=[case_id])
    if not result.findings:
        # a small log's last case may have none: the latest-opened case that has one
        for other in reversed(list(log.case_ids())[-50:]):
            (result,) = replay_log(log, pack, as_of=AS_OF, known_at=known_at, cases=[other])
            if result.findings:
                case_id = other
                break
        else:
            return {"skipped": f"the last case {case_id} has no finding to explain"}
    finding_id = result.findings[-1].finding_id
    audit = open_audit_store(url)
    plain, recorded, ratio, record_ms, share = Series(), Series(), Series(), Series(), Series()
    try:
        for _ in range(cfg.runs):
            t_plain = t_rec = t_record = 0.0
            for _ in range(_EXPLAIN_REPEATS):
                with Clock() as c:
                    _explain_text(log, pack, case_id, finding_id, at)
                t_plain += c.wall
                with Clock() as c:
                    text = _explain_text(log, pack, case_id, finding_id, at)
                    with Clock() as r:
                        _record(audit, log, pack, text, case_id, finding_id, known_at)
                t_rec += c.wall
                t_record += r.wall
            plain.add(t_plain * 1000 / _EXPLAIN_REPEATS)
            recorded.add(t_rec * 1000 / _EXPLAIN_REPEATS)
            ratio.add(t_rec / t_plain)
            record_ms.add(t_record * 1000 / _EXPLAIN_REPEATS)
            share.add((t_plain + t_record) / t_plain)
    finally:
        audit.close()
    return {
        "case_events": sum(1 for _ in log.read_case(case_id)),
        "explain_ms": plain,
        "explain_recorded_ms": recorded,
        "explain_recorded_vs_not": ratio,
        "disclosure_record_ms": record_ms,
        # (explain + the record, each timed alone) / explain: steadier than the ratio
        # of two end-to-end times on a loaded machine
        "explain_plus_record_vs_explain": share,
    }
