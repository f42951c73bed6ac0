"""Helpers of audit/verify.py for the audit log (audit/LOG-FORMAT.md).

    ed25519   RFC 8032 Ed25519 signature verification (pure Python)
    merkle    RFC 6962 / RFC 9162 Merkle trees, inclusion and consistency proofs
    note      C2SP signed notes, verifier keys and tlog checkpoints
    auditlog  `verify.py log DIR` and `verify.py receipt FILE`

Python standard library only, like verify.py itself.
"""
