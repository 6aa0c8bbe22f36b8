"""Key files: a private key only its owner can read, its public key beside it.

The private key file holds one line, the signer key in the C2SP/Go note text form
(``PRIVATE+KEY+<name>+<id>+<key>``), and is created with mode 0600 before anything
is written to it, so that no other user can read it even for an instant. The public
key goes to ``<file>.pub``: that is what an auditor or a foreign authority is given.
A key is never printed, logged or put in an error message; errors name the file.
"""

from __future__ import annotations

import os
from pathlib import Path

from comity.audit.note import Signer, Verifier, generate_signer
from comity.errors import InvalidInput, NoteFormatError
from comity.i18n import N_
from comity.i18n import gettext as _

__all__ = ["KEY_ENV", "load_signer", "load_verifier", "public_path", "write_keypair"]

#: The environment variable that may hold the signing key itself or the path of its file.
KEY_ENV = "COMITY_SIGNING_KEY"
_MAX_KEY_FILE = 4096


def public_path(private: Path) -> Path:
    return private.with_name(private.name + ".pub")


def write_keypair(path: Path, name: str) -> tuple[Path, Verifier]:
    """Create `path` (0600) and `path.pub`; refuse to overwrite either."""
    public = public_path(path)
    for target in (path, public):
        if target.exists():
            raise InvalidInput(
                _("{file}: already exists; choose another --out or remove it").format(file=target)
            )
    signer = generate_signer(name)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise InvalidInput(
            _("{file}: cannot create the key file ({why})").format(file=path, why=exc.strerror)
        ) from None
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(signer.encode() + "\n")
    public.write_text(signer.verifier.encode() + "\n", encoding="ascii")
    return public, signer.verifier


#: What refuses a key file, by the kind of key it should hold (whole messages, so that
#: each language words each kind as it needs).
_REFUSALS = {
    "signing key": (
        N_("{file}: cannot read the signing key ({why})"),
        N_("{file}: too large to be a signing key"),
        N_("{file}: not a signing key (not ASCII text)"),
    ),
    "public key": (
        N_("{file}: cannot read the public key ({why})"),
        N_("{file}: too large to be a public key"),
        N_("{file}: not a public key (not ASCII text)"),
    ),
}


def _read_key_file(path: Path, what: str) -> str:
    unreadable, too_large, not_text = _REFUSALS[what]
    try:
        with path.open("rb") as f:
            data = f.read(_MAX_KEY_FILE + 1)
    except OSError as exc:
        raise InvalidInput(_(unreadable).format(file=path, why=exc.strerror)) from None
    if len(data) > _MAX_KEY_FILE:
        raise InvalidInput(_(too_large).format(file=path))
    try:
        return data.decode("ascii").strip()
    except UnicodeDecodeError:
        raise InvalidInput(_(not_text).format(file=path)) from None


def load_signer(path: str | None) -> Signer:
    """The signing key from `path`, else from COMITY_SIGNING_KEY (the key or its file)."""
    if path is None:
        value = os.environ.get(KEY_ENV, "").strip()
        if not value:
            raise InvalidInput(
                _(
                    "no signing key: give --key FILE or set {env} "
                    "(make one with `comity keygen --out FILE`)"
                ).format(env=KEY_ENV)
            )
        if value.startswith("PRIVATE+KEY+"):
            try:
                return Signer.decode(value)
            except NoteFormatError:
                raise NoteFormatError(
                    _("{env}: not a valid signing key").format(env=KEY_ENV)
                ) from None
        path = value
    text = _read_key_file(Path(path), "signing key")
    try:
        return Signer.decode(text)
    except NoteFormatError as exc:
        raise NoteFormatError(
            _("{file}: not a signing key: {why}").format(file=path, why=exc)
        ) from None


def load_verifier(path: str) -> Verifier:
    text = _read_key_file(Path(path), "public key")
    try:
        return Verifier.decode(text)
    except NoteFormatError as exc:
        raise NoteFormatError(
            _("{file}: not a public key: {why}").format(file=path, why=exc)
        ) from None
