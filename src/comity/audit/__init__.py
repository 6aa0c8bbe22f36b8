"""The auditor's trail: Merkle proofs and signed checkpoints over the log.

A hash chain alone cannot show that a log was cut at its end or rewritten from an edit
onwards; a signed Merkle root at a known size can. `merkle` builds RFC 6962 trees and
verifies proofs, `note` signs and opens C2SP signed notes with Ed25519, and
`checkpoint` is the C2SP tlog checkpoint those notes carry. `basis` says what an
output stood on, and `disclosure` records who was shown which output
(:func:`record_disclosure`, the one call every front end makes before it shows one).
"""

from comity.audit.basis import Basis, LogHead, basis_of, covered_head, versions
from comity.audit.checkpoint import (
    Checkpoint,
    parse_checkpoint,
    sign_checkpoint,
    verify_checkpoint,
)
from comity.audit.disclosure import KINDS, OutputDigest, disclosure_inputs, record_disclosure
from comity.audit.merkle import (
    EMPTY_ROOT,
    MerkleTree,
    leaf_hash,
    node_hash,
    root_of,
    verify_consistency,
    verify_inclusion,
)
from comity.audit.note import Signer, Verifier, generate_signer, open_note, sign_note
from comity.audit.store import AuditStore, StoredDisclosure, open_audit_store

__all__ = [
    "EMPTY_ROOT",
    "KINDS",
    "AuditStore",
    "Basis",
    "Checkpoint",
    "LogHead",
    "MerkleTree",
    "OutputDigest",
    "Signer",
    "StoredDisclosure",
    "Verifier",
    "basis_of",
    "covered_head",
    "disclosure_inputs",
    "generate_signer",
    "leaf_hash",
    "node_hash",
    "open_audit_store",
    "open_note",
    "parse_checkpoint",
    "record_disclosure",
    "root_of",
    "sign_checkpoint",
    "sign_note",
    "verify_checkpoint",
    "verify_consistency",
    "verify_inclusion",
    "versions",
]
