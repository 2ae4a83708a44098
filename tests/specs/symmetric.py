"""Toy spec for the symmetry tests: N interchangeable processes share one lock through a lock server.

Every symmetry place is used: `pc` is indexed by process (Index), `requests` holds processes
(Members), `msgs` holds ("grant", i) messages (Members(at=1)), and `holder` names a process or is -1
(Value). In the `buggy` variant (checks=false) the server grants the lock while it is held, so two processes can be
critical at once. `asym` adds a property that is not symmetric (process 0 is special), which the
symmetry check must reject; `skewed` makes process 0 unable to request, so the actions are not
symmetric (the transition check must catch it); `oneinit` starts with process 0 waiting only, so
the initial states are not symmetric.
"""
import z3

from modelcheck import Bool, Enum, IntRange, SetOf, Spec, TupleOf, action, always, param, put, sometimes
from modelcheck.reduce import Index, Members, Symmetry, Value

PC = Enum("PC", ["idle", "waiting", "critical"])


class Lock(Spec):
    """Processes request a lock; the server grants it by message; the holder enters and leaves."""

    N = param(3, IntRange(2, 5), "number of processes")
    checks = param(True, Bool(), "the server grants only a free lock (off in the buggy variant)", fix=True)
    asym = param(False, Bool(), "add a property that singles out process 0")
    skewed = param(False, Bool(), "process 0 cannot request (an asymmetric action)")
    oneinit = param(False, Bool(), "start with process 0 waiting (an asymmetric initial state)")

    variants = {"buggy": {"checks": False}, "fixed": {"checks": True}}

    def symmetry(self):
        return Symmetry("P", range(self.N), pc=Index(), requests=Members(), msgs=Members(at=1), holder=Value())

    def variables(self):
        return {"pc": TupleOf(PC, self.N), "holder": IntRange(-1, self.N - 1), "requests": SetOf(range(self.N)),
                "msgs": SetOf([("grant", i) for i in range(self.N)])}

    def init(self):
        pc = (PC.waiting,) + (PC.idle,) * (self.N - 1) if self.oneinit else (PC.idle,) * self.N
        yield self.State(pc=pc, holder=-1, requests=frozenset({0}) if self.oneinit else frozenset(),
                         msgs=frozenset())

    @action(over=lambda self: range(self.N),
            guard=lambda self, s, i: s.pc[i] == PC.idle and not (self.skewed and i == 0))
    def request(self, s, i):
        return s.set(pc=put(s.pc, i, PC.waiting), requests=s.requests | {i})

    @action(over=lambda self: range(self.N),
            guard=lambda self, s, i: i in s.requests and (not self.checks or s.holder == -1))
    def grant(self, s, i):
        return s.set(holder=i, requests=s.requests - {i}, msgs=s.msgs | {("grant", i)})

    @action(over=lambda self: range(self.N), guard=lambda self, s, i: ("grant", i) in s.msgs)
    def enter(self, s, i):
        return s.set(pc=put(s.pc, i, PC.critical), msgs=s.msgs - {("grant", i)})

    @action(over=lambda self: range(self.N), guard=lambda self, s, i: s.pc[i] == PC.critical)
    def leave(self, s, i):
        return s.set(pc=put(s.pc, i, PC.idle), holder=-1 if s.holder == i else s.holder)

    @always
    def mutual_exclusion(self, v):
        return z3.And([z3.Not(z3.And(v.pc[i] == PC.critical, v.pc[j] == PC.critical))
                       for i in range(self.N) for j in range(i + 1, self.N)])

    @always
    def holder_is_not_idle(self, v):
        """The process holding the lock is not idle, unless its grant is still in flight."""
        return z3.And([z3.Implies(v.holder == i, z3.Or(v.pc[i] != PC.idle, v.msgs.has(("grant", i))))
                       for i in range(self.N)])

    @sometimes
    def someone_critical(self, v):
        return z3.Or([v.pc[i] == PC.critical for i in range(self.N)])

    @always(applies=lambda self: self.asym)
    def zero_never_critical(self, v):
        return v.pc[0] != PC.critical
