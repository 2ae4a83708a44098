"""State-space search behind one seam: `explore(bound, properties, ...)` returns a `Result`.

Strategies differ only in how they generate and deduplicate states; property checking, limits,
progress and the result are shared (`core`). Breadth-first search (`bfs`) with exact states or 64-bit
fingerprints (`visited`), in one process or continued on forked workers (`parallel`).
"""
from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, Callable

from ..spec import STATE_KINDS, BoundSpec, UsageError
from ..z3bridge import CompiledProperty
from .bfs import bfs
from . import parallel
from .core import Budget, Limits, ModelError, Progress, PropertyTracker, Result, canonical_successors, current_rss_mb, \
    fingerprint, make_expander, make_successors
from .visited import FingerprintTable, fingerprint_safe

if TYPE_CHECKING:
    from .ray_backend import RayPlan

__all__ = ["explore", "Limits", "Progress", "Result", "ModelError", "make_successors", "fingerprint", "Budget",
           "PropertyTracker", "FingerprintTable", "fingerprint_safe", "current_rss_mb", "state_storage"]


def state_storage(bound: BoundSpec, *, exact: bool = False, record_edges: bool = False,
                  all_violations: bool = False) -> tuple[bool, str]:
    """(keep exact states?, why) for a search of `bound` with these features."""
    if exact:
        return True, "exact states requested"
    if record_edges:
        return True, "the state graph needs its states"
    if all_violations:
        return True, "grouping every violation needs the states"
    why = fingerprint_safe(bound)
    if why:
        return True, why
    return False, "64-bit fingerprints"


def explore(bound: BoundSpec, properties: list[CompiledProperty], limits: Limits | None = None,
            progress: Progress | None = None, record_edges: bool = False,
            stop_early: bool = True, all_violations: bool = False,
            successors: tuple[Callable[[Any], list], list] | None = None, exact: bool = False,
            canonical: Callable[[Any], Any] | None = None, workers: int = 1,
            ample: Callable[[Any, list, Callable[[Any], bool]], list] | None = None,
            ray: "RayPlan | None" = None) -> Result:
    """Explore every reachable state breadth-first and check every property.

    With `stop_early`, the search stops as soon as no verdict can change any more (every `always`
    violated, every `sometimes` witnessed, a deadlock found or not checked, and no `always_possible`).
    With `all_violations`, every state is checked against every `always` property and the ids of all
    violating states are kept in `Result.violating` (the search then runs to the end).
    `successors` replaces the generated successor function (the ablation shares one between runs).
    The visited set holds 64-bit fingerprints unless `exact`, `record_edges` or `all_violations` asks
    for the states, or the spec's domains make fingerprints unsound (`fingerprint_safe`).
    `canonical` maps every state to the representative of its symmetry orbit before it is deduplicated
    (modelcheck.reduce.symmetry): the search then stores one state per orbit.
    `ample(s, succ, old)` keeps a subset of s's successors (partial-order reduction, modelcheck.reduce.por);
    `old(t)` says whether t was discovered at the current depth or above (the BFS cycle proviso); it needs
    state ids, so exact states are kept.
    With `workers` > 1, a search with fingerprints continues on that many forked processes once a BFS
    layer holds `parallel.PARALLEL_FROM` (2,000) states; its counts, verdicts and counterexample lengths
    are those of one process. A custom `successors` keeps the search in one process.
    With `ray` (a `ray_backend.RayPlan`), the search continues on the actors of a Ray cluster instead, from
    the same layer and with the same results; it needs fingerprints and the generated successors.
    """
    limits = limits or Limits()
    # step and liveness properties are checked after the search on the whole graph (steps.py, liveness.py)
    record_edges = record_edges or any(p.kind not in STATE_KINDS for p in properties)
    keep, _why = state_storage(bound, exact=exact or ample is not None, record_edges=record_edges,
                               all_violations=all_violations)
    register = None
    if successors is not None:
        succ, expand = successors, None
    else:
        fn, expand, labels, register = make_expander(bound)
        succ = (fn, labels)
    initial = bound.initial_states()
    if canonical is not None:
        succ, expand = (canonical_successors(succ[0], canonical, bound.valid), succ[1]), None
        initial = list(dict.fromkeys(canonical(s) for s in initial))
    handoff = None
    if ray is not None:
        from . import ray_backend  # Ray is an optional extra, imported only when asked for
        if keep:
            raise UsageError(f"--ray needs 64-bit fingerprints, and this search keeps exact states: {_why}")
        if successors is not None:
            raise UsageError("--ray runs the spec's own successor function: not with a shared one (ablate) "
                             "or partial-order reduction")
        ray_backend.connect(ray.address)
        handoff = functools.partial(ray_backend.continue_on_ray, plan=ray, register=register)
    elif workers > 1 and not keep and register is not None:
        handoff = functools.partial(parallel.continue_parallel, workers=workers, register=register)
    return bfs(bound, properties, limits, progress, succ, initial, expand=expand, exact=keep, handoff=handoff,
               handoff_from=parallel.PARALLEL_FROM, record_edges=record_edges, stop_early=stop_early,
               all_violations=all_violations, ample=ample)

