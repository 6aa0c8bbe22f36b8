"""Reading one rule or parameter file: a regular file, bounded in size, UTF-8, TOML.

A rules directory is user input like an event file, and a file in it can be anything
a path can name: a symlink to an endless device (`/dev/zero`), a FIFO that blocks the
reader forever, a file of gigabytes, bytes that are not UTF-8, or TOML nested deeply
enough to exhaust the parser's stack. Each is refused with one message saying what to
do, before more than :data:`MAX_FILE_BYTES` are read.
"""

from __future__ import annotations

import stat
import tomllib
from pathlib import Path
from typing import Any

__all__ = ["MAX_DEPTH", "MAX_FILE_BYTES", "RuleFileError", "read_toml"]

#: The largest rule or parameter file read. The built-in pack's largest is a few KB.
MAX_FILE_BYTES = 1 << 20
#: How deep tables and arrays may nest: rule conditions and dated values need four.
MAX_DEPTH = 16


class RuleFileError(ValueError):
    """The file cannot be read as TOML; `str()` says why and what to do."""


def _depth(value: Any, limit: int) -> bool:
    """Whether `value` nests deeper than `limit` (stops as soon as it does)."""
    if limit < 0:
        return True
    if isinstance(value, dict):
        return any(_depth(v, limit - 1) for v in value.values())
    if isinstance(value, list):
        return any(_depth(v, limit - 1) for v in value)
    return False


def read_toml(path: Path) -> dict[str, Any]:
    """The TOML document in the regular file `path` (a symlink to one is followed)."""
    try:
        info = path.stat()
    except OSError as exc:
        raise RuleFileError(f"cannot read it: {exc.strerror or exc}") from None
    if not stat.S_ISREG(info.st_mode):
        raise RuleFileError(
            "not a regular file (a device, FIFO or socket, or a link to one); "
            "rule and parameter files must be ordinary TOML files"
        )
    if info.st_size > MAX_FILE_BYTES:
        raise RuleFileError(f"{info.st_size} bytes; at most {MAX_FILE_BYTES} are read")
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)  # it may have grown since stat
    except OSError as exc:
        raise RuleFileError(f"cannot read it: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:
        raise RuleFileError(f"more than {MAX_FILE_BYTES} bytes; at most that many are read")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RuleFileError(f"not UTF-8 (byte {exc.start + 1}); save the file as UTF-8") from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RuleFileError(f"not valid TOML ({exc})") from None
    except RecursionError:
        raise RuleFileError(f"nested more than {MAX_DEPTH} deep") from None
    if _depth(document, MAX_DEPTH):
        raise RuleFileError(f"nested more than {MAX_DEPTH} deep")
    return document
