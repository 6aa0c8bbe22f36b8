"""C2SP tlog checkpoints: the signed statement "the first `size` records have this root".

The note text is exactly three lines (c2sp.org/tlog-checkpoint): the origin, the tree
size in decimal without leading zeros, and the base64 RFC 6962 root. comity writes no
extension lines, since log monitors cannot audit them, but reads past them as the
format requires. The origin names the log and what its leaves are
(`<name>/events`, `<name>/disclosures`), so that a checkpoint of one table can never
pass for a checkpoint of another.
"""

from __future__ import annotations

import base64
import binascii
import re

import attrs

from comity.audit.note import Signer, Verifier, open_note, parse_note, sign_note
from comity.errors import NoteFormatError

__all__ = ["Checkpoint", "parse_checkpoint", "sign_checkpoint", "verify_checkpoint"]

_SIZE = re.compile(r"0|[1-9][0-9]{0,19}")


@attrs.frozen
class Checkpoint:
    origin: str
    size: int
    root: bytes

    def text(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode('ascii')}\n"


def _parse_text(text: str) -> Checkpoint:
    lines = text.split("\n")
    if len(lines) < 4 or lines[-1] != "":
        raise NoteFormatError("a checkpoint's text is origin, size and root, one per line")
    origin, size_text, root_text = lines[0], lines[1], lines[2]
    if not origin:
        raise NoteFormatError("a checkpoint's origin line is empty")
    if any(not line for line in lines[3:-1]):
        raise NoteFormatError("a checkpoint's extension lines must not be empty")
    if not _SIZE.fullmatch(size_text):
        raise NoteFormatError(f"a checkpoint's size must be a decimal number, not {size_text!r}")
    try:
        root = base64.b64decode(root_text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise NoteFormatError("a checkpoint's root hash is not valid base64") from None
    if len(root) != 32:
        raise NoteFormatError("a checkpoint's root hash is not 32 bytes")
    return Checkpoint(origin, int(size_text), root)


def sign_checkpoint(checkpoint: Checkpoint, signer: Signer) -> str:
    return sign_note(checkpoint.text(), signer)


def parse_checkpoint(note: str | bytes) -> Checkpoint:
    """The checkpoint a note states, WITHOUT checking its signature: for display only."""
    text, _ = parse_note(note)
    return _parse_text(text)


def verify_checkpoint(note: str | bytes, verifier: Verifier) -> Checkpoint:
    """The checkpoint, once its signature by `verifier` is checked (SignatureError if not)."""
    return _parse_text(open_note(note, verifier))
