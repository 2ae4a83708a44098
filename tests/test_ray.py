"""The search on a Ray cluster (`verify --ray`): the results of one process, on a local cluster.

In-process tests start one local cluster for the module (two actors on this 2-core machine) and move
the search to it at its first layer (PARALLEL_FROM = 1); the CLI tests start their own, with the real
hand-over threshold (a layer of 2,000 states). Ray is installed by the test extra.
"""
import functools
import os
import subprocess
import sys

import pytest

from modelcheck.check import rebuild_cell
from modelcheck.cli import main
from modelcheck.explorer import Limits, explore
from modelcheck.search import ray_backend
from modelcheck.spec import STATE_KINDS
from modelcheck.z3bridge import compile_properties

from conftest import ROOT, load
from test_explorer import _summary


@pytest.fixture(scope="module")
def cluster():
    ray = ray_backend.connect(None)
    yield ray
    ray.shutdown()


def _plan(spec, bound, symmetric=False):
    return ray_backend.RayPlan(None, functools.partial(rebuild_cell, os.path.join(ROOT, spec), bound.cls.__name__,
                                                       dict(bound.params), bound.variant, bound.scenario, symmetric))


def test_a_flagship_cell_on_ray_gives_the_results_of_one_process(cluster, monkeypatch):
    """pre73/active_latency, every state: 2,268 states, three violations (shortest counterexamples of 18, 18
    and 21 steps) and a `sometimes` witness; on the actors, the same counts, verdicts, path lengths,
    coverage and BFS tree."""
    from modelcheck.search import parallel
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 1)
    spec = "specs/rollback.py"
    bound = load(spec).bind("pre73", "active_latency")
    # the state properties only: step and liveness properties need the whole graph, hence exact states in
    # one process (a usage error with --ray)
    props = [p for p in compile_properties(bound) if p.kind in STATE_KINDS]
    one = explore(bound, props, stop_early=False)
    on_ray = explore(bound, props, stop_early=False, ray=_plan(spec, bound))
    assert on_ray.messages["actors"] == cluster.cluster_resources()["CPU"] and on_ray.messages["batches"] > 0
    assert on_ray.workers == on_ray.messages["actors"] and one.workers == 1
    assert _summary(on_ray) == _summary(one)
    assert list(on_ray.parent) == list(one.parent) and list(on_ray.label) == list(one.label)
    assert one.complete and one.distinct == 2268   # the README matrix's pre73/active_latency row
    assert {k: len(one.path(i)) - 1 for k, i in one.found.items()} == {
        "canonical_truthful": 18, "export_truthful": 18, "export_rows_exact": 21, "rollback_corrects": 9}
    # every fingerprint went to exactly one owner (the initial state's at the hand-over, the others per layer)
    assert on_ray.messages["fingerprints_sent"] == one.distinct == sum(on_ray.messages["owned"])


def test_a_limit_stops_the_ray_search_where_one_process_stops(cluster, monkeypatch):
    from modelcheck.search import parallel
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 1)
    spec = "tests/specs/huge.py"   # never ends
    bound = load(spec).bind()
    props = compile_properties(bound)
    one = explore(bound, props, Limits(max_states=3_000))
    on_ray = explore(bound, props, Limits(max_states=3_000), ray=_plan(spec, bound))
    assert _summary(on_ray) == _summary(one) and not one.complete and one.distinct == 3_000


def test_a_model_error_on_an_actor_is_reported_as_in_one_process(cluster, monkeypatch):
    from modelcheck.search import parallel
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 1)
    spec = "tests/specs/faulty.py"
    bound = load(spec).bind(overrides={"fault": "out_of_domain"})
    props = compile_properties(bound)
    one = explore(bound, props, stop_early=False)
    on_ray = explore(bound, props, stop_early=False, ray=_plan(spec, bound))
    assert one.error is not None and str(on_ray.error) == str(one.error)
    assert _summary(on_ray) == _summary(one)


def _verify(*args):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONHASHSEED"}
    p = subprocess.run([sys.executable, "-m", "modelcheck", "verify", *args], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=600)
    stats = [ln for ln in p.stderr.splitlines() if ln.startswith("statistics:")]
    return p.returncode, p.stdout, stats[-1] if stats else p.stderr


def test_verify_ray_on_two_phase_commit_gives_the_one_process_verdicts():
    """Two-phase commit at 6 managers, every state (layers past 2,000: the search moves to the actors).
    Its states hold strings: `--ray` fixes PYTHONHASHSEED for this process and the actors. The figures
    pinned are those `verify specs/two_phase_commit.py -p RMs=6 --no-reduction --workers 1` prints (one
    process): 50,816 distinct states, 402,306 generated, depth 19, a witness of all_committed in 19 steps."""
    code, out, stats = _verify("specs/two_phase_commit.py", "-p", "RMs=6", "--no-reduction", "--ray")
    assert code == 0 and "always consistent: VERIFIED (all 50,816 reachable states, depth 19;" in out
    assert "sometimes all_committed: VERIFIED (witness in 19 steps; params RMs=6)" in out
    assert stats.startswith("statistics: 50,816 distinct states, 402,306 generated, depth 19,") and \
        f"; Ray: {os.cpu_count()} actors on 1 host(s)" in stats, stats


def test_without_ray_installed_ray_is_a_one_line_usage_error(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)   # import ray raises ImportError
    code = main(["verify", "specs/mutex.py", "--ray"])
    err = capsys.readouterr().err
    assert code == 2 and err.strip().splitlines() == ["modelcheck: usage error: --ray needs Ray: pip install 'modelcheck[ray]'"]
