"""The symbolic engine (modelcheck/symbolic) against the explicit one, on the same specs."""
import os

import pytest

import modelcheck.cli  # noqa: F401  (imported before capsys replaces stderr: explorer.Progress binds it at import)
from conftest import ROOT, load
from modelcheck.check import VIOLATED, check
from modelcheck.loader import load_spec
from modelcheck.spec import StepError
from modelcheck.symbolic.encode import NotTranslatable, Successors, encode
from modelcheck.symbolic.prove import Deadlock, bmc
from modelcheck.z3bridge import compile_properties

# (spec, variant, parameters): small parameters so that every reachable state is cross-checked quickly
CELLS = [
    ("specs/two_phase_commit.py", None, {"RMs": 3}),
    ("specs/mutex.py", "buggy", {}),
    ("specs/mutex.py", "fixed", {"N": 3}),
    ("tests/specs/counter.py", None, {}),
    ("tests/specs/counter.py", "stuck", {}),
    ("tests/specs/ops.py", None, {}),
    ("tests/specs/setorder.py", None, {"starts": True}),
    ("tests/specs/two_bugs.py", None, {}),
    ("tests/specs/two_phase_eager.py", None, {"RMs": 2}),
    ("tests/specs/viewer_frames.py", "buggy", {}),
    ("tests/specs/viewer_lanes.py::Chat", None, {}),
    ("tests/specs/viewer_lanes.py::Plain", None, {}),
    ("tests/specs/constrained.py", None, {}),
    ("tests/specs/constrained.py", None, {"L": 10}),
    ("tests/specs/values.py", None, {}),
    ("tests/specs/fixes.py", None, {"mode": 1}),
    ("tests/specs/colours.py", None, {}),
    ("tests/specs/colours.py", None, {"N": 3}),
    ("tests/specs/workers.py", None, {}),
    ("tests/specs/workers.py", "racy", {}),
    ("tests/specs/symmetric.py", None, {}),
    ("tests/specs/sweep.py", None, {}),
    ("tests/specs/faulty.py", None, {}),
    ("tests/specs/faulty.py", None, {"fault": "effect_raises"}),
    ("tests/specs/faulty.py", None, {"fault": "out_of_domain"}),
    ("tests/specs/faulty.py", None, {"fault": "guard_raises"}),
]


def explicit_graph(bound, limit=5000):
    """Every reachable state with its explicit successors (None where a step raises or leaves the domains)."""
    seen = {s: None for s in bound.initial_states() if bound.in_constraints(s)}
    todo = list(seen)
    while todo:
        s = todo.pop()
        try:
            succ = {bound.apply(a, s, args) for a, args in bound.enabled(s)}
        except StepError:
            seen[s] = None
            continue
        if not all(bound.valid(t) for t in succ):
            seen[s] = None
            continue
        succ = {t for t in succ if bound.in_constraints(t)}  # outside a @constraint: not explored
        seen[s] = succ
        for t in succ:
            if t not in seen:
                seen[t] = None
                todo.append(t)
        assert len(seen) < limit
    return seen


@pytest.mark.parametrize("path,variant,params", CELLS, ids=lambda x: str(x))
def test_z3_successors_equal_explicit_successors(path, variant, params):
    cls = load_spec(os.path.join(ROOT, path))[1]
    bound = cls.bind(variant, None, {k: str(v) if isinstance(v, str) else v for k, v in params.items()})
    z3_successors = Successors(encode(bound))
    graph = explicit_graph(bound)
    assert len(graph) > 1
    errors = 0
    sample = list(graph.items())
    sample = sample[::max(1, len(sample) // 200)]   # at most about 200 states per cell, spread over the graph
    for s, succ in sample:
        got, err = z3_successors(s)
        if succ is None:  # the explicit engine reports a model error here: Z3 must say so too
            errors += 1
            assert err, s
        else:
            assert not err, s
            assert got == succ, (s, got ^ succ)
    assert (errors > 0) == (params.get("fault", "none") != "none")


@pytest.mark.parametrize("path,variant,params", [c for c in CELLS if "fault" not in c[2]], ids=lambda x: str(x))
def test_bmc_shortest_counterexamples_equal_bfs(path, variant, params):
    cls = load_spec(os.path.join(ROOT, path))[1]
    bound = cls.bind(variant, None, params)
    report = check(bound, path, out_dir=None)
    depth = report.result.depth
    compiled = compile_properties(bound)
    props = [p for p in compiled if p.kind == "always"]
    if bound.cls.check_deadlock:
        props.append(Deadlock([p.formula for p in compiled if p.kind == "terminal"]))
    enc = encode(bound)
    enc.add_leaves(compiled.leaves, compiled.ns)
    got = bmc(enc, props, depth + 1)
    compared = []
    for v in report.verdicts:
        if v.kind not in ("always", "deadlock"):
            continue
        o = got[v.property]
        if v.verdict == VIOLATED:
            assert (o.verdict, o.steps) == (VIOLATED, v.steps), v.property
            compared.append(v.property)
        else:  # VERIFIED over every reachable state, all within `depth` steps
            assert o.verdict != VIOLATED
    assert got["<model error>"].verdict != VIOLATED
    if (path, variant) == ("tests/specs/counter.py", "stuck"):
        assert compared == ["below_top", "deadlock_free"]  # x = 3 is a deadlock, 3 steps from x = 0


def test_a_construct_outside_the_subset_names_the_action_and_line():
    cls = load("unsupported")
    with pytest.raises(NotTranslatable) as e:
        encode(cls.bind())
    msg = str(e.value)
    assert msg.startswith("action square (")
    assert "unsupported.py:26" in msg and "TypeError" in msg


# -- prove: bmc and k-induction on toy specs with hand-derived answers (tests/specs/induct.py) -----------------

def _prove(cli, cls, *how):
    return cli("prove", f"tests/specs/induct.py::{cls}", *how, "--quiet")


def test_an_inductive_invariant_is_proved_by_1_induction(cli):
    code, out, _ = _prove(cli, "Lockstep", "--induction", "1")
    assert code == 0
    assert "always equal: PROVED (1-induction; every reachable state; params none)" in out


def test_an_invariant_that_needs_k_2(cli, tmp_path):
    code, out, _ = _prove(cli, "Shift", "--induction", "1")
    assert code == 3
    assert "always x_zero: UNKNOWN (1-induction: a counterexample to induction of 1 step" in out
    assert "x = 0" in out and "y = 1" in out and "x: 0 → 1" in out.replace(" -> ", " → ")  # the CTI, in the viewer
    page = tmp_path / "cti.html"
    code, _, _ = _prove(cli, "Shift", "--induction", "1", "--cti-html", page)
    assert code == 3 and "(any such state)" in page.read_text() and "x_zero" in page.read_text()
    code, out, _ = _prove(cli, "Shift", "--induction", "2")
    assert code == 0 and "always x_zero: PROVED (2-induction;" in out


def test_an_invariant_that_needs_a_helper(cli):
    code, out, _ = _prove(cli, "ClimbAlone", "--induction", "1")
    assert code == 3 and "always top_together: UNKNOWN (1-induction" in out
    code, out, _ = _prove(cli, "Climb", "--induction", "1")
    assert code == 0
    assert "always top_together: PROVED (1-induction; helper invariants: same (declared);" in out
    assert "always same: PROVED (1-induction;" in out  # the helper is checked like the rest


def test_a_violation_at_depth_5_bmc_and_bfs_agree(cli, tmp_path):
    code, out, _ = cli("prove", "tests/specs/induct.py::Deep", "--bmc", "6", "--out", tmp_path, "--quiet")
    assert code == 1
    assert "always not_five: VIOLATED in 5 steps (bmc, shortest" in out
    from modelcheck.trace import load, replay
    from modelcheck.loader import load_spec
    tr = load(str(tmp_path / "induct.not_five.bmc.json"))
    bound = load_spec(os.path.join(ROOT, "tests/specs/induct.py::Deep"))[1].bind()
    assert [s.x for s in replay(bound, tr).states] == [0, 1, 2, 3, 4, 5]
    code, out, err = cli("verify", "tests/specs/induct.py::Deep", "--out", tmp_path, "--quiet")
    assert code == 1 and "always not_five: VIOLATED in 5 steps" in out, err
    code, out, _ = _prove(cli, "Deep", "--bmc", "4")
    assert code == 3
    assert "always not_five: UNKNOWN (bmc: no violation within 4 steps; longer loop-free paths exist" in out


def test_prove_refuses_a_spec_outside_the_subset(cli):
    code, _, err = cli("prove", "tests/specs/unsupported.py", "--bmc", "3")
    assert code == 2
    assert "not translatable: action square (" in err and "unsupported.py:26" in err


# -- helper invariants found by the harness (Houdini) ---------------------------------------------------------

def test_two_phase_commit_needs_helpers_and_houdini_finds_them(cli):
    code, out, _ = cli("prove", "two_phase_commit", "-p", "RMs=6", "--induction", "1", "--quiet")
    assert code == 3 and "always consistent: UNKNOWN (1-induction" in out
    code, out, err = cli("prove", "two_phase_commit", "-p", "RMs=6", "--induction", "1", "--mine", "--property", "consistent")
    assert code == 0, out + err
    line = next(x for x in out.splitlines() if "always consistent" in x)
    assert line.startswith("specs/two_phase_commit.py: always consistent: PROVED (1-induction; helper invariants: ")
    assert "mined and proved inductive by Houdini" in line and "params RMs=6" in line
    assert "mined 45 candidate helper invariants at RMs=3" in err  # the spec's default RMs=3 is the small instance


def test_mined_candidates_hold_on_every_reachable_state_of_the_small_instance():
    from modelcheck.symbolic.houdini import instantiate, mine, reachable

    bound = load(os.path.join(ROOT, "specs/two_phase_commit.py")).bind(None, None, {"RMs": 3})
    cands = mine(bound)
    inst = instantiate(cands, bound)
    enc = encode(bound)
    import z3
    lay = enc.layout(0)
    broken = z3.Not(z3.And([enc.prop(f, lay) for _, _, f in inst]))
    for s in reachable(bound):
        solver = z3.Solver()
        solver.add(lay.concrete(s), broken)
        assert solver.check() == z3.unsat


def test_induction_base_case_reports_a_real_violation(cli, tmp_path):
    code, out, _ = cli("prove", "tests/specs/two_phase_eager.py", "-p", "RMs=3", "--induction", "4", "--out", tmp_path,
                       "--quiet")
    assert code == 1
    assert "always consistent: VIOLATED in 3 steps (bmc, shortest" in out
    assert (tmp_path / "two_phase_eager.consistent.bmc.json").exists()


def test_houdini_never_proves_a_violated_property(cli):
    # two_phase_eager violates consistent in 3 steps; 1-induction's base case (depth 0) cannot see it
    code, out, _ = cli("prove", "tests/specs/two_phase_eager.py", "-p", "RMs=3", "--induction", "1", "--mine",
                       "--quiet")
    assert code == 3
    assert "always consistent: UNKNOWN (1-induction: a counterexample to induction" in out


def test_prove_cross_checks_the_translation_and_refuses_a_silent_divergence(cli):
    code, _, err = cli("prove", "tests/specs/silent.py", "--bmc", "3")
    assert code == 2
    assert "not translatable: Z3's successors of the reachable state State(x=0) differ from the explicit ones" in err


def test_prove_says_which_properties_it_does_not_decide(cli):
    # two_phase_commit has `always consistent` and `sometimes all_committed`: prove decides the first only
    code, out, _ = cli("prove", "two_phase_commit", "--induction", "1", "--mine", "--quiet")
    assert code == 3, out
    assert ("specs/two_phase_commit.py: sometimes all_committed: NOT DECIDED (prove decides always properties and "
            "deadlock freedom only; check it with `modelcheck verify`)") in out
    assert "always consistent: PROVED" in out
    code, out, _ = cli("prove", "two_phase_commit", "--induction", "1", "--mine", "--property", "consistent", "--quiet")
    assert code == 0 and "NOT DECIDED" not in out and "always consistent: PROVED" in out
    code, out, _ = cli("prove", "tests/specs/counter.py", "--bmc", "4", "--property", "can_restart", "--quiet")
    assert code == 3 and "always_possible can_restart: NOT DECIDED" in out
    code, _, err = cli("prove", "two_phase_commit", "--bmc", "2", "--property", "nope")
    assert code == 2 and "--property nope: TwoPhase has no such property (it has: consistent, all_committed)" in err


# -- path merging (modelcheck/symbolic/merge.py) ----------------------------------------------------------

def test_independent_ifs_join_into_one_branch():
    # sweep tests 12 cells with independent ifs: 4,096 paths run one by one (over the 2,000 an action may
    # have: main before merge.py said not translatable); joined, one branch
    bound = load(os.path.join(ROOT, "tests/specs/sweep.py")).bind(None, None, {"N": 12})
    enc = encode(bound)
    assert [b.action.name for b in enc.branches].count("sweep") == 1
    assert not enc.errors


def _transition(bound, only):
    import z3
    enc = encode(bound, only=only)
    nxt = enc.layout("n")
    return enc, z3.Or([z3.And(b.cond, nxt.equals(b.value)[0], nxt.equals(b.value)[1]) for b in enc.branches]
                      + [z3.And(c, z3.Bool("raises")) for _, c in enc.errors])


def test_reusing_joined_calls_gives_the_same_transitions():
    import z3
    from modelcheck.symbolic import merge
    bound = load(os.path.join(ROOT, "specs/rollback.py")).bind("phase73", "idle", {})
    only = {"step_confirm_hash"}   # its calls repeat along the re-runs: the memo is used
    enc, with_memo = _transition(bound, only)
    merge.MEMO = False
    try:
        _, without = _transition(bound, only)
    finally:
        merge.MEMO = True
    s = z3.Solver()
    s.add(*enc.cur.domain, with_memo != without)
    assert s.check() == z3.unsat


FLAGSHIP_ACTIONS = ["step_rollback_y1", "step_confirm_hash", "step_snapshot", "step_worker_step",
                    "confirm_wait_timeout", "confirm_rollback_y1"]


def test_flagship_actions_that_translate_agree_with_the_explicit_engine():
    # some of the flagship's actions that translate in seconds (docs/symbolic.md lists them all): Z3's
    # successors by these actions equal the explicit ones on every reachable state of phase73/idle
    bound = load(os.path.join(ROOT, "specs/rollback.py")).bind("phase73", "idle", {})
    graph = explicit_graph(bound, limit=1000)
    names = [a.name for a in bound.actions if a.name in FLAGSHIP_ACTIONS]
    enc = encode(bound, only=set(names))
    z3_successors = Successors(enc)
    compared = 0
    for s in graph:
        explicit = {bound.apply(a, s, args) for a, args in bound.enabled(s) if a.name in names}
        got, err = z3_successors(s)
        assert not err, s
        assert got == explicit, (s, got ^ explicit)
        compared += len(explicit)
    assert compared > 0
