"""modelcheck.explorer: exact state counts, breadth-first shortest paths, deadlocks, limits, model errors,
and property tests against networkx on random graphs."""
import io

import networkx as nx
import pytest
from hypothesis import given, settings, strategies as st

from modelcheck import IntRange, Spec, action, always, always_possible, terminal
from modelcheck.explorer import Limits, ModelError, Progress, explore, fingerprint, make_successors
from modelcheck.spec import STATE_KINDS
from modelcheck.types import canonical_order as _order
from modelcheck.z3bridge import compile_properties

from conftest import explore_all, load


# -- pinned counts -------------------------------------------------------------------------------------------
# (spec, variant, params) -> (distinct, generated, depth). "generated" counts the initial states plus every
# successor computed, duplicates included, as TLC does; depth is the largest BFS level (initial = 0).
COUNTS = [
    # counter.py docstring: x = 0..3, one successor each.
    ("counter", None, {}, (4, 5, 3)),
    # stuck: x=3 has no successor, so one transition fewer.
    ("counter", "stuck", {}, (4, 4, 3)),
    # M=9: ten values, ten transitions, x=9 nine steps away.
    ("counter", None, {"M": 9}, (10, 11, 9)),
    # mutex.py docstring: 8 states. Transitions: a process that is idle can request, waiting can enter
    # (unless the lock is held), critical can leave; so 2 per state except (waiting, critical) and
    # (critical, waiting), where the waiting one is blocked: 6*2 + 2*1 = 14, plus the initial state = 15.
    # (waiting, critical) is 3 steps away (request, request, enter).
    ("specs/mutex.py", None, {}, (8, 15, 3)),
    # buggy: 13 states (mutex.py docstring); every process always has exactly one enabled action, so 2
    # per state: 26 + 1 = 27. Deepest: (critical, waiting) with the lock free needs both to enter (4 steps),
    # process 1 to leave and request again: 6.
    ("specs/mutex.py", "buggy", {}, (13, 27, 6)),
    # TLC's published figures for TwoPhase with 3 resource managers: 288 distinct, 1,146 generated. TLC
    # reports depth 11 because it counts the initial state as level 1.
    ("specs/two_phase_commit.py", None, {"RMs": 3}, (288, 1146, 10)),
    # ops.py docstring: 72 states, 408 transitions; depth 5 (x, flag, two colours and q each need a step).
    ("ops", None, {}, (72, 409, 5)),
    # setorder.py docstring: all 64 subsets, 6 successors each; the full set is 6 steps away.
    ("setorder", None, {}, (64, 385, 6)),
]


@pytest.mark.parametrize("spec, variant, params, expected", COUNTS,
                         ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in COUNTS])
def test_pinned_state_counts(spec, variant, params, expected):
    res, _ = explore_all(load(spec).bind(variant, overrides=params))
    assert res.complete and res.error is None
    assert (res.distinct, res.generated, res.depth) == expected
    assert res.transitions == res.generated - len(load(spec).bind(variant, overrides=params).initial_states())


def test_states_are_discovered_layer_by_layer():
    res, _ = explore_all(load("specs/two_phase_commit.py").bind())
    levels = [len(res.path(i)) - 1 for i in range(res.distinct)]
    assert levels == sorted(levels) and levels[0] == 0 and levels[-1] == res.depth


def test_paths_are_real_transitions():
    bound = load("specs/mutex.py").bind("buggy")
    res, _ = explore_all(bound)
    for sid in range(res.distinct):
        path = res.path(sid)
        assert path[0][0] is None and path[0][1] in bound.initial_states()
        for (_, prev), ((a, args), nxt) in zip(path, path[1:]):
            assert a.guard(bound.inst, prev, *args) and bound.apply(a, prev, args) == nxt


def test_coverage_counts_firings_and_new_states():
    res, _ = explore_all(load("counter").bind())
    assert res.coverage() == {"inc": (3, 3), "wrap": (1, 0)}


def test_state_dependent_over_gets_labels_as_arguments_appear():
    bound = load("ops").bind()
    successors, labels = make_successors(bound)
    static = len(labels)
    s0 = bound.initial_states()[0]
    s1 = s0.set(seen=frozenset({"green", "red"}))
    names = [bound.label(*labels[lid]) for lid, _ in successors(s1)]
    assert "drop(green)" in names and "drop(red)" in names
    assert names.index("drop(green)") < names.index("drop(red)")  # sorted, not in set order
    assert len(labels) == static + 2


def test_order_sorts_sets_and_dicts_but_keeps_sequences():
    assert _order({"b", "a", "c"}) == ["a", "b", "c"]
    assert _order(frozenset({(1, "x"), (0, "y")})) == [(0, "y"), (1, "x")]
    assert _order({"k2": 1, "k1": 2}) == ["k1", "k2"]
    assert _order([3, 1, 2]) == [3, 1, 2]


def test_fingerprint_is_stable():
    bound = load("specs/mutex.py").bind()
    s = bound.initial_states()[0]
    assert fingerprint(bound, s) == fingerprint(bound, bound.State(pc=(0, 0), lock=False))
    assert len(fingerprint(bound, s)) == 16
    assert fingerprint(bound, s) != fingerprint(bound, s.set(lock=True))


def test_graph_has_every_state_and_transition():
    res, _ = explore_all(load("specs/mutex.py").bind(), record_edges=True)
    g = res.graph()
    assert g.number_of_nodes() == 8 and g.number_of_edges() == 14
    assert {d["action"] for _, _, d in g.edges(data=True)} >= {"request(0)", "enter(1)", "leave(0)"}
    res2, _ = explore_all(load("setorder").bind())  # no always_possible: edges are not kept
    with pytest.raises(ValueError):
        res2.graph()


# -- deadlocks and terminal states ---------------------------------------------------------------------------

def test_deadlock_is_found_at_its_bfs_depth():
    res, _ = explore_all(load("counter").bind("stuck"))
    assert res.deadlock is not None and res.states[res.deadlock].x == 3


def _line(terminal_at=None, check_deadlock=True):
    class Line(Spec):
        """x walks 0 -> 1 -> 2 and stops."""

        def variables(self):
            return {"x": IntRange(0, 2)}

        def init(self):
            yield self.State(x=0)

        @action(guard=lambda self, s: s.x < 2)
        def step(self, s):
            return s.set(x=s.x + 1)

        if terminal_at is not None:
            @terminal
            def done(self, v):
                return v.x == terminal_at

    Line.check_deadlock = check_deadlock
    return Line.bind()


def test_terminal_states_are_not_deadlocks():
    assert explore_all(_line())[0].deadlock == 2
    assert explore_all(_line(terminal_at=2))[0].deadlock is None
    assert explore_all(_line(terminal_at=1))[0].deadlock == 2  # terminal elsewhere does not excuse x=2
    assert explore_all(_line(check_deadlock=False))[0].deadlock is None


# -- stopping early and limits ---------------------------------------------------------------------------------

def _mutual_exclusion_only():
    """buggy mutex with one property and no deadlock check: the search stops at the violation."""
    bound = load("specs/mutex.py").bind("buggy")
    props = [p for p in compile_properties(bound) if p.name == "mutual_exclusion"]
    bound.cls.check_deadlock = False
    try:
        return explore(bound, props)
    finally:
        bound.cls.check_deadlock = True


def test_search_stops_once_no_verdict_can_change():
    res = _mutual_exclusion_only()
    assert "mutual_exclusion" in res.found and not res.complete
    assert res.stop_reason == "nothing left to decide" and res.distinct < 13


def test_max_states_stops_soon_after_the_limit():
    bound = load("huge").bind()
    res = explore(bound, compile_properties(bound), Limits(max_states=1000))
    # the state being expanded is finished: at most 6 successors past the limit
    assert 1000 <= res.distinct < 1006 and not res.complete
    assert res.stop_reason == "state limit --max-states 1,000"


def test_max_depth_does_not_expand_deeper_states():
    bound = load("huge").bind()
    res = explore(bound, compile_properties(bound), Limits(max_depth=2))
    # six counters: 1 + 6 + 21 (multisets of size 2 over six counters) states at depths 0..2
    assert res.distinct == 28 and res.depth == 2 and not res.complete
    assert res.stop_reason == "depth limit --max-depth 2"


def test_max_depth_at_or_past_the_graph_depth():
    bound = load("counter").bind()
    props = compile_properties(bound)
    # states at depth 3 exist but are not expanded, so the search is not complete
    assert not explore(bound, props, Limits(max_depth=3), stop_early=False).complete
    assert explore(bound, props, Limits(max_depth=4), stop_early=False).complete


def test_time_and_memory_limits():
    bound = load("huge").bind()
    res = explore(bound, compile_properties(bound), Limits(max_seconds=0.2))
    assert not res.complete and res.stop_reason == "time limit --max-seconds 0.2" and res.distinct > 1000
    res = explore(bound, compile_properties(bound), Limits(max_memory_mb=1))
    assert not res.complete and res.stop_reason == "memory limit --max-memory 1 MB"


def test_limits_describe_themselves():
    assert Limits(5000, 3, 1.5, 100).describe() == \
        "--max-states 5,000, --max-depth 3, --max-seconds 1.5, --max-memory 100"
    assert Limits().describe() == ""


# -- model errors: which over/guard/effect raised, in which state, with partial statistics ----------------------

@pytest.mark.parametrize("fault, needle", [
    ("guard_raises", "action 'step': the guard of 'step' raised KeyError: 'no such key'; in state n=2"),
    ("effect_raises", "action 'step': the effect of 'step' raised ZeroDivisionError: division by zero in step; "
                      "in state n=2"),
    ("over_raises", "action 'hop': the over= raised IndexError: over= broke; in state n=2"),
    ("returns_none", "action 'step' produced an invalid state: the effect returned None"),
    ("wrong_type", "action 'step' produced an invalid state: the effect returned tuple (3,), not a State"),
    ("out_of_domain", "action 'step' produced an invalid state: n = 7 is outside IntRange(0, 3); from state n=2"),
    ("unhashable", "action 'step' produced an invalid state: n = [3] is outside IntRange(0, 3); from state n=2"),
])
def test_model_errors_name_the_culprit_and_keep_partial_statistics(fault, needle):
    bound = load("faulty").bind(overrides={"fault": fault})
    res, _ = explore_all(bound)
    assert isinstance(res.error, ModelError), res.error
    assert needle in str(res.error), str(res.error)
    assert "faulty.py:" in str(res.error)
    assert res.error.state == bound.State(n=2)
    # n = 0, 1, 2 were found and 0, 1 expanded before the error (faulty.py docstring)
    assert res.distinct == 3 and res.stop_reason == "error" and not res.complete


# -- progress ---------------------------------------------------------------------------------------------------

def test_progress_lines_after_the_delay(monkeypatch):
    clock = iter([0.0, 1.0, 6.0, 6.5, 12.0])
    monkeypatch.setattr("modelcheck.search.core.time.monotonic", lambda: next(clock))
    out = io.StringIO()
    p = Progress(stream=out, after=2.0)          # start = 0
    p.update(10, 1, 5)                           # t=1: too early
    p.update(2000, 3, 50)                        # t=6: first line
    p.update(3000, 3, 50)                        # t=6.5: too soon after the last (not a tty: every 5 s)
    p.update(4000, 4, 10)                        # t=12
    lines = out.getvalue().splitlines()
    assert lines == ["progress: 2,000 states, 333 states/s, depth 3, queue 50",
                     "progress: 4,000 states, 333 states/s, depth 4, queue 10"]
    monkeypatch.undo()
    Progress(stream=out, enabled=False).update(1, 1, 1)
    assert out.getvalue().count("\n") == 2


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_progress_on_a_terminal_and_on_a_dumb_one(monkeypatch):
    """On a terminal one line is rewritten in place (\\r ... ESC[K); TERM=dumb (an editor's shell) gets plain
    lines. The stream is sys.stderr as it is when the Progress is made, not when modelcheck was imported."""
    for term, first in (("xterm", "\rprogress: 1 states"), ("dumb", "progress: 1 states")):
        monkeypatch.setenv("TERM", term)
        out = _Tty()
        monkeypatch.setattr("sys.stderr", out)
        Progress(after=0.0).update(1, 0, 1)
        assert out.getvalue().startswith(first) and ("\033[K" in out.getvalue()) == (term == "xterm")


# -- property tests on random graphs, against networkx -----------------------------------------------------------

def graph_spec(n, edges, init, bad=None, goal=None):
    """A spec whose state is a node of the graph (range(n), edges) and whose action go(dst) follows an edge."""
    E = frozenset(edges)

    class G(Spec):
        def variables(self):
            return {"node": IntRange(0, n - 1)}

        def init(self):
            yield self.State(node=init)

        @action(over=lambda self: range(n), guard=lambda self, s, dst: (s.node, dst) in E)
        def go(self, s, dst):
            return s.set(node=dst)

        if bad is not None:
            @always
            def avoid(self, v):
                return v.node != bad

        if goal is not None:
            @always_possible
            def home(self, v):
                return v.node == goal

    return G.bind()


@st.composite
def graphs(draw, min_nodes=1, max_nodes=8):
    n = draw(st.integers(min_nodes, max_nodes))
    edges = draw(st.sets(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=3 * n))
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    g.add_edges_from(edges)
    return n, edges, g, draw(st.integers(0, n - 1))


@settings(max_examples=60)
@given(graphs())
def test_reachable_set_is_init_and_its_descendants(data):
    n, edges, g, init = data
    bound = graph_spec(n, edges, init)
    res, _ = explore_all(bound)
    reach = {init} | nx.descendants(g, init)
    assert sorted(s.node for s in res.states) == sorted(reach)
    assert res.generated == 1 + sum(g.out_degree(x) for x in reach)


@settings(max_examples=60)
@given(graphs(), st.data())
def test_planted_violation_has_a_shortest_counterexample(data, more):
    n, edges, g, init = data
    bad = more.draw(st.integers(0, n - 1))
    bound = graph_spec(n, edges, init, bad=bad)
    res = explore(bound, compile_properties(bound))
    if bad in ({init} | nx.descendants(g, init)):
        path = res.path(res.found["avoid"])
        assert len(path) - 1 == nx.shortest_path_length(g, init, bad)
        assert path[-1][1].node == bad and all(s.node != bad for _, s in path[:-1])
    else:
        assert "avoid" not in res.found and res.complete


@settings(max_examples=60)
@given(graphs(), st.data())
def test_always_possible_agrees_with_reverse_reachability(data, more):
    n, edges, g, init = data
    goal = more.draw(st.integers(0, n - 1))
    bound = graph_spec(n, edges, init, goal=goal)
    res = explore(bound, compile_properties(bound))
    reach = {init} | nx.descendants(g, init)
    can_reach_goal = {goal} | nx.ancestors(g, goal)
    stuck = reach - can_reach_goal
    assert res.complete
    assert bool(res.stuck) == bool(stuck)
    if stuck:
        assert res.states[res.stuck["home"]].node in stuck


@settings(max_examples=60)
@given(graphs())
def test_deadlock_found_exactly_when_a_reachable_node_has_no_out_edge(data):
    n, edges, g, init = data
    bound = graph_spec(n, edges, init)
    res = explore(bound, compile_properties(bound))
    dead = {x for x in {init} | nx.descendants(g, init) if g.out_degree(x) == 0}
    assert (res.deadlock is not None) == bool(dead)
    if dead:
        assert res.states[res.deadlock].node in dead
        # breadth-first: the reported deadlock is one of the nearest
        near = min(nx.shortest_path_length(g, init, x) for x in dead)
        assert len(res.path(res.deadlock)) - 1 == near


def test_graph_summary_finds_cycles_and_components(in_root):
    """Mutex (N=2): from every state all processes can leave and return to (idle, idle), and from there
    reach every state again, so the 8 states form one strongly connected component; no action leaves a
    state unchanged, so no self-loops. The flagship's phase73/active graph has no cycle (computed, then
    pinned): every run of that cell ends, in an export."""
    from modelcheck.check import check
    from modelcheck.loader import load_spec

    _, mutex = load_spec("specs/mutex.py")
    res = check(mutex.bind(), "specs/mutex.py", out_dir=None, record_edges=True).result
    assert res.graph_summary() == {"sccs": 1, "largest_scc": 8, "nontrivial_sccs": 1, "self_loops": 0,
                                   "acyclic": 0}
    _, rollback = load_spec("specs/rollback.py")
    res = check(rollback.bind("phase73", "active"), "specs/rollback.py", out_dir=None, record_edges=True).result
    summary = res.graph_summary()
    assert summary["acyclic"] == 1 and summary["sccs"] == res.distinct == 417


def test_progress_starts_after_two_seconds_then_every_five_into_a_log(monkeypatch):
    """Runs over two seconds report progress on stderr. Into a log (not a terminal), the first line comes
    once the run passes two seconds, then one every five seconds."""
    import io

    from modelcheck.search import core as explorer

    clock = [100.0]
    monkeypatch.setattr(explorer.time, "monotonic", lambda: clock[0])
    out = io.StringIO()
    p = explorer.Progress(stream=out)
    p.update(10, 1, 5)
    clock[0] += 1.9
    p.update(20, 2, 5)
    assert out.getvalue() == ""                       # under two seconds: silent
    clock[0] += 0.2
    p.update(30, 3, 5)
    assert out.getvalue().count("\n") == 1 and "30 states" in out.getvalue()
    clock[0] += 4.0
    p.update(40, 4, 5)
    assert out.getvalue().count("\n") == 1            # less than five seconds since the last line
    clock[0] += 1.5
    p.update(50, 5, 5)
    assert out.getvalue().count("\n") == 2 and "50 states" in out.getvalue()


def test_ctrl_c_while_importing_exits_3_without_a_traceback(monkeypatch, capsys):
    import builtins

    from modelcheck import __main__ as entry

    real_import = builtins.__import__

    def interrupted(name, *a, **k):
        if name == "cli" or name.endswith(".cli"):
            raise KeyboardInterrupt
        return real_import(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", interrupted)
    assert entry.run() == 3
    assert capsys.readouterr().err == "modelcheck: interrupted before a verdict\n"


# -- the search seam: fingerprints against exact states, limits by time, depth after a stop --------------------

SPECS = ([("specs/" + f, None, None) for f in ("mutex.py", "two_phase_commit.py")]
         + [("specs/mutex.py", "buggy", None), ("specs/rollback.py", "pre73", "active"),
            ("specs/rollback.py", "phase73", "active_latency")]
         + [(n, None, None) for n in ("counter", "faulty", "fixes", "ops", "setorder", "two_bugs",
                                      "two_phase_eager", "viewer_frames", "huge")]
         + [("counter", "stuck", None), ("viewer_frames", "buggy", None), ("fixes", None, "both")])


def _summary(res):
    """Everything a verdict or a table shows: counts, decided ids' path lengths, coverage."""
    length = lambda sid: None if sid is None else len(res.path(sid)) - 1  # noqa: E731
    return {"distinct": res.distinct, "generated": res.generated, "depth": res.depth, "complete": res.complete,
            "stop": res.stop_reason, "found": {k: length(v) for k, v in res.found.items()},
            "deadlock": length(res.deadlock), "stuck": {k: length(v) for k, v in res.stuck.items()},
            "coverage": res.coverage(), "error": str(res.error) if res.error else None}


@pytest.mark.parametrize("stop_early", [True, False])
@pytest.mark.parametrize("spec, variant, scenario", SPECS)
def test_fingerprints_and_exact_states_give_the_same_results(spec, variant, scenario, stop_early):
    """The fingerprint visited set (the default) and exact states find the same counts, the same verdicts
    and counterexamples of the same length, also when the search stops early or at --max-states (the
    batched search is cut where a one-successor-at-a-time search would have stopped)."""
    bound = load(spec).bind(variant, scenario)
    # the state properties only: liveness (the flagship's) needs the graph, which keeps exact states
    props = [p for p in compile_properties(bound) if p.kind in STATE_KINDS]
    limits = Limits(max_states=20_000)
    fp = explore(bound, props, limits, stop_early=stop_early)
    ex = explore(bound, props, limits, stop_early=stop_early, exact=True)
    assert ex.exact and not fp.exact
    assert _summary(fp) == _summary(ex)
    # the states rebuilt by re-executing actions are the exact search's states, in the same order
    assert list(fp.states[:300]) == ex.states[:300]
    assert [fp.state(i) for i in range(0, ex.distinct, max(1, ex.distinct // 7))] == ex.states[::max(1, ex.distinct // 7)]


def test_fingerprints_are_refused_where_hash_collides_by_construction():
    # CPython: hash(-1) == hash(-2), so two states differing only there would always collide
    from modelcheck.search import fingerprint_safe

    class Below(Spec):
        check_deadlock = False

        def variables(self):
            return {"x": IntRange(-2, 1)}

        def init(self):
            yield self.State(x=-2)

        @action(guard=lambda self, s: s.x < 1)
        def up(self, s):
            return s.set(x=s.x + 1)

    assert hash((-1, 0)) == hash((-2, 0))
    assert "hash(-1) == hash(-2)" in fingerprint_safe(Below.bind())
    res = explore(Below.bind(), [], stop_early=False)
    assert res.exact and res.distinct == 4   # exact states kept: -2 and -1 are two states
    assert fingerprint_safe(load("specs/two_phase_commit.py").bind()) == ""


def test_a_slow_guard_does_not_overrun_the_time_limit():
    """Limits are checked by the clock between batches whose size follows the measured speed: with a
    guard taking 20 ms, --max-seconds 0.3 stops well before a check every 1,024 states would (20 s)."""
    import time as _time

    from modelcheck import IntRange, Spec, TupleOf, action, always

    class Slow(Spec):
        check_deadlock = False

        def variables(self):
            return {"c": TupleOf(IntRange(0, 30), 4)}

        def init(self):
            yield self.State(c=(0, 0, 0, 0))

        @action(over=lambda self: range(4), guard=lambda self, s, i: _time.sleep(0.005) or s.c[i] < 30)
        def step(self, s, i):
            return s.set(c=s.c[:i] + (s.c[i] + 1,) + s.c[i + 1:])

        @always
        def fine(self, v):
            return v.c[0] >= 0

    bound = Slow.bind()
    res = explore(bound, compile_properties(bound), Limits(max_seconds=0.3))
    assert res.stop_reason == "time limit --max-seconds 0.3" and not res.complete
    assert res.seconds < 1.5, res.seconds


def test_depth_after_an_early_stop_is_the_deepest_state_found():
    res = _mutual_exclusion_only()
    assert not res.complete and res.stop_reason == "nothing left to decide"
    # the violation is 4 steps deep; its parent's layer (3) was being expanded when the search stopped
    assert res.depth == max(len(res.path(i)) - 1 for i in range(res.distinct)) == 4
    huge = load("huge").bind()
    res = explore(huge, compile_properties(huge), Limits(max_states=100))
    assert res.depth == len(res.path(res.distinct - 1)) - 1 == 4   # 1 + 6 + 21 + 56 = 84 states to depth 3


def test_release_keeps_counts_and_drops_the_states():
    bound = load("specs/two_phase_commit.py").bind()
    res = explore(bound, compile_properties(bound))
    n, cov = res.distinct, res.coverage()
    res.release()
    assert res.distinct == n and res.coverage() == cov and len(res.parent) == 0 and res.lookup is None


def test_the_fingerprint_table_finds_what_it_holds():
    import numpy as np

    from modelcheck.search import FingerprintTable
    rng = np.random.default_rng(7)
    keys = np.unique(rng.integers(-2 ** 63, 2 ** 63 - 1, 50_000, dtype=np.int64)).view(np.uint64)
    rng.shuffle(keys)
    t = FingerprintTable()
    for k in range(0, len(keys), 997):  # batches, in several merged runs
        t.insert(keys[k:k + 997], np.arange(k, min(k + 997, len(keys)), dtype=np.int32))
    assert len(t) == len(keys) and len(t.runs) < 20 and t.nbytes == 12 * len(keys)
    assert (t.lookup(keys) == np.arange(len(keys))).all()
    absent = np.setdiff1d(rng.integers(-2 ** 63, 2 ** 63 - 1, 1000, dtype=np.int64).view(np.uint64), keys)
    assert (t.lookup(absent) == -1).all()


# -- parallel: forked workers give the results of one process -------------------------------------------------
# Every spec above is explored with 1 and 2 workers and compared (counts, depth, stop reason, the length of
# every counterexample, witness, deadlock and always_possible trace, coverage, and the BFS tree itself).
# PARALLEL_FROM = 1 moves even the toys to the workers at their first layer.

@pytest.mark.parametrize("stop_early", [True, False])
@pytest.mark.parametrize("spec, variant, scenario", SPECS + [("symmetric", None, None)])
def test_two_workers_give_the_results_of_one(spec, variant, scenario, stop_early, monkeypatch):
    from modelcheck.search import parallel
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 1)
    bound = load(spec).bind(variant, scenario)
    # the state properties only: liveness (the flagship's) needs the graph, and a search that keeps it
    # stays in one process
    props = [p for p in compile_properties(bound) if p.kind in STATE_KINDS]
    limits = Limits(max_states=20_000)   # huge.py never ends: both stop at the same state
    one = explore(bound, props, limits, stop_early=stop_early)
    two = explore(bound, props, limits, stop_early=stop_early, workers=2)
    assert one.workers == 1 and two.workers == 2
    assert _summary(two) == _summary(one)
    assert list(two.parent) == list(one.parent) and list(two.label) == list(one.label) and two.labels == one.labels


def test_three_workers_and_rebalanced_layers_on_two_phase_commit(monkeypatch):
    from modelcheck.search import parallel
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 1)
    bound = load("specs/two_phase_commit.py").bind(overrides={"RMs": 5})
    res = explore(bound, compile_properties(bound), stop_early=False, workers=3)
    assert (res.distinct, res.generated, res.workers, res.complete) == (8832, 58146, 3, True)  # as one process


@pytest.mark.parametrize("fault", ["guard_raises", "effect_raises", "returns_none", "wrong_type", "out_of_domain",
                                   "unhashable", "over_raises", "violated_then_raises"])
def test_a_model_error_in_a_worker_is_reported_as_in_one_process(fault, monkeypatch):
    from modelcheck.search import parallel
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 1)
    bound = load("faulty").bind(overrides={"fault": fault})
    props = compile_properties(bound)
    one = explore(bound, props, stop_early=False)
    two = explore(bound, props, stop_early=False, workers=2)
    assert one.error is not None and str(two.error) == str(one.error)
    assert _summary(two) == _summary(one)
