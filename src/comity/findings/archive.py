"""Rule packs archived by digest, so that a finding's `rulepack` can always be turned
back into the law it was computed under.

The first time a watcher uses a pack on a store, the rule and parameter files it was
loaded from go into the store, content-addressed (`findings_blobs`, by sha256), with
a manifest per digest (`findings_packs`) that lists each file by layer (the built-in
pack, then each `--rules` directory) in load order. `export_pack` writes them back as
a *whole pack* directory: one subdirectory per layer (`rules/`, `params/`) and a
manifest (`comity-pack.json`, `comity.rules.pack.PACK_FILE`) listing the layers in
load order. `comity --rules DIR` (`load_pack(DIR)`) loads those layers alone, in
place of this comity's built-in pack, so the directory gives the archived digest
whatever the built-in pack has become since.
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
from comity.events.time import format_instant
from comity.rules import RulePack, load_pack
from comity.rules.pack import PACK_FILE, pack_layers

if TYPE_CHECKING:
    from comity.findings.store import FindingsStore

__all__ = ["ExportReport", "archive_pack", "archived_digests", "export_pack", "pack_files"]


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def pack_files(rule_dirs: Sequence[str | os.PathLike[str]]) -> list[dict[str, Any]]:
    """Every file `load_pack(*rule_dirs)` reads, in the order it reads them, as
    layers: `{"layer", "label", "rules": [(name, text)], "params": [(name, text)]}`."""
    layers: list[dict[str, Any]] = []
    for n, layer in enumerate(pack_layers(rule_dirs)):
        rules = []
        for where, _ in layer.rules:
            if where.is_dir():
                rules += [(p.name, p.read_text("utf-8")) for p in sorted(where.glob("*.toml"))]
        params = []
        if layer.params is not None:
            params = [(p.name, p.read_text("utf-8")) for p in sorted(layer.params.glob("*.toml"))]
        layers.append({"layer": n, "label": layer.label, "rules": rules, "params": params})
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
    now = format_instant(dt.datetime.now(dt.UTC), timespec="microseconds")
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
    # One subdirectory per archived layer, in load order; rule files numbered so
    # that they load in the archived order (a layer's rules/ and top-level files
    # become one rules/ directory).
    names: list[str] = []
    files = 0
    for index, layer in enumerate(manifest["layers"]):
        label = "builtin" if layer["label"] == "built-in" else "layer"
        name = f"{index:02d}-{label}"
        names.append(name)
        for role in ("rules", "params"):
            where = target / name / role
            where.mkdir(parents=True, exist_ok=True)
            for seq, (file_name, sha) in enumerate(layer[role], start=1):
                row = store.db.one("SELECT content FROM findings_blobs WHERE sha256 = ?", (sha,))
                if row is None:
                    raise InvalidInput(f"{full}: the archive lacks the file with sha256 {sha}")
                shown = f"{seq:03d}-{file_name}" if role == "rules" else file_name
                (where / shown).write_text(row[0], encoding="utf-8")
                files += 1
    (target / PACK_FILE).write_text(
        json.dumps(
            {
                "digest": full,
                "layers": names,
                "labels": [layer["label"] for layer in manifest["layers"]],
                "note": "a whole rule pack written by `comity rules export`: "
                "`comity --rules DIR` loads these layers, in this order, instead of "
                "the built-in pack",
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    try:
        loaded: str | None = load_pack(target).digest
        problem = None
    except RulePackError as exc:
        loaded, problem = None, str(exc)
    if problem is None and loaded != full:
        problem = (
            "the exported files load to another digest: this comity reads the archived "
            "rules or parameters differently from the comity that computed them"
        )
    return ExportReport(full, files, loaded, problem)
