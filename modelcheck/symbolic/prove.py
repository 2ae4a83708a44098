"""Bounded model checking and k-induction over the symbolic transitions of a bound spec.

`bmc(enc, props, K)` unrolls the transition relation from the initial states and asks Z3, depth by
depth, for a state that breaks a property: the first depth that has one is the length of a shortest
counterexample, as BFS finds it. `induction(enc, props, k)` adds the inductive step (k-induction with
the states of the step pairwise distinct, so that a large enough k always decides a finite system).

Every counterexample Z3 returns is turned into concrete states and replayed with the explicit engine
(each step must be an enabled action of the spec whose effect gives the next state): a trace that does
not replay is an internal error, never a verdict. A solver `unknown` is never read as a proof.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import z3

from ..spec import BoundSpec
from .encode import Encoding, Layout

__all__ = ["PROVED", "VIOLATED", "UNKNOWN", "Outcome", "Deadlock", "DEADLOCK", "EncodingMismatch", "SolverUnknown",
           "bmc", "induction", "explicit_path", "ERROR"]

PROVED, VIOLATED, UNKNOWN = "PROVED", "VIOLATED", "UNKNOWN"
ERROR = "<model error>"   # the pseudo-property "no enabled step raises or leaves the declared domains"
DEADLOCK = "deadlock_free"   # some action is enabled, or a @terminal property holds (specs with check_deadlock)


class EncodingMismatch(Exception):
    """A Z3 path that the explicit engine does not reproduce: a bug of the symbolic encoding."""


class SolverUnknown(Exception):
    """Z3 answered unknown (a timeout, say): no verdict can be drawn."""


@dataclass
class Outcome:
    """The verdict on one property: what method gave it, and its evidence."""
    property: str
    verdict: str                          # PROVED | VIOLATED | UNKNOWN
    method: str                           # e.g. "bmc to depth 10", "2-induction"
    steps: int | None = None              # length of the counterexample (VIOLATED) or of the CTI (UNKNOWN)
    path: list[tuple[Any, Any]] | None = None   # [(label or None, state)], replayed explicitly
    cti: bool = False                     # the path is a counterexample to induction (not from an initial state)
    helpers: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _check(s: z3.Solver) -> Any:
    r = s.check()
    if r == z3.unknown:
        raise SolverUnknown(s.reason_unknown())
    return r


def explicit_path(bound: BoundSpec, states: list[Any], from_init: bool = True) -> list[tuple[Any, Any]]:
    """The states of a Z3 path as explicit steps: each pair must be an enabled action of the spec whose
    effect gives the next state; EncodingMismatch otherwise."""
    if from_init and states[0] not in bound.initial_states():
        raise EncodingMismatch(f"Z3's initial state {states[0]} is not an initial state of the spec")
    out: list[tuple[Any, Any]] = [(None, states[0])]
    for i in range(1, len(states)):
        s, t = states[i - 1], states[i]
        lab = next(((a, args) for a, args in bound.enabled(s) if bound.apply(a, s, args) == t), None)
        if lab is None:
            raise EncodingMismatch(f"step {i} of a Z3 path is no explicit step of the spec: from {s} to {t}")
        out.append((lab, t))
    return out


def _props(enc: Encoding, props: list[Any], lay: Layout, error: bool) -> dict[str, Any]:
    """name -> the condition that the state of `lay` satisfies the property. `props` may hold DEADLOCK
    (a `Deadlock`), decided like the others."""
    out = {p.name: (p.formula(enc, lay) if isinstance(p, Deadlock) else enc.prop(p.formula, lay)) for p in props}
    if error:
        out[ERROR] = z3.Not(enc.error(lay))
    return out


@dataclass
class Deadlock:
    """Deadlock freedom as a property: in every reachable state some action is enabled or a @terminal
    property holds (what `verify` checks for specs with check_deadlock)."""
    terminal: list[Any]             # the formulas of the spec's @terminal properties
    name: str = DEADLOCK

    def formula(self, enc: Encoding, lay: Layout) -> Any:
        return z3.Or([enc.enabled(lay)] + [enc.prop(f, lay) for f in self.terminal])


def bmc(enc: Encoding, props: list[Any], K: int, error: bool = True, complete: bool = True) -> dict[str, Outcome]:
    """Bounded model checking to depth K. Each property violated within K steps gets VIOLATED with a
    shortest counterexample; the others PROVED if no loop-free path from an initial state is longer than K
    (then every reachable state was covered), else UNKNOWN."""
    t0 = time.monotonic()
    bound = enc.bound
    lays = [enc.layout(0)]
    s = z3.Solver()
    s.add(*lays[0].domain, enc.init_formula(lays[0]))
    remaining = {p.name for p in props} | ({ERROR} if error else set())
    out: dict[str, Outcome] = {}
    for k in range(K + 1):
        good = {n: f for n, f in _props(enc, props, lays[k], error).items() if n in remaining}
        while good:
            s.push()
            s.add(z3.Or([z3.Not(f) for f in good.values()]))
            if _check(s) == z3.unsat:
                s.pop()
                break
            m = s.model()
            states = [lay.decode(m) for lay in lays]
            hit = [n for n, f in good.items() if z3.is_false(m.eval(f, model_completion=True))]
            s.pop()
            path = explicit_path(bound, states)
            for n in hit:
                out[n] = Outcome(n, VIOLATED, f"bmc, shortest: no violation in fewer steps", k, path,
                                 seconds=time.monotonic() - t0)
                remaining.discard(n)
                del good[n]
        if k == K or not remaining:
            break
        nxt = enc.layout(k + 1)
        s.add(*nxt.domain, enc.trans(lays[k], nxt))
        lays.append(nxt)
    if remaining:
        covered = complete and _no_longer_path(enc, K)
        for n in remaining:
            if covered:
                out[n] = Outcome(n, PROVED, f"bmc to depth {K}, which covers every reachable state "
                                            f"(no loop-free path is longer)", seconds=time.monotonic() - t0)
            else:
                out[n] = Outcome(n, UNKNOWN, f"bmc: no violation within {K} steps; longer loop-free paths exist",
                                 seconds=time.monotonic() - t0)
    return out


def _no_longer_path(enc: Encoding, K: int) -> bool:
    """Whether no path of K+1 pairwise distinct steps leaves an initial state (so depth K covers all)."""
    lays = [enc.layout(f"d{j}") for j in range(K + 2)]
    s = z3.Solver()
    s.add(enc.init_formula(lays[0]))
    for j, lay in enumerate(lays):
        s.add(*lay.domain)
        if j:
            s.add(enc.trans(lays[j - 1], lay))
            s.add(*[enc.distinct(lays[i], lay) for i in range(j)])
    return _check(s) == z3.unsat


def induction(enc: Encoding, props: list[Any], k: int, helpers: dict[str, str] | None = None,
              error: bool = True, invariants: list[Any] | None = None,
              mined: list[str] | None = None) -> dict[str, Outcome]:
    """k-induction (k >= 1) of the properties together with the helper invariants (name -> who found it;
    the helpers are among `props`): the base case by bmc to depth k-1, the step with k+1 pairwise distinct
    states. Properties whose step fails are dropped from the hypothesis one counterexample to induction at
    a time (what remains is still proved jointly); each dropped one is UNKNOWN with its CTI.
    `invariants` are formulas (over the view) already proved invariant (by Houdini): assumed in every state
    of the step; `mined` names them for the verdict line."""
    t0 = time.monotonic()
    helpers = helpers or {}
    bound = enc.bound
    out = {n: o for n, o in bmc(enc, props, k - 1, error, complete=False).items() if o.verdict == VIOLATED}
    alive = {p.name for p in props if p.name not in out} | ({ERROR} if error and ERROR not in out else set())
    lays = [enc.layout(f"i{j}") for j in range(k + 1)]
    s = z3.Solver()
    for j, lay in enumerate(lays):
        s.add(*lay.domain)
        if j:
            s.add(enc.trans(lays[j - 1], lay))
            s.add(*[enc.distinct(lays[i], lay) for i in range(j)])
    conds = [_props(enc, props, lay, error) for lay in lays]
    for lay in lays:
        s.add(*[enc.prop(f, lay) for f in invariants or ()])
    while alive:
        s.push()
        for j in range(k):
            s.add(*[conds[j][n] for n in alive])
        s.add(z3.Or([z3.Not(conds[k][n]) for n in alive]))
        r = _check(s)
        if r == z3.unsat:
            s.pop()
            break
        m = s.model()
        states = [lay.decode(m) for lay in lays]
        hit = [n for n in alive if z3.is_false(m.eval(conds[k][n], model_completion=True))]
        s.pop()
        path = explicit_path(bound, states, from_init=False)
        for n in hit:
            out[n] = Outcome(n, UNKNOWN, f"{k}-induction: a counterexample to induction of {k} step"
                                         f"{'s' if k != 1 else ''}; no violation within {k - 1} steps",
                             k, path, cti=True, seconds=time.monotonic() - t0)
            alive.discard(n)
    used = sorted(n for n in alive if n in helpers)
    for n in alive:
        out[n] = Outcome(n, PROVED, f"{k}-induction",
                         helpers=[f"{h} ({helpers[h]})" for h in used if h != n] + list(mined or ()),
                         seconds=time.monotonic() - t0)
    return out
