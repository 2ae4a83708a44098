# docs/examples/hour_clock.py
import z3

from modelcheck import Bool, IntRange, Spec, action, always_step, initially, param


def next_hour(hr):                    # the abstract spec's step: HourClock's hr' = IF hr = 3 THEN 1 ELSE hr + 1
    return z3.If(hr == 3, 1, hr + 1)


class MinuteClock(Spec):
    """A clock with an hour and a half-hour hand; `broken` can turn the hour hand back."""

    broken = param(False, Bool(), "from 2:00 the hour hand may jump back to 1")
    variants = {"broken": {"broken": True}}

    def variables(self):
        return {"hr": IntRange(1, 3), "half": Bool()}

    def init(self):
        yield self.State(hr=1, half=False)

    @action
    def tick(self, s):
        if s.half:
            return s.set(hr=1 if s.hr == 3 else s.hr + 1, half=False)
        return s.set(half=True)

    @action(guard=lambda self, s: s.hr == 2 and not s.half, applies=lambda self: self.broken)
    def jump(self, s):
        return s.set(hr=1)

    @initially
    def starts_as_hour_clock(self, v):
        """Under the mapping, an initial state is one of HourClock's: hr = 1."""
        return v.hr == 1

    @always_step
    def refines_hour_clock(self, v, v2):
        """Under the mapping hr -> hr, every step is an HourClock step or leaves the hour alone (a stutter)."""
        return z3.Or(v2.hr == next_hour(v.hr), v2.hr == v.hr)

    @always_step
    def half_hand_moves_with_the_hour(self, v, v2):
        """Action invariant: the half-hour hand goes back to :00 only when the hour changes."""
        return z3.Implies(z3.And(v.half, z3.Not(v2.half)), v2.hr != v.hr)
