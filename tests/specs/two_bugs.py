"""Toy spec with two planted bug classes, for `verify --all-violations`.

A counter x runs 0..2. Two different actions break the invariant: breakA sets bad=1, breakB sets
bad=2, each only from bad=0. By hand: the violating states are bad in {1, 2} x x in {0, 1, 2} = 6; every
state with bad=1 was entered by breakA (3 states), every state with bad=2 by breakB (3 states); the
shortest trace of each class is one step (from the initial state).
"""
import z3

from modelcheck import IntRange, Spec, action, always


class TwoBugs(Spec):
    """A counter and two ways to break it."""

    check_deadlock = False

    def variables(self):
        return {"x": IntRange(0, 2), "bad": IntRange(0, 2)}

    def init(self):
        yield self.State(x=0, bad=0)

    @action(guard=lambda self, s: s.x < 2)
    def step(self, s):
        """The counter advances."""
        return s.set(x=s.x + 1)

    @action(guard=lambda self, s: s.bad == 0)
    def breakA(self, s):
        """Planted bug A."""
        return s.set(bad=1)

    @action(guard=lambda self, s: s.bad == 0)
    def breakB(self, s):
        """Planted bug B."""
        return s.set(bad=2)

    @always
    def sound(self, v):
        return v.bad == 0
