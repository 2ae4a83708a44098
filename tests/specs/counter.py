"""Toy spec for engine tests: one counter that counts up to M and wraps to 0.

Hand count (M=3): x takes every value 0..M and each state has exactly one enabled action
(inc below M, wrap at M), so there are M+1 = 4 distinct states, M+1 = 4 transitions and
1 + 4 = 5 generated states (the initial state plus one successor per state, as TLC counts).
x=M is M = 3 steps from x=0, so the depth is 3 and `below_top` fails there, in 3 steps.
In the `stuck` variant x=M has no successor: a deadlock, and x=0 is no longer reachable from it.
"""
from modelcheck import Bool, IntRange, Spec, action, always, always_possible, param, sometimes


class Counter(Spec):
    """x counts 0, 1, ..., M and wraps back to 0."""

    M = param(3, IntRange(1, 9), "the largest value of x")
    wraps = param(True, Bool(), "x returns to 0 after M (else x=M is a deadlock)")

    variants = {"stuck": {"wraps": False}}

    def variables(self):
        return {"x": IntRange(0, self.M)}

    def init(self):
        yield self.State(x=0)

    @action(guard=lambda self, s: s.x < self.M)
    def inc(self, s):
        """x grows by one."""
        return s.set(x=s.x + 1)

    @action(guard=lambda self, s: s.x == self.M and self.wraps)
    def wrap(self, s):
        """x returns to 0."""
        return s.set(x=0)

    @always
    def below_top(self, v):
        """x never reaches M (false: it does, after M steps)."""
        return v.x < self.M

    @sometimes
    def reaches_one(self, v):
        """x is 1 in some state."""
        return v.x == 1

    @always_possible
    def can_restart(self, v):
        """From every state, x=0 is reachable again (false in the `stuck` variant)."""
        return v.x == 0
