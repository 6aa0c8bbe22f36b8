"""Dated legal parameters: the durations and lists the law sets, kept as data.

Why data and not code: a legal period changes by amendment, not by release, and each
number must show where it comes from and how sure we are of it. So every parameter
lives in a TOML file (one per jurisdiction or instrument, `data/params/`), with dated
values, the counting convention, a reference (instrument, article, the address of the
official publication, and where the wording was read when that was a copy) and a
`confidence`:

- ``verified``: the wording of the cited article itself was read (`read_at` says
  where, when that is not the official address);
- ``unverified``: anything else: a summary, a commentary, an unofficial translation,
  an inference;
- ``policy``: a comity setting (a warning window), not law. Only ``policy.*``
  parameters may carry it, and they must.

A value is one of: an amount (a period length), a list of strings (e.g. the Member
States bound by an instrument), or an explicit *none found* marker: the sources were
searched and give no statutory duration, so the engine raises no deadline. It is not zero.

Values are in force from `from` (inclusive) until `until` (exclusive: the first day the
value no longer applies, so consecutive values share a date). The loader refuses
overlaps and gaps between consecutive values; a one-day gap gets a hint because it is
almost always an inclusive `until` written by mistake. Later directories replace
earlier ones by parameter name, so users override or extend the built-in pack without
editing the package. The format is documented in docs/parameters.md.
"""

from __future__ import annotations

from pathlib import Path

from comity.errors import RulePackError
from comity.rules._param_files import fail, load_file
from comity.rules._parameter import (
    CONFIDENCES,
    FORMAT_VERSION,
    HOLIDAY_ROLES,
    KINDS,
    Parameter,
    ParameterSet,
    ParamValue,
    Reference,
)

__all__ = [
    "CONFIDENCES",
    "FORMAT_VERSION",
    "HOLIDAY_ROLES",
    "KINDS",
    "ParamValue",
    "Parameter",
    "ParameterSet",
    "Reference",
    "builtin_params_dir",
    "load_parameters",
]


def builtin_params_dir() -> Path:
    """The directory of the built-in parameter files shipped with the package."""
    return Path(__file__).resolve().parent / "data" / "params"


def load_parameters(*dirs: Path) -> ParameterSet:
    """Load every `*.toml` file in each directory; later directories win by name.

    With no directory, loads the built-in pack (`builtin_params_dir()`). A name defined
    in two files of the same directory is an error (which one would win is an
    accident of file names); across directories, the later one replaces the whole
    parameter, all its dated values.
    """
    if not dirs:
        dirs = (builtin_params_dir(),)
    merged: dict[str, Parameter] = {}
    for directory in dirs:
        directory = Path(directory)
        if not directory.is_dir():
            raise RulePackError(f"{directory}: not a directory of parameter files")
        here: dict[str, Parameter] = {}
        for path in sorted(directory.glob("*.toml")):
            label = f"{directory.name}/{path.name}"
            for name, parameter in load_file(path, label).items():
                if name in here:
                    raise fail(label, name, f"already defined in {here[name].origin}")
                here[name] = parameter
        merged.update(here)
    return ParameterSet(merged)
