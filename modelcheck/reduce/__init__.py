"""State-space reductions plugged into the search: symmetry (one state per orbit) and partial-order
reduction. Each is sound only under conditions checked before or during the search; see each module."""
from .symmetry import Index, Members, Symmetry, Value, Values

__all__ = ["Symmetry", "Index", "Members", "Value", "Values"]
