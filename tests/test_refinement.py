"""Refinement as a first-class check: @refines(Abstract) on docs/examples/clock_refines.py.

By hand: MinuteClock has 6 states (hr 1..3 x half) and, from each, one tick: 6 transitions. Under the mapping
hr -> hr, a tick that sets the half-hour hand maps to a stutter of HourClock, and a tick that moves the hour
maps to HourClock's tick (1 -> 2 -> 3 -> 1), so it refines HourClock. `broken` adds jump at 2:00 (hr 2 -> 1),
which no HourClock step does: shortest counterexample tick (1:30), tick (2:00), jump = 3 steps. `late`
starts at 2:00, which maps to hr=2, not HourClock's initial hr=1: violated in 0 steps.
"""
import pytest

from modelcheck import Bool, IntRange, Spec, SpecError, action, param, refines
from modelcheck.check import check
from modelcheck.trace import replay
from modelcheck.viewer import build_view

from conftest import load

CLOCK = "docs/examples/clock_refines.py"


def _check(tmp_path, variant=None, cls=None):
    bound = (cls or load(CLOCK)).bind(variant)
    rep = check(bound, CLOCK, out_dir=str(tmp_path))
    return bound, rep, {v.property: v for v in rep.verdicts}


def test_a_refinement_that_holds(tmp_path):
    _, rep, v = _check(tmp_path)
    assert rep.result.distinct == 6 and rep.exit_code == 0
    assert v["hour_clock"].verdict == "VERIFIED" and v["hour_clock"].kind == "refines"
    assert v["hour_clock"].bound.startswith("refines HourClock: every initial state and all 6 transitions of all 6")


def test_a_step_that_is_no_abstract_step_breaks_it(tmp_path):
    bound, rep, v = _check(tmp_path, "broken")
    bad = v["hour_clock"]
    assert rep.exit_code == 1 and bad.verdict == "VIOLATED" and bad.steps == 3
    assert [st.action for st in bad.trace.steps] == ["init", "tick", "tick", "jump"]
    assert "the last step is no step of HourClock and no stutter" in bad.line(rep.label)
    states = replay(bound, bad.trace).states
    assert (states[-2].hr, states[-1].hr) == (2, 1)


def test_an_initial_state_that_maps_to_no_abstract_initial_state_breaks_it(tmp_path):
    _, rep, v = _check(tmp_path, "late")
    bad = v["hour_clock"]
    assert bad.verdict == "VIOLATED" and bad.steps == 0
    assert "an initial state maps to no initial state of HourClock" in bad.line(rep.label)


def test_show_names_the_abstract_states_and_steps(tmp_path):
    bound, _, v = _check(tmp_path, "broken")
    why = build_view(bound, v["hour_clock"].trace, CLOCK).why
    assert why == ("refines hour_clock is VIOLATED by step 3, from the state at step 2: it maps hr=2 to hr=1, "
                   "which is neither a step of HourClock nor a stutter (HourClock's steps from there: tick -> hr=3)")
    bound, _, v = _check(tmp_path, "late")
    why = build_view(bound, v["hour_clock"].trace, CLOCK).why
    assert why == ("refines hour_clock is VIOLATED at step 0: the initial state: it maps to hr=2, which is no "
                   "initial state of HourClock (those are hr=1)")


class Counter(Spec):
    """The abstract spec: a counter that goes up by `step` up to `top`."""
    top = param(4, IntRange(1, 9), "the largest value")
    step = param(1, IntRange(1, 2), "how much one step adds")

    def variables(self):
        return {"n": IntRange(0, 9)}

    def init(self):
        yield self.State(n=0)

    @action(guard=lambda self, s: s.n + self.step <= self.top)
    def up(self, s):
        return s.set(n=s.n + self.step)


class Pairs(Spec):
    """Counts up by 2 in two moves (a low bit, then a carry): refines Counter with step 2 mapped n -> 2 * hi."""
    top = param(4, IntRange(2, 8), "the largest value")
    wrong = param(False, Bool(), "map to Counter with step 1: then a carry is a jump of 2, no step of it")

    def variables(self):
        return {"hi": IntRange(0, 4), "lo": Bool()}

    def init(self):
        yield self.State(hi=0, lo=False)

    @action(guard=lambda self, s: not s.lo and 2 * s.hi + 2 <= self.top)
    def half(self, s):
        return s.set(lo=True)

    @action(guard=lambda self, s: s.lo)
    def carry(self, s):
        return s.set(hi=s.hi + 1, lo=False)

    @refines(Counter, params=lambda self: {"top": self.top, "step": 1 if self.wrong else 2})
    def as_counter(self, s):
        return {"n": 2 * s.hi}


def test_params_bind_the_abstract_spec_from_the_concrete_parameters(tmp_path):
    rep = check(Pairs.bind(), "pairs", out_dir=str(tmp_path))
    v = {x.property: x for x in rep.verdicts}["as_counter"]
    # hand count: (hi, lo) = (0,F) (0,T) (1,F) (1,T) (2,F): 5 states, 4 transitions
    assert rep.result.distinct == 5 and v.verdict == "VERIFIED"
    assert "refines Counter (top=4, step=2): every initial state and all 4 transitions" in v.bound
    rep = check(Pairs.bind(overrides={"wrong": True}), "pairs", out_dir=str(tmp_path))
    v = {x.property: x for x in rep.verdicts}["as_counter"]
    assert v.verdict == "VIOLATED" and [st.action for st in v.trace.steps] == ["init", "half", "carry"]


def test_a_mapping_that_is_no_abstract_state_is_a_model_error(tmp_path):
    class Missing(Pairs):
        @refines(Counter)
        def as_counter(self, s):
            return {"m": s.hi}

    class Outside(Pairs):
        @refines(Counter)
        def as_counter(self, s):
            return {"n": 10 * s.hi}

    class Raises(Pairs):
        @refines(Counter)
        def as_counter(self, s):
            return {"n": 1 // s.hi}

    for cls, msg in ((Missing, "must give every variable of Counter and no other: missing n; unknown m"),
                     (Outside, "gave no state of Counter: n = 10 is outside"),
                     (Raises, "refinement mapping 'as_counter' raised ZeroDivisionError")):
        rep = check(cls.bind(), "pairs", out_dir=str(tmp_path))
        assert rep.error is not None and msg in rep.error, rep.error
        assert {x.verdict for x in rep.verdicts if x.property == "as_counter"} == {"INCONCLUSIVE"}


def test_refines_is_declared_with_a_spec_class_and_a_one_state_mapping():
    with pytest.raises(SpecError, match="give the abstract spec's class"):
        refines("Counter")(lambda self, s: {})
    with pytest.raises(SpecError, match=r"must take \(self, s\)"):
        refines(Counter)(lambda self, s, t: {})
    with pytest.raises(SpecError, match="params= must be a dict"):
        refines(Counter, params=3)(lambda self, s: {})
