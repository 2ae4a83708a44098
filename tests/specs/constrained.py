"""Toy spec for @constraint: two counters that each count up to 5, kept to x + y <= L by a constraint.

Hand count (L=3): the explored states are the pairs with x + y <= 3: 1 + 2 + 3 + 4 = 10 distinct
states, at depths 0..3 (depth 3). In each of them both actions are enabled (x, y <= 3 < 5), so
20 successors are computed and 1 + 20 = 21 states are generated (as TLC counts). The 4 states with
x + y = 3 have only successors with x + y = 4: those 8 are outside the constraint (generated, not
explored), and those 4 states are no deadlock (TLC: a state is deadlocked when no successor is
generated at all). `x_reaches_3` has a 3-step witness; `x_at_most_3` holds in every explored state.
With L=10 the constraint excludes nothing: 36 states, and x=y=5 is a deadlock.
"""
from modelcheck import IntRange, Spec, action, always, constraint, param, sometimes


class Constrained(Spec):
    """x and y count up independently; the search is kept to x + y <= L."""

    L = param(3, IntRange(0, 10), "the bound of the constraint on x + y")

    def variables(self):
        return {"x": IntRange(0, 5), "y": IntRange(0, 5)}

    def init(self):
        yield self.State(x=0, y=0)

    @action(guard=lambda self, s: s.x < 5)
    def inc_x(self, s):
        """x grows by one."""
        return s.set(x=s.x + 1)

    @action(guard=lambda self, s: s.y < 5)
    def inc_y(self, s):
        """y grows by one."""
        return s.set(y=s.y + 1)

    @constraint
    def small(self, s):
        """Explore only states with x + y <= L."""
        return s.x + s.y <= self.L

    @always
    def x_at_most_3(self, v):
        return v.x <= 3

    @sometimes
    def x_reaches_3(self, v):
        return v.x == 3
