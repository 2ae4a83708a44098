"""@always_step (TLA+'s [][A]_v): action invariants and a refinement check, on docs/examples/hour_clock.py.

By hand: the clock has 3 hours x 2 half-hour positions = 6 states, all reachable by `tick` alone, which
goes round in 6 steps (depth 5). Under the mapping hr -> hr, every tick either keeps the hour (:00 -> :30)
or advances it as HourClock does, so the refinement holds. With `broken`, `jump` (enabled only at 2:00)
turns the hour back to 1: the shortest path to 2:00 is tick, tick, so the counterexample is
tick, tick, jump (3 steps); the half-hour hand stays at :00 there, so the action invariant still holds.
"""
import pytest

from modelcheck import IntRange, Spec, SpecError, action, always_step
from modelcheck.check import check
from modelcheck.steps import step_violations
from modelcheck.trace import replay
from modelcheck.z3bridge import compile_properties, vacuity_issues, z3_eval

from conftest import explore_all, load

CLOCK = "docs/examples/hour_clock.py"


def _verdicts(bound, tmp_path):
    rep = check(bound, CLOCK, out_dir=str(tmp_path))
    return rep, {v.property: v for v in rep.verdicts}


def test_a_refinement_that_holds(tmp_path):
    rep, v = _verdicts(load(CLOCK).bind(), tmp_path)
    assert rep.result.distinct == 6 and rep.result.depth == 5
    assert v["refines_hour_clock"].verdict == "VERIFIED"
    assert v["refines_hour_clock"].bound.startswith("all 6 transitions of all 6 reachable states")
    assert v["half_hand_moves_with_the_hour"].verdict == "VERIFIED"


def test_a_refinement_that_fails_ends_the_trace_at_the_bad_step(tmp_path):
    bound = load(CLOCK).bind(overrides={"broken": True})
    rep, v = _verdicts(bound, tmp_path)
    bad = v["refines_hour_clock"]
    assert bad.verdict == "VIOLATED" and bad.steps == 3 and rep.exit_code == 1
    tr = bad.trace
    assert [st.action for st in tr.steps] == ["init", "tick", "tick", "jump"]
    assert [st.state["hr"] for st in tr.steps] == [1, 1, 2, 1]
    assert len(replay(bound, tr).states) == 4                     # the stored trace replays
    assert v["half_hand_moves_with_the_hour"].verdict == "VERIFIED"


@pytest.mark.parametrize("broken", [False, True])
def test_step_translation_agrees_with_z3_on_every_transition(broken):
    bound = load(CLOCK).bind(overrides={"broken": broken})
    res, props = explore_all(bound)
    steps = [p for p in props if p.kind == "always_step"]
    src, dst, _ = res.edges
    n = 0
    for a, b in zip(src, dst):
        s, t = res.states[a], res.states[b]
        for p in steps:
            assert p.holds_step(s, t) == z3_eval(props, p.formula, s, t), (p.name, s, t)
            n += 1
    assert n == 2 * (7 if broken else 6)


class Stutters(Spec):
    """x counts up to 2; `idle` leaves the state as it is (a stutter step)."""

    def variables(self):
        return {"x": IntRange(0, 2)}

    def init(self):
        yield self.State(x=0)

    @action(guard=lambda self, s: s.x < 2)
    def inc(self, s):
        return s.set(x=s.x + 1)

    @action
    def idle(self, s):
        return s

    @always_step
    def grows(self, v, v2):
        return v2.x > v.x


def test_a_stutter_never_violates_a_step_property():
    res, props = explore_all(Stutters.bind())
    assert (0, 0) in set(zip(*res.edges[:2]))        # the self-loop was recorded...
    assert step_violations(res, props) == {}          # ...and allowed, as [][A]_v allows it


def test_a_step_property_that_only_a_stutter_could_break_is_vacuous():
    class OnlyStutter(Stutters):
        @always_step
        def grows(self, v, v2):
            return v2.x != v.x   # x is the only variable: every real step changes it

    issues = vacuity_issues(OnlyStutter.bind(), compile_properties(OnlyStutter.bind()))
    assert len(issues) == 1 and issues[0].fatal and "no step that changes the state" in issues[0].message


def test_a_step_property_must_take_two_views():
    with pytest.raises(SpecError, match=r"must take \(self, v, v2\)"):
        always_step(lambda self, v: v.x == 0)


def test_show_names_the_bad_step_and_its_false_conjunct(cli, tmp_path):
    code, out, _ = cli("verify", CLOCK, "--variant", "broken", "--out", str(tmp_path))
    assert code == 1
    code, out, _ = cli("show", str(tmp_path / "hour_clock.broken.refines_hour_clock.json"))
    assert code == 0
    assert ("always_step refines_hour_clock is VIOLATED by step 3, from the state at step 2: false conjunct "
            "Or(hr' == If(hr == 3, 1, hr + 1), hr' == hr) where hr' = 1, hr = 2") in " ".join(out.split())


def test_initially_is_the_other_half_of_a_refinement(tmp_path):
    from modelcheck import initially

    class LateClock(load(CLOCK)):
        def init(self):
            yield self.State(hr=1, half=False)
            yield self.State(hr=2, half=True)    # not a state HourClock starts in

    _, v = _verdicts(load(CLOCK).bind(), tmp_path)
    assert v["starts_as_hour_clock"].verdict == "VERIFIED" and v["starts_as_hour_clock"].bound.startswith("the initial state")
    rep, v = _verdicts(LateClock.bind(), tmp_path)
    bad = v["starts_as_hour_clock"]
    assert bad.verdict == "VIOLATED" and bad.steps == 0 and bad.trace.steps[0].state == {"hr": 2, "half": True}
    assert bad.note == "violated by an initial state"

    class Trivial(Stutters):
        @initially
        def small(self, v):
            return v.x <= 2   # x is an IntRange(0, 2): cannot fail

    issues = vacuity_issues(Trivial.bind(), compile_properties(Trivial.bind()))
    assert len(issues) == 1 and "@initially(vacuous_ok=True)" in issues[0].message
