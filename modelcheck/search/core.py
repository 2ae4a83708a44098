"""What every search strategy shares: limits, progress, property checking, the result.

A strategy (see `modelcheck.search.bfs`) only decides how states are generated and deduplicated;
it reports new states to a `PropertyTracker`, asks a `Budget` whether a limit is hit, and fills a
`Result`. Property checking, limits (by count, depth, time and current memory) and progress lines
are written once, here.
"""
from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import resource
import sys
import time
import types
from array import array
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import networkx as nx
import numpy as np

from ..codegen import make_lambda, run_source
from ..spec import STATE_KINDS, ActionDef, BoundSpec
from ..types import canonical_order
from ..z3bridge import CompiledProperty

__all__ = ["Limits", "Progress", "Result", "ModelError", "make_successors", "fingerprint", "Budget",
           "PropertyTracker", "current_rss_mb", "canonical_successors"]


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
    succ, _expand, labels, _register = make_expander(bound)
    return succ, labels


def expander_of(successors: Callable[[Any], list]) -> Callable[[Any, Callable, Callable], None]:
    """`expand(s, add_label, add_state)` calling the two appenders for every successor of s, in order."""
    def expand(s, la, ta):
        for lid, t in successors(s):
            la(lid)
            ta(t)
    return expand


def make_expander(bound: BoundSpec) -> tuple[Callable[[Any], list], Callable[[Any, Callable, Callable], None],
                                             list[tuple[ActionDef, tuple]], Callable[[int, tuple], int]]:
    """`make_successors`, plus the same successor function generated as `expand(s, add_label, add_state)`,
    which builds no (label, state) pair per successor (the search's hot loop), and `register(ai, args)`,
    the label id of action `bound.actions[ai]` with `args` (numbered now if new), as the functions number
    the arguments of a state-dependent `over` (the parallel search numbers its workers' labels so)."""
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
    exp = ["def expand(s, la, ta):"]
    for ln in lines[3:]:
        m = re.fullmatch(r"(\s*)ap\(\((L\d+\(_a\)|\d+|_i), (e\d+\(.*\))\)\)", ln)
        exp.append(f"{m.group(1)}la({m.group(2)}); ta({m.group(3)})" if m else ln)
    exp.append("    return None")
    if bound.constraints:
        # outside a @constraint: the label id is complemented (~lid < 0), so the search counts the successor as
        # generated without exploring it, and a state whose successors all lie outside is no deadlock (as TLC).
        # The constraint is asked first, so a queue kept short by it needs no guard against overflowing its type.
        for k, c in enumerate(bound.constraints):
            ns[f"C{k}"] = types.MethodType(c.fn, inst)
        inside = " and ".join(f"C{k}(t)" for k in range(len(bound.constraints)))
        ns["_valid"] = bound.valid
        head = ["def _inside(t):", "    try:", f"        return {inside}", "    except Exception:",
                "        if _valid(t):", "            raise",
                "        return True  # not a state at all: the search reports the effect that made it"]
        lines[:0] = head
        lines.append("    return [(_l, _t) if _inside(_t) else (~_l, _t) for _l, _t in out]")
        exp = ["def expand(s, la, ta):", "    for _l, _t in successors(s):", "        la(_l)", "        ta(_t)"]
    else:
        lines.append("    return out")
    run_source("\n".join(lines), f"successors of {bound.name}", ns)
    run_source("\n".join(exp), f"successors of {bound.name}", ns)  # the same name: it is the same function

    def register(ai: int, args: tuple) -> int:
        i = lid_of.get((ai, args))
        if i is None:
            i = lid_of[(ai, args)] = len(labels)
            labels.append((bound.actions[ai], args))
        return i
    return ns["successors"], ns["expand"], labels, register


def canonical_successors(successors: Callable[[Any], list], canonical: Callable[[Any], Any],
                         valid: Callable[[Any], bool]) -> Callable[[Any], list]:
    """Every successor replaced by its representative; an invalid one is left for the search to report."""
    def succ(s: Any) -> list:
        out = successors(s)
        try:
            return [(lid, canonical(t)) for lid, t in out]
        except Exception:
            return [(lid, canonical(t) if valid(t) else t) for lid, t in out]
    return succ


def fingerprint(bound: BoundSpec, s: Any) -> str:
    """A stable fingerprint of a state: the first 16 hex digits of SHA-256 of its sorted JSON."""
    return hashlib.sha256(json.dumps(bound.to_json(s), sort_keys=True).encode()).hexdigest()[:16]


@dataclass
class Result:
    """What a search found. Counts are exact for the part of the graph that was explored.

    State ids are BFS discovery order. With exact states (`exact`), `states` is the list of states;
    with fingerprints it is a read-only view that rebuilds a state by re-executing the actions on its
    BFS path from an initial state (`path`), so the search itself keeps only 64-bit fingerprints,
    the parent id and the action of every state.
    """

    bound: BoundSpec
    properties: list[CompiledProperty]
    states: Any                 # list of states (exact) or a _StateView (fingerprints)
    parent: array
    label: array
    labels: list[tuple[ActionDef, tuple]]
    generated: int = 0          # initial states + successors computed, duplicates included (as TLC)
    constrained: int = 0        # of those, the states outside a @constraint (counted, not explored)
    transitions: int = 0        # successors computed
    depth: int = 0              # the BFS level of the deepest state found (initial states are level 0)
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
    peak_memory_mb: float = 0.0  # the largest resident memory seen during this search
    violating: dict[str, list[int]] = field(default_factory=dict)  # with all_violations: every violating state
    exact: bool = True           # full states kept (else 64-bit fingerprints)
    workers: int = 1
    successors: Callable[[Any], list] | None = None
    initial: list[Any] = field(default_factory=list)
    lookup: Callable[[int], int] | None = None  # fingerprint -> state id (-1 if absent), fingerprint mode
    messages: dict[str, Any] = field(default_factory=dict)  # on Ray: what the actors exchanged (ray_backend)
    _distinct: int | None = None

    @property
    def distinct(self) -> int:
        return self._distinct if self._distinct is not None else len(self.parent)

    @property
    def collision_probability(self) -> float:
        """TLC's optimistic estimate that a fingerprint collision hid a state: n * (generated - n) / 2^64."""
        if self.exact:
            return 0.0
        n = self.distinct
        return n * max(self.generated - n, 0) / 2.0 ** 64

    def state(self, sid: int) -> Any:
        """State `sid` (rebuilt from its path with fingerprints)."""
        if self.exact:
            return self.states[sid]
        return self.path(sid)[-1][1]

    def path(self, sid: int) -> list[tuple[tuple[ActionDef, tuple] | None, Any]]:
        """Steps from an initial state to state `sid`: [(None, init), ((action, args), state), ...]."""
        ids = []
        while sid >= 0:
            ids.append(sid)
            sid = self.parent[sid]
        ids.reverse()
        if self.exact:
            return [(self.labels[self.label[i]] if self.label[i] >= 0 else None, self.states[i]) for i in ids]
        s = self.initial[ids[0]]
        out: list[tuple[tuple[ActionDef, tuple] | None, Any]] = [(None, s)]
        for i in ids[1:]:
            s = self._step(s, self.label[i], i)
            out.append((self.labels[self.label[i]], s))
        return out

    def _step(self, s: Any, lid: int, sid: int) -> Any:
        """Re-execute action `lid` from `s`; the result must have state `sid`'s fingerprint."""
        for l, t in self.successors(s):
            if l == lid:
                got = self.lookup(hash(t)) if self.lookup is not None else -1
                if got >= 0 and got != sid:
                    break
                return t
        a, args = self.labels[lid]
        raise ModelError(f"rebuilding state {sid} by re-executing {self.bound.label(a, args)!r} gave a different "
                         f"state than the search did: the spec is nondeterministic (set or dict order, randomness, "
                         f"state kept outside the State)", s)

    def all_states(self) -> Iterator[Any]:
        """Every state in id order (with fingerprints: rebuilt in one forward pass over the BFS tree)."""
        if self.exact:
            yield from self.states
            return
        n = len(self.initial)
        cache: dict[int, Any] = {}
        for i, s in enumerate(self.initial):
            cache[i] = s
            yield s
        cur, succ = -1, {}
        for i in range(n, self.distinct):
            p = self.parent[i]
            if p != cur:
                cur, succ = p, {}
                for l, t in self.successors(cache[p]):
                    succ.setdefault(l, t)
            t = succ[self.label[i]]
            cache[i] = t
            yield t

    def release(self) -> None:
        """Drop the states, the search tree and the edges, keeping the counts and verdict ids (a matrix
        frees each cell this way once its traces are written)."""
        self._distinct = self.distinct
        self.states, self.edges, self.initial, self.lookup, self.successors = [], None, [], None, None
        self.parent, self.label = array("i"), array("i")

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
        g.add_nodes_from(range(self.distinct))
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
        for i, s in enumerate(self.all_states()):
            g.add_node(i, fp=fingerprint(self.bound, s))
        src, dst, lab = self.edges
        for a, b, lid in zip(src, dst, lab):
            act, args = self.labels[lid]
            g.add_edge(a, b, action=self.bound.label(act, args))
        return g


class _StateView:
    """`Result.states` with fingerprints: len, s[i], slices and iteration, each state rebuilt on demand."""

    def __init__(self, res: Result):
        self._res = res
        self._all: list[Any] | None = None

    def __len__(self) -> int:
        return self._res.distinct

    def __getitem__(self, i):
        if isinstance(i, slice):
            if self._all is None and i.stop is not None and 0 <= i.stop < len(self) and (i.start or 0) >= 0 \
                    and (i.step or 1) > 0:  # a prefix: rebuild only that far
                return list(itertools.islice(self._res.all_states(), i.stop))[i]
            return self._list()[i]
        n = len(self)
        if not -n <= i < n:
            raise IndexError("state id out of range")
        return self._all[i] if self._all is not None else self._res.state(i % n)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._list())

    def _list(self) -> list[Any]:
        if self._all is None:
            self._all = list(self._res.all_states())
        return self._all


def current_rss_mb(pid: int | None = None) -> float:
    """Resident memory now of this process or of `pid` (Linux /proc; elsewhere this process's peak)."""
    try:
        with open(f"/proc/{pid or 'self'}/statm") as f:
            return int(f.read().split()[1]) * _PAGE / 2 ** 20
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _pss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for ln in f:
                if ln.startswith("Pss:"):
                    return int(ln.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return current_rss_mb(pid)


_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


class Progress:
    """Progress lines on stderr for runs longer than two seconds: states, states/s, depth, queue."""

    def __init__(self, stream=None, after: float = 2.0, every: float = 1.0, enabled: bool = True):
        """`stream`: where the lines go, sys.stderr as it is when the Progress is made by default."""
        stream = sys.stderr if stream is None else stream
        self.stream, self.after, self.every, self.enabled = stream, after, every, enabled
        self.start = time.monotonic()
        self.last = self.start
        self.shown = False
        # one line rewritten in place only on a terminal that understands it (not TERM=dumb: an editor's shell)
        self.tty = bool(getattr(stream, "isatty", lambda: False)()) and os.environ.get("TERM") != "dumb"

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


class Budget:
    """The limits of one search. `check` is called between batches of expansions, and `batch` sizes the
    batches so that one takes about `slice_s` seconds: a slow guard shortens them, so a time limit,
    a memory limit and progress lines are checked by the clock, not only every N states."""

    # Successors of a batch stay alive until it is deduplicated: batches past ~100 states lose the
    # allocator's cache locality (measured on two_phase_commit: a third slower at 1,000 than at 100).
    cap = 256

    def __init__(self, limits: Limits, progress: Progress | None, t0: float, slice_s: float = 0.1):
        self.limits, self.progress, self.slice_s = limits, progress, slice_s
        self.deadline = (t0 + limits.max_seconds) if limits.max_seconds is not None else None
        self.pids: list[int] = []   # worker processes whose memory counts too
        self.pss_at, self.pss = -1e9, 0.0
        self.peak_mb = current_rss_mb()
        self.size = 8
        self.last = 0.0

    def check(self, states: int, depth: int, queue: int) -> str:
        """A stop reason if a time or memory limit is hit, else ''; prints progress when due."""
        now = time.monotonic()
        if self.deadline is not None and now > self.deadline:
            return f"time limit --max-seconds {self.limits.max_seconds:g}"
        if now - self.last < 0.05:
            return ""
        self.last = now
        mem = self.memory_mb()
        self.peak_mb = max(self.peak_mb, mem)
        if self.limits.max_memory_mb is not None and mem > self.limits.max_memory_mb:
            return f"memory limit --max-memory {self.limits.max_memory_mb} MB"
        if self.progress is not None:
            self.progress.update(states, depth, queue)
        return ""

    def memory_mb(self, fresh: bool = False) -> float:
        """Memory in use now: this process's resident memory; with workers, the proportional share (PSS)
        of every process, so the pages a fork shares are counted once. PSS costs milliseconds per
        process to read, so it is read every two seconds (or when `fresh`)."""
        if not self.pids:
            return current_rss_mb()
        now = time.monotonic()
        if fresh or now - self.pss_at >= 2.0:
            self.pss_at, self.pss = now, sum(_pss_mb(pid) for pid in [os.getpid(), *self.pids])
        return self.pss

    def batch(self, done: int, seconds: float) -> int:
        """The next batch size, from the last one: `done` expansions took `seconds`."""
        if done:
            want = done * self.slice_s / max(seconds, 1e-6)
            self.size = max(1, min(self.cap, int(want), self.size * 4))
        return self.size


class PropertyTracker:
    """Checks every new state against the pending properties and says when no verdict can change."""

    def __init__(self, bound: BoundSpec, properties: list[CompiledProperty], res: Result, stop_early: bool,
                 all_violations: bool):
        self.bound, self.properties, self.res = bound, properties, res
        self.always = [p for p in properties if p.kind == "always"]
        self.possible = [p for p in properties if p.kind == "always_possible"]
        # step and liveness properties are checked after the search, on the whole graph (steps.py, liveness.py)
        self.on_graph = [p for p in properties if p.kind not in STATE_KINDS]
        terminal = [p for p in properties if p.kind == "terminal"]
        self.is_terminal = (lambda s: any(p.predicate(s) for p in terminal)) if terminal else (lambda s: False)
        self.check_deadlock = bound.cls.check_deadlock
        self.pending_always = list(self.always)
        self.pending_some = [p for p in properties if p.kind == "sometimes"]
        self.all_violations = all_violations
        self.stop_early = stop_early and not all_violations
        self.all_ok = self._combined(self.pending_always, True)
        self.any_hit = self._combined(self.pending_some, False)
        self.attention = self._attention()
        # always_possible: per property, whether each state (by id) is a goal
        self.goals: dict[str, bytearray] = {p.name: bytearray() for p in self.possible}
        if all_violations:
            res.violating = {p.name: [] for p in self.always}

    def _combined(self, props: list[CompiledProperty], negate: bool) -> Callable[[Any], bool] | None:
        if not props:
            return None
        body = (" and " if negate else " or ").join(f"({p.source})" for p in props)
        return make_lambda("s", body, "property check", {k: v for p in props for k, v in p.ns.items()})

    def _attention(self) -> Callable[[Any], bool] | None:
        """A quick test of a new state: false when `on_new` would do nothing; None when it never would."""
        if self.all_violations:
            return lambda s: True
        props = self.pending_always + self.pending_some
        parts = [f"not ({p.source})" for p in self.pending_always] + [f"({p.source})" for p in self.pending_some]
        if not parts:
            return None
        return make_lambda("s", " or ".join(parts), "property check", {k: v for p in props for k, v in p.ns.items()})

    def on_new(self, sid: int, t: Any) -> bool:
        """Check new state `sid`; True if a verdict was decided by it."""
        res, decided = self.res, False
        try:
            if self.all_ok is not None and not self.all_ok(t):
                for p in (self.always if self.all_violations else list(self.pending_always)):
                    if not p.predicate(t):
                        if self.all_violations:
                            res.violating[p.name].append(sid)
                            res.found.setdefault(p.name, sid)
                            continue
                        res.found[p.name] = sid
                        self.pending_always.remove(p)
                        decided = True
                if not self.all_violations:
                    self.all_ok = self._combined(self.pending_always, True)
            if self.any_hit is not None and self.any_hit(t):
                for p in list(self.pending_some):
                    if p.predicate(t):
                        res.found[p.name] = sid
                        self.pending_some.remove(p)
                        decided = True
                self.any_hit = self._combined(self.pending_some, False)
        except Exception as e:
            _raise_property_error(self.bound, self.properties, t, e)
        if decided:
            self.attention = self._attention()
        return decided

    def goal_bits(self, t: Any) -> tuple[int, ...]:
        """Whether `t` is a goal of each always_possible property (in declaration order)."""
        try:
            return tuple(1 if p.predicate(t) else 0 for p in self.possible)
        except Exception as e:
            _raise_property_error(self.bound, self.properties, t, e)

    def add_goals(self, t: Any) -> None:
        """Record the always_possible goal bits of the next new state."""
        if self.possible:
            self.add_goal_bits(self.goal_bits(t))

    def add_goal_bits(self, bits: Any) -> None:
        for p, bit in zip(self.possible, bits):
            self.goals[p.name].append(int(bit))

    def on_deadlock(self, sid: int, s: Any) -> bool:
        """State `sid` has no successor: record it if it is the first deadlock; True if recorded."""
        if self.check_deadlock and self.res.deadlock is None and not self.is_terminal(s):
            self.res.deadlock = sid
            return True
        return False

    def finished(self) -> bool:
        """No verdict can change any more (with stop_early)."""
        return (self.stop_early and not self.pending_always and not self.pending_some and not self.possible
                and not self.on_graph and (self.res.deadlock is not None or not self.check_deadlock))


def check_possible(res: Result, goals: dict[str, bytearray]) -> None:
    """AG EF goal: every state reaches a goal state. Reverse reachability over the recorded edges
    (state ids), from the goal states; the first state (lowest id) that reaches none is `stuck`."""
    n = res.distinct
    src = np.frombuffer(res.edges[0], np.int64)
    dst = np.frombuffer(res.edges[1], np.int64)
    order = np.argsort(dst, kind="stable")
    preds = src[order]
    starts = np.searchsorted(dst[order], np.arange(n + 1))
    for name, goal in goals.items():
        reached = np.frombuffer(bytes(goal), np.uint8).astype(bool)
        frontier = np.flatnonzero(reached)
        while frontier.size:
            lo, hi = starts[frontier], starts[frontier + 1]
            lens = hi - lo
            total = int(lens.sum())
            if not total:
                break
            idx = np.repeat(lo - np.cumsum(lens) + lens, lens) + np.arange(total)
            p = np.unique(preds[idx])
            frontier = p[~reached[p]]
            reached[frontier] = True
        bad = np.flatnonzero(~reached)
        if bad.size:
            res.stuck[name] = int(bad[0])


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
