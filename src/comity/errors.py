"""The exceptions comity raises, under one root so that callers can catch them all.

Each class carries the CLI exit code it maps to (DESIGN.md section 8), so that the CLI
turns any project error into one stderr line and the documented exit code without a
table of its own::

    ComityError                    (exit 4 unless a subclass says otherwise)
    +-- InvalidInput               exit 3: bad events, bad files, bad parameters
    |   +-- EventFormatError       one or more events do not match the v1 format
    |   +-- RulePackError          a rule or parameter file is malformed
    |   |   +-- LanguageError      a rule's pattern is malformed or could never match
    |   +-- NoteFormatError        a checkpoint, signed note or key file is malformed
    +-- StoreError                 exit 4: the log could not do what was asked
    |   +-- ConcurrencyConflict    a case's expected last seq was stale
    |   +-- DuplicateEventError    an event_id is known with different content
    |   +-- StoreUnavailable       the store cannot be opened or reached
    |   +-- ChainBroken            the stored hash chain does not verify
    |       +-- StoreDamaged       exit 1: records missing or unreadable, or the
    |                              database's own integrity check failed
    +-- EngineError                exit 4: the rule engine failed (a bug, never input)
    +-- UnknownFinding             exit 3: `explain` was given an id no replay produced
    +-- NotRecorded                exit 5: a disclosure could not be recorded (a read-only
    |                              store, --no-record); nothing was shown
    +-- VerificationFailed         exit 1: a proof, signature or checkpoint does not verify
    |   +-- ProofError             a Merkle inclusion or consistency proof does not verify
    |   +-- SignatureError         a signed note has no valid signature by the trusted key
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

__all__ = [
    "ChainBroken",
    "ComityError",
    "ConcurrencyConflict",
    "DuplicateEventError",
    "EngineError",
    "EventFormatError",
    "InvalidInput",
    "LanguageError",
    "NotRecorded",
    "NoteFormatError",
    "Problem",
    "ProofError",
    "RulePackError",
    "SignatureError",
    "StoreDamaged",
    "StoreError",
    "StoreUnavailable",
    "UnknownFinding",
    "VerificationFailed",
]


class ComityError(Exception):
    """Root of every error comity raises on purpose."""

    exit_code: int = 4


class InvalidInput(ComityError, ValueError):
    """The input was refused; nothing was written. A ValueError: a caller's value was
    wrong, so code that catches ValueError around a call catches this too."""

    exit_code = 3


@attrs.frozen
class Problem:
    """One thing wrong with one input record.

    Kept structured (not just a string) so that integrators can map problems back to
    their own records without parsing messages.
    """

    source: str  # file name, "<stdin>", or "<event>" for library calls
    line: int | None  # 1-based line number within source, when there is one
    path: str  # field path inside the record, e.g. "value.amount"; "" for the whole line
    message: str  # what was expected, what was found

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class EventFormatError(InvalidInput):
    """One or more events do not match the v1 wire format.

    `problems` lists every problem found, in input order, so that a user can fix a
    whole file in one pass rather than one error per run.
    """

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class RulePackError(InvalidInput):
    """A rule or legal-parameter file is malformed; the message names file and key."""


class LanguageError(RulePackError):
    """A pattern of the rule language does not parse, or could never match.

    `pattern` is the pattern's text and `column` (1-based) where in it the problem
    is, when known; `where` is set by whoever knows which file and rule it is in
    (`file: rule ID.when[0], pattern 2`). The message reads on one line.
    """

    def __init__(
        self, message: str, pattern: str | None = None, column: int | None = None, where: str = ""
    ) -> None:
        self.message, self.pattern, self.column, self.where = message, pattern, column, where
        super().__init__(message, pattern, column, where)

    def at(self, where: str) -> LanguageError:
        """The same error, placed in a file and rule."""
        return LanguageError(self.message, self.pattern, self.column, where)

    def __str__(self) -> str:
        text = self.message
        if self.pattern is not None:
            col = f"column {self.column} of " if self.column is not None else ""
            shown = self.pattern if len(self.pattern) <= 80 else self.pattern[:76] + " ..."
            text = f"{col}{shown!r}: {text}"
        return f"{self.where}: {text}" if self.where else text


class StoreError(ComityError):
    """The log could not complete the operation; nothing was written."""


class ConcurrencyConflict(StoreError):
    """Another writer appended to the case first; re-read and retry."""

    def __init__(self, case_id: str, expected: int, actual: int) -> None:
        self.case_id, self.expected, self.actual = case_id, expected, actual
        super().__init__(
            f"case {case_id!r}: expected last seq {expected}, but the log is at {actual}; "
            "re-read the case and retry"
        )


class DuplicateEventError(StoreError):
    """An event_id is already stored with different content (ids are forever)."""

    exit_code = 3

    def __init__(self, event_id: str, detail: str = "") -> None:
        self.event_id = event_id
        msg = f"event_id {event_id!r} is already stored with different content"
        super().__init__(msg + (f" ({detail})" if detail else "") + "; use a new event_id")


class StoreUnavailable(StoreError):
    """The store cannot be opened, created or reached."""


class ChainBroken(StoreError):
    """The hash chain does not verify; `position` is the first bad record."""

    exit_code = 1

    def __init__(self, position: int, reason: str) -> None:
        self.position, self.reason = position, reason
        super().__init__(f"hash chain broken at position {position}: {reason}")


class StoreDamaged(ChainBroken):
    """`verify` found damage that is not in the chain it read: records it could not read
    or that the scan never reached, or the database's own integrity check failing.

    `position` is the first position that could not be verified (0 when the damage
    is not tied to one, e.g. in an index). A ChainBroken, so that whoever catches a
    broken chain from `verify` catches this too (exit 1, as `verify`'s verdict).
    """

    def __init__(self, position: int, reason: str) -> None:
        self.position, self.reason = position, reason
        StoreError.__init__(
            self, f"the store is damaged: {reason}; restore it from a backup or a copy"
        )


class EngineError(ComityError):
    """The engine failed; this is a bug in a rule or in comity, never the user's input."""


class UnknownFinding(InvalidInput):
    """No replay of the store produced the finding id asked about."""


class NotRecorded(ComityError):
    """An output that must be recorded as a disclosure could not be; it was not shown.

    Its own exit code (5), not a store error's (4), so that a script can tell "this
    store cannot take the record of what I asked to see" from "the store is broken".
    """

    exit_code = 5


class VerificationFailed(ComityError):
    """What an auditor checks did not hold: the command ran and found it (exit 1)."""

    exit_code = 1


class ProofError(VerificationFailed):
    """A Merkle inclusion or consistency proof does not verify; the message says where."""


class SignatureError(VerificationFailed):
    """A signed note carries no valid signature by the key it is checked against."""


class NoteFormatError(InvalidInput):
    """A checkpoint, signed note or key file is not in its documented format."""
