"""modelcheck.check: verdicts per property, vacuity as errors, notes, coverage warnings, exit codes, reports."""
import json
import os

import pytest

from modelcheck import IntRange, Spec, SpecError, action, always, sometimes
from modelcheck.check import (EXIT_ERROR, EXIT_INCONCLUSIVE, EXIT_OK, EXIT_VIOLATED, INCONCLUSIVE, VERIFIED,
                              VIOLATED, Report, Verdict, check, exit_code, report_json, trace_filename)
from modelcheck.explorer import Limits
from modelcheck.trace import load, replay

from conftest import load as load_spec


def _verdicts(report):
    return {v.property: (v.kind, v.verdict, v.steps) for v in report.verdicts}


def test_two_phase_commit_rm3_is_consistent():
    bound = load_spec("specs/two_phase_commit.py").bind(overrides={"RMs": 3})
    report = check(bound, "specs/two_phase_commit.py", out_dir=None)
    # TLC's figures for TwoPhase with RM = {r1, r2, r3}: 288 distinct states, 1,146 generated
    assert (report.result.distinct, report.result.generated) == (288, 1146)
    # every manager commits after: 3 prepares, 3 TMRcvPrepared, TMCommit, 3 RMRcvCommitMsg = 10 steps
    assert _verdicts(report) == {"consistent": ("always", VERIFIED, None), "all_committed": ("sometimes", VERIFIED, 10)}
    assert report.exit_code == EXIT_OK and report.error is None and report.warnings == []
    line = report.verdicts[0].line(report.label)
    assert line == ("specs/two_phase_commit.py: always consistent: VERIFIED (all 288 reachable states, depth 10; "
                    "params RMs=3; fingerprint collision probability 1.3e-14)")


def test_mutex_verdicts(tmp_path):
    bound = load_spec("specs/mutex.py").bind("buggy")
    report = check(bound, "specs/mutex.py", out_dir=str(tmp_path))
    assert _verdicts(report) == {"mutual_exclusion": ("always", VIOLATED, 4),
                                 "someone_enters": ("sometimes", VERIFIED, 2),
                                 "deadlock_free": ("deadlock", VERIFIED, None)}
    v = report.verdicts[0]
    assert v.file == os.path.join(str(tmp_path), "mutex.buggy.mutual_exclusion.json")
    assert replay(bound, load(v.file)).states[-1].pc == (2, 2)
    assert v.line(report.label) == (f"specs/mutex.py [buggy]: always mutual_exclusion: VIOLATED in 4 steps "
                                    f"(params N=2, fixLock=false) -> {v.file}")
    assert report.exit_code == EXIT_VIOLATED
    assert os.listdir(tmp_path) == ["mutex.buggy.mutual_exclusion.json"]  # witnesses only on request


def test_witnesses_are_written_on_request(tmp_path):
    bound = load_spec("specs/mutex.py").bind()
    report = check(bound, "specs/mutex.py", out_dir=str(tmp_path / "ce"), witness_dir=str(tmp_path / "w"))
    assert os.listdir(tmp_path / "w") == ["mutex.someone_enters.witness.json"]
    assert report.verdicts[1].file == str(tmp_path / "w" / "mutex.someone_enters.witness.json")
    assert load(report.verdicts[1].file).verdict == "WITNESS"
    assert not os.path.exists(tmp_path / "ce")


def test_always_possible_and_deadlock_verdicts():
    bound = load_spec("counter").bind("stuck")
    report = check(bound, "tests/specs/counter.py", out_dir=None)
    v = _verdicts(report)
    # x=3 is reached in 3 steps and has no successor; from x=1 (1 step) x=0 can never come back
    assert v["deadlock_free"] == ("deadlock", VIOLATED, 3)
    assert v["can_restart"] == ("always_possible", VIOLATED, 1)
    assert v["below_top"] == ("always", VIOLATED, 3) and v["reaches_one"] == ("sometimes", VERIFIED, 1)
    notes = {x.property: x.note for x in report.verdicts}
    assert notes["deadlock_free"] == "no action enabled, not @terminal"
    assert notes["can_restart"] == "reaches a state from which it can no longer hold"
    ok = check(load_spec("counter").bind(), "tests/specs/counter.py", out_dir=None)
    assert _verdicts(ok)["can_restart"] == ("always_possible", VERIFIED, None)
    assert _verdicts(ok)["deadlock_free"] == ("deadlock", VERIFIED, None)


# -- vacuity and initial-state violations -------------------------------------------------------------------

def _tiny(prop_kind, formula, **kw):
    class Tiny(Spec):
        def variables(self):
            return {"x": IntRange(0, 2)}

        def init(self):
            yield self.State(x=0)

        @action(guard=lambda self, s: s.x < 2)
        def up(self, s):
            return s.set(x=s.x + 1)

        p = prop_kind(name="p", **kw)(lambda self, v: formula(v))
    return Tiny.bind()


def test_vacuous_always_is_a_spec_error():
    with pytest.raises(SpecError) as e:
        check(_tiny(always, lambda v: v.x >= 0), "tiny.py", out_dir=None)
    assert "always p: Z3 proves it can never be false" in str(e.value)
    assert "test_check.py:" in str(e.value) and "@always(vacuous_ok=True)" in str(e.value)


def test_vacuous_always_is_accepted_when_marked():
    report = check(_tiny(always, lambda v: v.x >= 0, vacuous_ok=True), "tiny.py", out_dir=None)
    assert _verdicts(report)["p"] == ("always", VERIFIED, None)


def test_unsatisfiable_sometimes_is_a_spec_error():
    with pytest.raises(SpecError) as e:
        check(_tiny(sometimes, lambda v: v.x > 5), "tiny.py", out_dir=None)
    assert "sometimes p: Z3 proves no state over the declared domains satisfies it" in str(e.value)


def test_always_violated_by_an_initial_state_is_violated_in_zero_steps_with_a_note(tmp_path):
    report = check(_tiny(always, lambda v: v.x > 0), "tiny.py", out_dir=str(tmp_path))
    v = report.verdicts[0]
    assert (v.verdict, v.steps, v.note) == (VIOLATED, 0, "violated by an initial state")
    assert "VIOLATED in 0 steps (violated by an initial state; " in v.line("tiny.py")
    assert len(load(v.file).steps) == 1


def test_sometimes_verified_with_witness_or_violated_when_never_reached():
    report = check(_tiny(sometimes, lambda v: v.x == 2), "tiny.py", out_dir=None)
    assert _verdicts(report)["p"] == ("sometimes", VERIFIED, 2)

    class Capped(Spec):
        def variables(self):
            return {"x": IntRange(0, 2)}

        def init(self):
            yield self.State(x=0)

        @action(guard=lambda self, s: s.x < 1)
        def up(self, s):
            return s.set(x=s.x + 1)

        @sometimes
        def two(self, v):
            return v.x == 2

    report = check(Capped.bind(), "capped.py", out_dir=None)
    v = report.verdicts[0]
    assert (v.verdict, v.bound) == (VIOLATED, "no state satisfies it among all 2 reachable states, depth 1; "
                                              "params none; fingerprint collision probability 0")


# -- bounded runs are never a plain pass -----------------------------------------------------------------------

def test_limits_give_inconclusive_with_the_bound_stated():
    bound = load_spec("huge").bind()
    report = check(bound, "tests/specs/huge.py", Limits(max_states=500), out_dir=None)
    v = next(v for v in report.verdicts if v.property == "not_all_top")
    assert v.verdict == INCONCLUSIVE and report.exit_code == EXIT_INCONCLUSIVE
    assert v.bound.startswith("no violation in bounded: 50") and "state limit --max-states 500" in v.bound


def test_violation_before_a_limit_is_still_violated():
    bound = load_spec("counter").bind()
    report = check(bound, "tests/specs/counter.py", Limits(max_depth=3), out_dir=None)
    v = _verdicts(report)
    assert v["below_top"] == ("always", VIOLATED, 3)
    assert v["can_restart"][1] == INCONCLUSIVE and v["deadlock_free"][1] == INCONCLUSIVE
    assert report.exit_code == EXIT_VIOLATED


def test_model_error_is_reported_with_partial_results():
    bound = load_spec("faulty").bind(overrides={"fault": "effect_raises"})
    report = check(bound, "tests/specs/faulty.py", out_dir=None)
    assert report.exit_code == EXIT_ERROR
    assert "ZeroDivisionError" in report.error and report.result.distinct == 3
    assert all(v.verdict == INCONCLUSIVE and "stopped by a model error" in v.bound for v in report.verdicts)
    assert report.warnings == []  # no coverage warnings from a broken run


def test_violation_found_before_a_model_error_still_counts():
    bound = load_spec("faulty").bind(overrides={"fault": "violated_then_raises"})
    report = check(bound, "tests/specs/faulty.py", out_dir=None)
    assert _verdicts(report)["small"] == ("always", VIOLATED, 2)
    assert report.error and report.exit_code == EXIT_VIOLATED


# -- coverage ------------------------------------------------------------------------------------------------------

def test_an_action_that_never_fires_gives_a_warning():
    report = check(load_spec("counter").bind("stuck"), "tests/specs/counter.py", out_dir=None)
    assert report.warnings == ["action 'wrap' never fired: its guard was false in any reachable state "
                               "(often a modelling error)"]
    assert check(load_spec("counter").bind(), "tests/specs/counter.py", out_dir=None).warnings == []


# -- exit codes, file names, JSON ------------------------------------------------------------------------------------

def _report(*verdicts, error=None):
    r = Report("s.py", load_spec("counter").bind(), None)
    r.verdicts = [Verdict("p", "always", v, "") for v in verdicts]
    r.error = error
    return r


@pytest.mark.parametrize("verdicts, error, code", [
    ([VERIFIED], None, EXIT_OK),
    ([], None, EXIT_OK),
    ([VERIFIED, VIOLATED], None, EXIT_VIOLATED),
    ([VIOLATED, INCONCLUSIVE], "boom", EXIT_VIOLATED),      # a counterexample wins over everything
    ([INCONCLUSIVE], "boom", EXIT_ERROR),                   # an error wins over a limit
    ([VERIFIED, INCONCLUSIVE], None, EXIT_INCONCLUSIVE),
])
def test_exit_code_precedence(verdicts, error, code):
    assert exit_code([_report(*verdicts, error=error)]) == code
    assert exit_code([_report(VERIFIED), _report(*verdicts, error=error)]) == code


def test_trace_filenames():
    bound = load_spec("specs/mutex.py").bind("buggy", "three")
    assert trace_filename("specs/mutex.py", bound, "p") == "mutex.buggy.three.p.json"
    assert trace_filename("x/y/mutex.py", load_spec("specs/mutex.py").bind(), "p", witness=True) == \
        "mutex.p.witness.json"
    # parameters set beyond the variant and scenario are in the name, in declaration order
    bound = load_spec("specs/mutex.py").bind("buggy", None, {"N": "3", "fixLock": "false"})
    assert trace_filename("specs/mutex.py", bound, "p") == "mutex.buggy.N=3.p.json"
    bound = load_spec("specs/mutex.py").bind(None, None, {"fixLock": "false", "N": "4"})
    assert trace_filename("specs/mutex.py", bound, "p") == "mutex.N=4.fixLock=false.p.json"


def test_report_json_has_verdicts_and_statistics():
    report = check(load_spec("specs/mutex.py").bind("buggy"), "specs/mutex.py", out_dir=None)
    obj = json.loads(json.dumps(report_json(report)))
    assert obj["exit_code"] == EXIT_VIOLATED and obj["params"] == {"N": 2, "fixLock": False}
    assert [(v["property"], v["verdict"]) for v in obj["verdicts"]][0] == ("mutual_exclusion", VIOLATED)
    st = obj["statistics"]
    assert st["coverage"]["request"]["fired"] > 0 and st["complete"] in (True, False)
    assert {"distinct_states", "generated", "transitions", "depth", "seconds", "peak_memory_mb",
            "stop_reason"} <= set(st)
