"""C2SP signed notes with Ed25519 keys: what a checkpoint is wrapped in.

A signed note (c2sp.org/signed-note) is a UTF-8 text ending in a newline, a blank
line, then one line per signature: an em dash, a space, the key name, a space, and
base64 of the 4-byte key ID followed by the signature. The key ID is
SHA-256(name || 0x0A || 0x01 || public key)[:4] for Ed25519 (signature type 0x01).

Keys are written in the text forms of Go's golang.org/x/mod/sumdb/note package, which
transparency-log tools already read: ``PRIVATE+KEY+<name>+<id hex>+<base64(0x01 ||
seed)>`` for the signer and ``<name>+<id hex>+<base64(0x01 || public key)>`` for the
verifier. So an authority abroad can check a comity checkpoint with any C2SP tool, and
comity with nothing but the `cryptography` package.
"""

from __future__ import annotations

import base64
import binascii
import hashlib

import attrs
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from comity.errors import NoteFormatError, SignatureError

__all__ = [
    "MAX_NOTE_BYTES",
    "Signature",
    "Signer",
    "Verifier",
    "generate_signer",
    "open_note",
    "parse_note",
    "sign_note",
]

ED25519 = 0x01
_DASH = "\u2014 "
# Far above any checkpoint (a few hundred bytes) and C2SP's 16 signatures, so that a
# hostile file cannot make the parser hold megabytes.
MAX_NOTE_BYTES = 1 << 16
MAX_SIGNATURES = 100
_PRIVATE_PREFIX = "PRIVATE+KEY+"


def _check_name(name: str) -> str:
    if not name or any(c.isspace() or c == "+" for c in name):
        raise NoteFormatError(f"key name {name!r} must be non-empty, without spaces or '+'")
    if any(ord(c) < 0x20 for c in name):
        raise NoteFormatError("a key name must not contain control characters")
    return name


def key_id(name: str, public: bytes) -> bytes:
    return hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([ED25519]) + public).digest()[:4]


def _b64decode(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise NoteFormatError(f"{what} is not valid base64") from None


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


@attrs.frozen
class Verifier:
    """A trusted public key and the name it signs under."""

    name: str
    public: bytes  # 32-byte Ed25519 public key

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.public)

    def encode(self) -> str:
        body = base64.b64encode(bytes([ED25519]) + self.public).decode("ascii")
        return f"{self.name}+{self.key_id.hex()}+{body}"

    @classmethod
    def decode(cls, text: str) -> Verifier:
        if text.strip().startswith(_PRIVATE_PREFIX):
            raise NoteFormatError(
                "this is a private key; give the public key (the .pub file beside it)"
            )
        parts = text.strip().split("+", 2)
        if len(parts) != 3:
            raise NoteFormatError("a public key reads <name>+<key id hex>+<base64 key>")
        name, id_hex, body = parts
        _check_name(name)
        raw = _b64decode(body, "the public key")
        if len(raw) != 33 or raw[0] != ED25519:
            raise NoteFormatError("the public key is not an Ed25519 key (type 0x01, 32 bytes)")
        verifier = cls(name, raw[1:])
        if id_hex.lower() != verifier.key_id.hex():
            raise NoteFormatError("the public key's id does not match its name and key")
        return verifier

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public).verify(signature, message)
        except InvalidSignature:
            return False
        return True


@attrs.frozen(repr=False)
class Signer:
    """A private key and its name. `repr` never shows the key: keys are never logged."""

    name: str
    seed: bytes  # 32-byte Ed25519 private key

    def __repr__(self) -> str:
        return f"Signer(name={self.name!r}, seed=<hidden>)"

    @property
    def verifier(self) -> Verifier:
        key = Ed25519PrivateKey.from_private_bytes(self.seed)
        return Verifier(self.name, _raw_public(key.public_key()))

    def sign(self, message: bytes) -> bytes:
        return Ed25519PrivateKey.from_private_bytes(self.seed).sign(message)

    def encode(self) -> str:
        body = base64.b64encode(bytes([ED25519]) + self.seed).decode("ascii")
        return f"{_PRIVATE_PREFIX}{self.name}+{self.verifier.key_id.hex()}+{body}"

    @classmethod
    def decode(cls, text: str) -> Signer:
        text = text.strip()
        if not text.startswith(_PRIVATE_PREFIX):
            raise NoteFormatError("a private key reads PRIVATE+KEY+<name>+<key id>+<key>")
        parts = text[len(_PRIVATE_PREFIX) :].split("+", 2)
        if len(parts) != 3:
            raise NoteFormatError("a private key reads PRIVATE+KEY+<name>+<key id>+<key>")
        name, id_hex, body = parts
        _check_name(name)
        raw = _b64decode(body, "the private key")
        if len(raw) != 33 or raw[0] != ED25519:
            raise NoteFormatError("the private key is not an Ed25519 key (type 0x01, 32 bytes)")
        signer = cls(name, raw[1:])
        if id_hex.lower() != signer.verifier.key_id.hex():
            raise NoteFormatError("the private key's id does not match its name and key")
        return signer


def generate_signer(name: str) -> Signer:
    key = Ed25519PrivateKey.generate()
    seed = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return Signer(_check_name(name), seed)


@attrs.frozen
class Signature:
    name: str
    key_id: bytes
    signature: bytes


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise NoteFormatError("a note's text must end with a newline")
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        raise NoteFormatError("a note must not contain control characters other than newline")


def sign_note(text: str, *signers: Signer) -> str:
    """The signed note of `text` (which must end in a newline) by every signer."""
    _check_text(text)
    lines = []
    for signer in signers:
        sig = signer.sign(text.encode("utf-8"))
        blob = base64.b64encode(signer.verifier.key_id + sig).decode("ascii")
        lines.append(f"{_DASH}{signer.name} {blob}\n")
    return text + "\n" + "".join(lines)


def parse_note(note: str | bytes) -> tuple[str, tuple[Signature, ...]]:
    """Split a signed note into its text and signatures, checking only the format."""
    if isinstance(note, bytes):
        if len(note) > MAX_NOTE_BYTES:
            raise NoteFormatError(f"a signed note is at most {MAX_NOTE_BYTES} bytes")
        try:
            note = note.decode("utf-8")
        except UnicodeDecodeError:
            raise NoteFormatError("a signed note must be UTF-8") from None
    if len(note.encode("utf-8")) > MAX_NOTE_BYTES:
        raise NoteFormatError(f"a signed note is at most {MAX_NOTE_BYTES} bytes")
    _check_text(note)
    split = note.rfind("\n\n")
    if split < 0:
        raise NoteFormatError("a signed note needs a blank line before its signatures")
    text, block = note[: split + 1], note[split + 2 :]
    sig_lines = block.split("\n")
    if sig_lines[-1] != "":
        raise NoteFormatError("the signature block must end with a newline")
    sig_lines.pop()
    if not sig_lines:
        raise NoteFormatError("a signed note has no signature")
    if len(sig_lines) > MAX_SIGNATURES:
        raise NoteFormatError(f"a signed note carries at most {MAX_SIGNATURES} signatures")
    signatures = []
    for line in sig_lines:
        if not line.startswith(_DASH):
            raise NoteFormatError("each signature line starts with an em dash and a space")
        name, sep, blob = line[len(_DASH) :].partition(" ")
        if not sep or " " in blob:
            raise NoteFormatError("a signature line reads: em dash, name, base64 signature")
        _check_name(name)
        raw = _b64decode(blob, f"the signature by {name}")
        if len(raw) < 5:
            raise NoteFormatError(f"the signature by {name} is too short")
        signatures.append(Signature(name, raw[:4], raw[4:]))
    return text, tuple(signatures)


def open_note(note: str | bytes, verifier: Verifier) -> str:
    """The note's text if `verifier` signed it; SignatureError otherwise.

    As C2SP asks, signatures by other keys are ignored, and a signature by the trusted
    key (same name and id) that fails to verify rejects the note.
    """
    text, signatures = parse_note(note)
    message = text.encode("utf-8")
    ours = [s for s in signatures if s.name == verifier.name and s.key_id == verifier.key_id]
    if not ours:
        others = ", ".join(sorted({s.name for s in signatures}))
        raise SignatureError(
            f"the note is not signed by the key {verifier.name}+{verifier.key_id.hex()} "
            f"(signed by: {others}); is it the right public key?"
        )
    for sig in ours:
        if not verifier.verify(message, sig.signature):
            raise SignatureError(
                f"the signature by {verifier.name} does not verify: the note was altered or forged"
            )
    return text
