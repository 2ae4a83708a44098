"""Breadth-first exploration of a bound spec's state graph.

The search structure is lean: a dict from state to id, a list of states in discovery order (which
is also the BFS queue), and parent/label arrays. Since states are discovered layer by layer, the
first state found to violate a property has a shortest path from an initial state. The networkx
graph is built only where a feature needs it (`always_possible`, `--graph`, cycle analyses), from
edge arrays recorded during the search.
"""
from __future__ import annotations

import gc
import hashlib
import json
import resource
import sys
import time
import types
from array import array
from dataclasses import dataclass, field
from typing import Any, Callable

import networkx as nx

from .codegen import make_lambda, run_source
from .spec import STATE_KINDS, ActionDef, BoundSpec, SpecError
from .types import canonical_order
from .z3bridge import CompiledProperty

__all__ = ["Limits", "Progress", "Result", "ModelError", "explore", "make_successors", "fingerprint"]


class ModelError(Exception):
    """A guard, effect, `over` or property raised, or an effect left the declared domains."""

    def __init__(self, message: str, state: Any = None):
        super().__init__(message)
        self.state = state


@dataclass
class Limits:
    """Where a search stops early: a run that hits one ends INCONCLUSIVE (exit 3) unless it found a violation."""
    max_states: int | None = None
    max_depth: int | None = None
    max_seconds: float | None = None
    max_memory_mb: int | None = None

    def describe(self) -> str:
        parts = []
        if self.max_states is not None:
            parts.append(f"--max-states {self.max_states:,}")
        if self.max_depth is not None:
            parts.append(f"--max-depth {self.max_depth}")
        if self.max_seconds is not None:
            parts.append(f"--max-seconds {self.max_seconds:g}")
        if self.max_memory_mb is not None:
            parts.append(f"--max-memory {self.max_memory_mb}")
        return ", ".join(parts)


def make_successors(bound: BoundSpec) -> tuple[Callable[[Any], list], list[tuple[ActionDef, tuple]]]:
    """Generate `successors(s) -> [(label_id, next_state), ...]` for a bound spec, in declaration order.

    `labels[label_id]` is the (action, args) pair. Actions whose `over` reads the state get label
    ids as their arguments are first seen, so `labels` grows during a search. A successor outside the
    spec's `@constraint`s comes with the label id complemented (`~label_id`, negative): generated, not explored.
    """
    inst = bound.inst
    labels: list[tuple[ActionDef, tuple]] = []
    lid_of: dict[tuple[int, tuple], int] = {}
    ns: dict[str, Any] = {"_labels": labels, "_lid_of": lid_of, "_order": canonical_order}
    lines = ["def successors(s):", "    out = []", "    ap = out.append"]
    static = bound.instances()
    for ai, a in enumerate(bound.actions):
        g = types.MethodType(a.guard, inst) if a.guard is not None else None
        e = types.MethodType(a.effect, inst)
        ns[f"g{ai}"], ns[f"e{ai}"] = g, e
        test = (lambda call: f"g{ai}({call})") if g is not None else (lambda call: "True")
        if a.over_uses_state:
            ns[f"o{ai}"] = types.MethodType(a.over, inst)

            def lid(ai=ai, a=a):
                def get(args):
                    key = (ai, args)
                    i = lid_of.get(key)
                    if i is None:
                        i = lid_of[key] = len(labels)
                        labels.append((a, args))
                    return i
                return get
            ns[f"L{ai}"] = lid()
            ns[f"A{ai}"] = lambda item, a=a: bound.args_of(a, item)
            lines += [f"    for _x in _order(o{ai}(s)):",
                      f"        _a = A{ai}(_x)",
                      f"        if {test('s, *_a')}:",
                      f"            ap((L{ai}(_a), e{ai}(s, *_a)))"]
            continue
        mine = [(len(labels) + k, args) for k, (b, args) in enumerate(x for x in static if x[0] is a)]
        for _, args in mine:
            lid_of[(ai, args)] = len(labels)
            labels.append((a, args))
        if a.nargs == 0:
            lines += [f"    if {test('s')}:", f"        ap(({mine[0][0]}, e{ai}(s)))"]
        elif a.nargs == 1:
            ns[f"I{ai}"] = [(i, args[0]) for i, args in mine]
            lines += [f"    for _i, _a in I{ai}:", f"        if {test('s, _a')}:",
                      f"            ap((_i, e{ai}(s, _a)))"]
        else:
            ns[f"I{ai}"] = mine
            lines += [f"    for _i, _a in I{ai}:", f"        if {test('s, *_a')}:",
                      f"            ap((_i, e{ai}(s, *_a)))"]
    if bound.constraints:
        # outside a @constraint: the label id is complemented (~lid < 0), so the search counts the successor as
        # generated without exploring it, and a state whose successors all lie outside is no deadlock (as TLC).
        # The constraint is asked first, so a queue kept short by it needs no guard against overflowing its type.
        for k, c in enumerate(bound.constraints):
            ns[f"C{k}"] = types.MethodType(c.fn, inst)
        inside = " and ".join(f"C{k}(t)" for k in range(len(bound.constraints)))
        ns["_valid"] = bound.valid
        lines[:0] = ["def _inside(t):", "    try:", f"        return {inside}", "    except Exception:",
                     "        if _valid(t):", "            raise",
                     "        return True  # not a state at all: the search reports the effect that made it"]
        lines.append("    return [(_l, _t) if _inside(_t) else (~_l, _t) for _l, _t in out]")
    else:
        lines.append("    return out")
    run_source("\n".join(lines), f"successors of {bound.name}", ns)
    return ns["successors"], labels


def fingerprint(bound: BoundSpec, s: Any) -> str:
    """A stable fingerprint of a state: the first 16 hex digits of SHA-256 of its sorted JSON."""
    return hashlib.sha256(json.dumps(bound.to_json(s), sort_keys=True).encode()).hexdigest()[:16]


@dataclass
class Result:
    """What a search found. Counts are exact for the part of the graph that was explored."""

    bound: BoundSpec
    properties: list[CompiledProperty]
    states: list[Any]
    parent: array
    label: array
    labels: list[tuple[ActionDef, tuple]]
    generated: int = 0          # initial states + successors computed, duplicates included (as TLC)
    constrained: int = 0        # of those, the states outside a @constraint (counted, not explored)
    transitions: int = 0        # successors computed
    depth: int = 0              # the largest BFS level reached (initial states are level 0)
    seconds: float = 0.0
    complete: bool = False      # every reachable state was expanded
    stop_reason: str = ""       # why an incomplete search stopped
    found: dict[str, int] = field(default_factory=dict)   # property -> first state (violation or witness)
    deadlock: int | None = None
    stuck: dict[str, int] = field(default_factory=dict)   # always_possible property -> a state it fails from
    fired: list[int] = field(default_factory=list)        # per label id
    new: list[int] = field(default_factory=list)          # per label id
    edges: tuple[array, array, array] | None = None
    error: ModelError | None = None
    peak_memory_mb: float = 0.0
    violating: dict[str, list[int]] = field(default_factory=dict)  # with all_violations: every violating state

    @property
    def distinct(self) -> int:
        return len(self.states)

    def path(self, sid: int) -> list[tuple[tuple[ActionDef, tuple] | None, Any]]:
        """Steps from an initial state to state `sid`: [(None, init), ((action, args), state), ...]."""
        out = []
        while sid >= 0:
            lid = self.label[sid]
            out.append((self.labels[lid] if lid >= 0 else None, self.states[sid]))
            sid = self.parent[sid]
        out.reverse()
        return out

    def coverage(self) -> dict[str, tuple[int, int]]:
        """Per action: (times it fired, new states it produced)."""
        cov = {a.name: [0, 0] for a in self.bound.actions}
        for lid, (a, _) in enumerate(self.labels):
            if lid < len(self.fired):
                cov[a.name][0] += self.fired[lid]
                cov[a.name][1] += self.new[lid]
        return {k: (v[0], v[1]) for k, v in cov.items()}

    def graph_summary(self) -> dict[str, int]:
        """Strongly connected components of the explored graph, and whether it has cycles (self-loops
        count). A cycle is where a livelock can hide; a DAG means every run ends."""
        if self.edges is None:
            raise ValueError("edges were not recorded; explore(..., record_edges=True)")
        g = nx.DiGraph()
        g.add_nodes_from(range(len(self.states)))
        src, dst, _ = self.edges
        g.add_edges_from(zip(src, dst))
        sccs = [len(c) for c in nx.strongly_connected_components(g)]
        loops = nx.number_of_selfloops(g)
        return {"sccs": len(sccs), "largest_scc": max(sccs, default=0),
                "nontrivial_sccs": sum(1 for n in sccs if n > 1), "self_loops": loops,
                "acyclic": int(loops == 0 and all(n == 1 for n in sccs))}

    def graph(self) -> nx.MultiDiGraph:
        """The explored state graph: node = state id (attribute `fp`, the fingerprint), edge = action."""
        if self.edges is None:
            raise ValueError("edges were not recorded; explore(..., record_edges=True)")
        g = nx.MultiDiGraph()
        for i, s in enumerate(self.states):
            g.add_node(i, fp=fingerprint(self.bound, s))
        src, dst, lab = self.edges
        for a, b, lid in zip(src, dst, lab):
            act, args = self.labels[lid]
            g.add_edge(a, b, action=self.bound.label(act, args))
        return g


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


class Progress:
    """Progress lines on stderr for runs longer than two seconds: states, states/s, depth, queue."""

    def __init__(self, stream=sys.stderr, after: float = 2.0, every: float = 1.0, enabled: bool = True):
        self.stream, self.after, self.every, self.enabled = stream, after, every, enabled
        self.start = time.monotonic()
        self.last = self.start
        self.shown = False
        self.tty = bool(getattr(stream, "isatty", lambda: False)())

    def update(self, states: int, depth: int, queue: int) -> None:
        now = time.monotonic()
        # the first line as soon as the run passes `after` seconds; then every `every` seconds on a
        # terminal (one line rewritten in place) and every 5 s into a log
        if not self.enabled or now - self.start < self.after:
            return
        if self.shown and now - self.last < (self.every if self.tty else 5.0):
            return
        self.last = now
        rate = states / max(now - self.start, 1e-9)
        line = f"progress: {states:,} states, {rate:,.0f} states/s, depth {depth}, queue {queue:,}"
        self.stream.write(("\r" + line + "\033[K") if self.tty else line + "\n")
        self.stream.flush()
        self.shown = True

    def done(self) -> None:
        if self.shown and self.tty:
            self.stream.write("\n")
            self.stream.flush()


def explore(bound: BoundSpec, properties: list[CompiledProperty], limits: Limits | None = None,
            progress: Progress | None = None, record_edges: bool = False,
            stop_early: bool = True, all_violations: bool = False,
            successors: tuple[Callable[[Any], list], list] | None = None,
            canonical: Callable[[Any], Any] | None = None,
            ample: Callable[[Any, list, Callable[[Any], bool]], list] | None = None) -> Result:
    """Explore every reachable state breadth-first and check every property.

    With `stop_early`, the search stops as soon as no verdict can change any more (every `always`
    violated, every `sometimes` witnessed, a deadlock found or not checked, and no `always_possible`).
    With `all_violations`, every state is checked against every `always` property and the ids of all
    violating states are kept in `Result.violating` (the search then runs to the end).
    `successors` replaces the generated successor function (the ablation shares one between runs).
    `canonical` maps every state to the representative of its symmetry orbit before it is deduplicated
    (modelcheck.reduce.symmetry): the search then stores one state per orbit.
    `ample(s, succ, old)` keeps a subset of s's successors (partial-order reduction, modelcheck.reduce.por);
    `old(t)` says whether t was discovered at the current depth or above (the BFS cycle proviso).
    """
    limits = limits or Limits()
    t0 = time.monotonic()
    successors, labels = successors if successors is not None else make_successors(bound)
    if canonical is not None:
        successors = _canonical_successors(successors, canonical, bound.valid)
    always = [p for p in properties if p.kind == "always"]
    sometimes = [p for p in properties if p.kind == "sometimes"]
    possible = [p for p in properties if p.kind == "always_possible"]
    terminal = [p for p in properties if p.kind == "terminal"]
    # step and liveness properties are checked after the search, on the whole graph (steps.py, liveness.py)
    on_graph = [p for p in properties if p.kind not in STATE_KINDS]
    # ample's proviso needs state ids
    record_edges = record_edges or bool(possible or on_graph) or ample is not None
    check_deadlock = bound.cls.check_deadlock
    is_terminal = (lambda s: any(p.predicate(s) for p in terminal)) if terminal else (lambda s: False)

    states: list[Any] = []
    # state -> id only when edges are recorded; otherwise a set (no int object per state)
    seen: dict[Any, int] | set[Any] = {} if record_edges else set()
    parent, label = array("q"), array("q")
    res = Result(bound, properties, states, parent, label, labels)
    fired: list[int] = [0] * len(labels)
    new: list[int] = [0] * len(labels)
    src, dst, elab = array("q"), array("q"), array("q")
    pending_always = list(always)
    pending_some = list(sometimes)
    valid = bound.valid

    def combined(props, negate):
        if not props:
            return None
        body = " and ".join(f"({p.source})" for p in props) if negate else " or ".join(f"({p.source})" for p in props)
        return make_lambda("s", body, "property check", {k: v for p in props for k, v in p.ns.items()})

    all_ok = combined(pending_always, True)
    any_hit = combined(pending_some, False)

    if all_violations:
        stop_early = False
        res.violating = {p.name: [] for p in always}
        all_ok = combined(always, True)

    def on_new(sid: int, t: Any) -> None:
        nonlocal all_ok, any_hit
        try:
            if all_ok is not None and not all_ok(t):
                for p in (always if all_violations else list(pending_always)):
                    if not p.predicate(t):
                        if all_violations:
                            res.violating[p.name].append(sid)
                            res.found.setdefault(p.name, sid)
                            continue
                        res.found[p.name] = sid
                        pending_always.remove(p)
                if not all_violations:
                    all_ok = combined(pending_always, True)
            if any_hit is not None and any_hit(t):
                for p in list(pending_some):
                    if p.predicate(t):
                        res.found[p.name] = sid
                        pending_some.remove(p)
                any_hit = combined(pending_some, False)
        except Exception as e:
            _raise_property_error(bound, properties, t, e)

    def finished() -> bool:
        return (stop_early and not pending_always and not pending_some and not possible and not on_graph
                and (res.deadlock is not None or not check_deadlock))

    for s in bound.initial_states():
        if not bound.in_constraints(s):
            res.constrained += 1
            continue
        if canonical is not None:
            s = canonical(s)
            if s in seen:
                continue
        sid = len(states)
        if record_edges:
            seen[s] = sid
        else:
            seen.add(s)
        states.append(s)
        parent.append(-1)
        label.append(-1)
        on_new(sid, s)
    if not states:
        raise SpecError(f"{bound.constraints[0].where}: no initial state satisfies the @constraint(s) "
                        f"{', '.join(c.name for c in bound.constraints)}: there is nothing to explore")
    res.generated = len(states) + res.constrained
    add = None if record_edges else seen.add
    max_states = limits.max_states
    max_depth = limits.max_depth
    deadline = (t0 + limits.max_seconds) if limits.max_seconds is not None else None
    max_mem = limits.max_memory_mb
    i = 0
    depth = 0
    layer_end = len(states)
    transitions = 0
    constrained = 0
    stopped = ""
    def discovered_above(t: Any) -> bool:  # t already has an id at the current depth or above
        try:
            return -1 < seen.get(t, -1) < layer_end
        except TypeError:  # unhashable: an invalid state, reported by the search
            return False

    # States are immutable tuples and frozensets: the search makes no reference cycles, and the
    # collector's passes over millions of live containers are pure overhead.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        while i < len(states) and not finished():
            if i == layer_end:
                depth += 1
                layer_end = len(states)
                if max_depth is not None and depth >= max_depth:  # this layer and all after it stay unexpanded
                    stopped = f"depth limit --max-depth {max_depth}"
                    break
            if not (i & 1023):
                if deadline is not None and time.monotonic() > deadline:
                    stopped = f"time limit --max-seconds {limits.max_seconds:g}"
                    break
                if max_mem is not None and _rss_mb() > max_mem:
                    stopped = f"memory limit --max-memory {max_mem} MB"
                    break
                if progress is not None:
                    progress.update(len(states), depth, len(states) - i)
            s = states[i]
            try:
                succ = successors(s)
            except Exception as e:
                raise _diagnose(bound, s, e) from e
            if ample is not None:
                succ = ample(s, succ, discovered_above)
            transitions += len(succ)
            if not succ and check_deadlock and res.deadlock is None and not is_terminal(s):
                res.deadlock = i
            if len(labels) > len(fired):  # a state-dependent `over` met new arguments
                fired.extend([0] * (len(labels) - len(fired)))
                new.extend([0] * (len(labels) - len(new)))
            for lid, t in succ:
                if lid < 0:  # outside a @constraint (make_successors): generated, neither explored nor counted
                    constrained += 1
                    continue
                fired[lid] += 1
                # one hash per successor: tuples do not cache theirs
                if record_edges:
                    try:
                        tid = seen.get(t)
                    except TypeError:  # unhashable (a list or set inside): invalid, reported just below
                        tid = None
                    if tid is not None:
                        src.append(i)
                        dst.append(tid)
                        elab.append(lid)
                        continue
                else:
                    before = len(seen)
                    try:
                        add(t)
                    except TypeError:
                        before = -1
                    if len(seen) == before:
                        continue
                if not valid(t):
                    a, args = labels[lid]
                    raise ModelError(f"{a.where}: action {bound.label(a, args)!r} produced an invalid state: "
                                     f"{bound.explain_invalid(t)}; from state {_short(bound, s)}", s)
                tid = len(states)
                if record_edges:
                    seen[t] = tid
                    src.append(i)
                    dst.append(tid)
                    elab.append(lid)
                states.append(t)
                parent.append(i)
                label.append(lid)
                new[lid] += 1
                on_new(tid, t)
                if max_states is not None and tid + 1 >= max_states:
                    stopped = f"state limit --max-states {max_states:,}"
                    break
            i += 1
            if stopped:
                break
    except KeyboardInterrupt:
        stopped = "interrupted (SIGINT)"
    except ModelError as e:
        res.error = e
        stopped = "error"
    finally:
        if gc_was_enabled:
            gc.enable()
    res.transitions = transitions
    res.generated += transitions
    res.constrained += constrained
    res.depth = depth
    res.fired, res.new = fired, new
    res.complete = not stopped and i >= len(states)
    res.stop_reason = stopped or ("" if res.complete else "nothing left to decide")
    if record_edges:
        res.edges = (src, dst, elab)
    if res.complete and possible and res.error is None:
        _check_possible(res, possible)
    res.seconds = time.monotonic() - t0
    res.peak_memory_mb = _rss_mb()
    if progress is not None:
        progress.done()
    return res


def _canonical_successors(successors: Callable[[Any], list], canonical: Callable[[Any], Any],
                          valid: Callable[[Any], bool]) -> Callable[[Any], list]:
    """Every successor replaced by its representative; an invalid one is left for the search to report."""
    def succ(s: Any) -> list:
        out = successors(s)
        try:
            return [(lid, canonical(t)) for lid, t in out]
        except Exception:
            return [(lid, canonical(t) if valid(t) else t) for lid, t in out]
    return succ


def _check_possible(res: Result, possible: list[CompiledProperty]) -> None:
    """AG EF goal: every state reaches a goal state. Reverse reachability on the networkx graph."""
    g = nx.DiGraph()
    g.add_nodes_from(range(len(res.states)))
    src, dst, _ = res.edges
    g.add_edges_from(zip(dst, src))  # reversed: edge t -> s for every transition s -> t
    for p in possible:
        goals = [i for i, s in enumerate(res.states) if p.predicate(s)]
        sink = -1
        g.add_node(sink)
        g.add_edges_from((sink, x) for x in goals)
        covered = nx.descendants(g, sink)
        g.remove_node(sink)
        bad = [i for i in range(len(res.states)) if i not in covered]
        if bad:
            res.stuck[p.name] = bad[0]


def _short(bound: BoundSpec, s: Any) -> str:
    try:
        txt = ", ".join(f"{k}={v}" for k, v in bound.show(s).items())
    except Exception:
        txt = repr(s)
    return txt if len(txt) < 400 else txt[:400] + "..."


def _diagnose(bound: BoundSpec, s: Any, exc: Exception) -> ModelError:
    """Find which over/guard/effect raised in state s (the generated successor function does not say)."""
    for a in bound.actions:
        stage = "over="
        try:
            for args in bound.candidates(a, s):
                stage = f"guard of {bound.label(a, args)!r}"
                if a.guard is None or a.guard(bound.inst, s, *args):
                    stage = f"effect of {bound.label(a, args)!r}"
                    a.effect(bound.inst, s, *args)
        except Exception as e:
            return ModelError(f"{a.where}: action {a.name!r}: the {stage} raised {type(e).__name__}: {e}; "
                              f"in state {_short(bound, s)}", s)
    return ModelError(f"computing successors raised {type(exc).__name__}: {exc}; in state {_short(bound, s)}", s)


def _raise_property_error(bound, properties, t, exc):
    for p in properties:
        if p.kind not in STATE_KINDS:
            continue
        try:
            p.predicate(t)
        except Exception as e:
            raise ModelError(f"{p.definition.where}: property {p.name!r} raised {type(e).__name__}: {e}; "
                             f"in state {_short(bound, t)}", t) from e
    raise ModelError(f"checking properties raised {type(exc).__name__}: {exc}", t) from exc
