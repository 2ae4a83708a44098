"""Toy spec for partial-order reduction: three workers count up on their own variables, then one
sync step reads two of them. Footprints are declared (and checked by the search).

Hand count (M=2): a, b, c each take 0..M on their own (27 combinations), and `total` is 0 until
`sync`, enabled once a = b = M, sets it to 2M (9 more states: c = 0..2 with total = 4... see the
tests for the pinned counts). `a_before_c` (always: not (c = M and a = 0)) fails in the `racy`
variant only, where c may run before a: its shortest counterexample is c counting to M, 2 steps.
In the default variant c waits for a to start (a guard read of a).
"""
import z3

from modelcheck import Bool, IntRange, Spec, action, always, param


class Workers(Spec):
    """Three independent counters and a sync step."""

    M = param(2, IntRange(1, 4), "each counter counts to M")
    racy = param(False, Bool(), "c may start before a")

    variants = {"racy": {"racy": True}}
    check_deadlock = False

    def footprints(self):
        return {"inc_a": ("a", "a"), "inc_b": ("b", "b"), "inc_c": ("a c", "c"), "inc_d": ("d", "d"),
                "sync": ("a b", "total")}

    def variables(self):
        return {"a": IntRange(0, self.M), "b": IntRange(0, self.M), "c": IntRange(0, self.M), "d": IntRange(0, self.M),
                "total": IntRange(0, 2 * self.M)}

    def init(self):
        yield self.State(a=0, b=0, c=0, d=0, total=0)

    @action(guard=lambda self, s: s.a < self.M)
    def inc_a(self, s):
        return s.set(a=s.a + 1)

    @action(guard=lambda self, s: s.b < self.M)
    def inc_b(self, s):
        return s.set(b=s.b + 1)

    @action(guard=lambda self, s: s.c < self.M and (self.racy or s.a > 0))
    def inc_c(self, s):
        return s.set(c=s.c + 1)

    @action(guard=lambda self, s: s.d < self.M)
    def inc_d(self, s):
        return s.set(d=s.d + 1)

    @action(guard=lambda self, s: s.a == self.M and s.b == self.M)
    def sync(self, s):
        return s.set(total=s.a + s.b)

    @always
    def a_before_c(self, v):
        return z3.Not(z3.And(v.c == self.M, v.a == 0))
