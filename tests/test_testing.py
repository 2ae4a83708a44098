"""modelcheck.testing: the assertions a user calls from their own tests, their failure messages (the verdict
lines and the counterexample as `modelcheck show` prints it), and the `expect` declarations the pytest
plugin reads. Counts: mutex with the lock (fixLock) has 20 states for N=3 (see specs/mutex.py), and
without it the shortest violation is request, request, enter, enter (4 steps)."""
import pytest

from modelcheck.loader import load_spec
from modelcheck.spec import SpecError
from modelcheck.testing import (assert_reachable, assert_verified, assert_violated, check_cell, expectation_mismatches,
                                expected_cells)

from conftest import toy

MUTEX = "specs/mutex.py"


@pytest.fixture(autouse=True)
def _root(in_root):
    pass


def test_assert_verified_passes_and_returns_the_report():
    report = assert_verified(MUTEX, variant="fixed", N=3)
    assert report.result.distinct == 20 and report.result.complete
    assert_verified(MUTEX, variant="buggy", properties=["someone_enters", "deadlock_free"])  # only those named


def test_assert_verified_fails_with_the_verdicts_and_the_counterexample_as_show_prints_it():
    with pytest.raises(AssertionError) as e:
        assert_verified(MUTEX, variant="buggy")
    msg = str(e.value)
    assert msg.startswith("expected VERIFIED, got mutual_exclusion VIOLATED\n\n"
                          "specs/mutex.py [buggy]: always mutual_exclusion: VIOLATED in 4 steps (params N=2, fixLock=false)\n")
    assert "| 4   | enter(1)   |" in msg  # the viewer's step table
    assert "always mutual_exclusion is VIOLATED at step 4: false conjunct" in msg


def test_inconclusive_is_not_verified():
    with pytest.raises(AssertionError, match="expected VERIFIED, got trip_wire INCONCLUSIVE, not_all_top INCONCLUSIVE"):
        assert_verified(toy("huge"), max_states=100)


def test_assert_violated_returns_the_shortest_counterexample():
    trace = assert_violated(MUTEX, variant="buggy", property="mutual_exclusion", max_steps=4)
    assert [s.action for s in trace.steps] == ["init", "request", "request", "enter", "enter"]
    with pytest.raises(AssertionError) as e:
        assert_violated(MUTEX, variant="buggy", property="mutual_exclusion", max_steps=3)
    assert str(e.value).startswith("expected mutual_exclusion VIOLATED in at most 3 steps; the shortest "
                                   "counterexample has 4")
    assert "| 4   | enter(1)   |" in str(e.value)
    with pytest.raises(AssertionError, match="expected mutual_exclusion VIOLATED, got VERIFIED"):
        assert_violated(MUTEX, variant="fixed", property="mutual_exclusion")
    with pytest.raises(AssertionError, match="no property 'nope'; checked: mutual_exclusion, someone_enters"):
        assert_violated(MUTEX, property="nope")


def test_assert_reachable_returns_the_witness():
    trace = assert_reachable(MUTEX, property="someone_enters", max_steps=2)
    assert trace.length == 2 and trace.verdict == "WITNESS"
    with pytest.raises(AssertionError, match="in at most 1 steps; the shortest witness has 2"):
        assert_reachable(MUTEX, property="someone_enters", max_steps=1)
    with pytest.raises(AssertionError, match="is an always property; assert_reachable takes a `sometimes`"):
        assert_reachable(MUTEX, property="mutual_exclusion")


def test_a_spec_class_and_parameters_as_keywords():
    _, cls = load_spec(MUTEX)
    report = check_cell(cls, fixLock=False, N=3)
    assert report.spec_path == MUTEX and report.bound.params == {"N": 3, "fixLock": False}
    assert {v.property: v.verdict for v in report.verdicts}["mutual_exclusion"] == "VIOLATED"


# -- expect ------------------------------------------------------------------------------------------------------

def test_expected_cells_of_mutex():
    _, cls = load_spec(MUTEX)
    cells = {(v, s): (props, default) for v, s, props, default in expected_cells(cls)}
    assert cells == {("buggy", "two"): ({"mutual_exclusion": "VIOLATED"}, "VERIFIED"),
                     ("buggy", "three"): ({"mutual_exclusion": "VIOLATED"}, "VERIFIED"),
                     ("fixed", "two"): ({}, "VERIFIED"), ("fixed", "three"): ({}, "VERIFIED")}


def _with(expect):
    _, cls = load_spec(MUTEX)
    return type("Mutex2", (cls,), {"expect": expect})


def test_the_more_exact_key_wins():
    cells = {(v, s): d for v, s, _, d in expected_cells(_with({"*/*": "VIOLATED", "fixed/two": "VERIFIED"}))}
    assert cells[("fixed", "two")] == "VERIFIED" and cells[("buggy", "three")] == "VIOLATED" and len(cells) == 4


@pytest.mark.parametrize("expect, needle", [
    ({"buggy": "VERIFIED"}, "must be \"VARIANT/SCENARIO\""),
    ({"bugy/*": "VERIFIED"}, "unknown name 'bugy'; known: buggy, fixed"),
    ({"buggy/*": "PASS"}, "'PASS' is not one of VERIFIED, VIOLATED, n/a"),
    ({"buggy/*": {"mutex": "VIOLATED"}}, "no property 'mutex'; known: deadlock_free, mutual_exclusion"),
    ({"buggy/*": "VERIFIED", "*/two": "VIOLATED"}, "both name cell buggy/two with different verdicts"),
])
def test_a_wrong_expect_is_a_spec_error_naming_the_fix(expect, needle):
    with pytest.raises(SpecError, match=None) as e:
        expected_cells(_with(expect))
    assert needle in str(e.value)


def test_expectation_mismatches():
    report = check_cell(MUTEX, variant="buggy")
    assert expectation_mismatches(report, {"mutual_exclusion": "VIOLATED"}, "VERIFIED") == []
    assert expectation_mismatches(report, {}, "VERIFIED") == ["mutual_exclusion: expected VERIFIED, got VIOLATED"]


# -- a counterexample as a regression test (modelcheck show TRACE --pytest OUT.py) ---------------------------------

def _pytest(path, cwd):
    import subprocess
    import sys

    p = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(path)], cwd=cwd,
                       capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout + p.stderr


def test_show_pytest_writes_a_regression_test_that_follows_the_fix(cli, tmp_path, monkeypatch):
    import os
    import shutil

    from conftest import ROOT

    os.mkdir(tmp_path / "specs")
    shutil.copy(os.path.join(ROOT, MUTEX), tmp_path / "specs" / "mutex.py")
    monkeypatch.chdir(tmp_path)
    assert cli("verify", MUTEX, "--variant", "buggy", "--out", "cx", "--quiet")[0] == 1
    code, out, err = cli("show", "cx/mutex.buggy.mutual_exclusion.json", "--quiet", "--pytest", "test_regress.py")
    assert code == 0 and "wrote test_regress.py" in err
    test = (tmp_path / "test_regress.py").read_text()
    assert "EXPECT = ('violated', 4)" in test and "('enter', [1]),  # 4" in test
    code, out = _pytest("test_regress.py", tmp_path)
    assert code == 0 and "1 passed" in out, out  # before a fix: it shows the violation

    # the fix: enter always tests the lock; the trace's 4th step (the second enter) is now impossible
    spec = tmp_path / "specs" / "mutex.py"
    fixed = spec.read_text().replace("(not s.lock or not self.fixLock)", "not s.lock")
    assert fixed != spec.read_text()
    spec.write_text(fixed)
    code, out = _pytest("test_regress.py", tmp_path)
    assert code == 1
    assert "expected ('violated', 4), but the trace is blocked at step 4: enter(1): its guard is false" in out, out
    assert "set EXPECT = ('blocked', 4)" in out
    (tmp_path / "test_regress.py").write_text(test.replace("EXPECT = ('violated', 4)", "EXPECT = ('blocked', 4)"))
    code, out = _pytest("test_regress.py", tmp_path)
    assert code == 0, out  # after the fix: blocked, at step 4


def test_replay_of_witness_and_deadlock_traces(cli, tmp_path):
    import json

    from modelcheck.testing import assert_replay

    assert cli("verify", toy("viewer_frames"), "--variant", "buggy", "--out", tmp_path, "--witnesses", tmp_path,
               "--quiet")[0] == 1
    for name, want in [("viewer_frames.buggy.all_written.witness", ("reached", 4)),
                       ("viewer_frames.buggy.deadlock_free", ("violated", 3)),
                       ("viewer_frames.buggy.finishes", ("replays", 3)),
                       ("viewer_frames.buggy.no_two", ("violated", 3))]:
        t = json.loads((tmp_path / f"{name}.json").read_text())
        steps = [(s["action"], s["args"]) for s in t["steps"][1:]]
        assert_replay(toy("viewer_frames"), t["steps"][0]["state"], steps, want, property=t["property"],
                      kind=t["kind"], variant=t["variant"], scenario=t["scenario"], params=t["params"])


def test_show_pytest_takes_one_trace(cli, tmp_path):
    assert cli("verify", MUTEX, "--variant", "buggy", "--out", tmp_path, "--witnesses", tmp_path, "--quiet")[0] == 1
    a, b = tmp_path / "mutex.buggy.mutual_exclusion.json", tmp_path / "mutex.buggy.someone_enters.witness.json"
    code, out, err = cli("show", a, b, "--pytest", tmp_path / "t.py")
    assert code == 2 and "--pytest writes a test for one trace; give one TRACE" in err
    assert not (tmp_path / "t.py").exists()
