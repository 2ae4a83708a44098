"""Two-phase commit with a broken transaction manager, for the trace viewer tests.

specs/two_phase_commit.py with one change: TMCommit does not wait for every resource manager to be
prepared, so an rm that chose to abort can coexist with one that received Commit (`consistent`
fails, shortest counterexample: RMChooseToAbort(0), TMCommit, RMRcvCommitMsg(1), 3 steps).
"""
import os
import sys

from modelcheck import action
from modelcheck.loader import load_spec

_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_, TwoPhase = load_spec(os.path.join(_ROOT, "specs", "two_phase_commit.py"))
_base = sys.modules[TwoPhase.__module__]
TM, COMMIT = _base.TM, _base.COMMIT


class TwoPhaseEager(TwoPhase):
    """TwoPhase.tla whose TM commits without waiting for the Prepared messages."""

    @action(guard=lambda self, s: s.tmState == TM.init)
    def TMCommit(self, s):
        """TMCommit (broken): the TM commits at once and sends Commit."""
        return s.set(tmState=TM.committed, msgs=s.msgs | {COMMIT})
