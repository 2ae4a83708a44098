"""Verdict names and exit codes: the command-line contract, importable without z3 or networkx."""
from __future__ import annotations

__all__ = ["VERIFIED", "VIOLATED", "INCONCLUSIVE", "EXIT_OK", "EXIT_VIOLATED", "EXIT_ERROR", "EXIT_INCONCLUSIVE"]

VERIFIED, VIOLATED, INCONCLUSIVE = "VERIFIED", "VIOLATED", "INCONCLUSIVE"
EXIT_OK, EXIT_VIOLATED, EXIT_ERROR, EXIT_INCONCLUSIVE = 0, 1, 2, 3
