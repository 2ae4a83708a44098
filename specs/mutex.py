"""Toy spec: N processes share one lock. With `fixLock` off, a process enters without testing it.

Hand count (N=2, fixLock on): each process is idle, waiting or critical, and at most one is critical
while the lock is held, so the states are the 3x3 pc pairs minus (critical, critical) = 8, with the
lock set exactly when someone is critical. With fixLock off (13 states): the lock is held in the 5 pc
pairs with someone critical, free in the 4 pairs with nobody critical, and free in 4 more pairs where
one process is still critical after the other left (crit/idle, crit/waiting, both ways).
"""
import z3

from modelcheck import Bool, Enum, IntRange, Spec, TupleOf, action, always, param, put, sometimes

PC = Enum("PC", ["idle", "waiting", "critical"])


class Mutex(Spec):
    """N processes and one lock; with fixLock off a process enters without testing the lock."""

    N = param(2, IntRange(1, 4), "number of processes")
    fixLock = param(True, Bool(), "test the lock before entering", fix=True)

    variants = {"buggy": {"fixLock": False}, "fixed": {"fixLock": True}}
    scenarios = {"two": {"N": 2}, "three": {"N": 3}}
    # what `pytest --modelcheck specs/` checks: without the lock test two processes enter; with it all holds
    expect = {"buggy/*": {"mutual_exclusion": "VIOLATED"}, "fixed/*": "VERIFIED"}
    check_deadlock = True

    def variables(self):
        return {"pc": TupleOf(PC, self.N), "lock": Bool()}

    def init(self):
        yield self.State(pc=(PC.idle,) * self.N, lock=False)

    @action(over=lambda self: range(self.N), guard=lambda self, s, i: s.pc[i] == PC.idle)
    def request(self, s, i):
        """Process i asks for the lock."""
        return s.set(pc=put(s.pc, i, PC.waiting))

    @action(over=lambda self: range(self.N),
            guard=lambda self, s, i: s.pc[i] == PC.waiting and (not s.lock or not self.fixLock))
    def enter(self, s, i):
        """Process i takes the lock and enters its critical section."""
        return s.set(pc=put(s.pc, i, PC.critical), lock=True)

    @action(over=lambda self: range(self.N), guard=lambda self, s, i: s.pc[i] == PC.critical)
    def leave(self, s, i):
        """Process i leaves and releases the lock."""
        return s.set(pc=put(s.pc, i, PC.idle), lock=False)

    @always
    def mutual_exclusion(self, v):
        """No two processes are critical at once."""
        return z3.And([z3.Not(z3.And(v.pc[i] == PC.critical, v.pc[j] == PC.critical))
                       for i in range(self.N) for j in range(i + 1, self.N)])

    @sometimes
    def someone_enters(self, v):
        """Some process reaches its critical section."""
        return z3.Or([v.pc[i] == PC.critical for i in range(self.N)])
