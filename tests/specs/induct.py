"""Toy specs for `prove`, each with a hand-derived answer.

- `Lockstep` (x, y in 0..3 step together, wrapping at 3): `equal` (x == y) is inductive: PROVED by
  1-induction. Reachable: (0,0)..(3,3), 4 states.
- `Shift` (x, y in 0..1; `shift` moves y into x and clears y): `x_zero` (x == 0) is not 1-inductive, the
  counterexample to induction is (x=0, y=1) -> (x=1, y=0); it is 2-inductive: two distinct states with
  x = 0 force y = 0 in the first, so the second is (0, 0) and the third equals it (not distinct).
- `ClimbAlone` (x, y in 0..5 climb together and reset at 5): `top_together` (x == 5 implies y == 5) is not
  1-inductive (CTI (x=4, y=0) -> (5, 1)); `Climb` declares the helper `same` (x == y), and with it
  `top_together` is 1-inductive.
- `Deep` (x in 0..7 counts up, then stays): `not_five` (x != 5) fails first at x = 5, 5 steps from x = 0:
  BMC finds 5 steps and BFS agrees; with --bmc 4 it is UNKNOWN (longer loop-free paths exist).
"""
import z3

from modelcheck import IntRange, Spec, action, always


class Lockstep(Spec):
    """x and y step together."""

    check_deadlock = False

    def variables(self):
        return {"x": IntRange(0, 3), "y": IntRange(0, 3)}

    def init(self):
        yield self.State(x=0, y=0)

    @action
    def step(self, s):
        return s.set(x=(s.x + 1) % 4, y=(s.y + 1) % 4)

    @always
    def equal(self, v):
        return v.x == v.y


class Shift(Spec):
    """A two-cell shift register that shifts in zeros."""

    check_deadlock = False

    def variables(self):
        return {"x": IntRange(0, 1), "y": IntRange(0, 1)}

    def init(self):
        yield self.State(x=0, y=0)

    @action
    def shift(self, s):
        return s.set(x=s.y, y=0)

    @always
    def x_zero(self, v):
        return v.x == 0


class ClimbAlone(Spec):
    """x and y climb to 5 together and reset (no helper invariant)."""

    check_deadlock = False

    def variables(self):
        return {"x": IntRange(0, 5), "y": IntRange(0, 5)}

    def init(self):
        yield self.State(x=0, y=0)

    @action(guard=lambda self, s: s.x < 5)
    def climb(self, s):
        return s.set(x=s.x + 1, y=s.y + 1)

    @action(guard=lambda self, s: s.x == 5)
    def reset(self, s):
        return s.set(x=0, y=0)

    @always
    def top_together(self, v):
        return z3.Implies(v.x == 5, v.y == 5)


class Climb(ClimbAlone):
    """ClimbAlone with the helper invariant x == y declared."""

    helpers = ["same"]

    @always
    def same(self, v):
        """Helper invariant: x and y are equal."""
        return v.x == v.y


class Deep(Spec):
    """x counts up to 7 and stays there."""

    check_deadlock = False

    def variables(self):
        return {"x": IntRange(0, 7)}

    def init(self):
        yield self.State(x=0)

    @action(guard=lambda self, s: s.x < 7)
    def inc(self, s):
        return s.set(x=s.x + 1)

    @always
    def not_five(self, v):
        return v.x != 5
