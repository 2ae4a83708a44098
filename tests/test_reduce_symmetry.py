"""Symmetry reduction (modelcheck/reduce/symmetry.py): the canonical form is exact (one state per orbit,
checked against brute force), unsound declarations are refused, and counterexamples found on
representatives are real traces of the unreduced spec."""
import itertools
import os

import pytest

from modelcheck.check import VERIFIED, VIOLATED, check
from modelcheck.explorer import explore
from modelcheck.reduce import symmetry as S
from modelcheck.spec import SpecError
from modelcheck.trace import load as load_trace, replay
from modelcheck.z3bridge import compile_properties

from conftest import ROOT, load, toy

TWO_PHASE = os.path.join(ROOT, "specs", "two_phase_commit.py")
CASES = [(TWO_PHASE, None, {"RMs": n}) for n in (2, 3, 4)] + \
        [(toy("symmetric"), v, {"N": n}) for v in (None, "buggy") for n in (2, 3, 4)]


def _full(bound):
    return explore(bound, compile_properties(bound), stop_early=False)


@pytest.mark.parametrize("spec, variant, params", CASES, ids=[f"{os.path.basename(c[0])}-{c[1]}-{c[2]}" for c in CASES])
def test_canonical_form_is_exact_against_brute_force(spec, variant, params):
    bound = load(spec).bind(variant, overrides=params)
    full = _full(bound)
    canon = S.compile_symmetry(bound)
    # orbits by brute force: the set of all n! renamings of each reachable state
    perms = list(itertools.permutations(range(canon.n)))
    orbits = {frozenset(canon.apply(s, p) for p in perms) for s in full.states}
    reps = {canon.canonical(s) for s in full.states}
    assert len(reps) == len(orbits)
    assert all(canon.canonical(s) in orbit for orbit in orbits for s in orbit)  # the form lies in its orbit
    # the reduced search stores exactly one state per orbit, and reaches every orbit
    red = check(bound, spec, out_dir=None, reduce=True)
    assert red.reductions == ["symmetry " + canon.sym.name]
    assert set(red.result.states) == reps
    # and every verdict is the same as without reduction
    plain = check(bound, spec, out_dir=None)
    assert [(v.property, v.verdict, v.steps) for v in red.verdicts] == \
           [(v.property, v.verdict, v.steps) for v in plain.verdicts]


# Orbits of two-phase commit under permutations of the resource managers, computed by this engine (the
# brute-force test above confirms the canonical form for 2..4 managers); depth as without reduction.
TWO_PHASE_ORBITS = {3: (80, 10), 4: (166, 13), 5: (314, 16), 6: (553, 19), 7: (920, 22)}


@pytest.mark.parametrize("n", sorted(TWO_PHASE_ORBITS))
def test_two_phase_commit_orbit_counts(n):
    bound = load(TWO_PHASE).bind(overrides={"RMs": n})
    rep = check(bound, TWO_PHASE, out_dir=None, reduce=True)
    assert rep.result.complete and (rep.result.distinct, rep.result.depth) == TWO_PHASE_ORBITS[n]
    assert [v.verdict for v in rep.verdicts] == [VERIFIED, VERIFIED]
    assert "all %d reachable states up to symmetry RM" % TWO_PHASE_ORBITS[n][0] in rep.verdicts[0].line("x")


def test_actions_commute_with_the_declared_symmetry():
    for spec, params in ((TWO_PHASE, {"RMs": 3}), (toy("symmetric"), {"N": 3, "checks": False})):
        bound = load(spec).bind(overrides=params)
        S.check_transitions(S.compile_symmetry(bound), _full(bound).states)


def test_asymmetric_actions_are_caught_on_the_explored_states():
    bound = load(toy("symmetric")).bind(overrides={"skewed": True})
    with pytest.raises(SpecError, match="actions are not symmetric in P"):
        S.check_transitions(S.compile_symmetry(bound), _full(bound).states)


def test_verify_samples_the_actions_against_the_symmetry(cli):
    code, out, err = cli("verify", toy("symmetric"), "-p", "skewed=true")
    assert code == 2 and "actions are not symmetric in P" in err


def test_an_asymmetric_property_is_an_error_naming_it(cli):
    code, out, err = cli("verify", toy("symmetric"), "-p", "asym=true")
    assert code == 2 and "always zero_never_critical is not symmetric in P" in err
    # without reduction the same spec is checked as usual
    code, out, err = cli("verify", toy("symmetric"), "-p", "asym=true", "--no-reduction", "--out", "/dev/null/x")
    assert "zero_never_critical: VIOLATED" in out


def test_asymmetric_initial_states_are_an_error(cli):
    code, out, err = cli("verify", toy("symmetric"), "-p", "oneinit=true")
    assert code == 2 and "initial states are not symmetric in P" in err


@pytest.mark.parametrize("decl, needle", [
    (lambda self: S.Symmetry("P", range(self.N), nosuch=S.Index()), "not a variable"),
    (lambda self: S.Symmetry("P", range(self.N), holder=S.Index()), "needs a TupleOf"),
    (lambda self: S.Symmetry("P", range(self.N), pc=S.Members()), "needs a SetOf"),
    (lambda self: S.Symmetry("P", [0], pc=S.Index()), "at least two values"),
    (lambda self: "RM", "must return a Symmetry"),
])
def test_bad_declarations_are_spec_errors(decl, needle):
    cls = type("Bad", (load(toy("symmetric")),), {"symmetry": decl})
    with pytest.raises(SpecError, match=needle):
        S.compile_symmetry(cls.bind())


@pytest.mark.parametrize("spec, variant, prop", [(toy("symmetric"), "buggy", "mutual_exclusion"),
                                                 (toy("two_phase_eager"), None, "consistent")])
def test_counterexample_on_representatives_is_a_real_shortest_trace(cli, tmp_path, spec, variant, prop):
    args = ["--variant", variant] if variant else []
    code, out, err = cli("verify", spec, *args, "--out", tmp_path / "red")
    assert code == 1
    code2, out2, _ = cli("verify", spec, *args, "--out", tmp_path / "full", "--no-reduction")
    name = [f for f in os.listdir(tmp_path / "red") if f.endswith(f".{prop}.json")][0]
    tr = load_trace(str(tmp_path / "red" / name))
    full = load_trace(str(tmp_path / "full" / name))
    bound = load(spec).bind(variant)
    states = replay(bound, tr).states  # replays under the unreduced spec, action by action
    canon = S.compile_symmetry(bound)
    assert any(canon.canonical(s) != s for s in states)  # the mapping back did rename something
    prop_ = next(p for p in compile_properties(bound) if p.name == prop)
    assert not prop_.holds(states[-1])
    assert tr.length == full.length  # symmetry keeps BFS order: still a shortest counterexample
    code, out, err = cli("show", tmp_path / "red" / name)
    assert code == 0 and all(st.action in out for st in tr.steps[1:])
    if variant:  # the fixed lock server never grants a held lock: the trace stops at that grant
        code, out, err = cli("explain", tmp_path / "red" / name, "--variant", "fixed")
        assert code == 0 and "not possible under fixed" in out, out + err


COLOURS = [(toy("colours"), None, {"N": n}) for n in (2, 3, 4)]


@pytest.mark.parametrize("spec, variant, params", COLOURS, ids=[f"colours-{c[2]['N']}" for c in COLOURS])
def test_values_places_canonical_form_is_exact(spec, variant, params):
    test_canonical_form_is_exact_against_brute_force(spec, variant, params)
    bound = load(spec).bind(variant, overrides=params)
    S.check_transitions(S.compile_symmetry(bound), _full(bound).states)


def test_values_asymmetric_property_is_an_error(cli):
    code, out, err = cli("verify", toy("colours"), "-p", "asym=true")
    assert code == 2 and "always never_one is not symmetric in colour" in err


def test_values_refuses_a_set_of_values():
    cls = type("Bad", (load(toy("symmetric")),),
               {"symmetry": lambda self: S.Symmetry("P", range(self.N), requests=S.Values())})
    with pytest.raises(SpecError, match="set whose atoms hold values is not supported inside Values"):
        S.compile_symmetry(cls.bind())
