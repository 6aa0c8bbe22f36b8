"""The rule pack inside a bundle: every file it was loaded from, and loading it back.

The pack travels whole, built-in files included, layer by layer in load order, and
is loaded back without the checker's own built-in files (`load_pack(builtin=False)`):
whoever checks a bundle gets the law the findings were computed under, or a digest
that says it is not, never a mix of the sender's rules and their own comity's.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from comity.audit.bundle.layout import pack_member
from comity.errors import RulePackError
from comity.findings.archive import pack_files
from comity.rules import RulePack, load_pack

__all__ = ["load_members", "pack_members"]

_MEMBER = re.compile(r"pack/(?P<layer>[0-9]+)/(?P<role>rules|params)/(?P<file>[^/]+)")


def pack_members(
    rule_dirs: Sequence[str | os.PathLike[str]],
) -> tuple[dict[str, bytes], list[dict[str, Any]]]:
    """The pack's files as bundle members, and the manifest's description of them:
    one entry per layer, its label and each file's member name and original name."""
    members: dict[str, bytes] = {}
    layers: list[dict[str, Any]] = []
    for index, layer in enumerate(pack_files(rule_dirs)):
        files = []
        seq = 0
        for role in ("rules", "params"):
            for name, text in layer[role]:
                seq += 1
                member = pack_member(index, role, seq, name)
                members[member] = text.encode("utf-8")
                files.append({"member": member, "name": name})
        layers.append({"label": layer["label"], "files": files})
    return members, layers


def load_members(members: Mapping[str, bytes]) -> RulePack:
    """Load the pack from its members alone (RulePackError if it does not load).

    The files are written under names of comity's choosing (the member names were
    checked against `layout`'s pattern) in a private temporary directory, which is
    removed afterwards.
    """
    by_layer: dict[int, list[tuple[str, str, bytes]]] = {}
    for name, data in members.items():
        match = _MEMBER.fullmatch(name)
        if match is None:
            continue
        by_layer.setdefault(int(match["layer"]), []).append((match["role"], match["file"], data))
    if not by_layer:
        raise RulePackError("the bundle holds no rule pack files")
    if sorted(by_layer) != list(range(len(by_layer))):
        raise RulePackError("the bundle's rule pack layers are not numbered 0, 1, 2, ...")
    with tempfile.TemporaryDirectory(prefix="comity-bundle-") as tmp:
        dirs = []
        for layer in sorted(by_layer):
            base = Path(tmp) / str(layer)
            for role in ("rules", "params"):
                (base / role).mkdir(parents=True)
            for role, file, data in by_layer[layer]:
                (base / role / file).write_bytes(data)
            dirs.append(base)
        return load_pack(*dirs, builtin=False)
