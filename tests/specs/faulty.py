"""Toy spec with one planted mistake per `fault` value, found during exploration (a model error).

Without a fault: a counter n in 0..3 that steps up and wraps, 4 states. Each fault strikes only once
n reaches 2, so the error report comes with partial statistics (3 states found, the first two expanded).
"""
import z3

from modelcheck import Enum, IntRange, Spec, action, always, param

Fault = Enum("Fault", ["none", "guard_raises", "effect_raises", "returns_none", "wrong_type",
                       "out_of_domain", "unhashable", "over_raises", "violated_then_raises"])


class Faulty(Spec):
    """A wrapping counter with one mistake planted at n = 2."""

    fault = param(Fault.none, Fault, "which mistake to plant")

    def variables(self):
        return {"n": IntRange(0, 3)}

    def init(self):
        yield self.State(n=0)

    @action(guard=lambda self, s: self._guard(s))
    def step(self, s):
        """n grows by one, wrapping at 3."""
        if s.n == 2:
            f = self.fault
            if f == Fault.effect_raises:
                raise ZeroDivisionError("division by zero in step")
            if f == Fault.returns_none:
                return None
            if f == Fault.wrong_type:
                return (3,)
            if f == Fault.out_of_domain:
                return s.set(n=7)
            if f == Fault.unhashable:
                return s.set(n=[3])
        return s.set(n=(s.n + 1) % 4)

    def _guard(self, s):
        if s.n == 2 and self.fault in (Fault.guard_raises, Fault.violated_then_raises):
            raise KeyError("no such key")
        return True

    @action(over=lambda self, s: self._over(s))
    def hop(self, s, k):
        """Unused: exists to plant a raising over=."""
        return s

    def _over(self, s):
        if s.n == 2 and self.fault == Fault.over_raises:
            raise IndexError("over= broke")
        return ()

    @always(vacuous_ok=True)
    def small(self, v):
        """n stays below 2 in the `violated_then_raises` fault (violated before the error); else vacuous."""
        return z3.Or(v.n < 2, self.fault != Fault.violated_then_raises)
