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

Two refinements make it bite on a spec whose every guard reads an end-of-run flag and whose tasks
have program counters (the flagship):

- final flags (`final_flags(self)` -> "exported cut"): Bool variables that, once true, leave no action
  enabled (proved before the search: every guard is run with the flag true and every other variable
  poisoned, except one whose domain has a single value, and must return false without touching them). Every action that fires therefore sees them
  false: they are not reads. An action that can set one (a *finalizer*) is dependent on every action.
  Why that is sound: on any path the flags are false until its last state, so a commuted path is a
  path of the same system with the flags' guard conjuncts removed until that state; a key action of a
  stubborn set that a finalizer outside it would disable is executed just before that finalizer
  instead, which reaches the same state up to the key action's own (invisible) writes.
- needs and sets (a footprint given as a dict): `needs={"t1": T1PC.wstep}` says the action is enabled
  only where t1 has one of those values (`needs={"bFrame bEnd": lambda s: ...}`: only where the test
  over those variables holds); `sets={"t1": (T1PC.posthash,)}` says which values it can write into t1.
  A disabled action whose need fails in s can become enabled only through an action that can set that
  variable to a needed value, so the stubborn set takes those actions instead of every writer
  of what it reads (for a test over several variables: every writer of them; Valmari's necessary
  enabling sets, chosen per state). Both are claims checked on every state the search expands (needs)
  and every transition it computes (sets).

A terminal predicate is visible too (it decides whether a state without successors is a deadlock).
Reduction is off (the full search runs) for `always_possible` properties (AG EF is not preserved),
with `--all-violations` (it keeps one violation per path, not every violating state), and for specs
with no footprints. Footprints are claims: every transition the search computes is checked against
the declared writes, and `check_reads` runs guards and effects on states whose undeclared variables
are poisoned, so an undeclared read raises; both are errors naming the action.
"""
from __future__ import annotations

import inspect
import itertools
import re
from typing import Any, Callable

from ..spec import BoundSpec, SpecError
from .declared import declared

__all__ = ["Footprints", "compile_footprints", "Reducer", "check_reads", "check_final", "PoisonRead", "reducer_for",
           "derive_footprints", "footprints_from", "property_reads"]


class Footprints:
    """Per action name: (variables read, variables written), as sets of state-tuple positions; per action
    its `needs` [(position, values) or (positions, test(s))] and `sets` {position: values}; the positions
    of the final flags."""

    def __init__(self, bound: BoundSpec, table: dict[str, tuple[set[int], set[int]]],
                 needs: dict[str, list[tuple[Any, Any]]] | None = None,
                 sets: dict[str, dict[int, frozenset]] | None = None, final: set[int] | None = None):
        self.bound, self.table = bound, table
        self.needs, self.sets, self.final = needs or {}, sets or {}, final or set()

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
    table, needs, sets = {}, {}, {}
    for name, rw in decl.items():
        if name not in known:
            raise SpecError(f"{bound.name}.footprints() names {name!r}, which is not an action")
        if isinstance(rw, dict) and set(rw) <= {"reads", "writes", "needs", "sets"}:
            rw, nd, st = (rw.get("reads", ""), rw.get("writes", "")), rw.get("needs", {}), rw.get("sets", {})
        else:
            nd, st = {}, {}
        if not (isinstance(rw, tuple) and len(rw) == 2):
            raise SpecError(f"{bound.name}.footprints(): {name!r} must map to (reads, writes) or a dict with keys "
                            f"reads, writes, needs, sets; got {rw!r}")
        table[name] = r, w = (_var_set(bound, name, "reads", rw[0]), _var_set(bound, name, "writes", rw[1]))
        needs[name] = [(_var_set(bound, name, "needs", v), vals) if callable(vals)
                       else (_var_set(bound, name, "needs", [v]).pop(), _values(bound, name, "needs", v, vals))
                       for v, vals in nd.items()]
        sets[name] = {i: _values(bound, name, "sets", v, vals) for v, vals in st.items()
                      for i in _var_set(bound, name, "sets", [v])}
        if not set().union(*[x if isinstance(x, set) else {x} for x, _ in needs[name]]) <= r or not set(sets[name]) <= w:
            raise SpecError(f"{bound.name}.footprints(): {name!r}: a variable in needs must be read and one in "
                            f"sets written")
    missing = [a.name for a in bound.actions if a.name not in table]
    if missing:
        raise SpecError(f"{bound.name}.footprints() gives no footprint for {', '.join(missing)}")
    flags = declared(bound, "final_flags")
    final = set() if flags is None else _var_set(bound, "final_flags()", "names", flags)
    for name, (r, _w) in table.items():
        r -= final  # a final flag is false wherever an action fires: not a read
    return Footprints(bound, table, needs, sets, final)


def _values(bound: BoundSpec, action: str, what: str, var: str, vals: Any) -> frozenset:
    """The values of `needs`/`sets` for one variable: one value or a tuple/list/set of them."""
    out = frozenset(vals) if isinstance(vals, (tuple, list, set, frozenset)) else frozenset([vals])
    if not out:
        raise SpecError(f"{bound.name}.footprints(): {action!r} {what} no value for {var!r}")
    return out


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
    `succ` (the [(label id, state)] of every enabled action) and checks the declared writes, needs and sets."""

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
        everyone = (1 << k) - 1
        # dep[i]: actions dependent on i (i itself included); nes[i]: actions that write what i reads.
        # A finalizer (it can set a final flag) disables every action: dependent on all of them.
        self.dep = [everyone if W[i] & fp.final else
                    sum(bit(j) for j in range(k) if W[i] & (R[j] | W[j]) or W[j] & R[i]) | bit(i) for i in range(k)]
        self.nes = [sum(bit(j) for j in range(k) if W[j] & R[i]) for i in range(k)]
        # needs[i]: [(test(s), the actions that can make it true)]: for one variable and its values, those
        # that can set it to one of them; for a condition over several variables, every writer of them
        def setters(v: int, vals: frozenset) -> int:
            return sum(bit(j) for j in range(k) if v in W[j]
                       and (v not in fp.sets.get(actions[j], {}) or fp.sets[actions[j]][v] & vals))
        self.needs = [[(lambda s, v=v, vals=vals: s[v] in vals, setters(v, vals)) if isinstance(v, int) else
                       (vals, sum(bit(j) for j in range(k) if v & W[j]))
                       for v, vals in fp.needs.get(actions[i], [])] for i in range(k)]
        self.need_text = [[self.bound.names[v] if isinstance(v, int) else fp.names(v)
                           for v, _ in fp.needs.get(actions[i], [])] for i in range(k)]
        self.sets = [sorted(fp.sets.get(n, {}).items()) for n in actions]
        self.visible_actions = sum(bit(i) for i in range(k) if W[i] & visible)
        self.lid_action: list[int] = []
        self.expanded = self.reduced = 0

    def _action_of(self, lid: int) -> int:
        la = self.lid_action
        while len(la) <= lid:  # labels grow as state-dependent `over`s meet new arguments
            la.append(self.aid[self.labels[len(la)][0].name])
        return la[lid]

    def check_writes(self, s: Any, succ: list) -> None:
        """Every successor changes only variables its action declares it writes, and a variable with
        declared `sets` only to one of those values; every enabled action's `needs` hold in s."""
        seen = 0
        for lid, t in succ:
            if t is s or type(t) is not type(s):
                continue  # an invalid successor is the search's to report
            ai = self._action_of(lid)
            wm = self.write_mask[ai]
            for i, (x, y) in enumerate(zip(s, t)):
                if not (wm >> i) & 1 and x is not y and x != y:
                    a, args = self.labels[lid]
                    raise SpecError(f"{a.where}: action {self.bound.label(a, args)!r} changed {self.bound.names[i]}, "
                                    f"which its footprint does not declare as written (footprints(): "
                                    f"writes {self.fp.names(self.fp.writes(a.name)) or 'nothing'})")
            for v, vals in self.sets[ai]:
                if t[v] != s[v] and t[v] not in vals:
                    a, args = self.labels[lid]
                    raise SpecError(f"{a.where}: action {self.bound.label(a, args)!r} set {self.bound.names[v]} to "
                                    f"{t[v]!r}, which its footprint's sets does not list ({sorted(vals)!r})")
            if not (seen >> ai) & 1:
                seen |= 1 << ai
                for (test, _), what in zip(self.needs[ai], self.need_text[ai]):
                    if not test(s):
                        a, args = self.labels[lid]
                        raise SpecError(f"{a.where}: action {self.bound.label(a, args)!r} is enabled in a state "
                                        f"its footprint's needs on {what} exclude")

    def select(self, s: Any, succ: list, old: Callable[[Any], bool]) -> list:
        """The successors through a stubborn set of s's enabled actions, or all of them if none qualifies."""
        self.check_writes(s, succ)
        if succ and any(s[i] for i in self.fp.final):
            a, args = self.labels[succ[0][0]]
            raise SpecError(f"{a.where}: action {self.bound.label(a, args)!r} is enabled in a state with a final flag "
                            f"set ({self.fp.names({i for i in self.fp.final if s[i]})})")
        self.expanded += 1
        if len(succ) < 2:
            return succ
        by_action: dict[int, list] = {}
        for x in succ:
            by_action.setdefault(self._action_of(x[0]), []).append(x)
        if len(by_action) < 2:
            return succ
        enabled = sum(1 << i for i in by_action)
        nes = self._nes_in(s, enabled)
        best = None
        for start in sorted(by_action, key=lambda i: len(by_action[i])):
            if (1 << start) & self.visible_actions:
                continue
            T = self._closure(start, enabled, nes)
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

    def _nes_in(self, s: Any, enabled: int) -> list[int]:
        """Per action disabled in s, the actions one of which must fire before it can become enabled: for
        a failed need, those that can set its variable to a needed value (the smallest such set); else
        every writer of what it reads."""
        out = list(self.nes)
        for i, needs in enumerate(self.needs):
            if needs and not (enabled >> i) & 1:
                for test, setters in needs:
                    if bin(setters).count("1") < bin(out[i]).count("1") and not test(s):
                        out[i] = setters
        return out

    def _closure(self, start: int, enabled: int, nes: list[int]) -> int:
        T, todo = 1 << start, [start]
        dep = self.dep
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
        if any(s[i] for i in fp.final):
            continue  # no action is enabled there (check_final)
        for a in bound.actions:
            reads = fp.reads(a.name) | fp.final
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


def check_final(bound: BoundSpec, fp: Footprints) -> None:
    """Prove that a final flag, once true, leaves no action enabled: each action's guard, run on a state
    whose flag is true (the flags declared before it false) and whose every other variable is poisoned,
    must return false without touching them. Holds then for every state, reachable or not."""
    flags = sorted(fp.final)
    new = lambda vals: tuple.__new__(bound.State, vals)  # noqa: E731
    only = {}  # a variable whose domain has one value holds it in every state: not poisoned
    for i, t in enumerate(bound.variables.values()):
        vals = list(itertools.islice(t.values(), 2))
        if len(vals) == 1:
            only[i] = vals[0]
    for k, f in enumerate(flags):
        p = new([True if i == f else False if i in flags[:k] else only[i] if i in only else _Poison(n)
                 for i, n in enumerate(bound.names)])
        for a in bound.actions:
            try:
                cands = bound.candidates(a, p)
            except PoisonRead:  # a state-dependent `over`: any arguments (the guard must not look at them)
                cands = [tuple(_Poison("an argument") for _ in range(_arity(a.guard) - 2))] if a.guard else [()]
            try:
                ok = a.guard is not None and not any(a.guard(bound.inst, p, *args) for args in cands)
            except PoisonRead:
                ok = False
            if not ok:
                raise SpecError(f"{a.where}: action {a.name!r}: the final flag {bound.names[f]} does not disable it; "
                                f"its guard must test the final flags before anything else "
                                f"(final_flags(): {fp.names(fp.final)})")


def _arity(fn: Callable) -> int:
    return len(inspect.signature(fn).parameters)


def reducer_for(bound: BoundSpec, props: Any, *, all_violations: bool = False, graph: bool = False,
                max_depth: int | None = None, on_graph: list[str] | None = None) -> tuple[Reducer | None, str]:
    """The partial-order reducer for a check, or (None, why it is off) when it is not sound or not declared.
    `on_graph` names the step and liveness properties and state constraints, which need the full graph."""
    fp = compile_footprints(bound)
    if fp is None:
        return None, "the spec declares no footprints"
    if on_graph:
        return None, f"{', '.join(on_graph)} need(s) the unreduced state graph (step and liveness properties, state constraints)"
    possible = [p.name for p in props if p.kind == "always_possible"]
    if possible:
        return None, f"{', '.join(possible)} (always_possible) need(s) the full state graph; every property is checked on it"
    if all_violations:
        return None, "--all-violations needs every violating state"
    if graph:
        return None, "--graph writes the full graph"
    if max_depth is not None:
        return None, "--max-depth bounds the full graph's depth"
    check_final(bound, fp)
    # a terminal predicate decides whether a state without successors is a deadlock: it is visible too
    return Reducer(bound, fp, [], property_reads([p for p in props if p.kind in ("always", "sometimes", "terminal")])), ""


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
