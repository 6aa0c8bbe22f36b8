"""The rule pack: rules plus dated legal parameters, in layers, under one digest.

The built-in rule and parameter files load first, then each user directory over them
(`--rules DIR`): a user rule or parameter with a built-in name replaces it. A directory
holding PACK_FILE is a whole pack (as `comity rules export` writes it) and stands
instead of everything before it. The digest covers every rule's text and every
parameter, so that a finding names the law it was computed under.

What a rule is lives in `_rule.py`, how a rule file is read in `_rule_files.py`; their
public names are exported here, where they have always been imported from.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import attrs

from comity.errors import InvalidArgument, RulePackError, UnknownRule
from comity.events.codec import canonical_json
from comity.rules._check import check_rule
from comity.rules._rule import (
    CATEGORIES,
    DATA_QUALITY,
    SEVERITIES,
    DeadlineClause,
    LegalBasis,
    Maximum,
    Rule,
    RuleText,
    Warning,
)
from comity.rules._rule_files import load_rule_file
from comity.rules.params import ParameterSet, load_parameters

__all__ = [
    "CATEGORIES",
    "DATA_QUALITY",
    "PACK_FILE",
    "SEVERITIES",
    "DeadlineClause",
    "Layer",
    "LegalBasis",
    "Maximum",
    "Rule",
    "RulePack",
    "RuleText",
    "Warning",
    "builtin_dirs",
    "load_pack",
    "pack_layers",
]

#: In a directory, this file makes it a *whole* rule pack (as `comity rules export`
#: writes one): its layers, in load order, stand instead of the built-in pack.
PACK_FILE = "comity-pack.json"
_LAYER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


def builtin_dirs() -> tuple[Path, Path]:
    """The package's own rule and parameter directories."""
    base = Path(str(resources.files("comity.rules") / "data"))
    return base / "rules", base / "params"


@attrs.frozen(kw_only=True)
class RulePack:
    """Rules and parameters, identified by one digest that every finding carries."""

    rules: tuple[Rule, ...]
    parameters: ParameterSet
    digest: str

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise UnknownRule(rule_id)


@attrs.frozen
class Layer:
    """One layer of a pack, in load order: its rule directories (each with the label
    its files are reported under) and its parameter directory."""

    label: str
    rules: tuple[tuple[Path, str], ...]
    params: Path | None
    builtin: bool = False


def _user_layer(d: Path) -> Layer:
    params = d / "params"
    return Layer(
        str(d),
        ((d / "rules", str(d / "rules")), (d, str(d))),
        params if params.is_dir() else None,
    )


def _whole_pack(d: Path, marker: Path) -> list[Layer]:
    """The layers a self-contained pack directory lists in its PACK_FILE."""
    try:
        data = _read_manifest(marker)
        layers = data["layers"]
        if not isinstance(layers, list) or not all(
            isinstance(n, str) and _LAYER_NAME.match(n) and (d / n).is_dir() for n in layers
        ):
            raise ValueError("layers")
    except (OSError, ValueError, KeyError, TypeError, json.JSONDecodeError):
        raise RulePackError(
            f'{marker}: not a pack manifest; it must hold {{"layers": [...]}}, naming '
            "subdirectories of its directory in load order (as `comity rules export` "
            "writes it), or be removed to load the directory over the built-in pack"
        ) from None
    return [_user_layer(d / n) for n in layers]


def _read_manifest(path: Path) -> dict[str, Any]:
    """A small JSON object from a regular file (a pack manifest), read bounded."""
    if not path.is_file() or path.stat().st_size > 65536:
        raise ValueError("size")
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError("object")
    return data


def pack_layers(
    user_dirs: Sequence[str | os.PathLike[str]], *, builtin: bool = True
) -> list[Layer]:
    """The layers `load_pack(*user_dirs, builtin=builtin)` reads, in order.

    A directory holding PACK_FILE is a whole pack: its listed layers replace the
    built-in pack and every directory before it (so that an exported pack loads to
    its own digest whatever this comity's built-in pack has become).
    """
    layers: list[Layer] = []
    if builtin:
        rules_dir, params_dir = builtin_dirs()
        layers.append(Layer("built-in", ((rules_dir, "rules"),), params_dir, builtin=True))
    for raw in user_dirs:
        d = Path(raw)
        if not d.is_dir():
            raise RulePackError(
                f"{d}: not a directory of rules; give a directory with rules/ and params/"
            )
        marker = d / PACK_FILE
        if marker.exists():
            layers = _whole_pack(d, marker)
        else:
            layers.append(_user_layer(d))
    return layers


def load_pack(*user_dirs: str | os.PathLike[str], builtin: bool = True) -> RulePack:
    """Load the built-in pack, then each user directory over it.

    A user directory may hold rule files (`*.toml` with `[[rule]]` tables, in it or in
    `rules/`) and parameter files (in `params/`). A user rule with a built-in id
    replaces it; a user parameter with a built-in name replaces it. `builtin=False`
    loads the user directories alone; so does a directory holding PACK_FILE (a whole
    pack, as `comity rules export` writes it), in place of all before it. Both serve
    the same end: a case bundle or an exported pack carries every file of its pack,
    built-in ones included, so that whoever loads it gets the law it was computed
    under, whatever their own comity's built-in files say.
    """
    for directory in user_dirs:
        if not isinstance(directory, str | os.PathLike):
            raise InvalidArgument(
                f"load_pack: each directory must be a path (str or os.PathLike), got "
                f"{type(directory).__name__}; pass several as load_pack(*dirs)"
            )
    layers = pack_layers(user_dirs, builtin=builtin)
    rule_dirs = [pair for layer in layers for pair in layer.rules]
    param_dirs = [layer.params for layer in layers if layer.params is not None]
    by_id: dict[str, Rule] = {}
    for directory, label in rule_dirs:
        if not directory.is_dir():
            continue
        for path in sorted(directory.glob("*.toml")):
            file_label = f"{label}/{path.name}" if label == "rules" else str(path)
            for rule in load_rule_file(path, file_label):
                by_id[rule.id] = rule
    parameters = load_parameters(*param_dirs) if param_dirs else ParameterSet({})
    rules = tuple(sorted(by_id.values(), key=lambda r: r.id))
    for rule in rules:
        if rule.warning and rule.warning.deadline not in by_id:
            raise RulePackError(
                f"{rule.source}: rule {rule.id}.warning.deadline: no rule {rule.warning.deadline!r}"
            )
        check_rule(rule, by_id)
    material = canonical_json(
        {"rules": [r.to_json() for r in rules], "parameters": parameters.to_json()}
    )
    digest = hashlib.sha256(material.encode("utf-8")).hexdigest()
    return RulePack(rules=rules, parameters=parameters, digest=digest)
