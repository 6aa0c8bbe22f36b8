"""The bundle's file format: which members a bundle holds, and reading one safely.

A bundle is a zip file (docs/bundle.md) that travels to someone who does not trust
the sender: it is read as hostile input. Nothing is ever extracted under a name the
file chose: every member's name must match one of the few patterns below, once; no
member may be encrypted, a directory, or compressed otherwise than stored or
deflated; and every read is bounded, the file as a whole, the number of members and
each member (read up to its bound, whatever size the zip's directory claims, so that
a zip bomb stops at the bound).
"""

from __future__ import annotations

import hashlib
import io
import re
import stat
import zipfile
import zlib
from collections.abc import Mapping
from pathlib import Path

from comity.audit.note import MAX_NOTE_BYTES
from comity.errors import InvalidInput

__all__ = [
    "CHECKPOINT",
    "DISCLOSURE",
    "FINDINGS",
    "FORMAT",
    "MANIFEST",
    "MAX_BUNDLE_BYTES",
    "MAX_MEMBERS",
    "MEDIA_TYPE",
    "RECORDS",
    "member_limit",
    "pack_member",
    "read_bundle",
    "sha256_hex",
    "write_bundle",
]

#: The value of the manifest's `format`: a reader refuses any other.
FORMAT = "comity-bundle/1"
MEDIA_TYPE = "application/vnd.comity.bundle+zip"

MANIFEST = "manifest.json"
CHECKPOINT = "checkpoint.txt"
RECORDS = "records.jsonl"
FINDINGS = "findings.json"
DISCLOSURE = "disclosure.json"

MAX_BUNDLE_BYTES = 1 << 30
MAX_MEMBERS = 10_000
_MIB = 1 << 20
_LIMITS = {
    MANIFEST: 16 * _MIB,
    CHECKPOINT: MAX_NOTE_BYTES,
    RECORDS: 512 * _MIB,
    FINDINGS: 256 * _MIB,
    DISCLOSURE: 1 * _MIB,
}
#: A rule pack file, as `pack/<layer>/<rules|params>/<file>.toml`; the bound is the
#: rule files' own (comity.rules.files).
_PACK = re.compile(r"pack/(?:0|[1-9][0-9]{0,2})/(?:rules|params)/[A-Za-z0-9][A-Za-z0-9._-]{0,150}")
_PACK_LIMIT = 1 * _MIB
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
# A fixed time for every member, so that a bundle's bytes do not depend on the clock.
_EPOCH = (1980, 1, 1, 0, 0, 0)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def pack_member(layer: int, role: str, seq: int, name: str) -> str:
    """The member name of one rule pack file: its load order kept by `seq`."""
    safe = _UNSAFE.sub("_", name)
    if not safe.endswith(".toml"):
        safe += ".toml"
    return f"pack/{layer}/{role}/{seq:03d}-{safe}"


def member_limit(name: str) -> int | None:
    """The most bytes member `name` may hold; None for a name no bundle has."""
    if name in _LIMITS:
        return _LIMITS[name]
    if _PACK.fullmatch(name) and name.endswith(".toml"):
        return _PACK_LIMIT
    return None


def write_bundle(path: Path, members: Mapping[str, bytes], *, append: bool = False) -> None:
    """Write the members to a new file (or `append` them), in the order given,
    deflated, with a fixed time stamp."""
    with zipfile.ZipFile(path, "a" if append else "x", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            if member_limit(name) is None:  # pragma: no cover - a bug in the writer
                raise ValueError(f"{name}: not a bundle member")
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)


def _bad(path: Path, why: str) -> InvalidInput:
    return InvalidInput(f"{path}: not a readable comity bundle: {why}")


def read_bundle(path: Path) -> dict[str, bytes]:
    """Every member of the bundle at `path`, by name; InvalidInput (exit 3) naming the
    first thing that makes it unreadable."""
    try:
        st = path.stat()
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot read the bundle ({exc.strerror})") from None
    if not stat.S_ISREG(st.st_mode):
        raise _bad(path, "not a regular file")
    if st.st_size > MAX_BUNDLE_BYTES:
        raise _bad(path, f"larger than {MAX_BUNDLE_BYTES >> 20} MiB")
    try:
        with path.open("rb") as f:
            data = f.read(MAX_BUNDLE_BYTES + 1)
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot read the bundle ({exc.strerror})") from None
    if len(data) > MAX_BUNDLE_BYTES:
        raise _bad(path, f"larger than {MAX_BUNDLE_BYTES >> 20} MiB")
    try:
        return _members(path, zipfile.ZipFile(io.BytesIO(data)))
    except InvalidInput:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError) as exc:
        raise _bad(path, f"not a valid zip file ({exc})") from None
    except (ValueError, NotImplementedError, RuntimeError, UnicodeError) as exc:
        raise _bad(path, f"not a valid zip file ({exc})") from None


def _members(path: Path, zf: zipfile.ZipFile) -> dict[str, bytes]:
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise _bad(path, f"more than {MAX_MEMBERS} members")
    out: dict[str, bytes] = {}
    total = 0
    for info in infos:
        name = info.filename
        shown = name.encode("unicode_escape").decode("ascii")[:200]
        limit = member_limit(name)
        if limit is None or info.is_dir():
            raise _bad(path, f"a member named {shown!r}, which no bundle holds")
        if name in out:
            raise _bad(path, f"the member {shown!r} occurs twice")
        if info.flag_bits & 0x1:
            raise _bad(path, f"the member {shown!r} is encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _bad(path, f"the member {shown!r} is compressed with an unsupported method")
        if info.file_size > limit:
            raise _bad(path, f"the member {shown!r} is larger than {limit} bytes")
        with zf.open(info) as f:
            body = f.read(limit + 1)
        if len(body) > limit:
            raise _bad(path, f"the member {shown!r} is larger than {limit} bytes")
        total += len(body)
        if total > MAX_BUNDLE_BYTES:
            raise _bad(path, f"its members hold more than {MAX_BUNDLE_BYTES >> 20} MiB")
        out[name] = body
    for required in (MANIFEST, CHECKPOINT, RECORDS, FINDINGS, DISCLOSURE):
        if required not in out:
            raise _bad(path, f"it has no {required}")
    return out
