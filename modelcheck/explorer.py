"""The search API under its historical name: everything lives in `modelcheck.search`."""
from __future__ import annotations

from .search import Limits, ModelError, Progress, Result, explore, fingerprint, make_successors

__all__ = ["Limits", "Progress", "Result", "ModelError", "explore", "make_successors", "fingerprint"]
