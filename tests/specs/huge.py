"""Toy spec too big to finish: six counters 0..19 that step up independently (20**6 = 64 million
states), for tests that stop a long search (limits, Ctrl-C).

If the environment variable MODELCHECK_TEST_READY names a file, the first guard evaluation creates it,
so a test knows the search has started (imports and Z3 checks are over). With trip=true a second
property fails one step from the start, so a violation is found long before any limit. Its two variants
and one fix give `verify --matrix` and `ablate` two cells each, for the tests that stop them.
"""
import os

import z3

from modelcheck import Bool, IntRange, Spec, TupleOf, action, always, param, put

_ready = os.environ.get("MODELCHECK_TEST_READY")


def _signal_ready():
    global _ready
    open(_ready, "w").close()
    _ready = None


class Huge(Spec):
    """Six independent counters."""

    trip = param(False, Bool(), "plant an always property violated one step from the start")
    idle = param(False, Bool(), "a fix that is never read (so that `ablate` has two subsets)", fix=True)
    variants = {"first": {}, "second": {}}  # a matrix of two cells (for `verify --matrix`), neither finishes

    check_deadlock = False

    def variables(self):
        return {"c": TupleOf(IntRange(0, 19), 6)}

    def init(self):
        yield self.State(c=(0,) * 6)

    @action(over=lambda self: range(6), guard=lambda self, s, i: self._below_top(s, i))
    def inc(self, s, i):
        return s.set(c=put(s.c, i, s.c[i] + 1))

    def _below_top(self, s, i):
        if _ready:
            _signal_ready()
        return s.c[i] < 19

    @always(vacuous_ok=True)
    def trip_wire(self, v):
        """Counter 0 stays at 0 (violated in 1 step with trip=true; cannot fail without it)."""
        return z3.Or(v.c[0] < 1, not self.trip)

    @always
    def not_all_top(self, v):
        """Some counter is below 19 (fails only after 114 steps, far beyond any test's patience)."""
        return z3.Or([v.c[i] < 19 for i in range(6)])
