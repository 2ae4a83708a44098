"""Toy spec whose guard asks `type(s.x) is int`: true for every explicit state, false for a symbolic
proxy, so the translation alone would silently disable `inc`. `prove` must notice (its cross-check of Z3's
successors against the explicit ones) and refuse. Explicitly: x = 0, 1, 2 (3 states), `small` fails at
x = 2, in 2 steps."""
import z3

from modelcheck import IntRange, Spec, action, always


class Silent(Spec):
    """x steps 0 -> 1 -> 2 behind a guard that tests the type of x."""

    check_deadlock = False

    def variables(self):
        return {"x": IntRange(0, 2)}

    def init(self):
        yield self.State(x=0)

    @action(guard=lambda self, s: type(s.x) is int and s.x < 2)
    def inc(self, s):
        return s.set(x=s.x + 1)

    @always
    def small(self, v):
        return v.x < 2
