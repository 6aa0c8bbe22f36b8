"""Signed notes and checkpoints: interoperable with Go's note package, and unforgeable.

The Peter Neumann key and note are the published test vector of golang.org/x/mod's
sumdb/note package: signing its text with its key must give its signature byte for
byte, so that C2SP tools elsewhere read comity's checkpoints and comity reads theirs.
"""

from __future__ import annotations

import base64

import pytest

from comity.audit import (
    Checkpoint,
    Signer,
    Verifier,
    generate_signer,
    open_note,
    parse_checkpoint,
    sign_checkpoint,
    sign_note,
    verify_checkpoint,
)
from comity.errors import InvalidInput, NoteFormatError, SignatureError

GO_PUBLIC = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_PRIVATE = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT + "\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSN"
    "XgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)


def test_go_note_vector_round_trips() -> None:
    signer = Signer.decode(GO_PRIVATE)
    verifier = Verifier.decode(GO_PUBLIC)
    assert signer.verifier == verifier
    assert signer.encode() == GO_PRIVATE
    assert verifier.encode() == GO_PUBLIC
    assert sign_note(GO_TEXT, signer) == GO_NOTE
    assert open_note(GO_NOTE, verifier) == GO_TEXT
    assert open_note(GO_NOTE.encode("utf-8"), verifier) == GO_TEXT


def test_altered_text_is_refused() -> None:
    verifier = Verifier.decode(GO_PUBLIC)
    with pytest.raises(SignatureError, match="altered or forged"):
        open_note(GO_NOTE.replace("problem,", "problem;"), verifier)


def test_forged_with_another_key_under_the_same_name() -> None:
    forger = generate_signer("PeterNeumann")
    forged = sign_note(GO_TEXT.replace("answer", "question"), forger)
    with pytest.raises(SignatureError, match="not signed by the key PeterNeumann\\+c74f20a3"):
        open_note(forged, Verifier.decode(GO_PUBLIC))


def test_foreign_signatures_are_ignored_but_one_of_ours_is_needed() -> None:
    ours, theirs = generate_signer("comity.example/log"), generate_signer("witness.example")
    both = sign_note("hello\n", theirs, ours)
    assert open_note(both, ours.verifier) == "hello\n"
    with pytest.raises(SignatureError, match=r"signed by: witness\.example"):
        open_note(sign_note("hello\n", theirs), ours.verifier)


def test_a_bad_signature_by_the_trusted_key_rejects_the_note() -> None:
    signer = generate_signer("comity.example/log")
    note = sign_note("hello\n", signer)
    _name, blob = note.split("\n")[-2].removeprefix("— ").split(" ")
    raw = bytearray(base64.b64decode(blob))
    raw[-1] ^= 1
    tampered = note.replace(blob, base64.b64encode(bytes(raw)).decode())
    with pytest.raises(SignatureError, match="does not verify"):
        open_note(tampered, signer.verifier)


@pytest.mark.parametrize(
    ("note", "message"),
    [
        ("no newline", "end with a newline"),
        ("text\n", "blank line"),
        ("text\n\n", "no signature"),
        ("text\n\n- name AAAA\n", "em dash"),
        ("text\n\n— name !!!!\n", "base64"),
        ("text\n\n— na+me AAAAAAA=\n", "without spaces or '\\+'"),
        ("te\x07xt\n\n— name AAAAAAA=\n", "control characters"),
        (b"\xff\n\n", "UTF-8"),
        ("x" * 70000 + "\n\n— name AAAAAAA=\n", "at most"),
    ],
)
def test_malformed_notes(note: str | bytes, message: str) -> None:
    with pytest.raises(NoteFormatError, match=message):
        open_note(note, Verifier.decode(GO_PUBLIC))
    assert issubclass(NoteFormatError, InvalidInput)


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "id does not match"),
        ("PeterNeumann+c74f20a3", "reads <name>"),
        ("PeterNeumann+c74f20a3+AhpcAA==", "not an Ed25519 key"),
        (GO_PRIVATE, "this is a private key"),
    ],
)
def test_malformed_public_keys(key: str, message: str) -> None:
    with pytest.raises(NoteFormatError, match=message):
        Verifier.decode(key)


def test_signer_repr_hides_the_key() -> None:
    signer = Signer.decode(GO_PRIVATE)
    assert "AYEKFALV" not in repr(signer)
    assert signer.seed.hex() not in repr(signer)


def test_checkpoint_sign_and_verify() -> None:
    signer = generate_signer("comity.example/events")
    checkpoint = Checkpoint("comity.example/events", 20852163, bytes(range(32)))
    note = sign_checkpoint(checkpoint, signer)
    assert note.startswith(
        "comity.example/events\n20852163\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n\n— "
    )
    assert verify_checkpoint(note, signer.verifier) == checkpoint
    assert parse_checkpoint(note) == checkpoint
    forger = generate_signer("comity.example/events")
    with pytest.raises(SignatureError):
        verify_checkpoint(sign_checkpoint(checkpoint, forger), signer.verifier)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("origin\n012\nAAAA\n", "decimal"),
        ("origin\n12\n", "origin, size and root"),
        ("\n12\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", "origin line"),
        ("o\n12\nAAAA\n", "32 bytes"),
        ("o\n-1\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", "decimal"),
    ],
)
def test_malformed_checkpoints(text: str, message: str) -> None:
    signer = generate_signer("o")
    with pytest.raises(NoteFormatError, match=message):
        verify_checkpoint(sign_note(text, signer), signer.verifier)


def test_checkpoint_extension_lines_are_read_past() -> None:
    signer = generate_signer("o")
    text = "o\n3\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\nextra\n"
    assert verify_checkpoint(sign_note(text, signer), signer.verifier).size == 3
