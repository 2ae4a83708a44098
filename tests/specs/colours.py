"""Toy spec for the `Values()` symmetry place: N slots are painted with colour 0 or 1 (-1 = not painted);
`last` is the last colour used (a `Value()`), and `log` holds the colours in painting order (a sequence).
The colours are interchangeable. `asym` adds a property that singles out colour 1. The tests check the
orbit count against brute force.
"""
import z3

from modelcheck import Bool, IntRange, SeqOf, Spec, TupleOf, action, always, param
from modelcheck.reduce import Symmetry, Value, Values


class Colours(Spec):
    """Paint every slot once, in any order, with either colour."""

    N = param(2, IntRange(1, 4), "number of slots")
    asym = param(False, Bool(), "add a property that singles out colour 1")
    check_deadlock = False

    def symmetry(self):
        return Symmetry("colour", (0, 1), slots=Values(), last=Value(), log=Values())

    def variables(self):
        return {"slots": TupleOf(IntRange(-1, 1), self.N), "last": IntRange(-1, 1), "log": SeqOf(IntRange(0, 1), self.N)}

    def init(self):
        yield self.State(slots=(-1,) * self.N, last=-1, log=())

    @action(over=lambda self: [(i, c) for i in range(self.N) for c in (0, 1)],
            guard=lambda self, s, i, c: s.slots[i] == -1)
    def paint(self, s, i, c):
        return s.set(slots=s.slots[:i] + (c,) + s.slots[i + 1:], last=c, log=s.log + (c,))

    @always
    def not_all_same(self, v):
        """False once every slot has the same colour (so it fails, in N steps)."""
        return z3.Not(z3.And([v.slots[i] == v.slots[0] for i in range(self.N)] + [v.slots[0] != -1]))

    @always
    def log_counts_paints(self, v):
        """The log has one entry per painted slot (holds: keeps the search going to the end)."""
        return v.log.len == z3.Sum([z3.If(v.slots[i] != -1, 1, 0) for i in range(self.N)])

    @always(applies=lambda self: self.asym)
    def never_one(self, v):
        return v.last != 1
