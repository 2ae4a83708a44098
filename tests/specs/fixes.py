"""Toy spec for the fix ablation: two bugs, each closed by one fix, and a third fix that changes nothing.

- `bugA` can always happen unless fixA; `bugB` can only happen in scenario `both` (mode 1), unless fixB.
- fixC is read (by `tick`'s guard) but cannot change its value, so it changes nothing observable.

So, by hand: in scenario `one` the sufficient subsets are those containing fixA (minimal: {fixA};
necessary: fixA); in scenario `both` they are those containing fixA and fixB (minimal: {fixA, fixB};
necessary: both). fixC has no observable effect anywhere.
"""
import z3

from modelcheck import Bool, IntRange, Spec, action, always, param


class Fixes(Spec):
    """A flag that two bugs can set; fixA and fixB each close one."""

    mode = param(0, IntRange(0, 1), "1: bug B can happen too")
    fixA = param(False, Bool(), "close bug A", fix=True)
    fixB = param(False, Bool(), "close bug B", fix=True)
    fixC = param(False, Bool(), "a fix that changes nothing", fix=True)

    scenarios = {"one": {"mode": 0}, "both": {"mode": 1}}
    check_deadlock = False

    def variables(self):
        return {"n": IntRange(0, 1), "bad": Bool()}

    def init(self):
        yield self.State(n=0, bad=False)

    @action(guard=lambda self, s: s.n < 1 and (self.fixC or True))
    def tick(self, s):
        """Time passes once."""
        return s.set(n=s.n + 1)

    @action(guard=lambda self, s: not self.fixA and not s.bad)
    def bugA(self, s):
        """Bug A sets the flag."""
        return s.set(bad=True)

    @action(guard=lambda self, s: self.mode == 1 and not self.fixB and not s.bad)
    def bugB(self, s):
        """Bug B sets the flag."""
        return s.set(bad=True)

    @always
    def never_bad(self, v):
        return z3.Not(v.bad)
