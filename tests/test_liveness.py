"""Liveness under fairness: @eventually, @leads_to and @action(fair=...), on docs/examples/flicker.py.

The graph by hand: three states, (light, photo) = (0, F) initial, (1, F), (1, T). flip goes (0,F) <-> (1,F);
shoot goes (1,F) -> (1,T), which is @terminal. `photo_taken` is <>photo; `light_leads_to_photo` is
light = 1 ~> photo.

- unfair: a behaviour may stop anywhere. It can stay in the initial state forever: <>photo fails in 0 steps
  (a stutter at step 0); light = 1 holds after one flip, and the behaviour may stop there: 1 step, loop 1.
- weak (WF flip, WF shoot): flip, flip, ... forever is fair: shoot is enabled only while the light is on, so
  never continuously, and WF does not force it. <>photo fails with init, flip, flip (loop 0, 2 steps);
  the leads_to fails from the first (1,F): init, flip, flip, flip (loop 1, 3 steps).
- strong (WF flip, SF shoot): shoot is enabled infinitely often on that cycle, so SF forces it: both hold.
- SF shoot without fairness on flip: the behaviour may stop with the light off: <>photo fails in 0 steps.
"""
import json

import pytest
import z3

from modelcheck import IntRange, Spec, SpecError, TupleOf, action, eventually, leads_to, put
from modelcheck.check import check
from modelcheck.explorer import Limits
from modelcheck.trace import TraceError, dumps, loads, replay
from modelcheck.z3bridge import compile_properties, vacuity_issues

from conftest import load

FLICKER = "docs/examples/flicker.py"


def _check(tmp_path, variant=None, **params):
    bound = load(FLICKER).bind(variant, overrides=params or None)
    rep = check(bound, FLICKER, out_dir=str(tmp_path))
    return bound, rep, {v.property: v for v in rep.verdicts}


def _shape(v):
    tr = v.trace
    return [st.action for st in tr.steps], [st.state["light"] for st in tr.steps], tr.loop


def test_without_fairness_a_behaviour_may_stop_anywhere(tmp_path):
    bound, rep, v = _check(tmp_path, "unfair")
    assert rep.result.distinct == 3 and rep.exit_code == 1
    assert v["photo_taken"].verdict == "VIOLATED" and _shape(v["photo_taken"]) == (["init"], [0], 0)
    assert _shape(v["light_leads_to_photo"]) == (["init", "flip"], [0, 1], 1)
    assert "no fairness (a behaviour may stop in any state)" in v["photo_taken"].bound


def test_weak_fairness_does_not_force_an_action_that_is_enabled_only_now_and_then(tmp_path):
    bound, rep, v = _check(tmp_path, "weak")
    assert _shape(v["photo_taken"]) == (["init", "flip", "flip"], [0, 1, 0], 0)
    assert _shape(v["light_leads_to_photo"]) == (["init", "flip", "flip", "flip"], [0, 1, 0, 1], 1)
    assert v["photo_taken"].note == "a lasso: it repeats steps 1-2 forever"
    for name in ("photo_taken", "light_leads_to_photo"):
        tr = v[name].trace
        assert len(replay(bound, tr).states) == len(tr.steps)   # the stored lasso replays and closes


def test_strong_fairness_forces_it(tmp_path):
    _, rep, v = _check(tmp_path, "strong")
    assert rep.exit_code == 0
    assert v["photo_taken"].verdict == v["light_leads_to_photo"].verdict == "VERIFIED"
    assert "fairness: weak flip; strong shoot" in v["photo_taken"].bound


def test_strong_fairness_alone_lets_the_behaviour_stop_where_the_action_is_disabled(tmp_path):
    Fair = load(FLICKER).parameters()["flip_fair"].domain
    _, _, v = _check(tmp_path, flip_fair=Fair.none, shot_fair=Fair.strong)
    assert _shape(v["photo_taken"]) == (["init"], [0], 0)
    # SF keeps a behaviour from stopping with the light on, but nothing keeps it from turning the light off and
    # stopping there: init, flip (P holds), flip, then a stutter (the states with shoot enabled are dropped and
    # the rest searched again)
    assert _shape(v["light_leads_to_photo"]) == (["init", "flip", "flip"], [0, 1, 0], 2)


def test_lasso_traces_store_loop_and_replay_checks_that_the_cycle_closes(tmp_path):
    bound, _, v = _check(tmp_path, "weak")
    tr = v["photo_taken"].trace
    text = dumps(tr)
    assert json.loads(text)["loop"] == 0 and loads(text) == tr
    broken = loads(text.replace('"loop": 0', '"loop": 1'))   # the last state (light 0) is not step 1's (light 1)
    with pytest.raises(TraceError, match="the trace's loop does not close: .*step 1 .*light"):
        replay(bound, broken)
    with pytest.raises(TraceError, match='"loop" must be the index of a step'):
        loads(text.replace('"loop": 0', '"loop": 7'))


def test_traces_without_a_loop_have_no_loop_key(tmp_path):
    _, _, v = _check(tmp_path, "unfair")
    assert "loop" not in json.loads(dumps(v["photo_taken"].trace)) or v["photo_taken"].trace.loop == 0
    bound = load("counter").bind()
    rep = check(bound, "tests/specs/counter.py", out_dir=str(tmp_path))
    below = next(x for x in rep.verdicts if x.property == "below_top")
    assert below.trace.loop is None and '"loop"' not in dumps(below.trace)


def test_show_marks_the_loop_and_itf_writes_it(cli, tmp_path):
    code, _, _ = cli("verify", FLICKER, "--variant", "weak", "--out", str(tmp_path))
    assert code == 1
    trace = str(tmp_path / "flicker.weak.light_leads_to_photo.json")
    code, out, _ = cli("show", trace, "--itf", str(tmp_path / "t.itf.json"))
    assert code == 0
    out = " ".join(out.split())  # the view wraps paragraphs to the terminal's width
    assert "loop: step 3 is the state at step 1 again; steps 2-3 repeat forever" in out
    assert ("1 \u21ba loop" in out) or ("1 <- loop" in out)
    assert ("leads_to light_leads_to_photo is VIOLATED: its P holds at step 1, and its Q neither then nor at any "
            "later step") in out
    itf = json.loads((tmp_path / "t.itf.json").read_text())
    # ITF's loop is the state after the last one: our last state is step 1's, so it is followed by step 2
    assert itf["loop"] == 2 and len(itf["states"]) == 4


def test_liveness_needs_the_whole_graph(tmp_path):
    bound = load(FLICKER).bind("strong")
    rep = check(bound, FLICKER, Limits(max_states=2), out_dir=str(tmp_path))
    v = {x.property: x for x in rep.verdicts}
    assert v["photo_taken"].verdict == "INCONCLUSIVE" and "needs the whole state graph" in v["photo_taken"].bound


class Workers(Spec):
    """Two workers each count round 0, 1, 2, 0, ...; `work(i)` is weakly fair for each i on its own."""

    def variables(self):
        return {"done": TupleOf(IntRange(0, 2), 2)}

    def init(self):
        yield self.State(done=(0, 0))

    @action(over=lambda self: range(2), fair="weak")
    def work(self, s, i):
        return s.set(done=put(s.done, i, (s.done[i] + 1) % 3))

    @action(guard=lambda self, s: s.done[0] == 2)
    def rest(self, s):
        return s   # changes nothing: a stutter, not a step fairness counts

    @eventually
    def second_reaches_2(self, v):
        return v.done[1] == 2


def test_fairness_is_per_instance_and_a_stutter_does_not_satisfy_it(tmp_path):
    # worker 0 going round forever takes `work` infinitely often, which would satisfy WF of the action as a
    # whole; but work(1) stays enabled and is never taken, which WF of that instance forbids (\A i: WF(work(i))).
    # `rest` forever changes nothing: it is no cycle of real steps, and work(1) stays enabled through it
    rep = check(Workers.bind(), "workers", out_dir=str(tmp_path))
    v = {x.property: x for x in rep.verdicts}
    assert rep.result.distinct == 9 and v["second_reaches_2"].verdict == "VERIFIED"


def test_leads_to_must_return_a_pair_and_its_sides_must_be_satisfiable():
    class Bad(Workers):
        @leads_to
        def second_reaches_2(self, v):
            return v.done[0] == 2

    with pytest.raises(SpecError, match=r"must return a pair \(P, Q\)"):
        compile_properties(Bad.bind())

    class NeverP(Workers):
        @leads_to
        def second_reaches_2(self, v):
            return v.done[0] == 3, v.done[1] == 2

    issues = vacuity_issues(NeverP.bind(), compile_properties(NeverP.bind()))
    assert len(issues) == 1 and "never triggered" in issues[0].message


class Shifts(Spec):
    """Two counters going round 0, 1, 2, 0, ...: `tick0` is weakly fair, `tick1` has no fairness. By hand:
    counter 0 always comes back to 2, counter 1 may stop at 1 while counter 0 goes round forever."""

    def variables(self):
        return {"done": TupleOf(IntRange(0, 2), 2)}

    def init(self):
        yield self.State(done=(0, 0))

    @action(fair="weak")
    def tick0(self, s):
        return s.set(done=put(s.done, 0, (s.done[0] + 1) % 3))

    @action
    def tick1(self, s):
        return s.set(done=put(s.done, 1, (s.done[1] + 1) % 3))

    @leads_to
    def each_reaches_2(self, v):
        return [(v.done[i] == 1, v.done[i] == 2) for i in range(2)]   # \A i: done[i] = 1 ~> done[i] = 2


def test_leads_to_with_a_list_of_pairs_is_one_property_violated_by_any_pair(tmp_path):
    rep = check(Shifts.bind(), "shifts", out_dir=str(tmp_path))
    v = {x.property: x for x in rep.verdicts}["each_reaches_2"]
    assert rep.result.distinct == 9 and v.verdict == "VIOLATED"
    # pair 1: tick1 once, then tick0 three times around back to (0, 1), forever (WF tick0 forces it to move)
    assert [st.action for st in v.trace.steps] == ["init", "tick1", "tick0", "tick0", "tick0"]
    assert [st.state["done"] for st in v.trace.steps][-1] == [0, 1] and v.trace.loop == 1

    class OnlyFair(Shifts):
        @leads_to
        def each_reaches_2(self, v):
            return [(v.done[0] == 1, v.done[0] == 2)]

    rep = check(OnlyFair.bind(), "shifts", out_dir=str(tmp_path))
    assert {x.property: x.verdict for x in rep.verdicts}["each_reaches_2"] == "VERIFIED"


def test_show_names_the_pair_a_lasso_breaks(tmp_path):
    from modelcheck.viewer import _lasso_why
    bound = Shifts.bind()
    rep = check(bound, "shifts", out_dir=str(tmp_path))
    v = {x.property: x for x in rep.verdicts}["each_reaches_2"]
    prop = compile_properties(bound).get("each_reaches_2")
    states = replay(bound, v.trace).states
    why = _lasso_why("leads_to each_reaches_2", prop, states, v.trace.loop)
    assert "its P[1] holds at step 1, and its Q[1] neither then nor at any later step" in why


def test_a_list_of_pairs_must_hold_pairs_and_each_q_must_be_satisfiable():
    class Bad(Shifts):
        @leads_to
        def each_reaches_2(self, v):
            return [(v.done[0] == 1, v.done[0] == 2), v.done[1] == 1]

    with pytest.raises(SpecError, match=r"or a non-empty list of such pairs"):
        compile_properties(Bad.bind())

    class NeverQ(Shifts):
        @leads_to
        def each_reaches_2(self, v):
            return [(v.done[0] == 1, v.done[0] == 2), (v.done[1] == 1, v.done[1] == 3)]

    issues = vacuity_issues(NeverQ.bind(), compile_properties(NeverQ.bind()))
    assert len(issues) == 1 and "(its Q[1])" in issues[0].message and "can never hold" in issues[0].message


def test_fair_must_be_weak_or_strong():
    with pytest.raises(SpecError, match="fair= must be"):
        action(fair="always")(lambda self, s: s)


# -- the fair-SCC search against brute force on random graphs -----------------------------------------------

def _graph_spec(n_nodes, edges, fair, goal):
    """A spec whose state is a node; action a<L>(dst) follows an edge labelled L (fairness fair[L])."""
    import z3

    body = {"variables": lambda self: {"n": IntRange(0, n_nodes - 1)},
            "init": lambda self: iter([self.State(n=0)]),
            "check_deadlock": False}
    def targets(lab):
        return lambda self, s: sorted({d for a, d, x in edges if a == s.n and x == lab})

    for lab in range(3):
        def effect(self, s, dst):
            return s.set(n=dst)
        effect.__name__ = f"a{lab}"
        body[f"a{lab}"] = action(over=targets(lab), fair=fair[lab])(effect)
    body["reach"] = eventually(name="reach")(lambda self, v: z3.Or([v.n == g for g in goal]) if goal else z3.BoolVal(False))
    return type("G", (Spec,), body)


def _brute_force(n_nodes, edges, fair, goal):
    """Some set S of states, reachable from 0 without the goal, strongly connected by its inner edges (or one
    state, stuttering), can be cycled through forever fairly. Fairness per instance (label, target)."""
    import itertools

    import networkx as nx

    region = {x for x in range(n_nodes) if x not in goal}
    g = nx.DiGraph()
    g.add_nodes_from(region)
    g.add_edges_from((a, b) for a, b, _ in edges if a in region and b in region and a != b)
    if 0 not in region:
        return False
    reach = nx.descendants(g, 0) | {0}
    units = {(lab, b) for a, b, lab in edges if a != b and fair[lab]}
    for k in range(1, len(reach) + 1):
        for S in map(set, itertools.combinations(sorted(reach), k)):
            if k > 1 and not nx.is_strongly_connected(g.subgraph(S)):
                continue
            taken = {(lab, b) for a, b, lab in edges if a in S and b in S and a != b}
            ok = True
            for u in units:
                en = {a for a, b, lab in edges if (lab, b) == u and a != b and a in S}
                if u in taken or not en:
                    continue
                if fair[u[0]] == "strong" or en == S:
                    ok = False
            if ok:
                return True
    return False


from hypothesis import event, given, strategies as st  # noqa: E402


@given(st.integers(2, 5).flatmap(lambda n: st.tuples(
    st.just(n),
    st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), st.integers(0, 2)), max_size=9, unique=True),
    st.tuples(*[st.sampled_from([None, "weak", "strong"])] * 3),
    st.sets(st.integers(0, n - 1), max_size=2))))
def test_fair_lasso_search_agrees_with_brute_force(case):
    from modelcheck.liveness import liveness_violations
    from conftest import explore_all

    n, edges, fair, goal = case
    bound = _graph_spec(n, edges, fair, goal).bind()
    res, props = explore_all(bound)
    found = liveness_violations(res, props)
    reachable = {s.n for s in res.states}
    expect = _brute_force(n, [e for e in edges if e[0] in reachable], fair, goal)
    event(f"violated: {expect}")
    assert ("reach" in found) == expect, (edges, fair, goal)
    if expect:  # the lasso: a path, never in the goal, closing at `loop`, and fair as brute force judges it
        lasso = found["reach"]
        nodes = [res.states[i].n for i in lasso.states]
        assert nodes[0] == 0 and not set(nodes) & goal and nodes[-1] == nodes[lasso.loop]
        steps = [(nodes[i], nodes[i + 1], res.labels[lasso.labels[i + 1]]) for i in range(len(nodes) - 1)]
        assert all((a, b, int(act.name[1:])) in edges and args == (b,) for a, b, (act, args) in steps)
        cycle = steps[lasso.loop:]
        S = set(nodes[lasso.loop:])
        taken = {(int(act.name[1:]), b) for a, b, (act, _) in cycle}
        for lab, b in {(lab, b) for a, b, lab in edges if a != b and fair[lab]}:
            en = {a for a, bb, ll in edges if (ll, bb) == (lab, b) and a != bb and a in S}
            assert (lab, b) in taken or not en or (fair[lab] == "weak" and en != S), (edges, fair, goal, nodes)


def test_symmetry_reduction_is_off_for_liveness_and_step_properties(tmp_path):
    # the reduced graph's edges end in orbit representatives: a lasso or a step read there would not be the
    # spec's own, so check() explores the full graph and says why
    Lock = load("symmetric")

    class LiveLock(Lock):
        @eventually
        def someone_critical(self, v):
            return z3.Or([v.pc[i] == 2 for i in range(self.N)])

    full = check(Lock.bind(overrides={"N": 2}), "lock", out_dir=None, reduce=False).result.distinct
    assert check(Lock.bind(overrides={"N": 2}), "lock", out_dir=None, reduce=True).reductions == ["symmetry P"]
    rep = check(LiveLock.bind(overrides={"N": 2}), "lock", out_dir=str(tmp_path), reduce=True)
    assert rep.reductions == [] and rep.result.distinct == full
    assert any("symmetry reduction off: someone_critical" in w for w in rep.warnings)


def test_json_verdicts_carry_the_loop_and_narrow_terminals_mark_it(cli, tmp_path):
    code, out, _ = cli("verify", FLICKER, "--variant", "weak", "--out", str(tmp_path), "--json")
    verdicts = {v["property"]: v for v in json.loads(out)["verdicts"]}
    assert code == 1 and verdicts["photo_taken"]["loop"] == 0 and "loop" not in verdicts["deadlock_free"]
    from modelcheck.viewer import open_trace, render_text

    text = render_text(open_trace(str(tmp_path / "flicker.weak.photo_taken.json")), width=60, unicode=False)
    text = " ".join(text.split())   # wrapped to 60 columns
    assert "0 init (the loop starts here)" in text and "steps 1-2 repeat forever" in text
