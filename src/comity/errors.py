"""The exceptions comity raises, under one root so that callers can catch them all.

Each class carries the CLI exit code it maps to (docs/cli.md, "Exit codes"), so that
the CLI turns any project error into one stderr line and the documented exit code
without a table of its own. Where an error refines one of Python's own, it subclasses
it too (in brackets), so that code written against the built-in exceptions keeps
working: a bad value is a ValueError, an unreachable store an OSError::

    ComityError                      (exit 4 unless a subclass says otherwise)
    +-- InvalidInput [ValueError]    exit 3: bad events, files, parameters or arguments
    |   +-- EventFormatError         one or more events do not match the v1 format
    |   +-- RulePackError            a rule or parameter file is malformed
    |   |   +-- LanguageError        a rule's pattern is malformed or could never match
    |   +-- NoteFormatError          a checkpoint, signed note or key file is malformed
    |   +-- UnknownFinding [LookupError]  `explain` was given an id no replay produced
    |   +-- UnknownRule [KeyError]   the rule pack has no rule of the id asked for
    |   +-- PreviousExportError      a `--previous` calendar is not an export comity wrote
    |   +-- InvalidArgument [TypeError]  a library call was given the wrong kind of value
    +-- StoreError                   exit 4: the log could not do what was asked
    |   +-- ConcurrencyConflict      a case's expected last seq was stale
    |   +-- DuplicateEventError      exit 3: an event_id is known with different content
    |   +-- StoreUnavailable [OSError]  the store cannot be opened, created or reached
    |   |   +-- StoreReadOnly        the store can be read but refuses every write (a
    |   |                            read-only file, a PostgreSQL standby)
    |   +-- ChainBroken              exit 1: the stored hash chain does not verify
    |       +-- StoreDamaged         exit 1: records missing or unreadable, or the
    |                                database's own integrity check failed
    +-- EngineError [RuntimeError]   exit 4: the rule engine failed (a bug, never input)
    +-- GenerationRetired            exit 1: another watcher's rule pack took over the
    |                                findings store
    +-- NotRecorded                  exit 5: a disclosure could not be recorded (a
    |                                read-only store, --no-record); nothing was shown
    +-- VerificationFailed           exit 1: a proof, signature or checkpoint does not verify
        +-- ProofError               a Merkle inclusion or consistency proof does not verify
        +-- SignatureError           a signed note has no valid signature by the trusted key

Every error pickles and unpickles equal (see :class:`ComityError`); all are exported
from `comity` itself. The messages a person reads on the command line are gettext
messages (:mod:`comity.i18n`): in the language of the command line there, English
everywhere else (a library call, the HTTP service), since only the command line sets one.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from comity.i18n import gettext as _

__all__ = [
    "ChainBroken",
    "ComityError",
    "ConcurrencyConflict",
    "DuplicateEventError",
    "EngineError",
    "EventFormatError",
    "GenerationRetired",
    "InvalidArgument",
    "InvalidInput",
    "LanguageError",
    "NotRecorded",
    "NoteFormatError",
    "PreviousExportError",
    "Problem",
    "ProofError",
    "RulePackError",
    "SignatureError",
    "StoreDamaged",
    "StoreError",
    "StoreReadOnly",
    "StoreUnavailable",
    "UnknownFinding",
    "UnknownRule",
    "VerificationFailed",
]


class ComityError(Exception):
    """Root of every error comity raises on purpose.

    Every subclass passes all its constructor's arguments, and nothing else, to
    `Exception.__init__`, so that `args` holds the structured fields and an error
    pickles as `(type, args)`: it crosses a process boundary (the parallel replay's
    workers) and comes back equal, with its fields and its message. Errors compare
    by type and `args`, so a test or a caller can ask whether two are the same error.
    """

    exit_code: int = 4

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ComityError):
            return NotImplemented
        return type(self) is type(other) and self.args == other.args

    def __hash__(self) -> int:
        return hash((type(self), self.args))


class InvalidInput(ComityError, ValueError):
    """The input was refused; nothing was written. A ValueError: a caller's value was
    wrong, so code that catches ValueError around a call catches this too."""

    exit_code = 3


class InvalidArgument(InvalidInput, TypeError):
    """A library call was given a value it cannot take: a dict where an event belongs,
    text where a date does, a naive datetime where an instant in UTC does.

    The message names the call and the argument, says what was given and what to pass
    instead. Both a ValueError (as every InvalidInput) and a TypeError, so that code
    written against either built-in convention catches it.
    """


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
        super().__init__(self.problems)

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


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
        super().__init__(case_id, expected, actual)

    def __str__(self) -> str:
        return _(
            "case {case}: expected last seq {expected}, but the log is at {actual}; "
            "re-read the case and retry"
        ).format(case=repr(self.case_id), expected=self.expected, actual=self.actual)


class DuplicateEventError(StoreError):
    """An event_id is already stored with different content (ids are forever)."""

    exit_code = 3

    def __init__(self, event_id: str, detail: str = "") -> None:
        self.event_id, self.detail = event_id, detail
        super().__init__(event_id, detail)

    def __str__(self) -> str:
        if self.detail:
            return _(
                "event_id {event} is already stored with different content ({detail}); "
                "use a new event_id"
            ).format(event=repr(self.event_id), detail=self.detail)
        return _(
            "event_id {event} is already stored with different content; use a new event_id"
        ).format(event=repr(self.event_id))


class StoreUnavailable(StoreError, OSError):
    """The store cannot be opened, created or reached.

    An OSError too (as a file that cannot be opened or a server that cannot be
    reached is), so that code which catches OSError around opening a store catches
    this; it carries only its message (no errno), which `str` prints as it is.
    """


class StoreReadOnly(StoreUnavailable):
    """The store is there and reads, but refuses every write: a file or directory
    without write permission, a PostgreSQL hot standby or read-only session.

    Its own class so that a front end that must record before it shows (the disclosure
    record) can tell "this store cannot take the record" (:class:`NotRecorded`, exit 5)
    from "the store cannot be reached" (exit 4, as every other command says it).
    """


class ChainBroken(StoreError):
    """The hash chain does not verify; `position` is the first bad record."""

    exit_code = 1

    def __init__(self, position: int, reason: str) -> None:
        self.position, self.reason = position, reason
        super().__init__(position, reason)

    def __str__(self) -> str:
        return _("hash chain broken at position {position}: {reason}").format(
            position=self.position, reason=self.reason
        )


class StoreDamaged(ChainBroken):
    """`verify` found damage that is not in the chain it read: records it could not read
    or that the scan never reached, or the database's own integrity check failing.

    `position` is the first position that could not be verified (0 when the damage
    is not tied to one, e.g. in an index). A ChainBroken, so that whoever catches a
    broken chain from `verify` catches this too (exit 1, as `verify`'s verdict).
    """

    def __str__(self) -> str:
        return _("the store is damaged: {reason}; restore it from a backup or a copy").format(
            reason=self.reason
        )


class EngineError(ComityError, RuntimeError):
    """The engine failed; this is a bug in a rule or in comity, never the user's input.

    A RuntimeError: nothing the caller passed was wrong, the run itself went wrong."""


class UnknownFinding(InvalidInput, LookupError):
    """No replay of the store produced the finding id asked about (a LookupError, as a
    missing key is, and an InvalidInput: the id given was wrong)."""


class UnknownRule(InvalidInput, KeyError):
    """`RulePack.rule(rule_id)` was asked for a rule the pack does not hold.

    A KeyError (what the lookup raised before it was comity's own, so code catching
    that keeps working) and an InvalidInput: the id given was wrong. `rule_id` is the
    id asked for; `str()` is the message, not KeyError's quoted key.
    """

    def __init__(self, rule_id: str) -> None:
        self.rule_id = rule_id
        super().__init__(rule_id)

    def __str__(self) -> str:
        return (
            f"the rule pack has no rule {self.rule_id!r}; `comity rules list` shows the "
            "rules it holds"
        )


class PreviousExportError(InvalidInput):
    """A calendar given as the previous export (`comity deadlines --format ics
    --previous FILE`) is not one comity wrote; `str()` says why. A ValueError, as it
    was before it joined the tree."""


class GenerationRetired(ComityError):
    """A watcher with another rule pack switched the findings store to its generation;
    this watcher stopped without writing (exit 1)."""

    exit_code = 1


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
