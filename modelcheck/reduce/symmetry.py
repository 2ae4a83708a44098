"""Symmetry reduction: interchangeable values, an exact canonical form, and traces mapped back.

A spec declares a set of interchangeable values (TLC's `SYMMETRY Permutations(RM)`) and the places in
the state where they occur:

    def symmetry(self):
        return Symmetry("RM", range(self.RMs), rmState=Index(), tmPrepared=Members(), msgs=Members(at=1))

- `Index()`: a `TupleOf` (position i holds the data of value i) or a `MapOf` keyed by the values;
- `Members(at=None)`: a `SetOf` whose atoms are the values, or (with `at=k`) tuples whose item k is one;
- `Value()`: a scalar variable that may hold one of the values (any other value is left alone);
- `Values()`: every integer inside a variable (tuples, maps, sequences of them) that is one of the values.

Every other variable must be untouched by a permutation of the values. Under these places a state is
the unchanged rest plus one *column* per value (what the Index and Members places hold for it, and
which Value places name it), so sorting the columns is an exact canonical form: two states get the
same form if and only if a permutation of the values maps one onto the other. The explorer stores one
representative per orbit; a path over representatives is mapped back to a real path of the
unreduced spec by `real_path`.

Before a search `prove_invariant` asks Z3 whether every property is invariant under the permutations
(a transposition and a full cycle generate them all), and `initial_closed` checks that the initial
states are; that the actions commute with the permutations is the spec's claim, checked by
`check_transitions` on explored states (the tests run it) and whenever a trace is mapped back.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import z3

from ..spec import BoundSpec, SpecError
from ..types import Bool, IntRange, MapOf, SeqOf, SetOf, TupleOf, Type, json_key
from .declared import declared

__all__ = ["Symmetry", "Index", "Members", "Value", "Values", "Canonicaliser", "compile_symmetry", "prove_invariant",
           "initial_closed", "real_path", "check_transitions"]


@dataclass(frozen=True)
class Index:
    """The variable is a tuple (or map) with one entry per symmetric value, in the values' order."""


@dataclass(frozen=True)
class Members:
    """The variable is a set of values, or (with `at=k`) of tuples whose item k is a value."""
    at: int | None = None


@dataclass(frozen=True)
class Value:
    """The variable is a scalar that may hold one of the values."""


@dataclass(frozen=True)
class Values:
    """Every integer inside the variable (at any depth of tuples, maps and sequences) that is one of the
    values, e.g. the action values in frame arrays."""


class Symmetry:
    """A named set of interchangeable values and where they occur: `Symmetry("RM", range(n), x=Index(), ...)`."""

    def __init__(self, name: str, values: Any, **places: Any):
        self.name, self.values, self.places = name, tuple(values), places

    def __repr__(self) -> str:
        return f"Symmetry({self.name!r}, {list(self.values)!r}, {self.places!r})"


def _ident(x: Any) -> Any:
    return x


def value_key(t: Type) -> Callable[[Any], Any]:
    """A function from values of type t to keys that Python orders totally (sets by their domain order)."""
    if isinstance(t, (Bool, IntRange)):
        return _ident
    if isinstance(t, SetOf):
        order = t.order
        return lambda v: tuple(sorted(order[a] for a in v))
    if isinstance(t, (TupleOf, SeqOf, MapOf)):
        k = value_key(t.value if isinstance(t, MapOf) else t.elem)
        return _ident if k is _ident else (lambda v: tuple(map(k, v)))
    return lambda v: json_key(t.to_json(v))


def _is_val(x: Any, valset: dict) -> bool:
    return type(x) is not bool and x in valset


class Canonicaliser:
    """The exact canonical form of a bound spec's states under one declared symmetry."""

    def __init__(self, bound: BoundSpec, sym: Symmetry):
        self.bound, self.sym = bound, sym
        self.n = len(sym.values)
        self.pos = {v: i for i, v in enumerate(sym.values)}   # value -> its position 0..n-1
        self.names = bound.names
        where = f"{bound.name}.symmetry()"
        if self.n < 2:
            raise SpecError(f"{where}: symmetry {sym.name!r} needs at least two values, got {list(sym.values)!r}")
        if len(self.pos) != self.n:
            raise SpecError(f"{where}: symmetry {sym.name!r} repeats a value: {list(sym.values)!r}")
        self.index: list[tuple[int, list[int], Type]] = []      # (var position, value pos -> tuple slot, elem type)
        self.members: list[tuple[int, dict, SetOf]] = []        # (var position, atom -> (value pos, template id))
        self.scalars: list[int] = []
        self.deep: list[tuple[int, Callable[[Any, dict], Any]]] = []   # (var position, relabel(value, mapping))
        for vname, place in sym.places.items():
            if vname not in bound.variables:
                raise SpecError(f"{where}: symmetry {sym.name!r} names {vname!r}, which is not a variable; "
                                f"variables: {', '.join(bound.names)}")
            t, vi = bound.variables[vname], self.names.index(vname)
            if isinstance(place, Index):
                if isinstance(t, TupleOf) and t.n == self.n and sym.values == tuple(range(self.n)):
                    self.index.append((vi, list(range(self.n)), t.elem))
                elif isinstance(t, MapOf) and set(t.keys) == set(sym.values):
                    self.index.append((vi, [t.index[v] for v in sym.values], t.value))
                else:
                    raise SpecError(f"{where}: {vname} = Index() needs a TupleOf with one entry per value "
                                    f"(values range({self.n})) or a MapOf keyed by the values; it is {t!r}")
            elif isinstance(place, Members):
                if not isinstance(t, SetOf):
                    raise SpecError(f"{where}: {vname} = Members() needs a SetOf variable; it is {t!r}")
                self.members.append((vi, self._atoms(vname, t, place.at), t))
            elif isinstance(place, Value):
                if not isinstance(t, IntRange):
                    raise SpecError(f"{where}: {vname} = Value() needs an IntRange or Enum variable; it is {t!r}")
                if not all(t.contains(v) for v in sym.values):
                    raise SpecError(f"{where}: {vname} = Value(): the values {list(sym.values)!r} are not all in {t!r}")
                self.scalars.append(vi)
            elif isinstance(place, Values):
                fn = _relabeller(t, self.pos, f"{where}: {vname} = Values()")
                if fn is None:
                    raise SpecError(f"{where}: {vname} = Values(): {t!r} holds no integer a value could be")
                self.deep.append((vi, fn))
            else:
                raise SpecError(f"{where}: {vname} = {place!r}: give Index(), Members(at=...), Value() or Values()")
        self.keys = [value_key(t) for t in bound.variables.values()]
        self.elem_keys = {vi: value_key(t) for vi, _slots, t in self.index}
        self.placed = ({vi for vi, *_ in self.index} | {vi for vi, *_ in self.members} | set(self.scalars)
                       | {vi for vi, _ in self.deep})
        self.deep_vars = [vi for vi, _ in self.deep]
        self.identity = list(range(self.n))
        State = bound.State
        self._new = lambda vals: tuple.__new__(State, vals)

    def _atoms(self, vname: str, t: SetOf, at: int | None) -> dict:
        """atom -> (value position, template id) for every atom of the domain that involves a value."""
        out, templates = {}, {}
        for a in t.domain:
            if at is None:
                if not _is_val(a, self.pos):
                    continue
                v, tmpl = a, ()
            else:
                if not (isinstance(a, tuple) and len(a) > at and _is_val(a[at], self.pos)):
                    continue
                v, tmpl = a[at], a[:at] + (None,) + a[at + 1:]
            out[a] = (self.pos[v], templates.setdefault(tmpl, len(templates)))
        for a, (p, _) in out.items():  # every image must be in the domain too
            for q in range(self.n):
                img = self._img_atom(a, at, self.sym.values[q])
                if img not in t.order:
                    raise SpecError(f"{self.bound.name}.symmetry(): {vname} = Members(): the set's domain has "
                                    f"{a!r} but not {img!r}; a permutation of the values must map the domain onto itself")
        self._at = getattr(self, "_at", {})
        self._at[id(out)] = at
        return out

    @staticmethod
    def _img_atom(a: Any, at: int | None, v: Any) -> Any:
        return v if at is None else a[:at] + (v,) + a[at + 1:]

    # -- permutations ------------------------------------------------------------------------------
    def columns(self, s: Any) -> list[tuple]:
        """Per value position: what the placed variables hold for it (a permutation moves columns around)."""
        cols: list[list] = [[] for _ in range(self.n)]
        for vi, slots, _t in self.index:
            x = s[vi]
            k = self.elem_keys[vi]
            for p in range(self.n):
                cols[p].append(k(x[slots[p]]))
        for vi, atoms, _t in self.members:
            got: list[list[int]] = [[] for _ in range(self.n)]
            for a in s[vi]:
                hit = atoms.get(a)
                if hit is not None:
                    got[hit[0]].append(hit[1])
            for p in range(self.n):
                cols[p].append(tuple(sorted(got[p])))
        for vi in self.scalars:
            x = s[vi]
            p = self.pos.get(x) if type(x) is not bool else None
            for q in range(self.n):
                cols[q].append(p == q)
        return [tuple(c) for c in cols]

    def apply(self, s: Any, perm: Sequence[int]) -> Any:
        """The state with value position p renamed perm[p] everywhere the symmetry places it."""
        vals = list(s)
        values = self.sym.values
        for vi, slots, _t in self.index:
            x = s[vi]
            new = list(x)
            for p in range(self.n):
                new[slots[perm[p]]] = x[slots[p]]
            vals[vi] = tuple(new)
        for vi, atoms, _t in self.members:
            at = self._at[id(atoms)]
            out = []
            for a in s[vi]:
                hit = atoms.get(a)
                out.append(a if hit is None else self._img_atom(a, at, values[perm[hit[0]]]))
            vals[vi] = frozenset(out)
        for vi in self.scalars:
            x = s[vi]
            if _is_val(x, self.pos):
                vals[vi] = values[perm[self.pos[x]]]
        if self.deep:
            m = {values[p]: values[perm[p]] for p in range(self.n)}
            for vi, fn in self.deep:
                vals[vi] = fn(s[vi], m)
        return self._new(vals)

    def canonical(self, s: Any) -> Any:
        """The representative of s's orbit: columns sorted (exact: equal iff in the same orbit). With Values
        places, the least state (in a total order) among the column-sorting permutations, which is exact too:
        the set of those permuted states is the same for every state of the orbit."""
        cols = self.columns(s)
        order = sorted(range(self.n), key=cols.__getitem__)
        if not self.deep:
            if all(order[k] == k for k in range(self.n)):
                return s
            return self.apply(s, _perm_of(order))
        groups = [list(g) for _, g in itertools.groupby(order, key=cols.__getitem__)]
        # least in the order (the Values variables, which compare cheaply as tuples of integers; then every
        # variable's key)
        best = best_head = best_full = None
        for parts in itertools.product(*[itertools.permutations(g) for g in groups]):
            perm = _perm_of([p for part in parts for p in part])
            t = s if perm == self.identity else self.apply(s, perm)
            head = tuple([t[vi] for vi in self.deep_vars])
            if best is None or head < best_head:
                best, best_head, best_full = t, head, None
            elif head == best_head:
                if best_full is None:
                    best_full = self._full_key(best)
                full = self._full_key(t)
                if full < best_full:
                    best, best_full = t, full
        return best

    def _full_key(self, s: Any) -> tuple:
        return tuple(f(x) for f, x in zip(self.keys, s))

    def generators(self) -> list[list[int]]:
        """A transposition and an n-cycle: together they generate every permutation of the values."""
        swap = list(range(self.n))
        swap[0], swap[1] = 1, 0
        cycle = [(p + 1) % self.n for p in range(self.n)]
        return [swap] if self.n == 2 else [swap, cycle]

    def describe(self, perm: Sequence[int]) -> str:
        v = self.sym.values
        moved = [f"{v[p]}->{v[perm[p]]}" for p in range(self.n) if perm[p] != p]
        return ", ".join(moved)


def _perm_of(order: Sequence[int]) -> list[int]:
    """The permutation that moves position order[k] to k."""
    perm = [0] * len(order)
    for k, p in enumerate(order):
        perm[p] = k
    return perm


def _relabeller(t: Type, pos: dict, where: str) -> Callable[[Any, dict], Any] | None:
    """relabel(value, mapping) for values of type t: every integer that is a key of the mapping is replaced;
    None if no integer inside t can be one of the values."""
    if isinstance(t, Bool):
        return None
    if isinstance(t, IntRange):
        if not any(t.contains(v) for v in pos if type(v) is int):
            return None
        return lambda v, m: m.get(v, v)
    if isinstance(t, (TupleOf, SeqOf, MapOf)):
        f = _relabeller(t.value if isinstance(t, MapOf) else t.elem, pos, where)
        if f is None:
            return None
        return lambda v, m: tuple([f(x, m) for x in v])
    if isinstance(t, SetOf):
        if any(_is_val(a, pos) or (isinstance(a, tuple) and any(_is_val(x, pos) for x in a)) for a in t.domain):
            raise SpecError(f"{where}: a set whose atoms hold values is not supported inside Values(); "
                            f"declare it as its own variable with Members()")
        return None
    raise SpecError(f"{where}: {t!r} is not supported inside Values() (tuples, maps, sequences of integers)")


def compile_symmetry(bound: BoundSpec) -> Canonicaliser | None:
    """The spec's declared symmetry for these parameters (`symmetry(self)`), or None if it declares none."""
    sym = declared(bound, "symmetry")
    if sym is None:
        return None
    if not isinstance(sym, Symmetry):
        raise SpecError(f"{bound.name}.symmetry() must return a Symmetry(...) or None, got {type(sym).__name__}")
    return Canonicaliser(bound, sym)


# -- soundness checks --------------------------------------------------------------------------------------

def _substitution(canon: Canonicaliser, perm: Sequence[int], view: Any, leaves: list) -> list[tuple[Any, Any]]:
    """Z3 pairs (leaf of the permuted state -> its expression over the leaves of the state), over the Z3 view
    (and its leaves) the properties were compiled against."""
    inv = [0] * canon.n
    for p, q in enumerate(perm):
        inv[q] = p
    names = canon.names
    pairs: list[tuple[Any, Any]] = []

    def flat(x: Any) -> list:
        if isinstance(x, list):
            return [c for y in x for c in flat(y)]
        if isinstance(x, dict):
            return [c for y in x.values() for c in flat(y)]
        if hasattr(x, "_members"):
            return [leaf.const for leaf in x._members.values()]
        if hasattr(x, "len"):  # a sequence's view: its length (element leaves are made only when read)
            return [x.len]
        return [x]

    for vi, slots, _t in canon.index:
        v = getattr(view, names[vi])
        items = v if isinstance(v, list) else list(v.values())
        for p in range(canon.n):  # permuted[slot(perm p)] = state[slot(p)]
            pairs += list(zip(flat(items[slots[perm[p]]]), flat(items[slots[p]])))
    for vi, atoms, _t in canon.members:
        v = getattr(view, names[vi])
        at = canon._at[id(atoms)]
        for a, (p, _) in atoms.items():  # a in permuted  iff  pre-image of a in state
            pre = Canonicaliser._img_atom(a, at, canon.sym.values[inv[p]])
            pairs.append((v.has(a), v.has(pre)))
    def renamed(c: Any) -> Any:
        expr = c
        for p in range(canon.n):
            expr = z3.If(c == canon.sym.values[p], z3.IntVal(canon.sym.values[perm[p]]), expr)
        return expr

    for vi in canon.scalars:
        c = getattr(view, names[vi])
        pairs.append((c, renamed(c)))
    deep = {vi for vi, _ in canon.deep}
    for leaf in leaves:  # every integer leaf of a Values variable
        m = _FIRST_VAR.match(leaf.code)
        if m and int(m.group(1)) in deep and leaf.sort == "int" and not leaf.name.startswith("len("):
            pairs.append((leaf.const, renamed(leaf.const)))
    out, seen = [], set()
    for a, b in pairs:
        if not a.eq(b) and a.get_id() not in seen:
            seen.add(a.get_id())
            out.append((a, b))
    return out


_FIRST_VAR = re.compile(r"s\[(\d+)\]")


def prove_invariant(canon: Canonicaliser, props: Any, timeout_ms: int = 10000) -> list[str]:
    """Ask Z3 whether every property is unchanged by the permutations (a SpecError names one that is
    not). Returns warnings for a solver `unknown` (never read as a proof; the caller turns symmetry off)."""
    from ..z3bridge import domain_constraints
    warnings = []
    for perm in canon.generators():
        # every leaf of the view, and those a property made for itself (a sequence element it reads)
        leaves = list(props.leaves) + [leaf for p in props for leaf in p.leaves]
        pairs = _substitution(canon, perm, props.view, leaves)
        for p in props:
            moved = z3.substitute(p.formula, *pairs) if pairs else p.formula
            solver = z3.Solver()
            solver.set("timeout", timeout_ms)
            solver.add(*domain_constraints(props.leaves))
            solver.add(moved != p.formula)
            res = solver.check()
            if res == z3.sat:
                raise SpecError(f"{p.definition.where}: {p.kind} {p.name} is not symmetric in {canon.sym.name}: "
                                f"renaming {canon.describe(perm)} changes its value in some state, so symmetry "
                                f"reduction would be unsound; drop the symmetry or make the property symmetric")
            if res == z3.unknown:
                warnings.append(f"{p.kind} {p.name}: Z3 could not decide whether it is symmetric in "
                                f"{canon.sym.name} ({solver.reason_unknown()})")
    return warnings


def initial_closed(canon: Canonicaliser) -> None:
    """Raise a SpecError if a permutation of the values maps an initial state outside the initial states."""
    init = canon.bound.initial_states()
    have = set(init)
    for perm in canon.generators():
        for s in init:
            if canon.apply(s, perm) not in have:
                raise SpecError(f"{canon.bound.name}: the initial states are not symmetric in {canon.sym.name}: "
                                f"renaming {canon.describe(perm)} maps {canon.bound.show(s)} outside them")


def check_transitions(canon: Canonicaliser, states: list[Any]) -> None:
    """Check on the given states that every generator commutes with the actions: the successors of a
    renamed state are the renamed successors. Raise a SpecError naming the first state where not."""
    bound = canon.bound
    for s in states:
        succ = sorted(domain_key_state(canon, canon.canonical(bound.apply(a, s, args))) for a, args in bound.enabled(s))
        for perm in canon.generators():
            t = canon.apply(s, perm)
            got = sorted(domain_key_state(canon, canon.canonical(bound.apply(a, t, args))) for a, args in bound.enabled(t))
            if got != succ:
                raise SpecError(f"{bound.name}: the actions are not symmetric in {canon.sym.name}: renaming "
                                f"{canon.describe(perm)} in {bound.show(s)} changes its successors")


def domain_key_state(canon: Canonicaliser, s: Any) -> tuple:
    return tuple(k(x) for k, x in zip(canon.keys, s))


# -- counterexamples ---------------------------------------------------------------------------------------

def real_path(canon: Canonicaliser, path: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """Map a path over representatives ([(None, c0), ((a, args), c1), ...]) to a real path of the
    unreduced spec whose k-th state has c_k as its representative, action by action."""
    bound = canon.bound
    _, c0 = path[0]
    starts = [s for s in bound.initial_states() if canon.canonical(s) == c0]
    if not starts:
        raise SpecError(f"{bound.name}: no initial state has the representative the search started from")
    s = starts[0]
    out = [(None, s)]
    for (a, args), c in path[1:]:
        step = None
        cands = bound.enabled(s)
        # the same action first (its arguments renamed), then any other
        for b, bargs in sorted(cands, key=lambda x: x[0] is not a):
            t = bound.apply(b, s, bargs)
            if canon.canonical(t) == c:
                step = ((b, bargs), t)
                break
        if step is None:
            raise SpecError(f"{bound.name}: the actions are not symmetric in {canon.sym.name}: no step from "
                            f"{bound.show(s)} reaches the orbit the search reached by {bound.label(a, args)}")
        out.append(step)
        s = step[1]
    return out
