"""Toy spec whose `square` effect uses `**` on a state variable, outside the symbolic subset: `prove`
must refuse it, naming the action and this file's line, while `verify` checks it explicitly (3 states:
x = 0, 1, 2; `square` maps 2 to 4 % 3 = 1; `small` fails at x = 2, in 2 steps)."""
import z3

from modelcheck import IntRange, Spec, action, always


class Unsupported(Spec):
    """x steps 0 -> 1 -> 2, and square maps x to x**2 mod 3."""

    check_deadlock = False

    def variables(self):
        return {"x": IntRange(0, 2)}

    def init(self):
        yield self.State(x=0)

    @action(guard=lambda self, s: s.x < 2)
    def inc(self, s):
        return s.set(x=s.x + 1)

    @action
    def square(self, s):
        return s.set(x=s.x ** 2 % 3)

    @always
    def small(self, v):
        return v.x < 2
