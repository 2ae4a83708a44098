"""Two-phase commit (Gray and Lamport), as the TLA+ Examples `TwoPhase` spec.

See ../shared/two_phase_commit.md. TLC reports 288 distinct states for 3 resource managers,
296,448 for 7 and 1,745,408 for 8; this spec must give the same counts.

Messages are a set over the finite domain {Prepared(rm) for each rm} + {Commit, Abort}, never removed.
"""
import z3

from modelcheck import Enum, IntRange, SetOf, Spec, TupleOf, action, always, param, put, sometimes, terminal
from modelcheck.reduce import Index, Members, Symmetry

RM = Enum("RMState", ["working", "prepared", "committed", "aborted"])
TM = Enum("TMState", ["init", "committed", "aborted"])
COMMIT, ABORT = "Commit", "Abort"


def prepared(rm):
    return ("Prepared", rm)


class TwoPhase(Spec):
    """The transaction commit protocol with a transaction manager (TwoPhase.tla)."""

    RMs = param(3, IntRange(1, 24), "number of resource managers (beyond 8, for `modelcheck prove`)")

    scenarios = {"rm3": {"RMs": 3}, "rm5": {"RMs": 5}, "rm7": {"RMs": 7}, "rm8": {"RMs": 8}}
    # what `pytest --modelcheck specs/` checks: the protocol is correct; rm7 and rm8 (296,448 and 1,745,408
    # states) are left to the benchmark
    expect = {"/rm3": "VERIFIED", "/rm5": "VERIFIED"}
    # TwoPhase.tla stops when every manager has committed or aborted and the TM has decided; TLC is run
    # without deadlock checking for it. The same here: states with no successor are not errors.
    check_deadlock = False

    def variables(self):
        msgs = [prepared(r) for r in range(self.RMs)] + [COMMIT, ABORT]
        return {"rmState": TupleOf(RM, self.RMs), "tmState": TM, "tmPrepared": SetOf(range(self.RMs)),
                "msgs": SetOf(msgs)}

    def symmetry(self):
        """The managers are interchangeable (TLC: SYMMETRY Permutations(RM)): a manager r is position r of
        rmState, a member of tmPrepared, and the item 1 of Prepared(r) in msgs."""
        return Symmetry("RM", range(self.RMs), rmState=Index(), tmPrepared=Members(), msgs=Members(at=1))

    def init(self):
        yield self.State(rmState=(RM.working,) * self.RMs, tmState=TM.init, tmPrepared=frozenset(),
                         msgs=frozenset())

    @action(over=lambda self: range(self.RMs),
            guard=lambda self, s, rm: s.tmState == TM.init and prepared(rm) in s.msgs)
    def TMRcvPrepared(self, s, rm):
        """TMRcvPrepared(rm): the TM records that rm is prepared."""
        return s.set(tmPrepared=s.tmPrepared | {rm})

    @action(guard=lambda self, s: s.tmState == TM.init and len(s.tmPrepared) == self.RMs)
    def TMCommit(self, s):
        """TMCommit: every rm is prepared; the TM commits and sends Commit."""
        return s.set(tmState=TM.committed, msgs=s.msgs | {COMMIT})

    @action(guard=lambda self, s: s.tmState == TM.init)
    def TMAbort(self, s):
        """TMAbort: the TM aborts spontaneously and sends Abort."""
        return s.set(tmState=TM.aborted, msgs=s.msgs | {ABORT})

    @action(over=lambda self: range(self.RMs), guard=lambda self, s, rm: s.rmState[rm] == RM.working)
    def RMPrepare(self, s, rm):
        """RMPrepare(rm): rm prepares and sends Prepared(rm)."""
        return s.set(rmState=put(s.rmState, rm, RM.prepared), msgs=s.msgs | {prepared(rm)})

    @action(over=lambda self: range(self.RMs), guard=lambda self, s, rm: s.rmState[rm] == RM.working)
    def RMChooseToAbort(self, s, rm):
        """RMChooseToAbort(rm): a working rm aborts on its own."""
        return s.set(rmState=put(s.rmState, rm, RM.aborted))

    @action(over=lambda self: range(self.RMs), guard=lambda self, s, rm: COMMIT in s.msgs)
    def RMRcvCommitMsg(self, s, rm):
        """RMRcvCommitMsg(rm): rm receives Commit and commits."""
        return s.set(rmState=put(s.rmState, rm, RM.committed))

    @action(over=lambda self: range(self.RMs), guard=lambda self, s, rm: ABORT in s.msgs)
    def RMRcvAbortMsg(self, s, rm):
        """RMRcvAbortMsg(rm): rm receives Abort and aborts."""
        return s.set(rmState=put(s.rmState, rm, RM.aborted))

    @always
    def consistent(self, v):
        """TCConsistent: no rm has committed while another has aborted."""
        n = self.RMs
        return z3.And([z3.Not(z3.And(v.rmState[i] == RM.aborted, v.rmState[j] == RM.committed))
                       for i in range(n) for j in range(n) if i != j])

    @sometimes
    def all_committed(self, v):
        """Every rm commits in some run."""
        return z3.And([v.rmState[i] == RM.committed for i in range(self.RMs)])
