"""Figures of the auditor's trail (issue 11).

- `comity checkpoint` of the whole log (read the stored record hashes, build the RFC
  6962 tree, sign the root, store the note) against SHA-256 over the same record
  hashes read the same way (`raw_records()`, one `sha256.update` per hash): the cost
  of a Merkle root over the cheapest digest of the same bytes. Target >= 0.5 (rates).
  The tree alone against the hashing alone, on hashes held in memory, is shown too.
- `comity verify --against CHECKPOINT` (the chain, the stored checkpoint, the
  signed one), time per record, next to plain `comity verify` (the chain and the
  stored checkpoint) and to the chain check alone (`EventLog.verify()`).
- The cost of the disclosure record on `explain`: explain with recording against
  explain with the store's recording off (added when the record is wired in).

Every `checkpoint` run signs under a key of its own name, so that no run checks its
head against an earlier run's checkpoint (which would build a second root) and each
run does the same work. All through the command line (CliRunner, in this process)
or the public API.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from bench.generate import generate_log
from bench.stats import Clock, Series
from comity.audit import MerkleTree
from comity.cli import cli
from comity.events import EventLog, open_log

__all__ = ["audit_figures"]


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
    }
