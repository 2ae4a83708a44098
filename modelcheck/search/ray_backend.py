"""The layer-synchronous search of `parallel.py` on a Ray cluster: actors instead of forked processes.

The coordinator (this process, `parallel.run_layers`) is unchanged: it takes the actors' batches in id
order through `Search.take`, so counts, verdicts and shortest counterexamples are those of one process.
What differs from the forked workers:

- Ownership: the fingerprints of earlier layers are partitioned, `key % n` owned by actor `key % n`,
  instead of a full replica in every worker. An actor asks the owners whether the candidates of a
  batch were seen (one request per other owner per batch, answered from the owner's other threads while
  it expands its own segment); at the end of a layer each actor receives only the fingerprints it owns.
- Actors are separate Python processes, possibly on other machines: each rebuilds the bound spec, its
  compiled properties and its successor function from a picklable recipe (`RayPlan.recipe`), and numbers
  the labels the coordinator already knows in the same order. They share the coordinator's
  PYTHONHASHSEED (Ray's runtime environment), so that `hash(state)` is the same fingerprint everywhere;
  a spec whose states hold strings needs PYTHONHASHSEED set (strings are the only salted atoms).
- The frontier travels in batches: the coordinator's layer is cut into one contiguous segment per actor
  at the hand-over, then each actor keeps the candidates accepted from its batches, and neighbours
  pass runs of states to each other through the coordinator to rebalance.

The messages of a run are counted (`Result.messages`): batches, owner lookups, fingerprints and states
shipped, with their payload bytes.
"""
from __future__ import annotations

import gc
import os
import pickle
import socket
import time
from array import array
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from ..spec import BoundSpec, UsageError
from ..z3bridge import CompiledProperty
from .bfs import Search
from .core import ModelError, PropertyTracker, Result, canonical_successors, expander_of, make_expander
from .parallel import LayerWorker, _split, run_layers
from .visited import FingerprintTable, holds_strings

__all__ = ["RayPlan", "continue_on_ray", "connect"]

CANARY = "modelcheck fingerprint salt"


@dataclass
class RayPlan:
    """Where and what to run on Ray: `address` of a running cluster (None: start a local one), and
    `recipe()` -> (bound spec, compiled properties, canonical map or None), picklable, run by each actor."""
    address: str | None
    recipe: Callable[[], tuple[BoundSpec, list[CompiledProperty], Callable[[Any], Any] | None]]


def _import_ray():
    try:
        import ray
    except ImportError:
        raise UsageError("--ray needs Ray: pip install 'modelcheck[ray]'") from None
    return ray


def connect(address: str | None) -> Any:
    """The ray module, connected to the cluster at `address` or to a new local one (None). An existing
    connection of this process is reused. Actors inherit this process's PYTHONHASHSEED."""
    ray = _import_ray()
    if ray.is_initialized():
        return ray
    seed = os.environ.get("PYTHONHASHSEED")
    env = {"env_vars": {"PYTHONHASHSEED": seed}} if seed and seed != "random" else None
    kw: dict[str, Any] = dict(runtime_env=env, include_dashboard=False, log_to_driver=False,
                              logging_level="ERROR")
    try:
        if address is None:  # a cluster of this machine alone, on the loopback address
            ray.init(address="local", num_cpus=os.cpu_count() or 1, _node_ip_address="127.0.0.1", **kw)
        else:
            ray.init(address=address, **kw)
    except (ConnectionError, RuntimeError, ValueError) as e:
        where = f"the Ray cluster at {address}" if address else "a local Ray cluster"
        raise UsageError(f"cannot connect to {where}: {str(e).splitlines()[0] if str(e) else type(e).__name__}") \
            from None
    return ray


class Owner:
    """One actor: a `LayerWorker` over its segment of the layer, and the owner of the fingerprints of
    earlier layers with `key % n == w`."""

    def __init__(self, w: int, n: int, recipe: Callable, labels_seed: list[tuple[int, tuple]], keep_edges: bool):
        bound, properties, canonical = recipe()
        fn, expand, labels, register = make_expander(bound)
        for ai, args in labels_seed:
            register(ai, args)
        if canonical is not None:
            expand = expander_of(canonical_successors(fn, canonical, bound.valid))
        res = Result(bound, properties, [], array("i"), array("i"), labels)
        props = PropertyTracker(bound, properties, res, True, False)
        self.w, self.n, self.peers = w, n, []
        self.own = FingerprintTable()
        self.worker = LayerWorker(bound, labels, expand, props, [], keep_edges, (self.seen, self.learn))
        self.asked = self.asked_bytes = 0
        gc.disable()  # as in a forked worker: states make no reference cycles
        self.ai_of = [(bound.actions.index(a), args) for a, args in labels]

    def hello(self, peers: list) -> tuple[int, int, str, list]:
        """Learn the other actors; (hash of the canary string, pid, host name, labels as (action index, args))."""
        self.peers = peers
        return hash(CANARY), os.getpid(), socket.gethostname(), self.ai_of

    def load(self, states: list[tuple], keys: np.ndarray) -> None:
        """The segment of the hand-over layer, and the fingerprints of earlier layers this actor owns."""
        self.worker.take(states, True)
        self.learn(keys)

    def layer(self):
        yield from self.worker.layer()

    def accept(self, acc: list[np.ndarray], keys: np.ndarray) -> int:
        return self.worker.accept(acc, keys)

    def give(self, n: int, tail: bool) -> list[tuple]:
        return self.worker.give(n, tail)

    def take(self, states: list[tuple], tail: bool) -> None:
        self.worker.take(states, tail)

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        """Which of `keys` (all owned here) were seen in earlier layers."""
        return self.own.lookup(keys) >= 0

    def seen(self, keys: np.ndarray) -> np.ndarray:
        """Which of `keys` were seen in earlier layers: asked of their owners, all at once."""
        import ray
        owner = (keys % np.uint64(self.n)).astype(np.int64)
        out = np.zeros(len(keys), bool)
        asks = []
        for o in np.unique(owner).tolist():
            sel = np.flatnonzero(owner == o)
            if o == self.w:
                out[sel] = self.lookup(keys[sel])
            else:
                asks.append((sel, self.peers[o].lookup.remote(keys[sel])))
                self.asked += 1
                self.asked_bytes += 9 * len(sel)  # 8 bytes of key out, one byte of answer back
        for sel, ref in asks:
            out[sel] = ray.get(ref)
        return out

    def learn(self, keys: np.ndarray) -> None:
        if len(keys):
            self.own.insert(keys, np.zeros(len(keys), np.int32))

    def stats(self) -> tuple[int, int, int]:
        """(owner lookups sent, their bytes, fingerprints owned)."""
        return self.asked, self.asked_bytes, len(self.own)


def _payload(msg: tuple) -> int:
    """Bytes of a message's payload: numpy arrays by size, anything else pickled."""
    total = 0
    for x in msg:
        if isinstance(x, np.ndarray):
            total += x.nbytes
        elif isinstance(x, list) and x and isinstance(x[0], np.ndarray):
            total += sum(a.nbytes for a in x)
        elif x is not None and not isinstance(x, str):
            total += len(pickle.dumps(x, protocol=pickle.HIGHEST_PROTOCOL))
    return total


class RayCrew:
    """Ray actors as the crew of `parallel.run_layers`."""

    def __init__(self, ray: Any, plan: RayPlan, S: Search, frontier: list[Any]):
        self.ray = ray
        n = max(1, int(ray.cluster_resources().get("CPU", 1)))
        self.n = n
        actor = ray.remote(max_concurrency=4)(Owner)
        seed = [(S.bound.actions.index(a), args) for a, args in S.labels]
        self.actors = [actor.options(num_cpus=1).remote(w, n, plan.recipe, seed, S.keep_edges) for w in range(n)]
        try:
            hello = ray.get([a.hello.remote(self.actors) for a in self.actors])
        except ray.exceptions.RayTaskError as e:
            self.close(S)
            raise ModelError(f"a Ray actor could not rebuild the spec: {_cause(e)}") from None
        salt = hash(CANARY)
        if any(h[0] != salt for h in hello) and holds_strings(S.bound):
            self.close(S)
            raise UsageError("--ray: this spec's states hold strings, whose hash is salted per process: "
                             "set PYTHONHASHSEED (e.g. PYTHONHASHSEED=0) so the actors fingerprint as this process")
        if any(h[3] != seed for h in hello):
            self.close(S)
            raise ModelError("a Ray actor numbers the spec's actions differently: is the same spec file and "
                             "modelcheck version on every machine?")
        here = socket.gethostname()
        self.pids = [h[1] for h in hello if h[2] == here]
        self.hosts = sorted({h[2] for h in hello})
        seg = _split(len(frontier), n)
        self.sizes = [seg[w + 1] - seg[w] for w in range(n)]
        keys = np.concatenate([k for k, _ in S.table.runs]) if S.table.runs else np.zeros(0, np.uint64)
        owner = keys % np.uint64(n)
        self.msgs = {"batches": 0, "batch_bytes": 0, "segments": n, "segment_bytes": 0, "fingerprints_sent": 0,
                     "moved_states": 0}
        loads = []
        for w, a in enumerate(self.actors):
            part = [tuple(t) for t in frontier[seg[w]:seg[w + 1]]]
            self.msgs["segment_bytes"] += len(pickle.dumps(part, protocol=pickle.HIGHEST_PROTOCOL))
            mine = keys[owner == w]
            self.msgs["fingerprints_sent"] += len(mine)
            loads.append(a.load.remote(part, mine))
        ray.get(loads)
        self.gens: list = []

    def layer(self) -> None:
        self.gens = [a.layer.remote() for a in self.actors]

    def next(self, w: int, timeout: float) -> tuple | None:
        ray = self.ray
        ready, _ = ray.wait([self.gens[w]], timeout=timeout)
        if not ready:
            return None
        try:
            msg = ray.get(next(self.gens[w]))
        except StopIteration:
            return ("done",)
        except ray.exceptions.RayError as e:
            return ("error", f"search actor failed: {_cause(e)}", None)
        if msg[0] == "batch":
            self.msgs["batches"] += 1
            self.msgs["batch_bytes"] += _payload(msg)
        return msg

    def accept(self, accepted: list[list], keys: np.ndarray) -> list[int]:
        owner = keys % np.uint64(self.n)
        refs = []
        for w, a in enumerate(self.actors):
            mine = keys[owner == w]
            self.msgs["fingerprints_sent"] += len(mine)
            refs.append(a.accept.remote(accepted[w], mine))
        return self.ray.get(refs)

    def give(self, w: int, n: int, tail: bool) -> list[tuple]:
        self.msgs["moved_states"] += n
        return self.ray.get(self.actors[w].give.remote(n, tail))

    def take(self, w: int, states: list[tuple], tail: bool) -> None:
        self.ray.get(self.actors[w].take.remote(states, tail))

    def close(self, S: Search) -> None:
        S.budget.peak_mb = max(S.budget.peak_mb, S.budget.memory_mb(fresh=True))
        S.budget.pids = []
        if getattr(self, "msgs", None) is not None:
            try:
                stats = self.ray.get([a.stats.remote() for a in self.actors], timeout=30)
                self.msgs["lookups"] = sum(s[0] for s in stats)
                self.msgs["lookup_bytes"] = sum(s[1] for s in stats)
                self.msgs["owned"] = [s[2] for s in stats]
            except Exception:  # an actor died: its figures are lost, the search's are not
                pass
            self.msgs["fingerprint_bytes"] = 8 * self.msgs["fingerprints_sent"]
            S.res.messages = dict(self.msgs, actors=self.n, hosts=len(self.hosts))
        for a in self.actors:
            self.ray.kill(a)


def _cause(e: BaseException) -> str:
    """The last line of a Ray error (the exception the actor raised)."""
    lines = [ln for ln in str(e).splitlines() if ln.strip()]
    return lines[-1].strip() if lines else type(e).__name__


def continue_on_ray(S: Search, frontier: list[Any], layer_start: int, depth: int, expand: Callable,
                    plan: RayPlan, register: Callable[[int, tuple], int]) -> tuple[int, int]:
    """Continue the search `S` from the layer `frontier` on the actors of a Ray cluster; returns (states
    left unexpanded, depth reached) as `bfs` does."""
    ray = connect(plan.address)
    t = time.monotonic()
    crew = RayCrew(ray, plan, S, frontier)
    crew.msgs["start_seconds"] = round(time.monotonic() - t, 2)
    del frontier
    return run_layers(S, crew, layer_start, depth, register)
