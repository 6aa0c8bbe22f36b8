"""Rule packs archived by digest, so that a finding's `rulepack` can always be turned
back into the law it was computed under.

The first time a watcher uses a pack on a store, the rule and parameter files it was
loaded from go into the store, content-addressed (`findings_blobs`, by sha256), with
a manifest per digest (`findings_packs`) that lists each file by layer (the built-in
pack, then each `--rules` directory) in load order. `export_pack` writes them back as
one directory of the `--rules DIR` layout; loading it over the built-in pack gives the
archived digest again whenever this comity's built-in files are the archived ones or
are overridden by them (the built-in files that differ are exported too). It says
so when it cannot: a comity whose built-in pack gained rules or parameters the
archived pack did not have.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from comity.errors import InvalidInput, RulePackError
from comity.rules import RulePack, load_pack
from comity.rules.pack import builtin_dirs

if TYPE_CHECKING:
    from comity.findings.store import FindingsStore

__all__ = ["ExportReport", "archive_pack", "archived_digests", "export_pack", "pack_files"]


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def pack_files(rule_dirs: Sequence[str | os.PathLike[str]]) -> list[dict[str, Any]]:
    """Every file `load_pack(*rule_dirs)` reads, in the order it reads them, as
    layers: `{"layer", "label", "rules": [(name, text)], "params": [(name, text)]}`."""
    rules_dir, params_dir = builtin_dirs()
    layers: list[dict[str, Any]] = [
        {
            "layer": 0,
            "label": "built-in",
            "rules": [(p.name, p.read_text("utf-8")) for p in sorted(rules_dir.glob("*.toml"))],
            "params": [(p.name, p.read_text("utf-8")) for p in sorted(params_dir.glob("*.toml"))],
        }
    ]
    for n, raw in enumerate(rule_dirs, start=1):
        d = Path(raw)
        rules = []
        for where in (d / "rules", d):
            if where.is_dir():
                rules += [(p.name, p.read_text("utf-8")) for p in sorted(where.glob("*.toml"))]
        params = []
        if (d / "params").is_dir():
            params = [(p.name, p.read_text("utf-8")) for p in sorted((d / "params").glob("*.toml"))]
        layers.append({"layer": n, "label": str(d), "rules": rules, "params": params})
    return layers


def archive_pack(
    store: FindingsStore, pack: RulePack, rule_dirs: Sequence[str | os.PathLike[str]]
) -> bool:
    """Put the pack's sources into the store if its digest is not there yet.

    Returns True if it archived them now. The files are read again and loaded to check
    that they are what `pack` was made of; a pack that no longer loads to the same
    digest (its files changed on disk since) is not archived under that digest.
    """
    db = store.db
    if db.one("SELECT 1 FROM findings_packs WHERE digest = ?", (pack.digest,)):
        return False
    layers = pack_files(rule_dirs)
    try:
        again = load_pack(*rule_dirs).digest
    except RulePackError:
        return False
    if again != pack.digest:
        return False
    manifest = {
        "digest": pack.digest,
        "layers": [
            {
                "label": layer["label"],
                "rules": [[name, _sha(text)] for name, text in layer["rules"]],
                "params": [[name, _sha(text)] for name, text in layer["params"]],
            }
            for layer in layers
        ],
    }
    blobs = {
        _sha(text): text
        for layer in layers
        for role in ("rules", "params")
        for _, text in layer[role]
    }
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    with db.write():
        db.executemany(
            "INSERT INTO findings_blobs (sha256, content) VALUES (?, ?) ON CONFLICT DO NOTHING",
            sorted(blobs.items()),
        )
        db.execute(
            "INSERT INTO findings_packs (digest, manifest, archived_at) VALUES (?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            (pack.digest, json.dumps(manifest, sort_keys=True), now),
        )
    return True


def archived_digests(store: FindingsStore) -> list[tuple[str, str]]:
    """(digest, archived_at) of every archived pack, oldest first."""
    rows = store.db.all("SELECT digest, archived_at FROM findings_packs ORDER BY archived_at")
    return [(r[0], r[1]) for r in rows]


@attrs.frozen
class ExportReport:
    digest: str
    files: int
    loaded_digest: str | None  # what loading the directory over the built-in pack gives
    problem: str | None

    @property
    def round_trips(self) -> bool:
        return self.loaded_digest == self.digest


def export_pack(
    store: FindingsStore, digest: str, directory: str | os.PathLike[str]
) -> ExportReport:
    """Write the archived pack `digest` (or a unique prefix of it) to `directory`
    (`rules/` and `params/`), then load it to check that the digest comes back."""
    rows = store.db.all(
        "SELECT digest, manifest FROM findings_packs WHERE digest LIKE ? ORDER BY digest",
        (digest.lower() + "%",),
    )
    if not rows:
        raise InvalidInput(
            f"{digest}: no rule pack with that digest is archived in this store; "
            "`comity rules export` lists the archived digests when given none"
        )
    if len(rows) > 1:
        raise InvalidInput(f"{digest}: more than one archived pack starts so; give more digits")
    full, manifest_text = rows[0]
    manifest = json.loads(manifest_text)
    target = Path(directory)
    if target.exists() and any(target.iterdir()):
        raise InvalidInput(f"{target}: not empty; give a new or empty directory")
    running = {
        role: {name: _sha(text) for name, text in pack_files(())[0][role]}
        for role in ("rules", "params")
    }
    # Every file first; if a user layer's parameter overrides a built-in one, the two
    # cannot share one params/ directory, so then this comity's own identical built-in
    # files are left out (loading the directory reads them from the built-in pack).
    attempt: tuple[ExportReport, list[Path]] | None = None
    for skip_same in (False, True):
        wanted: list[tuple[str, str, str]] = []  # (role, file name, sha)
        seq = 0
        for index, layer in enumerate(manifest["layers"]):
            builtin = layer["label"] == "built-in"
            for role in ("rules", "params"):
                for name, sha in layer[role]:
                    seq += 1
                    if skip_same and builtin and running[role].get(name) == sha:
                        continue
                    prefix = "builtin" if builtin else f"layer{index}"
                    wanted.append((role, f"{seq:03d}-{prefix}-{name}", sha))
        written: list[Path] = []
        for role in ("rules", "params"):
            (target / role).mkdir(parents=True, exist_ok=True)
        for role, name, sha in wanted:
            row = store.db.one("SELECT content FROM findings_blobs WHERE sha256 = ?", (sha,))
            if row is None:
                raise InvalidInput(f"{full}: the archive lacks the file with sha256 {sha}")
            path = target / role / name
            path.write_text(row[0], encoding="utf-8")
            written.append(path)
        try:
            loaded: str | None = load_pack(target).digest
            problem = None
        except RulePackError as exc:
            loaded, problem = None, str(exc)
        if problem is None and loaded != full:
            problem = (
                "loading the directory over this comity's built-in pack gives another "
                "digest: this comity's built-in rules or parameters differ from the archived"
            )
        attempt = (ExportReport(full, len(wanted), loaded, problem), written)
        if problem is None or skip_same:
            break
        for path in written:
            path.unlink()
    assert attempt is not None
    return attempt[0]
