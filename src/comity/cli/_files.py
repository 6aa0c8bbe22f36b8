"""Files a command reads as input or writes as its output (`--previous`, `--out`).

An input file is user input: it can be a FIFO that blocks forever, a device with no
end or a huge file, so only a bounded regular file is read. An output file is written
whole or not at all (a temporary file beside it, then renamed), so that a command
that fails leaves the previous file as it was, and `--previous F --out F` reads the
old file before the new one replaces it.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from comity.errors import InvalidInput
from comity.i18n import gettext as _

__all__ = ["read_input", "write_output"]


def read_input(path: str, flag: str, *, limit: int) -> bytes:
    """The bytes of the regular file `path`, at most `limit`; refused in one line."""

    def refuse(why: str) -> InvalidInput:
        return InvalidInput(f"{flag} {path}: {why}")

    try:
        info = Path(path).stat()
    except OSError as exc:
        raise refuse(_("cannot read it: {why}").format(why=exc.strerror or exc)) from None
    if not stat.S_ISREG(info.st_mode):
        raise refuse(_("not a regular file (a directory, device, FIFO or socket)"))
    if info.st_size > limit:
        raise refuse(
            _("{size} bytes; at most {limit} are read").format(size=info.st_size, limit=limit)
        )
    try:
        with Path(path).open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise refuse(_("cannot read it: {why}").format(why=exc.strerror or exc)) from None
    if len(data) > limit:
        raise refuse(_("more than {limit} bytes; at most that many are read").format(limit=limit))
    return data


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_output(path: str, data: bytes, flag: str = "--out") -> None:
    """Write `data` to `path` whole or not at all (a crash leaves the old file)."""
    target = Path(path)
    try:
        handle, temporary = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
        )
    except OSError as exc:
        raise InvalidInput(
            _("{flag} {path}: cannot write there: {why}").format(
                flag=flag, path=path, why=exc.strerror or exc
            )
        ) from None
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        Path(temporary).chmod(0o666 & ~_umask())  # as open() would have made it
        Path(temporary).replace(target)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise InvalidInput(
            _("{flag} {path}: cannot write it: {why}").format(
                flag=flag, path=path, why=exc.strerror or exc
            )
        ) from None
