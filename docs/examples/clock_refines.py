# docs/examples/clock_refines.py
from modelcheck import Bool, IntRange, Spec, action, param, refines


class HourClock(Spec):
    """The abstract spec: an hour hand going 1, 2, 3, 1, ..."""

    def variables(self):
        return {"hr": IntRange(1, 3)}

    def init(self):
        yield self.State(hr=1)

    @action
    def tick(self, s):
        return s.set(hr=1 if s.hr == 3 else s.hr + 1)


class MinuteClock(Spec):
    """A clock with an hour and a half-hour hand; `broken` lets the hour hand jump back, `late` starts at 2."""

    broken = param(False, Bool(), "from 2:00 the hour hand may jump back to 1")
    late = param(False, Bool(), "the clock starts at 2:00")
    variants = {"broken": {"broken": True}, "late": {"late": True}}

    def variables(self):
        return {"hr": IntRange(1, 3), "half": Bool()}

    def init(self):
        yield self.State(hr=2 if self.late else 1, half=False)

    @action
    def tick(self, s):
        if s.half:
            return s.set(hr=1 if s.hr == 3 else s.hr + 1, half=False)
        return s.set(half=True)

    @action(guard=lambda self, s: s.hr == 2 and not s.half, applies=lambda self: self.broken)
    def jump(self, s):
        return s.set(hr=1)

    @refines(HourClock)
    def hour_clock(self, s):
        """The mapping: HourClock's hour is the hour hand."""
        return {"hr": s.hr}


SPEC = MinuteClock
