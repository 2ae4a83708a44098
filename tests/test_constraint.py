"""@constraint (TLC's CONSTRAINT): a successor outside it is generated, but neither explored nor counted among
the distinct states; counts derived by hand in tests/specs/constrained.py."""
import pytest

from modelcheck import IntRange, Spec, SpecError, action, constraint
from modelcheck.explorer import explore

from conftest import explore_all, load


def test_constraint_counts_successors_outside_as_generated_but_does_not_explore_them():
    bound = load("constrained").bind()
    res, _ = explore_all(bound)
    # 10 states (x + y <= 3), 20 successors computed, 8 of them outside the constraint, 1 + 20 generated,
    # depth 3, and no deadlock at the boundary (its states have successors, all outside)
    assert res.complete and res.distinct == 10
    assert (res.transitions, res.constrained, res.generated, res.depth) == (20, 8, 21, 3)
    assert res.deadlock is None
    assert all(s.x + s.y <= 3 for s in res.states)
    # fired counts the successors kept (12 edges): inc_x from the 6 states with x + y <= 2; it finds 3 new
    # states (x = 1..3 with y = 0); inc_y reaches the other 6
    assert res.coverage() == {"inc_x": (6, 3), "inc_y": (6, 6)}


def test_a_constraint_that_excludes_nothing_changes_nothing():
    res, _ = explore_all(load("constrained").bind(overrides={"L": 10}))
    # 6 x 6 states; x=5 has no inc_x and y=5 no inc_y: 30 + 30 successors; x=y=5 is a deadlock
    assert (res.distinct, res.transitions, res.constrained, res.generated) == (36, 60, 0, 61)
    assert res.states[res.deadlock] == (5, 5)


def test_verdicts_name_the_constraint_they_hold_within(cli):
    code, out, _ = cli("verify", "tests/specs/constrained.py")
    assert code == 0, out
    assert "always x_at_most_3: VERIFIED (all 10 reachable states, depth 3; params L=3; within @constraint small; fingerprint collision probability 6e-18)" in out
    assert "deadlock_free: VERIFIED" in out


class NoInit(Spec):
    def variables(self):
        return {"x": IntRange(0, 1)}

    def init(self):
        yield self.State(x=1)

    @action(guard=lambda self, s: s.x == 0)
    def step(self, s):
        return s.set(x=1)

    @constraint
    def zero(self, s):
        return s.x == 0


def test_a_constraint_that_excludes_every_initial_state_is_a_spec_error():
    with pytest.raises(SpecError, match="test_constraint.py:.*no initial state satisfies the @constraint"):
        explore(NoInit.bind(), [])


def test_list_shows_constraints_and_fairness(cli):
    code, out, _ = cli("list", "docs/examples/channel.py")
    assert code == 0 and "constraints (the search explores only states that satisfy them):\n  short_queue:" in out
    code, out, _ = cli("list", "docs/examples/flicker.py")
    assert "flip (fair: by parameters):" in out and "eventually photo_taken:" in out
