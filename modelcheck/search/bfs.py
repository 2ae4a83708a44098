"""Breadth-first search, in batches of expansions, with exact states or 64-bit fingerprints.

States are discovered layer by layer, so the first state found to violate a property has a shortest
path from an initial state. A batch expands a run of frontier states (in order), then deduplicates
all their successors at once: with fingerprints, `hash()` of every successor is computed in C and
looked up in a numpy table in one go. The counts are those of a search that handles one successor
at a time: when a batch decides every verdict or hits --max-states, it is cut exactly where such a
search would have stopped.

`Search` is the bookkeeping side (ids, BFS tree, counters, verdicts, cuts), shared with the parallel
search (`parallel.py`), whose workers expand and hash while `Search.take` accepts their batches in
the order one process would have produced them.
"""
from __future__ import annotations

import gc
import time
from array import array
from typing import Any, Callable

import numpy as np

from ..spec import BoundSpec, SpecError
from ..z3bridge import CompiledProperty
from .core import (Budget, Limits, ModelError, Progress, PropertyTracker, Result, _diagnose, _short, _StateView,
                   check_possible, current_rss_mb, expander_of)
from .visited import FingerprintTable

__all__ = ["bfs", "Search", "Batch", "expand_chunk", "fingerprints"]


class Batch:
    """One batch of expansions, as `Search.take` needs it.

    `counts[j]`: successors of the batch's j-th parent; `lids`: the label of every successor, in
    generation order; `new_pos`: positions of the successors seen for the first time, in order;
    `new_states`, `new_valid`, `new_needs`, `new_goals`: per new successor, the state (None if not at
    hand), whether it is in the domains, whether a property must look at it, and its always_possible
    goal bits (None: compute from the state); `keys`: fingerprint of every position (or None);
    `ids`: state id of every successor (only when edges are recorded); `dead`: (j, state) for parents
    without successors that may be deadlocks; `parents`: the parent states when at hand (messages);
    `errors`: the model error of an invalid new state, made where the state was (a worker).
    """

    __slots__ = ("counts", "lids", "new_pos", "new_states", "new_valid", "new_needs", "new_goals", "keys",
                 "ids", "dead", "parents", "errors")

    def __init__(self, counts, lids, new_pos, new_states, new_valid, new_needs, new_goals, keys, ids, dead,
                 parents=None, errors=None):
        self.counts, self.lids, self.new_pos = counts, lids, new_pos
        self.new_states, self.new_valid, self.new_needs, self.new_goals = new_states, new_valid, new_needs, new_goals
        self.keys, self.ids, self.dead, self.parents = keys, ids, dead, parents
        self.errors = errors  # new index -> the ModelError of an invalid state, when made elsewhere


class Search:
    """The bookkeeping of one breadth-first search: state ids, BFS tree, counters, verdicts, stops."""

    def __init__(self, bound: BoundSpec, properties: list[CompiledProperty], limits: Limits,
                 progress: Progress | None, succ_fn: Callable, labels: list, *, exact: bool, record_edges: bool,
                 stop_early: bool, all_violations: bool):
        self.t0 = time.monotonic()
        self.bound, self.labels, self.limits = bound, labels, limits
        self.parent, self.label = array("i"), array("i")
        self.res = Result(bound, properties, [], self.parent, self.label, labels, exact=exact, successors=succ_fn)
        self.props = PropertyTracker(bound, properties, self.res, stop_early, all_violations)
        self.budget = Budget(limits, progress, self.t0)
        self.progress = progress
        self.exact, self.record_edges = exact, record_edges
        self.keep_edges = record_edges or bool(self.props.possible)
        self.src, self.dst, self.elab = array("q"), array("q"), array("q")
        self.fired = np.zeros(len(labels), np.int64)
        self.new = np.zeros(len(labels), np.int64)
        self.table = None if exact else FingerprintTable()
        self.transitions = 0
        self.constrained = 0
        self.deepest = 0
        self.stopped = ""

    def start(self, initial: list[Any]) -> None:
        """Give the initial states ids 0..n-1 and check them (those outside a @constraint are only counted)."""
        res = self.res
        inside = [s for s in initial if self.bound.in_constraints(s)]
        res.constrained = len(initial) - len(inside)
        if not inside:
            raise SpecError(f"{self.bound.constraints[0].where}: no initial state satisfies the @constraint(s) "
                            f"{', '.join(c.name for c in self.bound.constraints)}: there is nothing to explore")
        initial[:] = inside
        res.initial = list(initial)
        for s in initial:
            sid = len(self.parent)
            self.parent.append(-1)
            self.label.append(-1)
            if self.exact:
                res.states.append(s)
            self.props.on_new(sid, s)
            self.props.add_goals(s)
        if self.table is not None:
            self.table.insert(FingerprintTable.keys_of(np.fromiter(map(hash, initial), np.int64, len(initial))),
                              np.arange(len(initial), dtype=np.int32))
        res.generated = len(initial) + res.constrained

    def take(self, b: Batch, base: int, depth: int) -> tuple[int, int, bool]:
        """Accept a batch whose first parent has id `base`: (parents expanded, new states accepted, cut).

        New states get ids in order and are checked; deadlocks are handled in parent order. When every
        verdict is decided, or --max-states is reached, the batch is cut where a search taking one
        successor at a time would have stopped: `cut` is then True and the search must end.
        """
        props, parent, label, labels = self.props, self.parent, self.label, self.labels
        if len(labels) > len(self.fired):  # a state-dependent `over` met new arguments
            self.fired = np.concatenate([self.fired, np.zeros(len(labels) - len(self.fired), np.int64)])
            self.new = np.concatenate([self.new, np.zeros(len(labels) - len(self.new), np.int64)])
        counts, lids, new_pos = b.counts, b.lids, b.new_pos
        m = len(lids)
        max_states = self.limits.max_states
        par = np.repeat(np.arange(len(counts)), counts)
        dead = b.dead
        cut_parent = -1    # the last parent expanded when the search stops in this batch
        cut_pos = m        # successors handled (fired) when it stops
        dj = 0
        done = 0           # new states accepted
        attention = props.attention
        new_pos_np = np.asarray(new_pos, np.int64)
        possible = bool(props.possible)
        exact_states = self.res.states if self.exact else None
        for i, (k, p, lid) in enumerate(zip(new_pos, par[new_pos_np].tolist(), lids[new_pos_np].tolist())):
            if cut_parent >= 0 and p > cut_parent:
                break
            if dead:
                while dj < len(dead) and dead[dj][0] < p and cut_parent < 0:
                    j, s = dead[dj]
                    if props.on_deadlock(base + j, s) and props.finished():
                        cut_parent = j
                    dj += 1
                if cut_parent >= 0 and p > cut_parent:
                    break
            t = b.new_states[i]
            if not b.new_valid[i]:
                if b.errors is not None and i in b.errors:
                    raise b.errors[i]
                raise _invalid(self.bound, labels, lid, t, b.parents[p] if b.parents is not None else None)
            sid = len(parent)
            parent.append(base + p)
            label.append(lid)
            if exact_states is not None:
                exact_states.append(t)
            done += 1
            if possible:
                g = b.new_goals[i] if b.new_goals is not None else None
                if g is None:
                    props.add_goals(t)
                else:
                    props.add_goal_bits(g)
            if attention is not None and b.new_needs is not None and b.new_needs[i]:
                if props.on_new(sid, t) and cut_parent < 0 and props.finished():
                    cut_parent = p
                attention = props.attention
            if max_states is not None and sid + 1 >= max_states:
                self.stopped = f"state limit --max-states {max_states:,}"
                cut_parent, cut_pos = p, k + 1
                break
        if cut_parent < 0:
            while dj < len(dead):
                j, s = dead[dj]
                if props.on_deadlock(base + j, s) and props.finished():
                    cut_parent = j
                    break
                dj += 1
        if cut_parent >= 0 and not self.stopped:
            cut_pos = int(sum(counts[:cut_parent + 1]))
        expanded = len(counts) if cut_parent < 0 else cut_parent + 1
        self.transitions += int(sum(counts[:expanded]))
        handled = lids[:cut_pos]
        outside = handled < 0
        if outside.any():  # generated outside a @constraint: counted, neither fired nor explored
            self.constrained += int(outside.sum())
            handled = handled[~outside]
        self.fired += np.bincount(handled, minlength=len(self.fired))
        if done:
            kept = new_pos_np[:done]
            self.new += np.bincount(lids[kept], minlength=len(self.new))
            self.deepest = depth + 1
            if self.table is not None:
                self.table.insert(b.keys[kept], np.arange(len(parent) - done, len(parent), dtype=np.int32))
        if self.keep_edges and cut_pos:
            pick = np.flatnonzero(~outside) if outside.any() else slice(0, cut_pos)
            self.src.frombytes((base + par[:cut_pos][pick]).astype(np.int64).tobytes())
            self.dst.frombytes(np.asarray(b.ids[:cut_pos], np.int64)[pick].tobytes())
            self.elab.frombytes(lids[:cut_pos][pick].astype(np.int64).tobytes())
        return expanded, done, cut_parent >= 0

    def halt(self, e: BaseException) -> int:
        """Record a stop by Ctrl-C or by a model error; the states left unexpanded (at least one)."""
        if isinstance(e, ModelError):
            self.res.error = e
            self.stopped = "error"
        else:
            self.stopped = "interrupted (SIGINT)"
        return 1

    def finish(self, left: int, depth: int) -> Result:
        """Fill in the result: counts, completeness, always_possible, timing and memory."""
        res = self.res
        res.transitions = self.transitions
        res.constrained += self.constrained
        res.generated += self.transitions
        res.depth = self.deepest
        res.fired, res.new = self.fired.tolist(), self.new.tolist()
        res.complete = not self.stopped and left == 0
        res.stop_reason = self.stopped or ("" if res.complete else "nothing left to decide")
        if self.table is not None:
            table = self.table
            res.lookup = lambda h: table.get(h)
            res.states = _StateView(res)
        if self.keep_edges:
            res.edges = (self.src, self.dst, self.elab)
        if res.complete and self.props.possible and res.error is None:
            check_possible(res, self.props.goals)
        if not self.record_edges:
            res.edges = None
        res.seconds = time.monotonic() - self.t0
        res.peak_memory_mb = max(self.budget.peak_mb, self.budget.memory_mb())
        if self.progress is not None:
            self.progress.done()
        return res

    def ids_of(self, keys: np.ndarray, new_pos: Any) -> np.ndarray:
        """The state id of every successor of a batch (fingerprints), new ones numbered in order from the
        next free id: the edges of always_possible."""
        uniq, inv = np.unique(keys, return_inverse=True)
        found = self.table.lookup(uniq)
        if len(new_pos):
            npos = np.asarray(new_pos, np.int64)
            at = np.searchsorted(uniq, keys[npos])
            found[at] = len(self.parent) + np.arange(len(npos))
        return found[inv.ravel()]


def bfs(bound: BoundSpec, properties: list[CompiledProperty], limits: Limits, progress: Progress | None,
        successors: tuple[Callable[[Any], list], list], initial: list[Any], *, expand: Callable | None = None,
        exact: bool, record_edges: bool, stop_early: bool, all_violations: bool,
        handoff: Callable | None = None, handoff_from: int = 2000, ample: Callable | None = None) -> Result:
    """Explore breadth-first from the initial states; see `modelcheck.search.explore`.

    With `handoff` (the parallel search), the search is handed over at the first layer of `handoff_from`
    states or more: `handoff(search, frontier, layer_start, depth, expand) -> (left, depth)`.
    Smaller searches are not worth starting processes for."""
    succ_fn, labels = successors
    expand = expand or expander_of(succ_fn)
    S = Search(bound, properties, limits, progress, succ_fn, labels, exact=exact, record_edges=record_edges,
               stop_early=stop_early, all_violations=all_violations)
    props, budget = S.props, S.budget
    valid = bound.valid
    seen: dict[Any, int] = {}
    frontier = list(initial)
    S.start(frontier)
    layer_end = [len(frontier)]
    if ample is not None:  # partial-order reduction: a subset of each state's successors
        def old(t: Any) -> bool:  # t already has an id at the current depth or above
            try:
                return -1 < seen.get(t, -1) < layer_end[0]
            except TypeError:  # unhashable: an invalid state, reported by the search
                return False

        def expand(s: Any, la: Callable, ta: Callable) -> None:
            for lid, t in ample(s, succ_fn(s), old):
                la(lid)
                ta(t)
    if exact:
        seen.update((s, i) for i, s in enumerate(frontier))
    max_depth = limits.max_depth
    depth = 0
    layer_start = 0
    left = 0  # frontier states not expanded when the search stopped
    # States are immutable tuples and frozensets: the search makes no reference cycles, and the
    # collector's passes over millions of live containers are pure overhead.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        while frontier:
            if depth >= 1 and max_depth is not None and depth >= max_depth:
                S.stopped = f"depth limit --max-depth {max_depth}"  # this layer stays unexpanded
                left = len(frontier)
                break
            if handoff is not None and not exact and len(frontier) >= handoff_from:
                left, depth = handoff(S, frontier, layer_start, depth, expand)
                break
            nxt: list[Any] = []
            off = 0
            halt = False
            size = budget.batch(0, 0.0)
            while off < len(frontier):
                S.stopped = budget.check(len(S.parent), depth, len(frontier) - off + len(nxt))
                if S.stopped or props.finished():
                    break
                t1 = time.monotonic()
                chunk = frontier[off:off + size]
                lid_l, ts, counts = expand_chunk(bound, expand, chunk)
                lids = np.array(lid_l, np.int64)
                keys = ids = None
                if exact:
                    new_pos = []
                    ids_l: list[int] = []
                    nid = len(S.parent)
                    get = seen.get
                    for k, t in enumerate(ts):
                        if lid_l[k] < 0:    # outside a @constraint: not explored
                            ids_l.append(-1)
                            continue
                        try:
                            tid = get(t)
                        except TypeError:  # unhashable (a list or set inside): invalid, reported below
                            tid = None
                        if tid is None:
                            try:
                                seen[t] = nid
                            except TypeError:
                                pass
                            new_pos.append(k)
                            tid = nid
                            nid += 1
                        ids_l.append(tid)
                    if S.keep_edges:
                        ids = ids_l
                else:
                    keys, uniq, first = fingerprints(bound, labels, lid_l, lids, ts, counts, chunk)
                    fresh = S.table.lookup(uniq) < 0
                    new_pos = np.sort(first[fresh]).tolist()
                    if S.keep_edges:
                        ids = S.ids_of(keys, new_pos)
                new_states = [ts[k] for k in new_pos]
                new_valid = [valid(t) for t in new_states]
                new_needs = _needs(props.attention, new_states)
                dead = ([(j, chunk[j]) for j, c in enumerate(counts) if c == 0]
                        if props.check_deadlock and S.res.deadlock is None else [])
                b = Batch(counts, lids, new_pos, new_states, new_valid, new_needs, None, keys, ids, dead, chunk)
                expanded, done, cut = S.take(b, layer_start + off, depth)
                nxt += new_states[:done]
                off += expanded
                if cut:
                    halt = True
                    break
                size = budget.batch(len(chunk), time.monotonic() - t1)
            left = len(frontier) - off + len(nxt)
            if halt or off < len(frontier):
                break
            layer_start += len(frontier)
            frontier = nxt
            layer_end[0] = layer_start + len(frontier)
            depth += 1
            left = len(frontier)
    except (KeyboardInterrupt, ModelError) as e:
        left = S.halt(e)
    finally:
        if gc_was_enabled:
            gc.enable()
    return S.finish(left, depth)


def fingerprints(bound: BoundSpec, labels: list, lid_l: list[int], lids: np.ndarray, ts: list[Any],
                 counts: list[int], chunk: list[Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fingerprints of a batch's successors inside the constraints: (key per position, 0 outside; the distinct
    keys; the first position of each). An unhashable successor is an invalid state (ModelError)."""
    inside = np.flatnonzero(lids >= 0) if len(lids) and lids.min() < 0 else None
    sel = ts if inside is None else [ts[k] for k in inside.tolist()]
    try:
        hashes = np.fromiter(map(hash, sel), np.int64, len(sel))
    except TypeError:
        k = next(k for k, t in enumerate(ts) if lid_l[k] >= 0 and not _hashable(t))
        raise _invalid(bound, labels, lid_l[k], ts[k], chunk[_parent_of(counts, k)])
    k_in = FingerprintTable.keys_of(hashes)
    uniq, first = np.unique(k_in, return_index=True)
    if inside is None:
        return k_in, uniq, first
    keys = np.zeros(len(ts), np.uint64)
    keys[inside] = k_in
    return keys, uniq, inside[first]


def expand_chunk(bound: BoundSpec, expand: Callable, chunk: list[Any]) -> tuple[list[int], list[Any], list[int]]:
    """Expand states in order: (label of every successor, every successor, successors per state)."""
    lid_l: list[int] = []
    ts: list[Any] = []
    la, ta = lid_l.append, ts.append
    counts: list[int] = []
    before = 0
    for s in chunk:
        try:
            expand(s, la, ta)
        except SpecError:  # a reduction found the spec's declarations wrong: not a model error
            raise
        except Exception as e:
            raise _diagnose(bound, s, e) from e
        counts.append(len(ts) - before)
        before = len(ts)
    return lid_l, ts, counts


def _needs(attention: Callable[[Any], bool] | None, states: list[Any]) -> list[bool] | None:
    """Per state: must a property look at it (a property raising counts as yes: on_new says which)."""
    if attention is None:
        return None
    out = []
    for t in states:
        try:
            out.append(attention(t))
        except Exception:
            out.append(True)
    return out


def _hashable(t: Any) -> bool:
    try:
        hash(t)
    except TypeError:
        return False
    return True


def _parent_of(counts: list[int], k: int) -> int:
    acc = 0
    for j, c in enumerate(counts):
        acc += c
        if k < acc:
            return j
    return len(counts) - 1


def _invalid(bound: BoundSpec, labels: list, lid: int, t: Any, s: Any) -> ModelError:
    a, args = labels[lid]
    where = f"; from state {_short(bound, s)}" if s is not None else ""
    return ModelError(f"{a.where}: action {bound.label(a, args)!r} produced an invalid state: "
                      f"{bound.explain_invalid(t)}{where}", s)
