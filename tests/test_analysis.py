"""modelcheck.analysis: fix ablation, violations grouped by cause, explain — on toy specs whose answers are
known by hand (see the docstrings of tests/specs/fixes.py and tests/specs/two_bugs.py)."""
import os

import pytest

from modelcheck.analysis import ablate, explain, group_violations
from modelcheck.check import check
from modelcheck.loader import load_spec
from modelcheck.trace import load

HERE = os.path.dirname(os.path.abspath(__file__))
FIXES = os.path.join(HERE, "specs", "fixes.py")
TWO_BUGS = os.path.join(HERE, "specs", "two_bugs.py")


@pytest.fixture(scope="module")
def fixes():
    return load_spec(FIXES)[1]


@pytest.mark.parametrize("share", [True, False])
def test_ablation_answer_known_by_hand(fixes, share):
    ab = ablate(fixes, FIXES, share=share)
    assert len(ab.cells) == 8 * 2  # 2^3 subsets x 2 scenarios
    ok = {(c.scenario, c.subset) for c in ab.cells if c.sufficient}
    assert {s for sc, s in ok if sc == "one"} == {s for s in ab.subsets() if "fixA" in s}
    assert {s for sc, s in ok if sc == "both"} == {s for s in ab.subsets() if {"fixA", "fixB"} <= set(s)}
    assert ab.minimal_sufficient("one") == [("fixA",)]
    assert ab.minimal_sufficient("both") == [("fixA", "fixB")]
    assert ab.necessary("one") == ["fixA"] and ab.necessary("both") == ["fixA", "fixB"]
    assert ab.no_effect() == ["fixC"]
    # a violated cell has its shortest counterexample: one step (bugA or bugB from the initial state)
    assert ab.cell((), "one").verdicts["never_bad"] == ("VIOLATED", 1)


def test_ablation_shares_work_and_agrees_with_separate_runs(fixes):
    shared, separate = ablate(fixes, FIXES, share=True), ablate(fixes, FIXES, share=False)
    assert [(c.subset, c.scenario, c.verdicts, c.states) for c in shared.cells] == \
           [(c.subset, c.scenario, c.verdicts, c.states) for c in separate.cells]
    assert shared.hits > 0                     # some successor computations were reused across subsets
    assert shared.never_read == []             # fixC is read by tick's guard, it just changes nothing


def test_violations_grouped_into_the_two_planted_classes():
    _, cls = load_spec(TWO_BUGS)
    report = check(cls.bind(), TWO_BUGS, out_dir=None, all_violations=True)
    assert len(report.result.violating["sound"]) == 6
    classes = group_violations(report, "sound")
    assert [(c.signature, c.states) for c in classes] == [("entered by breakA", 3), ("entered by breakB", 3)]
    assert [len(report.result.path(c.first)) - 1 for c in classes] == [1, 1]


def test_explain_names_the_guard_and_the_fix_that_block_a_trace(in_root, tmp_path):
    _, mutex = load_spec("specs/mutex.py")
    check(mutex.bind("buggy"), "specs/mutex.py", out_dir=str(tmp_path))
    trace = load(str(tmp_path / "mutex.buggy.mutual_exclusion.json"))
    ex = explain(mutex, trace, "fixed")
    # the second process enters while the first holds the lock: fixLock's guard forbids that step
    assert ex.blocked_at == 4 and ex.blockers == ["fixLock"] and not ex.still_violates
    assert "enter(1) is no longer possible: its guard is false" in ex.lines[0]
    same = explain(mutex, trace, "buggy")
    assert same.blocked_at is None and same.still_violates
