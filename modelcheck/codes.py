"""Verdict names and exit codes: the command-line contract, importable without z3 or networkx."""
from __future__ import annotations

__all__ = ["VERIFIED", "VIOLATED", "INCONCLUSIVE", "EXIT_OK", "EXIT_VIOLATED", "EXIT_ERROR", "EXIT_INCONCLUSIVE",
           "REPORT_FORMAT"]

VERIFIED, VIOLATED, INCONCLUSIVE = "VERIFIED", "VIOLATED", "INCONCLUSIVE"
EXIT_OK, EXIT_VIOLATED, EXIT_ERROR, EXIT_INCONCLUSIVE = 0, 1, 2, 3

# The `format` of every --json report; its JSON Schema is modelcheck/report/schemas/report.schema.json. Adding a
# key keeps the version; removing, renaming or changing the meaning of one makes it modelcheck-report/2.
REPORT_FORMAT = "modelcheck-report/1"
