"""The auditor's trail: Merkle proofs and signed checkpoints over the log.

A hash chain alone cannot show that a log was cut at its end or rewritten from an edit
onwards; a signed Merkle root at a known size can. `merkle` builds RFC 6962 trees and
verifies proofs, `note` signs and opens C2SP signed notes with Ed25519, and
`checkpoint` is the C2SP tlog checkpoint those notes carry.
"""

from comity.audit.checkpoint import (
    Checkpoint,
    parse_checkpoint,
    sign_checkpoint,
    verify_checkpoint,
)
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

__all__ = [
    "EMPTY_ROOT",
    "Checkpoint",
    "MerkleTree",
    "Signer",
    "Verifier",
    "generate_signer",
    "leaf_hash",
    "node_hash",
    "open_note",
    "parse_checkpoint",
    "root_of",
    "sign_checkpoint",
    "sign_note",
    "verify_checkpoint",
    "verify_consistency",
    "verify_inclusion",
]
