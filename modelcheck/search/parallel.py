"""Breadth-first search on several processes (fork), layer by layer, with the results of one process.

Each worker holds a contiguous segment of the current layer (in id order: worker 0 the first states,
then worker 1, ...), a replica of the visited fingerprints of the previous layers, and the states it
found new in this layer. It expands its segment in batches; per batch it sends the coordinator (this
process) the successor counts and labels, and for every successor it has not seen before (its
candidates): the fingerprint, whether the state is in the domains, whether a property must look at
it (then the state itself, which is rare), and its always_possible goal bits. The coordinator takes
the batches in worker order, so the new states get the ids, the counts and the cuts of a single
process (`Search.take`): distinct and generated counts, verdicts and shortest counterexamples are
the same for any number of workers. At the end of a layer each worker keeps its accepted candidates
as its next segment, every worker adds the layer's fingerprints to its replica, and the segments are
rebalanced by moving states between neighbours (order kept).

Workers are forked, so they share the spec, the generated successor function and CPython's string
hash salt with the coordinator; the fingerprint is `hash(state)` everywhere.
"""
from __future__ import annotations

import gc
import multiprocessing as mp
import os
import signal
import time
from collections import deque
from multiprocessing.connection import wait
from typing import Any, Callable, Iterator

import numpy as np

from ..spec import BoundSpec
from .bfs import Batch, Search, _invalid, _parent_of, expand_chunk, fingerprints
from .core import Budget, Limits, ModelError, PropertyTracker
from .visited import FingerprintTable

__all__ = ["continue_parallel", "run_layers", "LayerWorker", "PARALLEL_FROM"]

PARALLEL_FROM = 2000  # the first BFS layer this large moves to the workers (smaller searches stay in one process)


def continue_parallel(S: Search, frontier: list[Any], layer_start: int, depth: int, expand: Callable,
                      workers: int, register: Callable[[int, tuple], int]) -> tuple[int, int]:
    """Continue the search `S` from the layer `frontier` (ids from `layer_start`) on `workers` forked
    processes; returns (states left unexpanded, depth reached) as `bfs` does. `register` numbers the
    labels the workers meet (arguments of a state-dependent `over`) as one process would."""
    crew = ForkCrew()
    try:
        crew.start(S, frontier, expand, workers)
    except KeyboardInterrupt as e:
        crew.close(S)
        return S.halt(e), depth
    del frontier
    return run_layers(S, crew, layer_start, depth, register)


def run_layers(S: Search, crew: Any, layer_start: int, depth: int,
               register: Callable[[int, tuple], int]) -> tuple[int, int]:
    """The coordinator's side of the layer-synchronous search, whatever carries the messages (`crew`:
    forked processes here, Ray actors in `ray_backend`). The crew holds the current layer in contiguous
    segments, one per worker; returns (states left unexpanded, depth reached) as `bfs` does."""
    props, budget = S.props, S.budget
    workers = crew.n
    # per worker: its label ids -> ours (equal for the labels that existed when it started)
    lmap = [list(range(len(S.labels))) for _ in range(workers)]
    S.res.workers = workers
    sizes = list(crew.sizes)
    left = 0
    max_depth = S.limits.max_depth
    try:
        budget.pids = list(crew.pids)
        while sum(sizes):
            n_layer = sum(sizes)
            if depth >= 1 and max_depth is not None and depth >= max_depth:
                S.stopped = f"depth limit --max-depth {max_depth}"
                left = n_layer
                break
            crew.layer()
            cur = 0               # the worker whose batches are taken now
            off = 0               # states of the layer expanded so far (in id order)
            accepted: list[list] = [[] for _ in range(workers)]  # per worker, per batch: accepted candidates
            layer_keys: list[np.ndarray] = []
            halt = False
            while cur < workers:
                S.stopped = budget.check(len(S.parent), depth, n_layer - off)
                if S.stopped or props.finished():
                    halt = True
                    break
                msg = crew.next(cur, 0.1)
                if msg is None:
                    continue
                if msg[0] == "done":
                    cur += 1
                    continue
                if msg[0] == "error":
                    raise ModelError(msg[1], _typed(S.bound, msg[2]))
                for ai, args in msg[-1]:
                    lmap[cur].append(register(ai, args))
                b = _batch(S, msg, lmap[cur])
                expanded, done, cut = S.take(b, layer_start + off, depth)
                acc = np.asarray(b.new_pos[:done], np.int64)
                accepted[cur].append(np.searchsorted(msg[3], acc))  # indices among the batch's candidates
                if done:
                    layer_keys.append(b.keys[acc])
                off += expanded
                if cut:
                    halt = True
                    break
            if halt:
                left = max(n_layer - off, 1)
                break
            # the layer is done: every worker keeps its accepted candidates and learns the new fingerprints
            keys = np.concatenate(layer_keys) if layer_keys else np.zeros(0, np.uint64)
            sizes = _rebalance(crew, crew.accept(accepted, keys))
            layer_start += n_layer
            depth += 1
            left = sum(sizes)
    except (KeyboardInterrupt, ModelError) as e:
        left = S.halt(e)
    finally:
        crew.close(S)
    return left, depth


class ForkCrew:
    """Workers as forked processes, talking over pipes (the `crew` of `run_layers`)."""

    def __init__(self) -> None:
        self.conns: list = []
        self.procs: list = []
        self.bufs: list[deque] = []
        self.open: set[int] = set()
        self.n = 0
        self.sizes: list[int] = []
        self.pids: list[int] = []

    def start(self, S: Search, frontier: list[Any], expand: Callable, workers: int) -> None:
        """Fork `workers` processes, each with its contiguous segment of `frontier`."""
        ctx = mp.get_context("fork")
        seg = _split(len(frontier), workers)
        self.n = workers
        self.sizes = [seg[w + 1] - seg[w] for w in range(workers)]
        # Ctrl-C waits until every worker is started, so that `close` stops them all
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            for w in range(workers):
                a, b = ctx.Pipe()
                worker = LayerWorker(S.bound, S.labels, expand, S.props, frontier[seg[w]:seg[w + 1]], S.keep_edges,
                                     _replica_seen(S.table))
                p = ctx.Process(target=_serve, args=(b, self.conns + [a], worker), daemon=True)
                p.start()
                b.close()
                self.conns.append(a)
                self.procs.append(p)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        self.pids = [p.pid for p in self.procs]

    def layer(self) -> None:
        """Every worker starts expanding its segment of the layer."""
        for c in self.conns:
            c.send(("layer",))
        self.bufs = [deque() for _ in range(self.n)]
        self.open = set(range(self.n))

    def next(self, w: int, timeout: float) -> tuple | None:
        """Worker w's next message of this layer, or None if none came within `timeout`. Reads every
        worker's pipe meanwhile, so that no worker blocks on a full pipe."""
        if not self.bufs[w]:
            for c in wait([self.conns[v] for v in self.open], timeout=timeout):
                v = self.conns.index(c)
                msg = c.recv()
                self.bufs[v].append(msg)
                if msg[0] in ("done", "error"):
                    self.open.discard(v)
            if not self.bufs[w]:
                return None
        return self.bufs[w].popleft()

    def accept(self, accepted: list[list], keys: np.ndarray) -> list[int]:
        """Each worker keeps its accepted candidates and learns the layer's fingerprints: the new sizes."""
        for w, c in enumerate(self.conns):
            c.send(("accept", accepted[w], keys))
        return [c.recv()[1] for c in self.conns]

    def give(self, w: int, n: int, tail: bool) -> list[tuple]:
        self.conns[w].send(("give", n, tail))
        return self.conns[w].recv()[1]

    def take(self, w: int, states: list[tuple], tail: bool) -> None:
        self.conns[w].send(("take", states, tail))
        self.conns[w].recv()

    def close(self, S: Search) -> None:
        S.budget.peak_mb = max(S.budget.peak_mb, S.budget.memory_mb(fresh=True))
        for p in self.procs:
            p.kill()
        for p in self.procs:
            p.join(5)
        for c in self.conns:
            c.close()
        S.budget.pids = []


def _split(n: int, w: int) -> list[int]:
    return [n * i // w for i in range(w + 1)]


def _batch(S: Search, msg: tuple, lmap: list[int]) -> Batch:
    """A worker's batch message as a `Batch` for `Search.take`: candidates not yet seen become new."""
    _, counts, lids, cand_pos, cand_keys, valid, needs, goals, shipped, dead, all_keys, errors, _ = msg
    if len(lids):
        lids = np.asarray(lmap, np.int64)[lids]
    shipped = {i: _typed(S.bound, t) for i, t in shipped.items()}
    dead = [(j, _typed(S.bound, t)) for j, t in dead]
    fresh = S.table.lookup(cand_keys) < 0 if len(cand_keys) else np.zeros(0, bool)
    idx = np.flatnonzero(fresh)
    new_pos = cand_pos[idx].tolist()
    m = len(lids)
    keys = np.zeros(m, np.uint64)
    keys[cand_pos] = cand_keys
    idx_l = idx.tolist()
    new_states = [shipped.get(i) for i in idx_l]
    new_valid = valid[idx].tolist()
    new_needs = needs[idx].tolist() if needs is not None else None
    new_goals = None
    if goals is not None:  # a row of 255: the goal raised in the worker; the coordinator recomputes it
        new_goals = [None if 255 in g else g for g in goals[idx].tolist()]
    ids = None
    if S.keep_edges:
        ids = S.ids_of(all_keys, new_pos)
    where = {c: n for n, c in enumerate(idx_l)}   # candidate index -> index among the new states
    errs = {where[c]: ModelError(m, _typed(S.bound, s)) for c, (m, s) in errors.items() if c in where}
    return Batch(counts, lids, new_pos, new_states, new_valid, new_needs, new_goals, keys, ids, dead, None,
                 errs or None)


def _plain(t: Any) -> Any:
    return tuple(t) if isinstance(t, tuple) else t


def _typed(bound: BoundSpec, t: Any) -> Any:
    """A state sent as a plain tuple, as its State again (anything else as it came)."""
    return tuple.__new__(bound.State, t) if type(t) is tuple and len(t) == len(bound.names) else t


def _rebalance(crew: Any, sizes: list[int]) -> list[int]:
    """Move states between neighbouring workers until the segments differ by at most ~10% (order kept)."""
    total = sum(sizes)
    w_n = len(sizes)
    if total == 0 or max(sizes) - min(sizes) <= max(64, total // (10 * w_n)):
        return sizes
    want = _split(total, w_n)
    have = [0]
    for s in sizes:
        have.append(have[-1] + s)
    for w in range(w_n - 1):
        # boundary between worker w and w+1 should move from have[w+1] to want[w+1]
        d = have[w + 1] - want[w + 1]
        if d > 0:    # w gives its last d states to w+1
            crew.take(w + 1, crew.give(w, d, True), False)
        elif d < 0:  # w+1 gives its first -d states to w
            crew.take(w, crew.give(w + 1, -d, False), True)
        sizes[w] -= d
        sizes[w + 1] += d
        have[w + 1] = want[w + 1]
    return sizes


def _replica_seen(table: FingerprintTable) -> tuple[Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], None]]:
    """(seen, learn) over a replica of the coordinator's fingerprint table (copied by the fork)."""
    def seen(keys: np.ndarray) -> np.ndarray:
        return table.lookup(keys) >= 0

    def learn(keys: np.ndarray) -> None:
        table.insert(keys, np.zeros(len(keys), np.int32))
    return seen, learn


class LayerWorker:
    """A worker's side of the layer-synchronous search, whatever carries its messages: it holds its
    segment of the current layer, expands it in batches (`layer`), keeps the candidates the coordinator
    accepted as its next segment (`accept`), and passes states to its neighbours (`give`, `take`).
    `seen(keys)` says which fingerprints belong to earlier layers, `learn(keys)` adds a layer's (a
    replica of the whole table, or the fingerprints this worker owns on a cluster)."""

    def __init__(self, bound: BoundSpec, labels: list, expand: Callable, props: PropertyTracker, segment: list[Any],
                 keep_edges: bool, seen: tuple[Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], None]]):
        self.bound, self.labels, self.expand, self.props = bound, labels, expand, props
        self.segment, self.keep_edges = segment, keep_edges
        self.seen, self.learn = seen
        self.sent = len(labels)   # labels the coordinator knows
        self.kept: list[list[Any]] = []   # per batch of the layer: its candidate states
        self.budget = Budget(Limits(), None, time.monotonic())

    def layer(self) -> Iterator[tuple]:
        """Expand the segment in batches of ~0.1 s: a message per batch, then ("done",) (or an error)."""
        mine = FingerprintTable()        # candidates of this layer
        self.kept = []
        off = 0
        size = self.budget.batch(0, 0.0)
        while off < len(self.segment):
            t1 = time.monotonic()
            chunk = self.segment[off:off + size]
            msg, cands = _expand_batch(self, chunk, mine)
            yield msg
            if msg[0] == "error":
                return
            self.kept.append(cands)
            self.sent = len(self.labels)
            off += len(chunk)
            size = self.budget.batch(len(chunk), time.monotonic() - t1)
        yield ("done",)

    def accept(self, acc: list[np.ndarray], keys: np.ndarray) -> int:
        """Keep the accepted candidates (indices per batch) as the next segment; learn `keys`. The new size."""
        self.segment = [states[i] for states, a in zip(self.kept, acc) for i in a.tolist()]
        self.kept = []
        if len(keys):
            self.learn(keys)
        return len(self.segment)

    def give(self, n: int, tail: bool) -> list[tuple]:
        """Remove the last (or first) n states of the segment; they travel as plain tuples."""
        seg = self.segment
        out, self.segment = (seg[len(seg) - n:], seg[:len(seg) - n]) if tail else (seg[:n], seg[n:])
        return [tuple(t) for t in out]

    def take(self, states: list[tuple], tail: bool) -> None:
        """Add states (plain tuples) at the end (or the start) of the segment."""
        new, State = tuple.__new__, self.bound.State
        got = [new(State, t) for t in states]
        self.segment = self.segment + got if tail else got + self.segment


def _serve(conn, theirs: list, worker: LayerWorker) -> None:
    """A forked worker: answer the coordinator's messages on `conn` until it closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # the coordinator stops the workers
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    for c in theirs:  # the coordinator's ends, inherited by the fork: with them open, no EOF when it dies
        c.close()
    gc.disable()
    try:
        while True:
            msg = conn.recv()
            kind = msg[0]
            if kind == "layer":
                for out in worker.layer():
                    conn.send(out)
            elif kind == "accept":
                conn.send(("size", worker.accept(msg[1], msg[2])))
            elif kind == "give":
                conn.send(("states", worker.give(msg[1], msg[2])))
            elif kind == "take":
                worker.take(msg[1], msg[2])
                conn.send(("ok",))
    except (EOFError, OSError, KeyboardInterrupt):
        pass
    except BaseException as e:  # a bug of ours: tell the coordinator, which reports it
        try:
            conn.send(("error", f"search worker failed: {type(e).__name__}: {e}", None))
        except Exception:
            pass
    finally:
        os._exit(0)


def _expand_batch(wk: LayerWorker, chunk: list[Any], mine: FingerprintTable) -> tuple[tuple, list[Any]]:
    """Expand one batch of a worker's part of the layer: (the message for the coordinator, the candidates)."""
    bound, labels, props = wk.bound, wk.labels, wk.props
    valid, attention, possible = bound.valid, props.attention, props.possible
    try:
        lid_l, ts, counts = expand_chunk(bound, wk.expand, chunk)
    except ModelError as err:
        return ("error", str(err), _plain(err.state)), []
    lids = np.array(lid_l, np.int64)
    try:
        keys, uniq, first = fingerprints(bound, labels, lid_l, lids, ts, counts, chunk)
    except ModelError as err:
        return ("error", str(err), _plain(err.state)), []
    fresh = mine.lookup(uniq) < 0
    if fresh.any():
        fresh[fresh] = ~wk.seen(uniq[fresh])
    cand_pos = np.sort(first[fresh])
    cand_keys = keys[cand_pos]
    mine.insert(cand_keys, np.zeros(len(cand_keys), np.int32))
    cands = [ts[k] for k in cand_pos.tolist()]
    ok = np.fromiter((valid(t) for t in cands), bool, len(cands))
    shipped: dict[int, Any] = {}
    needs = None
    if attention is not None:
        needs = np.zeros(len(cands), bool)
        for i, t in enumerate(cands):
            try:
                hit = attention(t)
            except Exception:
                hit = True
            if hit:
                needs[i] = True
                shipped[i] = t
    goals = None
    if possible:
        goals = np.zeros((len(cands), len(possible)), np.uint8)
        for i, t in enumerate(cands):
            try:
                goals[i] = [1 if p.predicate(t) else 0 for p in possible]
            except Exception:  # the coordinator computes it again and reports the property that raised
                goals[i] = 255
                shipped[i] = t
    errors = {}
    for i in np.flatnonzero(~ok).tolist():
        k = int(cand_pos[i])
        err = _invalid(bound, labels, lid_l[k], cands[i], chunk[_parent_of(counts, k)])
        errors[i] = (str(err), _plain(err.state))
    dead = [(j, chunk[j]) for j, c in enumerate(counts) if c == 0 and not props.is_terminal(chunk[j])] \
        if props.check_deadlock else []
    # states travel as plain tuples: the State class is made at bind time and does not pickle
    shipped = {i: _plain(t) for i, t in shipped.items()}
    dead = [(j, _plain(t)) for j, t in dead]
    ai_of = {id(a): i for i, a in enumerate(bound.actions)}
    new_labels = [(ai_of[id(a)], args) for a, args in labels[wk.sent:]]  # labels this worker numbered itself
    msg = ("batch", np.asarray(counts, np.int64), lids, cand_pos, cand_keys, ok, needs, goals, shipped, dead,
           keys if wk.keep_edges else None, errors, new_labels)
    return msg, cands

