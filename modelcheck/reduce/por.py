"""Partial-order reduction for safety: expand a stubborn subset of the enabled actions.

A spec declares each action's footprint, the state variables its guard, `over` and effect read and
the variables its effect writes:

    def footprints(self):
        return {"inc_a": ("a", "a"), "send": ("a q", "q"), ...}   # action -> (reads, writes)

Two actions are dependent when one writes a variable the other reads or writes. In a state s the
search expands, instead of every enabled action, the enabled actions of a *stubborn set* T: start
from one action with an enabled instance and close T under "an action of T with an instance enabled
in s brings in every action dependent on it; an action of T with no instance enabled brings in every
action that writes a variable it reads" (Valmari's conditions D1 and D2, at the granularity of
variables). Then no sequence of actions outside T can disable, enable or change the effect of an
action of T, and every deadlock and every reachable violation of a safety property is kept if also:

- visibility: a proper subset never contains an action that writes a variable a property reads;
- cycle proviso (BFS): a proper subset is rejected if one of its successors was already discovered at
  the current depth or above (a cycle of the reduced graph closes only through such an edge, so every
  cycle has a fully expanded state, and no action is ignored forever).

Reduction is off (the full search runs) for `always_possible` properties (AG EF is not preserved),
with `--all-violations` (it keeps one violation per path, not every violating state), and for specs
with no footprints. Footprints are claims: every transition the search computes is checked against
the declared writes, and `check_reads` runs guards and effects on states whose undeclared variables
are poisoned, so an undeclared read raises; both are errors naming the action.
"""
from __future__ import annotations

import re
from typing import Any, Callable

from ..spec import BoundSpec, SpecError
from .declared import declared

__all__ = ["Footprints", "compile_footprints", "Reducer", "check_reads", "PoisonRead", "reducer_for", "derive_footprints",
           "footprints_from", "property_reads"]


class Footprints:
    """Per action name: (variables read, variables written), as sets of state-tuple positions."""

    def __init__(self, bound: BoundSpec, table: dict[str, tuple[set[int], set[int]]]):
        self.bound, self.table = bound, table

    def reads(self, name: str) -> set[int]:
        return self.table[name][0]

    def writes(self, name: str) -> set[int]:
        return self.table[name][1]

    def names(self, idx: set[int]) -> str:
        return ", ".join(self.bound.names[i] for i in sorted(idx))


def _var_set(bound: BoundSpec, action: str, what: str, spec: Any) -> set[int]:
    items = spec.split() if isinstance(spec, str) else list(spec)
    out = set()
    for v in items:
        if v not in bound.variables:
            raise SpecError(f"{bound.name}.footprints(): action {action!r} {what} {v!r}, which is not a variable; "
                            f"variables: {', '.join(bound.names)}")
        out.add(bound.names.index(v))
    return out


def compile_footprints(bound: BoundSpec) -> Footprints | None:
    """The spec's declared footprints (`footprints(self)`), or None if it declares none."""
    decl = declared(bound, "footprints")
    if decl is None:
        return None
    if not isinstance(decl, dict):
        raise SpecError(f"{bound.name}.footprints() must return a dict action -> (reads, writes), "
                        f"got {type(decl).__name__}")
    known = {a.name for a in bound.cls._actions}
    table = {}
    for name, rw in decl.items():
        if name not in known:
            raise SpecError(f"{bound.name}.footprints() names {name!r}, which is not an action")
        if not (isinstance(rw, tuple) and len(rw) == 2):
            raise SpecError(f"{bound.name}.footprints(): {name!r} must map to (reads, writes), got {rw!r}")
        table[name] = (_var_set(bound, name, "reads", rw[0]), _var_set(bound, name, "writes", rw[1]))
    missing = [a.name for a in bound.actions if a.name not in table]
    if missing:
        raise SpecError(f"{bound.name}.footprints() gives no footprint for {', '.join(missing)}")
    return Footprints(bound, table)


_VAR = re.compile(r"\bs\[(\d+)\]")


def property_reads(props: list) -> set[int]:
    """The state variables the properties' formulas mention (from their leaves' Python code)."""
    out: set[int] = set()
    for p in props:
        for leaf in p.leaves:
            out.update(int(m) for m in _VAR.findall(leaf.code))
    return out


class Reducer:
    """The stubborn-set selector plugged into the search: `select(s, succ, old)` keeps a subset of
    `succ` (the [(label id, state)] of every enabled action) and checks the declared writes."""

    def __init__(self, bound: BoundSpec, fp: Footprints, labels: list, visible: set[int]):
        self.bound, self.fp, self.labels = bound, fp, labels
        actions = [a.name for a in bound.actions]
        self.actions = actions
        self.aid = {n: i for i, n in enumerate(actions)}
        k = len(actions)
        R = [fp.reads(n) for n in actions]
        W = [fp.writes(n) for n in actions]
        self.write_mask = [sum(1 << v for v in W[i]) for i in range(k)]
        bit = lambda i: 1 << i  # noqa: E731
        # dep[i]: actions dependent on i (i itself included); nes[i]: actions that write what i reads
        self.dep = [sum(bit(j) for j in range(k) if W[i] & (R[j] | W[j]) or W[j] & R[i]) | bit(i) for i in range(k)]
        self.nes = [sum(bit(j) for j in range(k) if W[j] & R[i]) for i in range(k)]
        self.visible_actions = sum(bit(i) for i in range(k) if W[i] & visible)
        self.lid_action: list[int] = []
        self.expanded = self.reduced = 0

    def _action_of(self, lid: int) -> int:
        la = self.lid_action
        while len(la) <= lid:  # labels grow as state-dependent `over`s meet new arguments
            la.append(self.aid[self.labels[len(la)][0].name])
        return la[lid]

    def check_writes(self, s: Any, succ: list) -> None:
        """Every successor changes only variables its action declares it writes."""
        for lid, t in succ:
            if t is s or type(t) is not type(s):
                continue  # an invalid successor is the search's to report
            wm = self.write_mask[self._action_of(lid)]
            for i, (x, y) in enumerate(zip(s, t)):
                if not (wm >> i) & 1 and x is not y and x != y:
                    a, args = self.labels[lid]
                    raise SpecError(f"{a.where}: action {self.bound.label(a, args)!r} changed {self.bound.names[i]}, "
                                    f"which its footprint does not declare as written (footprints(): "
                                    f"writes {self.fp.names(self.fp.writes(a.name)) or 'nothing'})")

    def select(self, s: Any, succ: list, old: Callable[[Any], bool]) -> list:
        """The successors through a stubborn set of s's enabled actions, or all of them if none qualifies."""
        self.check_writes(s, succ)
        self.expanded += 1
        if len(succ) < 2:
            return succ
        by_action: dict[int, list] = {}
        for x in succ:
            by_action.setdefault(self._action_of(x[0]), []).append(x)
        if len(by_action) < 2:
            return succ
        enabled = sum(1 << i for i in by_action)
        best = None
        for start in sorted(by_action, key=lambda i: len(by_action[i])):
            if (1 << start) & self.visible_actions:
                continue
            T = self._closure(start, enabled)
            amp = T & enabled
            if amp == enabled or amp & self.visible_actions:
                continue
            picked = [x for i in by_action if (amp >> i) & 1 for x in by_action[i]]
            if any(old(t) for _, t in picked):
                continue
            if best is None or len(picked) < len(best):
                best = picked
                if len(by_action[start]) == len(picked):
                    break
        if best is None:
            return succ
        self.reduced += 1
        order = {id(x): k for k, x in enumerate(succ)}  # keep the search's own order
        return sorted(best, key=lambda x: order[id(x)])

    def _closure(self, start: int, enabled: int) -> int:
        T, todo = 1 << start, [start]
        dep, nes = self.dep, self.nes
        while todo:
            i = todo.pop()
            add = dep[i] if (enabled >> i) & 1 else nes[i]
            new = add & ~T
            if new:
                T |= new
                j = 0
                while new:
                    if new & 1:
                        todo.append(j)
                    new >>= 1
                    j += 1
        return T


# -- checking declared reads ----------------------------------------------------------------------------

class PoisonRead(Exception):
    """An action used a variable its footprint does not declare as read."""


class _Poison:
    """Stands for an undeclared variable: any use of it raises PoisonRead (copying it does not)."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def _raise(self, *a: Any, **k: Any) -> Any:
        raise PoisonRead(self.name)

    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = __hash__ = __bool__ = __len__ = __iter__ = _raise
    __contains__ = __getitem__ = __add__ = __radd__ = __sub__ = __rsub__ = __or__ = __ror__ = __and__ = _raise
    __rand__ = __mul__ = __rmul__ = __int__ = __index__ = __neg__ = __xor__ = __rxor__ = __mod__ = _raise
    __floordiv__ = __truediv__ = __getattr__ = __call__ = __reversed__ = _raise


def check_reads(bound: BoundSpec, fp: Footprints, states: list[Any]) -> None:
    """Run every action's `over`, guard and effect on each state with its undeclared variables poisoned;
    a use of one is a SpecError naming the action and the variable. The declared writes of the result
    must also equal those of the real step."""
    new = lambda vals: tuple.__new__(bound.State, vals)  # noqa: E731
    for s in states:
        for a in bound.actions:
            reads = fp.reads(a.name)
            p = new([x if i in reads else _Poison(n) for i, (n, x) in enumerate(zip(bound.names, s))])
            try:
                cands = bound.candidates(a, p)
                for args in cands:
                    if a.guard is None or a.guard(bound.inst, p, *args):
                        got = a.effect(bound.inst, p, *args)
                        real = a.effect(bound.inst, s, *args)
                        for i in fp.writes(a.name):
                            if got[i] is not real[i] and got[i] != real[i]:
                                raise PoisonRead(bound.names[i])
            except PoisonRead as e:
                raise SpecError(f"{a.where}: action {a.name!r} reads {e}, which its footprint does not declare "
                                f"(footprints(): reads {fp.names(reads) or 'nothing'})") from None
            except Exception:  # anything else the real step raises too; the search reports it there
                continue


def reducer_for(bound: BoundSpec, props: Any, *, all_violations: bool = False, graph: bool = False,
                max_depth: int | None = None, on_graph: list[str] | None = None) -> tuple[Reducer | None, str]:
    """The partial-order reducer for a check, or (None, why it is off) when it is not sound or not declared.
    `on_graph` names the step and liveness properties and state constraints, which need the full graph."""
    fp = compile_footprints(bound)
    if fp is None:
        return None, "the spec declares no footprints"
    if on_graph:
        return None, f"{', '.join(on_graph)} need(s) the unreduced state graph (step and liveness properties, state constraints)"
    if any(p.kind == "always_possible" for p in props):
        return None, "always_possible properties need the full graph"
    if all_violations:
        return None, "--all-violations needs every violating state"
    if graph:
        return None, "--graph writes the full graph"
    if max_depth is not None:
        return None, "--max-depth bounds the full graph's depth"
    return Reducer(bound, fp, [], property_reads([p for p in props if p.kind in ("always", "sometimes")])), ""


# -- deriving footprints ---------------------------------------------------------------------------------

def _recording_state(bound: BoundSpec) -> tuple[type, set[str], set[str]]:
    """A State subclass that records the variables read (attribute, index, iteration) and the variables
    `set(...)` assigns; copying the unassigned ones into the successor is not a read."""
    State, names = bound.State, bound.names
    index = {n: i for i, n in enumerate(names)}
    reads: set[str] = set()
    assigned: set[str] = set()
    ns: dict[str, Any] = {"__slots__": ()}
    for i, n in enumerate(names):
        ns[n] = property(lambda self, i=i, n=n: (reads.add(n), tuple.__getitem__(self, i))[1])

    def getitem(self: Any, k: Any) -> Any:
        reads.update([names[k]] if isinstance(k, int) else names[k])
        return tuple.__getitem__(self, k)

    def iterate(self: Any) -> Any:
        reads.update(names)
        return tuple.__iter__(self)

    def set_(self: Any, **kw: Any) -> Any:
        vals = list(tuple.__iter__(self))
        for k, v in kw.items():
            vals[index[k]] = v
        assigned.update(kw)
        return tuple.__new__(State, vals)

    ns.update(__getitem__=getitem, __iter__=iterate, set=set_)
    return type("Recording" + State.__name__, (State,), ns), reads, assigned


def derive_footprints(bound: BoundSpec, states: list[Any]) -> dict[str, tuple[set[str], set[str]]]:
    """Per action, the variables its `over`, guard and effect read and the variables its effect assigns
    or changes, over the given states: a draft for `footprints()`. It holds for the states given only;
    it is a sound footprint for a search only if they are every reachable state (e.g. a full run's)."""
    Rec, reads, assigned = _recording_state(bound)
    out: dict[str, tuple[set[str], set[str]]] = {a.name: (set(), set()) for a in bound.actions}
    for s in states:
        r = tuple.__new__(Rec, s)
        for a in bound.actions:
            reads.clear()
            assigned.clear()
            rd, wr = out[a.name]
            try:
                for args in bound.candidates(a, r):
                    if a.guard is None or a.guard(bound.inst, r, *args):
                        t = a.effect(bound.inst, r, *args)
                        wr.update(n for n, x, y in zip(bound.names, s, t) if x is not y and x != y)
            finally:
                rd.update(reads)
                wr.update(assigned)
    return out


def footprints_from(bound: BoundSpec, table: dict[str, tuple[set[str], set[str]]]) -> Footprints:
    """Footprints from a table action -> (variable names read, variable names written)."""
    return Footprints(bound, {k: ({bound.names.index(x) for x in r}, {bound.names.index(x) for x in w})
                              for k, (r, w) in table.items()})
