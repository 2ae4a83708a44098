"""Liveness under fairness (`@eventually`, `@leads_to`, `@action(fair=...)`): a pass over the explored graph.

A behaviour is an infinite path through the state graph in which, as in TLA+, every state may also step to
itself (stuttering): without fairness a behaviour may stop anywhere. Fairness is per action instance (the
action with its arguments), as TLA+'s `\\A i: WF_vars(A(i))`:

- an instance is *enabled* in a state when it leads to a different state (a step that changes nothing is a
  stutter, as `<A>_vars` excludes it), and *taken* on an edge it labels between different states;
- weak fairness: a behaviour may not stay forever where the instance is enabled without taking it;
- strong fairness: a behaviour may not pass infinitely often where it is enabled without taking it.

`<>P` fails when a fair behaviour never meets P; `P ~> Q` fails when a fair behaviour meets P and then never
meets Q (Q at the same state counts). Both are found as a *lasso*: a path into a set of states, all without
the goal, that a fair behaviour can keep cycling through forever. The search is the standard one on
strongly connected components (networkx): restrict the graph to states without the goal that are reachable
from the start without meeting it, split it into SCCs, and accept an SCC where every fair instance is taken
inside it or is not enabled everywhere in it (weak) / anywhere in it (strong); for a strong instance enabled
but not taken, drop the states where it is enabled and search the rest again.

A lasso is returned as a list of state ids whose last state equals the state at index `loop`: the behaviour
repeats the steps after `loop` forever (when `loop` is the last index, it stays in that state: a stutter).
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

import networkx as nx

from .explorer import ModelError, Result
from .z3bridge import CompiledProperty

__all__ = ["Lasso", "fairness_text", "liveness_violations", "lasso_path"]


@dataclass
class Lasso:
    """A fair behaviour that violates a liveness property: state ids and the label ids of the steps between
    them (`labels[i]` enters `states[i]`; -1 for the first state); `states[-1] == states[loop]`."""
    states: list[int]
    labels: list[int]
    loop: int


def fairness_text(res: Result) -> str:
    """The fairness a liveness verdict assumes, for its bound: `fairness: weak a, strong b` or none."""
    fairness = res.bound.fairness
    weak = [name for name, kind in fairness.items() if kind == "weak"]
    strong = [name for name, kind in fairness.items() if kind == "strong"]
    parts = ([f"weak {', '.join(weak)}"] if weak else []) + ([f"strong {', '.join(strong)}"] if strong else [])
    return ("fairness: " + "; ".join(parts)) if parts else "no fairness (a behaviour may stop in any state)"


class _Graph:
    """The explored graph as adjacency lists without self-loops, and where each fair instance is enabled."""

    def __init__(self, res: Result):
        n = len(res.states)
        self.out: list[list[tuple[int, int]]] = [[] for _ in range(n)]
        fairness = res.bound.fairness
        self.fair: dict[int, str] = {lid: fairness[a.name] for lid, (a, _) in enumerate(res.labels)
                                     if a.name in fairness}
        self.enabled: dict[int, set[int]] = {lid: set() for lid in self.fair}
        src, dst, lab = res.edges
        for a, b, lid in zip(src, dst, lab):
            if a == b:
                continue  # a stutter: neither a step of the cycle search nor a sign the instance is enabled
            self.out[a].append((b, lid))
            if lid in self.enabled:
                self.enabled[lid].add(a)

    def fair_component(self, nodes: set[int]) -> tuple[set[int], list[tuple[str, Any]]] | None:
        """An SCC inside `nodes` that a fair behaviour can stay in forever, with what its cycle must do:
        ("edge", lid) take an instance, ("state", s) pass a state; None if there is none. (A work list, not
        recursion: each round of strong fairness drops states and searches the rest again.)"""
        todo = [nodes]
        while todo:
            part = todo.pop()
            g = nx.DiGraph()
            g.add_nodes_from(part)
            g.add_edges_from((a, b) for a in part for b, _ in self.out[a] if b in part)
            comps = sorted(nx.strongly_connected_components(g), key=min)
            again = []
            for comp in comps:
                found = self._accept(comp)
                if isinstance(found, set):
                    again.append(found)
                elif found is not None:
                    return found
            todo += reversed(again)
        return None

    def _accept(self, comp: set[int]) -> tuple[set[int], list[tuple[str, Any]]] | set[int] | None:
        """The component with its cycle's obligations if a fair behaviour can stay in it forever; the states
        left to search again if strong fairness rules out some of them; None if it is no place to stay."""
        taken = {lid for a in comp for b, lid in self.out[a] if b in comp}
        needs: list[tuple[str, Any]] = []
        drop: set[int] = set()
        for lid, kind in self.fair.items():
            where = self.enabled[lid] & comp
            if not where:
                continue
            if lid in taken:
                needs.append(("edge", lid))
            elif kind == "strong":
                drop |= where
            elif len(where) == len(comp):
                return None  # weak: enabled in every state of the component and never taken
            else:
                needs.append(("state", min(comp - where)))
        if drop:
            return comp - drop
        return comp, needs


def _bfs(out: list[list[tuple[int, int]]], starts: list[int], allowed: set[int], goal) -> list[tuple[int, int]] | None:
    """A shortest path inside `allowed` from one of `starts` to a state where goal(state) holds, as
    [(state, label into it), ...] (label -1 for the start); None if there is none."""
    prev: dict[int, tuple[int, int]] = {}
    queue = deque()
    for s in starts:
        if s in allowed and s not in prev:
            prev[s] = (-1, -1)
            queue.append(s)
    while queue:
        a = queue.popleft()
        if goal(a):
            path = []
            while a != -1:
                p, lid = prev[a]
                path.append((a, lid))
                a = p
            return path[::-1]
        for b, lid in out[a]:
            if b in allowed and b not in prev:
                prev[b] = (a, lid)
                queue.append(b)
    return None


def _lasso(graph: _Graph, starts: list[int], region: set[int]) -> tuple[list[tuple[int, int]], int] | None:
    """A path from one of `starts`, inside `region`, into a fair component and once around its cycle, as
    [(state, label into it), ...], and the index where the cycle starts; None if no fair behaviour stays
    inside `region` forever."""
    reach: set[int] = {s for s in starts if s in region}
    queue = deque(reach)
    while queue:
        a = queue.popleft()
        for b, _ in graph.out[a]:
            if b in region and b not in reach:
                reach.add(b)
                queue.append(b)
    found = graph.fair_component(reach)
    if found is None:
        return None
    comp, needs = found
    stem = _bfs(graph.out, starts, reach, lambda s: s in comp)
    entry = cur = stem[-1][0]
    cycle: list[tuple[int, int]] = []
    for what, x in needs:  # visit each state, take each edge, that fairness asks for; then return
        if what == "state":
            leg = _bfs(graph.out, [cur], comp, lambda s, x=x: s == x)
        else:
            leg = _bfs(graph.out, [cur], comp, lambda s, x=x: any(l == x and b in comp for b, l in graph.out[s]))
        cycle += leg[1:]
        cur = leg[-1][0]
        if what == "edge":
            cur = next(b for b, l in graph.out[cur] if l == x and b in comp)
            cycle.append((cur, x))
    if cur != entry:
        cycle += _bfs(graph.out, [cur], comp, lambda s: s == entry)[1:]
    # no step at all: the behaviour stutters in `entry` forever (fair: nothing fair is enabled in the component
    # except instances disabled right here)
    return stem + cycle, len(stem) - 1


def liveness_violations(res: Result, props: list[CompiledProperty]) -> dict[str, Lasso]:
    """For each `eventually` and `leads_to` property in `props`: a fair lasso that violates it, if there is one.
    Only on a complete graph: in a partial one an unexpanded state looks like a place to stop forever, so
    nothing found there is a verdict (an empty dict; the caller reports INCONCLUSIVE)."""
    live = [p for p in props if p.kind in ("eventually", "leads_to")]
    if not live or not res.complete:
        return {}
    if res.edges is None:
        raise ValueError("liveness properties need the recorded edges; explore(..., record_edges=True)")
    graph = _Graph(res)
    out: dict[str, Lasso] = {}
    for p in live:
        # a leads_to with a list of pairs is violated when one pair is: the shortest lasso of any pair
        found = [_violation(res, graph, p, p, None)] if p.kind == "eventually" else \
            [_violation(res, graph, p, q, a) for a, q in p.pairs]
        found = [x for x in found if x is not None]
        if found:
            out[p.name] = min(found, key=lambda x: len(x.states))
    return out


def _violation(res: Result, graph: _Graph, p: CompiledProperty, goal: CompiledProperty,
               trigger: CompiledProperty | None) -> Lasso | None:
    """A fair lasso that never meets `goal`: from an initial state (eventually), or from a state where
    `trigger` holds (leads_to: every reachable state where P holds and Q does not)."""
    n = len(res.states)
    try:
        region = {i for i in range(n) if not goal.predicate(res.states[i])}
        if trigger is None:
            starts = [i for i in range(n) if res.parent[i] < 0 and i in region]
        else:
            starts = [i for i in sorted(region) if trigger.predicate(res.states[i])]
    except Exception as e:
        raise ModelError(f"{p.definition.where}: property {p.name!r} raised {type(e).__name__}: {e}") from e
    found = _lasso(graph, starts, region)
    if found is None:
        return None
    path, loop = found
    ids = _path_ids(res, path[0][0])  # from an initial state to the start
    states = ids + [s for s, _ in path[1:]]
    labels = [res.label[i] for i in ids] + [lid for _, lid in path[1:]]
    return Lasso(states, labels, len(ids) - 1 + loop)


def _path_ids(res: Result, sid: int) -> list[int]:
    ids = []
    while sid >= 0:
        ids.append(sid)
        sid = res.parent[sid]
    return ids[::-1]


def lasso_path(res: Result, lasso: Lasso) -> list[tuple[Any, Any]]:
    """The lasso as trace steps [(None, init), ((action, args), state), ...]."""
    return [(res.labels[lid] if lid >= 0 else None, res.states[s]) for s, lid in zip(lasso.states, lasso.labels)]
