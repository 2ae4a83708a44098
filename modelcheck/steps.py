"""Step properties (`@always_step`, TLA+'s `[][A]_v`) and refinement (`@refines`): a pass over the explored
state graph's edges (and, for a refinement, its initial states).

Every recorded transition from a state s to a different state t must satisfy the formula over (s, t); a
transition that changes nothing is a stutter, which `[][A]_v` always allows. Edges are recorded in the
order their source states were expanded (breadth-first), so the first violating edge found has a source
nearest an initial state: the counterexample (the path to the source, then the bad step) is shortest.
"""
from __future__ import annotations

from typing import Any, NamedTuple

from .explorer import ModelError, Result
from .z3bridge import CompiledProperty

__all__ = ["StepViolation", "step_violations", "step_path", "initial_violations"]

STEP_KINDS = ("always_step", "refines")   # a check of every step s -> t with s != t


class StepViolation(NamedTuple):
    """A transition that breaks a step property: source and target state ids, and its label id."""
    src: int
    dst: int
    lid: int


def step_violations(res: Result, props: list[CompiledProperty]) -> dict[str, StepViolation]:
    """For each `always_step` and `refines` property in `props`, its first violating transition in `res`'s
    recorded edges (none: the property holds on every recorded transition). A formula or a refinement
    mapping that raises is a ModelError."""
    steps = [p for p in props if p.kind in STEP_KINDS]
    if not steps:
        return {}
    if res.edges is None:
        raise ValueError("step properties need the recorded edges; explore(..., record_edges=True)")
    states = res.states
    found: dict[str, StepViolation] = {}
    src, dst, lab = res.edges
    pending = list(steps)
    for a, b, lid in zip(src, dst, lab):
        s, t = states[a], states[b]
        if s == t:
            continue
        for p in list(pending):
            try:
                ok = p.predicate(s, t)
            except Exception as e:
                what = (str(e) if p.kind == "refines"   # the refinement's own error names its mapping
                        else f"{p.definition.where}: step property {p.name!r} raised {type(e).__name__}: {e}")
                raise ModelError(f"{what}; on the step {res.bound.label(*res.labels[lid])} from state {a} to {b}",
                                 s) from e
            if not ok:
                found[p.name] = StepViolation(a, b, lid)
                pending.remove(p)
        if not pending:
            break
    return found


def initial_violations(res: Result, props: list[CompiledProperty]) -> dict[str, int]:
    """For each `refines` property in `props`, the first initial state (by id) that maps to no initial state of
    the abstract spec. A mapping that raises is a ModelError."""
    out: dict[str, int] = {}
    inits = [i for i in range(res.distinct) if res.parent[i] < 0]
    for p in props:
        if p.refinement is None:
            continue
        for i in inits:
            try:
                ok = p.refinement.initial_ok(res.states[i])
            except Exception as e:
                raise ModelError(f"{e}; on initial state {i}", res.states[i]) from e
            if not ok:
                out[p.name] = i
                break
    return out


def step_path(res: Result, v: StepViolation) -> list[tuple[Any, Any]]:
    """The path of a step violation: a shortest path to its source state, then the violating step."""
    return res.path(v.src) + [(res.labels[v.lid], res.states[v.dst])]
