"""modelcheck: an explicit-state model checker whose properties are Z3 formulas.

See docs/spec-api.md for how to write a spec, and `modelcheck --help` for the command line.
"""
from .spec import (Spec, SpecError, UsageError, action, always, always_possible, always_step, constraint,
                   eventually, initially, leads_to, param, refines, sometimes, terminal)
from .types import Bool, DomainError, Enum, IntRange, MapOf, Record, SeqOf, SetOf, TupleOf, put

__all__ = ["Spec", "SpecError", "UsageError", "action", "always", "always_possible", "always_step", "constraint", "eventually", "initially", "leads_to", "param", "refines", "sometimes",
           "terminal", "Bool", "DomainError", "Enum", "IntRange", "MapOf", "Record", "SeqOf", "SetOf", "TupleOf", "put"]
__version__ = "0.1.0"
