"""Partial-order reduction (modelcheck/reduce/por.py): stubborn sets from declared footprints keep every
verdict, counterexamples stay real traces, and wrong footprints are caught."""
import glob
import os

import pytest
import z3
from hypothesis import given, settings, strategies as st

from modelcheck import Bool, IntRange, Spec, action, always, sometimes, terminal
from modelcheck.check import check
from modelcheck.explorer import explore, make_successors
from modelcheck.reduce import por
from modelcheck.spec import SpecError
from modelcheck.trace import load as load_trace, replay
from modelcheck.z3bridge import compile_properties

from conftest import load, toy

WORKERS = toy("workers")


def _verdicts(report):
    return {v.property: v.verdict for v in report.verdicts}


@pytest.mark.parametrize("variant", [None, "racy"])
@pytest.mark.parametrize("M", [1, 2, 3])
def test_workers_verdicts_equal_with_and_without_reduction(variant, M):
    bound = load(WORKERS).bind(variant, overrides={"M": M})
    red = check(bound, WORKERS, out_dir=None, reduce=True)
    full = check(bound, WORKERS, out_dir=None)
    assert red.reductions == ["partial-order"] and full.reductions == []
    assert _verdicts(red) == _verdicts(full)
    assert red.result.distinct <= full.result.distinct
    por.check_reads(bound, por.compile_footprints(bound), full.result.states)  # the footprints hold everywhere


def test_workers_pinned_counts():
    # M=2: a, b, d count freely (27), c only once a > 0 (c = 0 with a = 0: 9; a >= 1 gives c 0..2: 54), and
    # sync sets total = 4 once a = b = 2 (c and d free: 9 more): 72 states. The reduction interleaves d and
    # b's increments in one order only, whatever the order of the visible a and c: 26 states (computed).
    bound = load(WORKERS).bind(overrides={"M": 2})
    assert check(bound, WORKERS, out_dir=None).result.distinct == 72
    red = check(bound, WORKERS, out_dir=None, reduce=True)
    assert (red.result.distinct, red.result.complete) == (26, True)
    assert "all 26 states of a partial-order-reduced search" in red.verdicts[0].line("x")


def test_counterexample_is_real_and_says_it_may_not_be_shortest(cli, tmp_path):
    code, out, err = cli("verify", WORKERS, "--variant", "racy", "--out", tmp_path / "r")
    assert code == 1 and "not necessarily shortest under partial-order reduction; --no-reduction gives the shortest" in out
    code, out2, err = cli("verify", WORKERS, "--variant", "racy", "--out", tmp_path / "f", "--no-reduction")
    assert code == 1 and "not necessarily shortest" not in out2
    red = load_trace(str(tmp_path / "r" / "workers.racy.a_before_c.json"))
    full = load_trace(str(tmp_path / "f" / "workers.racy.a_before_c.json"))
    bound = load(WORKERS).bind("racy")
    states = replay(bound, red).states
    assert next(p for p in compile_properties(bound) if p.name == "a_before_c").holds(states[-1]) is False
    assert full.length == 2 and red.length >= full.length
    code, out, err = cli("show", tmp_path / "r" / "workers.racy.a_before_c.json")
    assert code == 0 and "inc_c" in out


def _with_footprints(decl):
    return type("Wrong", (load(WORKERS),), {"footprints": lambda self: decl})


GOOD = {"inc_a": ("a", "a"), "inc_b": ("b", "b"), "inc_c": ("a c", "c"), "inc_d": ("d", "d"), "sync": ("a b", "total")}


def test_an_undeclared_write_is_caught_during_the_search():
    bound = _with_footprints({**GOOD, "sync": ("a b", "")}).bind()
    with pytest.raises(SpecError, match="action 'sync' changed total, which its footprint does not declare"):
        check(bound, WORKERS, out_dir=None, reduce=True)


def test_an_undeclared_read_is_caught():
    bound = _with_footprints({**GOOD, "inc_c": ("c", "c")}).bind()
    with pytest.raises(SpecError, match="action 'inc_c' reads a, which its footprint does not declare"):
        check(bound, WORKERS, out_dir=None, reduce=True)


@pytest.mark.parametrize("decl, needle", [
    ({**GOOD, "nope": ("a", "a")}, "not an action"),
    ({k: v for k, v in GOOD.items() if k != "sync"}, "no footprint for sync"),
    ({**GOOD, "sync": ("a zz", "total")}, "'zz', which is not a variable"),
    ({**GOOD, "sync": "a"}, "must map to"),
])
def test_bad_footprint_declarations(decl, needle):
    with pytest.raises(SpecError, match=needle):
        por.compile_footprints(_with_footprints(decl).bind())


def test_derived_footprints_match_the_declared_ones():
    bound = load(WORKERS).bind(overrides={"M": 2})
    states = explore(bound, compile_properties(bound), stop_early=False).states
    got = por.derive_footprints(bound, states)
    assert got == {k: (set(r.split()), set(w.split())) for k, (r, w) in GOOD.items()}
    # derived from every reachable state, they pass the checks and give the same reduction
    fp = por.footprints_from(bound, got)
    por.check_reads(bound, fp, states)
    assert fp.table == por.compile_footprints(bound).table


def test_reduction_is_off_where_it_is_not_sound():
    bound = load(WORKERS).bind()
    props = compile_properties(bound)
    for kw, why in [({"all_violations": True}, "--all-violations"), ({"graph": True}, "--graph"),
                    ({"max_depth": 3}, "--max-depth")]:
        r, reason = por.reducer_for(bound, props, **kw)
        assert r is None and why in reason
    assert por.reducer_for(load(toy("counter")).bind(), [])[1] == "the spec declares no footprints"


def test_three_independent_counters_reduce_to_one_interleaving():
    # v0, v1, v2 count 0..2 on their own; the property reads only v3: 27 states, and the reduced search
    # follows one order of the increments (7 states: 6 steps from the initial state).
    cls = _random_spec([([], 0, [], [0], 0), ([], 0, [], [1], 0), ([], 0, [], [2], 0)], [3], 1, None, False)
    bound = cls.bind()
    props = compile_properties(bound)
    assert explore(bound, props, stop_early=False).distinct == 27
    red, _ = por.reducer_for(bound, props)
    succ = make_successors(bound)
    red.labels = succ[1]
    assert explore(bound, props, stop_early=False, successors=succ, ample=red.select).distinct == 7


# -- random small specs: every verdict with reduction equals the verdict without ----------------------------

NV, D = 5, 2  # variables v0..v4 over 0..D


def _random_action(k, g, parity, r, w, c, final=False):
    """Guard: every variable of w is below D, and g is empty or the sum of its variables is not `parity`
    modulo 3 (with `final`: and the flag `done` is not set); effect: each variable of w grows by
    1 + c + the sum of r, capped at D (so most runs end)."""
    def guard(self, s):
        return (not final or not s.done) and all(s[i] < D for i in w) and (not g or sum(s[i] for i in g) % 3 != parity)

    def effect(self, s):
        vals = list(s)
        for i in w:
            vals[i] = min(D, s[i] + 1 + c + sum(s[j] for j in r))
        return self.State(*vals)
    effect.__name__ = f"a{k}"
    return action(guard=guard)(effect)


def _random_spec(actions, prop_vars, target, sometimes_var, deadlock, final=None):
    """With `final` = (x, v): a variable `done` (a final flag) that action `finish` sets once vx = v; every
    guard tests it first, a state with it set is @terminal, and each action declares its guard's bound
    test as a need over the variables it writes."""
    names = [f"v{i}" for i in range(NV)]

    def footprints(self):
        out = {}
        for k, (g, parity, r, w, c) in enumerate(actions):
            reads, writes = [names[i] for i in sorted(set(g) | set(r) | set(w))], [names[i] for i in w]
            out[f"a{k}"] = (reads, writes) if final is None else dict(
                reads=reads, writes=writes, needs={" ".join(writes): lambda s, w=w: all(s[i] < D for i in w)})
        if final is not None:
            out["finish"] = dict(reads=[names[final[0]]], writes="done", sets={"done": True})
        return out
    more = {"done": Bool()} if final is not None else {}
    body = {"check_deadlock": deadlock,
            "variables": lambda self: {**{n: IntRange(0, D) for n in names}, **more},
            "init": lambda self: iter([self.State(*([0] * NV), *([False] * len(more)))]),
            "footprints": footprints}
    for k, (g, parity, r, w, c) in enumerate(actions):
        body[f"a{k}"] = _random_action(k, g, parity, r, w, c, final is not None)
    if final is not None:
        x, val = final
        body["final_flags"] = lambda self: "done"

        def finish(self, s):
            return s.set(done=True)

        def finished(self, v):
            return v.done
        body["finish"] = action(guard=lambda self, s: not s.done and s[x] == val)(finish)
        body["finished"] = terminal(finished)

    def inv(self, v):
        return z3.Sum([getattr(v, names[i]) for i in prop_vars]) != target
    body["inv"] = always(inv)
    if sometimes_var is not None:
        body["reach"] = sometimes(lambda self, v: getattr(v, names[sometimes_var]) == D)
    return type("Random", (Spec,), body)


var = st.integers(0, NV - 1)
action_st = st.tuples(st.lists(var, max_size=1), st.integers(0, 2), st.lists(var, max_size=1),
                      st.lists(var, min_size=1, max_size=2, unique=True), st.integers(0, D))


@settings(max_examples=60)
@given(actions=st.lists(action_st, min_size=2, max_size=6), prop_vars=st.lists(st.integers(0, NV - 1), min_size=1,
       max_size=2, unique=True), target=st.integers(1, 2 * D), sometimes_var=st.none() | st.integers(0, NV - 1),
       deadlock=st.booleans())
def test_random_specs_keep_every_verdict(actions, prop_vars, target, sometimes_var, deadlock):
    _keeps_every_verdict(_random_spec(actions, prop_vars, target, sometimes_var, deadlock))


@settings(max_examples=60)
@given(actions=st.lists(action_st, min_size=2, max_size=6), prop_vars=st.lists(st.integers(0, NV - 1), min_size=1,
       max_size=2, unique=True), target=st.integers(1, 2 * D), sometimes_var=st.none() | st.integers(0, NV - 1),
       deadlock=st.booleans(), final=st.tuples(st.integers(0, NV - 1), st.integers(1, D)))
def test_random_specs_with_a_final_flag_and_needs_keep_every_verdict(actions, prop_vars, target, sometimes_var,
                                                                     deadlock, final):
    _keeps_every_verdict(_random_spec(actions, prop_vars, target, sometimes_var, deadlock, final))


def _keeps_every_verdict(cls):
    bound = cls.bind()
    try:
        full = check(bound, "random.py", out_dir=None)
    except SpecError:  # a vacuous property (Z3 proves it cannot fail): not a case for this test
        return
    red = check(bound, "random.py", out_dir=None, reduce=True)
    assert red.reductions == ["partial-order"]
    assert _verdicts(red) == _verdicts(full)
    for v in red.verdicts:  # every counterexample and witness is a real trace
        if v.trace is not None:
            replay(bound, v.trace)


# -- every spec of the project: the verdicts with reduction equal the verdicts without ----------------------

def _spec_files():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return sorted(glob.glob(os.path.join(root, "specs", "*.py")) + glob.glob(os.path.join(root, "tests", "specs", "*.py")))


def _classes(path):
    """Every spec class a file defines (a file may define several: then each is loaded as path::Name)."""
    import sys

    from modelcheck.loader import load_spec
    from modelcheck.spec import Spec, UsageError

    try:
        return [load_spec(path)[1]]
    except UsageError:
        module = sys.modules["modelcheck_spec_" + os.path.splitext(os.path.basename(path))[0]]
        names = [v.__name__ for v in vars(module).values()
                 if isinstance(v, type) and issubclass(v, Spec) and v.__module__ == module.__name__]
        return [load_spec(f"{path}::{n}")[1] for n in names]


@pytest.mark.parametrize("path", _spec_files(), ids=os.path.basename)
def test_every_spec_keeps_its_verdicts_under_reduction(path):
    from modelcheck.explorer import Limits

    compared = 0
    cells = [(cls, v) for cls in _classes(path) for v in [None] + list(cls.variants)[:3]]
    for cls, variant in cells:
        bound = cls.bind(variant)
        try:
            full = check(bound, path, Limits(max_states=20_000), out_dir=None)
        except SpecError:  # a spec that is wrong on purpose (tests/specs/faulty.py ...)
            with pytest.raises(SpecError):
                check(cls.bind(variant), path, Limits(max_states=20_000), out_dir=None, reduce=True)
            continue
        red = check(cls.bind(variant), path, Limits(max_states=20_000), out_dir=None, reduce=True)
        if full.error or red.error:
            assert bool(full.error) == bool(red.error)
            continue
        if "limit" not in full.result.stop_reason + red.result.stop_reason:  # complete, or stopped with every verdict known
            assert _verdicts(red) == _verdicts(full), variant
            compared += 1
    assert compared or "huge" in path or "faulty" in path


def test_reduction_is_off_with_a_warning_for_step_properties():
    from modelcheck import always_step

    def a_never_drops(self, v, v2):
        return v2.a >= v.a
    cls = type("WithStep", (load(WORKERS),), {"a_never_drops": always_step(a_never_drops)})
    rep = check(cls.bind(), WORKERS, out_dir=None, reduce=True)
    assert rep.reductions == []
    assert any("partial-order reduction off: a_never_drops need(s) the unreduced state graph" in w for w in rep.warnings)
    assert rep.result.distinct == check(cls.bind(), WORKERS, out_dir=None).result.distinct


# -- the flagship: declared footprints, final flags, needs and sets --------------------------------------------

ROLLBACK = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "specs", "rollback.py")


def _safety_only(cls):
    """The flagship with its safety properties only (always, sometimes, terminal): its always_possible (or
    liveness) property needs the full graph, so `verify` runs the full search on the cell as shipped."""
    sub = type(cls.__name__, (cls,), {})
    sub._properties = [p for p in cls._properties if p.kind in ("always", "sometimes", "terminal")]
    return sub


@pytest.mark.parametrize("variant, scenario, params", [("pre73", "active", {}), ("phase73", "active", {}),
                                                       ("pre73", "idle_latency", {}), ("fixC", "active_latency", {}),
                                                       ("phase73", "late_reply", {"N": 2}),
                                                       ("pre73", "any_timeout_hidden", {"N": 2})])
def test_flagship_footprints_hold_on_every_reachable_state(variant, scenario, params):
    # every read on every reachable state (the search itself samples 256), every write, need and set on every
    # transition of the full graph, and the final flags disable every action whatever the rest of the state
    bound = load(ROLLBACK).bind(variant, scenario, params)
    states = explore(bound, compile_properties(bound), stop_early=False).states
    fp = por.compile_footprints(bound)
    assert bound.names[min(fp.final)] in ("exported", "cut") and len(fp.final) == 2
    por.check_final(bound, fp)
    por.check_reads(bound, fp, states)
    red = por.Reducer(bound, fp, [], set())
    succ, red.labels = make_successors(bound)
    for s in states:
        red.check_writes(s, succ(s))


@pytest.mark.parametrize("variant, scenario", [("pre73", "active"), ("phase73", "active"), ("fixC", "active"),
                                               ("pre73", "active_latency")])
def test_flagship_safety_verdicts_equal_with_and_without_reduction(variant, scenario, tmp_path):
    cls = _safety_only(load(ROLLBACK))
    full = check(cls.bind(variant, scenario), ROLLBACK, out_dir=None)
    red = check(cls.bind(variant, scenario), ROLLBACK, out_dir=str(tmp_path), reduce=True)
    assert red.reductions == ["partial-order"] and full.reductions == []
    assert _verdicts(red) == _verdicts(full)
    assert red.result.distinct < full.result.distinct
    bound = cls.bind(variant, scenario)
    props = {p.name: p for p in compile_properties(bound)}
    for v in red.verdicts:  # every counterexample is a real trace that ends in a violation; not claimed shortest
        if v.trace is not None and v.kind == "always":
            assert not props[v.property].holds(replay(bound, v.trace).states[-1])
            assert "not necessarily shortest under partial-order reduction" in v.note


def test_flagship_reduction_is_off_with_its_reason_while_a_property_needs_the_full_graph():
    rep = check(load(ROLLBACK).bind("pre73", "active"), ROLLBACK, out_dir=None, reduce=True)
    assert rep.reductions == []
    assert any(w.startswith("partial-order reduction off: ") and "need(s) the" in w for w in rep.warnings)


def test_a_final_flag_its_guards_do_not_test_first_is_refused():
    sloppy = type("Sloppy", (load(WORKERS),), {
        "variables": lambda self: {**load(WORKERS).variables(self), "done": Bool()},
        "init": lambda self: iter([self.State(a=0, b=0, c=0, d=0, total=0, done=False)]),
        "final_flags": lambda self: "done"})
    with pytest.raises(SpecError, match="the final flag done does not disable it"):
        check(sloppy.bind(), WORKERS, out_dir=None, reduce=True)


@pytest.mark.parametrize("entry, needle", [
    (dict(reads="a", writes="a", needs={"a": 0}), "is enabled in a state its footprint's needs on a exclude"),
    (dict(reads="a", writes="a", sets={"a": 0}), "set a to 1, which its footprint's sets does not list"),
    (dict(reads="", writes="a", needs={"a": 0}), "a variable in needs must be read"),
])
def test_wrong_needs_and_sets_are_caught(entry, needle):
    bound = _with_footprints({**GOOD, "inc_a": entry}).bind()
    with pytest.raises(SpecError, match=needle):
        check(bound, WORKERS, out_dir=None, reduce=True)


def test_list_shows_what_a_spec_declares_and_what_verify_reduces(cli):
    code, out, _ = cli("list", WORKERS)
    assert code == 0 and "footprints: declared for 5 actions" in out and "verify reduces: partial-order" in out
    code, out, _ = cli("list", "specs/two_phase_commit.py")
    assert "symmetry: RM over 0, 1, 2 in rmState, tmPrepared, msgs" in out and "verify reduces: symmetry RM" in out
    code, out, _ = cli("list", ROLLBACK)
    assert "final flags exported, cut" in out and "symmetry: none declared" in out
    assert "verify reduces in every matrix cell: nothing (partial-order reduction off: " in out
